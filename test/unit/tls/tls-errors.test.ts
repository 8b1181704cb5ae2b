import { describe, expect, it } from 'vitest'
import {
  canRetryRead,
  canRetryWrite,
  isConfigurationRefused,
} from '../../../src/errors/classify.js'
import { ErrorCode, TlsError } from '../../../src/errors/errors.js'
import { tlsError, tlsErrorFrom } from '../../../src/tls/tls-errors.js'

function nodeError(code: string, message = `tls failure ${code}`): Error {
  return Object.assign(new Error(message), { code })
}

describe('tlsErrorFrom', () => {
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', ErrorCode.TlsCertificateInvalid],
    ['SELF_SIGNED_CERT_IN_CHAIN', ErrorCode.TlsCertificateInvalid],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', ErrorCode.TlsCertificateInvalid],
    ['CERT_HAS_EXPIRED', ErrorCode.TlsCertificateInvalid],
    ['ERR_TLS_CERT_ALTNAME_INVALID', ErrorCode.TlsHostnameMismatch],
    ['ERR_SSL_WRONG_VERSION_NUMBER', ErrorCode.TlsHandshakeFailed],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', ErrorCode.TlsHandshakeFailed],
  ])('maps Node code %s to %s, naming the node', (code, expected) => {
    const error = tlsErrorFrom(nodeError(code), '127.0.0.1:3306')
    expect(error).toBeInstanceOf(TlsError)
    expect(error?.code).toBe(expected)
    expect(error?.node).toBe('127.0.0.1:3306')
    expect(error?.message).toContain('127.0.0.1:3306')
    expect(error?.message).toContain(`tls failure ${code}`)
  })

  it('says what to do in each message', () => {
    expect(tlsErrorFrom(nodeError('CERT_HAS_EXPIRED'), 'h:1')?.message).toMatch(
      /could not be verified .*tlsCAFile/,
    )
    expect(tlsErrorFrom(nodeError('ERR_TLS_CERT_ALTNAME_INVALID'), 'h:1')?.message).toMatch(
      /does not name that host.*tlsAllowInvalidHostnames/,
    )
    expect(tlsError(ErrorCode.TlsRequired, 'h:1', '').message).toBe(
      'h:1 accepts only TLS connections; add tls=true and tlsCAFile=<CA bundle> to the connection string',
    )
  })

  it("finds the failure inside drivers' wrappers: cause, AggregateError, inner-error maps, server descriptions", () => {
    const leaf = nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    const wrappers: unknown[] = [
      new Error('connect failed', { cause: leaf }),
      new AggregateError([new Error('other'), leaf]),
      Object.assign(new Error('All host(s) tried for query failed'), {
        innerErrors: { '127.0.0.1:9042': leaf },
      }),
      Object.assign(new Error('Server selection timed out'), {
        reason: { servers: new Map([['h:1', { error: leaf }]]) },
      }),
    ]
    for (const wrapper of wrappers) {
      expect(tlsErrorFrom(wrapper, 'h:1')?.code).toBe(ErrorCode.TlsCertificateInvalid)
    }
  })

  it('is undefined for errors that are not about TLS', () => {
    expect(tlsErrorFrom(nodeError('ECONNREFUSED'), 'h:1')).toBeUndefined()
    expect(tlsErrorFrom(new Error('plain'), 'h:1')).toBeUndefined()
    expect(tlsErrorFrom('text', 'h:1')).toBeUndefined()
    expect(tlsErrorFrom(undefined, 'h:1')).toBeUndefined()
  })

  it('does not loop on a cause cycle', () => {
    const a = new Error('a')
    const b = new Error('b', { cause: a })
    Object.assign(a, { cause: b })
    expect(tlsErrorFrom(a, 'h:1')).toBeUndefined()
  })
})

describe('TLS errors in the retry rules', () => {
  it.each([
    ErrorCode.TlsCertificateInvalid,
    ErrorCode.TlsHostnameMismatch,
    ErrorCode.TlsRequired,
    ErrorCode.TlsHandshakeFailed,
  ] as const)('%s is never retried and refuses the configuration (fail fast)', (code) => {
    const error = tlsError(code, 'h:1', 'x')
    expect(canRetryRead(error)).toBe(false)
    expect(canRetryWrite(error, { idempotent: true })).toBe(false)
    expect(isConfigurationRefused(error)).toBe(true)
  })
})
