/**
 * A mysql2-compatible pool over a ReplicaKit client, for ORMs and query builders that take a mysql2
 * pool (Kysely `MysqlDialect({ pool })`, Drizzle `drizzle({ client: pool })`): plain reads go where
 * the read preference allows, everything else to the primary, and `getConnection()` connections pin
 * to the primary once they do more than read.
 */
import { EventEmitter } from 'node:events'
import mysql from 'mysql2/promise'
import {
  ClientClosedError,
  ConfigError,
  ErrorCode,
  createClient,
  resolveOptions,
} from '../../../src/index.js'
import type { ClientOptions, ReplicaKitClient, ReplicaKitError } from '../../../src/index.js'
import { createMysqlAdapter } from '../mysql-adapter.js'
import type { MysqlConnection } from '../mysql-adapter.js'
import { MysqlPoolConnection } from './mysql-pool-connection.js'
import { dispatch, runPoolStatement } from './mysql-pool-query.js'
import type { PoolContext, PoolSql, QueryCallback, QueryPromise } from './mysql-pool-query.js'
import { ConnectionLeases } from './mysql-pool-lease.js'
import type { FieldPacket, QueryResult } from 'mysql2/promise'

/** `createPool`'s object form: the connection string plus any client option (they override the URI's). */
export type MysqlPoolOptions = ClientOptions & {
  /** `mysql://user:password@host1:port,host2:port/db?option=value…` (see docs/options.md). */
  readonly uri: string
}

/**
 * A mysql2-compatible pool backed by a ReplicaKit client. Speaks mysql2's promise API (`query`,
 * `execute`, `getConnection`, `end` return promises) and its callback API (pass a callback last).
 *
 * - `query`/`execute`: a plain read (see `statementKind`) runs on a node the read preference allows
 *   (`client.read`); anything else on the primary (`client.write`, write concern applied before the
 *   result is returned). Each call may use a different physical connection, as with mysql2.
 * - `getConnection()`: a {@link MysqlPoolConnection}; it opens nothing until its first statement.
 * - `end()`: closes the client: every socket and timer.
 * - Every error is a `ReplicaKitError` (driver errors as `cause`); none contains the password.
 */
export class MysqlPool extends EventEmitter {
  readonly #client: ReplicaKitClient<MysqlConnection>
  readonly #context: PoolContext
  #ending: Promise<void> | undefined

  /** @internal Use {@link createPool}. */
  constructor(client: ReplicaKitClient<MysqlConnection>, leases: ConnectionLeases) {
    super()
    this.#client = client
    this.#context = { client, leases }
  }

  /** The ReplicaKit client underneath: `topology()`, `on('primaryChanged', …)`, `read`/`write`. */
  get client(): ReplicaKitClient<MysqlConnection> {
    return this.#client
  }

  /** This object: it already speaks mysql2's promise API (Drizzle calls `promise()` when present). */
  promise(): this {
    return this
  }

  /** Runs one statement, routed by its kind. Promise or callback style. */
  query<T extends QueryResult = QueryResult>(sql: PoolSql, callback: QueryCallback<T>): void
  query<T extends QueryResult = QueryResult>(
    sql: PoolSql,
    values: unknown,
    callback: QueryCallback<T>,
  ): void
  query<T extends QueryResult = QueryResult>(sql: PoolSql, values?: unknown): QueryPromise<T>
  query(...args: unknown[]): QueryPromise | undefined {
    return dispatch('query', args, (s) => runPoolStatement(this.#context, s))
  }

  /** Runs one prepared statement, routed by its kind. Promise or callback style. */
  execute<T extends QueryResult = QueryResult>(sql: PoolSql, callback: QueryCallback<T>): void
  execute<T extends QueryResult = QueryResult>(
    sql: PoolSql,
    values: unknown,
    callback: QueryCallback<T>,
  ): void
  execute<T extends QueryResult = QueryResult>(sql: PoolSql, values?: unknown): QueryPromise<T>
  execute(...args: unknown[]): QueryPromise | undefined {
    return dispatch('execute', args, (s) => runPoolStatement(this.#context, s))
  }

  /**
   * A connection for a sequence of statements (a transaction). It borrows nothing until its first
   * statement; it pins itself to the primary on the first statement that is not a plain read.
   * Fails with `CLIENT_CLOSED` after `end()`.
   */
  getConnection(
    callback: (error: ReplicaKitError | null, connection: MysqlPoolConnection) => void,
  ): void
  getConnection(): Promise<MysqlPoolConnection>
  getConnection(
    callback?: (error: ReplicaKitError | null, connection: MysqlPoolConnection) => void,
  ): Promise<MysqlPoolConnection> | undefined {
    const result: Promise<MysqlPoolConnection> =
      this.#ending !== undefined
        ? Promise.reject(
            new ClientClosedError('the pool was ended; create a new one with createPool()', {
              code: ErrorCode.ClientClosed,
            }),
          )
        : Promise.resolve(new MysqlPoolConnection(this.#context))
    if (callback === undefined) return result
    result.then(
      (conn) => {
        queueMicrotask(() => {
          callback(null, conn)
        })
      },
      (error: unknown) => {
        queueMicrotask(() => {
          callback(error as ReplicaKitError, undefined as never)
        })
      },
    )
    return undefined
  }

  /** Releases a connection (mysql2's `pool.releaseConnection`). */
  releaseConnection(connection: MysqlPoolConnection): void {
    connection.release()
  }

  /**
   * Closes the client: monitoring stops, calls in flight fail with `CLIENT_CLOSED`, every socket and
   * timer is gone when it settles. Idempotent.
   */
  end(callback: (error: ReplicaKitError | null) => void): void
  end(): Promise<void>
  end(callback?: (error: ReplicaKitError | null) => void): Promise<void> | undefined {
    this.#ending ??= this.#client.close()
    if (callback === undefined) return this.#ending
    this.#ending.then(
      () => {
        queueMicrotask(() => {
          callback(null)
        })
      },
      (error: unknown) => {
        queueMicrotask(() => {
          callback(error as ReplicaKitError)
        })
      },
    )
    return undefined
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
}

/**
 * Creates a mysql2-compatible pool over a ReplicaKit client for a MySQL/MariaDB primary–replica
 * cluster: hand it to an ORM that takes a mysql2 pool and its statements get HA routing. Monitoring
 * starts at once; the first statement waits (up to `serverSelectionTimeoutMS`) for a suitable node.
 * Bad input throws a `ConfigError` naming the option (synchronously, like mysql2's `createPool`).
 *
 * ```ts
 * import { Kysely, MysqlDialect } from 'kysely'
 * import { createPool } from 'replicakit/mysql'
 *
 * const pool = createPool('mysql://app:secret@10.0.0.1,10.0.0.2,10.0.0.3/shop?readPreference=secondaryPreferred&w=majority')
 * const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) })
 * await db.insertInto('orders').values(order).execute()         // primary, then w:majority
 * await db.selectFrom('orders').selectAll().execute()             // a replica
 * await db.transaction().execute(async (tx) => { … })            // the primary, one session
 * await db.destroy()                                              // pool.end(): every socket closed
 * ```
 *
 * @param uri `mysql://` or `mariadb://` connection string, or `{ uri, ...options }`.
 * @param options Client options; they override the URI's (see docs/options.md).
 */
export function createPool(uri: string, options?: ClientOptions): MysqlPool
export function createPool(options: MysqlPoolOptions): MysqlPool
export function createPool(
  uriOrOptions: string | MysqlPoolOptions,
  options?: ClientOptions,
): MysqlPool {
  // Plain JavaScript callers may pass anything: check before resolving.
  const given: unknown = uriOrOptions
  let uri: unknown = given
  let rest = options
  if (typeof given === 'object' && given !== null) {
    const { uri: inObject, ...others } = given as MysqlPoolOptions
    uri = inObject
    rest = { ...others, ...options }
  }
  if (typeof uri !== 'string') {
    throw new ConfigError(
      `createPool needs a mysql:// connection string or { uri, ...options }, got ${typeof uri}`,
      { code: ErrorCode.InvalidUri },
    )
  }
  const resolved = resolveOptions(uri, rest)
  if (resolved.backend !== 'mysql') {
    throw new ConfigError(
      `createPool from replicakit/mysql serves mysql:// or mariadb:// URIs, not ${resolved.scheme}://`,
      { code: ErrorCode.InvalidUri },
    )
  }
  const leases = new ConnectionLeases()
  const client = createClient(leases.wrap(createMysqlAdapter), resolved)
  return new MysqlPool(client, leases)
}

export type { FieldPacket, QueryResult }
