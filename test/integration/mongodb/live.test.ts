/**
 * The MongoDB adapter against a real replica set, when `REPLICAKIT_MONGODB_URI` names one (e.g. three
 * local `mongod`, see docs/mongodb.md); skipped with the reason otherwise. Only what a client can do
 * to a set it does not own runs here: scenarios that kill or pause members are simulator-only
 * (test/integration/mongodb/sim-*.test.ts). When the URI says `tls=true`, the TLS cases run too
 * (the right CA from the URI, a wrong CA, a plain client; a wrong password when the URI has
 * credentials); they are skipped, saying why, otherwise.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'replicakit/mongodb'
import type { MongoConn } from 'replicakit/mongodb'
import { ErrorCode, isReplicaKitError, NodeType } from '../../../src/index.js'
import type { ReplicaKitClient } from '../../../src/index.js'
import { ensureTlsFiles } from '../../clusters/tls-certs.js'

const LIVE_URI = process.env['REPLICAKIT_MONGODB_URI'] ?? ''
const SKIP_REASON = 'REPLICAKIT_MONGODB_URI is not set: no real replica set to test against'
const LIVE_QUERY = new URLSearchParams(LIVE_URI.split('?')[1] ?? '')
const LIVE_TLS = ['tls', 'ssl'].some((name) => LIVE_QUERY.get(name) === 'true')
const TLS_SKIP_REASON =
  LIVE_URI === ''
    ? SKIP_REASON
    : 'REPLICAKIT_MONGODB_URI does not say tls=true: the set is not reached over TLS'
/** The credentials of the live URI (`user:password@`), if it has any. */
const LIVE_CREDENTIALS = /^mongodb:\/\/([^@/]+)@/.exec(LIVE_URI)?.[1]

/** The live URI with query option `name` set to `value` (or removed when `undefined`). */
function withOption(uri: string, name: string, value: string | undefined): string {
  const [base = '', query = ''] = uri.split('?')
  const params = new URLSearchParams(query)
  if (value === undefined) params.delete(name)
  else params.set(name, value)
  const text = params.toString()
  return text === '' ? base : `${base}?${text}`
}

describe.skipIf(LIVE_URI === '')(
  `MongoDB adapter on a real replica set (${SKIP_REASON} when skipped)`,
  () => {
    let db: ReplicaKitClient<MongoConn>
    const collection = `rk_live_${randomBytes(4).toString('hex')}`

    beforeAll(async () => {
      db = await connect(LIVE_URI, { heartbeatFrequencyMS: 1_000, timeoutMS: 15_000 })
      await db.waitForPrimary()
    })

    afterAll(async () => {
      await db.write(({ db: d }) => d.collection(collection).drop()).catch(() => undefined)
      await db.close()
    })

    it('discovers a primary and its secondaries', async () => {
      await expect
        .poll(() => db.topology().nodes.filter((n) => n.type === NodeType.Secondary).length)
        .toBeGreaterThan(0)
      expect(db.topology().nodes.filter((n) => n.type === NodeType.Primary)).toHaveLength(1)
    })

    it('writes with w:majority and reads the write back on a secondary in the same session', async () => {
      const session = db.startSession()
      try {
        await db.write(
          ({ db: d, session: s }) =>
            d.collection(collection).insertOne({ k: 'causal' }, { session: s }),
          { session, w: 'majority' },
        )
        const found = await db.read(
          ({ db: d, session: s }) =>
            d.collection(collection).findOne({ k: 'causal' }, { session: s }),
          { session, readPreference: 'secondaryPreferred' },
        )
        expect(found?.['k']).toBe('causal')
      } finally {
        await session.end()
      }
    })

    it('maps duplicate key to DUPLICATE_KEY 11000', async () => {
      await db.write(({ db: d }) => d.collection(collection).insertOne({ _id: 'dup' as never }))
      const error = await db
        .write(({ db: d }) => d.collection(collection).insertOne({ _id: 'dup' as never }))
        .catch((e: unknown) => e)
      expect(isReplicaKitError(error)).toBe(true)
      expect(error).toMatchObject({ code: ErrorCode.DuplicateKey, nativeCode: 11000 })
    })

    it('reports an unsatisfiable w as a WriteConcernError', async () => {
      const error = await db
        .write(({ db: d }) => d.collection(collection).insertOne({ k: 'w50' }), {
          w: 50,
          wtimeoutMS: 500,
        })
        .catch((e: unknown) => e)
      expect(isReplicaKitError(error)).toBe(true)
      expect((error as Error).name).toBe('WriteConcernError')
    })

    it.skip('kill -9, SIGSTOP and drop-reply scenarios are simulator-only (sim-failover.test.ts)', () => {})
  },
)

describe.skipIf(!LIVE_TLS)(
  `MongoDB adapter on a real replica set over TLS (${TLS_SKIP_REASON} when skipped)`,
  () => {
    const opened: ReplicaKitClient<MongoConn>[] = []
    /** Far beyond the test's timeout: a call that waited for these would time the test out. */
    const NEVER = { serverSelectionTimeoutMS: 600_000, timeoutMS: 600_000 }

    afterAll(async () => {
      await Promise.all(opened.map((c) => c.close()))
    })

    async function open(uri: string): Promise<ReplicaKitClient<MongoConn>> {
      const client = await connect(uri, { heartbeatFrequencyMS: 1_000, ...NEVER })
      opened.push(client)
      return client
    }

    it('discovers the set and runs calls over TLS', async () => {
      const client = await open(LIVE_URI)
      await client.waitForPrimary()
      expect(client.options.tls.enabled).toBe(true)
      await client.read(({ db: d }) => d.command({ ping: 1 }))
      await expect
        .poll(() => client.topology().nodes.filter((n) => n.error === null).length)
        .toBeGreaterThan(1)
    })

    it.skipIf(
      ['tlsAllowInvalidCertificates', 'tlsInsecure'].some((o) => LIVE_QUERY.get(o) === 'true'),
    )(
      'fails at once with TLS_CERTIFICATE_INVALID with a CA that did not sign the members',
      async () => {
        const files = await ensureTlsFiles()
        const client = await open(withOption(LIVE_URI, 'tlsCAFile', files.wrongCa))
        const error = await client.connect().catch((e: unknown) => e)
        expect(error).toMatchObject({ code: ErrorCode.TlsCertificateInvalid })
      },
    )

    it('gives a plain client TLS_REQUIRED when the set accepts only TLS (requireTLS), else serves it', async () => {
      let plain = withOption(withOption(LIVE_URI, 'tls', undefined), 'ssl', undefined)
      for (const name of ['tlsCAFile', 'tlsCertificateKeyFile', 'tlsCertificateKeyFilePassword']) {
        plain = withOption(plain, name, undefined)
      }
      const client = await open(withOption(plain, 'tls', 'false'))
      const outcome = await client.connect().then(
        () => 'served',
        (e: unknown) => (isReplicaKitError(e) ? e.code : String(e)),
      )
      expect(['served', ErrorCode.TlsRequired]).toContain(outcome)
    })

    it.skipIf(LIVE_CREDENTIALS === undefined)(
      'fails at once with AUTHENTICATION_FAILED for a wrong password (SCRAM)',
      async () => {
        const user = (LIVE_CREDENTIALS ?? '').split(':')[0] ?? ''
        const wrong = LIVE_URI.replace(`${LIVE_CREDENTIALS ?? ''}@`, `${user}:not-the-password@`)
        const client = await open(wrong)
        const error = await client.connect().catch((e: unknown) => e)
        expect(error).toMatchObject({ code: ErrorCode.AuthenticationFailed })
      },
    )
  },
)
