import { afterEach, describe, expect, it, vi } from 'vitest'
import type {
  AcquireOptions,
  Adapter,
  AdapterCapabilities,
  CallTarget,
} from '../../../src/adapter.js'
import { ReplicaKitClient } from '../../../src/client/client.js'
import { resolveOptions } from '../../../src/config/options.js'
import type { ClientOptions } from '../../../src/config/options.js'
import { ClientClosedError, ErrorCode, TimeoutError } from '../../../src/errors/errors.js'
import { createFakeAdapter, FakeCluster } from '../../fixtures/fake-adapter.js'
import type { FakeConn, FakeRole } from '../../fixtures/fake-adapter.js'
import { caught } from '../../fixtures/caught.js'

const A = '10.0.0.1:3306'
const B = '10.0.0.2:3306'
const C = '10.0.0.3:3306'

const clients: ReplicaKitClient<FakeConn>[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
})

function setUp(
  layout: Record<string, FakeRole>,
  options: ClientOptions = {},
  adapterOptions: { capabilities?: Partial<AdapterCapabilities> } = {},
): { cluster: FakeCluster; db: ReplicaKitClient<FakeConn> } {
  const cluster = new FakeCluster(layout)
  const hosts = Object.keys(layout).join(',')
  const resolved = resolveOptions(`mysql://app:s3cret@${hosts}/appdb`, {
    heartbeatFrequencyMS: 500,
    serverSelectionTimeoutMS: 2000,
    timeoutMS: 3000,
    baseBackoffMS: 10,
    maxBackoffMS: 50,
    ...options,
  })
  const db = new ReplicaKitClient(() => createFakeAdapter(cluster, adapterOptions), resolved)
  clients.push(db)
  return { cluster, db }
}

describe('ReplicaKitClient routing', () => {
  it('sends writes to the primary and secondary reads to a secondary', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary', [C]: 'secondary' })
    await db.write(async (conn) => {
      cluster.insert(conn, 'r1')
    })
    const rows = await db.read(async (conn) => cluster.select(conn), {
      readPreference: 'secondary',
    })
    expect(rows).toEqual(['r1'])
    expect(cluster.log[0]).toEqual({ node: A, op: 'insert r1' })
    expect([B, C]).toContain(cluster.log[1]?.node)
  })

  it('honours read preference tags, trying tag sets in order', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary', [C]: 'secondary' })
    cluster.node(C).tags = { dc: 'east' }
    cluster.node(B).tags = { dc: 'west' }
    for (let i = 0; i < 5; i++) {
      await db.read(async (conn) => cluster.select(conn), {
        readPreference: 'secondary',
        readPreferenceTags: [{ dc: 'north' }, { dc: 'east' }, {}],
      })
    }
    expect(cluster.log.map((l) => l.node)).toEqual([C, C, C, C, C])
  })

  it('reports the topology like rs.status()', async () => {
    const { db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    await db.waitForPrimary()
    await expect
      .poll(() =>
        db
          .topology()
          .nodes.map((n) => n.state)
          .sort(),
      )
      .toEqual(['PRIMARY', 'SECONDARY'])
    expect(db.topology().primary).toBe(A)
    expect(JSON.stringify(db.topology())).not.toContain('s3cret')
  })

  it('refuses a bad per-call option with a ConfigError naming it', async () => {
    const { db } = setUp({ [A]: 'primary' })
    const error = await caught(
      db.read(() => Promise.resolve(1), { readPreference: 'sideways' as never }),
    )
    expect(error.code).toBe(ErrorCode.InvalidOption)
    expect(error.message).toContain('readPreference')
  })

  it('hands an error thrown by the caller’s own code back untouched and does not retry it', async () => {
    const { db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    const mine = new RangeError('my bug')
    let calls = 0
    await expect(
      db.read(() => {
        calls += 1
        throw mine
      }),
    ).rejects.toBe(mine)
    expect(calls).toBe(1)
  })
})

describe('ReplicaKitClient failover', () => {
  it('retries a write on the new primary when the old one refused the connection (nothing sent)', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    await db.waitForPrimary()
    cluster.node(A).role = 'down'
    cluster.node(B).role = 'primary'
    await db.write(async (conn) => {
      cluster.insert(conn, 'moved')
    })
    expect(cluster.node(B).rows).toEqual(['moved'])
    expect(cluster.log.filter((l) => l.op === 'insert moved')).toHaveLength(1)
  })

  it('retries a write that a demoted primary refused on the new primary, in the same call', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    await db.waitForPrimary()
    cluster.node(A).role = 'secondary'
    cluster.node(B).role = 'primary'
    await db.write(async (conn) => {
      cluster.insert(conn, 'after')
    })
    expect(cluster.log.map((l) => `${l.node} ${l.op}`)).toEqual([
      `${A} insert after`,
      `${B} insert after`,
    ])
    expect(db.topology().primary).toBe(B)
  })

  it('never re-runs a non-idempotent write whose outcome is unknown', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    await db.waitForPrimary()
    const error = await caught(
      db.write(async (conn) => {
        // The primary dies after the connection was taken: the statement's fate is unknown.
        cluster.node(A).role = 'down'
        cluster.node(B).role = 'primary'
        cluster.insert(conn, 'maybe')
      }),
    )
    expect(error.code).toBe(ErrorCode.NetworkError)
    expect(error.hasLabel('UnknownOutcome')).toBe(true)
    expect(cluster.log.filter((l) => l.op === 'insert maybe')).toHaveLength(1)
    // The failed node was marked unknown and re-probed: the next write finds the new primary.
    await db.write(async (conn) => {
      cluster.insert(conn, 'next')
    })
    expect(cluster.node(B).rows).toContain('next')
  })

  it('retries an idempotent write after an unknown outcome', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    await db.waitForPrimary()
    await db.write(
      async (conn) => {
        if (conn.node === A) {
          cluster.node(A).role = 'down'
          cluster.node(B).role = 'primary'
        }
        cluster.insert(conn, 'upsert')
      },
      { idempotent: true },
    )
    expect(cluster.node(B).rows).toEqual(['upsert'])
  })

  it('emits primaryChanged when the primary moves', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    await db.waitForPrimary()
    const seen: (string | null)[] = []
    db.on('primaryChanged', (e) => seen.push(e.next))
    cluster.node(A).role = 'down'
    cluster.node(B).role = 'primary'
    await db.write(
      async (conn) => {
        cluster.insert(conn, 'x')
      },
      { idempotent: true },
    )
    expect(seen).toContain(B)
  })

  it('fails within its deadline with a ServerSelectionError when no primary appears', async () => {
    const { cluster, db } = setUp(
      { [A]: 'secondary', [B]: 'secondary' },
      { serverSelectionTimeoutMS: 300 },
    )
    const error = await caught(
      db.write(async (conn) => {
        cluster.insert(conn, 'x')
      }),
    )
    expect(error.code).toBe(ErrorCode.ServerSelectionTimeout)
    expect(error.message).toContain('writable primary')
    expect(cluster.log).toEqual([])
  })

  it('refuses writes when two nodes are writable at once (split brain) and writes to neither', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'primary', [C]: 'secondary' })
    await expect.poll(() => db.topology().conflictingPrimaries.length).toBe(2)
    const error = await caught(
      db.write(async (conn) => {
        cluster.insert(conn, 'x')
      }),
    )
    expect(error.code).toBe(ErrorCode.SplitBrain)
    // Refused before anything was sent: the caller may retry it safely.
    expect(error.hasLabel('NoWritesPerformed')).toBe(true)
    expect(cluster.log).toEqual([])
  })
})

describe('ReplicaKitClient write concern', () => {
  it('waits for a majority of members to apply the write, never on the primary', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary', [C]: 'secondary' })
    await db.write(
      async (conn) => {
        cluster.insert(conn, 'w')
      },
      { w: 'majority' },
    )
    expect(cluster.waits.length).toBeGreaterThanOrEqual(1)
    expect(cluster.waits).not.toContain(A)
  })

  it('reports a wtimeout as WriteConcernError while the row stays on the primary', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary', [C]: 'secondary' })
    cluster.node(B).paused = true
    cluster.node(C).paused = true
    const error = await caught(
      db.write(
        async (conn) => {
          cluster.insert(conn, 'kept')
        },
        { w: 'majority', wtimeoutMS: 100 },
      ),
    )
    expect(error.code).toBe(ErrorCode.WriteConcernTimeout)
    expect(error.name).toBe('WriteConcernError')
    expect(cluster.node(A).rows).toEqual(['kept'])
    // Not retried: the write happened; doing it again would duplicate it.
    expect(cluster.log.filter((l) => l.op === 'insert kept')).toHaveLength(1)
  })

  it('refuses before writing when w can never be met', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    const error = await caught(
      db.write(
        async (conn) => {
          cluster.insert(conn, 'x')
        },
        { w: 5 },
      ),
    )
    expect(error.code).toBe(ErrorCode.WriteConcernUnsatisfiable)
    expect(cluster.log).toEqual([])
  })
})

describe('ReplicaKitClient sessions', () => {
  it('makes a replica read wait for the session’s own write', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    const session = db.startSession()
    cluster.node(B).paused = true
    await db.write(
      async (conn) => {
        cluster.insert(conn, 'mine')
      },
      { session },
    )
    expect(session.token).not.toBeNull()
    setTimeout(() => {
      cluster.node(B).paused = false
      cluster.catchUp(B)
    }, 50)
    const rows = await db.read(async (conn) => cluster.select(conn), {
      session,
      readPreference: 'secondary',
    })
    expect(rows).toEqual(['mine'])
    expect(cluster.waits).toContain(B)
  })

  it('fails a causal read with CAUSAL_WAIT_TIMEOUT when no replica catches up in time', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary' }, { causalWaitMS: 50 })
    const session = db.startSession()
    cluster.node(B).paused = true
    await db.write(
      async (conn) => {
        cluster.insert(conn, 'mine')
      },
      { session },
    )
    const error = await caught(
      db.read(async (conn) => cluster.select(conn), { session, readPreference: 'secondary' }),
    )
    expect(error.code).toBe(ErrorCode.CausalWaitTimeout)
  })
})

describe('ReplicaKitClient close', () => {
  it('rejects calls after close with ClientClosedError and closes the adapter', async () => {
    const { cluster, db } = setUp({ [A]: 'primary' })
    await db.close()
    expect(cluster.closed).toBe(true)
    const error = await caught(db.read(() => Promise.resolve(1)))
    expect(error.code).toBe(ErrorCode.ClientClosed)
  })

  it('aborts a call waiting for a primary when the client closes', async () => {
    const { db } = setUp(
      { [A]: 'secondary' },
      { serverSelectionTimeoutMS: 10_000, timeoutMS: 10_000 },
    )
    const pending = caught(db.write(() => Promise.resolve(1)))
    await new Promise((r) => setTimeout(r, 20))
    await db.close()
    expect((await pending).code).toBe(ErrorCode.ClientClosed)
  })
})

describe('ReplicaKitClient timeouts', () => {
  it('treats timeoutMS=0 as no bound rather than failing at once', async () => {
    const { cluster, db } = setUp({ [A]: 'primary' }, { timeoutMS: 0, connectTimeoutMS: 0 })
    await db.write(async (conn) => {
      cluster.insert(conn, 'z')
    })
    expect(cluster.node(A).rows).toEqual(['z'])
  })
})

describe('ReplicaKitClient per-call plumbing', () => {
  /** A client whose adapter's `acquire` is replaced (the rest is the fake cluster's). */
  function withAcquire(
    acquire: (
      base: Adapter<FakeConn>,
      target: CallTarget,
      options: AcquireOptions,
    ) => Promise<FakeConn>,
    options: ClientOptions = {},
  ): { cluster: FakeCluster; db: ReplicaKitClient<FakeConn> } {
    const cluster = new FakeCluster({ [A]: 'primary', [B]: 'secondary' })
    const base = createFakeAdapter(cluster)
    const adapter: Adapter<FakeConn> = {
      ...base,
      acquire: (target, acquireOptions) => acquire(base, target, acquireOptions),
    }
    const resolved = resolveOptions(`mysql://app:s3cret@${A},${B}/appdb`, {
      heartbeatFrequencyMS: 500,
      serverSelectionTimeoutMS: 2000,
      timeoutMS: 3000,
      ...options,
    })
    const db = new ReplicaKitClient(() => adapter, resolved)
    clients.push(db)
    return { cluster, db }
  }

  it('gives the adapter a signal that aborts with the call’s timeout when the call’s deadline passes', async () => {
    let seen: AbortSignal | undefined
    const { db } = withAcquire(
      (_base, _target, options) =>
        new Promise<FakeConn>((_resolve, reject) => {
          seen = options.signal
          options.signal?.addEventListener('abort', () => {
            reject(new TimeoutError('gave up', { code: ErrorCode.Aborted }))
          })
        }),
      { timeoutMS: 150, retryWrites: false },
    )
    await db.waitForPrimary()
    const error = await caught(db.write(() => Promise.resolve(1)))
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(seen?.aborted).toBe(true)
    expect((seen?.reason as TimeoutError).code).toBe(ErrorCode.OperationTimeout)
  })

  it('never runs fn on a connection that arrives after the call’s deadline, and returns it', async () => {
    const { cluster, db } = withAcquire(
      async (base, target, options) => {
        await new Promise((r) => setTimeout(r, 250))
        return base.acquire(target, options)
      },
      { timeoutMS: 100 },
    )
    await db.waitForPrimary()
    const fn = vi.fn(() => Promise.resolve(1))
    const error = await caught(db.read(fn, { readPreference: 'secondary' }))
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    await new Promise((r) => setTimeout(r, 300))
    expect(fn).not.toHaveBeenCalled()
    expect(cluster.borrowed).toBe(0)
  })

  it('ends a call whose fn is running with ClientClosedError when the client closes', async () => {
    const { db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    const pending = caught(
      db.read(() => new Promise<never>(() => undefined), { readPreference: 'secondary' }),
    )
    await new Promise((r) => setTimeout(r, 50))
    await db.close()
    const error = await pending
    expect(error).toBeInstanceOf(ClientClosedError)
    expect(error.code).toBe(ErrorCode.ClientClosed)
  })

  it('ends a call when the caller’s signal aborts, with ABORTED', async () => {
    const { db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    const controller = new AbortController()
    const pending = caught(
      db.read(() => new Promise<never>(() => undefined), {
        readPreference: 'secondary',
        signal: controller.signal,
      }),
    )
    await new Promise((r) => setTimeout(r, 50))
    controller.abort()
    expect((await pending).code).toBe(ErrorCode.Aborted)
  })

  it('serves reads that only name a mode and reads with their own tags alike', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary', [C]: 'secondary' })
    cluster.node(C).tags = { dc: 'west' }
    await db.waitForPrimary()
    await new Promise((r) => setTimeout(r, 600)) // a heartbeat picks up the tags
    for (let i = 0; i < 10; i++) {
      const onSecondary = await db.read(async (conn) => conn.node, { readPreference: 'secondary' })
      expect([B, C]).toContain(onSecondary)
      const onWest = await db.read(async (conn) => conn.node, {
        readPreference: 'secondary',
        readPreferenceTags: [{ dc: 'west' }],
      })
      expect(onWest).toBe(C)
      expect(await db.read(async (conn) => conn.node, { readPreference: 'primary' })).toBe(A)
    }
  })
})
