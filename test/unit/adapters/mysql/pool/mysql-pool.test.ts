/**
 * The mysql2-compatible pool's plumbing without a server: primary leases over a fake adapter,
 * argument forms and answer styles, and a pool connection's routing over a fake client that borrows
 * through the wrapped adapter the way the real client does.
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it, vi } from 'vitest'
import type { FieldPacket, QueryResult } from 'mysql2/promise'
import { ErrorCode, NetworkError, isReplicaKitError } from '../../../../../src/adapter.js'
import type {
  Adapter,
  AcquireOptions,
  AdapterContext,
  CallTarget,
  ResolvedOptions,
} from '../../../../../src/adapter.js'
import type { ReplicaKitClient } from '../../../../../src/index.js'
import { systemClock } from '../../../../../src/util/clock.js'
import { targetOn } from '../../../../fixtures/call-target.js'
import type { MysqlConnection } from '../../../../../adapters/mysql/mysql-adapter.js'
import { PoolCausality } from '../../../../../adapters/mysql/pool/mysql-pool-causal.js'
import { MysqlPoolConnection } from '../../../../../adapters/mysql/pool/mysql-pool-connection.js'
import { ConnectionLeases } from '../../../../../adapters/mysql/pool/mysql-pool-lease.js'
import { dispatch } from '../../../../../adapters/mysql/pool/mysql-pool-query.js'
import { MysqlPool } from '../../../../../adapters/mysql/pool/mysql-pool.js'
import { createPool } from '../../../../../adapters/mysql/pool/mysql-pool-create.js'
import type { MysqlPoolOptions } from '../../../../../adapters/mysql/pool/mysql-pool-create.js'
import type { MysqlPoolError } from '../../../../../adapters/mysql/pool/mysql-pool-error.js'
import type {
  QueryPromise,
  Statement,
} from '../../../../../adapters/mysql/pool/mysql-pool-query.js'

const A = '10.0.0.1:3306'
const B = '10.0.0.2:3306'

interface FakeConn {
  readonly id: number
  readonly node: string
  readonly connection: { _fatalError?: unknown }
  readonly sent: string[]
  query(sql: string, values?: unknown): Promise<[unknown, FieldPacket[]]>
  execute(sql: string, values?: unknown): Promise<[unknown, FieldPacket[]]>
}

function fakeInner() {
  let next = 0
  const released: { id: number; destroy: boolean }[] = []
  const acquire = vi.fn(async ({ node = '?' }: CallTarget) => {
    await Promise.resolve()
    const conn: FakeConn = {
      id: ++next,
      node,
      connection: {},
      sent: [],
      query(text: string) {
        this.sent.push(text)
        return Promise.resolve([[{ node, id: this.id }], []])
      },
      execute(text: string) {
        return this.query(text)
      },
    }
    return conn as unknown as MysqlConnection
  })
  const adapter = {
    backend: 'mysql',
    capabilities: { discovery: 'probe', routing: 'node' },
    acquire,
    release: (conn: MysqlConnection, destroy: boolean) => {
      released.push({ id: (conn as unknown as FakeConn).id, destroy })
    },
  } as unknown as Adapter<MysqlConnection>
  return { adapter, acquire, released }
}

function setup() {
  const inner = fakeInner()
  const leases = new ConnectionLeases()
  const context = { options: {} as ResolvedOptions, clock: systemClock } as AdapterContext
  const leased = leases.wrap(() => inner.adapter)(context)
  // The MySQL adapter's connections always come in a promise (`Adapter.acquire` may also return one as is).
  const wrapped = {
    acquire: (target: CallTarget, options: AcquireOptions) =>
      Promise.resolve(leased.acquire(target, options)),
    release: (conn: MysqlConnection, destroy: boolean) => {
      leased.release(conn, destroy)
    },
  }
  return { inner, leases, wrapped }
}

const OPTS = { timeoutMS: 1000 }

describe('PrimaryLease', () => {
  it('borrows one connection on first use and lends the same one after', async () => {
    const { inner, leases, wrapped } = setup()
    const lease = leases.create()
    const first = await leases.within(lease, () => wrapped.acquire(targetOn(A), OPTS))
    wrapped.release(first, false)
    const second = await leases.within(lease, () => wrapped.acquire(targetOn(A), OPTS))
    expect(second).toBe(first)
    expect(inner.acquire).toHaveBeenCalledTimes(1)
    expect(inner.released).toEqual([])
    expect(lease.node).toBe(A)
  })

  it('borrows once when two statements start together', async () => {
    const { inner, leases, wrapped } = setup()
    const lease = leases.create()
    const [a, b] = await Promise.all([
      leases.within(lease, () => wrapped.acquire(targetOn(A), OPTS)),
      leases.within(lease, () => wrapped.acquire(targetOn(A), OPTS)),
    ])
    expect(a).toBe(b)
    expect(inner.acquire).toHaveBeenCalledTimes(1)
  })

  it('refuses to follow the primary to another node (NOT_PRIMARY)', async () => {
    const { leases, wrapped } = setup()
    const lease = leases.create()
    await leases.within(lease, () => wrapped.acquire(targetOn(A), OPTS))
    const error = await leases
      .within(lease, () => wrapped.acquire(targetOn(B), OPTS))
      .catch((e: unknown) => e)
    expect(isReplicaKitError(error) && error.code).toBe(ErrorCode.NotPrimary)
    expect((error as Error).message).toContain(A)
  })

  it('drops a connection the client destroys or that broke, and fails every later statement', async () => {
    for (const breakIt of ['destroy', 'fatal'] as const) {
      const { inner, leases, wrapped } = setup()
      const lease = leases.create()
      const conn = await leases.within(lease, () => wrapped.acquire(targetOn(A), OPTS))
      if (breakIt === 'fatal') (conn as unknown as FakeConn).connection._fatalError = new Error('x')
      wrapped.release(conn, breakIt === 'destroy')
      expect(inner.released).toEqual([{ id: 1, destroy: true }])
      expect(lease.isLost).toBe(true)
      const error = await leases
        .within(lease, () => wrapped.acquire(targetOn(A), OPTS))
        .catch((e: unknown) => e)
      expect(isReplicaKitError(error) && error.code).toBe(ErrorCode.OperationFailed)
      expect(inner.acquire).toHaveBeenCalledTimes(1)
    }
  })

  it('end() gives the connection back once; late releases and acquires are refused', async () => {
    const { inner, leases, wrapped } = setup()
    const lease = leases.create()
    const conn = await leases.within(lease, () => wrapped.acquire(targetOn(A), OPTS))
    lease.end(false)
    lease.end(true)
    wrapped.release(conn, false) // a statement that was still running finishes
    expect(inner.released).toEqual([{ id: 1, destroy: false }])
    const error = await leases
      .within(lease, () => wrapped.acquire(targetOn(A), OPTS))
      .catch((e: unknown) => e)
    expect(isReplicaKitError(error) && error.code).toBe(ErrorCode.OperationFailed)
  })

  it('returns a connection that arrives after end() to its pool', async () => {
    const { inner, leases, wrapped } = setup()
    const lease = leases.create()
    const pending = leases
      .within(lease, () => wrapped.acquire(targetOn(A), OPTS))
      .catch((e: unknown) => e)
    lease.end(false)
    expect(isReplicaKitError(await pending)).toBe(true)
    expect(inner.released).toEqual([{ id: 1, destroy: false }])
  })

  it('passes acquire and release straight through outside a lease, even when called from one', async () => {
    const { inner, leases, wrapped } = setup()
    const lease = leases.create()
    await leases.within(lease, () => wrapped.acquire(targetOn(A), OPTS))
    const plain = await leases.within(lease, () =>
      leases.outside(() => wrapped.acquire(targetOn(A), OPTS)),
    )
    wrapped.release(plain, false)
    expect(inner.acquire).toHaveBeenCalledTimes(2)
    expect(inner.released).toEqual([{ id: 2, destroy: false }])
  })
})

describe('dispatch', () => {
  const ok = (s: Statement) =>
    Promise.resolve([[{ text: s.text, values: s.values }], []] as [QueryResult, FieldPacket[]])

  it('answers with a promise of [rows, fields] when no callback is given', async () => {
    const [rows] = await (dispatch('query', ['SELECT ?', [1]], ok) as QueryPromise)
    expect(rows).toEqual([{ text: 'SELECT ?', values: [1] }])
  })

  it('reads the SQL of the options-object form', async () => {
    const [rows] = await (dispatch(
      'execute',
      [{ sql: 'SELECT 2', rowsAsArray: true }, [3]],
      ok,
    ) as QueryPromise)
    expect(rows).toEqual([{ text: 'SELECT 2', values: [3] }])
  })

  it('calls back (error, rows, fields) when the last argument is a function', async () => {
    for (const args of [['SELECT 1'], ['SELECT 1', []]]) {
      const answer = await new Promise<unknown[]>((resolve) => {
        expect(
          dispatch(
            'query',
            [
              ...args,
              (...a: unknown[]) => {
                resolve(a)
              },
            ],
            ok,
          ),
        ).toBeInstanceOf(EventEmitter)
      })
      expect(answer).toEqual([null, [{ text: 'SELECT 1', values: args[1] }], []])
    }
  })

  it('rejects bad SQL arguments with a ConfigError, in either style', async () => {
    for (const bad of [42, null, {}, { sql: 1 }, ['SELECT 1']]) {
      const error = await (dispatch('query', [bad], ok) as QueryPromise).catch((e: unknown) => e)
      expect(error).toMatchObject({
        code: ErrorCode.InvalidOption,
        replicakit: { name: 'ConfigError' },
      })
      const viaCallback = await new Promise<unknown>((resolve) => {
        void dispatch(
          'query',
          [
            bad,
            [],
            (e: unknown) => {
              resolve(e)
            },
          ],
          ok,
        )
      })
      expect(viaCallback).toMatchObject({ replicakit: { name: 'ConfigError' } })
    }
  })

  it('wraps an unmapped error as INTERNAL with its cause, without secrets', async () => {
    const raw = new TypeError('boom at mysql://app:hunter2@db:3306/x')
    const error = (await (
      dispatch('query', ['SELECT 1'], () => Promise.reject(raw)) as QueryPromise
    ).catch((e: unknown) => e)) as MysqlPoolError
    expect(error.code).toBe(ErrorCode.Internal)
    expect(error.replicakit.cause).toBe(raw)
    expect(error.message).not.toContain('hunter2')
  })

  it('wraps ReplicaKit errors, keeping them at err.replicakit', async () => {
    const original = new NetworkError('lost', { code: ErrorCode.NetworkError })
    const error = await (
      dispatch('query', ['SELECT 1'], () => Promise.reject(original)) as QueryPromise
    ).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: ErrorCode.NetworkError, replicakit: original })
  })

  it('streams the rows of a result set, or the one OK packet of a write', async () => {
    const rows: unknown[] = []
    const many = () => Promise.resolve([[{ a: 1 }, { a: 2 }], []] as [QueryResult, FieldPacket[]])
    for await (const row of (dispatch('query', ['SELECT a'], many) as QueryPromise).stream({
      objectMode: true,
    })) {
      rows.push(row)
    }
    expect(rows).toEqual([{ a: 1 }, { a: 2 }])
    const okPacket = { affectedRows: 1 }
    const one = () => Promise.resolve([okPacket, []] as unknown as [QueryResult, FieldPacket[]])
    const packets: unknown[] = []
    for await (const p of (dispatch('query', ['INSERT'], one) as QueryPromise).stream())
      packets.push(p)
    expect(packets).toEqual([okPacket])
  })

  it('ends a stream with the statement error', async () => {
    const failing = () => Promise.reject(new NetworkError('lost', { code: ErrorCode.NetworkError }))
    const consume = async () => {
      const rows: unknown[] = []
      for await (const row of (dispatch('query', ['SELECT a'], failing) as QueryPromise).stream())
        rows.push(row)
    }
    await expect(consume()).rejects.toMatchObject({ code: ErrorCode.NetworkError })
  })
})

describe('MysqlPoolConnection routing', () => {
  /** A client whose calls borrow through the wrapped adapter, as ReplicaKitClient#run does. */
  function poolWith(primary = A) {
    const s = setup()
    const calls: { kind: 'read' | 'write'; conn: number; sql: string }[] = []
    let failing = false
    const run =
      (kind: 'read' | 'write', node: string) =>
      async (fn: (conn: MysqlConnection) => Promise<[QueryResult, FieldPacket[]]>) => {
        const conn = await s.wrapped.acquire(targetOn(node), OPTS)
        if (failing) {
          failing = false
          s.wrapped.release(conn, true)
          throw new NetworkError('lost', { code: ErrorCode.NetworkError })
        }
        try {
          const fake = conn as unknown as FakeConn
          const result = await fn(conn)
          calls.push({ kind, conn: fake.id, sql: fake.sent.at(-1) ?? '' })
          return result
        } finally {
          s.wrapped.release(conn, false)
        }
      }
    const client = { read: run('read', B), write: run('write', primary) }
    const typed = client as unknown as ReplicaKitClient<MysqlConnection>
    const conn = new MysqlPoolConnection({
      client: typed,
      leases: s.leases,
      causal: new PoolCausality(typed, 'none'),
    })
    const failNext = () => {
      failing = true
    }
    return { ...s, calls, conn, failNext }
  }

  it('routes plain reads by the read preference until the first other statement', async () => {
    const { conn, calls, inner } = poolWith()
    await conn.query('SELECT 1')
    await conn.execute('SELECT 2')
    expect(conn.isPinned).toBe(false)
    await conn.query('INSERT INTO t VALUES (1)')
    await conn.query('SELECT 3')
    await conn.execute('SELECT 4')
    expect(calls.map((c) => c.kind)).toEqual(['read', 'read', 'write', 'write', 'write'])
    // The pinned statements share one borrowed connection; the reads returned theirs.
    expect(new Set(calls.slice(2).map((c) => c.conn)).size).toBe(1)
    expect(inner.released.map((r) => r.id)).toEqual([1, 2])
    expect(conn.pinnedNode).toBe(A)
  })

  it('pins on beginTransaction and sends START TRANSACTION, COMMIT, ROLLBACK there', async () => {
    const { conn, calls } = poolWith()
    await conn.beginTransaction()
    await conn.query('SELECT 1')
    await conn.commit()
    await new Promise<void>((resolve, reject) => {
      conn.rollback((e) => {
        if (e === null) resolve()
        else reject(e)
      })
    })
    expect(calls.map((c) => `${c.kind} ${c.sql}`)).toEqual([
      'write START TRANSACTION',
      'write SELECT 1',
      'write COMMIT',
      'write ROLLBACK',
    ])
    expect(new Set(calls.map((c) => c.conn)).size).toBe(1)
  })

  it('release() returns the pinned connection and starts over unpinned', async () => {
    const { conn, inner, calls } = poolWith()
    await conn.query('SET @x = 1')
    conn.release()
    expect(inner.released).toEqual([{ id: 1, destroy: false }])
    expect(conn.isPinned).toBe(false)
    await conn.query('SELECT 1')
    expect(calls.at(-1)?.kind).toBe('read')
    await conn.query('DELETE FROM t')
    conn.destroy()
    expect(inner.released.at(-1)).toEqual({ id: 3, destroy: true })
  })

  it('after its session is lost: statements fail, a plain ROLLBACK succeeds as a no-op', async () => {
    const { conn, calls, failNext } = poolWith()
    await conn.query('BEGIN')
    failNext()
    const lost = await conn.query('INSERT INTO t VALUES (1)').catch((e: unknown) => e)
    expect(lost).toMatchObject({ code: ErrorCode.NetworkError })
    for (const sql of ['SELECT 1', 'COMMIT', 'ROLLBACK TO SAVEPOINT sp1']) {
      const error = await conn.query(sql).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: ErrorCode.OperationFailed })
    }
    const [result] = await conn.query('rollback')
    expect(result).toMatchObject({ affectedRows: 0 })
    await conn.rollback()
    expect(calls.map((c) => c.sql)).toEqual(['BEGIN'])
  })
})

describe('MysqlPool', () => {
  function poolOver() {
    const s = setup()
    const calls: string[] = []
    const run =
      (kind: 'read' | 'write') =>
      async (fn: (conn: MysqlConnection) => Promise<[QueryResult, FieldPacket[]]>) => {
        const conn = await s.wrapped.acquire(targetOn(A), OPTS)
        try {
          const result = await fn(conn)
          calls.push(`${kind} ${(conn as unknown as FakeConn).sent.at(-1) ?? ''}`)
          return result
        } finally {
          s.wrapped.release(conn, false)
        }
      }
    const close = vi.fn(() => Promise.resolve())
    const client = { read: run('read'), write: run('write'), close }
    const pool = new MysqlPool(
      client as unknown as ReplicaKitClient<MysqlConnection>,
      s.leases,
      'none',
    )
    return { ...s, pool, calls, close }
  }

  it('routes each statement by its kind and never pins', async () => {
    const { pool, calls, inner } = poolOver()
    await pool.query('SELECT 1')
    await pool.execute('INSERT INTO t VALUES (?)', [1])
    await pool.query('SELECT * FROM t FOR UPDATE')
    await pool.query('BEGIN')
    expect(calls).toEqual([
      'read SELECT 1',
      'write INSERT INTO t VALUES (?)',
      'write SELECT * FROM t FOR UPDATE',
      'write BEGIN',
    ])
    expect(inner.released.map((r) => r.id)).toEqual([1, 2, 3, 4])
  })

  it('is an EventEmitter whose promise() is itself (what Drizzle checks)', () => {
    const { pool } = poolOver()
    expect(pool).toBeInstanceOf(EventEmitter)
    expect(pool.promise()).toBe(pool)
  })

  it('end() closes the client once; getConnection then fails with CLIENT_CLOSED', async () => {
    const { pool, close } = poolOver()
    await new Promise<void>((resolve, reject) => {
      pool.end((e) => {
        if (e === null) resolve()
        else reject(e)
      })
    })
    await pool.end()
    expect(close).toHaveBeenCalledTimes(1)
    await expect(pool.getConnection()).rejects.toMatchObject({ code: ErrorCode.ClientClosed })
    const viaCallback = await new Promise<unknown>((resolve) => {
      pool.getConnection((e) => {
        resolve(e)
      })
    })
    expect(viaCallback).toMatchObject({ code: ErrorCode.ClientClosed })
  })
})

describe('createPool input', () => {
  it.each([
    ['a non-MySQL scheme', () => createPool('mongodb://h1,h2/db')],
    ['a bad option', () => createPool('mysql://h1/db?readPreference=sideways')],
    ['an object with an unknown option', () => createPool({ hots: 'h1' } as MysqlPoolOptions)],
    ['a non-string', () => createPool(42 as unknown as string)],
  ])('rejects %s with a ConfigError', (_name, make) => {
    expect(make).toThrow(expect.objectContaining({ name: 'ConfigError' }))
  })

  it('never puts the password in the error', () => {
    let error: unknown
    try {
      createPool({ uri: 'mysql://app:S3cr3t-pw@h1/db', readPreference: 'sideways' } as never)
    } catch (e: unknown) {
      error = e
    }
    expect(isReplicaKitError(error)).toBe(true)
    expect((error as Error).message).not.toContain('S3cr3t-pw')
  })
})
