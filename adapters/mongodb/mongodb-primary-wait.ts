import type { Clock } from '../../src/adapter.js'

type ClockTimer = ReturnType<Clock['setTimeout']>

/** One write waiting for a primary. */
interface Waiter {
  readonly done: (found: boolean) => void
}

/**
 * Writes waiting for a primary to be known, woken each time the driver's monitoring pushes news
 * into the topology. Each wait is bounded by its own timer and the call's signal. @internal
 */
export class PrimaryWaiters {
  readonly #clock: Clock
  readonly #hasPrimary: () => boolean
  readonly #waiters = new Set<Waiter>()

  constructor(clock: Clock, hasPrimary: () => boolean) {
    this.#clock = clock
    this.#hasPrimary = hasPrimary
  }

  /** Resolves `true` once a primary is known, `false` when `timeoutMS` passes, the signal aborts or the adapter closes. */
  wait(timeoutMS: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.#hasPrimary()) return Promise.resolve(true)
    if (timeoutMS <= 0 || signal?.aborted === true) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      let timer: ClockTimer | undefined = undefined
      const onAbort = (): void => {
        waiter.done(false)
      }
      const waiter: Waiter = {
        done: (found) => {
          if (!this.#waiters.delete(waiter)) return
          if (timer !== undefined) this.#clock.clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          resolve(found)
        },
      }
      this.#waiters.add(waiter)
      timer = this.#clock.setTimeout(() => {
        waiter.done(false)
      }, timeoutMS)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Wakes the waiters if a primary is now known. */
  wake(): void {
    if (this.#waiters.size === 0 || !this.#hasPrimary()) return
    for (const waiter of [...this.#waiters]) waiter.done(true)
  }

  /** Ends every wait with `false` (the adapter closed). */
  closeAll(): void {
    for (const waiter of [...this.#waiters]) waiter.done(false)
  }
}
