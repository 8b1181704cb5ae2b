import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoWriteConcernError,
} from 'mongodb'
import { describe, expect, it } from 'vitest'
import { mapMongoError } from '../../../../adapters/mongodb/mongodb-errors.js'
import {
  canRetryRead,
  canRetryWrite,
  isNodeStateChange,
  isUnknownOutcome,
} from '../../../../src/errors/classify.js'
import { ErrorCode, ErrorLabel } from '../../../../src/adapter.js'

function serverError(code: number, labels: string[] = []): MongoServerError {
  return new MongoServerError({ ok: 0, code, errmsg: `code ${String(code)}`, errorLabels: labels })
}

describe('mapMongoError', () => {
  it('maps duplicate key 11000 to DUPLICATE_KEY with the native code', () => {
    const e = mapMongoError(serverError(11000), '127.0.0.1:27017')
    expect(e).toMatchObject({
      name: 'OperationError',
      code: ErrorCode.DuplicateKey,
      nativeCode: 11000,
    })
    expect(e.node).toBe('127.0.0.1:27017')
    expect(canRetryWrite(e, { idempotent: true })).toBe(false)
  })

  it('maps a bulk write error by its first write error', () => {
    const bulk = new MongoBulkWriteError({ message: 'E11000', code: 11000, writeErrors: [] }, {
      insertedCount: 0,
      writeErrors: [{ code: 11000 }],
    } as never)
    expect(mapMongoError(bulk)).toMatchObject({ code: ErrorCode.DuplicateKey, nativeCode: 11000 })
  })

  it('maps not-primary codes with their labels: retryable, a state change, a write retried only when safe', () => {
    const e = mapMongoError(serverError(10107, ['RetryableWriteError']))
    expect(e).toMatchObject({
      name: 'NodeStateError',
      code: ErrorCode.NotPrimary,
      nativeCode: 10107,
    })
    expect(e.hasLabel(ErrorLabel.RetryableWrite)).toBe(true)
    expect(isNodeStateChange(e)).toBe(true)
    expect(canRetryRead(e)).toBe(true)
    expect(canRetryWrite(e, { idempotent: false })).toBe(false)
    expect(canRetryWrite(e.withLabels(ErrorLabel.NoWritesPerformed), { idempotent: false })).toBe(
      true,
    )
    for (const code of [13435, 189])
      expect(mapMongoError(serverError(code)).code).toBe(ErrorCode.NotPrimary)
    for (const code of [91, 11600, 11602, 13436])
      expect(mapMongoError(serverError(code)).code).toBe(ErrorCode.NodeRecovering)
  })

  it('carries the driver NoWritesPerformed label', () => {
    const e = mapMongoError(serverError(91, ['RetryableWriteError', 'NoWritesPerformed']))
    expect(e.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(true)
    expect(canRetryWrite(e, { idempotent: false })).toBe(true)
  })

  it('maps a write concern error 64 to WRITE_CONCERN_TIMEOUT, never retried', () => {
    const wce = new MongoWriteConcernError({
      writeConcernError: {
        code: 64,
        errmsg: 'waiting for replication timed out',
        errInfo: { wtimeout: true },
      },
    } as never)
    const e = mapMongoError(wce)
    expect(e).toMatchObject({
      name: 'WriteConcernError',
      code: ErrorCode.WriteConcernTimeout,
      nativeCode: 64,
    })
    expect(canRetryWrite(e, { idempotent: true })).toBe(false)
    expect(mapMongoError(serverError(100)).code).toBe(ErrorCode.WriteConcernUnsatisfiable)
  })

  it('maps network errors: after sending the outcome is unknown, while opening nothing was sent', () => {
    const lost = mapMongoError(new MongoNetworkError('connection closed'))
    expect(lost).toMatchObject({ name: 'NetworkError', code: ErrorCode.NetworkError })
    expect(isUnknownOutcome(lost)).toBe(true)
    expect(canRetryRead(lost)).toBe(true)
    expect(canRetryWrite(lost, { idempotent: false })).toBe(false)
    const refused = new MongoNetworkError('connect ECONNREFUSED')
    refused.addErrorLabel('SystemOverloadedError')
    const e = mapMongoError(refused)
    expect(e.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(true)
    expect(canRetryWrite(e, { idempotent: false })).toBe(true)
    const timeout = mapMongoError(new MongoNetworkTimeoutError('timed out'))
    expect(timeout).toMatchObject({ name: 'TimeoutError', code: ErrorCode.SocketTimeout })
    const handshake = new MongoNetworkTimeoutError('timed out')
    handshake.addErrorLabel('HandshakeError')
    expect(mapMongoError(handshake).code).toBe(ErrorCode.ConnectTimeout)
  })

  it('maps a server selection failure to SERVER_SELECTION_TIMEOUT with NoWritesPerformed', () => {
    const e = mapMongoError(new MongoServerSelectionError('no primary', {} as never))
    expect(e).toMatchObject({
      name: 'ServerSelectionError',
      code: ErrorCode.ServerSelectionTimeout,
    })
    expect(e.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(true)
  })

  it('maps other server errors to OPERATION_FAILED and authentication to AUTHENTICATION_FAILED', () => {
    expect(mapMongoError(serverError(2))).toMatchObject({
      code: ErrorCode.OperationFailed,
      nativeCode: 2,
    })
    expect(mapMongoError(serverError(18)).code).toBe(ErrorCode.AuthenticationFailed)
    expect(mapMongoError(serverError(50)).code).toBe(ErrorCode.OperationTimeout)
  })

  it("gives the caller's own errors INTERNAL (the client rethrows them unchanged)", () => {
    const own = new TypeError('oops')
    expect(mapMongoError(own)).toMatchObject({ code: ErrorCode.Internal, cause: own })
    expect(mapMongoError('text').code).toBe(ErrorCode.Internal)
  })
})
