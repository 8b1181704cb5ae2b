import { normaliseReadConcern } from '../concern/read-concern.js'
import { normaliseWriteConcern } from '../concern/write-concern.js'
import { ErrorCode } from '../errors/errors.js'
import type { ReadPreference } from '../selection/read-preference.js'
import type { NodeAddress } from '../topology/node-address.js'
import { formatNodeAddress, parseNodeAddress } from '../topology/node-address.js'
import type { Tags } from '../topology/node-description.js'
import { findOptionConflict } from './option-conflicts.js'
import type { OptionName, OptionValues } from './option-table.js'
import { effectiveValue, OPTION_NAMES, OPTION_TABLE } from './option-table.js'
import { freezeResolved } from './freeze-resolved.js'
import { IssueSink } from './issue-sink.js'
import type { ClientOptions } from './schema.js'
import { parseClientOptions } from './schema.js'
import type { Scheme } from './scheme.js'
import { SCHEMES, SRV_SCHEME } from './scheme.js'
import { parseConnectionString, UriHostKind } from './uri.js'
import { wProblemFor } from './w-for-backend.js'

export type { ClientOptions } from './schema.js'

import type { CoreOptions, ResolvedOptions, ResolvedTls } from './resolved-options.js'

export type {
  CoreOptions,
  MongoDBBackendOptions,
  ResolvedOptions,
  ResolvedTls,
} from './resolved-options.js'

/**
 * Resolves a connection string and programmatic options into {@link ResolvedOptions}. Programmatic
 * options override the URI's (option by option); every default comes from the option table.
 *
 * ```ts
 * const options = resolveOptions('mysql://app:secret@db1,db2:3307/shop?readPreference=secondaryPreferred', {
 *   w: 'majority',
 *   nodeTags: { 'db2:3307': { dc: 'east' } },
 * })
 * options.hosts // ['db1:3306', 'db2:3307']
 * ```
 *
 * @throws ConfigError `INVALID_URI`, `INVALID_OPTION`, `CONFLICTING_OPTIONS` or `UNSUPPORTED_BACKEND`
 *   (also for `mongodb+srv://`: there is no SRV lookup). Messages name the option and value, never a
 *   password.
 */
export function resolveOptions(uri: string, options?: ClientOptions): ResolvedOptions {
  const given = parseClientOptions(options)
  const cs = parseConnectionString(uri, { strict: given.strict ?? true })
  const password = given.password ?? cs.password
  const values: OptionValues = { ...cs.options, ...pickOptions(given) }
  // Every later message is scrubbed of the password and the secret options' values.
  const sink = new IssueSink(true)
  for (const secret of [password, values.proxyPassword, values.tlsCertificateKeyFilePassword]) {
    sink.addSecret(secret)
  }
  const fail = (code: ErrorCode, message: string, cause?: unknown): never =>
    sink.fail(code, message, cause)
  if (cs.scheme === SRV_SCHEME) {
    fail(
      ErrorCode.UnsupportedBackend,
      'mongodb+srv:// needs a DNS SRV lookup, which ReplicaKit does not do; list the hosts instead: ' +
        'mongodb://host1:27017,host2:27017/?tls=true',
    )
  }
  const scheme = cs.scheme as Exclude<Scheme, 'mongodb+srv'>
  if (cs.hosts.some((host) => host.kind === UriHostKind.Unix)) {
    fail(ErrorCode.InvalidUri, 'unix domain socket hosts are not supported; use host:port')
  }
  const { defaultPort } = SCHEMES[scheme]
  const conflict = findOptionConflict(values, { scheme, hostCount: cs.hosts.length })
  if (conflict !== undefined) fail(conflict.code, conflict.message, conflict.cause)
  // The URI's w was checked while parsing; this catches a programmatic one.
  const wProblem = wProblemFor(values.w, scheme, (text) => JSON.stringify(text))
  if (wProblem !== undefined) fail(ErrorCode.InvalidOption, wProblem)

  const core = Object.fromEntries(
    OPTION_NAMES.filter((name) => OPTION_TABLE[name].group === 'core')
      .map((name) => [name, effectiveValue(values, name)])
      .filter(([, value]) => value !== undefined),
  ) as unknown as CoreOptions
  const username = given.username ?? cs.username
  const database = given.database ?? cs.database
  const resolved: ResolvedOptions = {
    ...core,
    backend: cs.backend,
    scheme,
    hosts: [
      ...new Set(cs.hosts.map((host) => formatNodeAddress(host.host, host.port ?? defaultPort))),
    ],
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(database !== undefined ? { database } : {}),
    readPreference: resolveReadPreference(values),
    writeConcern: normaliseWriteConcern({
      ...(values.w !== undefined ? { w: values.w } : {}),
      ...(values.wtimeoutMS !== undefined ? { wtimeoutMS: values.wtimeoutMS } : {}),
      ...(values.journal !== undefined ? { journal: values.journal } : {}),
    }),
    readConcern: normaliseReadConcern(
      values.readConcernLevel !== undefined ? { level: values.readConcernLevel } : {},
    ),
    tls: resolveTls(values),
    nodeTags: resolveNodeTags(effectiveValue(values, 'nodeTags'), defaultPort, fail),
    backendOptions: Object.fromEntries(
      OPTION_NAMES.filter(
        (name) => OPTION_TABLE[name].group === 'mongodb' && values[name] !== undefined,
      ).map((name) => [name, values[name]]),
    ),
    warnings: cs.warnings,
  }
  return freezeResolved(resolved)
}

function pickOptions(given: object): OptionValues {
  return Object.fromEntries(
    Object.entries(given).filter(
      ([name, value]) => value !== undefined && Object.hasOwn(OPTION_TABLE, name),
    ),
  )
}

function resolveReadPreference(values: OptionValues): ReadPreference {
  const tags = values.readPreferenceTags
  const maxStalenessSeconds = values.maxStalenessSeconds
  return {
    mode: effectiveValue(values, 'readPreference'),
    ...(tags !== undefined && tags.length > 0 ? { tags } : {}),
    ...(maxStalenessSeconds !== undefined && maxStalenessSeconds !== -1
      ? { maxStalenessSeconds }
      : {}),
  }
}

const TLS_IMPLYING_OPTIONS: readonly OptionName[] = [
  'tlsCAFile',
  'tlsCertificateKeyFile',
  'tlsCertificateKeyFilePassword',
  'tlsCRLFile',
]

function resolveTls(values: OptionValues): ResolvedTls {
  const insecure = values.tlsInsecure === true
  return {
    enabled: values.tls ?? TLS_IMPLYING_OPTIONS.some((name) => values[name] !== undefined),
    ...(values.tlsCAFile !== undefined ? { caFile: values.tlsCAFile } : {}),
    ...(values.tlsCertificateKeyFile !== undefined
      ? { certificateKeyFile: values.tlsCertificateKeyFile }
      : {}),
    ...(values.tlsCertificateKeyFilePassword !== undefined
      ? { certificateKeyFilePassword: values.tlsCertificateKeyFilePassword }
      : {}),
    ...(values.tlsCRLFile !== undefined ? { crlFile: values.tlsCRLFile } : {}),
    allowInvalidCertificates: insecure || values.tlsAllowInvalidCertificates === true,
    allowInvalidHostnames: insecure || values.tlsAllowInvalidHostnames === true,
    disableCertificateRevocationCheck:
      insecure || values.tlsDisableCertificateRevocationCheck === true,
    disableOCSPEndpointCheck: insecure || values.tlsDisableOCSPEndpointCheck === true,
  }
}

function resolveNodeTags(
  nodeTags: ReadonlyMap<string, Tags>,
  defaultPort: number,
  fail: (code: ErrorCode, message: string) => never,
): ReadonlyMap<NodeAddress, Tags> {
  const resolved = new Map<NodeAddress, Tags>()
  for (const [key, tags] of nodeTags) {
    const parsed = parseNodeAddress(key, defaultPort)
    if (parsed === undefined)
      fail(ErrorCode.InvalidOption, `nodeTags: ${JSON.stringify(key)} is not host[:port]`)
    const address = formatNodeAddress(parsed.host, parsed.port)
    resolved.set(address, { ...resolved.get(address), ...tags })
  }
  return resolved
}
