/**
 * SCRAM-SHA-256 through the MongoDB adapter against FerretDB 1.24 with its experimental
 * authentication on (`--test-enable-new-auth`: users in `admin.system.users`, SCRAM-SHA-1 and
 * SCRAM-SHA-256), as a one-member replica set `rs0`: the right credentials work; wrong ones fail
 * `db.connect()` and every call at once with AUTHENTICATION_FAILED (`serverSelectionTimeoutMS`
 * and `timeoutMS` are far beyond the test's own timeout); a refused client recovers when the user
 * appears; the password appears in no error, `inspect()` or event.
 */
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'replicakit/mongodb'
import type { MongoConn } from 'replicakit/mongodb'
import { ErrorCode, isReplicaKitError } from '../../../src/index.js'
import type { ClientEventName, ReplicaKitClient } from '../../../src/index.js'
import { startFerretdb, type FerretdbServer } from '../../clusters/ferretdb-server.js'

const ADMIN = 'rk-admin'
const ADMIN_PASSWORD = 'scram-admin-pass-1c7e'
const WRONG_PASSWORD = 'scram-wrong-pass-9a2b'
const LATE_PASSWORD = 'scram-late-pass-3d4f'
/** Far beyond any test's timeout: a call that waited for these would time the test out. */
const NEVER_MS = 600_000
const EVENTS: readonly ClientEventName[] = [
  'topologyChanged',
  'nodeChanged',
  'primaryChanged',
  'heartbeatFailed',
  'retry',
  'warning',
]

describe('MongoDB adapter: SCRAM-SHA-256 on FerretDB', () => {
  let server: FerretdbServer
  const clients: ReplicaKitClient<MongoConn>[] = []
  /** Errors, inspections and events, checked for passwords at the end. */
  const seen: string[] = []

  beforeAll(async () => {
    server = await startFerretdb({ auth: { username: ADMIN, password: ADMIN_PASSWORD } })
  })

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await server.stop()
  })

  /** The server's URI with `user:password@` and `params`. */
  function uri(user: string, password: string, params = ''): string {
    const credentials = `${encodeURIComponent(user)}:${encodeURIComponent(password)}@`
    return `${server.uri.replace('mongodb://', `mongodb://${credentials}`)}${params}`
  }

  async function open(target: string): Promise<ReplicaKitClient<MongoConn>> {
    const db = await connect(target, {
      heartbeatFrequencyMS: 500,
      serverSelectionTimeoutMS: NEVER_MS,
      timeoutMS: NEVER_MS,
    })
    clients.push(db)
    for (const name of EVENTS) {
      db.on(name, (payload: unknown) => {
        seen.push(`${name} ${inspect(payload, { depth: Infinity })}`)
      })
    }
    return db
  }

  it.each([
    ['SCRAM-SHA-256 named in the URI', '&authMechanism=SCRAM-SHA-256'],
    ['the mechanism negotiated (saslSupportedMechs)', ''],
  ])('works with the right credentials: %s', async (_name, params) => {
    const db = await open(uri(ADMIN, ADMIN_PASSWORD, `${params}&authSource=admin`))
    await db.connect()
    await db.write(({ db: d }) => d.collection('auth').insertOne({ by: _name }))
    expect(await db.read(({ db: d }) => d.collection('auth').countDocuments({ by: _name }))).toBe(1)
    expect(db.topology().nodes.every((n) => n.error === null)).toBe(true)
  })

  it.each([
    ['a wrong password', ADMIN, WRONG_PASSWORD],
    ['an unknown user', 'rk-nobody', WRONG_PASSWORD],
  ])(
    'fails connect() and every call at once with AUTHENTICATION_FAILED for %s',
    async (_name, user, password) => {
      const db = await open(uri(user, password, '&authMechanism=SCRAM-SHA-256'))
      const connectError = await db.connect().catch((e: unknown) => e)
      expect(isReplicaKitError(connectError)).toBe(true)
      expect(connectError).toMatchObject({ code: ErrorCode.AuthenticationFailed })
      const readError = await db
        .read(({ db: d }) => d.collection('auth').countDocuments())
        .catch((e: unknown) => e)
      expect(readError).toMatchObject({ code: ErrorCode.AuthenticationFailed, nativeCode: 18 })
      const writeError = await db
        .write(({ db: d }) => d.collection('auth').insertOne({ never: true }))
        .catch((e: unknown) => e)
      expect(writeError).toMatchObject({ code: ErrorCode.AuthenticationFailed })
      // The member is shown refusing this client, as a MySQL node whose probe cannot log in.
      const nodes = db.topology().nodes
      expect(nodes).toHaveLength(1)
      expect(nodes[0]!.error).toMatch(/refused the credentials/)
      for (const e of [connectError, readError, writeError]) {
        seen.push(String(e), inspect(e, { depth: Infinity }))
      }
      seen.push(inspect(db, { depth: Infinity }))
    },
  )

  it('recovers when the refused user is created: the next call authenticates', async () => {
    const db = await open(uri('rk-late', LATE_PASSWORD, '&authMechanism=SCRAM-SHA-256'))
    await expect(db.connect()).rejects.toMatchObject({ code: ErrorCode.AuthenticationFailed })
    const admin = await open(uri(ADMIN, ADMIN_PASSWORD))
    await admin.write(({ useDb }) =>
      useDb('admin').command({ createUser: 'rk-late', pwd: LATE_PASSWORD, roles: [] }),
    )
    await db.write(({ db: d }) => d.collection('auth').insertOne({ by: 'late' }))
    expect(await db.read(({ db: d }) => d.collection('auth').countDocuments({ by: 'late' }))).toBe(
      1,
    )
    await db.connect()
    await expect.poll(() => db.topology().nodes.every((n) => n.error === null)).toBe(true)
  })

  it('puts no password in any error, inspect() or event', () => {
    const all = [...seen, ...clients.map((c) => inspect(c, { depth: Infinity }))].join('\n')
    expect(seen.length).toBeGreaterThan(0)
    for (const password of [ADMIN_PASSWORD, WRONG_PASSWORD, LATE_PASSWORD]) {
      expect(all).not.toContain(password)
    }
  })
})
