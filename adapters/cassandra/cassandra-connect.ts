import { ConfigError, ErrorCode, TlsError, createClient, resolveOptions } from '../../src/index.js'
import type { ClientOptions, ReplicaKitClient } from '../../src/index.js'
import { CassandraAdapter } from './cassandra-adapter.js'
import type { CassandraConnection } from './cassandra-adapter.js'

/**
 * Connects to a Cassandra ring. The same client as `connect` from `replicakit`, typed for Cassandra
 * (`conn` in `read`/`write` is a {@link CassandraConnection}), and it waits for the driver to
 * connect, so a data center option the ring does not match or refused credentials fail here as a
 * `ConfigError`, and a TLS failure (certificate, hostname, TLS required, handshake) as a `TlsError`.
 * A ring that does not answer yet does not fail `connect`: the first call waits for it.
 *
 * ```ts
 * import { connect } from 'replicakit/cassandra'
 *
 * const db = await connect('cassandra://10.0.0.1,10.0.0.2/shop?localDataCenter=dc1&w=majority')
 * const rs = await db.read((conn) => conn.execute('SELECT * FROM orders WHERE id = ?', [id], { prepare: true }))
 * await db.close()
 * ```
 */
export async function connect(
  uri: string,
  options?: ClientOptions,
): Promise<ReplicaKitClient<CassandraConnection>> {
  const resolved = resolveOptions(uri, options)
  if (resolved.backend !== 'cassandra') {
    throw new ConfigError(
      `replicakit/cassandra connects to cassandra:// URIs, not ${resolved.scheme}://; ` +
        "use connect from 'replicakit' for other backends",
      { code: ErrorCode.InvalidUri },
    )
  }
  let adapter: CassandraAdapter | undefined
  const client = createClient((context) => (adapter = new CassandraAdapter(context)), resolved)
  try {
    await adapter?.ready()
  } catch (error: unknown) {
    if (error instanceof ConfigError || error instanceof TlsError) {
      await client.close()
      throw error
    }
  }
  return client
}
