import { ConfigError, ErrorCode, createClient, resolveOptions } from '../../src/index.js'
import type { ClientOptions, ReplicaKitClient } from '../../src/index.js'
import { createMysqlAdapter } from './mysql-adapter.js'
import type { MysqlConnection } from './mysql-adapter.js'

/**
 * Connects to a MySQL/MariaDB primary–replica cluster. The same as `connect` from `replicakit`, typed
 * for MySQL: `conn` in `read`/`write` is a mysql2 promise `PoolConnection`.
 *
 * ```ts
 * import { connect } from 'replicakit/mysql'
 *
 * const db = await connect('mysql://app:secret@10.0.0.1:3306,10.0.0.2:3306/shop?w=majority')
 * const [rows] = await db.read(conn => conn.query('SELECT 1'), { readPreference: 'secondaryPreferred' })
 * await db.close()
 * ```
 */
export function connect(
  uri: string,
  options?: ClientOptions,
): Promise<ReplicaKitClient<MysqlConnection>> {
  try {
    const resolved = resolveOptions(uri, options)
    if (resolved.backend !== 'mysql') {
      throw new ConfigError(
        `replicakit/mysql connects to mysql:// or mariadb:// URIs, not ${resolved.scheme}://; ` +
          "use connect from 'replicakit' for other backends",
        { code: ErrorCode.InvalidUri },
      )
    }
    return Promise.resolve(createClient(createMysqlAdapter, resolved))
  } catch (error: unknown) {
    // Bad options (a TLS file that cannot be read, …) reject the promise, as connect from 'replicakit' does.
    return Promise.reject(error instanceof Error ? error : new Error(String(error)))
  }
}
