/**
 * mysql2's statement surface, shared by the pool, its connections and the driver module's
 * connections: `query` and `execute` in both styles (promise, or callback with an emitter back), and
 * `promise()`. Each subclass says how one parsed statement runs.
 */
import { EventEmitter } from 'node:events'
import type { FieldPacket, QueryResult } from 'mysql2/promise'
import { dispatch } from './mysql-pool-query.js'
import type { PendingQuery, QueryCallback, QueryPromise } from './mysql-pool-query.js'
import type { PoolSql, Statement } from './mysql-pool-statement.js'

/** An EventEmitter (as mysql2's pools and connections are) that runs statements as mysql2 does. */
export abstract class StatementRunner extends EventEmitter {
  /** This object: it already speaks mysql2's promise API (Drizzle calls `promise()` when present). */
  promise(): this {
    return this
  }

  /** Runs a statement (text protocol), routed by its kind. Promise or callback style. */
  query<T extends QueryResult = QueryResult>(sql: PoolSql, callback: QueryCallback<T>): PendingQuery
  query<T extends QueryResult = QueryResult>(
    sql: PoolSql,
    values: unknown,
    callback: QueryCallback<T>,
  ): PendingQuery
  query<T extends QueryResult = QueryResult>(sql: PoolSql, values?: unknown): QueryPromise<T>
  query(...args: unknown[]): QueryPromise | PendingQuery {
    return dispatch('query', args, (s) => this.runStatement(s))
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
    return dispatch('execute', args, (s) => this.runStatement(s))
  }

  /** Runs one parsed statement where this object sends its statements. @internal */
  protected abstract runStatement(statement: Statement): Promise<[QueryResult, FieldPacket[]]>
}
