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
