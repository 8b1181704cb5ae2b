import { ConfigError, ErrorCode, createClient, resolveOptions } from '../../src/index.js'
import type { ClientOptions, ReplicaKitClient } from '../../src/index.js'
import { createMongodbAdapter } from './mongodb-adapter.js'
import type { MongoConn } from './mongodb-adapter.js'

/**
 * Connects to a MongoDB replica set. The same as `connect` from `replicakit`, typed for MongoDB:
 * `fn` in `read`/`write` gets a {@link MongoConn} (`{ db, session, useDb }`).
 *
 * ```ts
 * import { connect } from 'replicakit/mongodb'
 *
 * const db = await connect('mongodb://h1:27017,h2:27017,h3:27017/shop?replicaSet=rs0&w=majority')
 * await db.write(({ db }) => db.collection('orders').insertOne({ sku: 'a1', qty: 2 }))
 * const open = await db.read(({ db }) => db.collection('orders').find({ qty: { $gt: 1 } }).toArray(),
 *   { readPreference: 'secondaryPreferred' })
 * await db.close()
 * ```
 */
export function connect(
  uri: string,
  options?: ClientOptions,
): Promise<ReplicaKitClient<MongoConn>> {
  try {
    const resolved = resolveOptions(uri, options)
    if (resolved.backend !== 'mongodb') {
      throw new ConfigError(
        `replicakit/mongodb connects to mongodb:// URIs, not ${resolved.scheme}://; ` +
          "use connect from 'replicakit' for other backends",
        { code: ErrorCode.InvalidUri },
      )
    }
    return Promise.resolve(createClient(createMongodbAdapter, resolved))
  } catch (error: unknown) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)))
  }
}
