import type { Clock } from './clock.js'

/**
 * Resolves after `ms`, or rejects with `signal.reason` as soon as `signal` aborts. The timer is
 * cleared on abort, so nothing is left behind.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal))
      return
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer)
      reject(abortReason(signal))
    }
    const timer = clock.setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      },
      Math.max(0, ms),
    )
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** The reason a signal aborted, as an `Error` (a bare `abort()` gives a DOMException, which is one). */
export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason
  if (reason instanceof Error) return reason
  return new Error(typeof reason === 'string' ? reason : 'aborted')
}
