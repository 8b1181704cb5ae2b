/**
 * Failover on a real MariaDB cluster: the primary is killed with SIGKILL or frozen with SIGSTOP while
 * a bounded workload runs through one ReplicaKit client. Invariants, not timings, are asserted. Each
 * scenario runs twice: on plain TCP, and with TLS on (verified against the test CA) for the probes and
 * the calls alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { connect } from 'replicakit/mysql'
import type { MysqlConnection } from 'replicakit/mysql'
import type { ReplicaKitClient } from '../../src/client/client.js'
import { ErrorCode, isReplicaKitError } from '../../src/errors/errors.js'
import { startMysqlCluster } from '../clusters/mysql-cluster.js'
import type { MysqlCluster } from '../clusters/mysql-cluster.js'
import { ensureTlsFiles } from '../clusters/tls-certs.js'

/** The two transports every scenario runs on. */
const TRANSPORTS = [
  { transport: 'plain TCP', tls: false },
  { transport: 'TLS', tls: true },
]

/** A three-node cluster, with TLS offered when `tls`, and the URI a client uses on it. */
async function startCluster(tls: boolean): Promise<{ cluster: MysqlCluster; uri: string }> {
  const cluster = await startMysqlCluster({ nodes: 3, tls })
  if (!tls) return { cluster, uri: cluster.uri }
  return { cluster, uri: `${cluster.uri}?tls=true&tlsCAFile=${(await ensureTlsFiles()).ca}` }
}

/** Whether the client's connection to the primary is encrypted (`Ssl_cipher` set). */
async function isEncrypted(db: ReplicaKitClient<MysqlConnection>): Promise<boolean> {
  return db.write(async (c) => {
    const [rows] = await c.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
    return String(rows[0]!['Value']) !== ''
  })
}

describe.each(TRANSPORTS)(
  'primary killed (kill -9) and a replica promoted, on $transport',
  ({ tls }) => {
    let cluster: MysqlCluster
    let db: ReplicaKitClient<MysqlConnection>

    beforeAll(async () => {
      const started = await startCluster(tls)
      cluster = started.cluster
      db = await connect(started.uri, { heartbeatFrequencyMS: 500, timeoutMS: 20_000 })
      await db.write((c) =>
        c.query('CREATE TABLE journal (seq INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL)'),
      )
      expect(await isEncrypted(db)).toBe(tls)
    })

    afterAll(async () => {
      await db.close()
      await cluster.stop()
    })

    it('resumes writes on the new primary through the same client, losing and doubling nothing acknowledged', async () => {
      const primaries: (string | null)[] = []
      db.on('primaryChanged', (e) => primaries.push(e.next))
      const acknowledged: number[] = []
      const unknown: number[] = []
      const TOTAL = 120
      const KILL_AT = 30
      let promoted: Promise<string> | undefined
      for (let k = 0; k < TOTAL; k++) {
        if (k === KILL_AT) {
          await cluster.kill('node1')
          // Promotion runs while the workload keeps going, as an orchestrator would do it.
          promoted = cluster.promote()
        }
        try {
          await db.write((c) => c.query('INSERT INTO journal (k) VALUES (?)', [k]), {
            w: 'majority',
            wtimeoutMS: 5000,
          })
          acknowledged.push(k)
        } catch (error: unknown) {
          if (!isReplicaKitError(error)) throw error
          unknown.push(k)
        }
      }
      const newPrimary = await promoted!
      const newAddress = cluster.nodes.find((n) => n.name === newPrimary)!
      expect(db.topology().primary).toBe(`${newAddress.host}:${newAddress.port}`)
      expect(primaries).toContain(`${newAddress.host}:${newAddress.port}`)

      const rows = await cluster.adminQuery(
        newPrimary,
        'SELECT k, COUNT(*) AS n FROM appdb.journal GROUP BY k',
      )
      const counts = new Map(rows.map((r) => [Number(r['k']), Number(r['n'])]))
      const lost = acknowledged.filter((k) => counts.get(k) !== 1)
      const doubled = [...counts].filter(([, n]) => n > 1)
      expect(lost).toEqual([])
      expect(doubled).toEqual([])
      // Writes succeeded after the failover, through the very same client.
      expect(acknowledged.filter((k) => k > KILL_AT).length).toBeGreaterThan(TOTAL - KILL_AT - 20)
      expect(await isEncrypted(db)).toBe(tls)
      console.log(
        `failover: ${acknowledged.length} acknowledged, ${unknown.length} failed during the window, ` +
          `new primary ${newPrimary}`,
      )
    })

    it('sees the old primary rejoin as a replica', async () => {
      await cluster.rejoin('node1')
      const old = cluster.nodes.find((n) => n.name === 'node1')!
      await expect
        .poll(
          () => db.topology().nodes.find((n) => n.address === `${old.host}:${old.port}`)?.state,
          {
            timeout: 20_000,
          },
        )
        .toBe('SECONDARY')
    })
  },
)

describe.each(TRANSPORTS)('primary frozen (kill -STOP), on $transport', ({ tls }) => {
  let cluster: MysqlCluster
  let db: ReplicaKitClient<MysqlConnection>

  beforeAll(async () => {
    const started = await startCluster(tls)
    cluster = started.cluster
    db = await connect(started.uri, { heartbeatFrequencyMS: 500, connectTimeoutMS: 1000 })
    await db.write((c) => c.query('CREATE TABLE t (id INT PRIMARY KEY)'))
  })

  afterAll(async () => {
    await cluster.resume('node1').catch(() => undefined)
    await db.close()
    await cluster.stop()
  })

  it('ends writes at their deadline with a timeout whose outcome is unknown; nothing hangs', async () => {
    await cluster.pause('node1')
    try {
      const error = await db
        .write((c) => c.query('INSERT INTO t VALUES (1)'), { timeoutMS: 2000 })
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      expect(isReplicaKitError(error)).toBe(true)
      if (!isReplicaKitError(error)) return
      expect([
        ErrorCode.OperationTimeout,
        ErrorCode.ServerSelectionTimeout,
        ErrorCode.ConnectTimeout,
      ]).toContain(error.code)
      // A write that may have reached the frozen primary is never reported as "not written".
      expect(error.hasLabel('NoWritesPerformed') && error.hasLabel('UnknownOutcome')).toBe(false)
      // A connection that never opened (over TLS the handshake with the frozen node cannot end, when
      // the pool has no open connection to it) sent nothing, and says so.
      if (error.code === ErrorCode.ConnectTimeout) {
        expect(error.hasLabel('NoWritesPerformed')).toBe(true)
      }
    } finally {
      await cluster.resume('node1')
    }
  })

  it('keeps serving replica reads while the primary is frozen', async () => {
    await cluster.pause('node1')
    try {
      const [rows] = await db.read((c) => c.query<RowDataPacket[]>('SELECT @@server_id AS id'), {
        readPreference: 'secondary',
        timeoutMS: 5000,
      })
      expect([2, 3]).toContain(Number(rows[0]!['id']))
    } finally {
      await cluster.resume('node1')
    }
  })

  it('marks the frozen primary unknown after its probe times out and recovers when it resumes', async () => {
    const node1 = cluster.nodes.find((n) => n.name === 'node1')!
    const address = `${node1.host}:${node1.port}`
    await cluster.pause('node1')
    try {
      await expect
        .poll(() => db.topology().nodes.find((n) => n.address === address)?.state, {
          timeout: 15_000,
        })
        .not.toBe('PRIMARY')
    } finally {
      await cluster.resume('node1')
    }
    await expect.poll(() => db.topology().primary, { timeout: 15_000 }).toBe(address)
    await db.write((c) => c.query('INSERT INTO t VALUES (2)'))
  })
})
