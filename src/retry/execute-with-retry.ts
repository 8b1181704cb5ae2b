import pRetry, { AbortError as StopRetrying } from 'p-retry'
import type { Options as PRetryOptions } from 'p-retry'
import { isNoWritesPerformed, isUnknownOutcome } from '../errors/classify.js'
import { ErrorCode, ErrorLabel } from '../errors/error-codes.js'
import { isReplicaKitError, TimeoutError } from '../errors/errors.js'
import type { ReplicaKitError } from '../errors/errors.js'
import type { NodeAddress } from '../topology/node-address.js'
import { sleep } from '../util/abort.js'
import type { Clock } from '../util/clock.js'
import { fullJitterBackoffMS } from './backoff.js'
import { CallScope } from './call-scope.js'
import type { EndReason } from './call-scope.js'
import { chooseReportedError, isRetryAllowed } from './retry-policy.js'
import type { OperationKind, RetryPolicy } from './retry-policy.js'

export { CallScope } from './call-scope.js'
export type { EndReason } from './call-scope.js'

/** What `select` and `attempt` learn about the attempt they serve. Frozen. */
export interface AttemptContext {
  /** The attempt's number, 1 for the first. */
  readonly attempt: number
  /** Nodes that failed earlier attempts of this call, oldest first: prefer any other node. */
  readonly deprioritized: readonly NodeAddress[]
  /**
   * Aborts when the caller's signal aborts or the deadline passes; its `reason` is a `TimeoutError`.
   * Made on first use: an attempt that never reads it costs no `AbortController`.
   */
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
  /** The call's deadline, absolute, on `clock.monotonicMS()`. Ignored when `scope` is given. */
  readonly deadlineMS: number
  /** The caller's signal; aborting it ends the call promptly with `ABORTED`. Ignored when `scope` is given. */
  readonly signal?: AbortSignal
  /**
   * The call's scope, when the caller owns one (the client does, so that `close()` can end its calls
   * in flight): its deadline and signal replace `deadlineMS` and `signal`, and the caller disposes of
   * it. Default: a scope made from `deadlineMS` and `signal`, disposed of when the call ends.
   */
  readonly scope?: CallScope
  readonly clock: Clock
  /** Uniform random in `[0, 1)` for the backoff jitter. Default: `Math.random`. */
  readonly random?: () => number
  /**
   * Picks the node for an attempt: at once (a node address), or by waiting for one (a promise,
   * honouring `ctx.signal`).
   */
  readonly select: (ctx: AttemptContext) => NodeAddress | Promise<NodeAddress>
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

/**
 * The one retry loop: select → attempt → classify → back off → deprioritise the failed node → select
 * again, until the attempt succeeds, the error is not retryable, the retries are spent, or the deadline
 * or the caller's signal ends the call.
 *
 * - Retries follow {@link isRetryAllowed}: reads on retryable errors if `retryReads`; writes if
 *   `retryWrites` and idempotent, covered by the backend's retryable-write protocol, or proven unwritten.
 * - Failure reports {@link chooseReportedError} of the attempts' errors; for a write whose outcome may be
 *   unknown it carries `UnknownOutcome`. A selection failure on a retry reports the previous attempt's
 *   error (or, once the deadline has passed, ends the call as the deadline does, below).
 * - The deadline or an abort ends the call with a `TimeoutError` (`OPERATION_TIMEOUT` or `ABORTED`) whose
 *   `cause` is that error. So does a backoff that would reach the deadline, without sleeping.
 * - An error from `select` or `attempt` that is not a `ReplicaKitError` (user code, programmer errors)
 *   is rethrown unchanged at once.
 *
 * The call's fixed cost is small, because most calls succeed at once: no timer of its own (one timer
 * per clock watches every call's deadline, see {@link CallScope}), a listener on the caller's signal
 * only when there is one, an `AbortSignal` only if `select` or `attempt` reads `ctx.signal`, and
 * p-retry only once an attempt has failed and may be retried (it then drives the retries).
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
export function executeWithRetry<T>(call: RetryableCall<T>): Promise<T> {
  if (call.scope !== undefined) return new RetryLoop(call, call.scope).run()
  const scope = new CallScope(call.clock, call.deadlineMS, call.signal)
  return new RetryLoop(call, scope).run().finally(() => {
    scope.dispose()
  })
}

/** The context of one attempt. Frozen; its signal is the scope's, made on first use. */
class Attempt implements AttemptContext {
  readonly attempt: number
  readonly deprioritized: readonly NodeAddress[]
  readonly #scope: CallScope

  constructor(attempt: number, deprioritized: readonly NodeAddress[], scope: CallScope) {
    this.attempt = attempt
    this.deprioritized = deprioritized
    this.#scope = scope
    Object.freeze(this)
  }

  get signal(): AbortSignal {
    return this.#scope.signal
  }

  remainingMS(): number {
    return this.#scope.remainingMS()
  }
}

const NO_NODES: readonly NodeAddress[] = Object.freeze([])
const ALWAYS = (): boolean => true

/** One run of the loop: the state p-retry's callbacks share. */
class RetryLoop<T> {
  readonly #call: RetryableCall<T>
  readonly #scope: CallScope
  readonly #errors: ReplicaKitError[] = []
  readonly #deprioritized: NodeAddress[] = []
  #attemptsStarted = 0
  /** A write attempt was cut off by the deadline or an abort: its outcome is unknown. */
  #attemptInFlight = false
  /** The failed attempt that p-retry is about to back off from. */
  #pending: { readonly node: NodeAddress; readonly error: ReplicaKitError } | undefined
  /**
   * p-retry wraps what it rethrows; the loop keeps its own verdict so a non-Error value thrown by
   * user code also comes out unchanged.
   */
  #verdict: { readonly value: unknown } | undefined

  constructor(call: RetryableCall<T>, scope: CallScope) {
    this.#call = call
    this.#scope = scope
  }

  run(): Promise<T> {
    const early = this.#scope.endReason
    if (early !== undefined) return Promise.reject(this.#ended(early))
    // The first attempt runs at once; only a retryable failure hands the call to p-retry, which
    // then drives attempts 2 … maxRetries + 1 through the same #runAttempt and #backOff. So
    // p-retry's set-up (copying and checking its options, its own async frame: several µs per call
    // on the benchmark) is paid by the few calls that retry, not by every call.
    return this.#runAttempt(1).catch((error: unknown) => this.#retry(error))
  }

  /** After the first attempt failed: the verdict if it stopped the loop, else back off and retry. */
  async #retry(firstError: unknown): Promise<T> {
    try {
      if (this.#verdict !== undefined) throw firstError
      await this.#onFailedAttempt(0)({ attemptNumber: 1 })
      // p-retry drives the retries and counts them. Its own delay is switched off (minTimeout and
      // maxTimeout 0): it sleeps on the global timers with no jitter cap by deadline, while the
      // backoff must run on the injected Clock (fake clocks in tests), abort with the call's signal
      // and be capped by the deadline. So `onFailedAttempt`, which p-retry awaits before the next
      // attempt, does the jittered sleep. Every non-retryable outcome is thrown as p-retry's
      // AbortError, which skips onFailedAttempt and ends the loop; `#verdict` holds what to throw.
      // Every option is given, defaults included: p-retry then adds no property to its copy of
      // them, which keeps its fixed cost under a microsecond (about 15 µs otherwise).
      const options: PRetryOptions = {
        retries: this.#call.policy.maxRetries - 1,
        factor: 2,
        minTimeout: 0,
        maxTimeout: 0,
        maxRetryTime: Number.POSITIVE_INFINITY,
        randomize: false,
        shouldRetry: ALWAYS,
        shouldConsumeRetry: ALWAYS,
        onFailedAttempt: this.#onFailedAttempt(1),
      }
      return await pRetry((retry) => this.#runAttempt(retry + 1), options)
    } catch (error) {
      if (this.#verdict !== undefined) throw this.#verdict.value
      throw error
    }
  }

  /**
   * p-retry's `onFailedAttempt`: the jittered backoff after attempt `attemptNumber + offset`
   * (p-retry numbers the retries from 1). Returned, not written inline: see client.ts.
   */
  #onFailedAttempt(offset: number): (context: { readonly attemptNumber: number }) => Promise<void> {
    return async ({ attemptNumber }) => {
      try {
        await this.#backOff(attemptNumber + offset)
      } catch (stopped) {
        throw stopped instanceof StopRetrying ? stopped : this.#stop(stopped)
      }
    }
  }

  #stop(value: unknown): StopRetrying {
    this.#verdict ??= { value }
    return new StopRetrying('retry loop stopped')
  }

  #failure(): ReplicaKitError {
    const chosen = chooseReportedError(this.#errors)
    const unknown = this.#call.kind === 'write' && this.#errors.some(isUnknownOutcome)
    return unknown && !chosen.hasLabel(ErrorLabel.UnknownOutcome)
      ? chosen.withLabels(ErrorLabel.UnknownOutcome)
      : chosen
  }

  #ended(reason: EndReason): TimeoutError {
    const errors = this.#errors
    const kind = this.#call.kind
    const cause =
      errors.length > 0
        ? this.#failure()
        : reason === 'aborted'
          ? this.#scope.abortCause
          : undefined
    const labels: ErrorLabel[] = []
    if (kind === 'write') {
      if (this.#attemptInFlight || errors.some(isUnknownOutcome))
        labels.push(ErrorLabel.UnknownOutcome)
      else if (errors.every(isNoWritesPerformed)) labels.push(ErrorLabel.NoWritesPerformed)
    }
    const what =
      reason === 'aborted'
        ? `${kind} aborted by the caller's signal`
        : `${kind} timed out: its deadline passed; raise timeoutMS or check the cluster's health`
    const last = cause instanceof Error ? `; last error: ${cause.message}` : ''
    return new TimeoutError(`${what} (${String(this.#attemptsStarted)} attempt(s) made)${last}`, {
      code: reason === 'aborted' ? ErrorCode.Aborted : ErrorCode.OperationTimeout,
      labels,
      cause,
      ...(isReplicaKitError(cause) && cause.node !== undefined ? { node: cause.node } : {}),
    })
  }

  async #runAttempt(attemptNumber: number): Promise<T> {
    const call = this.#call
    const scope = this.#scope
    const ctx = new Attempt(
      attemptNumber,
      this.#deprioritized.length === 0 ? NO_NODES : Object.freeze([...this.#deprioritized]),
      scope,
    )
    let node: NodeAddress
    try {
      scope.throwIfEnded()
      const picked = call.select(ctx)
      node = typeof picked === 'string' ? picked : await scope.race(picked)
    } catch (error) {
      const reason = scope.endReason
      if (reason !== undefined) throw this.#stop(this.#ended(reason))
      if (!isReplicaKitError(error)) throw this.#stop(error)
      // The first selection's error says no attempt was made; a retry's selection failure reports
      // the previous attempt's error instead (retryable-writes spec). A retry's selection is bounded
      // by the call's deadline too: when it gave up because the deadline passed, the deadline ended
      // the call, whichever of the two timers fired first.
      if (this.#errors.length === 0) throw this.#stop(error)
      throw this.#stop(scope.remainingMS() <= 0 ? this.#ended('deadline') : this.#failure())
    }
    this.#attemptsStarted++
    this.#attemptInFlight = true
    try {
      // Never start an attempt once the call has ended (a selection that outlived the deadline).
      scope.throwIfEnded()
      const result = await scope.race(call.attempt(node, ctx))
      this.#attemptInFlight = false
      return result
    } catch (error) {
      const reason = scope.endReason
      if (reason !== undefined) throw this.#stop(this.#ended(reason))
      this.#attemptInFlight = false
      if (!isReplicaKitError(error)) throw this.#stop(error)
      this.#errors.push(error)
      try {
        call.onAttemptFailed?.(node, error)
      } catch (hookError) {
        throw this.#stop(hookError)
      }
      if (attemptNumber > call.policy.maxRetries || !isRetryAllowed(call, call.policy, error)) {
        throw this.#stop(this.#failure())
      }
      this.#pending = { node, error }
      throw error // retryable: p-retry calls backOff, then runAttempt again
    }
  }

  async #backOff(attemptNumber: number): Promise<void> {
    if (this.#pending === undefined)
      throw new RangeError('retry loop: backing off with no failed attempt')
    const { node, error } = this.#pending
    const call = this.#call
    const scope = this.#scope
    if (!this.#deprioritized.includes(node)) this.#deprioritized.push(node)
    const leftMS = scope.remainingMS()
    const delayMS = fullJitterBackoffMS(attemptNumber - 1, {
      baseBackoffMS: call.policy.baseBackoffMS,
      maxBackoffMS: call.policy.maxBackoffMS,
      remainingMS: leftMS,
      random: call.random ?? Math.random,
    })
    // A retry that could only start at or after the deadline is not worth the wait.
    if (delayMS >= leftMS) throw this.#stop(this.#ended('deadline'))
    call.onRetry?.(Object.freeze({ attempt: attemptNumber, node, error, delayMS }))
    try {
      if (delayMS > 0) await sleep(call.clock, delayMS, scope.signal)
    } catch {
      throw this.#stop(this.#ended(scope.endReason ?? 'aborted'))
    }
  }
}
