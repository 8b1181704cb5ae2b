/**
 * The MongoDB adapter against a real replica set, when `REPLICAKIT_MONGODB_URI` names one (e.g. three
 * local `mongod`, see docs/mongodb.md); skipped with the reason otherwise. Only what a client can do
 * to a set it does not own runs here: scenarios that kill or pause members are simulator-only
 * (test/integration/mongodb/sim-*.test.ts).
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'replicakit/mongodb'
import type { MongoConn } from 'replicakit/mongodb'
import { ErrorCode, isReplicaKitError, NodeType } from '../../../src/index.js'
import type { ReplicaKitClient } from '../../../src/index.js'

const LIVE_URI = process.env['REPLICAKIT_MONGODB_URI'] ?? ''
const SKIP_REASON = 'REPLICAKIT_MONGODB_URI is not set: no real replica set to test against'

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
