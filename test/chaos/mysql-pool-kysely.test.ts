/**
 * Kysely on the mysql2-compatible pool (`createPool` from `replicakit/mysql`) through a failover on a
 * real MariaDB cluster: the primary is killed with SIGKILL and a replica promoted while a bounded
 * workload runs through one Kysely instance. Invariants, not timings, are asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kysely, MysqlDialect, sql } from 'kysely'
import type { Generated } from 'kysely'
import { createPool } from 'replicakit/mysql'
import type { MysqlPool } from 'replicakit/mysql'
import { ErrorCode } from '../../src/errors/errors.js'
import { isMysqlPoolError } from '../../adapters/mysql/pool/mysql-pool-error.js'
import { startMysqlCluster } from '../clusters/mysql-cluster.js'
import type { MysqlCluster } from '../clusters/mysql-cluster.js'

interface Database {
  journal: { seq: Generated<number>; k: number }
}

describe('Kysely on the compatible pool: primary killed (kill -9) and a replica promoted', () => {
  let cluster: MysqlCluster
  let pool: MysqlPool
  let db: Kysely<Database>
  let destroyed = false

  beforeAll(async () => {
    cluster = await startMysqlCluster({ nodes: 3 })
    pool = createPool(`${cluster.uri}?w=majority&wtimeoutMS=5000`, {
      heartbeatFrequencyMS: 500,
      timeoutMS: 20_000,
    })
    db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) })
    await db.schema
      .createTable('journal')
      .addColumn('seq', 'integer', (c) => c.autoIncrement().primaryKey())
      .addColumn('k', 'integer', (c) => c.notNull())
      .execute()
  })

  afterAll(async () => {
    if (!destroyed) await db.destroy()
    await cluster.stop()
  })

  it('keeps inserting through the same Kysely instance, losing and doubling nothing acknowledged', async () => {
    const primaries: (string | null)[] = []
    pool.client.on('primaryChanged', (e) => primaries.push(e.next))
    const acknowledged: number[] = []
    const failed: number[] = []
    const TOTAL = 120
    const KILL_AT = 30
    let promoted: Promise<string> | undefined
    for (let k = 0; k < TOTAL; k++) {
      if (k === KILL_AT) {
        // A transaction is open on the primary when it dies: it must fail, not move to another node.
        const inFlight = db.transaction().execute(async (tx) => {
          await tx.insertInto('journal').values({ k: -1 }).execute()
          await cluster.kill('node1')
          await tx.insertInto('journal').values({ k: -2 }).execute()
        })
        const error = await inFlight.then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(isMysqlPoolError(error)).toBe(true)
        if (isMysqlPoolError(error)) expect(error.replicakit.code).toBe(ErrorCode.NetworkError)
        // Promotion runs while the workload keeps going, as an orchestrator would do it.
        promoted = cluster.promote()
      }
      try {
        await db.insertInto('journal').values({ k }).execute()
        acknowledged.push(k)
      } catch (error: unknown) {
        if (!isMysqlPoolError(error)) throw error
        failed.push(k)
      }
    }
    const newPrimary = await promoted!
    const node = cluster.nodes.find((n) => n.name === newPrimary)!
    const address = `${node.host}:${node.port}`
    expect(pool.client.topology().primary).toBe(address)
    expect(primaries).toContain(address)

    const rows = await cluster.adminQuery(
      newPrimary,
      'SELECT k, COUNT(*) AS n FROM appdb.journal GROUP BY k',
    )
    const counts = new Map(rows.map((r) => [Number(r['k']), Number(r['n'])]))
    expect(acknowledged.filter((k) => counts.get(k) !== 1)).toEqual([])
    expect([...counts].filter(([, n]) => n > 1)).toEqual([])
    // The transaction open at the crash never committed anywhere.
    expect(counts.has(-1) || counts.has(-2)).toBe(false)
    // Inserts after the failover succeed through the very same Kysely instance.
    expect(acknowledged.filter((k) => k > KILL_AT).length).toBeGreaterThan(TOTAL - KILL_AT - 20)
    expect(acknowledged.at(-1)).toBe(TOTAL - 1)

    // A transaction after the failover runs on the new primary and commits.
    const sid = await db.transaction().execute(async (tx) => {
      await tx.insertInto('journal').values({ k: 1000 }).execute()
      const r = await sql<{ sid: unknown }>`SELECT @@server_id AS sid`.execute(tx)
      return Number(r.rows[0]!.sid)
    })
    expect(sid).toBe(node.serverId)
    expect(
      await cluster.adminQuery(newPrimary, 'SELECT 1 FROM appdb.journal WHERE k = 1000'),
    ).toHaveLength(1)
    console.log(
      `kysely failover: ${acknowledged.length} acknowledged, ${failed.length} failed during the ` +
        `window, new primary ${newPrimary}`,
    )
  })

  it('db.destroy() ends the pool: every later call fails with CLIENT_CLOSED', async () => {
    await db.destroy()
    destroyed = true
    const error = await pool.query('SELECT 1').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isMysqlPoolError(error) && error.replicakit.code).toBe(ErrorCode.ClientClosed)
  })
})
