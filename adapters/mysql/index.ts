/**
 * The `replicakit/mysql` entry point: the MySQL/MariaDB adapter. Importing it loads `mysql2` (a peer
 * dependency); the core never does.
 *
 * ```ts
 * import { createMysqlAdapter } from 'replicakit/mysql'
 * ```
 */
export { createMysqlAdapter } from './mysql-adapter.js'
export type { MysqlConnection } from './mysql-adapter.js'
