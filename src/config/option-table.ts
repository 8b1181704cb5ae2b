import { z } from 'zod'
import type { Backend } from '../backend.js'
import { READ_CONCERN_LEVEL_SCHEMA } from '../concern/read-concern.js'
import { W_FROM_URI, W_SCHEMA } from '../concern/write-concern.js'
import { SMALLEST_MAX_STALENESS_SECONDS } from '../selection/max-staleness.js'
import { ReadPreferenceMode } from '../selection/read-preference.js'
import type { Tags } from '../topology/node-description.js'
import type { AnyOptionRow } from './option-kinds.js'
import {
  boolean,
  custom,
  integer,
  keyValues,
  oneOf,
  stringList,
  tagSets,
  text,
} from './option-kinds.js'
import {
  INTEGER_FROM_URI,
  MAX_STALENESS_SCHEMA,
  mergeNodeTags,
  NODE_TAGS_FROM_URI,
  NODE_TAGS_SCHEMA,
} from './option-schemas.js'

const ALL: readonly Backend[] = ['mysql', 'mongodb', 'cassandra']
const MONGODB: readonly Backend[] = ['mongodb']
const MYSQL: readonly Backend[] = ['mysql']
const CASSANDRA: readonly Backend[] = ['cassandra']

/** The data center names of `dataCenterFailover`: non-empty, without duplicates. */
const DATA_CENTER_LIST_SCHEMA = z
  .array(z.string().min(1, 'expected a data center name'))
  .readonly()
  .refine((names) => new Set(names).size === names.length, 'a data center is named twice')
const DATA_CENTER_LIST_FROM_URI = z
  .string()
  .transform((value) => (value === '' ? [] : value.split(',').map((name) => name.trim())))
const NO_DATA_CENTERS: readonly string[] = Object.freeze([])

/** The floor of `minHeartbeatFrequencyMS` and `heartbeatFrequencyMS`, in ms: no probe storms. */
export const HEARTBEAT_FLOOR_MS = 10

/**
 * The ONE table of options: every option ReplicaKit accepts, in a URI (`?name=value`, names compared
 * case-insensitively) or programmatically (`ClientOptions`, exact names). Each row says the type,
 * allowed values, default, unit, which backends honour it and where it lands in `ResolvedOptions`.
 * Adding a `core` option is adding a row here; docs/options.md is checked against this table.
 *
 * MongoDB's URI option names are the common vocabulary; ReplicaKit's own options sit beside them.
 * (This file is longer than most by design: one row per option, in one place.)
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/uri-options/uri-options.md
 */
export const OPTION_TABLE = {
  // --- ReplicaKit: calls, retries, backoff ---
  timeoutMS: integer({
    min: 0,
    default: 30_000,
    unit: 'ms',
    backends: ALL,
    group: 'core',
    description:
      'Overall deadline of one call (server selection, every attempt, backoff and the write concern wait). 0 = no overall deadline.',
  }),
  maxRetries: integer({
    min: 0,
    max: 100,
    default: 1,
    unit: 'count',
    backends: ALL,
    group: 'core',
    description:
      'Extra attempts after the first when an error is retryable (reads; writes only when safe).',
  }),
  baseBackoffMS: integer({
    min: 0,
    default: 100,
    unit: 'ms',
    backends: ALL,
    group: 'core',
    description:
      'Base of the full-jitter exponential backoff between attempts: random() * min(maxBackoffMS, baseBackoffMS * 2^attempt).',
  }),
  maxBackoffMS: integer({
    min: 0,
    default: 5_000,
    unit: 'ms',
    backends: ALL,
    group: 'core',
    description: 'Cap of one backoff sleep. Must be ≥ baseBackoffMS.',
  }),
  retryReads: boolean({
    default: true,
    backends: ALL,
    group: 'core',
    description: 'Retry a failed read once more on another suitable node.',
  }),
  retryWrites: boolean({
    default: true,
    backends: ALL,
    group: 'core',
    description:
      'Retry a failed write when it is safe: the backend protects against doubles (MongoDB), the call is marked idempotent, or the error proves nothing was written.',
  }),

  // --- discovery and monitoring ---
  heartbeatFrequencyMS: integer({
    min: HEARTBEAT_FLOOR_MS,
    default: 10_000,
    unit: 'ms',
    backends: ALL,
    group: 'core',
    description: 'Interval between probes of each node. Must be ≥ minHeartbeatFrequencyMS.',
  }),
  minHeartbeatFrequencyMS: integer({
    min: HEARTBEAT_FLOOR_MS,
    default: 500,
    unit: 'ms',
    backends: ALL,
    group: 'core',
    description:
      'Shortest interval between two probes of one node, also when a failure asks for an immediate re-probe. ReplicaKit extension (fixed at 500 in the MongoDB spec); not below 10.',
  }),
  serverSelectionTimeoutMS: integer({
    min: 1,
    default: 30_000,
    unit: 'ms',
    backends: ALL,
    group: 'core',
    description:
      'How long one selection waits for a node that matches the read preference (or a primary).',
  }),
  localThresholdMS: integer({
    min: 0,
    default: 15,
    unit: 'ms',
    backends: ALL,
    group: 'core',
    description:
      'Latency window: nodes whose round-trip time is within this of the fastest suitable node are eligible.',
  }),
  connectTimeoutMS: integer({
    min: 0,
    default: 10_000,
    unit: 'ms',
    backends: ALL,
    group: 'core',
    description: 'Bound on opening one connection (also bounds each probe). 0 = no timeout.',
  }),
  socketTimeoutMS: integer({
    min: 0,
    default: 0,
    unit: 'ms',
    backends: ALL,
    group: 'core',
    description:
      'Bound on one socket read of an operation. 0 = none (timeoutMS still bounds the call).',
  }),
  directConnection: boolean({
    default: false,
    backends: ALL,
    group: 'core',
    description:
      'Talk to the single host given, without discovering other members. Only with one host.',
  }),
  replicaSet: text({
    backends: MONGODB,
    group: 'core',
    description: 'Name of the replica set; members reporting another name are removed.',
  }),
  loadBalanced: boolean({
    default: false,
    backends: MONGODB,
    group: 'core',
    description:
      'The single host is a load balancer in front of mongos routers. Not with several hosts, directConnection=true or replicaSet.',
  }),
  appName: text({
    backends: ALL,
    group: 'core',
    description:
      'Application name sent in the handshake (MongoDB client metadata, MySQL program_name attribute, Cassandra applicationName).',
  }),
  nodeTags: custom({
    schema: NODE_TAGS_SCHEMA,
    fromUri: NODE_TAGS_FROM_URI,
    collect: mergeNodeTags,
    repeat: 'list',
    allowed:
      'per-host tags: { "host:port": { key: value } }; in a URI nodeTags=host:port/key:value,key:value, repeated',
    default: new Map<string, Tags>(),
    backends: MYSQL,
    group: 'core',
    description: 'Tags of nodes whose servers carry none (MySQL), matched by readPreferenceTags.',
  }),

  // --- pools ---
  maxPoolSize: integer({
    min: 0,
    default: 100,
    unit: 'count',
    backends: ALL,
    group: 'core',
    description: 'Most connections per node, including those in use. 0 = no limit.',
  }),
  minPoolSize: integer({
    min: 0,
    default: 0,
    unit: 'count',
    backends: ALL,
    group: 'core',
    description:
      'Connections kept open per node even when idle. Must be ≤ maxPoolSize (unless that is 0).',
  }),
  maxIdleTimeMS: integer({
    min: 0,
    default: 0,
    unit: 'ms',
    backends: ['mongodb', 'mysql'],
    group: 'core',
    description: 'Close a pooled connection idle for longer than this. 0 = never for idleness.',
  }),

  // --- MySQL/MariaDB ---
  causalWaitMS: integer({
    min: 0,
    default: 1_000,
    unit: 'ms',
    backends: MYSQL,
    group: 'core',
    description:
      "Bound on waiting for a replica to apply a session's writes before a causally consistent read; past it the read goes elsewhere.",
  }),
  causalReads: oneOf(['pool', 'connection', 'none'], {
    default: 'pool',
    backends: MYSQL,
    group: 'core',
    description:
      "createPool (replicakit/mysql) only: which earlier writes a replica read through the pool sees. pool = every write through the pool; connection = the same pool connection's own writes; none = no tracking (reads may be stale). See docs/orms.md.",
  }),
  heartbeatTable: text({
    backends: MYSQL,
    group: 'core',
    pattern: /^[A-Za-z0-9_$]+(\.[A-Za-z0-9_$]+)?$/,
    allowed: 'a table name, optionally schema-qualified (letters, digits, _ and $)',
    description:
      'A table the client writes a timestamp to on the primary so replicas report sub-second lag. Absent = lag from replica status.',
  }),
  driverOptions: custom({
    schema: z.record(z.string(), z.unknown()),
    fromUri: z.string().refine(() => false, 'driverOptions is programmatic only, not a URI option'),
    allowed: 'an object of mysql2 connection options (programmatic only)',
    backends: MYSQL,
    group: 'core',
    description:
      "mysql2 options (dateStrings, timezone, typeCast, …) for the connections that run the application's statements, not for monitoring probes. createPool validates the names (docs/orms.md).",
  }),

  // --- Cassandra ---
  localDataCenter: text({
    backends: CASSANDRA,
    group: 'core',
    description:
      "The application's data center: reads and writes go to its nodes first. Required unless the ring has a single data center.",
  }),
  majorityConsistency: oneOf(['LOCAL_QUORUM', 'QUORUM', 'EACH_QUORUM'], {
    default: 'LOCAL_QUORUM',
    backends: CASSANDRA,
    group: 'core',
    description: 'The consistency level of w=majority.',
  }),
  serialConsistency: oneOf(['LOCAL_SERIAL', 'SERIAL'], {
    default: 'LOCAL_SERIAL',
    backends: CASSANDRA,
    group: 'core',
    description:
      'The serial consistency of lightweight transactions and of readConcernLevel=linearizable reads.',
  }),
  speculativeExecutionMS: integer({
    min: 0,
    default: 0,
    unit: 'ms',
    backends: CASSANDRA,
    group: 'core',
    description:
      'Send an idempotent read (or a write marked idempotent) to a second node when the first has not answered after this long. 0 = off.',
  }),
  dataCenterFailover: custom({
    schema: DATA_CENTER_LIST_SCHEMA,
    fromUri: DATA_CENTER_LIST_FROM_URI,
    allowed: 'a comma-separated list of data center names',
    default: NO_DATA_CENTERS,
    backends: CASSANDRA,
    group: 'core',
    description:
      'Other data centers, in order, that writes and readPreference=primary reads may fall back to when the local one cannot meet their consistency level. Empty = never.',
  }),

  // --- read preference ---
  readPreference: oneOf(
    Object.values(ReadPreferenceMode) as [ReadPreferenceMode, ...ReadPreferenceMode[]],
    {
      default: 'primary',
      backends: ALL,
      group: 'readPreference',
      description: 'Where reads go by default. Case-insensitive in a URI.',
    },
  ),
  readPreferenceTags: tagSets({
    backends: ALL,
    group: 'readPreference',
    description:
      'Tag sets tried in order; {} (an empty value) matches any node. Not with readPreference=primary.',
  }),
  maxStalenessSeconds: custom({
    schema: MAX_STALENESS_SCHEMA,
    fromUri: INTEGER_FROM_URI,
    unit: 'seconds',
    backends: ['mongodb', 'mysql'],
    group: 'readPreference',
    allowed: `-1 (no bound) or an integer ≥ ${String(SMALLEST_MAX_STALENESS_SECONDS)} and ≥ heartbeatFrequencyMS/1000 + 10`,
    description: 'Skip replicas estimated to lag more than this. Not with readPreference=primary.',
  }),

  // --- write and read concern ---
  w: custom({
    schema: W_SCHEMA,
    fromUri: W_FROM_URI,
    allowed: "an integer ≥ 0, 'majority' or (MongoDB only) a tag-set mode name",
    backends: ALL,
    group: 'writeConcern',
    description:
      'Members that must apply a write before it counts as done. Absent = the backend default (w:1).',
  }),
  wtimeoutMS: integer({
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    allowed: 'an integer ≥ 0',
    unit: 'ms',
    backends: ALL,
    group: 'writeConcern',
    description:
      'Bound on waiting for w; a timeout is a WriteConcernError (the write is not rolled back). 0 = none.',
  }),
  journal: boolean({
    backends: MONGODB,
    group: 'writeConcern',
    description: 'Wait until the write is in the on-disk journal. Not with w=0.',
  }),
  readConcernLevel: custom({
    schema: READ_CONCERN_LEVEL_SCHEMA,
    fromUri: z.string(),
    allowed: 'local, majority, linearizable, available, snapshot (other strings pass through)',
    backends: ['mongodb', 'cassandra'],
    group: 'readConcern',
    description: 'Default read concern. Cassandra maps linearizable to SERIAL.',
  }),

  // --- TLS ---
  tls: boolean({
    aliases: ['ssl'],
    repeat: 'agree',
    backends: ALL,
    group: 'tls',
    description:
      'Use TLS. Default false, but true when another tls* option is given. ssl is an alias; all tls/ssl keys must agree.',
  }),
  tlsCAFile: text({ backends: ALL, group: 'tls', description: 'Path of the CA bundle to trust.' }),
  tlsCertificateKeyFile: text({
    backends: ALL,
    group: 'tls',
    description: 'Path of the client certificate and private key (PEM).',
  }),
  tlsCertificateKeyFilePassword: text({
    secret: true,
    backends: ALL,
    group: 'tls',
    description: 'Password of the client private key.',
  }),
  tlsCRLFile: text({
    backends: MONGODB,
    group: 'tls',
    description: 'Path of a certificate revocation list.',
  }),
  tlsAllowInvalidCertificates: boolean({
    backends: ALL,
    group: 'tls',
    description:
      'Accept a server certificate that does not validate. Insecure; not with tlsInsecure.',
  }),
  tlsAllowInvalidHostnames: boolean({
    backends: ALL,
    group: 'tls',
    description:
      'Accept a certificate whose name does not match the host. Insecure; not with tlsInsecure.',
  }),
  tlsInsecure: boolean({
    backends: ALL,
    group: 'tls',
    description: 'Both of the above, and no revocation checks. Not with any of them.',
  }),
  tlsDisableCertificateRevocationCheck: boolean({
    backends: [],
    group: 'tls',
    description: 'Skip CRL/OCSP revocation checks (the Node drivers do none).',
  }),
  tlsDisableOCSPEndpointCheck: boolean({
    backends: [],
    group: 'tls',
    description: 'Do not contact OCSP responders (the Node drivers do not).',
  }),

  // --- MongoDB only: kept in backendOptions and passed to the driver ---
  authSource: text({
    backends: MONGODB,
    group: 'mongodb',
    description: 'Database that holds the credentials.',
  }),
  authMechanism: text({
    backends: MONGODB,
    group: 'mongodb',
    description:
      'Authentication mechanism, e.g. SCRAM-SHA-256, MONGODB-X509, GSSAPI, PLAIN, MONGODB-OIDC.',
  }),
  authMechanismProperties: keyValues({
    backends: MONGODB,
    group: 'mongodb',
    description: 'Mechanism properties, e.g. SERVICE_NAME:mongodb. A value cannot contain ",".',
  }),
  compressors: stringList(['snappy', 'zlib', 'zstd', 'none'], {
    backends: MONGODB,
    group: 'mongodb',
    description: 'Wire compressors to offer, in order of preference.',
  }),
  zlibCompressionLevel: integer({
    min: -1,
    max: 9,
    unit: 'level',
    backends: MONGODB,
    group: 'mongodb',
    description: 'zlib level; -1 = zlib default.',
  }),
  maxConnecting: integer({
    min: 1,
    unit: 'count',
    backends: MONGODB,
    group: 'mongodb',
    description: 'Most connections a pool establishes at once.',
  }),
  waitQueueTimeoutMS: integer({
    min: 0,
    unit: 'ms',
    backends: MONGODB,
    group: 'mongodb',
    description: 'Bound on waiting for a pooled connection (deprecated in favour of timeoutMS).',
  }),
  serverMonitoringMode: oneOf(['auto', 'stream', 'poll'], {
    backends: MONGODB,
    group: 'mongodb',
    description: "The driver's monitoring protocol.",
  }),
  srvServiceName: text({
    backends: MONGODB,
    group: 'mongodb',
    pattern: /^[A-Za-z0-9-]{1,15}$/,
    allowed: 'an SRV service name (RFC 6335)',
    description: 'SRV service name (mongodb+srv:// only).',
  }),
  srvMaxHosts: integer({
    min: 0,
    unit: 'count',
    backends: MONGODB,
    group: 'mongodb',
    description: 'Most hosts taken from the SRV record (mongodb+srv:// only). 0 = all.',
  }),
  proxyHost: text({
    repeat: 'once',
    backends: MONGODB,
    group: 'mongodb',
    description: 'SOCKS5 proxy host.',
  }),
  proxyPort: integer({
    min: 1,
    max: 65_535,
    repeat: 'once',
    backends: MONGODB,
    group: 'mongodb',
    description: 'SOCKS5 proxy port (driver default 1080). Needs proxyHost.',
  }),
  proxyUsername: text({
    repeat: 'once',
    backends: MONGODB,
    group: 'mongodb',
    description: 'SOCKS5 proxy user. Needs proxyHost and proxyPassword.',
  }),
  proxyPassword: text({
    repeat: 'once',
    secret: true,
    backends: MONGODB,
    group: 'mongodb',
    description: 'SOCKS5 proxy password. Needs proxyHost and proxyUsername.',
  }),
  maxAdaptiveRetries: integer({
    min: 0,
    unit: 'count',
    backends: MONGODB,
    group: 'mongodb',
    description: "The driver's own retries when a server reports overload.",
  }),
  enableOverloadRetargeting: boolean({
    backends: MONGODB,
    group: 'mongodb',
    description: "Let the driver retry an overloaded server's operation on another one.",
  }),

  // --- accepted for connection-string compatibility, no effect ---
  serverSelectionTryOnce: boolean({
    backends: [],
    group: 'none',
    description: 'Single-threaded drivers only; the Node drivers ignore it.',
  }),
} as const satisfies Record<string, AnyOptionRow>

/** The option table's type. */
export type OptionTable = typeof OPTION_TABLE

/** The name of an option in {@link OPTION_TABLE}. */
export type OptionName = keyof OptionTable

/** Every option name, in table order. @internal */
export const OPTION_NAMES: readonly OptionName[] = Object.freeze(
  Object.keys(OPTION_TABLE) as OptionName[],
)

/** The row of an option name as written in a URI (case-insensitive; aliases included). @internal */
export const OPTION_BY_URI_KEY: ReadonlyMap<string, OptionName> = new Map(
  OPTION_NAMES.flatMap((name) =>
    [name, ...OPTION_TABLE[name].aliases].map((key): [string, OptionName] => [
      key.toLowerCase(),
      name,
    ]),
  ),
)

/** The validated value type of option `K`. */
export type OptionValue<K extends OptionName> = z.output<OptionTable[K]['schema']>

/** The programmatic input type of option `K`. */
export type OptionInput<K extends OptionName> = z.input<OptionTable[K]['schema']>

/** Validated values of the options that were given (in a URI or programmatically), by name. */
export type OptionValues = { readonly [K in OptionName]?: OptionValue<K> }

/** The value of option `name` in `values`, or its default. @internal */
export function effectiveValue<K extends OptionName>(
  values: OptionValues,
  name: K,
): OptionValue<K> | OptionTable[K]['default'] {
  return values[name] ?? OPTION_TABLE[name].default
}
