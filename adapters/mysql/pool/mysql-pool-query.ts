/**
 * The statement plumbing of the mysql2-compatible pool, shared by the pool and its connections:
 * argument forms, routing by statement kind, callback and promise styles, `.stream()`.
 */
import { EventEmitter } from 'node:events'
import { Readable } from 'node:stream'
import type { FieldPacket, QueryOptions, QueryResult } from 'mysql2/promise'
import { ConfigError, ErrorCode } from '../../../src/index.js'
import type { Session } from '../../../src/index.js'
import type { PoolContext, PoolSql, Statement } from './mysql-pool-statement.js'

export type { PoolContext, PoolSql, Statement } from './mysql-pool-statement.js'
import { parseKill, runKill } from './mysql-pool-kill.js'
import { toMysqlPoolError } from './mysql-pool-error.js'
import type { MysqlPoolError } from './mysql-pool-error.js'
import type { MysqlConnection } from '../mysql-adapter.js'
import type { PrimaryLease } from './mysql-pool-lease.js'
import { StatementKind, statementKind } from '../mysql-statement-kind.js'

/** A node-style callback, as mysql2's callback API calls it. */
export type QueryCallback<T extends QueryResult = QueryResult> = (
  error: MysqlPoolError | null,
  result: T,
  fields: FieldPacket[],
) => void

/**
 * What a callback-style `query`/`execute` returns: an `EventEmitter`, as mysql2's `Query` command is
 * (Sequelize calls `.setMaxListeners()` on it). It emits `end` once the callback has run; the result
 * and any error go to the callback only.
 */
export type PendingQuery = EventEmitter

/** Options of {@link QueryPromise.stream} (as mysql2's `query(…).stream()`). */
export interface QueryStreamOptions {
  readonly objectMode?: true
  readonly highWaterMark?: number
}

/**
 * The promise `query`/`execute` return: `[result, fields]` as mysql2's promise API, plus `.stream()`
 * for callers that stream rows (Kysely `streamQuery`, Drizzle `iterator`). The rows are read in full
 * before the first one is emitted, so a retried read never emits a row twice.
 */
export type QueryPromise<T extends QueryResult = QueryResult> = Promise<[T, FieldPacket[]]> & {
  stream(options?: QueryStreamOptions): Readable
}

/** The callback of `(sql, values?, callback?)`: the last argument when it is a function. */
function callbackOf(args: readonly unknown[]): QueryCallback | undefined {
  const last = args.at(-1)
  return typeof last === 'function' ? (last as QueryCallback) : undefined
}

/** The statement of `(sql, values?, callback?)`. Throws a `ConfigError` for a bad `sql`. */
function parseStatement(method: Statement['method'], args: readonly unknown[]): Statement {
  const [sql, values] = callbackOf(args) === undefined ? args : args.slice(0, -1)
  const text = typeof sql === 'string' ? sql : (sql as Partial<QueryOptions> | null)?.sql
  if (typeof text !== 'string') {
    throw new ConfigError(
      `${method}() needs an SQL string or an options object with an sql string, got ${describe(sql)}`,
      { code: ErrorCode.InvalidOption },
    )
  }
  return { method, sql: sql as PoolSql, values, text }
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}

/** Runs one statement on a borrowed connection, as mysql2's promise API would. */
function runOn(conn: MysqlConnection, s: Statement): Promise<[QueryResult, FieldPacket[]]> {
  // mysql2 validates the values itself (an array, an object for named placeholders, or nothing).
  const values = s.values as never
  if (s.method === 'execute') {
    return typeof s.sql === 'string' ? conn.execute(s.sql, values) : conn.execute(s.sql, values)
  }
  return typeof s.sql === 'string' ? conn.query(s.sql, values) : conn.query(s.sql, values)
}

/**
 * Runs one statement through the client (after the `prelude` statements, on the same session): on
 * `lease` (the primary, one session) when given, else a plain read by the read preference (waiting
 * for `session`'s last write: see `PoolCausality.read`) and anything else on the primary. A write
 * moves `session` to the GTID it committed. `KILL <id>` goes to the session of this pool that has
 * that id (see `runKill`).
 */
export function runStatement(
  context: PoolContext,
  statement: Statement,
  lease: PrimaryLease | undefined,
  prelude: readonly string[] = [],
  session?: Session,
): Promise<[QueryResult, FieldPacket[]]> {
  const { client, leases, causal } = context
  const kill = parseKill(statement.text)
  if (kill !== undefined) return runKill(context, statement, kill)
  const isRead = statementKind(statement.text) === StatementKind.Read
  if (isRead && lease === undefined) {
    return leases.outside(() =>
      causal.read(async (conn) => {
        for (const sql of prelude) await conn.query(sql)
        return runOn(conn, statement)
      }, session),
    )
  }
  const work = async (conn: MysqlConnection) => {
    // Session settings a caller asked for (`SET time_zone = …`), replayed on this physical session.
    for (const sql of prelude) await conn.query(sql)
    if (isRead) return runOn(conn, statement)
    causal.beforeWrite(conn, session)
    const result = await runOn(conn, statement)
    await causal.afterWrite(conn, result[0], session, lease !== undefined)
    return result
  }
  if (lease !== undefined) return leases.within(lease, () => client.write(work))
  return leases.outside(() => client.write(work))
}

/** Calls `fn` on a fresh stack, so a throwing callback surfaces as mysql2's would (uncaught). */
export function defer(fn: () => void): void {
  queueMicrotask(fn)
}

/**
 * Parses `args`, runs the statement with `run`, and answers in the caller's style: a callback when
 * the last argument is a function, else a {@link QueryPromise}. @internal
 */
export function dispatch(
  method: Statement['method'],
  args: readonly unknown[],
  run: (statement: Statement) => Promise<[QueryResult, FieldPacket[]]>,
): QueryPromise | PendingQuery {
  const callback = callbackOf(args)
  let result: Promise<[QueryResult, FieldPacket[]]>
  try {
    result = run(parseStatement(method, args)).catch((error: unknown) => {
      throw toMysqlPoolError(error)
    })
  } catch (error: unknown) {
    result = Promise.reject(toMysqlPoolError(error))
  }
  if (callback !== undefined) {
    const cb = callback
    const pending: PendingQuery = new EventEmitter()
    const finish = (call: () => void) => {
      defer(() => {
        try {
          call()
        } finally {
          pending.emit('end')
        }
      })
    }
    result.then(
      ([rows, fields]) => {
        finish(() => {
          cb(null, rows, fields)
        })
      },
      (error: unknown) => {
        finish(() => {
          cb(error as MysqlPoolError, undefined as never, undefined as never)
        })
      },
    )
    return pending
  }
  return Object.assign(result, {
    stream: (options?: QueryStreamOptions) => rowStream(result, options),
  })
}

/** A row stream over a whole result (rows of a result set, or the one OK packet of a write). */
function rowStream(
  result: Promise<[QueryResult, FieldPacket[]]>,
  options: QueryStreamOptions | undefined,
): Readable {
  async function* rows(): AsyncGenerator {
    const [value] = await result
    if (Array.isArray(value)) yield* value
    else yield value
  }
  return Readable.from(rows(), {
    objectMode: true,
    ...(options?.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}),
  })
}

/** Runs `sql` as a transaction-control statement and answers in the caller's style. @internal */
export function control(
  query: (sql: string) => QueryPromise,
  sql: string,
  callback: ((error: MysqlPoolError | null) => void) | undefined,
): Promise<void> | undefined {
  const done = query(sql).then(() => undefined)
  if (callback === undefined) return done
  done.then(
    () => {
      defer(() => {
        callback(null)
      })
    },
    (error: unknown) => {
      defer(() => {
        callback(error as MysqlPoolError)
      })
    },
  )
  return undefined
}

/** Runs one pool-level statement: never pinned; causal at level `pool`. @internal */
export function runPoolStatement(
  context: PoolContext,
  statement: Statement,
): Promise<[QueryResult, FieldPacket[]]> {
  return runStatement(context, statement, undefined, [], context.causal.sessionFor(undefined))
}
