/**
 * The Cassandra adapter on the real ring, without faults: the ring view and its tags, where reads
 * go (asserted from the driver's `ResultSet.info.queriedHost`), the consistency levels sent, and
 * the options refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'replicakit/cassandra'
import type { CassandraConnection } from 'replicakit/cassandra'
import { isReplicaKitError } from 'replicakit'
import type { ReplicaKitClient } from 'replicakit'
import { useCassandraRing, type SharedCassandraRing } from '../../clusters/cassandra-fixture.js'

const DC1 = ['127.0.0.1:9042', '127.0.0.2:9042', '127.0.0.3:9042']
const DC2 = '127.0.0.4:9042'

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe('the Cassandra adapter on the ring', () => {
  let shared: SharedCassandraRing
  let db: ReplicaKitClient<CassandraConnection>

  beforeAll(async () => {
    shared = await useCassandraRing()
    db = await connect(`${shared.uri}&w=majority&timeoutMS=20000`)
    await db.write((c) =>
      c.execute('CREATE TABLE IF NOT EXISTS rk_adapter (id int PRIMARY KEY, v text)'),
    )
  })

  afterAll(async () => {
    await db.close()
    await shared.ring?.ensureAllUp()
  })

  it('shows every ring node as a peer with its dc and rack tags and version', async ({ skip }) => {
    if (shared.ring === undefined) skip(shared.noControlReason ?? 'outside ring')
    await expect.poll(() => db.topology().nodes.length, { timeout: 10_000 }).toBe(4)
    const nodes = db
      .topology()
      .nodes.map((n) => ({ address: n.address, state: n.state, tags: n.tags }))
      .sort((a, b) => a.address.localeCompare(b.address))
    expect(nodes).toEqual([
      ...DC1.map((address) => ({ address, state: 'PEER', tags: { dc: 'dc1', rack: 'rack1' } })),
      { address: DC2, state: 'PEER', tags: { dc: 'dc2', rack: 'rack1' } },
    ])
    expect(db.topology().nodes[0]?.details).toMatchObject({ version: '5.0.6' })
  })

  it('takes a node’s round trip from the statements it answers (the driver’s own timing), not a probe', async () => {
    const fresh = await connect(`${shared.uri}&timeoutMS=20000`)
    try {
      const dc2 = (): number | null | undefined =>
        fresh.topology().nodes.find((n) => n.address === DC2)?.roundTripTimeMS
      await expect.poll(() => fresh.topology().nodes.length, { timeout: 10_000 }).toBe(4)
      expect(dc2()).toBeNull() // nothing has gone to dc2 yet
      const rs = await fresh.read(
        (c) => c.execute('SELECT v FROM rk_adapter WHERE id = ?', [1], { prepare: true }),
        { readPreference: 'nearest', readPreferenceTags: [{ dc: 'dc2' }] },
      )
      expect(rs.info.queriedHost).toBe(DC2)
      expect(dc2()).toBeGreaterThan(0)
    } finally {
      await fresh.close()
    }
  })

  it('writes with LOCAL_QUORUM for w=majority and reads primary with LOCAL_QUORUM in dc1', async () => {
    await db.write((c) =>
      c.execute('INSERT INTO rk_adapter (id, v) VALUES (?, ?)', [1, 'one'], { prepare: true }),
    )
    const rs = await db.read((c) =>
      c.execute('SELECT v FROM rk_adapter WHERE id = ?', [1], { prepare: true }),
    )
    expect(rs.rows[0]?.['v']).toBe('one')
    expect(rs.info.achievedConsistency).toBe(6) // LOCAL_QUORUM
    expect(DC1).toContain(rs.info.queriedHost)
  })

  it('sends reads tagged dc:dc2 to dc2, and a dc1 tag set to dc1', async () => {
    for (let i = 0; i < 5; i++) {
      const rs = await db.read(
        (c) => c.execute('SELECT v FROM rk_adapter WHERE id = ?', [1], { prepare: true }),
        { readPreference: 'nearest', readPreferenceTags: [{ dc: 'dc2' }] },
      )
      expect(rs.info.queriedHost).toBe(DC2)
      expect(rs.info.achievedConsistency).toBe(10) // LOCAL_ONE
    }
    const rs = await db.read(
      (c) => c.execute('SELECT v FROM rk_adapter WHERE id = ?', [1], { prepare: true }),
      { readPreference: 'secondary', readPreferenceTags: [{ dc: 'dc1', rack: 'rack1' }] },
    )
    expect(DC1).toContain(rs.info.queriedHost)
  })

  it('runs eachRow and stream with the call’s data center and consistency', async () => {
    await db.write((c) =>
      c.execute('INSERT INTO rk_adapter (id, v) VALUES (?, ?)', [3, 'three'], { prepare: true }),
    )
    const seen: unknown[] = []
    const local = await db.read((c) =>
      c.eachRow('SELECT v FROM rk_adapter WHERE id = ?', [3], { prepare: true }, (_i, row) => {
        seen.push(row['v'])
      }),
    )
    expect(seen).toEqual(['three'])
    expect(local.info.achievedConsistency).toBe(6) // LOCAL_QUORUM: the primary read's level
    expect(DC1).toContain(local.info.queriedHost)
    const remote = await db.read(
      (c) => c.eachRow('SELECT v FROM rk_adapter WHERE id = ?', [3], { prepare: true }, () => {}),
      { readPreference: 'nearest', readPreferenceTags: [{ dc: 'dc2' }] },
    )
    expect(remote.info.queriedHost).toBe(DC2)
    expect(remote.info.achievedConsistency).toBe(10) // LOCAL_ONE
    const streamed = await db.read(
      (c) =>
        new Promise<unknown[]>((resolve, reject) => {
          const rows: unknown[] = []
          c.stream('SELECT v FROM rk_adapter WHERE id = ?', [3], { prepare: true })
            .on('readable', function (this: { read(): { v: unknown } | null }) {
              for (let row = this.read(); row !== null; row = this.read()) rows.push(row.v)
            })
            .on('end', () => {
              resolve(rows)
            })
            .on('error', reject)
        }),
    )
    expect(streamed).toEqual(['three'])
  })

  it('refuses a stream write weaker than the call’s w, like execute', async () => {
    const error = await rejection(
      db.write(async (c) => {
        c.stream('INSERT INTO rk_adapter (id, v) VALUES (?, ?)', [4, 'x'], {
          prepare: true,
          consistency: 10,
        })
        return Promise.resolve()
      }),
    )
    expect(isReplicaKitError(error) && error.code).toBe('CONFLICTING_OPTIONS')
  })

  it('lets the caller’s explicit options win on reads', async () => {
    const rs = await db.read((c) =>
      c.execute('SELECT v FROM rk_adapter WHERE id = ?', [1], { prepare: true, consistency: 1 }),
    )
    expect(rs.info.achievedConsistency).toBe(1)
  })

  it('refuses w above the replication factor before sending', async () => {
    const error = await rejection(
      db.write(
        (c) =>
          c.execute('INSERT INTO rk_adapter (id, v) VALUES (?, ?)', [2, 'x'], { prepare: true }),
        { w: 5 },
      ),
    )
    expect(isReplicaKitError(error) && error.code).toBe('WRITE_CONCERN_UNSATISFIABLE')
    expect(isReplicaKitError(error) && error.hasLabel('NoWritesPerformed')).toBe(true)
  })

  it('refuses a statement consistency weaker than the call w as a conflict', async () => {
    const error = await rejection(
      db.write((c) =>
        c.execute('INSERT INTO rk_adapter (id, v) VALUES (?, ?)', [2, 'x'], {
          prepare: true,
          consistency: 10,
        }),
      ),
    )
    expect(isReplicaKitError(error) && error.code).toBe('CONFLICTING_OPTIONS')
  })

  it.for([
    ['no localDataCenter on a two-DC ring', '', /localDataCenter is required/],
    ['an unknown localDataCenter', '?localDataCenter=dc9', /no data center dc9/],
    ['an unknown failover DC', '?localDataCenter=dc1&dataCenterFailover=dc7', /dc7/],
    [
      'a bad majorityConsistency',
      '?localDataCenter=dc1&majorityConsistency=ONE',
      /majorityConsistency/,
    ],
  ] as const)('fails connect with a ConfigError for %s', async ([, query, message]) => {
    const base = shared.uri.slice(0, shared.uri.indexOf('?'))
    const error = await rejection(connect(`${base}${query}`))
    expect(isReplicaKitError(error) && error.name).toBe('ConfigError')
    expect((error as Error).message).toMatch(message)
  })
})
