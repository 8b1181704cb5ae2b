import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveOptions } from '../../../src/config/options.js'
import { ConfigError, ErrorCode } from '../../../src/errors/errors.js'
import { loadTlsMaterial, tlsWarnings } from '../../../src/tls/tls-material.js'

const KEY_PASSWORD = 'unit-key-password-31'
let dir: string
let ca: string
let clientPem: string
let encryptedPem: string

/** A self-signed certificate and key made by openssl (as the harness does), plain and encrypted. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rk-tls-unit-'))
  ca = join(dir, 'ca.pem')
  const key = join(dir, 'ca.key')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      ca,
      '-days',
      '2',
      '-subj',
      '/CN=unit',
    ],
    { stdio: 'ignore' },
  )
  const cert = execFileSync('openssl', ['x509', '-in', ca]).toString()
  clientPem = join(dir, 'client.pem')
  writeFileSync(clientPem, cert + execFileSync('openssl', ['pkey', '-in', key]).toString())
  encryptedPem = join(dir, 'client-encrypted.pem')
  const encrypted = execFileSync('openssl', [
    'pkey',
    '-in',
    key,
    '-aes256',
    '-passout',
    `pass:${KEY_PASSWORD}`,
  ]).toString()
  writeFileSync(encryptedPem, cert + encrypted)
})

/** The error `fn` throws (the test fails if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error: unknown) {
    return error
  }
  throw new Error('expected a throw')
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const tlsOf = (query: string) => resolveOptions(`mysql://app:pw@h1:3306/db?${query}`).tls

describe('loadTlsMaterial', () => {
  it('is undefined when TLS is off', () => {
    expect(loadTlsMaterial(tlsOf('tls=false'))).toBeUndefined()
  })

  it("verifies certificates and hostnames by default, with Node's root store when no CA is given", () => {
    const material = loadTlsMaterial(tlsOf('tls=true'))
    expect(material).toMatchObject({ rejectUnauthorized: true, verifyHostname: true })
    expect(material?.ca).toBeUndefined()
    expect(material?.checkServerIdentity).toBeUndefined()
  })

  it('reads the CA and the certificate+key file once, into buffers a driver can take', () => {
    const material = loadTlsMaterial(
      tlsOf(
        `tlsCAFile=${encodeURIComponent(ca)}&tlsCertificateKeyFile=${encodeURIComponent(clientPem)}`,
      ),
    )
    expect(material?.ca?.toString()).toContain('BEGIN CERTIFICATE')
    expect(material?.cert?.toString()).toContain('BEGIN CERTIFICATE')
    expect(material?.key?.toString()).toContain('PRIVATE KEY')
    // A spread (how adapters pass it on) keeps the key.
    expect({ ...material }.key).toBe(material?.key)
  })

  it('opens an encrypted key with its password and keeps the password usable', () => {
    const material = loadTlsMaterial(
      tlsOf(
        `tlsCertificateKeyFile=${encodeURIComponent(encryptedPem)}` +
          `&tlsCertificateKeyFilePassword=${KEY_PASSWORD}`,
      ),
    )
    expect(material?.passphrase).toBe(KEY_PASSWORD)
  })

  it('fails with INVALID_OPTION naming the option when the password does not open the key, never showing it', () => {
    const error = thrown(() =>
      loadTlsMaterial(
        tlsOf(
          `tlsCertificateKeyFile=${encodeURIComponent(encryptedPem)}&tlsCertificateKeyFilePassword=wrong-pw-77`,
        ),
      ),
    )
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).code).toBe(ErrorCode.InvalidOption)
    expect((error as Error).message).toContain('tlsCertificateKeyFilePassword')
    expect(inspect(error)).not.toContain('wrong-pw-77')
  })

  it('asks for the password of an encrypted key given without one', () => {
    const error = thrown(() =>
      loadTlsMaterial(tlsOf(`tlsCertificateKeyFile=${encodeURIComponent(encryptedPem)}`)),
    )
    expect((error as ConfigError).code).toBe(ErrorCode.InvalidOption)
    expect((error as Error).message).toMatch(
      /is encrypted; give its password in tlsCertificateKeyFilePassword/,
    )
  })

  it('reports a wrong password as such whatever OpenSSL says (many wrong passwords, one key)', () => {
    // About one wrong password in 256 decrypts with valid padding and fails later, differently.
    for (let i = 0; i < 300; i++) {
      const error = thrown(() =>
        loadTlsMaterial(
          tlsOf(
            `tlsCertificateKeyFile=${encodeURIComponent(encryptedPem)}&tlsCertificateKeyFilePassword=wrong-${i}`,
          ),
        ),
      )
      expect((error as Error).message).toContain('tlsCertificateKeyFilePassword does not open')
    }
  })

  it('fails with INVALID_OPTION naming the option and path when a file cannot be read', () => {
    const error = thrown(() => loadTlsMaterial(tlsOf('tlsCAFile=/nonexistent/ca.pem')))
    expect((error as ConfigError).code).toBe(ErrorCode.InvalidOption)
    expect((error as Error).message).toMatch(
      /tlsCAFile: cannot read "\/nonexistent\/ca.pem" \(ENOENT\)/,
    )
  })

  it('fails when the certificate file holds no private key', () => {
    const error = thrown(() =>
      loadTlsMaterial(tlsOf(`tlsCertificateKeyFile=${encodeURIComponent(ca)}`)),
    )
    expect((error as Error).message).toContain('must hold a PEM certificate and its private key')
  })

  it('hides the key, certificate and password from inspect() and JSON', () => {
    const material = loadTlsMaterial(
      tlsOf(
        `tlsCertificateKeyFile=${encodeURIComponent(encryptedPem)}` +
          `&tlsCertificateKeyFilePassword=${KEY_PASSWORD}`,
      ),
    )
    for (const shown of [inspect(material), JSON.stringify(material)]) {
      expect(shown).not.toContain(KEY_PASSWORD)
      expect(shown).not.toContain('PRIVATE KEY')
      expect(shown).toContain('*****')
    }
  })

  it('turns the checks off only as asked: tlsAllowInvalidHostnames keeps certificate verification', () => {
    const hostnames = loadTlsMaterial(tlsOf('tls=true&tlsAllowInvalidHostnames=true'))
    expect(hostnames).toMatchObject({ rejectUnauthorized: true, verifyHostname: false })
    expect(typeof hostnames?.checkServerIdentity).toBe('function')
    const insecure = loadTlsMaterial(tlsOf('tls=true&tlsInsecure=true'))
    expect(insecure).toMatchObject({ rejectUnauthorized: false, verifyHostname: false })
  })
})

describe('tlsWarnings', () => {
  it('says nothing when every check is on, or TLS is off', () => {
    expect(tlsWarnings(tlsOf('tls=true'))).toEqual([])
    expect(tlsWarnings(tlsOf('tls=false'))).toEqual([])
  })

  it('warns that certificates are not verified (tlsAllowInvalidCertificates, tlsInsecure)', () => {
    for (const query of [
      'tls=true&tlsAllowInvalidCertificates=true',
      'tls=true&tlsInsecure=true',
    ]) {
      const [warning] = tlsWarnings(tlsOf(query))
      expect(warning).toMatch(/certificate verification is off/)
    }
  })

  it('warns that hostnames are not verified (tlsAllowInvalidHostnames)', () => {
    const [warning] = tlsWarnings(tlsOf('tls=true&tlsAllowInvalidHostnames=true'))
    expect(warning).toMatch(/hostname verification is off/)
  })
})
