/**
 * How ReplicaKit's words (`w`, read preference, read concern) become Cassandra consistency levels.
 * Pure functions, no driver: docs/cassandra.md has the same mapping as a table.
 */
import type { CallIntent, ReadConcern, WriteConcern } from '../../src/adapter.js'
import { ConfigError, ErrorCode, ErrorLabel, WriteConcernError } from '../../src/adapter.js'

/**
 * The consistency levels, by name, with their CQL protocol values (the numbers of the driver's
 * `types.consistencies`).
 */
export const Consistency = {
  ANY: 0,
  ONE: 1,
  TWO: 2,
  THREE: 3,
  QUORUM: 4,
  ALL: 5,
  LOCAL_QUORUM: 6,
  EACH_QUORUM: 7,
  SERIAL: 8,
  LOCAL_SERIAL: 9,
  LOCAL_ONE: 10,
} as const

/** A consistency level's name. */
export type ConsistencyName = keyof typeof Consistency

/** The level `w: 'majority'` maps to (option `majorityConsistency`). */
export type MajorityConsistency = 'LOCAL_QUORUM' | 'QUORUM' | 'EACH_QUORUM'
/** The serial level of lightweight transactions and linearizable reads (option `serialConsistency`). */
export type SerialConsistency = 'LOCAL_SERIAL' | 'SERIAL'

/** The client-wide choices the mapping depends on. */
export interface ConsistencySettings {
  readonly majorityConsistency: MajorityConsistency
  readonly serialConsistency: SerialConsistency
}

/**
 * The levels one statement of a call tries, in order, each of them in the call's data centers:
 * `primaryPreferred` reads try `LOCAL_QUORUM`, then `LOCAL_ONE` when the quorum is unavailable.
 */
export interface CallLevels {
  readonly levels: readonly ConsistencyName[]
  /** The serial consistency sent with the statement (used by lightweight transactions). */
  readonly serial: SerialConsistency
}

/** The name of the level with protocol value `value`, if it is one. */
export function consistencyName(value: number): ConsistencyName | undefined {
  for (const [name, code] of Object.entries(Consistency)) {
    if (code === value) return name as ConsistencyName
  }
  return undefined
}

/**
 * The level a write with write concern `wc` is sent with. `w` 1 (or absent) → `LOCAL_ONE`; 2 →
 * `TWO`; 3 → `THREE` (Cassandra counts those replicas in every data center); `w` equal to the
 * keyspace's whole replication factor → `ALL`; `majority` → `majorityConsistency`; 0 → `ANY`.
 *
 * @param replicationFactor the keyspace's replicas summed over its data centers, if known.
 * @throws WriteConcernError `WRITE_CONCERN_UNSATISFIABLE` (`NoWritesPerformed`) when `w` exceeds
 *   the replication factor; `ConfigError` for a `w` no level expresses (a tag-set mode, or 4 ≤ w <
 *   the replication factor).
 */
export function writeConsistency(
  wc: WriteConcern,
  settings: ConsistencySettings,
  replicationFactor: number | undefined,
): ConsistencyName {
  const w = wc.w
  if (w === undefined) return 'LOCAL_ONE'
  if (w === 'majority') return settings.majorityConsistency
  if (typeof w !== 'number') {
    throw new ConfigError(
      `w=${w}: Cassandra has no tag-set write modes; use a number, or majority with ` +
        'majorityConsistency=LOCAL_QUORUM|QUORUM|EACH_QUORUM',
      { code: ErrorCode.InvalidOption, labels: [ErrorLabel.NoWritesPerformed] },
    )
  }
  if (replicationFactor !== undefined && w > replicationFactor) {
    throw new WriteConcernError(
      `w=${String(w)} can never be met: the keyspace keeps ${String(replicationFactor)} ` +
        'replicas of each row; lower w or raise the replication factor',
      {
        code: ErrorCode.WriteConcernUnsatisfiable,
        labels: [ErrorLabel.NoWritesPerformed],
      },
    )
  }
  if (w === 0) return 'ANY'
  if (w === 1) return 'LOCAL_ONE'
  if (w === 2) return 'TWO'
  if (w === 3) return 'THREE'
  if (w === replicationFactor) return 'ALL'
  throw new ConfigError(
    `w=${String(w)}: Cassandra counts at most THREE replicas short of ALL; use w=1..3, ` +
      `w=majority, or w equal to the replication factor${replicationFactor === undefined ? ' (unknown: set a keyspace)' : ` (${String(replicationFactor)})`}`,
    { code: ErrorCode.InvalidOption, labels: [ErrorLabel.NoWritesPerformed] },
  )
}

/**
 * The levels a read tries. `primary` → `LOCAL_QUORUM` (read concern `linearizable` →
 * `serialConsistency`); `primaryPreferred` → `LOCAL_QUORUM`, then `LOCAL_ONE`; `secondary`,
 * `secondaryPreferred`, `nearest` → `LOCAL_ONE`. A linearizable read is serial in every mode.
 */
export function readLevels(
  intent: Pick<CallIntent, 'readPreference' | 'readConcern'>,
  settings: ConsistencySettings,
): readonly ConsistencyName[] {
  if (isLinearizable(intent.readConcern)) return [settings.serialConsistency]
  switch (intent.readPreference.mode) {
    case 'primary':
      return PRIMARY_LEVELS
    case 'primaryPreferred':
      return PRIMARY_PREFERRED_LEVELS
    case 'secondary':
    case 'secondaryPreferred':
    case 'nearest':
      return ONE_LEVEL
    default: {
      const _exhaustive: never = intent.readPreference.mode
      return _exhaustive
    }
  }
}

const PRIMARY_LEVELS: readonly ConsistencyName[] = Object.freeze(['LOCAL_QUORUM'])
const PRIMARY_PREFERRED_LEVELS: readonly ConsistencyName[] = Object.freeze([
  'LOCAL_QUORUM',
  'LOCAL_ONE',
])
const ONE_LEVEL: readonly ConsistencyName[] = Object.freeze(['LOCAL_ONE'])

/** Whether a read concern asks for linearizable reads (Cassandra: a serial read). */
export function isLinearizable(readConcern: ReadConcern): boolean {
  return readConcern.level === 'linearizable'
}

/**
 * How many replicas a level makes the coordinator wait for, in the words of {@link isWeakerThan}:
 * a count for the counted levels, and an order among the quorum levels.
 */
const STRENGTH: Readonly<Record<ConsistencyName, number>> = {
  ANY: 0,
  ONE: 1,
  LOCAL_ONE: 1,
  TWO: 2,
  THREE: 3,
  LOCAL_QUORUM: 10,
  LOCAL_SERIAL: 10,
  QUORUM: 11,
  SERIAL: 11,
  EACH_QUORUM: 12,
  ALL: 13,
}

/**
 * Whether an explicit per-statement level `given` promises less than the level the call's `w`
 * maps to (`required`). A counted level (`TWO`) and a quorum level are compared by this order:
 * ANY < ONE = LOCAL_ONE < TWO < THREE < LOCAL_QUORUM < QUORUM < EACH_QUORUM < ALL.
 */
export function isWeakerThan(given: ConsistencyName, required: ConsistencyName): boolean {
  return STRENGTH[given] < STRENGTH[required]
}

/**
 * Refuses a statement whose explicit `consistency` is weaker than what the write's `w` asks for:
 * honouring it would report a write as done before its write concern is met.
 *
 * @throws ConfigError `CONFLICTING_OPTIONS` (`NoWritesPerformed`).
 */
export function checkExplicitWriteLevel(given: number, required: ConsistencyName): void {
  const name = consistencyName(given)
  if (name === undefined || !isWeakerThan(name, required)) return
  throw new ConfigError(
    `consistency ${name} on this statement is weaker than the call's write concern ` +
      `(${required}); drop the statement's consistency option or lower w for this call`,
    { code: ErrorCode.ConflictingOptions, labels: [ErrorLabel.NoWritesPerformed] },
  )
}

/** The levels and serial consistency of one call. */
export function callLevels(
  intent: CallIntent,
  settings: ConsistencySettings,
  replicationFactor: number | undefined,
): CallLevels {
  const levels =
    intent.kind === 'write'
      ? [writeConsistency(intent.writeConcern, settings, replicationFactor)]
      : readLevels(intent, settings)
  return { levels, serial: settings.serialConsistency }
}

/**
 * The keyspace's replicas over all its data centers, from the driver's keyspace metadata
 * (`strategyOptions`): NetworkTopologyStrategy sums its data centers, SimpleStrategy has
 * `replication_factor`. `undefined` when unknown.
 */
export function replicationFactorOf(
  strategyOptions: Readonly<Record<string, unknown>> | undefined,
): number | undefined {
  if (strategyOptions === undefined) return undefined
  let total = 0
  let counted = false
  for (const [key, value] of Object.entries(strategyOptions)) {
    if (key === 'class') continue
    const n = Number(value)
    if (!Number.isInteger(n)) continue
    total += n
    counted = true
  }
  return counted ? total : undefined
}
