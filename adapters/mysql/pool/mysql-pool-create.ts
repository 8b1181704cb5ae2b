/**
 * `createPool`: the mysql2-compatible pool from a connection string, ReplicaKit's `{ uri, … }`, or
 * mysql2's own config object (`{ host, port, user, password, database, …mysql2 options }`).
 */
import { ConfigError, ErrorCode, createClient, resolveOptions } from '../../../src/index.js'
import type { ClientOptions } from '../../../src/index.js'
import { createMysqlAdapter } from '../mysql-adapter.js'
import { ConnectionLeases } from './mysql-pool-lease.js'
import { MysqlPool } from './mysql-pool.js'
import { splitPoolConfig } from './mysql-pool-options.js'
import type { Mysql2DriverOptions } from './mysql-pool-options.js'

/**
 * `createPool`'s object forms: ReplicaKit's `{ uri, ...options }`, or mysql2's `{ host, port, user,
 * password, database, ...options }` (`host` may list several members: `'db1,db2:3307'`). Either
 * mixes ReplicaKit options (docs/options.md) with mysql2's connection options (`dateStrings`,
 * `timezone`, `typeCast`, …: see docs/orms.md for the ones passed through, mapped and refused).
 */
export type MysqlPoolOptions = ClientOptions &
  Mysql2DriverOptions & {
    /** `mysql://user:password@host1:port,host2:port/db?option=value…` (see docs/options.md). */
    readonly uri?: string
    readonly host?: string
    readonly port?: number | string
    readonly user?: string
    readonly password?: string
    readonly database?: string
    /** mysql2's name for `connectTimeoutMS`. */
    readonly connectTimeout?: number
    /** mysql2's name for `maxPoolSize` (per node). */
    readonly connectionLimit?: number
    /** mysql2's name for `minPoolSize`. */
    readonly maxIdle?: number
    /** mysql2's name for `maxIdleTimeMS`. */
    readonly idleTimeout?: number
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
 * // or createPool({ host: '10.0.0.1', user: 'app', password, database: 'shop', dateStrings: true })
 * const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) })
 * await db.insertInto('orders').values(order).execute()         // primary, then w:majority
 * await db.selectFrom('orders').selectAll().execute()             // a replica
 * await db.destroy()                                              // pool.end(): every socket closed
 * ```
 *
 * @param uri `mysql://` or `mariadb://` connection string, or a config object ({@link MysqlPoolOptions}).
 * @param options Client options; they override the URI's (see docs/options.md).
 */
export function createPool(uri: string, options?: MysqlPoolOptions): MysqlPool
export function createPool(options: MysqlPoolOptions): MysqlPool
export function createPool(
  uriOrOptions: string | MysqlPoolOptions,
  options?: MysqlPoolOptions,
): MysqlPool {
  // Plain JavaScript callers may pass anything: check before resolving.
  const given: unknown = uriOrOptions
  if (typeof given !== 'string' && (typeof given !== 'object' || given === null)) {
    throw new ConfigError(
      `createPool needs a mysql:// connection string or a config object, got ${given === null ? 'null' : typeof given}`,
      { code: ErrorCode.InvalidUri },
    )
  }
  const config: Record<string, unknown> =
    typeof given === 'string' ? { ...options, uri: given } : { ...given, ...options }
  const { uri, clientOptions, driverOptions } = splitPoolConfig(config)
  const resolved = resolveOptions(uri, {
    ...clientOptions,
    ...(Object.keys(driverOptions).length > 0 ? { driverOptions } : {}),
  })
  if (resolved.backend !== 'mysql') {
    throw new ConfigError(
      `createPool from replicakit/mysql serves mysql:// or mariadb:// URIs, not ${resolved.scheme}://`,
      { code: ErrorCode.InvalidUri },
    )
  }
  const leases = new ConnectionLeases()
  const client = createClient(leases.wrap(createMysqlAdapter), resolved)
  return new MysqlPool(client, leases, resolved.causalReads)
}
