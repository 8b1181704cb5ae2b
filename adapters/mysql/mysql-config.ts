/**
 * Turns resolved ReplicaKit options into mysql2 connection and pool options for one node.
 */
import { readFileSync } from 'node:fs'
import type { ConnectionOptions, PoolOptions } from 'mysql2/promise'
import { ConfigError, ErrorCode, splitNodeAddress } from '../../src/adapter.js'
import type { NodeAddress } from '../../src/adapter.js'

/** The TLS settings the adapter reads (the `tls` object of `ResolvedOptions`). */
export interface MysqlTlsSettings {
  /** Default `false`: plain TCP. */
  readonly enabled?: boolean
  /** PEM file of the CA(s) to trust. */
  readonly caFile?: string
  /** PEM file holding the client certificate and key. */
  readonly certificateKeyFile?: string
  readonly certificateKeyFilePassword?: string
  /** Default `false`. Accept any certificate (testing only). */
  readonly allowInvalidCertificates?: boolean
  /** Default `false`. Accept a certificate whose name does not match the host. */
  readonly allowInvalidHostnames?: boolean
}

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
  readonly tls?: MysqlTlsSettings
  /** mysql2 options for pooled connections only (not probes), verbatim (option `driverOptions`). */
  readonly driverOptions?: Readonly<Record<string, unknown>>
}

/** How long a pooled socket idles before TCP keep-alive probes start, ms. */
export const KEEP_ALIVE_INITIAL_DELAY_MS = 10_000

function tlsOptions(tls: MysqlTlsSettings | undefined): ConnectionOptions['ssl'] {
  if (tls?.enabled !== true) return undefined
  const read = (file: string, what: string): string => {
    try {
      return readFileSync(file, 'utf8')
    } catch (error) {
      throw new ConfigError(
        `cannot read the ${what} file ${file}: check the path and permissions`,
        {
          code: ErrorCode.InvalidOption,
          cause: error,
        },
      )
    }
  }
  const pem =
    tls.certificateKeyFile === undefined
      ? undefined
      : read(tls.certificateKeyFile, 'tlsCertificateKeyFile')
  return {
    ...(tls.caFile !== undefined ? { ca: read(tls.caFile, 'tlsCAFile') } : {}),
    ...(pem !== undefined ? { cert: pem, key: pem } : {}),
    ...(tls.certificateKeyFilePassword !== undefined
      ? { passphrase: tls.certificateKeyFilePassword }
      : {}),
    rejectUnauthorized: tls.allowInvalidCertificates !== true,
    ...(tls.allowInvalidHostnames === true ? { checkServerIdentity: () => undefined } : {}),
  }
}

/**
 * The connect bound of a probe: the smaller of `connectTimeoutMS` and the probe's own bound
 * (`connectTimeoutMS` = 0 means no connect bound of its own).
 */
export function probeConnectTimeoutMS(connectTimeoutMS: number, probeTimeoutMS: number): number {
  return connectTimeoutMS <= 0 ? probeTimeoutMS : Math.min(connectTimeoutMS, probeTimeoutMS)
}

/**
 * mysql2 options for one connection to `node`. `connectTimeoutMS` overrides the configured bound
 * (a probe uses {@link probeConnectTimeoutMS}); 0 disables mysql2's connect timer.
 */
export function toMysqlConnectionOptions(
  settings: MysqlConnectionSettings,
  node: NodeAddress,
  connectTimeoutMS: number = settings.connectTimeoutMS,
): ConnectionOptions {
  const { host, port } = splitNodeAddress(node)
  const ssl = tlsOptions(settings.tls)
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
    ...(ssl !== undefined ? { ssl } : {}),
  }
}

/**
 * mysql2 pool options for `node`: `driverOptions` over the connection options, lazy connections (mysql2 opens them on demand and has no minimum
 * size, so `minPoolSize` only protects that many idle connections from `maxIdleTimeMS`), at most
 * `maxPoolSize`, callers queue without limit (the adapter bounds each wait by the call's
 * `timeoutMS`).
 */
export function toMysqlPoolOptions(
  settings: MysqlConnectionSettings,
  node: NodeAddress,
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
