/**
 * Failover with TLS on, on the shared ring (its client TLS is optional, so the plain tests share it):
 * a TLS client (the test CA, hostnames verified) keeps writing at `w=majority` and reading while a
 * dc1 node is killed (`kill -9`), and reconnects to it over TLS once it is back. Whether sessions
 * are TLS is read from each node's own `system_views.clients`. The node is restarted before the
 * test ends, as in `cassandra-failover.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReplicaKitClient } from 'replicakit'
import { connect } from 'replicakit/cassandra'
import type { CassandraConnection } from 'replicakit/cassandra'
import { useCassandraRing, type SharedCassandraRing } from '../../clusters/cassandra-fixture.js'
import { ensureTlsFiles, type TlsFiles } from '../../clusters/tls-certs.js'

type Db = ReplicaKitClient<CassandraConnection>

const APP_NAME = 'replicakit-tls-failover'
const KILLED = 'node3'
const KILLED_ADDRESS = '127.0.0.3:9042'
const DC1 = ['127.0.0.1:9042', '127.0.0.2:9042', KILLED_ADDRESS]
/** How long the TLS client may take to reconnect to the restarted node (a bound, not a figure). */
const RECONNECT_MS = 90_000

/**
 * This client's sessions as each coordinator that answered sees them: `ssl_enabled` of every row
 * of its `system_views.clients` that carries this client's application name.
 */
async function tlsSessionsByNode(db: Db, reads = 12): Promise<Map<string, boolean[]>> {
  const seen = new Map<string, boolean[]>()
  for (let i = 0; i < reads; i++) {
    const rs = await db.read(
      (c) => c.execute('SELECT ssl_enabled, client_options FROM system_views.clients'),
      { readPreference: 'nearest' },
    )
    const mine = rs.rows.filter(
      (r) => (r['client_options'] as Record<string, string>)['APPLICATION_NAME'] === APP_NAME,
    )
    seen.set(
      rs.info.queriedHost,
      mine.map((r) => r['ssl_enabled'] as boolean),
    )
  }
  return seen
}

describe('failover with TLS on', () => {
  let shared: SharedCassandraRing
  let files: TlsFiles
  let db: Db | undefined

  beforeAll(async () => {
    files = await ensureTlsFiles()
    shared = await useCassandraRing()
  })

  afterAll(async () => {
    await db?.close()
    await shared.ring?.ensureAllUp()
  })

  it('keeps w=majority writes and reads working over TLS with a dc1 node killed, and reconnects to it over TLS', async ({
    skip,
  }) => {
    const ring = shared.ring ?? skip(shared.noControlReason ?? 'no process control')
    if (!ring.nodes.every((n) => n.clientTls !== undefined)) {
      skip(
        'the running ring was started without client TLS (an older harness); stop it ' +
          '(npm run --silent cluster -- down cassandra) and run again',
      )
    }
    db = await connect(
      `${shared.uri}&tls=true&tlsCAFile=${files.ca}&w=majority&timeoutMS=20000&appName=${APP_NAME}`,
    )
    const tlsDb = db
    await tlsDb.write((c) =>
      c.execute('CREATE TABLE IF NOT EXISTS rk_tls_failover (id int PRIMARY KEY, v text)'),
    )
    const insert = (id: number) =>
      tlsDb.write((c) =>
        c.execute('INSERT INTO rk_tls_failover (id, v) VALUES (?, ?)', [id, 'tls'], {
          prepare: true,
        }),
      )
    const read = (id: number) =>
      tlsDb.read((c) =>
        c.execute('SELECT v FROM rk_tls_failover WHERE id = ?', [id], { prepare: true }),
      )

    // Every dc1 coordinator serves this client over TLS.
    const before = await tlsSessionsByNode(tlsDb)
    expect([...before.keys()].sort()).toEqual(DC1)
    for (const flags of before.values()) {
      expect(flags.length).toBeGreaterThan(0)
      expect(flags.every(Boolean)).toBe(true)
    }

    let restarted = false
    await ring.kill(KILLED)
    try {
      for (let id = 1; id <= 20; id++) await insert(id)
      for (let id = 1; id <= 20; id++) {
        const rs = await read(id)
        expect(rs.rows[0]?.['v']).toBe('tls')
        expect(rs.info.queriedHost).not.toBe(KILLED_ADDRESS)
      }
      await ring.restart(KILLED)
      restarted = true
    } finally {
      if (!restarted) await ring.restart(KILLED)
    }

    // The driver reconnects to the node over TLS (its pool uses the same sslOptions).
    await expect
      .poll(async () => (await tlsSessionsByNode(tlsDb, 6)).get(KILLED_ADDRESS), {
        timeout: RECONNECT_MS,
        interval: 1_000,
      })
      .toSatisfy((flags: boolean[] | undefined) => flags !== undefined && flags.length > 0)
    const after = await tlsSessionsByNode(tlsDb)
    for (const flags of after.values()) expect(flags.every(Boolean)).toBe(true)
    for (let id = 21; id <= 25; id++) await insert(id)
  }, 300_000)
})
