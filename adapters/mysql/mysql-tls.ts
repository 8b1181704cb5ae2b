/**
 * TLS for the MySQL adapter: the `tls*` options as mysql2's `ssl` option (one object per adapter,
 * shared by the probe and data connections), and mysql2's handshake errors as ReplicaKit's TLS codes.
 *
 * What mysql2 3.24 does with `ssl` (lib/base/connection.js `startTLS`), and why the adapter sets what
 * it sets:
 * - `rejectUnauthorized` (mysql2's default true) decides whether the chain must verify against `ca`.
 * - `verifyIdentity` decides whether the host name is checked at all; mysql2's default is **false**,
 *   so the adapter sets it from `tlsAllowInvalidHostnames`/`tlsAllowInvalidCertificates`. A
 *   `checkServerIdentity` function in `ssl` is ignored by mysql2.
 * - For an IP host mysql2 passes no `servername`, and Node then checks the certificate against the
 *   socket's `_host`, which `net` only sets for names: without it an IP host was checked as
 *   `localhost`. The adapter's sockets carry their host (`mysql-sockets.ts`), so an IP host is
 *   checked against the certificate's IP addresses.
 * - `crl` is not passed to the TLS handshake by mysql2, so `tlsCRLFile` is refused, not ignored.
 * - mysql2 overwrites the `code` of every error of the TLS upgrade with `HANDSHAKE_SSL_ERROR`, so
 *   {@link mysqlTlsError} tells the failures apart by their shape and OpenSSL's message.
 */
import { inspect } from 'node:util'
import { ConfigError, ErrorCode, loadTlsMaterial, tlsError } from '../../src/adapter.js'
import type { NodeAddress, ResolvedOptions, TlsError } from '../../src/adapter.js'

/** mysql2's `ssl` option as the adapter fills it. Secrets are hidden from `inspect` and JSON. */
export interface MysqlSsl {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  passphrase?: string
  /** mysql2 writes this field back when it reads the config, so the object is not frozen. */
  rejectUnauthorized: boolean
  verifyIdentity: boolean
}

const SECRET_FIELDS: ReadonlySet<string> = new Set(['cert', 'key', 'passphrase'])

/**
 * mysql2's `ssl` for the resolved `tls*` options, the files read once (`loadTlsMaterial`): `undefined`
 * when TLS is off. One object per adapter, so mysql2 reuses its secure context and TLS sessions for
 * every connection to a node. Throws a `ConfigError` for an unreadable file, a key password that
 * does not open the key (`INVALID_OPTION`), or `tlsCRLFile` (`NOT_SUPPORTED`).
 */
export function createMysqlSsl(tls: ResolvedOptions['tls']): MysqlSsl | undefined {
  if (tls.enabled && tls.crlFile !== undefined) {
    throw new ConfigError(
      'tlsCRLFile is not supported on mysql:// and mariadb:// (mysql2 passes no revocation list ' +
        'to the TLS handshake); remove it, and revoke a server certificate by removing it from ' +
        'the server and its CA from tlsCAFile',
      { code: ErrorCode.NotSupported },
    )
  }
  const material = loadTlsMaterial(tls)
  if (material === undefined) return undefined
  const ssl: MysqlSsl = {
    ...(material.ca !== undefined ? { ca: material.ca } : {}),
    ...(material.cert !== undefined ? { cert: material.cert } : {}),
    ...(material.key !== undefined ? { key: material.key } : {}),
    ...(material.passphrase !== undefined ? { passphrase: material.passphrase } : {}),
    rejectUnauthorized: material.rejectUnauthorized,
    verifyIdentity: material.verifyHostname,
  }
  const shown = (): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(ssl).map(([name, value]) => [
        name,
        SECRET_FIELDS.has(name)
          ? '*****'
          : Buffer.isBuffer(value)
            ? `<${value.length} bytes>`
            : value,
      ]),
    )
  Object.defineProperty(ssl, 'toJSON', { value: shown, enumerable: false })
  Object.defineProperty(ssl, inspect.custom, { value: shown, enumerable: false })
  return ssl
}

/** OpenSSL's certificate verification messages (X509_verify_cert_error_string) name these. */
const VERIFY_MESSAGE = /certificate|\bCRL\b|issuer|path length constraint/i

/** Node's message when the socket closed during the handshake (its code was ECONNRESET). */
const DISCONNECTED_MESSAGE = /socket disconnected|socket hang up/i

/**
 * The `TlsError` for a mysql2 TLS failure, or `undefined` when `error` is not one (or is the socket
 * dropping mid-handshake, which is a network error):
 *
 * | mysql2 error | code |
 * |---|---|
 * | `HANDSHAKE_NO_SSL_SUPPORT` (the server offers no TLS) | TLS_HANDSHAKE_FAILED |
 * | `HANDSHAKE_SSL_ERROR` from Node's `checkServerIdentity` (`cert`, `reason`) | TLS_HOSTNAME_MISMATCH |
 * | `HANDSHAKE_SSL_ERROR` with an X509 verification message (no OpenSSL `library`) | TLS_CERTIFICATE_INVALID |
 * | any other `HANDSHAKE_SSL_ERROR` (alerts, protocol versions, ciphers) | TLS_HANDSHAKE_FAILED |
 */
export function mysqlTlsError(error: unknown, node: NodeAddress | undefined): TlsError | undefined {
  if (!(error instanceof Error)) return undefined
  const fields = error as Error & Record<string, unknown>
  if (fields['code'] === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return tlsError(
      ErrorCode.TlsHandshakeFailed,
      node,
      'the server offers no TLS: its ssl_cert/ssl_key are not set',
      error,
    )
  }
  if (fields['code'] !== 'HANDSHAKE_SSL_ERROR' || isDisconnection(fields)) return undefined
  if (typeof fields['library'] === 'string') {
    return tlsError(ErrorCode.TlsHandshakeFailed, node, error.message.trim(), error)
  }
  if (fields['cert'] !== undefined && typeof fields['reason'] === 'string') {
    return tlsError(ErrorCode.TlsHostnameMismatch, node, fields['reason'], error)
  }
  if (VERIFY_MESSAGE.test(error.message)) {
    return tlsError(ErrorCode.TlsCertificateInvalid, node, error.message, error)
  }
  return tlsError(ErrorCode.TlsHandshakeFailed, node, error.message, error)
}

/** Whether a TLS upgrade error is the connection dropping (a socket error, or Node's reset). */
export function isDisconnection(fields: Record<string, unknown>): boolean {
  const message = typeof fields['message'] === 'string' ? fields['message'] : ''
  return typeof fields['syscall'] === 'string' || DISCONNECTED_MESSAGE.test(message)
}
