/**
 * Causal reads and session identity of the mysql2-compatible pool on a real MariaDB 10.11 GTID
 * cluster, reads on replicas (`readPreference=secondaryPreferred`):
 *
 * - at the default level (`causalReads=pool`) a loop of write-then-read (plain queries, `execute`,
 *   transactions, DDL then introspection) never reads stale data, with appliers running and with
 *   both replicas' SQL threads stopped (reads then fall back to the primary);
 * - at `causalReads=none`, with both SQL threads stopped, the same read is stale (the test can fail);
 * - Kysely's `inflightQueryAbortStrategy: 'cancel query'` and a raw `KILL QUERY <threadId>` through
 *   the pool kill that query and nothing else; a `KILL` of an id the pool does not hold is refused.
 *
 * Replication is held back by stopping the appliers, never by sleeping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kysely, MysqlDialect, sql } from 'kysely'
import type { RowDataPacket } from 'mysql2/promise'
import { createPool } from 'replicakit/mysql'
import type { MysqlPool } from 'replicakit/mysql'
import { ErrorCode } from '../../../src/errors/errors.js'
import { isMysqlPoolError } from '../../../adapters/mysql/pool/mysql-pool-error.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import type { MysqlCluster } from '../../clusters/mysql-cluster.js'

let cluster: MysqlCluster
const pools: MysqlPool[] = []
const REPLICAS = ['node2', 'node3']

beforeAll(async () => {
  cluster = await startMysqlCluster({ nodes: 3 })
})

afterAll(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()))
  await cluster.stop()
})

/** A pool reading from replicas; `extra` is appended to the URI query. */
async function open(extra = ''): Promise<MysqlPool> {
  const pool = createPool(
    `${cluster.uri}?readPreference=secondaryPreferred&heartbeatFrequencyMS=500&causalWaitMS=300${extra}`,
  )
  pools.push(pool)
  await expect
    .poll(
      () =>
        pool.client
          .topology()
          .nodes.map((n) => n.state)
          .sort(),
      { timeout: 20_000 },
    )
    .toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY'])
  return pool
}

async function holdAppliers(): Promise<void> {
  for (const name of REPLICAS) await cluster.stopSqlThread(name)
}

async function releaseAppliers(): Promise<void> {
  for (const name of REPLICAS) await cluster.startSqlThread(name)
  await cluster.waitForReplication()
}

async function rows(
  pool: MysqlPool,
  text: string,
  values?: unknown,
  method: 'query' | 'execute' = 'query',
): Promise<RowDataPacket[]> {
  const [result] = await (method === 'query'
    ? pool.query(text, values)
    : pool.execute(text, values))
  return result as RowDataPacket[]
}

/** One round of write-then-read through `pool`; returns how many reads missed the write. */
async function roundOfWritesThenReads(pool: MysqlPool, table: string, i: number): Promise<number> {
  let stale = 0
  await pool.query(`INSERT INTO ${table} (id, v) VALUES (?, 'q')`, [i * 10 + 1])
  if ((await rows(pool, `SELECT v FROM ${table} WHERE id = ?`, [i * 10 + 1])).length !== 1) stale++
  await pool.execute(`UPDATE ${table} SET v = 'e' WHERE id = ?`, [i * 10 + 1])
  const updated = await rows(pool, `SELECT v FROM ${table} WHERE id = ?`, [i * 10 + 1], 'execute')
  if (updated[0]?.['v'] !== 'e') stale++
  const conn = await pool.getConnection()
  await conn.beginTransaction()
  await conn.query(`INSERT INTO ${table} (id, v) VALUES (?, 't')`, [i * 10 + 2])
  await conn.commit()
  conn.release()
  if ((await rows(pool, `SELECT v FROM ${table} WHERE id = ?`, [i * 10 + 2])).length !== 1) stale++
  await pool.query(`CREATE TABLE ${table}_ddl_${String(i)} (id INT PRIMARY KEY)`)
  const columns = await rows(
    pool,
    'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [`${table}_ddl_${String(i)}`],
  )
  if (columns.length !== 1) stale++
  return stale
}

describe('causal reads through the pool', () => {
  it('default level: write-then-read never reads stale data, appliers running or held back', async () => {
    const pool = await open()
    expect(pool.causalReads).toBe('pool')
    await pool.query('CREATE TABLE causal_a (id INT PRIMARY KEY, v VARCHAR(8))')
    let stale = 0
    for (let i = 0; i < 10; i++) stale += await roundOfWritesThenReads(pool, 'causal_a', i)
    await holdAppliers()
    try {
      for (let i = 10; i < 13; i++) stale += await roundOfWritesThenReads(pool, 'causal_a', i)
    } finally {
      await releaseAppliers()
    }
    expect(stale).toBe(0)
    const stats = pool.causalStats
    expect(stats.causalReads).toBeGreaterThan(0)
    // With both appliers held back, the replicas never caught up: the primary served those reads.
    expect(stats.fellBackToPrimary).toBeGreaterThan(0)
    // Most GTIDs came in the OK packets, without a round trip.
    expect(stats.capturedFromOkPacket).toBeGreaterThan(0)
  })

  it('level none: with the appliers held back, a read after a write is stale (the test can fail)', async () => {
    const pool = await open('&causalReads=none')
    await pool.query('CREATE TABLE causal_none (id INT PRIMARY KEY, v VARCHAR(8))')
    await cluster.waitForReplication()
    await holdAppliers()
    let found: number
    try {
      await pool.query("INSERT INTO causal_none (id, v) VALUES (1, 'x')")
      found = (await rows(pool, 'SELECT v FROM causal_none WHERE id = 1')).length
    } finally {
      await releaseAppliers()
    }
    expect(found).toBe(0)
    expect(pool.causalStats.causalReads).toBe(0)
  })

  it('level connection: a connection reads its own writes', async () => {
    const pool = await open('&causalReads=connection')
    await pool.query('CREATE TABLE causal_conn (id INT PRIMARY KEY)')
    await cluster.waitForReplication()
    await holdAppliers()
    try {
      const conn = await pool.getConnection()
      await conn.query('INSERT INTO causal_conn (id) VALUES (1)')
      // Released, the connection is unpinned again: its next read is routed to a replica, and
      // waits for (or falls back to the primary for) its own earlier write.
      conn.release()
      const [mine] = (await conn.query('SELECT id FROM causal_conn')) as [RowDataPacket[], unknown]
      expect(mine).toHaveLength(1)
      const other = await pool.getConnection()
      const [theirs] = (await other.query('SELECT id FROM causal_conn')) as [
        RowDataPacket[],
        unknown,
      ]
      expect(theirs).toHaveLength(0)
    } finally {
      await releaseAppliers()
    }
  })
})

/** The statements running on the primary whose text starts with `prefix`, by thread id. */
async function running(prefix: string): Promise<number[]> {
  const found = await cluster.adminQuery(
    'node1',
    `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE '${prefix}%' ORDER BY ID`,
  )
  return found.map((r) => Number(r['id']))
}

describe('session identity and KILL through the pool', () => {
  it("Kysely's cancel query and a raw KILL QUERY kill that query and nothing else", async () => {
    const pool = await open()
    const db = new Kysely<Record<string, never>>({ dialect: new MysqlDialect({ pool }) })

    // An unrelated session of the same pool, sleeping.
    const bystander = await pool.getConnection()
    const [[idRow]] = (await bystander.query('SELECT CONNECTION_ID() AS id')) as [
      RowDataPacket[],
      unknown,
    ]
    expect(bystander.threadId).toBe(Number(idRow!['id']))
    // Settled into a value at once: the KILL below rejects it, maybe before its own reply arrives.
    const bystanderSleep = bystander.query('SELECT SLEEP(600) AS bystander').then(
      () => 'finished',
      (e: unknown) => e,
    )

    const controller = new AbortController()
    const cancelled = sql`SELECT SLEEP(600) AS cancelled`
      .execute(db, { signal: controller.signal, inflightQueryAbortStrategy: 'cancel query' })
      .then(
        () => 'finished',
        () => 'aborted',
      )
    await expect
      .poll(() => running('SELECT SLEEP(600) AS cancelled'), { timeout: 20_000 })
      .toHaveLength(1)
    await expect
      .poll(() => running('SELECT SLEEP(600) AS bystander'), { timeout: 20_000 })
      .toHaveLength(1)
    controller.abort()
    expect(await cancelled).toBe('aborted')
    await expect
      .poll(() => running('SELECT SLEEP(600) AS cancelled'), { timeout: 20_000 })
      .toEqual([])
    expect(await running('SELECT SLEEP(600) AS bystander')).toEqual([bystander.threadId])

    // A raw KILL QUERY of the bystander's id, sent through the pool, reaches its node and session.
    await pool.query(`KILL QUERY ${String(bystander.threadId)}`)
    const killed = await bystanderSleep
    // MariaDB ends a killed SLEEP() either with 1317 (interrupted) or by returning 1 at once.
    expect(killed === 'finished' || (isMysqlPoolError(killed) && killed.errno === 1317)).toBe(true)
    expect(await running('SELECT SLEEP(600) AS bystander')).toEqual([])
    bystander.release()

    // An id no session of this pool holds is refused, not sent to some node.
    const unknown = await pool.query('KILL QUERY 999999').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isMysqlPoolError(unknown) && unknown.replicakit.code).toBe(ErrorCode.NotSupported)
    await db.destroy()
  })

  it('ping, changeUser (no change only), escape, format, destroy behave as in mysql2', async () => {
    const pool = await open()
    const conn = await pool.getConnection()
    await conn.ping()
    expect(conn.threadId).toBeNull()
    await conn.changeUser({ user: cluster.appUser })
    const refused = await conn.changeUser({ user: 'someone_else' }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isMysqlPoolError(refused) && refused.replicakit.code).toBe(ErrorCode.NotSupported)
    expect(conn.escape("a'b")).toBe("'a\\'b'")
    expect(conn.format('SELECT ?? FROM t WHERE id = ?', ['c', 1])).toBe(
      'SELECT `c` FROM t WHERE id = 1',
    )
    await conn.query('SELECT CONNECTION_ID()')
    expect(conn.threadId).not.toBeNull()
    expect(conn.config).toMatchObject({ user: cluster.appUser, database: 'appdb' })
    await conn.ping()
    conn.destroy()
    expect(conn.threadId).toBeNull()
  })
})
