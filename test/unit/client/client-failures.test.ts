/**
 * How the client fails, so that a new user can tell what is wrong: refused credentials fail fast,
 * a timeout says why no node could serve, a write never takes read options, a write sent through
 * read() says so, and close() reports no change of primary.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ReplicaKitClient } from '../../../src/client/client.js'
import { resolveOptions } from '../../../src/config/options.js'
import type { ClientOptions } from '../../../src/config/options.js'
import type { CallOptions } from '../../../src/client/call-options.js'
import {
  ConfigError,
  ErrorCode,
  ServerSelectionError,
  TlsError,
} from '../../../src/errors/errors.js'
import { createFakeAdapter, FakeCluster } from '../../fixtures/fake-adapter.js'
import type { FakeConn, FakeRole } from '../../fixtures/fake-adapter.js'
import { caught } from '../../fixtures/caught.js'
import { tlsError } from '../../../src/tls/tls-errors.js'

const A = '10.0.0.1:3306'
const B = '10.0.0.2:3306'

const clients: ReplicaKitClient<FakeConn>[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
})

function setUp(
  layout: Record<string, FakeRole>,
  options: ClientOptions = {},
): { cluster: FakeCluster; db: ReplicaKitClient<FakeConn> } {
  const cluster = new FakeCluster(layout)
  const resolved = resolveOptions(`mysql://app:pw@${Object.keys(layout).join(',')}/appdb`, {
    heartbeatFrequencyMS: 500,
    serverSelectionTimeoutMS: 30_000,
    timeoutMS: 30_000,
    baseBackoffMS: 10,
    maxBackoffMS: 50,
    ...options,
  })
  const db = new ReplicaKitClient(() => createFakeAdapter(cluster), resolved)
  clients.push(db)
  return { cluster, db }
}

describe('refused credentials', () => {
  it('fail a call at once with AUTHENTICATION_FAILED, its cause and the native code', async () => {
    // 30 s bounds: the call must not wait for them (the test's own 10 s timeout would fail first).
    const { db } = setUp({ [A]: 'refusing', [B]: 'down' })
    const error = await caught(db.read(() => Promise.resolve(1)))
    expect(error.code).toBe(ErrorCode.AuthenticationFailed)
    expect(error.nativeCode).toBe(1045)
    expect((error.cause as Error).message).toContain('refused the credentials')
    expect(error.hasLabel('NoWritesPerformed')).toBe(true)
  })

  it('make connect() reject at once with the same error', async () => {
    const { db } = setUp({ [A]: 'refusing', [B]: 'refusing' })
    const error = await caught(db.connect())
    expect(error.code).toBe(ErrorCode.AuthenticationFailed)
    expect(error).toBeInstanceOf(ConfigError)
  })

  it('do not stop a call while another node still answers', async () => {
    const { db } = setUp({ [A]: 'refusing', [B]: 'primary' })
    await expect(db.write(() => Promise.resolve('ok'))).resolves.toBe('ok')
    await expect(db.connect()).resolves.toBe(db)
  })
})

describe('a TLS failure on every node', () => {
  it('fails connect() and calls at once with its own code, like refused credentials', async () => {
    // 30 s bounds: the call must not wait for them (the test's own 10 s timeout would fail first).
    const cluster = new FakeCluster({ [A]: 'primary', [B]: 'secondary' })
    const resolved = resolveOptions(`mysql://app:pw@${A},${B}/appdb?tls=true`, {
      serverSelectionTimeoutMS: 30_000,
      timeoutMS: 30_000,
    })
    const db = new ReplicaKitClient(() => {
      const adapter = createFakeAdapter(cluster)
      return {
        ...adapter,
        probe: (node) =>
          Promise.reject(
            tlsError(ErrorCode.TlsCertificateInvalid, node, 'self-signed certificate'),
          ),
      }
    }, resolved)
    clients.push(db)
    const refused = await caught(db.connect())
    expect(refused.code).toBe(ErrorCode.TlsCertificateInvalid)
    expect(refused).toBeInstanceOf(TlsError)
    expect(refused.message).toContain('tlsCAFile')
    const call = await caught(db.read(() => Promise.resolve(1)))
    expect(call.code).toBe(ErrorCode.TlsCertificateInvalid)
  })
})

describe('configuration warnings', () => {
  it('are emitted once, without an address, after the client is made: TLS verification turned off', async () => {
    const { db } = setUp({ [A]: 'primary' }, { tls: true, tlsAllowInvalidCertificates: true })
    const warnings: { address?: string; message: string }[] = []
    db.on('warning', (w) => warnings.push(w))
    await vi.waitFor(() => {
      expect(warnings.length).toBeGreaterThan(0)
    })
    await db.write(() => Promise.resolve(1))
    expect(warnings).toEqual([
      { message: expect.stringMatching(/certificate verification is off/) },
    ])
    expect(db.configurationWarnings).toEqual([warnings[0]?.message])
  })

  it('reach a listener added late, and each listener once: none is missed for want of a listener', async () => {
    const { db } = setUp({ [A]: 'primary' }, { tls: true, tlsAllowInvalidHostnames: true })
    await db.write(() => Promise.resolve(1))
    await new Promise((resolve) => setTimeout(resolve, 20))
    const late: string[] = []
    const first: string[] = []
    db.on('warning', (w) => late.push(w.message))
    db.once('warning', (w) => first.push(w.message))
    await vi.waitFor(() => {
      expect(late).toHaveLength(1)
      expect(first).toHaveLength(1)
    })
    expect(late[0]).toMatch(/hostname verification is off/)
    expect(first).toEqual(late)
  })

  it('are not emitted when every check is on', async () => {
    const { db } = setUp({ [A]: 'primary' }, { tls: true })
    const warnings: unknown[] = []
    db.on('warning', (w) => warnings.push(w))
    await db.write(() => Promise.resolve(1))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(warnings).toEqual([])
    expect(db.configurationWarnings).toEqual([])
  })
})

describe('a call that times out before any attempt', () => {
  it('always ends with OPERATION_TIMEOUT caused by the selection’s reason when the two bounds are equal', async () => {
    const { db } = setUp(
      { [A]: 'down', [B]: 'down' },
      { timeoutMS: 300, serverSelectionTimeoutMS: 300 },
    )
    for (let i = 0; i < 4; i++) {
      const error = await caught(db.write(() => Promise.resolve(1)))
      expect(error.code).toBe(ErrorCode.OperationTimeout)
      expect(error.cause).toBeInstanceOf(ServerSelectionError)
      expect((error.cause as Error).message).toContain(A)
      expect(error.message).toContain('no writable primary')
    }
  })

  it('ends with SERVER_SELECTION_TIMEOUT when the selection bound is the shorter one', async () => {
    const { db } = setUp({ [A]: 'down' }, { timeoutMS: 5_000, serverSelectionTimeoutMS: 200 })
    const error = await caught(db.read(() => Promise.resolve(1)))
    expect(error.code).toBe(ErrorCode.ServerSelectionTimeout)
  })
})

describe('misuse of read() and write()', () => {
  it('refuses a read preference on a write instead of ignoring it', async () => {
    const { db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    const fn = vi.fn(() => Promise.resolve(1))
    for (const option of [
      { readPreference: 'secondary' },
      { readPreferenceTags: [{ dc: 'east' }] },
      { maxStalenessSeconds: 120 },
    ] as CallOptions[]) {
      const error = await caught(db.write(fn, option))
      expect(error.code).toBe(ErrorCode.InvalidOption)
      expect(error.message).toContain(Object.keys(option)[0])
    }
    expect(fn).not.toHaveBeenCalled()
  })

  it('says "use write()" for a write sent through read() to a replica, without retrying it', async () => {
    const { cluster, db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    await db.waitForPrimary()
    await expect
      .poll(() => db.topology().nodes.filter((n) => n.state === 'SECONDARY').length)
      .toBe(1)
    const fn = vi.fn(async (conn: FakeConn) => {
      cluster.insert(conn, 'x')
    })
    const error = await caught(db.read(fn, { readPreference: 'secondary' }))
    expect(error.code).toBe(ErrorCode.OperationFailed)
    expect(error.message).toContain('use write()')
    expect(fn).toHaveBeenCalledTimes(1)
    // Not taken for a failover: the replica stays a secondary.
    expect(db.topology().nodes.find((n) => n.address === B)?.state).toBe('SECONDARY')
  })
})

describe('close()', () => {
  it('reports no change of primary', async () => {
    const { db } = setUp({ [A]: 'primary', [B]: 'secondary' })
    await db.waitForPrimary()
    const changes: unknown[] = []
    db.on('primaryChanged', (e) => changes.push(e))
    await db.close()
    expect(changes).toEqual([])
  })
})

describe('a write whose deadline passes while its connection is on its way', () => {
  it('is reported as not written (NoWritesPerformed), not as an unknown outcome', async () => {
    const cluster = new FakeCluster({ [A]: 'primary' })
    const base = createFakeAdapter(cluster)
    // The connection never comes (a hung node, a driver waiting for a primary): nothing is sent.
    const adapter = { ...base, acquire: () => new Promise<FakeConn>(() => undefined) }
    const resolved = resolveOptions(`mysql://app:pw@${A}/appdb`, {
      heartbeatFrequencyMS: 500,
      timeoutMS: 300,
    })
    const db = new ReplicaKitClient(() => adapter, resolved)
    clients.push(db)
    await db.waitForPrimary()
    const fn = vi.fn(() => Promise.resolve(1))
    const error = await caught(db.write(fn))
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(error.hasLabel('UnknownOutcome')).toBe(false)
    expect(error.hasLabel('NoWritesPerformed')).toBe(true)
    expect(fn).not.toHaveBeenCalled()
  })
})
