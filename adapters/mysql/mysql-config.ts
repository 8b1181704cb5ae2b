/**
 * Turns resolved ReplicaKit options into mysql2 connection and pool options for one node.
 */
import type { ConnectionOptions, PoolOptions } from 'mysql2/promise'
import { ConfigError, ErrorCode, splitNodeAddress } from '../../src/adapter.js'
import type { NodeAddress } from '../../src/adapter.js'
import type { MysqlSsl } from './mysql-tls.js'

/** The part of `ResolvedOptions` the MySQL adapter reads. */
export interface MysqlConnectionSettings {
  readonly username?: string
  readonly password?: string
  readonly database?: string
  /** Bound on opening a connection, ms; 0 = none. */
  readonly connectTimeoutMS: number
  /** Connections per node; 0 = unlimited (mysql2's meaning too). */
  readonly maxPoolSize: number
  /** Idle connections kept when `maxIdleTimeMS` reaps the others. Default 0. */
  readonly minPoolSize?: number
  /** An idle pooled connection is closed after this long, ms; 0 (default) = never. */
  readonly maxIdleTimeMS?: number
  /** mysql2 options for pooled connections only (not probes), verbatim (option `driverOptions`). */
  readonly driverOptions?: Readonly<Record<string, unknown>>
}

/** What a connection adds to the settings: its own connect bound and the adapter's TLS. */
export interface MysqlConnectionExtras {
  /** Overrides `connectTimeoutMS` (a probe uses {@link probeConnectTimeoutMS}); 0 = no timer. */
  readonly connectTimeoutMS?: number
  /** mysql2's `ssl`, made once per adapter by `createMysqlSsl`; absent = plain TCP. */
  readonly ssl?: MysqlSsl | undefined
}

/** How long a pooled socket idles before TCP keep-alive probes start, ms. */
export const KEEP_ALIVE_INITIAL_DELAY_MS = 10_000

/**
 * The connect bound of a probe: the smaller of `connectTimeoutMS` and the probe's own bound
 * (`connectTimeoutMS` = 0 means no connect bound of its own).
 */
export function probeConnectTimeoutMS(connectTimeoutMS: number, probeTimeoutMS: number): number {
  return connectTimeoutMS <= 0 ? probeTimeoutMS : Math.min(connectTimeoutMS, probeTimeoutMS)
}

/**
 * mysql2 options for one connection to `node`. `extras.connectTimeoutMS` overrides the configured
 * bound; `extras.ssl` (the same object for every connection of an adapter) turns TLS on.
 */
export function toMysqlConnectionOptions(
  settings: MysqlConnectionSettings,
  node: NodeAddress,
  extras: MysqlConnectionExtras = {},
): ConnectionOptions {
  const { host, port } = splitNodeAddress(node)
  const connectTimeoutMS = extras.connectTimeoutMS ?? settings.connectTimeoutMS
  return {
    host,
    port,
    ...(settings.username !== undefined ? { user: settings.username } : {}),
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    ...(settings.database !== undefined ? { database: settings.database } : {}),
    connectTimeout: connectTimeoutMS <= 0 ? 0 : Math.max(1, Math.round(connectTimeoutMS)),
    enableKeepAlive: true,
    keepAliveInitialDelay: KEEP_ALIVE_INITIAL_DELAY_MS,
    multipleStatements: false,
    ...(extras.ssl !== undefined ? { ssl: extras.ssl } : {}),
  }
}

/**
 * mysql2 pool options for `node`: `driverOptions` over the connection options, lazy connections (mysql2 opens them on demand and has no minimum
 * size, so `minPoolSize` only protects that many idle connections from `maxIdleTimeMS`), at most
 * `maxPoolSize`, callers queue without limit (the adapter bounds each wait by the call's
 * `timeoutMS`). The TLS settings come last: no `driverOptions` entry can turn them off.
 */
export function toMysqlPoolOptions(
  settings: MysqlConnectionSettings,
  node: NodeAddress,
  ssl?: MysqlSsl,
): PoolOptions {
  return {
    ...toMysqlConnectionOptions(settings, node),
    ...settings.driverOptions,
    connectionLimit: settings.maxPoolSize,
    waitForConnections: true,
    queueLimit: 0,
    // mysql2 reaps idle connections beyond `maxIdle` after `idleTimeout`.
    ...((settings.maxIdleTimeMS ?? 0) > 0
      ? { maxIdle: settings.minPoolSize ?? 0, idleTimeout: settings.maxIdleTimeMS }
      : {}),
    ...(ssl !== undefined ? { ssl } : {}),
  }
}

/**
 * Refuses `driverOptions.ssl`: TLS comes from the `tls*` options only, so the monitor's connections
 * and the data connections always use the same settings, verified the same way.
 */
export function checkDriverOptions(settings: MysqlConnectionSettings): void {
  if (settings.driverOptions !== undefined && 'ssl' in settings.driverOptions) {
    throw new ConfigError(
      'driverOptions.ssl is not supported: use the tls options (tls=true, tlsCAFile, ' +
        'tlsCertificateKeyFile, …; docs/security.md), which apply to every connection',
      { code: ErrorCode.InvalidOption },
    )
  }
}

const IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/

/**
 * Quotes `heartbeatTable` (`table` or `schema.table`) for SQL, rejecting anything that is not a
 * plain identifier.
 */
export function quoteHeartbeatTable(name: string): string {
  const parts = name.split('.')
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new ConfigError(
      `heartbeatTable=${JSON.stringify(name)} is not a table name: use letters, digits, _ or $, optionally schema.table`,
      { code: ErrorCode.InvalidOption },
    )
  }
  return parts.map((p) => `\`${p}\``).join('.')
}
