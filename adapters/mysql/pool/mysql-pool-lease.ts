/**
 * Primary leases: one physical connection to the primary kept across several `client.write` calls,
 * so a transaction (or any session state) of a pool connection stays on one node and one session,
 * while every statement still goes through the core (selection, error mapping, write concern after
 * each autocommit write and after `COMMIT`).
 *
 * The adapter handed to the client is wrapped: inside {@link ConnectionLeases.within} its `acquire`
 * lends the lease's connection (borrowing it once) and its `release` keeps it; outside, both pass
 * straight through. The lease is found through `AsyncLocalStorage`, which follows the client's
 * awaits from `write()` down to `acquire()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { ErrorCode, NodeStateError, OperationError } from '../../../src/index.js'
import type {
  AcquireOptions,
  Adapter,
  CallTarget,
  AdapterFactory,
  NodeAddress,
  ReplicaKitError,
} from '../../../src/index.js'
import type { MysqlConnection } from '../mysql-adapter.js'
import { isBrokenConnection } from '../mysql-sockets.js'
import { forgetGtidReporting } from './mysql-pool-causal.js'

/** The leases holding a session, by the session's server id (`CONNECTION_ID()`). */
class BoundSessions {
  readonly #byId = new Map<number, Set<PrimaryLease>>()

  add(lease: PrimaryLease, threadId: number | null): void {
    if (threadId === null) return
    let leases = this.#byId.get(threadId)
    if (leases === undefined) this.#byId.set(threadId, (leases = new Set()))
    leases.add(lease)
  }

  delete(lease: PrimaryLease, threadId: number | null): void {
    if (threadId === null) return
    const leases = this.#byId.get(threadId)
    leases?.delete(lease)
    if (leases?.size === 0) this.#byId.delete(threadId)
  }

  get(threadId: number): PrimaryLease[] {
    return [...(this.#byId.get(threadId) ?? [])]
  }
}

/**
 * One pool connection's hold on a physical primary connection. Created unheld; the first statement
 * run {@link ConnectionLeases.within} it borrows a connection on the node the client selected, and
 * every later one reuses it until {@link PrimaryLease.end}.
 */
export class PrimaryLease {
  readonly #inner: () => Adapter<MysqlConnection>
  readonly #owners: WeakMap<MysqlConnection, PrimaryLease>
  readonly #bound: BoundSessions
  #conn: MysqlConnection | undefined
  #node: NodeAddress | undefined
  #borrowing: Promise<unknown> | undefined
  #lost: ReplicaKitError | undefined
  #ended = false

  /** @internal Use {@link ConnectionLeases.create}. */
  constructor(
    inner: () => Adapter<MysqlConnection>,
    owners: WeakMap<MysqlConnection, PrimaryLease>,
    bound: BoundSessions,
  ) {
    this.#inner = inner
    this.#owners = owners
    this.#bound = bound
  }

  /** The server's id of the held session (`CONNECTION_ID()`), or `null` before the first statement. */
  get threadId(): number | null {
    return this.#conn?.threadId ?? null
  }

  /** The node the held connection is on, or `undefined` before the first statement. */
  get node(): NodeAddress | undefined {
    return this.#node
  }

  /** Whether the held session broke: the server rolled back whatever it had open. */
  get isLost(): boolean {
    return this.#lost !== undefined
  }

  /** Lends the held connection, borrowing it on the target's node the first time. @internal */
  async acquire(target: CallTarget, options: AcquireOptions): Promise<MysqlConnection> {
    const node = target.node ?? '?'
    for (;;) {
      if (this.#ended) throw this.#endedError(node)
      if (this.#lost !== undefined) throw this.#lost
      if (this.#conn !== undefined) {
        if (this.#node !== node) throw this.#movedError(node)
        return this.#conn
      }
      if (this.#borrowing === undefined) break
      // Another statement of this connection is borrowing: use what it gets (or try again).
      await this.#borrowing.catch(() => undefined)
    }
    const borrowing = Promise.resolve(this.#inner().acquire(target, options))
    this.#borrowing = borrowing
    try {
      const conn = await borrowing
      // end() may have run while borrowing.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      if (this.#ended) {
        this.#inner().release(conn, false)
        throw this.#endedError(node)
      }
      this.#conn = conn
      this.#node = node
      this.#owners.set(conn, this)
      this.#bound.add(this, conn.threadId)
      return conn
    } finally {
      this.#borrowing = undefined
    }
  }

  /** The client is done with one statement: keep the connection unless it broke. @internal */
  returned(conn: MysqlConnection, destroy: boolean): void {
    if (this.#ended || conn !== this.#conn) return
    if (!destroy && !isBrokenConnection(conn)) return
    this.#bound.delete(this, conn.threadId)
    this.#conn = undefined
    this.#lost = new OperationError(
      `the session this pool connection held on mysql node ${this.#node ?? '?'} was lost; ` +
        'an open transaction on it was rolled back by the server: release this connection and ' +
        'run the transaction again on a new one',
      {
        code: ErrorCode.OperationFailed,
        ...(this.#node !== undefined ? { node: this.#node } : {}),
      },
    )
    forgetGtidReporting(conn)
    this.#inner().release(conn, true)
  }

  /**
   * Gives the connection back to its node's pool (which resets the session, rolling back an open
   * transaction), or destroys it. Idempotent; statements still running on it finish first.
   */
  end(destroy: boolean): void {
    if (this.#ended) return
    this.#ended = true
    const conn = this.#conn
    this.#conn = undefined
    if (conn === undefined) return
    this.#bound.delete(this, conn.threadId)
    forgetGtidReporting(conn)
    this.#inner().release(conn, destroy)
  }

  #movedError(node: NodeAddress): NodeStateError {
    return new NodeStateError(
      `the primary moved from mysql node ${this.#node ?? '?'} to ${node} while a pool connection ` +
        'was pinned to it; its session cannot continue on another node: release this connection ' +
        'and run the transaction again on a new one',
      { code: ErrorCode.NotPrimary, ...(this.#node !== undefined ? { node: this.#node } : {}) },
    )
  }

  #endedError(node: NodeAddress): OperationError {
    return new OperationError(
      'this pool connection was released or destroyed while a statement was waiting for it; ' +
        'take a new one with getConnection()',
      { code: ErrorCode.OperationFailed, node },
    )
  }
}

/**
 * The leases of one pool, and the adapter wrapper that serves them. One per `createPool`.
 */
export class ConnectionLeases {
  readonly #storage = new AsyncLocalStorage<PrimaryLease>()
  readonly #owners = new WeakMap<MysqlConnection, PrimaryLease>()
  readonly #bound = new BoundSessions()
  #inner: Adapter<MysqlConnection> | undefined

  /** Wraps an adapter factory so the adapter it makes serves leases. Call once, before the client exists. */
  wrap(factory: AdapterFactory<MysqlConnection>): AdapterFactory<MysqlConnection> {
    return (context) => {
      const inner = factory(context)
      this.#inner = inner
      return this.#leasing(inner)
    }
  }

  /** A new, unheld lease. */
  create(): PrimaryLease {
    return new PrimaryLease(() => this.#adapter(), this.#owners, this.#bound)
  }

  /** The held sessions whose server id is `threadId` (several only when ids repeat across nodes). */
  withThreadId(threadId: number): PrimaryLease[] {
    return this.#bound.get(threadId)
  }

  /** Runs `fn` (a client call) so the connections it borrows come from `lease`. */
  within<T>(lease: PrimaryLease, fn: () => Promise<T>): Promise<T> {
    return this.#storage.run(lease, fn)
  }

  /** Runs `fn` (a client call) outside any lease, whatever context the caller is in. */
  outside<T>(fn: () => Promise<T>): Promise<T> {
    return this.#storage.exit(fn)
  }

  #adapter(): Adapter<MysqlConnection> {
    if (this.#inner === undefined) throw new Error('ConnectionLeases.wrap was never called')
    return this.#inner
  }

  #leasing(inner: Adapter<MysqlConnection>): Adapter<MysqlConnection> {
    const storage = this.#storage
    const owners = this.#owners
    return {
      backend: inner.backend,
      capabilities: inner.capabilities,
      ...(inner.probe === undefined ? {} : { probe: inner.probe.bind(inner) }),
      ...(inner.replication === undefined ? {} : { replication: inner.replication }),
      acquire: (target, options) => {
        const lease = storage.getStore()
        return lease === undefined ? inner.acquire(target, options) : lease.acquire(target, options)
      },
      release: (conn, destroy) => {
        const lease = owners.get(conn)
        if (lease !== undefined) {
          lease.returned(conn, destroy)
          return
        }
        forgetGtidReporting(conn)
        inner.release(conn, destroy)
      },
      toError: (error, node) => inner.toError(error, node),
      close: () => inner.close(),
    }
  }
}
