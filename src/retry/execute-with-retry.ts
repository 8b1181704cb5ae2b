import pRetry, { AbortError as StopRetrying } from 'p-retry'
import { isNoWritesPerformed, isUnknownOutcome } from '../errors/classify.js'
import { ErrorCode, ErrorLabel } from '../errors/error-codes.js'
import { isReplicaKitError, TimeoutError } from '../errors/errors.js'
import type { ReplicaKitError } from '../errors/errors.js'
import type { NodeAddress } from '../topology/node-address.js'
import { abortReason, sleep } from '../util/abort.js'
import type { Clock } from '../util/clock.js'
import { fullJitterBackoffMS } from './backoff.js'
import { chooseReportedError, isRetryAllowed } from './retry-policy.js'
import type { OperationKind, RetryPolicy } from './retry-policy.js'

/** What `select` and `attempt` learn about the attempt they serve. Frozen. */
export interface AttemptContext {
  /** The attempt's number, 1 for the first. */
  readonly attempt: number
  /** Nodes that failed earlier attempts of this call, oldest first: prefer any other node. */
  readonly deprioritized: readonly NodeAddress[]
  /** Aborts when the caller's signal aborts or the deadline passes; its `reason` is a `TimeoutError`. */
  readonly signal: AbortSignal
  /** Milliseconds left before the call's deadline (0 once it has passed). */
  remainingMS(): number
}

/** Emitted before each retry. Frozen. */
export interface RetryEvent {
  /** The number of the attempt that just failed (1 for the first); the retry is `attempt + 1`. */
  readonly attempt: number
  /** The node the failed attempt ran on. */
  readonly node: NodeAddress
  /** Why it failed. */
  readonly error: ReplicaKitError
  /** The backoff before the next selection, ms (full jitter, never past the deadline). */
  readonly delayMS: number
}

/** One call for {@link executeWithRetry}. */
export interface RetryableCall<T> {
  readonly kind: OperationKind
  /** The caller says the write is safe to run twice. Writes only. Default: `false`. */
  readonly idempotent?: boolean
  readonly policy: RetryPolicy
  /** The call's deadline, absolute, on `clock.monotonicMS()`. */
  readonly deadlineMS: number
  /** The caller's signal; aborting it ends the call promptly with `ABORTED`. */
  readonly signal?: AbortSignal
  readonly clock: Clock
  /** Uniform random in `[0, 1)` for the backoff jitter. Default: `Math.random`. */
  readonly random?: () => number
  /** Picks the node for an attempt; may wait for one (honouring `ctx.signal`). */
  readonly select: (ctx: AttemptContext) => Promise<NodeAddress>
  /**
   * Runs one attempt on `node`. Throw a `ReplicaKitError` (via `adapter.toError`) for failures the loop
   * should classify; anything else is rethrown unchanged and never retried.
   */
  readonly attempt: (node: NodeAddress, ctx: AttemptContext) => Promise<T>
  /** Called before each retry's backoff. */
  readonly onRetry?: (event: RetryEvent) => void
  /** Called for every attempt that failed with a `ReplicaKitError`, retried or not (e.g. to mark the node Unknown). */
  readonly onAttemptFailed?: (node: NodeAddress, error: ReplicaKitError) => void
}

type EndReason = 'deadline' | 'aborted'

/**
 * The one retry loop: select → attempt → classify → back off → deprioritise the failed node → select
 * again, until the attempt succeeds, the error is not retryable, the retries are spent, or the deadline
 * or the caller's signal ends the call.
 *
 * - Retries follow {@link isRetryAllowed}: reads on retryable errors if `retryReads`; writes if
 *   `retryWrites` and idempotent, covered by the backend's retryable-write protocol, or proven unwritten.
 * - Failure reports {@link chooseReportedError} of the attempts' errors; for a write whose outcome may be
 *   unknown it carries `UnknownOutcome`. A selection failure on a retry reports the previous attempt's error.
 * - The deadline or an abort ends the call with a `TimeoutError` (`OPERATION_TIMEOUT` or `ABORTED`) whose
 *   `cause` is that error. So does a backoff that would reach the deadline, without sleeping.
 * - An error from `select` or `attempt` that is not a `ReplicaKitError` (user code, programmer errors)
 *   is rethrown unchanged at once.
 *
 * ```ts
 * const rows = await executeWithRetry({
 *   kind: 'read', policy, clock, deadlineMS: clock.monotonicMS() + 30_000,
 *   select: (ctx) => selectNode(readPreference, ctx.deprioritized, ctx.signal),
 *   attempt: (node, ctx) => runOn(node, ctx.signal),
 * })
 * ```
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/retryable-writes/retryable-writes.md#executing-retryable-write-commands
 * @see https://github.com/mongodb/node-mongodb-native/blob/main/src/operations/execute_operation.ts (`executeOperationWithRetries`)
 */
export async function executeWithRetry<T>(call: RetryableCall<T>): Promise<T> {
  const { clock, policy } = call
  const scope = createCallScope(clock, call.deadlineMS, call.signal)
  const remainingMS = (): number => Math.max(0, call.deadlineMS - clock.monotonicMS())
  const errors: ReplicaKitError[] = []
  const deprioritized: NodeAddress[] = []
  let attemptsStarted = 0
  // A write attempt was cut off by the deadline or an abort: its outcome is unknown.
  let attemptInFlight = false
  // The failed attempt that p-retry is about to back off from.
  let pending: { readonly node: NodeAddress; readonly error: ReplicaKitError } | undefined
  // p-retry wraps what it rethrows; the loop keeps its own verdict so a non-Error value thrown by user
  // code also comes out unchanged.
  let verdict: { readonly value: unknown } | undefined
  const stop = (value: unknown): StopRetrying => {
    verdict ??= { value }
    return new StopRetrying('retry loop stopped')
  }

  const failure = (): ReplicaKitError => {
    const chosen = chooseReportedError(errors)
    const unknown = call.kind === 'write' && errors.some(isUnknownOutcome)
    return unknown && !chosen.hasLabel(ErrorLabel.UnknownOutcome)
      ? chosen.withLabels(ErrorLabel.UnknownOutcome)
      : chosen
  }

  const ended = (reason: EndReason): TimeoutError => {
    const cause =
      errors.length > 0 ? failure() : reason === 'aborted' ? abortReason(call.signal) : undefined
    const labels: ErrorLabel[] = []
    if (call.kind === 'write') {
      if (attemptInFlight || errors.some(isUnknownOutcome)) labels.push(ErrorLabel.UnknownOutcome)
      else if (errors.every(isNoWritesPerformed)) labels.push(ErrorLabel.NoWritesPerformed)
    }
    const what =
      reason === 'aborted'
        ? `${call.kind} aborted by the caller's signal`
        : `${call.kind} timed out: its deadline passed; raise timeoutMS or check the cluster's health`
    const last = cause instanceof Error ? `; last error: ${cause.message}` : ''
    return new TimeoutError(`${what} (${String(attemptsStarted)} attempt(s) made)${last}`, {
      code: reason === 'aborted' ? ErrorCode.Aborted : ErrorCode.OperationTimeout,
      labels,
      cause,
      ...(isReplicaKitError(cause) && cause.node !== undefined ? { node: cause.node } : {}),
    })
  }

  const runAttempt = async (attemptNumber: number): Promise<T> => {
    const ctx: AttemptContext = Object.freeze({
      attempt: attemptNumber,
      deprioritized: Object.freeze([...deprioritized]),
      signal: scope.signal,
      remainingMS,
    })
    let node: NodeAddress
    try {
      node = await raceAbort(() => call.select(ctx), scope.signal)
    } catch (error) {
      const reason = scope.endReason()
      if (reason !== undefined) throw stop(ended(reason))
      if (!isReplicaKitError(error)) throw stop(error)
      // The first selection's error says no attempt was made; a retry's selection failure reports the
      // previous attempt's error instead (retryable-writes spec).
      throw stop(errors.length === 0 ? error : failure())
    }
    attemptsStarted++
    attemptInFlight = true
    try {
      const result = await raceAbort(() => call.attempt(node, ctx), scope.signal)
      attemptInFlight = false
      return result
    } catch (error) {
      const reason = scope.endReason()
      if (reason !== undefined) throw stop(ended(reason))
      attemptInFlight = false
      if (!isReplicaKitError(error)) throw stop(error)
      errors.push(error)
      try {
        call.onAttemptFailed?.(node, error)
      } catch (hookError) {
        throw stop(hookError)
      }
      if (attemptNumber > policy.maxRetries || !isRetryAllowed(call, policy, error)) {
        throw stop(failure())
      }
      pending = { node, error }
      throw error // retryable: p-retry calls backOff, then runAttempt again
    }
  }

  const backOff = async (attemptNumber: number): Promise<void> => {
    if (pending === undefined)
      throw new RangeError('retry loop: backing off with no failed attempt')
    const { node, error } = pending
    if (!deprioritized.includes(node)) deprioritized.push(node)
    const leftMS = remainingMS()
    const delayMS = fullJitterBackoffMS(attemptNumber - 1, {
      baseBackoffMS: policy.baseBackoffMS,
      maxBackoffMS: policy.maxBackoffMS,
      remainingMS: leftMS,
      random: call.random ?? Math.random,
    })
    // A retry that could only start at or after the deadline is not worth the wait.
    if (delayMS >= leftMS) throw stop(ended('deadline'))
    call.onRetry?.(Object.freeze({ attempt: attemptNumber, node, error, delayMS }))
    try {
      if (delayMS > 0) await sleep(clock, delayMS, scope.signal)
    } catch {
      throw stop(ended(scope.endReason() ?? 'aborted'))
    }
  }

  try {
    const early = scope.endReason()
    if (early !== undefined) throw stop(ended(early))
    // p-retry drives the loop and counts attempts. Its own delay is switched off (minTimeout and
    // maxTimeout 0): it sleeps on the global timers with no jitter cap by deadline, while the backoff
    // must run on the injected Clock (fake clocks in tests), abort with the call's signal and be capped
    // by the deadline. So `onFailedAttempt`, which p-retry awaits before the next attempt, does the
    // jittered sleep. Every non-retryable outcome is thrown as p-retry's AbortError, which skips
    // onFailedAttempt and ends the loop; `verdict` holds what to throw.
    return await pRetry(runAttempt, {
      retries: policy.maxRetries,
      minTimeout: 0,
      maxTimeout: 0,
      onFailedAttempt: async ({ attemptNumber }) => {
        try {
          await backOff(attemptNumber)
        } catch (stopped) {
          throw stopped instanceof StopRetrying ? stopped : stop(stopped)
        }
      },
    })
  } catch (error) {
    if (verdict !== undefined) throw verdict.value
    throw error
  } finally {
    scope.dispose()
  }
}

/** The call's combined signal: the caller's abort or the deadline, whichever comes first. */
interface CallScope {
  readonly signal: AbortSignal
  /** What ended the call, once something has. */
  endReason(): EndReason | undefined
  /** Clears the deadline timer and the listener on the caller's signal. */
  dispose(): void
}

function createCallScope(clock: Clock, deadlineMS: number, callerSignal?: AbortSignal): CallScope {
  const controller = new AbortController()
  let reason: EndReason | undefined
  const end = (by: EndReason): void => {
    if (reason !== undefined) return
    reason = by
    const message =
      by === 'aborted'
        ? "aborted by the caller's signal"
        : 'the call timed out: its deadline passed'
    controller.abort(
      new TimeoutError(message, {
        code: by === 'aborted' ? ErrorCode.Aborted : ErrorCode.OperationTimeout,
        ...(by === 'aborted' ? { cause: abortReason(callerSignal) } : {}),
      }),
    )
  }
  const onCallerAbort = (): void => {
    end('aborted')
  }
  if (callerSignal?.aborted === true) end('aborted')
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true })
  const leftMS = deadlineMS - clock.monotonicMS()
  if (leftMS <= 0) end('deadline')
  const timer =
    reason === undefined
      ? clock.setTimeout(() => {
          end('deadline')
        }, leftMS)
      : undefined
  return {
    signal: controller.signal,
    endReason: () => reason,
    dispose: () => {
      if (timer !== undefined) clock.clearTimeout(timer)
      callerSignal?.removeEventListener('abort', onCallerAbort)
    },
  }
}

/**
 * Runs `fn` and settles with it, or rejects with `signal.reason` as soon as `signal` aborts, so a
 * selection or attempt that ignores the signal cannot hold the call past its deadline. The abandoned
 * promise's late rejection is handled (dropped) here.
 */
/* eslint-disable @typescript-eslint/prefer-promise-reject-errors -- settles with exactly what the
   callee or the signal gave, so user code's rejections come out unchanged */
function raceAbort<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    const done = (): void => {
      signal.removeEventListener('abort', onAbort)
    }
    let promise: Promise<T>
    try {
      promise = Promise.resolve(fn())
    } catch (error) {
      done()
      reject(error)
      return
    }
    void promise.then(
      (value) => {
        done()
        resolve(value)
      },
      (error: unknown) => {
        done()
        reject(error)
      },
    )
  })
}
/* eslint-enable @typescript-eslint/prefer-promise-reject-errors */
