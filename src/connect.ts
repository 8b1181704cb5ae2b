import type { AdapterFactory } from './adapter.js'
import { ReplicaKitClient } from './client/client.js'
import type { ClientOptions } from './config/options.js'
import { resolveOptions } from './config/options.js'
import type { ResolvedOptions } from './config/options.js'
import { ConfigError, ErrorCode } from './errors/errors.js'
import { systemClock } from './util/clock.js'

/**
 * The package entry that serves each backend, loaded only when a URI asks for it, so a MySQL user
 * never loads `cassandra-driver` (drivers are optional peer dependencies).
 */
const ADAPTER_ENTRIES = {
  mysql: { specifier: 'replicakit/mysql', driver: 'mysql2' },
  mongodb: { specifier: 'replicakit/mongodb', driver: 'mongodb' },
  cassandra: { specifier: 'replicakit/cassandra', driver: 'cassandra-driver' },
} as const

/**
 * Connects to a cluster described by a connection string and starts monitoring it. Resolves once the
 * client is built (monitoring runs in the background; the first call waits for a suitable node within
 * `serverSelectionTimeoutMS`). Bad input is a `ConfigError` naming the option.
 *
 * ```ts
 * import { connect } from 'replicakit'
 *
 * const db = await connect('mysql://app:secret@10.0.0.1:3306,10.0.0.2:3306/shop?w=majority&wtimeoutMS=2000')
 * await db.write(conn => conn.query('INSERT INTO orders SET ?', [order]))
 * const [rows] = await db.read(conn => conn.query('SELECT * FROM orders'), { readPreference: 'secondaryPreferred' })
 * await db.close()
 * ```
 *
 * @param uri `mysql://`, `mariadb://`, `mongodb://` or `cassandra://`; options as in docs/options.md.
 * @param options The same options programmatically; they override the URI's.
 */
export async function connect<Conn = unknown>(
  uri: string,
  options?: ClientOptions,
): Promise<ReplicaKitClient<Conn>> {
  const resolved = resolveOptions(uri, options)
  const entry = ADAPTER_ENTRIES[resolved.backend]
  const factory = await loadAdapterFactory(entry.specifier, entry.driver, resolved.backend)
  return createClient(factory as AdapterFactory<Conn>, resolved)
}

/**
 * Builds a client for an adapter the caller already has (what each backend entry point's `connect`
 * does).
 */
export function createClient<Conn>(
  factory: AdapterFactory<Conn>,
  options: ResolvedOptions,
): ReplicaKitClient<Conn> {
  return new ReplicaKitClient(factory, options, { clock: systemClock })
}

async function loadAdapterFactory(
  specifier: string,
  driver: string,
  backend: string,
): Promise<AdapterFactory> {
  let module: unknown
  try {
    module = await import(specifier)
  } catch (error: unknown) {
    const missing =
      error instanceof Error &&
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      error.message.includes(`'${driver}'`)
    throw new ConfigError(
      missing
        ? `the ${backend} backend needs the "${driver}" package: npm install ${driver}`
        : `could not load the ${backend} adapter (${specifier})`,
      { code: missing ? ErrorCode.DriverMissing : ErrorCode.UnsupportedBackend, cause: error },
    )
  }
  const factory = (module as { createAdapter?: unknown }).createAdapter
  if (typeof factory !== 'function') {
    throw new ConfigError(
      `the ${backend} backend is not available in this version of replicakit yet ` +
        '(see README "Status"); use a mysql:// or mariadb:// URI',
      { code: ErrorCode.UnsupportedBackend },
    )
  }
  return factory as AdapterFactory
}
