import { isReplicaKitError } from '../errors/errors.js'
import type { CallScope } from '../retry/call-scope.js'

/**
 * What a call that failed throws: the `ReplicaKitError` that aborted it when there is one (the
 * client was closed: `ClientClosedError`), else its own error. @internal
 */
export function closedInstead(scope: CallScope, error: unknown): unknown {
  const cause = scope.abortCause
  return scope.endReason === 'aborted' && isReplicaKitError(cause) ? cause : error
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
