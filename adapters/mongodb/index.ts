/**
 * The `replicakit/mongodb` entry point: MongoDB replica sets through the official `mongodb` driver
 * (a peer dependency; the core never loads it). `fn` in `read`/`write` gets a {@link MongoConn}:
 * the driver's `Db` for the call, and the call's `ClientSession` when it has a `session`.
 *
 * ```ts
 * import { connect } from 'replicakit/mongodb'
 *
 * const db = await connect('mongodb://h1,h2,h3/shop?replicaSet=rs0&readPreference=secondaryPreferred')
 * await db.write(({ db }) => db.collection('orders').insertOne({ sku: 'a1' }), { w: 'majority' })
 * const n = await db.read(({ db }) => db.collection('orders').countDocuments())
 * await db.close()
 * ```
 */
export { connect } from './mongodb-connect.js'
export {
  createMongodbAdapter,
  createMongodbAdapter as createAdapter,
  MONGODB_CAPABILITIES,
} from './mongodb-adapter.js'
export type { MongoConn } from './mongodb-adapter.js'
export { mapMongoError } from './mongodb-errors.js'
export { helloToProbeResult } from './mongodb-hello.js'
