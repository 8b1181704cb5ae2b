import pRetry from 'p-retry'
import { isNoWritesPerformed, isUnknownOutcome } from '../errors/classify.js'
import { ErrorCode, ErrorLabel } from '../errors/error-codes.js'
import { isReplicaKitError, TimeoutError } from '../errors/errors.js'
import type { ReplicaKitError } from '../errors/errors.js'
import type { NodeAddress } from '../topology/node-address.js'
import { sleep } from '../util/abort.js'
import type { Clock } from '../util/clock.js'
import { settleAsPromise } from '../util/promise.js'
import { fullJitterBackoffMS } from './backoff.js'
import { CallScope } from './call-scope.js'
import type { EndReason } from './call-scope.js'
import { chooseReportedError, isRetryAllowed } from './retry-policy.js'
import type { OperationKind, RetryPolicy } from './retry-policy.js'

export { CallScope } from './call-scope.js'
export type { EndReason } from './call-scope.js'

/** The node an attempt runs on; `undefined` when the driver routes the call itself. */
export type Target = NodeAddress | undefined

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
  /**
   * The attempt is waiting for a connection and has sent nothing yet: if the call ends now, a
   * write's outcome is known (not written). Optional to call; by default an attempt counts as sent.
   */
  connecting(): void
  /** The attempt is about to send its request: from now on a write's outcome may be unknown. */
  sending(): void
}

/** Emitted before each retry. Frozen. */
export interface RetryEvent {
  /** The number of the attempt that just failed (1 for the first); the retry is `attempt + 1`. */
  readonly attempt: number
  /** The node the failed attempt ran on (`undefined` when the driver routed and did not say). */
  readonly node: NodeAddress | undefined
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
   * Picks the node for an attempt: at once (a node address, or `undefined` when the driver routes),
   * or by waiting for one (a promise, honouring `ctx.signal`).
   */
  readonly select: (ctx: AttemptContext) => Target | Promise<Target>
  /**
   * Runs one attempt on `node`. Throw a `ReplicaKitError` (via `adapter.toError`) for failures the loop
   * should classify; anything else is rethrown unchanged and never retried.
   */
  readonly attempt: (node: Target, ctx: AttemptContext) => Promise<T>
  /** Called before each retry's backoff. */
  readonly onRetry?: (event: RetryEvent) => void
  /**
   * Called for every attempt that failed with a `ReplicaKitError`, retried or not (e.g. to mark the
   * node Unknown). `node` is the chosen node, or the error's when the driver routed.
   */
  readonly onAttemptFailed?: (node: NodeAddress | undefined, error: ReplicaKitError) => void
}

/**
 * The one retry loop: select → attempt → classify → back off → deprioritise the failed node → select
 * again, until the attempt succeeds, the error is not retryable, the retries are spent, or the deadline
 * or the caller's signal ends the call.
 *
 * p-retry drives it: it counts the attempts (`retries` = `maxRetries`), reports each failure
 * (`onFailedAttempt`: end the call if it must end, else remember the error and tell the client) and
 * asks whether to go on (`shouldRetry`: the error rules of `errors/classify.ts`, then the backoff).
 * Its own delay is off (`minTimeout` 0): it would sleep on the global timers with equal jitter, while
 * ours is full jitter on the injected {@link Clock}, aborted with the call and capped by the deadline,
 * so `shouldRetry` sleeps. Both callbacks end the call by throwing its final error, which p-retry
 * passes on: the loop's promise is p-retry's own.
 *
 * - Retries follow {@link isRetryAllowed}: reads on retryable errors if `retryReads`; writes if
 *   `retryWrites` and the call is idempotent or the error proves nothing was written.
 * - Failure reports {@link chooseReportedError} of the attempts' errors; for a write whose outcome may be
 *   unknown it carries `UnknownOutcome`. A selection failure on a retry reports the previous attempt's
 *   error (or, once the deadline has passed, ends the call as the deadline does, below).
 * - The deadline or an abort ends the call with a `TimeoutError` (`OPERATION_TIMEOUT` or `ABORTED`) whose
 *   `cause` is the last error. So does a backoff that would reach the deadline, without sleeping.
 * - An error from `select` or `attempt` that is not a `ReplicaKitError` (user code, programmer errors)
 *   is rethrown unchanged at once.
 *
 * The call's fixed cost is small, because most calls succeed at once: no timer of its own (one timer
 * per clock watches every call's deadline, see {@link CallScope}), a listener on the caller's signal
 * only when there is one, and an `AbortSignal` only if `select` or `attempt` reads `ctx.signal`.
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
  readonly #loop: { noteSending(sending: boolean): void }

  constructor(
    attempt: number,
    deprioritized: readonly NodeAddress[],
    scope: CallScope,
    loop: { noteSending(sending: boolean): void },
  ) {
    this.attempt = attempt
    this.deprioritized = deprioritized
    this.#scope = scope
    this.#loop = loop
    Object.freeze(this)
  }

  connecting(): void {
    this.#loop.noteSending(false)
  }

  sending(): void {
    this.#loop.noteSending(true)
  }

  get signal(): AbortSignal {
    return this.#scope.signal
  }

  remainingMS(): number {
    return this.#scope.remainingMS()
  }
}

/**
 * What ends the call at once, whatever retries are left: a selection failure, the caller's own error
 * (any value, `Error` or not). It travels to p-retry's `onFailedAttempt` in this box, which throws
 * `value` unchanged: p-retry would turn a thrown value that is not an `Error` into a `TypeError`.
 */
class EndCall extends Error {
  readonly value: unknown
  constructor(value: unknown) {
    super('the call ends with this value')
    this.value = value
  }
}

/** An attempt's rejection as the loop sees it: its own database errors as they are, the rest boxed. */
function boxForeign(error: unknown): unknown {
  return isReplicaKitError(error) ? error : new EndCall(error)
}

const NO_NODES: readonly NodeAddress[] = Object.freeze([])
const ALWAYS = (): boolean => true

/** One run of the loop. */
class RetryLoop<T> {
  readonly #call: RetryableCall<T>
  readonly #scope: CallScope
  /** Every failed attempt's error, in order. */
  readonly #errors: ReplicaKitError[] = []
  readonly #deprioritized: NodeAddress[] = []
  #attemptsStarted = 0
  /** A write attempt was cut off by the deadline or an abort: its outcome is unknown. */
  #attemptInFlight = false
  /** The node of the attempt running or last run. */
  #node: Target

  constructor(call: RetryableCall<T>, scope: CallScope) {
    this.#call = call
    this.#scope = scope
  }

  /**
   * p-retry's promise itself: every way the call can fail is thrown, final, from p-retry's
   * callbacks (`onFailedAttempt` ends the call, `shouldRetry` refuses a retry), so no frame of ours
   * waits on it (see docs/benchmarks.md).
   */
  run(): Promise<T> {
    const early = this.#scope.endReason
    if (early !== undefined) return Promise.reject(this.#ended(early))
    return pRetry(this.#input(), {
      retries: this.#call.policy.maxRetries,
      // p-retry's own delay is off: shouldRetry sleeps (see above).
      minTimeout: 0,
      maxTimeout: 0,
      factor: 2,
      randomize: false,
      maxRetryTime: Number.POSITIVE_INFINITY,
      shouldConsumeRetry: ALWAYS,
      onFailedAttempt: this.#onFailedAttempt(),
      shouldRetry: this.#shouldRetry(),
    })
  }

  // p-retry's callbacks. Each is returned by a method rather than written inline as a property
  // value: under tsx/esbuild's keepNames a function written as a property value costs a `__name`
  // helper call (a defineProperty) per call.

  #input(): (attemptNumber: number) => Promise<T> {
    return (attemptNumber) => this.#attempt(attemptNumber)
  }

  #onFailedAttempt(): (context: { readonly error: Error; readonly retriesLeft: number }) => void {
    return ({ error, retriesLeft }) => {
      this.#failed(error, retriesLeft)
    }
  }

  #shouldRetry(): (context: {
    readonly error: Error
    readonly attemptNumber: number
  }) => Promise<boolean> {
    return ({ error, attemptNumber }) => this.#retryAfter(error, attemptNumber)
  }

  /** What the attempt says of its request (see `AttemptContext.connecting`). */
  noteSending(sending: boolean): void {
    this.#attemptInFlight = sending
  }

  /**
   * One attempt: select, then run. Not an `async` function: a selection made at once (every
   * driver-routed call, most others) goes straight on to the attempt.
   */
  #attempt(attemptNumber: number): Promise<T> {
    const scope = this.#scope
    const ctx = new Attempt(
      attemptNumber,
      this.#deprioritized.length === 0 ? NO_NODES : Object.freeze([...this.#deprioritized]),
      scope,
      this,
    )
    let picked: Target | Promise<Target>
    try {
      scope.throwIfEnded()
      picked = this.#call.select(ctx)
    } catch (error) {
      return Promise.reject(new EndCall(this.#selectionFailed(error)))
    }
    if (picked === undefined || typeof picked === 'string') return this.#run(picked, ctx)
    return scope.race(picked).then(
      (node) => this.#run(node, ctx),
      (error: unknown) => {
        throw new EndCall(this.#selectionFailed(error))
      },
    )
  }

  /** Runs the attempt on `node`, cut off when the call ends (the deadline, an abort). */
  #run(node: Target, ctx: Attempt): Promise<T> {
    this.#node = node
    this.#attemptsStarted++
    this.#attemptInFlight = true
    const scope = this.#scope
    // Never start an attempt once the call has ended (a selection that outlived the deadline).
    const ended = scope.endError
    if (ended !== undefined) return Promise.reject(ended)
    return scope.race(
      settleAsPromise(() => this.#call.attempt(node, ctx)),
      boxForeign,
    )
  }

  /**
   * What a failed selection ends the call with. The first selection's error says no attempt was
   * made; a retry's reports the previous attempt's error instead (retryable-writes spec). A retry's
   * selection is bounded by the call's deadline too: when it gave up because the deadline passed,
   * the deadline ended the call, whichever of the two timers fired first.
   */
  #selectionFailed(error: unknown): unknown {
    const reason = this.#scope.endReason
    if (reason !== undefined) return this.#ended(reason)
    if (!isReplicaKitError(error)) return error
    // A selection that gave up at the deadline (its bound was the deadline) is the deadline's end:
    // the same code whichever of the two timers fired first, with the selection's reason as cause.
    if (this.#scope.remainingMS() <= 0) return this.#ended('deadline', error)
    return this.#errors.length === 0 ? error : this.#failure()
  }

  /**
   * p-retry's `onFailedAttempt`, after every failed attempt: the one place that ends the call when
   * it must end whatever the error rules say. It throws the value the call ends with (p-retry passes
   * it on): the boxed value of a selection failure or the caller's own error; the deadline's error
   * once the call has ended; with no retry left, the error {@link chooseReportedError} picks.
   * Otherwise it remembers the error and tells the caller, and `shouldRetry` decides.
   */
  #failed(error: Error, retriesLeft: number): void {
    if (error instanceof EndCall) throw error.value
    const reason = this.#scope.endReason
    // An attempt that ends with the call counts as in flight: a write's outcome is unknown.
    if (reason !== undefined) throw this.#ended(reason)
    this.#attemptInFlight = false
    if (!isReplicaKitError(error)) throw error // foreign errors come boxed (boxForeign)
    this.#errors.push(error)
    this.#call.onAttemptFailed?.(this.#node ?? error.node, error)
    if (retriesLeft <= 0) throw this.#failure()
  }

  /**
   * p-retry's `shouldRetry` (called while retries are left): classify the error (not retryable: the
   * call ends with the reported error), then back off (full jitter, on the clock, never past the
   * deadline) and deprioritise the failed node.
   */
  async #retryAfter(error: Error, attemptNumber: number): Promise<boolean> {
    const call = this.#call
    if (!isReplicaKitError(error)) throw error // never: #failed ends the call on these
    if (!isRetryAllowed(call, call.policy, error)) throw this.#failure()
    const node = this.#node ?? error.node
    if (node !== undefined && !this.#deprioritized.includes(node)) this.#deprioritized.push(node)
    const scope = this.#scope
    const leftMS = scope.remainingMS()
    const delayMS = fullJitterBackoffMS(attemptNumber - 1, {
      baseBackoffMS: call.policy.baseBackoffMS,
      maxBackoffMS: call.policy.maxBackoffMS,
      remainingMS: leftMS,
      random: call.random ?? Math.random,
    })
    // A retry that could only start at or after the deadline is not worth the wait.
    if (delayMS >= leftMS) throw this.#ended('deadline')
    call.onRetry?.(Object.freeze({ attempt: attemptNumber, node, error, delayMS }))
    try {
      if (delayMS > 0) await sleep(call.clock, delayMS, scope.signal)
    } catch {
      throw this.#ended(scope.endReason ?? 'aborted')
    }
    return true
  }

  #failure(): ReplicaKitError {
    const chosen = chooseReportedError(this.#errors)
    const unknown = this.#call.kind === 'write' && this.#errors.some(isUnknownOutcome)
    return unknown && !chosen.hasLabel(ErrorLabel.UnknownOutcome)
      ? chosen.withLabels(ErrorLabel.UnknownOutcome)
      : chosen
  }

  /**
   * The error of a call ended by its deadline or an abort. Its cause is the last attempt's error;
   * with no attempt made, `why` (e.g. the selection's reason) or the abort's cause.
   */
  #ended(reason: EndReason, why?: ReplicaKitError): TimeoutError {
    const errors = this.#errors
    const kind = this.#call.kind
    const cause =
      errors.length > 0 ? this.#failure() : reason === 'aborted' ? this.#scope.abortCause : why
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
}
