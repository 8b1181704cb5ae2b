/**
 * mysql2's connection and pool option names, and what `createPool` does with each: pass it to the
 * pool's mysql2 connections, map it to a ReplicaKit option, or refuse it with the reason. mysql2 keeps
 * its own list private; this one is checked against its exported `ConnectionOptions`/`PoolOptions`
 * types by `test/unit/adapters/mysql/pool/mysql-pool-options.test.ts`, which fails to type-check when
 * the two drift.
 */
import { ConfigError, ErrorCode } from '../../../src/index.js'
import type { ClientOptions } from '../../../src/index.js'

/** Options handed verbatim to every mysql2 connection of the pool (not to monitoring probes). */
export const MYSQL2_PASS_THROUGH = [
  'bigNumberStrings',
  'charset',
  'charsetNumber',
  'compress',
  'connectAttributes',
  'dateStrings',
  'debug',
  'decimalNumbers',
  'disableEval',
  'enableKeepAlive',
  'flags',
  'gracefulEnd',
  'infileStreamFactory',
  'insecureAuth',
  'jsonStrings',
  'keepAliveInitialDelay',
  'localAddress',
  'maxPreparedStatements',
  'multipleStatements',
  'namedPlaceholders',
  'stringifyObjects',
  'supportBigNumbers',
  'timezone',
  'trace',
  'typeCast',
] as const

/** mysql2 options that become ReplicaKit's own (the connection string, or a client option). */
export const MYSQL2_MAPPED = {
  host: 'the host list',
  port: 'the host list',
  user: 'username',
  password: 'password',
  database: 'database',
  uri: 'uri',
  connectTimeout: 'connectTimeoutMS',
  connectionLimit: 'maxPoolSize',
  maxIdle: 'minPoolSize',
  idleTimeout: 'maxIdleTimeMS',
} as const

/** mysql2 options the pool cannot honour, and why. */
export const MYSQL2_REFUSED = {
  socketPath: 'ReplicaKit connects over TCP to every member: give host and port',
  ssl: 'use the tls options (tls, tlsCAFile, tlsCertificateKeyFile, …; docs/options.md)',
  stream: 'ReplicaKit opens the sockets itself',
  pool: 'ReplicaKit keeps one mysql2 pool per node itself',
  isServer: 'a server-side option',
  Promise: 'the pool uses the global Promise',
  resetOnRelease: 'ReplicaKit resets a session only when it may have left state behind',
  waitForConnections: 'callers always wait for a connection, bounded by timeoutMS',
  queueLimit: 'callers always wait for a connection, bounded by timeoutMS',
  rowsAsArray:
    "it would change the adapter's own statements: pass it per query ({ sql, rowsAsArray })",
  nestTables:
    "it would change the adapter's own statements: pass it per query ({ sql, nestTables })",
  queryFormat: "it would change the adapter's own statements (they use ? placeholders)",
  password1:
    'multi-factor authentication is not supported (monitoring connections would not use it)',
  password2:
    'multi-factor authentication is not supported (monitoring connections would not use it)',
  password3:
    'multi-factor authentication is not supported (monitoring connections would not use it)',
  passwordSha1: 'not supported (monitoring connections would not use it)',
  authPlugins: 'not supported (monitoring connections would not use it)',
  authSwitchHandler: 'not supported (monitoring connections would not use it)',
  enableCleartextPlugin: 'not supported (monitoring connections would not use it)',
} as const

/** A mysql2 option name the pool passes through. */
export type Mysql2PassThroughName = (typeof MYSQL2_PASS_THROUGH)[number]

/** Every mysql2 option name this module knows (checked against mysql2's types by a test). */
export type Mysql2OptionName =
  Mysql2PassThroughName | keyof typeof MYSQL2_MAPPED | keyof typeof MYSQL2_REFUSED

const PASS_THROUGH: ReadonlySet<string> = new Set(MYSQL2_PASS_THROUGH)

/** mysql2 options that reach the pool's connections, validated by name only (mysql2 checks values). */
export type Mysql2DriverOptions = { readonly [K in Mysql2PassThroughName]?: unknown }

/** The three parts of a `createPool` config object. */
export interface SplitPoolConfig {
  /** The connection string: `uri`, or one built from `host`, `port`, `user`, `password`, `database`. */
  readonly uri: string
  /** ReplicaKit options (unknown names are left for `resolveOptions` to refuse, with a suggestion). */
  readonly clientOptions: ClientOptions
  readonly driverOptions: Mysql2DriverOptions
}

function refuse(message: string): never {
  throw new ConfigError(message, { code: ErrorCode.InvalidOption })
}

function text(value: unknown, name: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && name === 'port') return String(value)
  return refuse(`createPool: ${name} must be a string, got ${typeof value}`)
}

/** `host` may list several members (`db1,db2:3307`); a bare host gets `port` (default 3306). */
function hostList(host: unknown, port: unknown): string {
  const defaultPort = port === undefined ? '3306' : text(port, 'port')
  const hosts = (host === undefined ? 'localhost' : text(host, 'host')).split(',')
  return hosts
    .map((h) => h.trim())
    .map((h) => {
      if (h.startsWith('[') ? /\]:\d+$/.test(h) : /^[^:]+:\d+$/.test(h)) return h
      return `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${defaultPort}`
    })
    .join(',')
}

/** mysql://user:password@hosts/database from mysql2's fields (each percent-encoded). */
function uriFrom(fields: Readonly<Record<string, unknown>>): string {
  const user = fields['user'] === undefined ? '' : encodeURIComponent(text(fields['user'], 'user'))
  const password =
    fields['password'] === undefined
      ? ''
      : `:${encodeURIComponent(text(fields['password'], 'password'))}`
  const auth = user === '' && password === '' ? '' : `${user}${password}@`
  const database =
    fields['database'] === undefined
      ? ''
      : `/${encodeURIComponent(text(fields['database'], 'database'))}`
  return `mysql://${auth}${hostList(fields['host'], fields['port'])}${database}`
}

/**
 * Splits a `createPool` config object (mysql2's `{ host, port, user, password, database, … }` or
 * ReplicaKit's `{ uri, … }`, with ReplicaKit and mysql2 options mixed) into a connection string,
 * client options and mysql2 options. Keys whose value is `undefined` count as absent (TypeORM sends
 * many). Throws a `ConfigError` for a refused mysql2 option, or `uri` together with `host`/`port`.
 */
export function splitPoolConfig(config: Readonly<Record<string, unknown>>): SplitPoolConfig {
  const given = Object.entries(config).filter(([, value]) => value !== undefined)
  const address: Record<string, unknown> = {}
  const clientOptions: Record<string, unknown> = {}
  const driverOptions: Record<string, unknown> = {}
  for (const [name, value] of given) {
    if (name === 'driverOptions' && typeof value === 'object' && value !== null) {
      // ReplicaKit's own spelling: the same names, the same checks.
      const inner = splitPoolConfig(value as Record<string, unknown>)
      const misplaced = Object.keys(value).filter((key) => !PASS_THROUGH.has(key))
      if (misplaced.length > 0) {
        refuse(
          `createPool: driverOptions takes mysql2 pass-through options only, not ${misplaced.join(', ')}`,
        )
      }
      Object.assign(driverOptions, inner.driverOptions)
    } else if (PASS_THROUGH.has(name)) driverOptions[name] = value
    else if (Object.hasOwn(MYSQL2_REFUSED, name)) {
      refuse(
        `createPool: mysql2 option ${name} is not supported: ${MYSQL2_REFUSED[name as keyof typeof MYSQL2_REFUSED]}`,
      )
    } else if (['host', 'port', 'user', 'password', 'database', 'uri'].includes(name)) {
      address[name] = value
    } else if (Object.hasOwn(MYSQL2_MAPPED, name)) {
      clientOptions[MYSQL2_MAPPED[name as keyof typeof MYSQL2_MAPPED]] = value
    } else clientOptions[name] = value
  }
  let uri: string
  if (address['uri'] !== undefined) {
    const extra = ['host', 'port', 'user', 'password', 'database'].filter((k) => k in address)
    if (extra.length > 0) {
      refuse(
        `createPool: give either uri or ${extra.join(', ')}, not both (the URI holds the hosts, credentials and database)`,
      )
    }
    uri = text(address['uri'], 'uri')
  } else uri = uriFrom(address)
  return { uri, clientOptions: clientOptions, driverOptions }
}
