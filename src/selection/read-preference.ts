import { ConfigError, ErrorCode } from '../errors/errors.js'
import type { Tags } from '../topology/node-description.js'
import { TopologyType } from '../topology/topology-description.js'
import {
  IDLE_WRITE_PERIOD_MS,
  SMALLEST_MAX_STALENESS_SECONDS,
  smallestMaxStalenessSeconds,
} from './max-staleness.js'

/**
 * Where a read may go.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#read-preference
 */
export const ReadPreferenceMode = {
  Primary: 'primary',
  PrimaryPreferred: 'primaryPreferred',
  Secondary: 'secondary',
  SecondaryPreferred: 'secondaryPreferred',
  Nearest: 'nearest',
} as const

/** One of the values of {@link ReadPreferenceMode}. */
export type ReadPreferenceMode = (typeof ReadPreferenceMode)[keyof typeof ReadPreferenceMode]

/** A read preference: a mode, tag sets tried in order, and a staleness bound. */
export interface ReadPreference {
  readonly mode: ReadPreferenceMode
  /** Tag sets tried in order; `{}` matches any node. Not allowed with `primary`. */
  readonly tags?: readonly Tags[]
  /** Ignore secondaries staler than this, in seconds; absent or -1 means no bound. At least 90. */
  readonly maxStalenessSeconds?: number
}

/** The read preference used when none is configured: `{ mode: 'primary' }`. */
export const DEFAULT_READ_PREFERENCE: ReadPreference = Object.freeze({
  mode: ReadPreferenceMode.Primary,
})

const MODES_BY_LOWER_CASE: ReadonlyMap<string, ReadPreferenceMode> = new Map(
  Object.values(ReadPreferenceMode).map((mode) => [mode.toLowerCase(), mode]),
)

/**
 * Parses a read preference mode as written in a URI or options (`secondaryPreferred`, compared
 * case-insensitively, so the spec files' `SecondaryPreferred` also parses).
 *
 * @throws ConfigError (`INVALID_OPTION`) naming the value when it is not a mode.
 */
export function parseReadPreferenceMode(text: string): ReadPreferenceMode {
  const mode = MODES_BY_LOWER_CASE.get(text.toLowerCase())
  if (mode === undefined) {
    throw new ConfigError(
      `readPreference=${text} is not a read preference mode; use one of ${Object.values(ReadPreferenceMode).join(', ')}`,
      { code: ErrorCode.InvalidOption },
    )
  }
  return mode
}

/**
 * A frozen read preference with only a mode (no tags, no staleness bound). Accepts any spelling
 * {@link parseReadPreferenceMode} accepts.
 *
 * @throws ConfigError when `mode` is not a mode.
 */
export function readPreferenceFromMode(mode: string): ReadPreference {
  return Object.freeze({ mode: parseReadPreferenceMode(mode) })
}

/** What {@link validateReadPreference} needs to know besides the read preference. */
export interface ValidateReadPreferenceOptions {
  /** How often each node is probed, in ms; raises the `maxStalenessSeconds` lower bound. */
  readonly heartbeatFrequencyMS: number
  /**
   * The topology the read preference is applied to, if known. The lower bound on
   * `maxStalenessSeconds` applies only to replica sets (or when the topology is not known, as at
   * configuration time); routers and single nodes accept any positive value, as the spec says.
   */
  readonly topologyType?: TopologyType
}

/**
 * Checks a read preference against the server selection spec's rules:
 * - `mode` is one of {@link ReadPreferenceMode};
 * - `primary` has no non-empty tag set and no `maxStalenessSeconds` (other than `-1`);
 * - `maxStalenessSeconds` is absent, `-1`, or a positive number of at least
 *   `max(90, heartbeatFrequencyMS / 1000 + idleWritePeriodMS / 1000)` (idle write period: 10 s).
 *
 * @throws ConfigError naming the offending value (`INVALID_OPTION`, or `CONFLICTING_OPTIONS` for
 *   a mode that forbids tags or a staleness bound).
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#components-of-a-read-preference
 * @see https://github.com/mongodb/specifications/blob/master/source/max-staleness/max-staleness.md#smallest-allowed-value-for-maxstalenessseconds
 */
export function validateReadPreference(
  readPreference: ReadPreference,
  options: ValidateReadPreferenceOptions,
): void {
  const { mode, tags, maxStalenessSeconds } = readPreference
  if (!isExactMode(mode)) {
    throw new ConfigError(
      `readPreference=${String(mode)} is not a read preference mode; use one of ${Object.values(ReadPreferenceMode).join(', ')}`,
      { code: ErrorCode.InvalidOption },
    )
  }
  const hasBound = maxStalenessSeconds !== undefined && maxStalenessSeconds !== -1
  if (mode === ReadPreferenceMode.Primary) {
    if (tags?.some((tagSet) => Object.keys(tagSet).length > 0) === true) {
      throw new ConfigError(
        `readPreferenceTags=${JSON.stringify(tags)} cannot be used with readPreference=primary; ` +
          'choose another mode or drop the tags',
        { code: ErrorCode.ConflictingOptions },
      )
    }
    if (hasBound) {
      throw new ConfigError(
        `maxStalenessSeconds=${String(maxStalenessSeconds)} cannot be used with readPreference=primary; ` +
          'choose another mode or drop maxStalenessSeconds',
        { code: ErrorCode.ConflictingOptions },
      )
    }
  }
  if (!hasBound) return
  if (!Number.isFinite(maxStalenessSeconds) || maxStalenessSeconds <= 0) {
    throw new ConfigError(
      `maxStalenessSeconds=${String(maxStalenessSeconds)} is invalid; use -1 (no bound) or a number of ` +
        `seconds ≥ ${String(smallestMaxStalenessSeconds(options.heartbeatFrequencyMS))}`,
      { code: ErrorCode.InvalidOption },
    )
  }
  const appliesBound =
    options.topologyType === undefined || REPLICA_SET_TYPES.has(options.topologyType)
  const smallest = smallestMaxStalenessSeconds(options.heartbeatFrequencyMS)
  if (appliesBound && maxStalenessSeconds < smallest) {
    throw new ConfigError(
      `maxStalenessSeconds=${String(maxStalenessSeconds)} is too small: with heartbeatFrequencyMS=` +
        `${String(options.heartbeatFrequencyMS)} it must be at least ${String(smallest)} ` +
        `(max(${String(SMALLEST_MAX_STALENESS_SECONDS)}, heartbeat + ${String(IDLE_WRITE_PERIOD_MS / 1000)} s idle write period))`,
      { code: ErrorCode.InvalidOption },
    )
  }
}

const REPLICA_SET_TYPES: ReadonlySet<TopologyType> = new Set([
  TopologyType.ReplicaSetWithPrimary,
  TopologyType.ReplicaSetNoPrimary,
])

function isExactMode(mode: unknown): mode is ReadPreferenceMode {
  return typeof mode === 'string' && MODES_BY_LOWER_CASE.get(mode.toLowerCase()) === mode
}
