/**
 * A stand-in for the `mysql2` module, for ORMs that take the driver module rather than a pool:
 * Sequelize (`dialectModule`, which calls `createConnection` for each connection of its own pool) and
 * TypeORM (`driver`, which calls `createPool`). Every "connection" is a light handle on one shared
 * ReplicaKit pool per configuration, so the ORM's own pool stays and ReplicaKit routes underneath.
 */
import type { FieldPacket, QueryResult } from 'mysql2/promise'
import { StatementRunner } from './mysql-pool-statements.js'
import { ClientClosedError, ErrorCode } from '../../../src/index.js'
import type { Session } from '../../../src/index.js'
import { MysqlPoolConnection } from './mysql-pool-connection.js'
import { createPool } from './mysql-pool-create.js'
import type { MysqlPoolOptions } from './mysql-pool-create.js'
import { toMysqlPoolError } from './mysql-pool-error.js'
import type { MysqlPoolError } from './mysql-pool-error.js'
import type { MysqlPool } from './mysql-pool.js'
import { defer, runStatement } from './mysql-pool-query.js'
import type { Statement } from './mysql-pool-query.js'

/** Starts a transaction, or session state that only one physical session can keep. */
const PINS =
  /^\s*(start\s+transaction|begin(\s+work)?\s*;?\s*$|xa\s+(start|begin)|lock\s+tables?|set\s+(session\s+|local\s+|@@session\.|@@)?(transaction|autocommit)\b|set\s+@|create\s+temporary)/i

/** Ends a transaction begun by `START TRANSACTION`/`BEGIN` (not `ROLLBACK TO SAVEPOINT`). */
const ENDS = /^\s*(commit|rollback)(\s+work)?\s*;?\s*$/i

/** Pinned until the connection ends: session state that outlives a transaction. */
const PINS_FOR_GOOD =
  /^\s*(set\s+(session\s+|local\s+|@@session\.|@@)?autocommit|set\s+@|lock\s|create\s+temporary)/i

/** Session settings replayed on every physical session a statement of this handle runs on. */
const SESSION_SETTING =
  /^\s*set\s+(session\s+|local\s+|@@session\.|@@)?(time_zone|names|character\s+set|charset|sql_mode)\b/i

interface Shared {
  readonly pool: MysqlPool
  users: number
}

const SHARED = new Map<string, Shared>()

/** The key of a configuration: its JSON (functions such as `typeCast` are left out). */
function keyOf(config: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(config, (_key, value: unknown) =>
    typeof value === 'function' ? undefined : value,
  )
}

/**
 * A connection as Sequelize's `dialectModule.createConnection` hands out: an `EventEmitter` that
 * emits `connect` (or `error` for a bad configuration) once, speaks mysql2's callback and promise
 * query API, and routes each statement: outside a transaction, a plain read by the read preference
 * and anything else on the primary, each on whatever physical session the pool lends (session
 * settings such as `SET time_zone` are replayed there first); from `START TRANSACTION`/`BEGIN` to
 * `COMMIT`/`ROLLBACK`, one session on the primary. `SET autocommit`, user variables, `LOCK TABLES`
 * and temporary tables keep it on one primary session until `end()`.
 */
export class MysqlDriverConnection extends StatementRunner {
  readonly #key: string
  readonly #shared: Shared | undefined
  readonly #settings: string[] = []
  /** The causal session of this handle at level `connection` (its own writes). */
  #session: Session | undefined
  #pinned: MysqlPoolConnection | undefined
  #forGood = false
  #closing = false

  /** @internal Use {@link mysqlDriver}`.createConnection`. */
  constructor(config: MysqlPoolOptions) {
    super()
    const raw = config as Readonly<Record<string, unknown>>
    this.#key = keyOf(raw)
    let shared = SHARED.get(this.#key)
    try {
      if (shared === undefined) {
        shared = { pool: createPool(config), users: 0 }
        SHARED.set(this.#key, shared)
      }
      shared.users += 1
      this.#shared = shared
      this.#session = shared.pool.context.causal.connectionSession()
      defer(() => this.emit('connect'))
    } catch (error: unknown) {
      this.#shared = undefined
      this.#closing = true
      defer(() => this.emit('error', toMysqlPoolError(error)))
    }
  }

  /** mysql2's flag, read by ORMs' connection validation. */
  get _closing(): boolean {
    return this.#closing
  }

  /** Never set: errors go to the statement that hit them. */
  get _fatalError(): undefined {
    return undefined
  }

  /** Never set: errors go to the statement that hit them. */
  get _protocolError(): undefined {
    return undefined
  }

  /** What ORMs' validation reads of mysql2's socket: destroyed once `end()` ran. */
  get stream(): { readonly destroyed: boolean } {
    return { destroyed: this.#closing }
  }

  /** Ends the handle: a pinned session goes back (rolled back); the last handle ends the pool. */
  end(callback?: (error: MysqlPoolError | null) => void): Promise<void> {
    const done = this.#close()
    if (callback !== undefined) {
      done.then(
        () => {
          defer(() => {
            callback(null)
          })
        },
        (error: unknown) => {
          defer(() => {
            callback(toMysqlPoolError(error))
          })
        },
      )
    }
    return done
  }

  /** The same as `end()`, without waiting. */
  destroy(): void {
    void this.#close().catch(() => undefined)
  }

  #close(): Promise<void> {
    if (this.#closing) return Promise.resolve()
    this.#closing = true
    this.#pinned?.release()
    this.#pinned = undefined
    const shared = this.#shared
    if (shared === undefined) return Promise.resolve()
    shared.users -= 1
    if (shared.users > 0) return Promise.resolve()
    if (SHARED.get(this.#key) === shared) SHARED.delete(this.#key)
    return shared.pool.end()
  }

  async #run(statement: Statement): Promise<[QueryResult, FieldPacket[]]> {
    const shared = this.#shared
    if (shared === undefined || this.#closing) {
      throw new ClientClosedError(
        shared === undefined
          ? 'this connection failed to connect: see its error event'
          : 'this connection was ended; take another one from the pool',
        { code: ErrorCode.ClientClosed },
      )
    }
    const text = statement.text
    if (this.#pinned === undefined && PINS.test(text)) {
      const pinned = new MysqlPoolConnection(shared.pool.context, this.#session)
      this.#pinned = pinned
      this.#forGood = PINS_FOR_GOOD.test(text)
      for (const sql of this.#settings) await pinned.query(sql)
    }
    if (this.#pinned !== undefined) {
      const pinned = this.#pinned
      try {
        const values: unknown = statement.values
        return await (statement.method === 'execute'
          ? pinned.execute(statement.sql, values)
          : pinned.query(statement.sql, values))
      } finally {
        if (!this.#forGood && ENDS.test(text) && this.#pinned === pinned) {
          pinned.release()
          this.#pinned = undefined
        }
      }
    }
    const context = shared.pool.context
    const result = await runStatement(
      context,
      statement,
      undefined,
      this.#settings,
      context.causal.sessionFor(this.#session),
    )
    if (SESSION_SETTING.test(text)) this.#settings.push(text)
    return result
  }

  /** Runs one parsed statement (see {@link StatementRunner}). @internal */
  protected runStatement(statement: Statement): Promise<[QueryResult, FieldPacket[]]> {
    return this.#run(statement)
  }
}

/**
 * The `mysql2` module stand-in: `createConnection` for Sequelize's `dialectModule`, `createPool` for
 * TypeORM's `driver`. Both take mysql2's config object plus ReplicaKit options (`readPreference`,
 * `w`, … in Sequelize's `dialectOptions` or TypeORM's `extra`); see docs/orms.md.
 */
export const mysqlDriver = Object.freeze({
  /** A {@link MysqlDriverConnection} on the shared pool of this configuration. */
  createConnection(config: MysqlPoolOptions): MysqlDriverConnection {
    return new MysqlDriverConnection(config)
  },
  /** The same as `createPool` from `replicakit/mysql`. */
  createPool(config: MysqlPoolOptions): MysqlPool {
    return createPool(config)
  },
})
