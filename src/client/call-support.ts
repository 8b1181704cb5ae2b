import type { AcquireOptions, CausalToken } from '../adapter.js'
import { requiredReplicaAcks } from '../concern/await-write-concern.js'
import type { WriteConcern } from '../concern/write-concern.js'
import { isReplicaKitError } from '../errors/errors.js'
import type { CallScope } from '../retry/execute-with-retry.js'
import type { TopologyDescription } from '../topology/topology-description.js'

/** Where a write attempt's causal token lands. @internal */
export interface WrittenToken {
  token: CausalToken | null
}

/**
 * The options of one borrow. Its bound and signal are worked out only if the adapter reads them (a
 * borrow served at once from an idle pooled connection needs neither): the signal is the call's,
 * made on first use. @internal
 */
export class AcquireRequest implements AcquireOptions {
  readonly #connectTimeoutMS: number
  readonly #scope: CallScope
  #timeoutMS: number | undefined

  constructor(connectTimeoutMS: number, scope: CallScope) {
    this.#connectTimeoutMS = connectTimeoutMS
    this.#scope = scope
  }

  /** `connectTimeoutMS`, cut to what is left of the call's deadline when first read. */
  get timeoutMS(): number {
    this.#timeoutMS ??= Math.min(this.#connectTimeoutMS, this.#scope.remainingMS())
    return this.#timeoutMS
  }

  get signal(): AbortSignal {
    return this.#scope.signal
  }
}

/**
 * What a call that failed throws: the `ReplicaKitError` that aborted it when there is one (the
 * client was closed: `ClientClosedError`), else its own error. @internal
 */
export function closedInstead(scope: CallScope, error: unknown): unknown {
  const cause = scope.abortCause
  return scope.endReason === 'aborted' && isReplicaKitError(cause) ? cause : error
}

/**
 * The replicas that must confirm a write before it counts (see `requiredReplicaAcks`); 0 at once
 * for `w` ≤ 1, which needs no look at the description.
 * @throws WriteConcernError when `w` can never be met.
 * @internal
 */
export function replicaAcks(wc: WriteConcern, description: TopologyDescription): number {
  const w = wc.w
  if (w === undefined || (typeof w === 'number' && w <= 1)) return 0
  return requiredReplicaAcks(wc, description)
}

/**
 * A timeout option of 0 means "no bound" (as in MongoDB's options); Node's timers cannot wait longer
 * than 2^31-1 ms (about 24.8 days), so that is the longest bound used.
 */
const LONGEST_TIMER_MS = 2 ** 31 - 1

/** A timeout option as a bound, ms: 0 (none) becomes the longest timer. @internal */
export function unbounded(timeoutMS: number): number {
  return timeoutMS <= 0 ? LONGEST_TIMER_MS : Math.min(timeoutMS, LONGEST_TIMER_MS)
}
