import cassandra from 'cassandra-driver'
import { describe, expect, it } from 'vitest'
import { mapCassandraError } from '../../../../adapters/cassandra/cassandra-errors.js'
import { canRetryRead, canRetryWrite, isUnknownOutcome } from '../../../../src/errors/classify.js'

const { errors, types } = cassandra

function response(code: number, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new errors.ResponseError(code, message), extra)
}

describe('mapCassandraError', () => {
  it('maps Unavailable to REPLICAS_UNAVAILABLE: nothing written, retryable', () => {
    const e = mapCassandraError(
      response(
        types.responseErrorCodes.unavailableException,
        'Cannot achieve consistency level LOCAL_QUORUM',
      ),
      undefined,
    )
    expect(e.code).toBe('REPLICAS_UNAVAILABLE')
    expect(e.nativeCode).toBe('0x1000')
    expect([...e.labels].sort()).toEqual(['NoWritesPerformed', 'RetryableRead', 'RetryableWrite'])
    expect(canRetryWrite(e, { idempotent: false })).toBe(true)
    expect(e.message).toMatch(/dataCenterFailover/)
  })

  it('maps WriteTimeout to an unknown outcome, retried only when idempotent', () => {
    const e = mapCassandraError(
      response(types.responseErrorCodes.writeTimeout, 'timeout', { writeType: 'SIMPLE' }),
      '127.0.0.1:9042',
    )
    expect(e.code).toBe('REPLICA_TIMEOUT')
    expect(e.node).toBe('127.0.0.1:9042')
    expect(isUnknownOutcome(e)).toBe(true)
    expect(canRetryWrite(e, { idempotent: false })).toBe(false)
    expect(canRetryWrite(e, { idempotent: true })).toBe(true)
  })

  it.for(['CAS', 'COUNTER'])(
    'never reruns a %s write after a WriteTimeout, even if idempotent',
    (writeType) => {
      const e = mapCassandraError(
        response(types.responseErrorCodes.writeTimeout, 'timeout', { writeType }),
        undefined,
      )
      expect(isUnknownOutcome(e)).toBe(true)
      expect(canRetryWrite(e, { idempotent: true })).toBe(false)
    },
  )

  it('maps ReadTimeout to a retryable read', () => {
    const e = mapCassandraError(
      response(types.responseErrorCodes.readTimeout, 'timeout'),
      undefined,
    )
    expect(e.code).toBe('REPLICA_TIMEOUT')
    expect(canRetryRead(e)).toBe(true)
  })

  it('maps a client-side timeout to SOCKET_TIMEOUT naming the coordinator', () => {
    const e = mapCassandraError(
      new errors.OperationTimedOutError('no answer', '127.0.0.2:9042'),
      undefined,
    )
    expect(e.code).toBe('SOCKET_TIMEOUT')
    expect(e.node).toBe('127.0.0.2:9042')
    expect(isUnknownOutcome(e)).toBe(true)
    expect(canRetryRead(e)).toBe(true)
  })

  it('maps NoHostAvailable to a network error that wrote nothing', () => {
    const e = mapCassandraError(
      new errors.NoHostAvailableError({ '127.0.0.1:9042': new Error('ECONNREFUSED') }),
      undefined,
    )
    expect(e.code).toBe('NETWORK_ERROR')
    expect(e.hasLabel('NoWritesPerformed')).toBe(true)
    expect(e.message).toContain('127.0.0.1:9042: ECONNREFUSED')
  })

  it('maps a syntax error to OPERATION_FAILED with the driver code, never retried', () => {
    const e = mapCassandraError(
      response(types.responseErrorCodes.syntaxError, 'line 1:0 no viable alternative'),
      undefined,
    )
    expect(e.code).toBe('OPERATION_FAILED')
    expect(e.nativeCode).toBe('0x2000')
    expect(canRetryRead(e)).toBe(false)
  })

  /** A Node TLS failure as `tls.connect` reports it. */
  function tlsFailure(code: string, message: string): Error {
    return Object.assign(new Error(message), { code })
  }

  it.for([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'TLS_CERTIFICATE_INVALID'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS_HOSTNAME_MISMATCH'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'TLS_HANDSHAKE_FAILED'],
  ] as const)(
    'maps a %s inside NoHostAvailable to %s naming that host, never retried',
    ([nodeCode, code]) => {
      const e = mapCassandraError(
        new errors.NoHostAvailableError({
          '127.0.0.1:9042': new Error('connect ECONNREFUSED'),
          '127.0.0.2:9042': tlsFailure(nodeCode, 'handshake failed'),
        }),
        undefined,
      )
      expect(e.name).toBe('TlsError')
      expect(e.code).toBe(code)
      expect(e.node).toBe('127.0.0.2:9042')
      expect(canRetryRead(e)).toBe(false)
      expect(canRetryWrite(e, { idempotent: true })).toBe(false)
    },
  )

  it('maps refused credentials inside NoHostAvailable to AUTHENTICATION_FAILED, not a network error', () => {
    const e = mapCassandraError(
      new errors.NoHostAvailableError({
        '127.0.0.1:9042': new Error('connect ECONNREFUSED'),
        '127.0.0.5:9042': new errors.AuthenticationError(
          'Provided username app and/or password are incorrect (s3cr3t-pw)',
        ),
      }),
      undefined,
      { password: 's3cr3t-pw' },
    )
    expect(e.name).toBe('ConfigError')
    expect(e.code).toBe('AUTHENTICATION_FAILED')
    expect(e.node).toBe('127.0.0.5:9042')
    expect(e.hasLabel('NoWritesPerformed')).toBe(true)
    expect(canRetryRead(e)).toBe(false)
    expect(e.message).toContain('password are incorrect')
    expect(e.message).not.toContain('s3cr3t-pw')
  })

  it('never shows the password', () => {
    const e = mapCassandraError(
      new errors.AuthenticationError('bad login app/s3cr3t-pw'),
      undefined,
      { password: 's3cr3t-pw' },
    )
    expect(e.code).toBe('AUTHENTICATION_FAILED')
    expect(e.message).not.toContain('s3cr3t-pw')
  })
})
