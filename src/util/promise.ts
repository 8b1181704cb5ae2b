/**
 * Runs `fn` and returns its promise; a synchronous throw comes back as a rejection with exactly
 * what was thrown (any value, as user code may throw one). For the call path's functions that are
 * not `async` (see docs/benchmarks.md): they still never throw at their caller.
 */
export function settleAsPromise<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error: unknown) {
    return rejected(error)
  }
}

/** A promise rejected with exactly `error` (any value: what user code threw comes out unchanged). */
export function rejected(error: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what was thrown, unchanged
  return Promise.reject(error)
}
