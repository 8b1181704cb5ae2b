/**
 * TLS and credentials for cassandra-driver: the core's {@link TlsMaterial} (files read once) becomes
 * the driver's `sslOptions`, which it hands to Node's `tls.connect(port, hostIp, sslOptions)` for
 * every connection it opens (control connection and pools), so the server certificate's names are
 * checked against the node's IP address; the user name and password become a
 * `PlainTextAuthProvider`. Neither shows a secret to `util.inspect` or `JSON.stringify`, however
 * deep (the driver client is reachable as `conn.client`, and Node keeps each socket's connect
 * options on the socket): the key, certificate and password go into one `SecureContext`, built once.
 *
 * A node that accepts only TLS answers a plain client by resetting the connection, which alone looks
 * like any network failure; {@link tlsRequiredError} then asks the node for a TLS handshake to tell
 * the two apart.
 */
import { createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls'
import { inspect } from 'node:util'
import cassandra from 'cassandra-driver'
import type { NodeAddress, TlsError, TlsMaterial } from '../../src/adapter.js'
import { ConfigError, ErrorCode, parseNodeAddress, speaksTls, tlsError } from '../../src/adapter.js'

const REDACTED = '*****'
/** The CQL port when an address carries none. */
const CQL_PORT = 9042

/**
 * The driver's `sslOptions` from the core's TLS material: `ca`, `cert`, `key`, `passphrase` and
 * `crl` in one `SecureContext` (made once; the driver would otherwise parse the key for every
 * connection, and each socket would keep the password among its options), `rejectUnauthorized`
 * set explicitly (the driver's own default is `false`), and Node's hostname check unless
 * `tlsAllowInvalidHostnames` replaced it.
 */
export function driverSslOptions(material: TlsMaterial): ConnectionOptions {
  let secureContext: SecureContext
  try {
    secureContext = createSecureContext({
      ...(material.ca === undefined ? {} : { ca: material.ca }),
      ...(material.cert === undefined ? {} : { cert: material.cert }),
      ...(material.key === undefined ? {} : { key: material.key }),
      ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
      ...(material.crl === undefined ? {} : { crl: material.crl }),
    })
  } catch (error: unknown) {
    // The key was already checked against its password: what is left is a CA or CRL file that
    // is not PEM. Only OpenSSL's reason is shown, never the files' content.
    throw new ConfigError(
      `tlsCAFile or tlsCRLFile cannot be used (${(error as Error).message}); give PEM files`,
      { code: ErrorCode.InvalidOption },
    )
  }
  return Object.freeze({
    secureContext,
    rejectUnauthorized: material.rejectUnauthorized,
    ...(material.checkServerIdentity === undefined
      ? {}
      : { checkServerIdentity: material.checkServerIdentity }),
  })
}

/** `PlainTextAuthProvider` (PasswordAuthenticator's SASL PLAIN) that never shows the password. */
export class RedactedPlainTextAuthProvider extends cassandra.auth.PlainTextAuthProvider {
  readonly #username: string

  constructor(username: string, password: string) {
    super(username, password)
    this.#username = username
  }

  [inspect.custom](): string {
    return `PlainTextAuthProvider { username: ${JSON.stringify(this.#username)}, password: ${REDACTED} }`
  }

  toJSON(): Record<string, string> {
    return { username: this.#username, password: REDACTED }
  }
}

/** How a TLS-only node answers a plain client: it hangs up on the first bytes. */
const HANG_UP_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE'])
const HANG_UP_MESSAGE = /^Socket was closed$/

/** At most this many hosts get a TLS handshake to find out (the first answer decides). */
const MAX_TLS_PROBES = 3

/**
 * The hosts of a `NoHostAvailableError` that hung up on the client (`ECONNRESET`, `EPIPE`, the
 * driver's "Socket was closed"), in the driver's order; empty for anything else.
 */
export function hostsThatHungUp(error: unknown): NodeAddress[] {
  if (typeof error !== 'object' || error === null) return []
  const inner = (error as { innerErrors?: unknown }).innerErrors
  if (typeof inner !== 'object' || inner === null) return []
  return Object.entries(inner as Record<string, unknown>)
    .filter(([, e]) => {
      if (!(e instanceof Error)) return false
      const code = (e as NodeJS.ErrnoException).code
      return (
        (typeof code === 'string' && HANG_UP_CODES.has(code)) || HANG_UP_MESSAGE.test(e.message)
      )
    })
    .map(([host]) => host)
}

/**
 * `TLS_REQUIRED` when the client connected without TLS, every contact point that was reached hung
 * up, and one of them answers a TLS handshake; else `undefined` (the original error stands).
 */
export async function tlsRequiredError(
  error: unknown,
  timeoutMS: number,
): Promise<TlsError | undefined> {
  for (const host of hostsThatHungUp(error).slice(0, MAX_TLS_PROBES)) {
    const parsed = parseNodeAddress(host, CQL_PORT)
    if (parsed !== undefined && (await speaksTls(parsed.host, parsed.port, timeoutMS))) {
      return tlsError(
        ErrorCode.TlsRequired,
        host,
        'it closed the plain connection and answers a TLS handshake',
        error,
      )
    }
  }
  return undefined
}
