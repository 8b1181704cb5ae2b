/**
 * Reads while the primary is dead and nobody promoted a replica (issue #7 item 3), on a real
 * MariaDB 10.11 cluster: the replicas' IO threads keep `Connecting` to the killed source, but they
 * apply cleanly and serve consistent data, so `secondaryPreferred` reads go on, and a staleness
 * bound keeps working at first (its growth is unit-tested on a fake clock in
 * test/unit/adapters/mysql/mysql-probe-source-lost.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { connect } from 'replicakit/mysql'
import type { MysqlConnection } from 'replicakit/mysql'
import type { ReplicaKitClient } from '../../../src/client/client.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import type { MysqlCluster } from '../../clusters/mysql-cluster.js'

let cluster: MysqlCluster
let db: ReplicaKitClient<MysqlConnection>

beforeAll(async () => {
  cluster = await startMysqlCluster({ nodes: 3 })
  db = await connect(cluster.uri, { heartbeatFrequencyMS: 500, localThresholdMS: 1000 })
  await db.write((c) => c.query('CREATE TABLE IF NOT EXISTS items (id INT PRIMARY KEY, v TEXT)'))
  await db.write((c) => c.query("INSERT INTO items VALUES (1, 'before the crash')"))
  await cluster.waitForReplication()
})

afterAll(async () => {
  await db.close()
  await cluster.stop()
})

async function readRow(
  options: Parameters<ReplicaKitClient<MysqlConnection>['read']>[1],
): Promise<{ serverId: number; v: unknown }> {
  return db.read(async (c) => {
    const [rows] = await c.query<RowDataPacket[]>(
      'SELECT @@server_id AS id, (SELECT v FROM items WHERE id = 1) AS v',
    )
    return { serverId: Number(rows[0]?.['id']), v: rows[0]?.['v'] }
  }, options)
}

describe('reads with the primary killed and not promoted', () => {
  it('secondaryPreferred reads go on from a replica, and maxStalenessSeconds=90 at first', async () => {
    await expect
      .poll(
        () =>
          db
            .topology()
            .nodes.map((n) => n.state)
            .sort(),
        { timeout: 15_000 },
      )
      .toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY'])
    await cluster.kill('node1')
    // Wait until the client has seen the primary die and the replicas' IO threads lose it.
    await expect
      .poll(
        () =>
          db
            .topology()
            .nodes.filter((n) => n.details['sourceLost'] === true)
            .map((n) => `${n.state} ${n.type}`),
        { timeout: 20_000 },
      )
      .toEqual(['SECONDARY Secondary', 'SECONDARY Secondary'])
    expect(db.topology().primary).toBeNull()

    const read = await readRow({ readPreference: 'secondaryPreferred' })
    expect([2, 3]).toContain(read.serverId)
    expect(read.v).toBe('before the crash')

    // Each replica was known current moments before the crash: far inside a 90 s bound.
    const bounded = await readRow({ readPreference: 'secondaryPreferred', maxStalenessSeconds: 90 })
    expect([2, 3]).toContain(bounded.serverId)
    const secondary = await readRow({ readPreference: 'secondary', maxStalenessSeconds: 90 })
    expect([2, 3]).toContain(secondary.serverId)
    const lags = db
      .topology()
      .nodes.filter((n) => n.details['sourceLost'] === true)
      .map((n) => n.details['lagSource'])
    expect(lags).toEqual(['lastKnownCurrent', 'lastKnownCurrent'])
  })
})
