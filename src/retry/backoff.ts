/** Options of {@link fullJitterBackoffMS}. */
export interface BackoffOptions {
  /** The ceiling of the first retry's delay, ms; it doubles with each retry. */
  readonly baseBackoffMS: number
  /** The largest ceiling, ms. */
  readonly maxBackoffMS: number
  /** Time left before the call's deadline, ms; no delay is longer. Default: no bound. */
  readonly remainingMS?: number
  /** A uniform random number in `[0, 1)`. Default: `Math.random`. Injected by tests. */
  readonly random?: () => number
}

/**
 * The ceiling of the delay before retry number `retryIndex` (0 for the first retry):
 * `min(maxBackoffMS, baseBackoffMS * 2 ** retryIndex)`, in ms.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffCeilingMS(
  retryIndex: number,
  baseBackoffMS: number,
  maxBackoffMS: number,
): number {
  const index = Math.max(0, Math.floor(retryIndex))
  // 2 ** index overflows to Infinity for large indexes; Math.min keeps the cap.
  return Math.max(0, Math.min(maxBackoffMS, baseBackoffMS * 2 ** index))
}

/**
 * The delay before retry number `retryIndex` (0 for the first retry), in ms: "full jitter",
 * `random() * min(maxBackoffMS, baseBackoffMS * 2 ** retryIndex)`, and never more than the time left
 * before the deadline. Pure apart from `random`.
 *
 * ```ts
 * fullJitterBackoffMS(2, { baseBackoffMS: 100, maxBackoffMS: 10_000 }) // uniform in [0, 400)
 * ```
 *
 * @see https://github.com/mongodb/node-mongodb-native/blob/main/src/operations/execute_operation.ts (`Math.random() * Math.min(10_000, 100 * 2 ** attempt)`)
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function fullJitterBackoffMS(retryIndex: number, options: BackoffOptions): number {
  const ceilingMS = backoffCeilingMS(retryIndex, options.baseBackoffMS, options.maxBackoffMS)
  // Clamp a misbehaving random source into [0, 1] so the delay stays within [0, ceiling].
  const r = Math.min(1, Math.max(0, (options.random ?? Math.random)()))
  const delayMS = r * ceilingMS
  const remainingMS = Math.max(0, options.remainingMS ?? Number.POSITIVE_INFINITY)
  return Math.min(delayMS, remainingMS)
}
