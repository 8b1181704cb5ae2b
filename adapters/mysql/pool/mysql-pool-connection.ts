/**
 * The connection `getConnection()` of the mysql2-compatible pool hands out.
 */
import mysql from 'mysql2/promise'
import type { FieldPacket, QueryResult } from 'mysql2/promise'
import { StatementRunner } from './mysql-pool-statements.js'
import type { NodeAddress, Session } from '../../../src/index.js'
import { splitNodeAddress } from '../../../src/adapter.js'
import { checkChangeUser, pingOn, settle } from './mysql-pool-session-ops.js'
import type { ChangeUserOptions, ConnectionConfigView } from './mysql-pool-session-ops.js'
import { parseKill } from './mysql-pool-kill.js'
import type { MysqlPoolError } from './mysql-pool-error.js'
import type { PrimaryLease } from './mysql-pool-lease.js'
import { control, defer, runStatement } from './mysql-pool-query.js'
import type { PoolContext, Statement } from './mysql-pool-query.js'
import { StatementKind, statementKind } from '../mysql-statement-kind.js'

/** `ROLLBACK` / `ROLLBACK WORK` on its own (not `ROLLBACK TO SAVEPOINT`). */
const PLAIN_ROLLBACK = /^\s*rollback(\s+work)?\s*;?\s*$/i

/** Asks for the session's identity: binds the connection to one session first. */
const ASKS_IDENTITY = /\bconnection_id\s*\(\s*\)/i

/** The OK packet a no-op `ROLLBACK` answers with (mysql2's `ResultSetHeader` fields). */
const NOTHING_ROLLED_BACK = Object.freeze({
  fieldCount: 0,
  affectedRows: 0,
  insertId: 0,
  info: '',
  serverStatus: 0,
  warningStatus: 0,
  changedRows: 0,
}) as unknown as QueryResult

/**
 * A connection of the mysql2-compatible pool. Until it runs anything but a plain read, each read is
 * routed by the read preference like the pool's own `query`. The first other statement (a write,
 * `BEGIN`, `SET`, a locking read, …) or `beginTransaction()` pins it to the primary: from then on
 * every statement runs on one physical primary connection, one session, until `release()`. So a
 * transaction always runs on the primary, on one node, and the write concern is applied after each
 * autocommit write and after `COMMIT`, before its callback or promise settles.
 *
 * If the primary changes or the session breaks while pinned, every later statement fails
 * (`NOT_PRIMARY` or `OPERATION_FAILED`) except a plain `ROLLBACK`, which succeeds (the server already
 * rolled back): release it and run the transaction again on a new one.
 *
 * It is an `EventEmitter`, as mysql2's connections are (TypeORM adds an `error` listener); it emits
 * nothing: errors go to the statement that hit them.
 */
export class MysqlPoolConnection extends StatementRunner {
  readonly #context: PoolContext
  readonly #session: Session | undefined
  #lease: PrimaryLease | undefined

  /**
   * @internal Use `pool.getConnection()`. `session`: the causal session to use at level
   * `connection` (the driver module's handles share one across their pinned spans).
   */
  constructor(context: PoolContext, session?: Session) {
    super()
    this.#context = context
    this.#session = context.causal.sessionFor(session ?? context.causal.connectionSession())
  }

  /**
   * mysql2's `threadId`: the server's id of the one physical session this connection is bound to,
   * or `null` while it is not bound. It binds (pins to one primary session, see the class) on its
   * first statement that is not a plain read, and on `SELECT CONNECTION_ID()`: a caller that asks
   * for the session's identity (Kysely's query cancellation, an ORM's `KILL QUERY`) gets the session
   * every later statement of this connection runs on, and a `KILL` of that id sent through the pool
   * reaches it.
   */
  get threadId(): number | null {
    return this.#lease?.threadId ?? null
  }

  /** The parts of mysql2's `connection.config` that ORMs read (`host`/`port`: the bound node, else the first member). */
  get config(): ConnectionConfigView {
    const options = this.#context.client.options
    const { host, port } = splitNodeAddress(
      this.#lease?.node ?? options.hosts[0] ?? 'localhost:3306',
    )
    return Object.freeze({
      host,
      port,
      user: options.username ?? '',
      database: options.database ?? '',
      ...(options.driverOptions ?? {}),
    })
  }

  /** The node this connection is pinned to, or `undefined` while it is not pinned (or not yet connected). */
  get pinnedNode(): NodeAddress | undefined {
    return this.#lease?.node
  }

  /** Whether a statement or `beginTransaction()` pinned this connection to the primary. */
  get isPinned(): boolean {
    return this.#lease !== undefined
  }

  /** This object (mysql2 exposes the callback connection as `.connection`; both styles live here). */
  get connection(): this {
    return this
  }

  /** Pins the connection to the primary and sends `START TRANSACTION`. */
  beginTransaction(callback: (error: MysqlPoolError | null) => void): void
  beginTransaction(): Promise<void>
  beginTransaction(callback?: (error: MysqlPoolError | null) => void): Promise<void> | undefined {
    return control((sql) => this.query(sql), 'START TRANSACTION', callback)
  }

  /** Sends `COMMIT`; settles once the write concern is met. */
  commit(callback: (error: MysqlPoolError | null) => void): void
  commit(): Promise<void>
  commit(callback?: (error: MysqlPoolError | null) => void): Promise<void> | undefined {
    return control((sql) => this.query(sql), 'COMMIT', callback)
  }

  /** Sends `ROLLBACK`. */
  rollback(callback: (error: MysqlPoolError | null) => void): void
  rollback(): Promise<void>
  rollback(callback?: (error: MysqlPoolError | null) => void): Promise<void> | undefined {
    return control((sql) => this.query(sql), 'ROLLBACK', callback)
  }

  /**
   * Returns the pinned physical connection to its node's pool, which resets the session (an open
   * transaction is rolled back). The object may be used again: it starts unpinned.
   */
  release(): void {
    this.#lease?.end(false)
    this.#lease = undefined
  }

  /**
   * mysql2's `ping`: on the bound session when there is one, else on a node the read preference
   * allows. Promise or callback style.
   */
  ping(callback?: (error: MysqlPoolError | null) => void): Promise<void> {
    const done = pingOn(this.#context, this.#lease)
    if (callback !== undefined) settle(done, callback)
    return done
  }

  /**
   * mysql2's `changeUser`, where it is safe: a pool connection has no session of its own to change
   * (its statements may run on any node's pooled sessions), so only the pool's own user and
   * database are accepted (a no-op); anything else fails with `NOT_SUPPORTED`: create a pool with
   * those credentials instead.
   */
  changeUser(
    options: ChangeUserOptions,
    callback?: (error: MysqlPoolError | null) => void,
  ): Promise<void> {
    const done = checkChangeUser(this.#context, options)
    if (callback !== undefined) settle(done, callback)
    return done
  }

  /** Like `release()`, but closes the physical connection instead of returning it. */
  destroy(): void {
    this.#lease?.end(true)
    this.#lease = undefined
  }

  /** The same as `release()` (Drizzle's streaming iterator ends the connection it streamed on). */
  end(callback?: (error: MysqlPoolError | null) => void): Promise<void> {
    this.release()
    if (callback !== undefined)
      defer(() => {
        callback(null)
      })
    return Promise.resolve()
  }

  /** mysql2's `format`: substitutes `?` and `??` placeholders client-side. */
  format(sql: string, values?: unknown): string {
    return mysql.format(sql, values as never)
  }

  /** mysql2's `escape`. */
  escape(value: unknown): string {
    return mysql.escape(value as never)
  }

  /** mysql2's `escapeId`. */
  escapeId(value: string | string[]): string {
    return mysql.escapeId(value)
  }

  #run(statement: Statement): Promise<[QueryResult, FieldPacket[]]> {
    if (this.#lease?.isLost === true && PLAIN_ROLLBACK.test(statement.text)) {
      // The server rolled the transaction back when the session died. Succeeding here lets an ORM's
      // rollback-after-error report the error that matters (say, a COMMIT of unknown outcome).
      return Promise.resolve([NOTHING_ROLLED_BACK, []])
    }
    if (
      this.#lease === undefined &&
      parseKill(statement.text) === undefined &&
      (statementKind(statement.text) === StatementKind.Write || ASKS_IDENTITY.test(statement.text))
    ) {
      this.#lease = this.#context.leases.create()
    }
    return runStatement(this.#context, statement, this.#lease, [], this.#session)
  }

  /** Runs one parsed statement (see {@link StatementRunner}). @internal */
  protected runStatement(statement: Statement): Promise<[QueryResult, FieldPacket[]]> {
    return this.#run(statement)
  }
}
