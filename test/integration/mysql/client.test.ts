/**
 * The ReplicaKit client on a real MariaDB 10.11 GTID replication cluster (three mariadbd processes
 * on loopback, started by test/clusters). Nothing here is mocked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { connect } from 'replicakit/mysql'
import type { MysqlConnection } from 'replicakit/mysql'
import { connect as connectAny } from '../../../src/connect.js'
import type { ReplicaKitClient } from '../../../src/client/client.js'
import { ErrorCode } from '../../../src/errors/errors.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import type { MysqlCluster } from '../../clusters/mysql-cluster.js'
import { caught } from '../../fixtures/caught.js'

let cluster: MysqlCluster
const clients: ReplicaKitClient<MysqlConnection>[] = []

beforeAll(async () => {
  cluster = await startMysqlCluster({ nodes: 3 })
  const admin = await open(cluster.uri)
  await admin.write((c) =>
    c.query('CREATE TABLE IF NOT EXISTS items (id INT PRIMARY KEY, v VARCHAR(64))'),
  )
  await admin.close()
})

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await cluster.stop()
})

async function open(uri: string, options: Parameters<typeof connect>[1] = {}) {
  const db = await connect(uri, { heartbeatFrequencyMS: 500, ...options })
  clients.push(db)
  return db
}

/** Waits until the client has probed every node (selection only uses nodes it knows). */
async function ready(db: ReplicaKitClient<MysqlConnection>): Promise<void> {
  await expect
    .poll(() => db.topology().nodes.map((n) => n.state).sort(), { timeout: 15_000 })
    .toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY'])
}

function addr(name: string): string {
  const n = cluster.nodes.find((x) => x.name === name)!
  return `${n.host}:${n.port}`
}

async function serverId(conn: MysqlConnection): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT @@server_id AS id')
  return Number(rows[0]!['id'])
}


describe('discovery and roles', () => {
  it('discovers every member from a single seed host and knows their roles', async () => {
    const seed = addr('node2') // a replica: the primary and node3 must be found through it
    const db = await open(`mysql://${cluster.appUser}:${cluster.appPassword}@${seed}/appdb`)
    await db.waitForPrimary()
    await expect
      .poll(() => db.topology().nodes.map((n) => `${n.address} ${n.state}`).sort(), { timeout: 15_000 })
      .toEqual(
        [`${addr('node1')} PRIMARY`, `${addr('node2')} SECONDARY`, `${addr('node3')} SECONDARY`].sort(),
      )
    expect(db.topology().primary).toBe(addr('node1'))
  })
})

describe('routing', () => {
  it('writes on the primary and reads on replicas when asked', async () => {
    // A wide latency window: this test is about roles, and a loaded machine skews round trips.
    const db = await open(cluster.uri, { localThresholdMS: 1000 })
    await ready(db)
    const primaryId = await db.write((c) => serverId(c))
    expect(primaryId).toBe(1)
    const ids = new Set<number>()
    for (let i = 0; i < 12; i++) ids.add(await db.read((c) => serverId(c), { readPreference: 'secondary' }))
    expect([...ids].sort()).toEqual([2, 3])
  })

  it('reads only from nodes whose tags match the first matching tag set', async () => {
    const db = await open(cluster.uri, {
      nodeTags: { [addr('node2')]: { dc: 'west' }, [addr('node3')]: { dc: 'east' } },
    })
    await ready(db)
    for (let i = 0; i < 6; i++) {
      const id = await db.read((c) => serverId(c), {
        readPreference: 'secondary',
        readPreferenceTags: [{ dc: 'north' }, { dc: 'east' }, {}],
      })
      expect(id).toBe(3)
    }
  })

  it('keeps a transaction on one node', async () => {
    const db = await open(cluster.uri)
    const ids = await db.write(async (c) => {
      await c.beginTransaction()
      const a = await serverId(c)
      await c.query('INSERT INTO items VALUES (100, "tx") ON DUPLICATE KEY UPDATE v = "tx"')
      const b = await serverId(c)
      await c.commit()
      return [a, b]
    })
    expect(ids).toEqual([1, 1])
  })
})

describe('write concern', () => {
  it('acknowledges w:"majority" once a replica applied the write', async () => {
    const db = await open(cluster.uri)
    await db.write((c) => c.query('INSERT INTO items VALUES (1, "majority")'), {
      w: 'majority',
      wtimeoutMS: 5000,
    })
    // Every replica that confirmed has it; at least one must have, so a read there finds it.
    const found = await Promise.all(
      ['node2', 'node3'].map((n) =>
        cluster.adminQuery(n, 'SELECT v FROM appdb.items WHERE id = 1').then((r) => r.length),
      ),
    )
    expect(found.some((n) => n === 1)).toBe(true)
  })

  it('fails with WriteConcernError when replicas cannot apply in time, and the row stays', async () => {
    const db = await open(cluster.uri)
    await db.waitForPrimary()
    await cluster.stopReplication('node2')
    await cluster.stopReplication('node3')
    try {
      const error = await caught(
        db.write((c) => c.query('INSERT INTO items VALUES (2, "wtimeout")'), {
          w: 'majority',
          wtimeoutMS: 500,
        }),
      )
      expect(error.code).toBe(ErrorCode.WriteConcernTimeout)
      expect(error.name).toBe('WriteConcernError')
      const rows = await cluster.adminQuery('node1', 'SELECT v FROM appdb.items WHERE id = 2')
      expect(rows).toHaveLength(1)
    } finally {
      await cluster.startReplication('node2')
      await cluster.startReplication('node3')
      await cluster.waitForReplication()
    }
  })
})

describe('read-your-writes', () => {
  it('a session read on a lagging replica waits for the session’s own write', async () => {
    const db = await open(cluster.uri, { causalWaitMS: 5000 })
    await db.waitForPrimary()
    const session = db.startSession()
    await cluster.stopSqlThread('node2')
    await cluster.stopSqlThread('node3')
    await db.write((c) => c.query('INSERT INTO items VALUES (3, "mine")'), { session })
    expect(session.token?.value).toMatch(/^\d+-\d+-\d+/)
    setTimeout(() => {
      void cluster.startSqlThread('node2')
      void cluster.startSqlThread('node3')
    }, 300)
    const [rows] = await db.read(
      (c) => c.query<RowDataPacket[]>('SELECT v FROM items WHERE id = 3'),
      { session, readPreference: 'secondary' },
    )
    expect(rows.map((r) => r['v'])).toEqual(['mine'])
  })
})

describe('max staleness', () => {
  it('skips a replica that has fallen behind and uses it again once caught up', async () => {
    const db = await open(cluster.uri, { localThresholdMS: 1000 })
    await ready(db)
    await cluster.stopSqlThread('node3')
    try {
      await db.write((c) => c.query('INSERT INTO items VALUES (4, "lag")'))
      // node3 now lacks a transaction; with a staleness bound it must not be read.
      await expect
        .poll(
          async () => {
            const ids = new Set<number>()
            for (let i = 0; i < 8; i++) {
              ids.add(
                await db.read((c) => serverId(c), { readPreference: 'secondary', maxStalenessSeconds: 90 }),
              )
            }
            return [...ids]
          },
          { timeout: 15_000 },
        )
        .toEqual([2])
    } finally {
      await cluster.startSqlThread('node3')
    }
    await expect
      .poll(
        async () => {
          const ids = new Set<number>()
          for (let i = 0; i < 12; i++) {
            ids.add(await db.read((c) => serverId(c), { readPreference: 'secondary', maxStalenessSeconds: 90 }))
          }
          return [...ids].sort()
        },
        { timeout: 15_000 },
      )
      .toEqual([2, 3])
  })
})

describe('split brain', () => {
  it('refuses writes while two nodes are writable, and resumes once one is read-only again', async () => {
    const db = await open(cluster.uri)
    await ready(db)
    const events: string[][] = []
    db.on('splitBrainDetected', (e) => events.push([...e.nodes]))
    await cluster.setReadOnly('node2', false)
    try {
      await expect.poll(() => db.topology().conflictingPrimaries.length, { timeout: 15_000 }).toBe(2)
      const error = await caught(db.write((c) => c.query('INSERT INTO items VALUES (5, "sb")')))
      expect(error.code).toBe(ErrorCode.SplitBrain)
      expect(await cluster.adminQuery('node1', 'SELECT 1 FROM appdb.items WHERE id = 5')).toHaveLength(0)
      expect(await cluster.adminQuery('node2', 'SELECT 1 FROM appdb.items WHERE id = 5')).toHaveLength(0)
      expect(events.length).toBeGreaterThan(0)
    } finally {
      await cluster.setReadOnly('node2', true)
    }
    await expect.poll(() => db.topology().conflictingPrimaries.length, { timeout: 15_000 }).toBe(0)
    await db.write((c) => c.query('INSERT INTO items VALUES (5, "after")'), { timeoutMS: 15_000 })
    expect(await cluster.adminQuery('node1', 'SELECT v FROM appdb.items WHERE id = 5')).toEqual([
      { v: 'after' },
    ])
  })
})

describe('configuration errors', () => {
  const password = 'Sup3r-S3cret-pw'
  const bad = [
    `mysql://app:${password}@`,
    `mysql://app:${password}@host:99999/db`,
    `mysql://app:${password}@host/db?readPreference=sideways`,
    `mysql://app:${password}@host/db?w=-1`,
    `mysql://app:${password}@host/db?maxStalenessSeconds=5&readPreference=secondary`,
    `mysql://app:${password}@host/db?noSuchOption=1`,
    `mysql://app:${password}@host/db?readPreference=primary&readPreferenceTags=dc:east`,
    `postgres://app:${password}@host/db`,
  ]
  it.each(bad)('rejects %s with a ConfigError that hides the password', async (uri) => {
    const error = await caught(connectAny(uri))
    expect(error.name).toBe('ConfigError')
    for (const text of [error.message, String(error), error.stack ?? '', JSON.stringify(error)]) {
      expect(text).not.toContain(password)
    }
  })

  it('reports wrong credentials without the password', async () => {
    const wrong = 'Wr0ng-Pa55word'
    const db = await open(
      `mysql://${cluster.appUser}:${wrong}@${addr('node1')}/appdb`,
      { serverSelectionTimeoutMS: 1500, timeoutMS: 2000 },
    )
    const error = await caught(db.read((c) => serverId(c)))
    for (const text of [error.message, String(error), error.stack ?? '']) expect(text).not.toContain(wrong)
    const heartbeat = JSON.stringify(db.topology())
    expect(heartbeat).not.toContain(wrong)
  })
})
