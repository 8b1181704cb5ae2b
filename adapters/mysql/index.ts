/**
 * The `replicakit/mysql` entry point: MySQL/MariaDB support. Importing it loads `mysql2` (a peer
 * dependency); the core never does.
 *
 * ```ts
 * import { connect, createPool } from 'replicakit/mysql'
 *
 * const db = await connect('mysql://app:secret@10.0.0.1,10.0.0.2,10.0.0.3/shop?readPreference=secondaryPreferred')
 * const pool = createPool('mysql://app:secret@10.0.0.1,10.0.0.2,10.0.0.3/shop') // a mysql2-compatible pool for ORMs
 * ```
 */
export { connect } from './mysql-connect.js'
export { createMysqlAdapter, createMysqlAdapter as createAdapter } from './mysql-adapter.js'
export type { MysqlConnection } from './mysql-adapter.js'
export { MysqlPool } from './pool/mysql-pool.js'
export { createPool } from './pool/mysql-pool-create.js'
export type { MysqlPoolOptions } from './pool/mysql-pool-create.js'
export type { MysqlPoolConnection } from './pool/mysql-pool-connection.js'
export { MysqlPoolError, isMysqlPoolError } from './pool/mysql-pool-error.js'
export { mysqlDriver, MysqlDriverConnection } from './pool/mysql-pool-driver.js'
export type { Mysql2DriverOptions } from './pool/mysql-pool-options.js'
export type { PendingQuery, PoolSql, QueryCallback, QueryPromise } from './pool/mysql-pool-query.js'
