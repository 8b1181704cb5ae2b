import { ErrorCode, TlsError } from '../errors/errors.js'

/**
 * Node's (OpenSSL's) codes for a server certificate that does not verify against the trusted CAs.
 *
 * @see https://nodejs.org/api/tls.html#x509-certificate-error-codes
 */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
])

/** Node's code for a certificate that verifies but names another host. */
const HOSTNAME_CODE = 'ERR_TLS_CERT_ALTNAME_INVALID'

/** OpenSSL alerts and record errors: the two ends could not agree on TLS at all. */
const HANDSHAKE_CODE_PREFIX = 'ERR_SSL_'

/** How deep {@link tlsErrorFrom} looks through `cause`, `errors` and drivers' inner-error maps. */
const MAX_DEPTH = 6

/**
 * Finds a TLS failure in `error` — Node's own error, or one a driver wrapped (`cause`, an
 * `AggregateError`'s `errors`, cassandra-driver's `innerErrors`, the mongodb driver's server
 * descriptions) — and returns the `TlsError` for it with the stable code and what to do, or
 * `undefined` when `error` is not about TLS. `node` is the `host:port` the client was connecting to.
 */
export function tlsErrorFrom(error: unknown, node: string | undefined): TlsError | undefined {
  const found = findTlsCause(error, 0)
  if (found === undefined) return undefined
  return tlsError(found.code, node, found.error.message, found.error)
}

/**
 * The `TlsError` for `code` with the message every backend uses. `detail` is the driver's or
 * server's reason, shown in brackets (never key material: TLS errors carry none).
 */
export function tlsError(
  code:
    | typeof ErrorCode.TlsCertificateInvalid
    | typeof ErrorCode.TlsHostnameMismatch
    | typeof ErrorCode.TlsRequired
    | typeof ErrorCode.TlsHandshakeFailed,
  node: string | undefined,
  detail: string,
  cause?: unknown,
): TlsError {
  const where = node ?? 'the server'
  const why = detail === '' ? '' : ` (${detail})`
  const messages: Record<typeof code, string> = {
    [ErrorCode.TlsCertificateInvalid]:
      `TLS: the certificate of ${where} could not be verified${why}; give the CA that signed it ` +
      'in tlsCAFile, or set tlsAllowInvalidCertificates=true (insecure: anyone on the network ' +
      'could pose as the server)',
    [ErrorCode.TlsHostnameMismatch]:
      `TLS: the certificate of ${where} does not name that host${why}; connect by a name the ` +
      'certificate lists, re-issue the certificate with this host in its subject alternative ' +
      'names, or set tlsAllowInvalidHostnames=true (insecure)',
    [ErrorCode.TlsRequired]:
      `${where} accepts only TLS connections${why}; add tls=true and tlsCAFile=<CA bundle> to ` +
      'the connection string',
    [ErrorCode.TlsHandshakeFailed]:
      `TLS handshake with ${where} failed${why}; check that the server has TLS on at this port ` +
      'and, if it asks for a client certificate, that tlsCertificateKeyFile holds one it trusts',
  }
  return new TlsError(messages[code], {
    code,
    ...(node !== undefined ? { node } : {}),
    ...(cause !== undefined ? { cause } : {}),
  })
}

interface FoundTlsCause {
  readonly code:
    | typeof ErrorCode.TlsCertificateInvalid
    | typeof ErrorCode.TlsHostnameMismatch
    | typeof ErrorCode.TlsHandshakeFailed
  readonly error: Error
}

function findTlsCause(value: unknown, depth: number): FoundTlsCause | undefined {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return undefined
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code
    if (typeof code === 'string') {
      if (CERTIFICATE_CODES.has(code))
        return { code: ErrorCode.TlsCertificateInvalid, error: value }
      if (code === HOSTNAME_CODE) return { code: ErrorCode.TlsHostnameMismatch, error: value }
      if (code.startsWith(HANDSHAKE_CODE_PREFIX)) {
        return { code: ErrorCode.TlsHandshakeFailed, error: value }
      }
    }
  }
  for (const inner of innerValues(value)) {
    const found = findTlsCause(inner, depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Where drivers keep the errors they wrap: `cause`, `errors` (AggregateError), `innerErrors`
 * (cassandra-driver, keyed by host), `reason.servers` (the mongodb driver: a Map of server
 * descriptions, each with its `error`).
 */
function innerValues(value: object): unknown[] {
  if (value instanceof Map) return [...(value as Map<unknown, unknown>).values()]
  const record = value as Record<string, unknown>
  const inner: unknown[] = []
  for (const key of ['cause', 'error', 'errors', 'innerErrors', 'reason', 'servers']) {
    const held = record[key]
    if (typeof held !== 'object' || held === null) continue
    if (Array.isArray(held)) inner.push(...(held as unknown[]))
    else if (held instanceof Error || held instanceof Map) inner.push(held)
    else if (key === 'innerErrors') inner.push(...(Object.values(held) as unknown[]))
    else inner.push(held)
  }
  return inner
}
