/**
 * The driver-discovery, intent-routed path of the core (the shape of the MongoDB and Cassandra
 * adapters), over an in-memory fake: the driver pushes the topology, the core runs no probe, each
 * call's intent (read preference, tags, `w`, session) reaches the adapter, and the adapter's shape
 * is checked when the client is built.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Adapter } from '../../../src/adapter.js'
import { ReplicaKitClient } from '../../../src/client/client.js'
import { resolveOptions } from '../../../src/config/options.js'
import type { ClientOptions } from '../../../src/config/options.js'
import { ErrorCode, ErrorLabel, NetworkError, NodeType } from '../../../src/adapter.js'
import { FakeCluster } from '../../fixtures/fake-adapter.js'
import type { FakeConn } from '../../fixtures/fake-adapter.js'
import { createFakeDriverAdapter } from '../../fixtures/fake-driver-adapter.js'
import type { FakeDriverAdapter, FakeDriverSession } from '../../fixtures/fake-driver-adapter.js'
import { caught } from '../../fixtures/caught.js'

const A = '10.0.0.1:27017'
const B = '10.0.0.2:27017'
const C = '10.0.0.3:27017'

const clients: ReplicaKitClient<FakeConn>[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
})

function setUp(options: ClientOptions = {}): {
  cluster: FakeCluster
  adapter: FakeDriverAdapter
  db: ReplicaKitClient<FakeConn>
} {
  const cluster = new FakeCluster({ [A]: 'primary', [B]: 'secondary', [C]: 'secondary' })
  cluster.node(C).tags = { dc: 'west' }
  const adapter = createFakeDriverAdapter(cluster)
  const resolved = resolveOptions(`mongodb://${A}/?replicaSet=fake`, {
    timeoutMS: 2_000,
    baseBackoffMS: 1,
    maxBackoffMS: 5,
    ...options,
  })
  const db = new ReplicaKitClient(() => adapter, resolved)
  clients.push(db)
  return { cluster, adapter, db }
}

describe('ReplicaKitClient with a driver that discovers and routes', () => {
  it('shows the topology the driver pushed, members it listed included, without probing', async () => {
    const { db } = setUp()
    expect(await db.waitForPrimary()).toBe(A)
    const nodes = db.topology().nodes
    expect(nodes.map((n) => [n.address, n.type])).toEqual([
      [A, NodeType.Primary],
      [B, NodeType.Secondary],
      [C, NodeType.Secondary],
    ])
  })

  it('follows a failover the driver reports', async () => {
    const { cluster, adapter, db } = setUp()
    await db.waitForPrimary()
    const changes: (string | null)[] = []
    db.on('primaryChanged', (e) => changes.push(e.next))
    cluster.node(A).role = 'down'
    cluster.node(B).role = 'primary'
    adapter.push()
    expect(await db.waitForPrimary()).toBe(B)
    expect(changes).toContain(B)
  })

  it('hands each call its intent: read preference with tags, per-call w, idempotence', async () => {
    const { cluster, adapter, db } = setUp({ w: 'majority' })
    await db.write(async (conn) => {
      cluster.insert(conn, 'r1')
    })
    await db.write(
      async (conn) => {
        cluster.insert(conn, 'r2')
      },
      { w: 3, wtimeoutMS: 500, idempotent: true },
    )
    await db.read(async (conn) => cluster.select(conn), {
      readPreference: 'secondary',
      readPreferenceTags: [{ dc: 'west' }, {}],
    })
    const [first, second, read] = adapter.calls
    expect(first?.intent).toMatchObject({ kind: 'write', writeConcern: { w: 'majority' } })
    expect(first?.node).toBe(A)
    expect(second?.intent).toMatchObject({
      kind: 'write',
      writeConcern: { w: 3, wtimeoutMS: 500 },
      idempotent: true,
    })
    expect(read?.intent).toMatchObject({
      kind: 'read',
      readPreference: { mode: 'secondary', tags: [{ dc: 'west' }, {}] },
    })
  })

  it('retries a read through the driver, telling it which node failed', async () => {
    const { cluster, adapter, db } = setUp()
    let first = true
    const rows = await db.read(
      async (conn) => {
        if (first) {
          first = false
          throw Object.assign(new Error('reset'), { fake: 'network', node: conn.node })
        }
        return cluster.select(conn)
      },
      { readPreference: 'secondary' },
    )
    expect(rows).toEqual([])
    expect(adapter.calls.map((c) => c.attempt)).toEqual([1, 2])
    expect(adapter.calls[1]?.deprioritized).toEqual([adapter.calls[0]?.node])
  })

  it('takes a connection handed over as is (no promise), and a synchronous throw as a borrow that wrote nothing', async () => {
    const cluster = new FakeCluster({ [A]: 'primary', [B]: 'secondary' })
    const adapter = createFakeDriverAdapter(cluster, { synchronous: true })
    const db = new ReplicaKitClient(
      () => adapter,
      resolveOptions(`mongodb://${A}/?replicaSet=fake`, {
        timeoutMS: 2_000,
        baseBackoffMS: 1,
        maxBackoffMS: 5,
      }),
    )
    clients.push(db)
    expect(
      await db.read((conn) => Promise.resolve(conn.node), { readPreference: 'secondary' }),
    ).toBe(B)
    // A connection refused by a synchronous throw is a borrow that wrote nothing: a write is
    // retried after it (writes are re-run only when nothing was written).
    const acquire = adapter.acquire.bind(adapter)
    let refusals = 1
    adapter.acquire = (target, options) => {
      if (refusals-- > 0) {
        throw new NetworkError('connect ECONNREFUSED', { code: ErrorCode.NetworkError, node: A })
      }
      return acquire(target, options)
    }
    let retries = 0
    db.on('retry', () => {
      retries += 1
    })
    expect(await db.write((conn) => Promise.resolve(conn.node))).toBe(A)
    expect(retries).toBe(1)
    expect(cluster.borrowed).toBe(0)
  })

  it('carries a session as a driver session: the read after a write sees it', async () => {
    const { cluster, adapter, db } = setUp()
    cluster.node(B).paused = true // B misses the write: a causal read must not go there
    const session = db.startSession()
    await db.write(
      async (conn) => {
        cluster.insert(conn, 'mine')
      },
      { session },
    )
    const rows = await db.read(async (conn) => cluster.select(conn), {
      session,
      readPreference: 'secondaryPreferred',
    })
    expect(rows).toEqual(['mine'])
    const native = adapter.calls[0]?.intent.nativeSession as FakeDriverSession
    expect(adapter.calls[1]?.intent.nativeSession).toBe(native)
    await session.end()
    expect(native.ended).toBe(true)
  })

  it('runs no replica waits and no w check in the core when the driver applies w', async () => {
    const { cluster, db } = setUp()
    // w=5 exceeds the three members: a replica-waits backend refuses it before writing; a native
    // one hands it to the server, which decides.
    await db.write(
      async (conn) => {
        cluster.insert(conn, 'x')
      },
      { w: 5 },
    )
    expect(cluster.waits).toEqual([])
  })

  it('refuses an adapter that lacks what its capabilities name', () => {
    const cluster = new FakeCluster({ [A]: 'primary' })
    const withoutStart: Adapter<FakeConn> = {
      ...createFakeDriverAdapter(cluster),
      start: undefined,
    }
    const resolved = resolveOptions(`mongodb://${A}/?replicaSet=fake`)
    expect(() => new ReplicaKitClient(() => withoutStart, resolved)).toThrow(
      /lacks what its capabilities name: start/,
    )
  })

  it('fails a write with a typed error when the driver finds no primary', async () => {
    const { cluster, adapter, db } = setUp({ timeoutMS: 300 })
    cluster.node(A).role = 'down'
    adapter.push()
    const error = await caught(db.write(() => Promise.resolve(1)))
    expect(error.code).toBe(ErrorCode.ServerSelectionTimeout)
    expect(error.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(true)
  })
})
