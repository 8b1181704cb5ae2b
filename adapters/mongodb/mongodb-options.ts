/**
 * The 1:1 translation of ReplicaKit's resolved options into the official driver's `MongoClient`
 * options, and of one call's intent into the options of the `Db` handed to `fn`. Pure.
 */
import { ReadConcern as DriverReadConcern, ReadPreference } from 'mongodb'
import type { DbOptions, MongoClientOptions, ReadConcernLevel, TagSet, W } from 'mongodb'
import type {
  CallIntent,
  ReadConcern,
  ResolvedOptions,
  TlsMaterial,
  WriteConcern,
  ReadPreference as UnifiedReadPreference,
} from '../../src/adapter.js'

/** What a `MongoClient` is built from: a seed-list URI (no secrets in it) and the options object. */
export interface MongoClientConfig {
  /** `mongodb://host1,host2/<database>`: hosts, the auth database and `loadBalanced`; credentials go in `options`. */
  readonly uri: string
  readonly options: MongoClientOptions
}

/**
 * Builds the driver's client configuration from ResolvedOptions, option for option (docs/mongodb.md
 * lists them). ReplicaKit's own options (`timeoutMS`, `maxRetries`, backoff) stay in the core;
 * `timeoutMS` is not passed because driver 7 ignores it (the core's deadline bounds each call).
 * Credentials travel in `auth`, never in the URI, so no driver message can echo them.
 *
 * TLS: `material` is what `loadTlsMaterial` read from `tlsCAFile`/`tlsCertificateKeyFile`/
 * `tlsCRLFile` (files read once, the key's password checked when the client is made); it goes to
 * the driver as its Node TLS options (`ca`, `cert`, `key`, `passphrase`, `crl`), never as file
 * names, so the driver reads nothing later. The two checks stay the driver's own options
 * (`tlsAllowInvalidCertificates`, `tlsAllowInvalidHostnames`; `tlsInsecure` arrives as both). The
 * driver applies them to every socket it opens: monitoring, pooled and authentication connections.
 */
export function toMongoClientConfig(
  options: ResolvedOptions,
  material?: TlsMaterial,
): MongoClientConfig {
  const database = options.database === undefined ? '' : encodeURIComponent(options.database)
  // `loadBalanced` is accepted only in the URI by the driver.
  const query = options.loadBalanced ? '?loadBalanced=true' : ''
  const uri = `mongodb://${options.hosts.join(',')}/${database}${query}`
  const b = options.backendOptions
  const tls = options.tls
  const client: MongoClientOptions = {
    // Discovery and monitoring: the driver runs SDAM; ReplicaKit listens to its events.
    heartbeatFrequencyMS: options.heartbeatFrequencyMS,
    minHeartbeatFrequencyMS: options.minHeartbeatFrequencyMS,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS,
    localThresholdMS: options.localThresholdMS,
    connectTimeoutMS: options.connectTimeoutMS,
    socketTimeoutMS: options.socketTimeoutMS,
    directConnection: options.directConnection,
    retryReads: options.retryReads,
    retryWrites: options.retryWrites,
    maxPoolSize: options.maxPoolSize,
    minPoolSize: options.minPoolSize,
    maxIdleTimeMS: options.maxIdleTimeMS,
    ...defined({ replicaSet: options.replicaSet, appName: options.appName }),
    // The client's defaults; each call's own come from its intent (intentDbOptions).
    readPreference: toReadPreference(options.readPreference),
    ...defined({
      writeConcern: toWriteConcern(options.writeConcern),
      readConcern: toReadConcern(options.readConcern),
    }),
    ...(options.username === undefined
      ? {}
      : { auth: { username: options.username, password: options.password ?? '' } }),
    ...(tls.enabled
      ? {
          tls: true,
          tlsAllowInvalidCertificates: tls.allowInvalidCertificates,
          tlsAllowInvalidHostnames: tls.allowInvalidHostnames,
          ...defined({
            ca: material?.ca,
            cert: material?.cert,
            key: material?.key,
            passphrase: material?.passphrase,
            crl: material?.crl,
          }),
        }
      : {}),
    ...defined({
      authSource: b.authSource,
      authMechanism: b.authMechanism as MongoClientOptions['authMechanism'],
      authMechanismProperties: b.authMechanismProperties,
      compressors: b.compressors as MongoClientOptions['compressors'],
      zlibCompressionLevel: b.zlibCompressionLevel as MongoClientOptions['zlibCompressionLevel'],
      maxConnecting: b.maxConnecting,
      waitQueueTimeoutMS: b.waitQueueTimeoutMS,
      serverMonitoringMode: b.serverMonitoringMode,
      proxyHost: b.proxyHost,
      proxyPort: b.proxyPort,
      proxyUsername: b.proxyUsername,
      proxyPassword: b.proxyPassword,
      maxAdaptiveRetries: b.maxAdaptiveRetries,
      enableOverloadRetargeting: b.enableOverloadRetargeting,
    }),
  }
  return { uri, options: client }
}

/**
 * The options of the `Db` one call gets: its read preference (tags, max staleness), write concern
 * and read concern. Reads carry the client's write concern and writes the primary read preference,
 * so one `Db` per intent serves both kinds. Pure.
 */
export function intentDbOptions(intent: CallIntent): DbOptions {
  return {
    readPreference: toReadPreference(intent.readPreference),
    ...defined({
      writeConcern: toWriteConcern(intent.writeConcern),
      readConcern: toReadConcern(intent.readConcern),
    }),
  }
}

/**
 * The driver's `ReadPreference` for a unified one: mode, tag sets in order, `maxStalenessSeconds`.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#read-preference
 */
export function toReadPreference(rp: UnifiedReadPreference): ReadPreference {
  const tags = rp.tags === undefined ? undefined : rp.tags.map((t): TagSet => ({ ...t }))
  return new ReadPreference(
    rp.mode,
    tags,
    rp.maxStalenessSeconds === undefined ? {} : { maxStalenessSeconds: rp.maxStalenessSeconds },
  )
}

/** The driver's write concern options (`w`, `wtimeoutMS`, `journal`), or `undefined` for the default. */
export function toWriteConcern(
  wc: WriteConcern,
): { w?: W; wtimeoutMS?: number; journal?: boolean } | undefined {
  if (wc.w === undefined && wc.wtimeoutMS === undefined && wc.journal === undefined)
    return undefined
  return defined({ w: wc.w as W | undefined, wtimeoutMS: wc.wtimeoutMS, journal: wc.journal })
}

/** The driver's read concern (`{ level }`), or `undefined` for the server's default. */
export function toReadConcern(rc: ReadConcern): DriverReadConcern | undefined {
  return rc.level === undefined ? undefined : new DriverReadConcern(rc.level as ReadConcernLevel)
}

/** `record` without its `undefined` fields (the driver treats a present `undefined` as given). */
function defined<T extends Record<string, unknown>>(
  record: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }
}
