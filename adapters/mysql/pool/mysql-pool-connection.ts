/**
 * The connection `getConnection()` of the mysql2-compatible pool hands out.
 */
import { EventEmitter } from 'node:events'
import mysql from 'mysql2/promise'
import type { FieldPacket, QueryResult } from 'mysql2/promise'
import type { NodeAddress } from '../../../src/index.js'
import type { MysqlPoolError } from './mysql-pool-error.js'
import type { PrimaryLease } from './mysql-pool-lease.js'
import { control, defer, dispatch, runStatement } from './mysql-pool-query.js'
import type {
  PendingQuery,
  PoolContext,
  PoolSql,
  QueryCallback,
  QueryPromise,
  Statement,
} from './mysql-pool-query.js'
import { StatementKind, statementKind } from '../mysql-statement-kind.js'

/** `ROLLBACK` / `ROLLBACK WORK` on its own (not `ROLLBACK TO SAVEPOINT`). */
const PLAIN_ROLLBACK = /^\s*rollback(\s+work)?\s*;?\s*$/i

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
export class MysqlPoolConnection extends EventEmitter {
  readonly #context: PoolContext
  #lease: PrimaryLease | undefined

  /** @internal Use `pool.getConnection()`. */
  constructor(context: PoolContext) {
    super()
    this.#context = context
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

  /** This object: it already speaks mysql2's promise API. */
  promise(): this {
    return this
  }

  /** Runs a statement (text protocol), routed as the class describes. Promise or callback style. */
  query<T extends QueryResult = QueryResult>(sql: PoolSql, callback: QueryCallback<T>): PendingQuery
  query<T extends QueryResult = QueryResult>(
    sql: PoolSql,
    values: unknown,
    callback: QueryCallback<T>,
  ): PendingQuery
  query<T extends QueryResult = QueryResult>(sql: PoolSql, values?: unknown): QueryPromise<T>
  query(...args: unknown[]): QueryPromise | PendingQuery {
    return dispatch('query', args, (s) => this.#run(s))
  }

  /** Runs a prepared statement (binary protocol), routed like `query`. Promise or callback style. */
  execute<T extends QueryResult = QueryResult>(
    sql: PoolSql,
    callback: QueryCallback<T>,
  ): PendingQuery
  execute<T extends QueryResult = QueryResult>(
    sql: PoolSql,
    values: unknown,
    callback: QueryCallback<T>,
  ): PendingQuery
  execute<T extends QueryResult = QueryResult>(sql: PoolSql, values?: unknown): QueryPromise<T>
  execute(...args: unknown[]): QueryPromise | PendingQuery {
    return dispatch('execute', args, (s) => this.#run(s))
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
    if (this.#lease === undefined && statementKind(statement.text) === StatementKind.Write) {
      this.#lease = this.#context.leases.create()
    }
    return runStatement(this.#context, statement, this.#lease)
  }
}
