/**
 * The `replicakit/cassandra` entry point: Apache Cassandra support. Importing it loads
 * `cassandra-driver` (a peer dependency); the core never does.
 *
 * ```ts
 * import { connect } from 'replicakit/cassandra'
 *
 * const db = await connect('cassandra://10.0.0.1,10.0.0.2,10.0.0.3/shop?localDataCenter=dc1&w=majority')
 * await db.write((conn) => conn.execute('INSERT INTO orders (id, total) VALUES (?, ?)', [id, total], { prepare: true }))
 * const rs = await db.read((conn) => conn.execute('SELECT * FROM orders WHERE id = ?', [id], { prepare: true }),
 *   { readPreference: 'nearest', readPreferenceTags: [{ dc: 'dc2' }, {}] })
 * await db.close()
 * ```
 */
export { connect } from './cassandra-connect.js'
export {
  CassandraAdapter,
  createCassandraAdapter,
  createCassandraAdapter as createAdapter,
} from './cassandra-adapter.js'
export type { CassandraConnection } from './cassandra-adapter.js'
export { Consistency } from './cassandra-consistency.js'
export type {
  ConsistencyName,
  MajorityConsistency,
  SerialConsistency,
} from './cassandra-consistency.js'
