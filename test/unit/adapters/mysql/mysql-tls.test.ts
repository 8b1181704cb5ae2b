import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  ConfigError,
  ErrorCode,
  ErrorLabel,
  NetworkError,
  TlsError,
} from '../../../../src/adapter.js'
import { resolveOptions } from '../../../../src/config/options.js'
import { mapMysqlError, MysqlErrorPhase } from '../../../../adapters/mysql/mysql-errors.js'
import { createMysqlSsl, mysqlTlsError } from '../../../../adapters/mysql/mysql-tls.js'
import { CLIENT_KEY_PASSWORD, ensureTlsFiles } from '../../../clusters/tls-certs.js'
import type { TlsFiles } from '../../../clusters/tls-certs.js'

const NODE = '127.0.0.1:3307'
let files: TlsFiles

beforeAll(async () => {
  files = await ensureTlsFiles()
}, 120_000)

function tlsOf(query: string) {
  return resolveOptions(`mysql://app:pw@127.0.0.1:3307/db?${query}`).tls
}

describe('createMysqlSsl', () => {
  it('is undefined when TLS is off', () => {
    expect(createMysqlSsl(tlsOf(''))).toBeUndefined()
  })

  it('verifies the chain and the host name by default (mysql2 checks no name unless told)', () => {
    const ssl = createMysqlSsl(tlsOf(`tls=true&tlsCAFile=${files.ca}`))
    expect(ssl).toMatchObject({ rejectUnauthorized: true, verifyIdentity: true })
    expect(ssl?.ca?.equals(readFileSync(files.ca))).toBe(true)
    expect(ssl).not.toHaveProperty('cert')
  })

  it('turns off only the host name check with tlsAllowInvalidHostnames, both with tlsInsecure', () => {
    expect(
      createMysqlSsl(tlsOf(`tlsCAFile=${files.ca}&tlsAllowInvalidHostnames=true`)),
    ).toMatchObject({ rejectUnauthorized: true, verifyIdentity: false })
    expect(createMysqlSsl(tlsOf(`tls=true&tlsInsecure=true`))).toMatchObject({
      rejectUnauthorized: false,
      verifyIdentity: false,
    })
    expect(createMysqlSsl(tlsOf(`tls=true&tlsAllowInvalidCertificates=true`))).toMatchObject({
      rejectUnauthorized: false,
      verifyIdentity: false,
    })
  })

  it('passes the client certificate, its key and the key password; inspect and JSON hide them', () => {
    const query =
      `tlsCAFile=${files.ca}&tlsCertificateKeyFile=${files.clientEncrypted}` +
      `&tlsCertificateKeyFilePassword=${CLIENT_KEY_PASSWORD}`
    const ssl = createMysqlSsl(tlsOf(query))!
    expect(ssl.passphrase).toBe(CLIENT_KEY_PASSWORD)
    expect(ssl.key?.toString()).toContain('ENCRYPTED PRIVATE KEY')
    expect(ssl.cert?.toString()).toContain('BEGIN CERTIFICATE')
    const keyLine = readFileSync(files.clientEncrypted, 'utf8').split('\n').at(-3)!
    for (const shown of [inspect(ssl), JSON.stringify(ssl)]) {
      expect(shown).not.toContain(CLIENT_KEY_PASSWORD)
      expect(shown).not.toContain(keyLine)
      expect(shown).toContain('*****')
    }
    // mysql2 writes rejectUnauthorized back into the object it is given: it must not be frozen.
    expect(Object.isFrozen(ssl)).toBe(false)
  })

  it('refuses tlsCRLFile (mysql2 would ignore it) and names unreadable files', () => {
    const crl = (): unknown => createMysqlSsl(tlsOf(`tls=true&tlsCRLFile=${files.ca}`))
    expect(crl).toThrow(ConfigError)
    expect(crl).toThrow(/tlsCRLFile is not supported/)
    try {
      crl()
    } catch (error: unknown) {
      expect((error as ConfigError).code).toBe(ErrorCode.NotSupported)
    }
    expect(() => createMysqlSsl(tlsOf('tlsCAFile=/nope/ca.pem'))).toThrow(/tlsCAFile/)
  })
})

/** An error of mysql2's TLS upgrade: Node's error with its code overwritten, as mysql2 does it. */
function handshakeError(message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), fields, { code: 'HANDSHAKE_SSL_ERROR', fatal: true })
}

describe('mysqlTlsError', () => {
  it.each([
    [
      'a chain that does not verify',
      handshakeError('self-signed certificate in certificate chain'),
      ErrorCode.TlsCertificateInvalid,
    ],
    [
      'an expired certificate',
      handshakeError('certificate has expired'),
      ErrorCode.TlsCertificateInvalid,
    ],
    [
      'a leaf without its issuer',
      handshakeError('unable to verify the first certificate'),
      ErrorCode.TlsCertificateInvalid,
    ],
    [
      'a certificate for another host',
      handshakeError(
        "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: 127.0.0.2",
        {
          reason: "IP: 127.0.0.1 is not in the cert's list: 127.0.0.2",
          host: '127.0.0.1',
          cert: {},
        },
      ),
      ErrorCode.TlsHostnameMismatch,
    ],
    [
      'an OpenSSL protocol failure (an alert: "bad certificate" is the server refusing ours)',
      handshakeError('error:0A000412:SSL routines::sslv3 alert bad certificate', {
        library: 'SSL routines',
        reason: 'sslv3 alert bad certificate',
      }),
      ErrorCode.TlsHandshakeFailed,
    ],
    [
      'a server without TLS',
      Object.assign(new Error('Server does not support secure connection'), {
        code: 'HANDSHAKE_NO_SSL_SUPPORT',
        fatal: true,
      }),
      ErrorCode.TlsHandshakeFailed,
    ],
  ])('%s', (_name, error, code) => {
    const mapped = mysqlTlsError(error, NODE)
    expect(mapped).toBeInstanceOf(TlsError)
    expect(mapped?.code).toBe(code)
    expect(mapped?.node).toBe(NODE)
    expect(mapped?.cause).toBe(error)
  })

  it('leaves the socket dropping mid-handshake to the network mapping (retryable, nothing sent)', () => {
    const reset = handshakeError(
      'Client network socket disconnected before secure TLS connection was established',
      { host: '127.0.0.1', port: 3307 },
    )
    const read = handshakeError('read ECONNRESET', { errno: -104, syscall: 'read' })
    for (const error of [reset, read]) {
      expect(mysqlTlsError(error, NODE)).toBeUndefined()
      const mapped = mapMysqlError(error, NODE, { phase: MysqlErrorPhase.Connect })
      expect(mapped).toBeInstanceOf(NetworkError)
      expect(mapped.hasLabel(ErrorLabel.RetryableRead)).toBe(true)
      expect(mapped.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(true)
    }
  })

  it('is undefined for anything else', () => {
    expect(mysqlTlsError(new Error('x'), NODE)).toBeUndefined()
    expect(mysqlTlsError('HANDSHAKE_SSL_ERROR', NODE)).toBeUndefined()
  })
})

describe('mapMysqlError and TLS', () => {
  it('finds Node TLS errors whose code survived first (a client certificate refused after the handshake)', () => {
    const alert = Object.assign(
      new Error('error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca'),
      { library: 'SSL routines', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', fatal: true },
    )
    const mapped = mapMysqlError(alert, NODE, { phase: MysqlErrorPhase.Connect })
    expect(mapped).toBeInstanceOf(TlsError)
    expect(mapped.code).toBe(ErrorCode.TlsHandshakeFailed)
    const expired = Object.assign(new Error('wrapped'), {
      cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
    })
    expect(mapMysqlError(expired, NODE).code).toBe(ErrorCode.TlsCertificateInvalid)
  })

  it('refuses an ed25519 account with AUTHENTICATION_FAILED saying the plugin is not supported', () => {
    const error = Object.assign(
      new Error(
        'Server requests authentication using unknown plugin client_ed25519. See TODO: add plugins doco here on how to configure or author authentication plugins.',
      ),
      { code: 'AUTH_SWITCH_PLUGIN_ERROR', fatal: true },
    )
    const mapped = mapMysqlError(error, NODE, { phase: MysqlErrorPhase.Connect })
    expect(mapped).toBeInstanceOf(ConfigError)
    expect(mapped.code).toBe(ErrorCode.AuthenticationFailed)
    expect(mapped.message).toMatch(/ed25519 .*not support.*mysql_native_password/)
    expect(mapped.labels.size).toBe(0)
  })

  it('says what a refused login may also need, given the client TLS', () => {
    const denied = Object.assign(
      new Error("Access denied for user 'app'@'h' (using password: YES)"),
      {
        code: 'ER_ACCESS_DENIED_ERROR',
        errno: 1045,
        sqlState: '28000',
        sqlMessage: "Access denied for user 'app'@'h' (using password: YES)",
      },
    )
    expect(mapMysqlError(denied, NODE, { tls: 'off' }).message).toMatch(
      /REQUIRE X509 also needs tls=true and a client certificate/,
    )
    expect(mapMysqlError(denied, NODE, { tls: 'on' }).message).toMatch(
      /REQUIRE X509 also needs a client certificate in tlsCertificateKeyFile/,
    )
    expect(mapMysqlError(denied, NODE, { tls: 'client-certificate' }).message).not.toMatch(/X509/)
  })
})
