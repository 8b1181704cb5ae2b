import { ErrorCode, TimeoutError, isReplicaKitError } from '../errors/errors.js'
import type { CallScope } from '../retry/call-scope.js'
import type { NodeSelector } from '../selection/server-selection.js'
import type { TopologyDescription } from '../topology/topology-description.js'
import { selectionTimeoutError } from './select-node.js'

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

/**
 * A call that timed out before any attempt ran says why no node could serve it: the selection's
 * reason (each node's state and last error) becomes its cause, as when the selection's own bound
 * ended it at the deadline. So the same situation gives the same code and reason, whichever timer
 * fired first. Other errors pass unchanged. @internal
 */
export function explainTimeout(
  error: unknown,
  description: TopologyDescription,
  selector: NodeSelector,
): unknown {
  if (!isReplicaKitError(error) || error.code !== ErrorCode.OperationTimeout) return error
  if (error.cause !== undefined) return error
  const reason = selectionTimeoutError(description, selector)
  return new TimeoutError(`${error.message}; ${reason.message}`, {
    code: error.code,
    labels: error.labels,
    cause: reason,
  })
}
