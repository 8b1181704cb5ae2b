/**
 * The MySQL adapter's data connections: one mysql2 pool per node, borrowing bounded by the call,
 * and session hygiene on return (the rules are in `mysql-session-state.ts`).
 */
import mysql from 'mysql2/promise'
import type { Pool, PoolConnection } from 'mysql2/promise'
import { ErrorCode, ErrorLabel, TimeoutError } from '../../src/adapter.js'
import type {
  AcquireOptions,
  Clock,
  NodeAddress,
  ReplicaKitError,
  ResolvedOptions,
} from '../../src/adapter.js'
import { bounded } from './mysql-bounded.js'
import { toMysqlPoolOptions } from './mysql-config.js'
import { MysqlErrorPhase } from './mysql-errors.js'
import { readPoolState } from './mysql-internals.js'
import {
  checkAutocommit,
  resetSession,
  sessionStateOf,
  watchSession,
} from './mysql-session-state.js'
import type { ResettableConnection, SessionState } from './mysql-session-state.js'
import { coreOf, destroyConnection, isBrokenConnection } from './mysql-sockets.js'
import type { CoreConnection, SocketRegistry } from './mysql-sockets.js'
import type { MysqlSsl } from './mysql-tls.js'

/** The connection a MySQL adapter lends: a mysql2 promise `PoolConnection`. */
export type MysqlConnection = PoolConnection

/** What the connections need from the adapter around them. */
export interface MysqlConnectionsContext {
  readonly options: ResolvedOptions
  /** mysql2's `ssl` for every connection (`undefined`: TLS off). */
  readonly ssl: MysqlSsl | undefined
  readonly clock: Clock
  readonly sockets: SocketRegistry
  readonly mapError: (error: unknown, node: NodeAddress, phase: MysqlErrorPhase) => ReplicaKitError
  readonly aborted: (node: NodeAddress, what: string) => ReplicaKitError
}

/** The pools of one adapter: borrow and return connections per node. */
export class MysqlConnections {
  readonly #context: MysqlConnectionsContext
  readonly #pools = new Map<NodeAddress, Pool>()
  /** Core connections in a replication wait, which has its own bound (exempt from the watch). */
  readonly #longWaits = new WeakSet<object>()
  readonly #isLongWait = (core: object): boolean => this.#longWaits.has(core)

  constructor(context: MysqlConnectionsContext) {
    this.#context = context
  }

  /** Borrows a connection to `node`, bounded by `options`; a dirty one is reset first. */
  async acquire(node: NodeAddress, options: AcquireOptions): Promise<MysqlConnection> {
    const pool = this.#pool(node)
    let conn: MysqlConnection
    const state = readPoolState(pool)
    if (!state.closed && state.idleConnections > 0) {
      // An idle connection is ready: mysql2 hands it over on the next tick, so no bound or abort
      // wiring is needed (and `options.signal` is not made). The caller checks its own deadline.
      try {
        conn = await pool.getConnection()
      } catch (error: unknown) {
        throw this.#context.mapError(error, node, MysqlErrorPhase.Connect)
      }
    } else {
      conn = await this.#borrowBounded(node, pool, options)
    }
    this.#context.sockets.watch(conn, this.#context.options.socketTimeoutMS, this.#isLongWait)
    const session = this.#sessionOf(conn)
    // Commands sent while it sat in the pool (a caller kept it past release): clean it first.
    if (session.dirty && !session.unusable) await this.#resetBeforeLending(conn, session, node)
    return conn
  }

  /**
   * Returns a connection to its pool. Session hygiene: a connection goes back as it is only when
   * nothing sent on it since its last reset can have left session state (plain reads and single
   * autocommit `INSERT`/`REPLACE`/`UPDATE`/`DELETE`, on a session whose autocommit is known to be
   * on); otherwise it is reset first (`COM_RESET_CONNECTION`: an open transaction is rolled back;
   * variables, locks and temporary tables go) and destroyed when that fails or cannot help. So no
   * borrower ever gets a connection with another borrower's open transaction or session state,
   * while a point read or a single insert costs no extra round trip. Never throws.
   */
  release(conn: MysqlConnection, destroy: boolean): void {
    try {
      if (destroy || isBrokenConnection(conn)) {
        destroyConnection(conn)
        return
      }
      const session = this.#sessionOf(conn)
      if (session.unusable) destroyConnection(conn)
      else if (session.dirty || !session.autocommit) this.#resetAndRelease(conn, session)
      else conn.release()
    } catch {
      // release never throws; a connection that cannot be returned is dropped by its pool.
    }
  }

  /** Runs `wait` on `conn` exempt from the `socketTimeoutMS` watch (it has its own bound). */
  async exemptFromSocketTimeout<T>(conn: MysqlConnection, wait: () => Promise<T>): Promise<T> {
    const core = coreOf(conn) ?? conn
    this.#longWaits.add(core)
    try {
      return await wait()
    } finally {
      this.#longWaits.delete(core)
    }
  }

  /** Ends every pool (politely; the socket registry cuts what does not end). */
  close(): Promise<unknown>[] {
    const ending = [...this.#pools.values()].map((pool) => pool.end())
    this.#pools.clear()
    return ending
  }

  #borrowBounded(node: NodeAddress, pool: Pool, options: AcquireOptions): Promise<MysqlConnection> {
    return bounded(
      this.#context.clock,
      options,
      {
        timeoutError: () =>
          new TimeoutError(
            `no connection to mysql node ${node} within ${Math.round(options.timeoutMS)} ms: ` +
              'the node does not answer or all maxPoolSize connections are busy',
            {
              code: ErrorCode.ConnectTimeout,
              node,
              labels: [ErrorLabel.RetryableRead, ErrorLabel.NoWritesPerformed],
            },
          ),
        abortError: () => this.#context.aborted(node, 'acquiring a connection'),
        // The caller gave up: hand the connection to the next in line.
        late: (conn) => {
          this.release(conn, false)
        },
        mapError: (error) => this.#context.mapError(error, node, MysqlErrorPhase.Connect),
      },
      () => pool.getConnection(),
    )
  }

  /** The session state of a pooled connection (watched since the pool made it). */
  #sessionOf(conn: MysqlConnection): SessionState {
    const core = coreOf(conn)
    const state = core === undefined ? undefined : sessionStateOf(core)
    // Not made by our pools' 'connection' hook: trust nothing about it.
    return state ?? { dirty: true, unusable: true, autocommit: false }
  }

  #resetAndRelease(conn: MysqlConnection, state: SessionState): void {
    resetSession(coreOf(conn) as unknown as ResettableConnection, state, (error) => {
      try {
        if (error == null && !isBrokenConnection(conn)) conn.release()
        else destroyConnection(conn)
      } catch {
        // as in release()
      }
    })
  }

  async #resetBeforeLending(
    conn: MysqlConnection,
    state: SessionState,
    node: NodeAddress,
  ): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        resetSession(coreOf(conn) as unknown as ResettableConnection, state, (error) => {
          if (error == null) resolve()
          else reject(error instanceof Error ? error : new Error('connection reset failed'))
        })
      })
    } catch (error: unknown) {
      destroyConnection(conn)
      throw this.#context.mapError(error, node, MysqlErrorPhase.Connect)
    }
  }

  #pool(node: NodeAddress): Pool {
    let pool = this.#pools.get(node)
    if (pool === undefined) {
      pool = mysql.createPool({
        ...toMysqlPoolOptions(this.#context.options, node, this.#context.ssl),
        // No reset on every release: `release()` resets only the connections that need it.
        resetOnRelease: false,
        stream: this.#context.sockets.factory(node),
      })
      // Runs before mysql2 lends a new connection for the first time.
      pool.pool.on('connection', (core: CoreConnection) => {
        // An idle pooled connection whose server dies emits 'error'; never let that reach the process.
        core.on?.('error', () => undefined)
        // Plain statements leave no transaction open only under autocommit: check it (the server
        // default and init_connect both decide it) before the first borrower sends anything.
        checkAutocommit(core as unknown as ResettableConnection, watchSession(core))
      })
      this.#pools.set(node, pool)
    }
    return pool
  }
}
