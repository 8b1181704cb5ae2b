/**
 * TLS on a real Cassandra 5.0.6 node that insists (the harness's secure node on 127.0.0.5:
 * `client_encryption_options` enabled and not optional, `require_client_auth`, PasswordAuthenticator):
 * the right CA with a client certificate (plain and encrypted key), a wrong CA, a hostname the
 * certificate does not name (through a forwarder on 127.0.0.6) and the relaxations with their
 * warnings, no client certificate, a plain client, and no secret in any error, event or
 * `inspect()`. Nothing is mocked; whether a session is TLS is read from the node's own
 * `system_views.clients`.
 */
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect as connectLazy } from 'replicakit'
import type { ReplicaKitClient } from 'replicakit'
import { recordEvents, type EmittedEvent } from '../../fixtures/client-events.js'
import { connect } from 'replicakit/cassandra'
import type { CassandraConnection } from 'replicakit/cassandra'
import { ErrorCode } from '../../../src/errors/errors.js'
import { useSecureCassandra, type SecureCassandra } from '../../clusters/cassandra-fixture.js'
import { startTcpForwarder } from '../../clusters/cassandra-forwarder.js'
import { CLIENT_KEY_PASSWORD, ensureTlsFiles, type TlsFiles } from '../../clusters/tls-certs.js'
import { caught } from '../../fixtures/caught.js'

type Db = ReplicaKitClient<CassandraConnection>
type Emitted = EmittedEvent[]

/** An address the node's certificate does not name; the forwarder sends it on to the node. */
const UNNAMED_HOST = '127.0.0.6'
const APP_NAME = 'replicakit-tls-test'

let secure: SecureCassandra
let files: TlsFiles
const opened: Db[] = []

beforeAll(async () => {
  files = await ensureTlsFiles()
  const startedAt = performance.now()
  secure = await useSecureCassandra()
  const { startupMS, startedBy } = secure.ring.state
  console.info(
    `Cassandra secure node ready after ${Math.round(performance.now() - startedAt)} ms here ` +
      `(started by ${startedBy} in ${startupMS} ms)`,
  )
})

afterAll(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()))
})

/** The node's URI with the app's credentials and `query`; `host` replaces 127.0.0.5. */
function uri(query: string, host = secure.host): string {
  return (
    `cassandra://${secure.user}:${secure.password}@${host}/${secure.keyspace}` +
    `?localDataCenter=dc1&appName=${APP_NAME}&${query}`
  )
}

/** TLS with the test CA (or `ca`) and the client certificate the node requires. */
function tls(extra = '', ca = files.ca): string {
  return `tls=true&tlsCAFile=${ca}&tlsCertificateKeyFile=${files.client}${extra}`
}

/** `connect` from `replicakit/cassandra` (waits for the driver), closed after the file. */
async function open(query: string, host?: string): Promise<Db> {
  const db = await connect(uri(query, host))
  opened.push(db)
  return db
}

/**
 * `connect` from `replicakit` (returns at once), every event recorded from the start. The bounds are
 * longer than the test's own timeout: a refusal that waited for them instead of failing at once
 * would time the test out.
 */
async function openRecorded(query: string): Promise<{ db: Db; events: Emitted }> {
  const db = await connectLazy<CassandraConnection>(uri(query), {
    serverSelectionTimeoutMS: 120_000,
    timeoutMS: 120_000,
  })
  opened.push(db)
  return { db, events: recordEvents(db) }
}

/** What the node says about this client's sessions (its own `system_views.clients`). */
async function sessions(db: Db): Promise<{ ssl: boolean; protocol: string; user: string }[]> {
  const rs = await db.read((c) =>
    c.execute(
      'SELECT ssl_enabled, ssl_protocol, username, client_options FROM system_views.clients',
    ),
  )
  return rs.rows
    .filter((r) => (r['client_options'] as Record<string, string>)['APPLICATION_NAME'] === APP_NAME)
    .map((r) => ({
      ssl: r['ssl_enabled'] as boolean,
      protocol: String(r['ssl_protocol']),
      user: String(r['username']),
    }))
}

/** The warnings `db` emits once the caller listens (emitted on the turn after connect). */
async function warningsOf(db: Db): Promise<string[]> {
  const warnings: string[] = []
  db.on('warning', (w) => warnings.push(w.message))
  await new Promise((resolve) => setTimeout(resolve, 50))
  return warnings
}

describe('TLS to a Cassandra node that requires it', () => {
  it('connects and queries with the right CA and a client certificate, hostname verified, no warning', async () => {
    const db = await open(tls())
    const warnings = warningsOf(db)
    await db.write((c) =>
      c.execute('CREATE TABLE IF NOT EXISTS rk_tls (id int PRIMARY KEY, v text)'),
    )
    await db.write((c) =>
      c.execute('INSERT INTO rk_tls (id, v) VALUES (?, ?)', [1, 'over tls'], { prepare: true }),
    )
    const rs = await db.read((c) =>
      c.execute('SELECT v FROM rk_tls WHERE id = ?', [1], { prepare: true }),
    )
    expect(rs.rows[0]?.['v']).toBe('over tls')
    expect(rs.info.queriedHost).toBe(`${secure.host}:9042`)
    const mine = await sessions(db)
    expect(mine.length).toBeGreaterThan(0)
    for (const s of mine) expect(s).toMatchObject({ ssl: true, user: secure.user })
    expect(await warnings).toEqual([])
  })

  it('uses an encrypted client key with tlsCertificateKeyFilePassword', async () => {
    const db = await open(
      `tls=true&tlsCAFile=${files.ca}&tlsCertificateKeyFile=${files.clientEncrypted}` +
        `&tlsCertificateKeyFilePassword=${CLIENT_KEY_PASSWORD}`,
    )
    const rs = await db.read((c) => c.execute('SELECT release_version FROM system.local'))
    expect(rs.rows[0]?.['release_version']).toBe('5.0.6')
    for (const s of await sessions(db)) expect(s.ssl).toBe(true)
  })

  it('fails with TLS_CERTIFICATE_INVALID against a wrong CA, at once and never retried', async () => {
    const error = await caught(connect(uri(tls('', files.wrongCa))))
    expect(error.name).toBe('TlsError')
    expect(error.code).toBe(ErrorCode.TlsCertificateInvalid)
    expect(error.node).toBe(`${secure.host}:9042`)
    expect(error.message).toMatch(/could not be verified/)

    const { db, events } = await openRecorded(tls('', files.wrongCa))
    expect((await caught(db.connect())).code).toBe(ErrorCode.TlsCertificateInvalid)
    const call = await caught(db.read((c) => c.execute('SELECT now() FROM system.local')))
    expect(call.code).toBe(ErrorCode.TlsCertificateInvalid)
    expect(events.filter((e) => e.name === 'retry')).toEqual([])
  })

  it('accepts the wrong CA with tlsAllowInvalidCertificates, and warns', async () => {
    const db = await open(tls('&tlsAllowInvalidCertificates=true', files.wrongCa))
    const warnings = warningsOf(db)
    const rs = await db.read((c) => c.execute('SELECT release_version FROM system.local'))
    expect(rs.rows[0]?.['release_version']).toBe('5.0.6')
    expect(await warnings).toEqual([
      expect.stringMatching(/TLS certificate verification is off \(tlsAllowInvalidCertificates/),
    ])
  })

  it('fails with TLS_HOSTNAME_MISMATCH at an address the certificate does not name, and works there with tlsAllowInvalidHostnames (warning)', async () => {
    const forwarder = await startTcpForwarder(UNNAMED_HOST, secure.host, 9042)
    try {
      const error = await caught(connect(uri(tls(), UNNAMED_HOST)))
      expect(error.name).toBe('TlsError')
      expect(error.code).toBe(ErrorCode.TlsHostnameMismatch)
      expect(error.node).toBe(`${UNNAMED_HOST}:9042`)
      expect(error.message).toMatch(/does not name that host/)
      expect(error.message).toContain(UNNAMED_HOST)

      const db = await open(tls('&tlsAllowInvalidHostnames=true'), UNNAMED_HOST)
      const warnings = warningsOf(db)
      const rs = await db.read((c) => c.execute('SELECT release_version FROM system.local'))
      // The statement went through the unnamed address, over TLS.
      expect(rs.info.queriedHost).toBe(`${UNNAMED_HOST}:9042`)
      for (const s of await sessions(db)) expect(s.ssl).toBe(true)
      expect(await warnings).toEqual([
        expect.stringMatching(/TLS hostname verification is off \(tlsAllowInvalidHostnames\)/),
      ])
      await db.close()
    } finally {
      await forwarder.close()
    }
  })

  it('fails with TLS_HANDSHAKE_FAILED without the client certificate the node requires', async () => {
    const error = await caught(connect(uri(`tls=true&tlsCAFile=${files.ca}`)))
    expect(error.name).toBe('TlsError')
    expect(error.code).toBe(ErrorCode.TlsHandshakeFailed)
    expect(error.message).toMatch(/certificate required/)
    expect(error.message).toContain('tlsCertificateKeyFile')
  })

  it('fails with TLS_REQUIRED when the client connects without TLS, at once', async () => {
    const error = await caught(connect(uri('')))
    expect(error.name).toBe('TlsError')
    expect(error.code).toBe(ErrorCode.TlsRequired)
    expect(error.node).toBe(`${secure.host}:9042`)
    expect(error.message).toMatch(/accepts only TLS connections/)
    expect(error.message).toContain('tls=true')

    const { db, events } = await openRecorded('')
    expect((await caught(db.connect())).code).toBe(ErrorCode.TlsRequired)
    expect(
      (await caught(db.write((c) => c.execute('INSERT INTO rk_tls (id, v) VALUES (2, null)'))))
        .code,
    ).toBe(ErrorCode.TlsRequired)
    expect(events.filter((e) => e.name === 'retry')).toEqual([])
  })
})

describe('secrets', () => {
  it('keeps key material and passwords out of every error, event and inspect()', async () => {
    const keyBody = (path: string): string[] =>
      readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line))
        .slice(0, 3)
    const secrets = [
      CLIENT_KEY_PASSWORD,
      secure.password,
      'wrong-password-3f9a',
      'PRIVATE KEY',
      ...keyBody(files.clientKey),
      ...keyBody(files.clientEncrypted),
    ]
    const encrypted =
      `tlsCertificateKeyFile=${files.clientEncrypted}` +
      `&tlsCertificateKeyFilePassword=${CLIENT_KEY_PASSWORD}`
    const texts: string[] = []
    const failing = [
      `tls=true&tlsCAFile=${files.wrongCa}&${encrypted}`, // certificate
      `tls=true&tlsCAFile=${files.ca}`, // no client certificate
      '', // plain
    ]
    for (const query of failing) {
      const { db, events } = await openRecorded(query)
      const error = await caught(db.read((c) => c.execute('SELECT now() FROM system.local')))
      texts.push(error.message, inspect(error, { depth: 10 }), JSON.stringify(error))
      texts.push(inspect(events, { depth: 10 }), inspect(db, { depth: 4 }))
    }
    const wrongPassword = uri(`tls=true&tlsCAFile=${files.ca}&${encrypted}`).replace(
      `:${secure.password}@`,
      ':wrong-password-3f9a@',
    )
    const refused = await caught(connect(wrongPassword))
    texts.push(refused.message, inspect(refused, { depth: 10 }))

    const { db, events } = await openRecorded(`tls=true&tlsCAFile=${files.ca}&${encrypted}`)
    await db.read((c) => c.execute('SELECT now() FROM system.local'))
    texts.push(inspect(db, { depth: 6 }), inspect(events, { depth: 10 }), JSON.stringify(events))
    // The driver client itself, however deep (Node keeps each TLS socket's connect options).
    texts.push(await db.read(async (c) => inspect(c.client, { depth: 14 })))
    texts.push(inspect(db.options, { depth: 6 }), JSON.stringify(db.options))

    for (const text of texts) {
      for (const secret of secrets) expect(text).not.toContain(secret)
    }
  })
})
