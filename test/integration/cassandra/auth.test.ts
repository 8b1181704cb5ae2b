/**
 * PasswordAuthenticator on a real Cassandra 5.0.6 node (the harness's secure node on 127.0.0.5,
 * TLS with a client certificate required as well): the right credentials log in as the app's role,
 * wrong or missing ones fail at once with AUTHENTICATION_FAILED — from `connect`, `db.connect()` and a
 * call — never retried, and the password appears in no error, event or `inspect()`.
 */
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect as connectLazy } from 'replicakit'
import type { ReplicaKitClient } from 'replicakit'
import { connect } from 'replicakit/cassandra'
import type { CassandraConnection } from 'replicakit/cassandra'
import { ErrorCode } from '../../../src/errors/errors.js'
import { useSecureCassandra, type SecureCassandra } from '../../clusters/cassandra-fixture.js'
import { ensureTlsFiles, type TlsFiles } from '../../clusters/tls-certs.js'
import { caught } from '../../fixtures/caught.js'

type Db = ReplicaKitClient<CassandraConnection>

const WRONG_PASSWORD = 'not-the-password-61c0'

let secure: SecureCassandra
let files: TlsFiles
const opened: Db[] = []

beforeAll(async () => {
  files = await ensureTlsFiles()
  secure = await useSecureCassandra()
})

afterAll(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()))
})

/** The node's URI with `credentials` (`user:password@`, or '' for none) and the TLS it requires. */
function uri(credentials: string): string {
  return (
    `cassandra://${credentials}${secure.host}/${secure.keyspace}?localDataCenter=dc1` +
    `&tls=true&tlsCAFile=${files.ca}&tlsCertificateKeyFile=${files.client}`
  )
}

/**
 * `connect` from `replicakit` (returns at once), with bounds longer than the test's own timeout: a
 * refusal that waited for them instead of failing at once would time the test out.
 */
async function openLazy(credentials: string): Promise<{ db: Db; retries: unknown[] }> {
  const db = await connectLazy<CassandraConnection>(uri(credentials), {
    serverSelectionTimeoutMS: 120_000,
    timeoutMS: 120_000,
  })
  opened.push(db)
  const retries: unknown[] = []
  db.on('retry', (e) => retries.push(e))
  return { db, retries }
}

describe('PasswordAuthenticator', () => {
  it('logs in with the right user name and password, as that role', async () => {
    const db = await connect(uri(`${secure.user}:${secure.password}@`))
    opened.push(db)
    const rs = await db.read((c) =>
      c.execute('SELECT username, ssl_enabled FROM system_views.clients'),
    )
    expect(rs.rows.length).toBeGreaterThan(0)
    for (const row of rs.rows) expect(row['username']).toBe(secure.user)
  })

  it('fails a wrong password at once with AUTHENTICATION_FAILED: connect, db.connect() and calls, never retried', async () => {
    const credentials = `${secure.user}:${WRONG_PASSWORD}@`
    const error = await caught(connect(uri(credentials)))
    expect(error.name).toBe('ConfigError')
    expect(error.code).toBe(ErrorCode.AuthenticationFailed)
    expect(error.node).toBe(`${secure.host}:9042`)
    expect(error.message).toMatch(/Provided username replicakit_app and\/or password are incorrect/)

    const { db, retries } = await openLazy(credentials)
    expect((await caught(db.connect())).code).toBe(ErrorCode.AuthenticationFailed)
    const read = await caught(db.read((c) => c.execute('SELECT now() FROM system.local')))
    expect(read.code).toBe(ErrorCode.AuthenticationFailed)
    const write = await caught(
      db.write((c) => c.execute('CREATE TABLE IF NOT EXISTS rk_auth (id int PRIMARY KEY)')),
    )
    expect(write.code).toBe(ErrorCode.AuthenticationFailed)
    expect(write.hasLabel('NoWritesPerformed')).toBe(true)
    expect(retries).toEqual([])
  })

  it('fails an unknown user the same way', async () => {
    const error = await caught(connect(uri(`nobody:${WRONG_PASSWORD}@`)))
    expect(error.code).toBe(ErrorCode.AuthenticationFailed)
  })

  it('fails without credentials with AUTHENTICATION_FAILED saying the node requires them', async () => {
    const error = await caught(connect(uri('')))
    expect(error.code).toBe(ErrorCode.AuthenticationFailed)
    expect(error.message).toMatch(/requires authentication/)
  })

  it('never shows the password, right or wrong', async () => {
    const texts: string[] = []
    const { db } = await openLazy(`${secure.user}:${WRONG_PASSWORD}@`)
    const events: unknown[] = []
    db.on('nodeChanged', (e) => events.push(e))
    db.on('topologyChanged', (e) => events.push(e))
    const error = await caught(db.read((c) => c.execute('SELECT now() FROM system.local')))
    texts.push(error.message, inspect(error, { depth: 10 }), JSON.stringify(error))
    texts.push(inspect(db, { depth: 6 }), inspect(db.options), JSON.stringify(db.options))
    texts.push(inspect(events, { depth: 10 }), inspect(db.topology(), { depth: 10 }))

    const good = await connect(uri(`${secure.user}:${secure.password}@`))
    opened.push(good)
    texts.push(await good.read(async (c) => inspect(c.client, { depth: 14 })))
    texts.push(inspect(good, { depth: 6 }))
    for (const text of texts) {
      expect(text).not.toContain(WRONG_PASSWORD)
      expect(text).not.toContain(secure.password)
    }
  })
})
