/**
 * A dead node is reported once: while it stays down, `nodeChanged` does not fire for it on every
 * heartbeat (before, the replicas named their dead source as primary, which turned it into a
 * PossiblePrimary and back to DOWN twice a second).
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect } from 'replicakit/mysql'
import type { MysqlConnection } from 'replicakit/mysql'
import type { ReplicaKitClient } from '../../../src/client/client.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import type { MysqlCluster } from '../../clusters/mysql-cluster.js'

let cluster: MysqlCluster
let db: ReplicaKitClient<MysqlConnection> | undefined

beforeAll(async () => {
  cluster = await startMysqlCluster({ nodes: 3 })
})

afterAll(async () => {
  await db?.close()
  await cluster.stop()
})

it('reports a killed primary down once, not on every heartbeat, while it stays down', async () => {
  db = await connect(cluster.uri, { heartbeatFrequencyMS: 500 })
  await db.waitForPrimary()
  const dead = cluster.nodes[0]
  if (dead === undefined) throw new Error('no node1')
  const address = `${dead.host}:${dead.port}`
  const changes: string[] = []
  let heartbeats = 0
  db.on('nodeChanged', (e) => {
    if (e.address === address) changes.push(`${e.previous.state}->${e.next.state}`)
  })
  db.on('heartbeatFailed', (e) => {
    if (e.address === address) heartbeats++
  })
  await cluster.kill('node1')
  // Six failed heartbeats of the dead node: enough for the old flapping to show several times.
  await expect.poll(() => heartbeats, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(6)
  expect(changes).toEqual(['PRIMARY->DOWN'])
})
