import { writeConcernProblem } from '../concern/write-concern.js'
import { ConfigError, ErrorCode } from '../errors/errors.js'
import { validateReadPreference } from '../selection/read-preference.js'
import type { OptionName, OptionValues } from './option-table.js'
import { effectiveValue } from './option-table.js'
import type { Scheme } from './scheme.js'
import { SRV_SCHEME } from './scheme.js'

/** What the option rules need to know besides the options. @internal */
export interface OptionConflictContext {
  readonly scheme: Scheme
  /** How many hosts the connection string lists. */
  readonly hostCount: number
}

type Rule = (values: OptionValues, context: OptionConflictContext) => ConfigError | undefined

function conflict(message: string): ConfigError {
  return new ConfigError(message, { code: ErrorCode.ConflictingOptions })
}

/**
 * Pairs of TLS options that may not both be given, whatever their values (both `true` or both
 * `false` alike), because one already implies or contradicts the other.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/uri-options/uri-options.md#conflicting-tls-options
 */
const EXCLUSIVE_TLS_OPTIONS: readonly (readonly [OptionName, OptionName])[] = [
  ['tlsInsecure', 'tlsAllowInvalidCertificates'],
  ['tlsInsecure', 'tlsAllowInvalidHostnames'],
  ['tlsInsecure', 'tlsDisableOCSPEndpointCheck'],
  ['tlsInsecure', 'tlsDisableCertificateRevocationCheck'],
  ['tlsAllowInvalidCertificates', 'tlsDisableOCSPEndpointCheck'],
  ['tlsAllowInvalidCertificates', 'tlsDisableCertificateRevocationCheck'],
  ['tlsDisableOCSPEndpointCheck', 'tlsDisableCertificateRevocationCheck'],
]

/** Options that only make sense with TLS on: given with `tls=false`, they are a conflict. */
const TLS_FILE_OPTIONS: readonly OptionName[] = [
  'tlsCAFile',
  'tlsCertificateKeyFile',
  'tlsCertificateKeyFilePassword',
  'tlsCRLFile',
]

const RULES: readonly Rule[] = [
  (values) => {
    const pair = EXCLUSIVE_TLS_OPTIONS.find(
      ([a, b]) => values[a] !== undefined && values[b] !== undefined,
    )
    return pair === undefined
      ? undefined
      : conflict(`${pair[0]} and ${pair[1]} cannot both be given (whatever their values); keep one`)
  },
  (values) => {
    const file = TLS_FILE_OPTIONS.find((name) => values[name] !== undefined)
    return values.tls === false && file !== undefined
      ? conflict(`tls=false contradicts ${file}; set tls=true or drop ${file}`)
      : undefined
  },
  (values, { hostCount, scheme }) => {
    if (values.directConnection !== true) return undefined
    if (scheme === SRV_SCHEME)
      return conflict('directConnection=true cannot be used with mongodb+srv://')
    return hostCount > 1
      ? conflict(`directConnection=true needs exactly one host, but ${String(hostCount)} are given`)
      : undefined
  },
  (values, { hostCount }) => {
    if (values.loadBalanced !== true) return undefined
    if (hostCount > 1)
      return conflict(
        `loadBalanced=true needs exactly one host, but ${String(hostCount)} are given`,
      )
    if (values.directConnection === true)
      return conflict('loadBalanced=true cannot be used with directConnection=true')
    if (values.replicaSet !== undefined)
      return conflict('loadBalanced=true cannot be used with replicaSet')
    return undefined
  },
  (values, { scheme }) => {
    const srvOption = (['srvServiceName', 'srvMaxHosts'] as const).find(
      (name) => values[name] !== undefined,
    )
    if (srvOption !== undefined && scheme !== SRV_SCHEME) {
      return conflict(`${srvOption} is only allowed with mongodb+srv://`)
    }
    if ((values.srvMaxHosts ?? 0) > 0) {
      if (values.replicaSet !== undefined)
        return conflict('srvMaxHosts > 0 cannot be used with replicaSet')
      if (values.loadBalanced === true)
        return conflict('srvMaxHosts > 0 cannot be used with loadBalanced=true')
    }
    return undefined
  },
  (values) => {
    const needsHost = (['proxyPort', 'proxyUsername', 'proxyPassword'] as const).find(
      (name) => values[name] !== undefined,
    )
    if (needsHost !== undefined && values.proxyHost === undefined)
      return conflict(`${needsHost} needs proxyHost`)
    if ((values.proxyUsername === undefined) !== (values.proxyPassword === undefined)) {
      return conflict('proxyUsername and proxyPassword must be given together')
    }
    return undefined
  },
  (values) =>
    writeConcernProblem({
      ...(values.w !== undefined ? { w: values.w } : {}),
      ...(values.wtimeoutMS !== undefined ? { wtimeoutMS: values.wtimeoutMS } : {}),
      ...(values.journal !== undefined ? { journal: values.journal } : {}),
    }),
  (values) => {
    try {
      validateReadPreference(
        {
          mode: effectiveValue(values, 'readPreference'),
          ...(values.readPreferenceTags !== undefined ? { tags: values.readPreferenceTags } : {}),
          ...(values.maxStalenessSeconds !== undefined
            ? { maxStalenessSeconds: values.maxStalenessSeconds }
            : {}),
        },
        { heartbeatFrequencyMS: effectiveValue(values, 'heartbeatFrequencyMS') },
      )
      return undefined
    } catch (error: unknown) {
      if (error instanceof ConfigError) return error
      throw error
    }
  },
  (values) => {
    const heartbeat = effectiveValue(values, 'heartbeatFrequencyMS')
    const floor = effectiveValue(values, 'minHeartbeatFrequencyMS')
    return heartbeat < floor
      ? conflict(
          `heartbeatFrequencyMS=${String(heartbeat)} is below minHeartbeatFrequencyMS=${String(floor)}; ` +
            'raise heartbeatFrequencyMS or lower minHeartbeatFrequencyMS',
        )
      : undefined
  },
  (values) => {
    const min = effectiveValue(values, 'minPoolSize')
    const max = effectiveValue(values, 'maxPoolSize')
    return max > 0 && min > max
      ? conflict(
          `minPoolSize=${String(min)} is above maxPoolSize=${String(max)}; lower minPoolSize or raise maxPoolSize`,
        )
      : undefined
  },
  (values) => {
    const base = effectiveValue(values, 'baseBackoffMS')
    const max = effectiveValue(values, 'maxBackoffMS')
    return base > max
      ? conflict(
          `baseBackoffMS=${String(base)} is above maxBackoffMS=${String(max)}; lower baseBackoffMS or raise maxBackoffMS`,
        )
      : undefined
  },
]

/**
 * The first rule that `values` break, as a `ConfigError` (`CONFLICTING_OPTIONS`, or
 * `INVALID_OPTION` for a read preference bound), or `undefined` when they are consistent. Pure.
 * Missing options count with their defaults; presence rules (TLS) look only at given options.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/uri-options/uri-options.md#specification
 * @see https://github.com/mongodb/specifications/blob/master/source/load-balancers/load-balancers.md#uri-validation
 * @see https://github.com/mongodb/specifications/blob/master/source/initial-dns-seedlist-discovery/initial-dns-seedlist-discovery.md#uri-validation
 * @internal
 */
export function findOptionConflict(
  values: OptionValues,
  context: OptionConflictContext,
): ConfigError | undefined {
  for (const rule of RULES) {
    const error = rule(values, context)
    if (error !== undefined) return error
  }
  return undefined
}
