/**
 * The statement and pool types the pool's modules share (kept apart so that the statement runner and
 * the KILL router can both use them without importing each other).
 */
import type { QueryOptions } from 'mysql2/promise'
import type { ReplicaKitClient } from '../../../src/index.js'
import type { MysqlConnection } from '../mysql-adapter.js'
import type { PoolCausality } from './mysql-pool-causal.js'
import type { ConnectionLeases } from './mysql-pool-lease.js'

/** SQL text, or mysql2's options object (`{ sql, values?, rowsAsArray?, typeCast?, … }`). */
export type PoolSql = string | QueryOptions

/** What a statement needs from its pool. */
export interface PoolContext {
  readonly client: ReplicaKitClient<MysqlConnection>
  readonly leases: ConnectionLeases
  readonly causal: PoolCausality
}

/** One statement as the caller passed it. */
export interface Statement {
  readonly method: 'query' | 'execute'
  readonly sql: PoolSql
  readonly values: unknown
  readonly text: string
}
