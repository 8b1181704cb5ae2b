import { describe, expect, it } from 'vitest'
import {
  canRetryRead,
  canRetryWrite,
  isNodeStateChange,
  isNoWritesPerformed,
  isUnknownOutcome,
  toReplicaKitError,
} from '../../../src/errors/classify.js'
import { ErrorCode, ErrorLabel } from '../../../src/errors/error-codes.js'
import { isReplicaKitError, ReplicaKitError } from '../../../src/errors/errors.js'

const ALL_CODES = Object.values(ErrorCode)

function err(code: ErrorCode, ...labels: ErrorLabel[]): ReplicaKitError {
  return new ReplicaKitError(`test ${code}`, { code, labels, node: 'a:1' })
}

const RETRYABLE_READ: ErrorCode[] = [
  ErrorCode.NetworkError,
  ErrorCode.SocketTimeout,
  ErrorCode.ConnectTimeout,
  ErrorCode.NotPrimary,
  ErrorCode.NodeRecovering,
  ErrorCode.CausalWaitTimeout,
]
const TRANSIENT_WRITE: ErrorCode[] = [
  ErrorCode.NetworkError,
  ErrorCode.SocketTimeout,
  ErrorCode.ConnectTimeout,
  ErrorCode.NotPrimary,
  ErrorCode.NodeRecovering,
]
const NEVER: ErrorCode[] = [
  ErrorCode.OperationTimeout,
  ErrorCode.Aborted,
  ErrorCode.ClientClosed,
  ErrorCode.InvalidUri,
  ErrorCode.InvalidOption,
  ErrorCode.ConflictingOptions,
  ErrorCode.UnsupportedBackend,
  ErrorCode.DriverMissing,
  ErrorCode.NotSupported,
  ErrorCode.AuthenticationFailed,
  ErrorCode.SplitBrain,
  ErrorCode.WriteConcernTimeout,
  ErrorCode.WriteConcernUnsatisfiable,
  ErrorCode.Internal,
]

describe('canRetryRead', () => {
  it.for(ALL_CODES)('decides %s by the retryable-read code set', (code) => {
    expect(canRetryRead(err(code))).toBe(RETRYABLE_READ.includes(code))
  })

  it('retries any other code an adapter labelled RetryableRead', () => {
    expect(canRetryRead(err(ErrorCode.OperationFailed))).toBe(false)
    expect(canRetryRead(err(ErrorCode.OperationFailed, ErrorLabel.RetryableRead))).toBe(true)
  })

  it.for(NEVER)('never retries %s, even when labelled RetryableRead', (code) => {
    expect(canRetryRead(err(code, ErrorLabel.RetryableRead))).toBe(false)
  })
})

describe('canRetryWrite', () => {
  const plain = { idempotent: false, retryableWrites: false }

  it.for(ALL_CODES)('never retries a non-idempotent write failing with bare %s', (code) => {
    expect(canRetryWrite(err(code), plain)).toBe(code === ErrorCode.ConnectTimeout)
  })

  it.for(ALL_CODES)('retries an idempotent write on %s only when transient', (code) => {
    expect(canRetryWrite(err(code), { ...plain, idempotent: true })).toBe(
      TRANSIENT_WRITE.includes(code),
    )
  })

  it.for(TRANSIENT_WRITE)('retries a non-idempotent write on %s with NoWritesPerformed', (code) => {
    expect(canRetryWrite(err(code, ErrorLabel.NoWritesPerformed), plain)).toBe(true)
  })

  it('does not retry a proven-unwritten write whose error no retry can fix', () => {
    expect(canRetryWrite(err(ErrorCode.DuplicateKey, ErrorLabel.NoWritesPerformed), plain)).toBe(
      false,
    )
    expect(canRetryWrite(err(ErrorCode.SplitBrain, ErrorLabel.NoWritesPerformed), plain)).toBe(
      false,
    )
  })

  it('never re-runs a non-idempotent write on a RetryableWrite label alone: a re-run is a new operation', () => {
    // The driver's own retryable-write protocol (same txnNumber) is not the core's to repeat.
    const e = err(ErrorCode.NetworkError, ErrorLabel.RetryableWrite)
    expect(canRetryWrite(e, plain)).toBe(false)
    const other = err(ErrorCode.OperationFailed, ErrorLabel.RetryableWrite)
    expect(canRetryWrite(other, plain)).toBe(false)
    // … but the label still says "transient": idempotent or proven unwritten, it is re-run.
    expect(canRetryWrite(other, { idempotent: true })).toBe(true)
    const unwritten = err(
      ErrorCode.OperationFailed,
      ErrorLabel.RetryableWrite,
      ErrorLabel.NoWritesPerformed,
    )
    expect(canRetryWrite(unwritten, plain)).toBe(true)
  })

  it('does not retry a network error whose outcome is unknown, labelled or not', () => {
    expect(canRetryWrite(err(ErrorCode.NetworkError), plain)).toBe(false)
    expect(canRetryWrite(err(ErrorCode.NetworkError, ErrorLabel.UnknownOutcome), plain)).toBe(false)
  })

  it('never retries a write concern error: the write was applied', () => {
    const e = err(ErrorCode.WriteConcernTimeout, ErrorLabel.RetryableWrite)
    expect(canRetryWrite(e, { idempotent: true })).toBe(false)
  })
})

describe('isNoWritesPerformed', () => {
  it('reads the label, and a connect timeout implies it', () => {
    expect(isNoWritesPerformed(err(ErrorCode.NotPrimary))).toBe(false)
    expect(isNoWritesPerformed(err(ErrorCode.NotPrimary, ErrorLabel.NoWritesPerformed))).toBe(true)
    expect(isNoWritesPerformed(err(ErrorCode.ConnectTimeout))).toBe(true)
  })
})

describe('isNodeStateChange', () => {
  const STATE: ErrorCode[] = [
    ErrorCode.NotPrimary,
    ErrorCode.NodeRecovering,
    ErrorCode.NetworkError,
  ]
  it.for(ALL_CODES)('decides %s by the node-state-change code set', (code) => {
    expect(isNodeStateChange(err(code))).toBe(STATE.includes(code))
  })

  it('follows the NodeStateChange label', () => {
    expect(isNodeStateChange(err(ErrorCode.OperationFailed, ErrorLabel.NodeStateChange))).toBe(true)
  })

  it('does not mark a node Unknown on a timeout (a busy pool or slow query), unless labelled', () => {
    expect(isNodeStateChange(err(ErrorCode.SocketTimeout))).toBe(false)
    expect(isNodeStateChange(err(ErrorCode.ConnectTimeout))).toBe(false)
    expect(isNodeStateChange(err(ErrorCode.ConnectTimeout, ErrorLabel.NodeStateChange))).toBe(true)
  })
})

describe('isUnknownOutcome', () => {
  const UNKNOWN: ErrorCode[] = [
    ErrorCode.NetworkError,
    ErrorCode.SocketTimeout,
    ErrorCode.OperationTimeout,
    ErrorCode.Aborted,
  ]
  it.for(ALL_CODES)('decides %s by the unknown-outcome code set', (code) => {
    expect(isUnknownOutcome(err(code))).toBe(UNKNOWN.includes(code))
  })

  it('follows the UnknownOutcome label', () => {
    expect(isUnknownOutcome(err(ErrorCode.OperationFailed, ErrorLabel.UnknownOutcome))).toBe(true)
  })

  it('is false when the error proves nothing was written', () => {
    expect(isUnknownOutcome(err(ErrorCode.NetworkError, ErrorLabel.NoWritesPerformed))).toBe(false)
  })

  it('is false for a write concern error: the write is known to be applied', () => {
    expect(isUnknownOutcome(err(ErrorCode.WriteConcernTimeout))).toBe(false)
  })
})

describe('toReplicaKitError', () => {
  it('returns a ReplicaKit error unchanged', () => {
    const e = err(ErrorCode.NotPrimary)
    expect(toReplicaKitError(e)).toBe(e)
  })

  it('wraps anything else as INTERNAL, keeping it as cause, and never retries it', () => {
    const original = new TypeError('conn.qurey is not a function')
    const wrapped = toReplicaKitError(original, 'db1:3306')
    expect(isReplicaKitError(wrapped)).toBe(true)
    expect(wrapped.code).toBe(ErrorCode.Internal)
    expect(wrapped.cause).toBe(original)
    expect(wrapped.node).toBe('db1:3306')
    expect(wrapped.message).toContain('TypeError: conn.qurey is not a function')
    expect(wrapped.message).toContain('db1:3306')
    expect(canRetryRead(wrapped)).toBe(false)
    expect(canRetryWrite(wrapped, { idempotent: true })).toBe(false)
  })

  it('wraps a non-Error value', () => {
    const wrapped = toReplicaKitError('boom')
    expect(wrapped.code).toBe(ErrorCode.Internal)
    expect(wrapped.cause).toBe('boom')
    expect(wrapped.node).toBeUndefined()
  })

  it('redacts a password in the wrapped message', () => {
    const wrapped = toReplicaKitError(new Error('cannot reach mysql://app:hunter2@db1/shop'))
    expect(wrapped.message).not.toContain('hunter2')
  })
})
