/**
 * One helper for every bounded wait of the MySQL adapter (probe, acquire): races a promise against
 * a timer and an `AbortSignal`, and says what to do with work that finishes too late.
 */
import type { Clock } from '../../src/adapter.js'

/** What {@link bounded} does when the bound passes, the signal fires, or the work ends late. */
export interface BoundedHandlers<T> {
  /** The error for a passed bound. */
  readonly timeoutError: () => Error
  /** The error for a fired signal. */
  readonly abortError: () => Error
  /** Called once when the bound passes or the signal fires (e.g. cut the socket). */
  readonly cancel?: () => void
  /** Called with a value that arrived after the caller gave up (e.g. release the connection). */
  readonly late?: (value: T) => void
  /** Maps the work's own rejection. */
  readonly mapError?: (error: unknown) => Error
}

/**
 * Settles with `work` unless `timeoutMS` passes or `signal` fires first. The timer and the listener
 * are always removed, so nothing is left behind.
 */
export function bounded<T>(
  clock: Clock,
  options: { readonly timeoutMS: number; readonly signal?: AbortSignal | undefined },
  handlers: BoundedHandlers<T>,
  work: () => Promise<T>,
): Promise<T> {
  const { timeoutMS, signal } = options
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const settle = (): boolean => {
      if (settled) return false
      settled = true
      clock.clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      return true
    }
    const giveUp = (error: Error): void => {
      if (!settle()) return
      handlers.cancel?.()
      reject(error)
    }
    const onAbort = (): void => {
      giveUp(handlers.abortError())
    }
    const timer = clock.setTimeout(() => {
      giveUp(handlers.timeoutError())
    }, timeoutMS)
    if (signal?.aborted === true) {
      onAbort()
      return
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    work().then(
      (value) => {
        if (settle()) resolve(value)
        else handlers.late?.(value)
      },
      (error: unknown) => {
        if (!settle()) return
        const mapped = handlers.mapError?.(error) ?? error
        reject(mapped instanceof Error ? mapped : new Error(String(mapped)))
      },
    )
  })
}

/** What {@link runDetachableWait} needs besides the statement. */
export interface DetachableWaitOptions {
  readonly clock: Clock
  /** The server-side bound of the statement, ms. */
  readonly timeoutMS: number
  /** Extra time before a silent (hung) node's socket is cut, ms. */
  readonly graceMS: number
  /** After an abort, how long the statement may still finish and keep its connection, ms. */
  readonly abortGraceMS: number
  readonly signal?: AbortSignal | undefined
  /** Returns the connection (`destroy` when it is broken or must be cut). */
  readonly release: (destroy: boolean) => void
  readonly abortError: () => Error
  /** Maps the statement's rejection; `destroy` says whether the connection must go. */
  readonly mapError: (error: unknown) => { readonly error: Error; readonly destroy: boolean }
}

/**
 * Runs a read-only wait statement (`MASTER_GTID_WAIT`, `WAIT_FOR_EXECUTED_GTID_SET`) that the server
 * itself bounds by `timeoutMS`. Resolves with the statement's result, or `'hung'` when the node stayed
 * silent for `timeoutMS + graceMS` (its connection is then cut). On abort it rejects at once and
 * detaches: the statement may still finish within `abortGraceMS` and its connection go back to the
 * pool, else the connection is cut. Every path releases the connection exactly once.
 */
export function runDetachableWait<T>(
  options: DetachableWaitOptions,
  statement: () => Promise<T>,
): Promise<T | 'hung'> {
  const { clock, signal } = options
  return new Promise<T | 'hung'>((resolve, reject) => {
    let state: 'waiting' | 'done' | 'detached' = 'waiting'
    let released = false
    let abortTimer: ReturnType<Clock['setTimeout']> | undefined
    const release = (destroy: boolean): void => {
      if (released) return
      released = true
      if (abortTimer !== undefined) clock.clearTimeout(abortTimer)
      options.release(destroy)
    }
    const settle = (): boolean => {
      if (state !== 'waiting') return false
      state = 'done'
      clock.clearTimeout(guard)
      signal?.removeEventListener('abort', onAbort)
      return true
    }
    const guard = clock.setTimeout(() => {
      if (!settle()) return
      release(true)
      resolve('hung')
    }, options.timeoutMS + options.graceMS)
    const onAbort = (): void => {
      if (!settle()) return
      state = 'detached'
      abortTimer = clock.setTimeout(() => {
        release(true)
      }, options.abortGraceMS)
      reject(options.abortError())
    }
    if (signal?.aborted === true) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
    statement().then(
      (value) => {
        const waiting = settle()
        release(false)
        if (waiting) resolve(value)
      },
      (error: unknown) => {
        const waiting = settle()
        const mapped = options.mapError(error)
        release(mapped.destroy || !waiting)
        if (waiting) reject(mapped.error)
      },
    )
  })
}
