import { describe, expect, it } from 'vitest'
import { ErrorCode, ErrorLabel } from '../../../src/errors/error-codes.js'
import { ConfigError, ReplicaKitError } from '../../../src/errors/errors.js'
import {
  chooseReportedError,
  createRetryPolicy,
  DEFAULT_RETRY_POLICY,
  isRetryAllowed,
} from '../../../src/retry/retry-policy.js'

function err(code: ErrorCode, ...labels: ErrorLabel[]): ReplicaKitError {
  return new ReplicaKitError(`test ${code}`, { code, labels })
}

describe('createRetryPolicy', () => {
  it('fills defaults and freezes the result', () => {
    const policy = createRetryPolicy({ maxRetries: 4, baseBackoffMS: undefined })
    expect(policy).toEqual({ ...DEFAULT_RETRY_POLICY, maxRetries: 4 })
    expect(Object.isFrozen(policy)).toBe(true)
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY)).toBe(true)
  })

  it.for([
    [{ maxRetries: -1 }, 'maxRetries=-1'],
    [{ maxRetries: 1.5 }, 'maxRetries=1.5'],
    [{ baseBackoffMS: Number.NaN }, 'baseBackoffMS=NaN'],
    [{ maxBackoffMS: Number.POSITIVE_INFINITY }, 'maxBackoffMS=Infinity'],
    [{ baseBackoffMS: 500, maxBackoffMS: 100 }, 'maxBackoffMS=100 must be ≥ baseBackoffMS=500'],
  ] as const)('rejects %o with a ConfigError naming the field', ([overrides, text]) => {
    let thrown: unknown
    try {
      createRetryPolicy(overrides)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    expect((thrown as ConfigError).code).toBe(ErrorCode.InvalidOption)
    expect((thrown as ConfigError).message).toContain(text)
  })
})

describe('isRetryAllowed', () => {
  const policy = createRetryPolicy()

  it('retries reads on retryable errors unless retryReads is false', () => {
    expect(isRetryAllowed({ kind: 'read' }, policy, err(ErrorCode.NetworkError))).toBe(true)
    expect(isRetryAllowed({ kind: 'read' }, policy, err(ErrorCode.DuplicateKey))).toBe(false)
    const off = createRetryPolicy({ retryReads: false })
    expect(isRetryAllowed({ kind: 'read' }, off, err(ErrorCode.NetworkError))).toBe(false)
  })

  it('retries an idempotent write, and none when retryWrites is false', () => {
    const e = err(ErrorCode.NetworkError)
    expect(isRetryAllowed({ kind: 'write', idempotent: true }, policy, e)).toBe(true)
    expect(isRetryAllowed({ kind: 'write' }, policy, e)).toBe(false)
    const off = createRetryPolicy({ retryWrites: false })
    expect(isRetryAllowed({ kind: 'write', idempotent: true }, off, e)).toBe(false)
    const unwritten = err(ErrorCode.NotPrimary, ErrorLabel.NoWritesPerformed)
    expect(isRetryAllowed({ kind: 'write' }, off, unwritten)).toBe(false)
  })

  it('never allows re-running a non-idempotent write on a RetryableWrite label with an unknown outcome', () => {
    const e = err(ErrorCode.NetworkError, ErrorLabel.RetryableWrite)
    expect(isRetryAllowed({ kind: 'write' }, policy, e)).toBe(false)
    expect(isRetryAllowed({ kind: 'write', idempotent: true }, policy, e)).toBe(true)
  })
})

describe('chooseReportedError', () => {
  const nwp = (code: ErrorCode): ReplicaKitError => err(code, ErrorLabel.NoWritesPerformed)

  it('reports the last error that does not prove nothing was written', () => {
    const a = err(ErrorCode.NetworkError)
    const b = nwp(ErrorCode.NotPrimary)
    expect(chooseReportedError([a, b])).toBe(a)
    const c = err(ErrorCode.SocketTimeout)
    expect(chooseReportedError([a, b, c, nwp(ErrorCode.NodeRecovering)])).toBe(c)
  })

  it('reports the first error when all of them prove nothing was written', () => {
    const first = nwp(ErrorCode.NotPrimary)
    expect(
      chooseReportedError([first, nwp(ErrorCode.NodeRecovering), err(ErrorCode.ConnectTimeout)]),
    ).toBe(first)
  })

  it('reports a later error over an earlier NoWritesPerformed one', () => {
    const later = err(ErrorCode.NetworkError)
    expect(chooseReportedError([nwp(ErrorCode.NotPrimary), later])).toBe(later)
  })

  it('refuses an empty list', () => {
    expect(() => chooseReportedError([])).toThrow(RangeError)
  })
})

describe('createRetryPolicy: fractional backoffs', () => {
  it('accepts fractional backoff bounds (only maxRetries must be an integer)', () => {
    expect(createRetryPolicy({ baseBackoffMS: 12.5, maxBackoffMS: 100.5 })).toMatchObject({
      baseBackoffMS: 12.5,
      maxBackoffMS: 100.5,
    })
  })
})
