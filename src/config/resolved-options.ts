import type { Backend } from '../backend.js'
import type { ReadConcern, WriteConcern } from '../concern/write-concern.js'
import type { ReadPreference } from '../selection/read-preference.js'
import type { NodeAddress } from '../topology/node-address.js'
import type { Tags } from '../topology/node-description.js'
import type { OptionName, OptionTable, OptionValue } from './option-table.js'
import type { Scheme } from './scheme.js'

type NamesIn<G> = { [K in OptionName]: OptionTable[K]['group'] extends G ? K : never }[OptionName]
type CoreName = NamesIn<'core'>
type DefaultedCoreName = {
  [K in CoreName]: OptionTable[K]['default'] extends undefined ? never : K
}[CoreName]

/**
 * The `core` rows of the option table as resolved fields: those with a default are always present,
 * the others only when given. See docs/options.md for each.
 */
export type CoreOptions = { readonly [K in DefaultedCoreName]: OptionValue<K> } & {
  readonly [K in Exclude<CoreName, DefaultedCoreName>]?: OptionValue<K>
}

/** The MongoDB-only options that were given, verbatim, for 1:1 translation to the driver's options. */
export type MongoDBBackendOptions = { readonly [K in NamesIn<'mongodb'>]?: OptionValue<K> }

/** The resolved TLS settings (`tls*` options; `tlsInsecure` expanded into what it relaxes). */
export interface ResolvedTls {
  /** `tls`; default false, but true when `tls` is not given and a `tls*` file option is. */
  readonly enabled: boolean
  readonly caFile?: string
  readonly certificateKeyFile?: string
  /** Secret: shown as `*****` by `JSON.stringify` and `util.inspect`. */
  readonly certificateKeyFilePassword?: string
  readonly crlFile?: string
  readonly allowInvalidCertificates: boolean
  readonly allowInvalidHostnames: boolean
  readonly disableCertificateRevocationCheck: boolean
  readonly disableOCSPEndpointCheck: boolean
}

/**
 * Everything a client needs, validated, with every default filled from the option table, deep-frozen.
 * `JSON.stringify` and `util.inspect` show secrets as `*****`.
 */
export interface ResolvedOptions extends CoreOptions {
  readonly backend: Backend
  readonly scheme: Exclude<Scheme, 'mongodb+srv'>
  /** The seed list, normalised (`host:port`, lower case, IPv6 in brackets), without duplicates. */
  readonly hosts: readonly NodeAddress[]
  readonly username?: string
  /** Secret: shown as `*****` by `JSON.stringify` and `util.inspect`. */
  readonly password?: string
  /** MySQL database, MongoDB auth database, Cassandra keyspace. */
  readonly database?: string
  /** Default `{ mode: 'primary' }`; `maxStalenessSeconds: -1` is resolved to absent. */
  readonly readPreference: ReadPreference
  /** Default `{}` (the backend's default, w:1). */
  readonly writeConcern: WriteConcern
  /** Default `{}` (the backend's default). */
  readonly readConcern: ReadConcern
  readonly tls: ResolvedTls
  /** `nodeTags` keyed by normalised address. Default: empty. */
  readonly nodeTags: ReadonlyMap<NodeAddress, Tags>
  readonly backendOptions: MongoDBBackendOptions
  /** Lenient mode (`strict: false`) only: the URI options that were ignored, and why. */
  readonly warnings: readonly string[]
}
