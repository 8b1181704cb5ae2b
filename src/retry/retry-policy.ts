import { canRetryRead, canRetryWrite, isNoWritesPerformed } from '../errors/classify.js'
import { ConfigError, ErrorCode } from '../errors/errors.js'
import type { ReplicaKitError } from '../errors/errors.js'

/** What a call does to the data: a read may go to any node the read preference allows, a write to the primary. */
export type OperationKind = 'read' | 'write'

/** How the retry loop retries one call. Frozen; make one with {@link createRetryPolicy}. */
export interface RetryPolicy {
  /** Retry reads on retryable errors. User option `retryReads`. Default: `true`. */
  readonly retryReads: boolean
  /**
   * Retry writes at all. User option `retryWrites`. When `false`, no write is retried, not even an
   * idempotent one or one that failed with `NoWritesPerformed`. Default: `true`.
   */
  readonly retryWrites: boolean
  /** Retries after the first attempt (so at most `maxRetries + 1` attempts), bounded by the deadline too. Default: `1`. */
  readonly maxRetries: number
  /** Backoff ceiling before the first retry, ms; doubles per retry (full jitter). Default: `100`. */
  readonly baseBackoffMS: number
  /** Largest backoff ceiling, ms. Default: `5000`. */
  readonly maxBackoffMS: number
}

/**
 * The default retry policy: one retry, backoff ceiling 100 ms doubling up to 5 s. The
 * same values as the options table (`src/config/option-table.ts`), which the client uses.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  retryReads: true,
  retryWrites: true,
  maxRetries: 1,
  baseBackoffMS: 100,
  maxBackoffMS: 5_000,
})

/**
 * Makes a frozen {@link RetryPolicy} from {@link DEFAULT_RETRY_POLICY} and `overrides`. Throws a
 * `ConfigError` (`INVALID_OPTION`) naming the field when a number is negative, not an integer
 * (`maxRetries`) or not finite, or when `maxBackoffMS < baseBackoffMS`.
 */
export function createRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(overrides) }
  for (const key of ['maxRetries', 'baseBackoffMS', 'maxBackoffMS'] as const) {
    const value = policy[key]
    if (
      !Number.isFinite(value) ||
      value < 0 ||
      (key === 'maxRetries' && !Number.isInteger(value))
    ) {
      throw invalid(
        `${key}=${String(value)} must be a finite ${key === 'maxRetries' ? 'integer' : 'number'} ≥ 0`,
      )
    }
  }
  if (policy.maxBackoffMS < policy.baseBackoffMS) {
    throw invalid(
      `maxBackoffMS=${String(policy.maxBackoffMS)} must be ≥ baseBackoffMS=${String(policy.baseBackoffMS)}`,
    )
  }
  return Object.freeze(policy)
}

/** What {@link isRetryAllowed} needs to know about the call. */
export interface RetryRequest {
  readonly kind: OperationKind
  /** The caller marked the write safe to run twice. Writes only. Default: `false`. */
  readonly idempotent?: boolean
}

/**
 * Whether the policy lets a call that failed with `error` be retried (the retry budget and the
 * deadline are checked by the loop). Pure: the error rules live in `errors/classify.ts`.
 */
export function isRetryAllowed(
  request: RetryRequest,
  policy: RetryPolicy,
  error: ReplicaKitError,
): boolean {
  switch (request.kind) {
    case 'read':
      return policy.retryReads && canRetryRead(error)
    case 'write':
      return policy.retryWrites && canRetryWrite(error, { idempotent: request.idempotent === true })
    default: {
      const _exhaustive: never = request.kind
      return _exhaustive
    }
  }
}

function invalid(message: string): ConfigError {
  return new ConfigError(`invalid retry policy: ${message}`, { code: ErrorCode.InvalidOption })
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/**
 * The error a failed call reports, given every attempt's error in order: the last one that does not
 * prove "nothing written"; if all of them prove it, the first. So a retry's `NoWritesPerformed` never
 * hides an earlier attempt whose write may have been applied.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/retryable-writes/retryable-writes.md#executing-retryable-write-commands
 */
export function chooseReportedError(errors: readonly ReplicaKitError[]): ReplicaKitError {
  const first = errors[0]
  if (first === undefined) throw new RangeError('chooseReportedError needs at least one error')
  let chosen = first
  for (const error of errors.slice(1)) if (!isNoWritesPerformed(error)) chosen = error
  return chosen
}
