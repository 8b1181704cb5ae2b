import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { inspect } from 'node:util'
import type { ResolvedTls } from '../config/resolved-options.js'
import { ConfigError, ErrorCode } from '../errors/errors.js'
import { REDACTED } from '../util/redact.js'

/**
 * The `tls*` options turned into what Node's `tls.connect` takes, files read once: the same for every
 * backend, so each adapter only renames fields for its driver (mysql2 `ssl`, cassandra-driver
 * `sslOptions`). Key material and the key's password live here and in the driver, never in a message,
 * event or `inspect()` of a ReplicaKit object.
 */
export interface TlsMaterial {
  /** The trusted CA certificates (PEM) from `tlsCAFile`; absent = Node's default root store. */
  readonly ca?: Buffer
  /** The client certificate chain (PEM) from `tlsCertificateKeyFile`. */
  readonly cert?: Buffer
  /** The client private key (PEM) from `tlsCertificateKeyFile`. */
  readonly key?: Buffer
  /** `tlsCertificateKeyFilePassword`: decrypts `key`. */
  readonly passphrase?: string
  /** The certificate revocation list (PEM) from `tlsCRLFile`. */
  readonly crl?: Buffer
  /** Whether the server's certificate must verify against `ca` (false: `tlsAllowInvalidCertificates`). */
  readonly rejectUnauthorized: boolean
  /** Whether the certificate must name the host connected to (false: `tlsAllowInvalidHostnames`). */
  readonly verifyHostname: boolean
  /** Node's `checkServerIdentity`: a no-op when hostnames are not verified, else Node's own check. */
  readonly checkServerIdentity?: () => undefined
}

/**
 * Reads the files the TLS options name and checks that the key opens with its password, so a wrong
 * path or password fails at `connect()` with a `ConfigError` (`INVALID_OPTION`) naming the option,
 * not at the first handshake. Returns `undefined` when TLS is off.
 */
export function loadTlsMaterial(tls: ResolvedTls): TlsMaterial | undefined {
  if (!tls.enabled) return undefined
  const ca = tls.caFile !== undefined ? readPem('tlsCAFile', tls.caFile) : undefined
  const crl = tls.crlFile !== undefined ? readPem('tlsCRLFile', tls.crlFile) : undefined
  let certKey: Buffer | undefined
  if (tls.certificateKeyFile !== undefined) {
    certKey = readPem('tlsCertificateKeyFile', tls.certificateKeyFile)
    checkKeyOpens(certKey, tls.certificateKeyFilePassword, tls.certificateKeyFile)
  }
  const material: TlsMaterial = {
    ...(ca !== undefined ? { ca } : {}),
    ...(certKey !== undefined ? { cert: certKey, key: certKey } : {}),
    ...(tls.certificateKeyFilePassword !== undefined
      ? { passphrase: tls.certificateKeyFilePassword }
      : {}),
    ...(crl !== undefined ? { crl } : {}),
    rejectUnauthorized: !tls.allowInvalidCertificates,
    verifyHostname: !tls.allowInvalidCertificates && !tls.allowInvalidHostnames,
    ...(tls.allowInvalidHostnames ? { checkServerIdentity: () => undefined } : {}),
  }
  return hideSecrets(material)
}

/** The warnings a client gives when TLS is on but a check is off; empty when everything is verified. */
export function tlsWarnings(tls: ResolvedTls): string[] {
  if (!tls.enabled) return []
  if (tls.allowInvalidCertificates) {
    return [
      'TLS certificate verification is off (tlsAllowInvalidCertificates or tlsInsecure): any ' +
        'server certificate is accepted, so a network attacker can impersonate the server; give ' +
        'the CA in tlsCAFile instead',
    ]
  }
  if (tls.allowInvalidHostnames) {
    return [
      'TLS hostname verification is off (tlsAllowInvalidHostnames): a certificate issued for ' +
        'another host is accepted; re-issue the server certificates with the hosts in their names ' +
        'instead',
    ]
  }
  return []
}

function readPem(option: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (error: unknown) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new ConfigError(
      `${option}: cannot read ${JSON.stringify(path)} (${reason}); give the path of a PEM file ` +
        'the process can read',
      { code: ErrorCode.InvalidOption },
    )
  }
}

/** An encrypted private key in PEM: PKCS#8 `ENCRYPTED PRIVATE KEY`, or a legacy `Proc-Type` header. */
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/

function checkKeyOpens(pem: Buffer, passphrase: string | undefined, path: string): void {
  try {
    createSecureContext({
      cert: pem,
      key: pem,
      ...(passphrase !== undefined ? { passphrase } : {}),
    })
  } catch {
    // Decided by the file, not by OpenSSL's message: a wrong password usually fails as "bad decrypt",
    // but now and then decrypts to bytes that fail later as an unsupported or malformed key.
    const encrypted = ENCRYPTED_KEY.test(pem.toString('latin1'))
    // Neither the password nor the file's content goes into the message; only the path and what to do.
    throw new ConfigError(
      encrypted
        ? passphrase === undefined
          ? `the private key in ${JSON.stringify(path)} is encrypted; give its password in ` +
            'tlsCertificateKeyFilePassword'
          : `tlsCertificateKeyFilePassword does not open the private key in ${JSON.stringify(path)}; ` +
            'give the password the key was encrypted with'
        : `tlsCertificateKeyFile ${JSON.stringify(path)} must hold a PEM certificate and its ` +
            'private key (cat cert.pem key.pem > client.pem)',
      { code: ErrorCode.InvalidOption },
    )
  }
}

const SECRET_FIELDS = new Set(['key', 'cert', 'passphrase'])

/**
 * Key, certificate and password stay ordinary fields (a spread copies them into a driver's options),
 * but `JSON.stringify` and `util.inspect` show them as `*****`.
 */
function hideSecrets(material: TlsMaterial): TlsMaterial {
  const shown = (): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(material).map(([name, value]) => [
        name,
        SECRET_FIELDS.has(name)
          ? REDACTED
          : Buffer.isBuffer(value)
            ? `<${value.length} bytes>`
            : value,
      ]),
    )
  const hidden = { ...material }
  Object.defineProperty(hidden, 'toJSON', { value: shown, enumerable: false })
  Object.defineProperty(hidden, inspect.custom, { value: shown, enumerable: false })
  return Object.freeze(hidden)
}
