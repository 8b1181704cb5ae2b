import { describe, expect, it } from 'vitest'
import {
  ErrorCode,
  NetworkError,
  ReplicaKitError,
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
