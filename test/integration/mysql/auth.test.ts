/**
 * Authentication on a real MariaDB 10.11 cluster with TLS offered: client-certificate accounts
 * (`REQUIRE X509`), `mysql_native_password`, `ed25519` (not supported: refused with a clear error),
 * wrong credentials failing at once, and no password or key material in any error, event or
 * `inspect()`. Nothing here is mocked.
 */
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { connect } from 'replicakit/mysql'
import type { MysqlConnection } from 'replicakit/mysql'
import type { ReplicaKitClient } from '../../../src/client/client.js'
import { recordEvents } from '../../fixtures/client-events.js'
import { ErrorCode } from '../../../src/errors/errors.js'
import type { ReplicaKitError } from '../../../src/errors/errors.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import type { MysqlAccount, MysqlCluster } from '../../clusters/mysql-cluster.js'
import { CLIENT_KEY_PASSWORD, ensureTlsFiles } from '../../clusters/tls-certs.js'
import type { TlsFiles } from '../../clusters/tls-certs.js'
import { caught } from '../../fixtures/caught.js'

let cluster: MysqlCluster
let files: TlsFiles
const clients: ReplicaKitClient<MysqlConnection>[] = []

beforeAll(async () => {
  files = await ensureTlsFiles()
  cluster = await startMysqlCluster({ nodes: 3, tls: true })
})

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await cluster.stop()
})

/**
 * A client for `account` with `query`, recording every event it emits. The selection bound is longer
 * than the test's own timeout: a refusal that waited for it instead of failing at once would show.
 */
async function open(account: MysqlAccount, query = '') {
  const db = await connect(`${cluster.uriFor(account)}?${query}`, {
    heartbeatFrequencyMS: 500,
    serverSelectionTimeoutMS: 120_000,
    timeoutMS: 120_000,
  })
  clients.push(db)
  return { db, events: recordEvents(db) }
}

function tls(extra = ''): string {
  return `tls=true&tlsCAFile=${files.ca}${extra}`
}

async function whoAmI(
  db: ReplicaKitClient<MysqlConnection>,
): Promise<{ user: string; cipher: string }> {
  return db.read(async (c) => {
    const [rows] = await c.query<RowDataPacket[]>(
      "SELECT CURRENT_USER() AS user, (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER') AS cipher",
    )
    return { user: String(rows[0]!['user']), cipher: String(rows[0]!['cipher'] ?? '') }
  })
}

describe('client certificates (REQUIRE X509)', () => {
  it('logs in with tlsCertificateKeyFile (certificate and key in one PEM)', async () => {
    const account = cluster.tlsAccounts.requireX509
    const { db } = await open(account, tls(`&tlsCertificateKeyFile=${files.client}`))
    const me = await whoAmI(db)
    expect(me.user).toBe(`${account.user}@%`)
    expect(me.cipher).not.toBe('')
  })

  it('logs in with an encrypted key and tlsCertificateKeyFilePassword', async () => {
    const account = cluster.tlsAccounts.requireX509
    const query = tls(
      `&tlsCertificateKeyFile=${files.clientEncrypted}` +
        `&tlsCertificateKeyFilePassword=${CLIENT_KEY_PASSWORD}`,
    )
    const { db } = await open(account, query)
    expect((await whoAmI(db)).user).toBe(`${account.user}@%`)
  })

  it('is refused at once without a client certificate (AUTHENTICATION_FAILED naming tlsCertificateKeyFile)', async () => {
    const { db } = await open(cluster.tlsAccounts.requireX509, tls())
    const error = await caught(db.connect())
    expect(error.code).toBe(ErrorCode.AuthenticationFailed)
    expect(error.nativeCode).toBe(1045)
    expect(error.message).toContain('tlsCertificateKeyFile')
  })

  it('fails connect() with INVALID_OPTION when the key password is wrong, before any connection', async () => {
    const query = tls(
      `&tlsCertificateKeyFile=${files.clientEncrypted}&tlsCertificateKeyFilePassword=not-it`,
    )
    const error = await caught(
      connect(`${cluster.uriFor(cluster.tlsAccounts.requireX509)}?${query}`),
    )
    expect(error.code).toBe(ErrorCode.InvalidOption)
    expect(error.message).not.toContain('not-it')
  })
})

describe('password plugins', () => {
  it('logs in a mysql_native_password account, plain and over TLS', async () => {
    const account = cluster.tlsAccounts.nativePassword
    const plain = await open(account)
    expect(await whoAmI(plain.db)).toEqual({ user: `${account.user}@%`, cipher: '' })
    const secure = await open(account, tls())
    expect((await whoAmI(secure.db)).cipher).not.toBe('')
  })

  it('fails a wrong password at once with AUTHENTICATION_FAILED, plain and over TLS', async () => {
    const account = { ...cluster.tlsAccounts.nativePassword, password: 'wrong-password-7' }
    for (const query of ['', tls()]) {
      const { db } = await open(account, query)
      const error = await caught(db.connect())
      expect(error.code).toBe(ErrorCode.AuthenticationFailed)
      expect(error.nativeCode).toBe(1045)
      expect(error.message).not.toContain('wrong-password-7')
    }
  })

  it('refuses an ed25519 account at once with AUTHENTICATION_FAILED saying ed25519 is not supported', async () => {
    for (const query of ['', tls()]) {
      const { db } = await open(cluster.tlsAccounts.ed25519, query)
      const error = await caught(db.connect())
      expect(error.code).toBe(ErrorCode.AuthenticationFailed)
      expect(error.message).toMatch(/ed25519 .*not support/)
      expect(error.message).toContain('mysql_native_password')
    }
  })
})

describe('secrets', () => {
  it('never shows a password, the key password or key material in errors, inspect() or events', async () => {
    const account = cluster.tlsAccounts.requireX509
    const keyLines = [files.client, files.clientEncrypted].map((file) => {
      const pem = readFileSync(file, 'utf8').split('\n')
      // A line from the middle of the private key.
      return pem[pem.findIndex((l) => l.includes('PRIVATE KEY-----')) + 3]!
    })
    const secrets = [account.password, CLIENT_KEY_PASSWORD, 'wrong-password-9', ...keyLines]
    const withKey =
      `&tlsCertificateKeyFile=${files.clientEncrypted}` +
      `&tlsCertificateKeyFilePassword=${CLIENT_KEY_PASSWORD}`
    const runs = [
      // Served, with a client certificate and its key password.
      { account, query: tls(withKey) },
      // Refused by the server (wrong password) with the key loaded.
      { account: { ...account, password: 'wrong-password-9' }, query: tls(withKey) },
      // Refused by the client (wrong CA) with the key loaded.
      { account, query: `tls=true&tlsCAFile=${files.wrongCa}${withKey}` },
      // Verification off: the warning path.
      { account, query: `tlsInsecure=true${withKey}` },
    ]
    const seen: string[] = []
    for (const run of runs) {
      const { db, events } = await open(run.account, run.query)
      let error: ReplicaKitError | undefined
      try {
        await db.connect()
        await whoAmI(db)
      } catch (e: unknown) {
        error = e as ReplicaKitError
        seen.push(error.message, inspect(error, { depth: 10 }), String(error.stack))
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
      seen.push(inspect(db, { depth: 10 }), JSON.stringify(events), inspect(events, { depth: 10 }))
    }
    const text = seen.join('\n')
    for (const secret of secrets) expect(text).not.toContain(secret)
    // The runs did produce what was searched: errors, events and a warning.
    expect(text).toContain('TLS_CERTIFICATE_INVALID')
    expect(text).toContain('AUTHENTICATION_FAILED')
    expect(text).toContain('certificate verification is off')
  })
})
