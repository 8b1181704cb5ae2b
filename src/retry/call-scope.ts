import { ErrorCode } from '../errors/error-codes.js'
import { TimeoutError } from '../errors/errors.js'
import { abortReason } from '../util/abort.js'
import type { Clock, ClockTimer } from '../util/clock.js'

/** What ended a call: its deadline passed, or it was aborted (the caller's signal, or {@link CallScope.abort}). */
export type EndReason = 'deadline' | 'aborted'

/**
 * One call's deadline and abort state, shared by the retry loop and whoever owns the call (the
 * client keeps its calls' scopes so that `close()` can end them). It listens to the caller's
 * signal, if any, and its deadline is watched by one timer per clock for all scopes (see
 * {@link DeadlineQueue}), not one per call. Its {@link CallScope.signal} is made on first use, so a
 * call whose selection and attempt never wait costs no `AbortController`.
 *
 * ```ts
 * const scope = new CallScope(clock, clock.monotonicMS() + 5_000, callerSignal)
 * try {
 *   return await executeWithRetry({ ...call, deadlineMS: scope.deadlineMS, scope })
 * } finally {
 *   scope.dispose()
 * }
 * ```
 */
export class CallScope {
  /** The deadline, absolute, on `clock.monotonicMS()`; `Infinity` arms nothing. */
  readonly deadlineMS: number
  readonly #clock: Clock
  readonly #callerSignal: AbortSignal | undefined
  #onCallerAbort: (() => void) | undefined
  #deadline: DeadlineEntry | undefined
  #endReason: EndReason | undefined
  #endError: TimeoutError | undefined
  #abortCause: Error | undefined
  #controller: AbortController | undefined
  /** Rejects the pending {@link CallScope.race} (one at a time: the loop awaits each). */
  #racing: ((reason: unknown) => void) | undefined

  constructor(clock: Clock, deadlineMS: number, callerSignal?: AbortSignal) {
    this.#clock = clock
    this.deadlineMS = deadlineMS
    this.#callerSignal = callerSignal
    if (callerSignal !== undefined) {
      if (callerSignal.aborted) {
        this.#end('aborted', abortReason(callerSignal))
        return
      }
      this.#onCallerAbort = () => {
        this.#end('aborted', abortReason(callerSignal))
      }
      callerSignal.addEventListener('abort', this.#onCallerAbort, { once: true })
    }
    if (deadlineMS === Number.POSITIVE_INFINITY) return
    if (deadlineMS <= clock.monotonicMS()) this.#end('deadline')
    else
      this.#deadline = DeadlineQueue.of(clock).add(deadlineMS, () => {
        this.#end('deadline')
      })
  }

  /** Aborts when the call ends (deadline or abort); its `reason` is a `TimeoutError`. Made on first use. */
  get signal(): AbortSignal {
    let controller = this.#controller
    if (controller === undefined) {
      controller = new AbortController()
      this.#controller = controller
      if (this.#endError !== undefined) controller.abort(this.#endError)
    }
    return controller.signal
  }

  /** What ended the call, once something has. */
  get endReason(): EndReason | undefined {
    return this.#endReason
  }

  /** The error the call ended with (the signal's reason), once it has ended. */
  get endError(): TimeoutError | undefined {
    return this.#endError
  }

  /** What aborted the call: the caller's signal's reason, or what {@link CallScope.abort} was given. */
  get abortCause(): Error | undefined {
    return this.#abortCause
  }

  /** Throws the end error once the call has ended (a deadline or an abort). */
  throwIfEnded(): void {
    if (this.#endError !== undefined) throw this.#endError
  }

  /** Milliseconds left before the deadline (0 once it has passed). */
  remainingMS(): number {
    return Math.max(0, this.deadlineMS - this.#clock.monotonicMS())
  }

  /** Ends the call as aborted, with `cause` (e.g. the client was closed). No-op once ended. */
  abort(cause: Error): void {
    this.#end('aborted', cause)
  }

  /**
   * Settles with `promise`, or rejects with the end error as soon as the call ends (at once if it
   * has), so a selection or attempt that ignores the signal cannot hold the call past its deadline.
   * `promise`'s own rejection passes through `onRejected` first, when given (in the same step: no
   * promise of its own). The abandoned promise's late rejection is handled (dropped) here.
   */
  /* eslint-disable @typescript-eslint/prefer-promise-reject-errors -- settles with exactly what the
     callee gave, so user code's rejections come out unchanged */
  race<T>(promise: Promise<T>, onRejected?: (error: unknown) => unknown): Promise<T> {
    if (this.#endError !== undefined) {
      promise.catch(() => undefined)
      return Promise.reject(this.#endError)
    }
    return new Promise<T>((resolve, reject) => {
      this.#racing = reject
      promise.then(
        (value) => {
          if (this.#racing === reject) this.#racing = undefined
          resolve(value)
        },
        (error: unknown) => {
          if (this.#racing !== reject) return // the call ended first: already rejected
          this.#racing = undefined
          let reason = error
          try {
            if (onRejected !== undefined) reason = onRejected(error)
          } catch (thrown: unknown) {
            reason = thrown // never leave the race pending: the deadline no longer watches it
          }
          reject(reason)
        },
      )
    })
  }
  /* eslint-enable @typescript-eslint/prefer-promise-reject-errors */

  /** Stops watching the deadline and the caller's signal. Idempotent. */
  dispose(): void {
    if (this.#deadline !== undefined) {
      DeadlineQueue.of(this.#clock).remove(this.#deadline)
      this.#deadline = undefined
    }
    if (this.#onCallerAbort !== undefined) {
      this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort)
      this.#onCallerAbort = undefined
    }
  }

  #end(reason: EndReason, cause?: Error): void {
    if (this.#endReason !== undefined) return
    this.#endReason = reason
    this.#abortCause = cause
    const error = new TimeoutError(
      reason === 'aborted'
        ? "aborted by the caller's signal"
        : 'the call timed out: its deadline passed',
      {
        code: reason === 'aborted' ? ErrorCode.Aborted : ErrorCode.OperationTimeout,
        ...(reason === 'aborted' ? { cause } : {}),
      },
    )
    this.#endError = error
    this.dispose()
    this.#controller?.abort(error)
    const racing = this.#racing
    this.#racing = undefined
    racing?.(error)
  }
}

/** One deadline in a {@link DeadlineQueue}: a node of its list. */
interface DeadlineEntry {
  readonly dueMS: number
  readonly expire: () => void
  previous: DeadlineEntry | undefined
  next: DeadlineEntry | undefined
  queued: boolean
}

const QUEUES = new WeakMap<Clock, DeadlineQueue>()

/**
 * The deadlines of every live scope on one clock, in one list sorted by deadline, watched by one
 * clock timer set for the earliest. Calls mostly share one `timeoutMS`, so a new deadline goes at
 * the tail in O(1) and a finished call unlinks in O(1); a call that ends early leaves the timer as
 * it is (it fires, finds nothing due, and is set for the new earliest), so a timer is set about once
 * per `timeoutMS` instead of once per call. The timer is cleared when the list empties: an idle
 * client leaves none behind.
 */
class DeadlineQueue {
  readonly #clock: Clock
  #head: DeadlineEntry | undefined
  #tail: DeadlineEntry | undefined
  #timer: ClockTimer | undefined
  /** When the timer fires, on `clock.monotonicMS()`. */
  #timerDueMS = Number.POSITIVE_INFINITY

  constructor(clock: Clock) {
    this.#clock = clock
  }

  static of(clock: Clock): DeadlineQueue {
    let queue = QUEUES.get(clock)
    if (queue === undefined) {
      queue = new DeadlineQueue(clock)
      QUEUES.set(clock, queue)
    }
    return queue
  }

  add(dueMS: number, expire: () => void): DeadlineEntry {
    const entry: DeadlineEntry = {
      dueMS,
      expire,
      previous: undefined,
      next: undefined,
      queued: true,
    }
    let after = this.#tail
    while (after !== undefined && after.dueMS > dueMS) after = after.previous
    entry.previous = after
    entry.next = after === undefined ? this.#head : after.next
    if (entry.next === undefined) this.#tail = entry
    else entry.next.previous = entry
    if (after === undefined) this.#head = entry
    else after.next = entry
    if (dueMS < this.#timerDueMS) this.#arm(dueMS)
    return entry
  }

  remove(entry: DeadlineEntry): void {
    if (!entry.queued) return
    entry.queued = false
    if (entry.previous === undefined) this.#head = entry.next
    else entry.previous.next = entry.next
    if (entry.next === undefined) this.#tail = entry.previous
    else entry.next.previous = entry.previous
    entry.previous = undefined
    entry.next = undefined
    if (this.#head === undefined) this.#disarm()
  }

  #arm(dueMS: number): void {
    this.#disarm()
    this.#timerDueMS = dueMS
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined
        this.#timerDueMS = Number.POSITIVE_INFINITY
        this.#expireDue()
      },
      Math.max(0, dueMS - this.#clock.monotonicMS()),
    )
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerDueMS = Number.POSITIVE_INFINITY
  }

  #expireDue(): void {
    const nowMS = this.#clock.monotonicMS()
    let entry = this.#head
    while (entry !== undefined && entry.dueMS <= nowMS) {
      this.remove(entry)
      entry.expire()
      entry = this.#head
    }
    if (entry !== undefined && this.#timer === undefined) this.#arm(entry.dueMS)
  }
}
