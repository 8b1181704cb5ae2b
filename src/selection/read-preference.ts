import type { Tags } from '../topology/node-description.js'

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
