/**
 * A mysql2-compatible pool over a ReplicaKit client, for ORMs and query builders that take a mysql2
 * pool (Kysely `MysqlDialect({ pool })`, Drizzle `drizzle({ client: pool })`): plain reads go where
 * the read preference allows, everything else to the primary, and `getConnection()` connections pin
 * to the primary once they do more than read.
 */
import mysql from 'mysql2/promise'
import { ClientClosedError, ErrorCode } from '../../../src/index.js'
import type { ReplicaKitClient } from '../../../src/index.js'
import type { MysqlConnection } from '../mysql-adapter.js'
import { MysqlPoolConnection } from './mysql-pool-connection.js'
import { runPoolStatement } from './mysql-pool-query.js'
import type { PoolContext, Statement } from './mysql-pool-query.js'
import { toMysqlPoolError } from './mysql-pool-error.js'
import type { MysqlPoolError } from './mysql-pool-error.js'
import type { ConnectionLeases } from './mysql-pool-lease.js'
import { CausalReads, PoolCausality } from './mysql-pool-causal.js'
import type { CausalReadStats } from './mysql-pool-causal.js'
import type { FieldPacket, QueryResult } from 'mysql2/promise'
import { StatementRunner } from './mysql-pool-statements.js'

/**
 * A mysql2-compatible pool backed by a ReplicaKit client. Speaks mysql2's promise API (`query`,
 * `execute`, `getConnection`, `end` return promises) and its callback API (pass a callback last).
 *
 * - `query`/`execute`: a plain read (see `statementKind`) runs on a node the read preference allows
 *   (`client.read`); anything else on the primary (`client.write`, write concern applied before the
 *   result is returned). Each call may use a different physical connection, as with mysql2.
 * - `getConnection()`: a {@link MysqlPoolConnection}; it opens nothing until its first statement.
 * - `end()`: closes the client: every socket and timer.
 * - Every error is a {@link MysqlPoolError}: mysql2's fields, the `ReplicaKitError` at `replicakit`.
 */
export class MysqlPool extends StatementRunner {
  readonly #client: ReplicaKitClient<MysqlConnection>
  readonly #context: PoolContext
  #ending: Promise<void> | undefined

  /** @internal Use `createPool`. */
  constructor(
    client: ReplicaKitClient<MysqlConnection>,
    leases: ConnectionLeases,
    causalReads: CausalReads = CausalReads.Pool,
  ) {
    super()
    this.#client = client
    this.#context = { client, leases, causal: new PoolCausality(client, causalReads) }
  }

  /** The level of read-your-writes of this pool (the `causalReads` option; see docs/orms.md). */
  get causalReads(): CausalReads {
    return this.#context.causal.level
  }

  /** How the pool's causal reads went so far: how many waited for a replica or fell back to the primary. */
  get causalStats(): CausalReadStats {
    return this.#context.causal.stats
  }

  /** What the pool's connections and the driver module run statements with. @internal */
  get context(): PoolContext {
    return this.#context
  }

  /** The ReplicaKit client underneath: `topology()`, `on('primaryChanged', …)`, `read`/`write`. */
  get client(): ReplicaKitClient<MysqlConnection> {
    return this.#client
  }

  /**
   * A connection for a sequence of statements (a transaction). It borrows nothing until its first
   * statement; it pins itself to the primary on the first statement that is not a plain read.
   * Fails with `CLIENT_CLOSED` after `end()`.
   */
  getConnection(
    callback: (error: MysqlPoolError | null, connection: MysqlPoolConnection) => void,
  ): void
  getConnection(): Promise<MysqlPoolConnection>
  getConnection(
    callback?: (error: MysqlPoolError | null, connection: MysqlPoolConnection) => void,
  ): Promise<MysqlPoolConnection> | undefined {
    const result: Promise<MysqlPoolConnection> =
      this.#ending !== undefined
        ? Promise.reject(
            toMysqlPoolError(
              new ClientClosedError('the pool was ended; create a new one with createPool()', {
                code: ErrorCode.ClientClosed,
              }),
            ),
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
          callback(error as MysqlPoolError, undefined as never)
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
  end(callback: (error: MysqlPoolError | null) => void): void
  end(): Promise<void>
  end(callback?: (error: MysqlPoolError | null) => void): Promise<void> | undefined {
    this.#ending ??= this.#client.close().catch((error: unknown) => {
      throw toMysqlPoolError(error)
    })
    if (callback === undefined) return this.#ending
    this.#ending.then(
      () => {
        queueMicrotask(() => {
          callback(null)
        })
      },
      (error: unknown) => {
        queueMicrotask(() => {
          callback(error as MysqlPoolError)
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

  /** Runs one parsed statement (see {@link StatementRunner}). @internal */
  protected runStatement(statement: Statement): Promise<[QueryResult, FieldPacket[]]> {
    return runPoolStatement(this.#context, statement)
  }
}

export type { FieldPacket, QueryResult }
