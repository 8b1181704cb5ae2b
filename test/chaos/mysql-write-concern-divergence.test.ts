/**
 * A write acknowledged by w:"majority" must survive failover. Here the only copy of a write dies with
 * its primary, and the new primary then writes past the same GTID sequence number: MariaDB's
 * MASTER_GTID_WAIT alone would report the lost write as applied. ReplicaKit must not acknowledge it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'replicakit/mysql'
import type { MysqlConnection } from 'replicakit/mysql'
import type { ReplicaKitClient } from '../../src/client/client.js'
import { ErrorCode, isReplicaKitError } from '../../src/errors/errors.js'
import { startMysqlCluster } from '../clusters/mysql-cluster.js'
import type { MysqlCluster } from '../clusters/mysql-cluster.js'

describe('w:"majority" across a diverged failover', () => {
  let cluster: MysqlCluster
  let db: ReplicaKitClient<MysqlConnection>

  beforeAll(async () => {
    cluster = await startMysqlCluster({ nodes: 3 })
    db = await connect(cluster.uri, { heartbeatFrequencyMS: 500 })
    await db.write((c) => c.query('CREATE TABLE t (id INT PRIMARY KEY)'))
    await cluster.waitForReplication()
  })

  afterAll(async () => {
    await db.close()
    await cluster.stop()
  })

  it('does not acknowledge a write that died with the old primary', async () => {
    // The replicas stop receiving: the next write exists on node1 only.
    await cluster.adminQuery('node2', 'STOP SLAVE IO_THREAD')
    await cluster.adminQuery('node3', 'STOP SLAVE IO_THREAD')
    const outcome = db
      .write((c) => c.query('INSERT INTO t VALUES (2)'), { w: 'majority', wtimeoutMS: 4000 })
      .then(
        () => 'acknowledged',
        (error: unknown) => error,
      )
    await expect
      .poll(async () => (await cluster.adminQuery('node1', 'SELECT id FROM appdb.t WHERE id = 2')).length)
      .toBe(1)
    await cluster.kill('node1')
    const promoted = await cluster.promote()
    // The new primary's own transactions now pass the lost write's sequence number.
    for (let i = 10; i < 16; i++) await cluster.adminQuery(promoted, `INSERT INTO appdb.t VALUES (${i})`)

    const result = await outcome
    expect(result).not.toBe('acknowledged')
    expect(isReplicaKitError(result)).toBe(true)
    if (isReplicaKitError(result)) expect(result.code).toBe(ErrorCode.WriteConcernTimeout)
    for (const name of cluster.nodes.map((n) => n.name).filter((n) => n !== 'node1')) {
      expect(await cluster.adminQuery(name, 'SELECT id FROM appdb.t WHERE id = 2')).toHaveLength(0)
    }
  })
})
