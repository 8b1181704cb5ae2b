import { describe, expect, it } from 'vitest'
import { inspect } from 'node:util'
import {
  ClientClosedError,
  ConfigError,
  ErrorCode,
  NetworkError,
  NodeStateError,
  OperationError,
  ReplicaKitError,
  ServerSelectionError,
  TimeoutError,
  TlsError,
  WriteConcernError,
  isReplicaKitError,
} from '../../../src/errors/errors.js'

describe('ReplicaKitError', () => {
  it('keeps its brand, class, code and message when labels are added', () => {
    const original = new NetworkError('lost 10.0.0.1:3306', {
      code: ErrorCode.NetworkError,
      node: '10.0.0.1:3306',
      cause: new Error('ECONNRESET'),
    })
    const labelled = original.withLabels('NoWritesPerformed')
    expect(isReplicaKitError(labelled)).toBe(true)
    expect(labelled).toBeInstanceOf(NetworkError)
    expect(labelled.code).toBe(ErrorCode.NetworkError)
    expect(labelled.message).toBe('lost 10.0.0.1:3306')
    expect(labelled.node).toBe('10.0.0.1:3306')
    expect(labelled.cause).toBe(original.cause)
    expect([...labelled.labels]).toEqual(['NoWritesPerformed'])
    expect(original.labels.size).toBe(0)
  })

  it('is recognised by brand even from another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), {})
    Object.defineProperty(foreign, Symbol.for('replicakit.error'), { value: true })
    expect(isReplicaKitError(foreign)).toBe(true)
    expect(isReplicaKitError(new Error('plain'))).toBe(false)
    expect(isReplicaKitError(null)).toBe(false)
  })

  it('redacts a password in any connection string in its message', () => {
    const e = new ReplicaKitError('cannot reach mysql://app:hunter2@db1:3306/shop', {
      code: ErrorCode.NetworkError,
    })
    expect(e.message).not.toContain('hunter2')
    expect(e.message).toContain('mysql://app:*****@db1:3306/shop')
  })
})

describe('every error class', () => {
  it.each([
    ReplicaKitError,
    ConfigError,
    NetworkError,
    TimeoutError,
    NodeStateError,
    ServerSelectionError,
    WriteConcernError,
    OperationError,
    ClientClosedError,
    TlsError,
  ])('%o is named after its class (what stack traces and logs show)', (ErrorClass) => {
    const error = new ErrorClass('m', { code: ErrorCode.Internal })
    expect(error.name).toBe(ErrorClass.name)
    expect(String(error)).toBe(`${ErrorClass.name}: m`)
  })
})

describe('an error without a cause', () => {
  it('has no cause property at all (nothing extra in logs)', () => {
    const error = new NetworkError('lost', { code: ErrorCode.NetworkError })
    expect(Object.hasOwn(error, 'cause')).toBe(false)
    expect(inspect(error)).not.toContain('[cause]')
    expect(Object.hasOwn(error.withLabels('RetryableRead'), 'cause')).toBe(false)
  })
})

describe('withLabels', () => {
  it("gives a copy whose message, stack and cause behave as the original's: hidden from keys and JSON, writable, same values", () => {
    const original = new TimeoutError('slow', {
      code: ErrorCode.SocketTimeout,
      cause: new Error('ETIMEDOUT'),
    })
    const copy = original.withLabels('UnknownOutcome')
    for (const key of ['message', 'stack', 'cause'] as const) {
      const mine = Object.getOwnPropertyDescriptor(original, key)
      const theirs = Object.getOwnPropertyDescriptor(copy, key)
      expect(theirs?.value, key).toBe(mine?.value)
      expect(theirs?.enumerable, key).toBe(mine?.enumerable)
    }
    expect(Object.keys(copy)).toEqual(Object.keys(original))
    expect(JSON.stringify(copy)).not.toContain('slow')
    expect(Object.keys(copy)).toContain('labels')
    copy.message = 'changed'
    copy.stack = 'changed stack'
    expect([copy.message, copy.stack]).toEqual(['changed', 'changed stack'])
    expect(original.message).toBe('slow')
  })
})
