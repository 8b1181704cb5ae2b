/**
 * The MongoDB adapter against the wire-protocol replica-set simulator, through the real driver:
 * discovery from one seed, retried `$inc` applied once, wtimeout as a WriteConcernError, writes
 * continuing through kill and step-down with no acknowledged write lost, a paused member bounded
 * by the deadline, and a set without a primary. The kill and step-down run again on a set whose
 * client ports accept only TLS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, ErrorLabel, isReplicaKitError, NodeType } from '../../../src/index.js'
import type { ReplicaKitClient, ReplicaKitError } from '../../../src/index.js'
import type { MongoConn } from 'replicakit/mongodb'
import { startMongoSim, type MongoSim } from '../../clusters/mongo-sim.js'
import { ensureTlsFiles, type TlsFiles } from '../../clusters/tls-certs.js'
import { memberAddress, RkClients } from './mongodb-sim-helpers.js'

function rkError(value: unknown): ReplicaKitError {
  expect(isReplicaKitError(value)).toBe(true)
  return value as ReplicaKitError
}

/**
 * Writes through a `kill -9` of the primary and a step-down with `db` (a client with `w:majority`
 * on `sim`), and checks that every acknowledged write survives. Run on a plain set and on a set
 * with TLS on its client ports.
 */
async function writesSurviveKillAndStepDown(
  sim: MongoSim,
  db: ReplicaKitClient<MongoConn>,
): Promise<void> {
  const acked: number[] = []
  const failed: string[] = []
  let next = 0
  const writeOne = async (): Promise<void> => {
    const id = next++
    try {
      // An upsert by _id is safe to run twice: the core may re-run it after an unknown outcome.
      await db.write(
        ({ db: d }) =>
          d
            .collection('acks')
            .updateOne({ _id: id as never }, { $set: { v: id } }, { upsert: true }),
        { idempotent: true },
      )
      acked.push(id)
    } catch (error: unknown) {
      failed.push(rkError(error).code)
    }
  }
  for (let i = 0; i < 10; i++) await writeOne()
  const first = await sim.waitForPrimary()
  await sim.kill(first)
  for (let i = 0; i < 20; i++) await writeOne()
  await sim.stepDown()
  for (let i = 0; i < 20; i++) await writeOne()
  await sim.restart(first)
  // Writes went on through the same client after both failovers.
  expect(acked.filter((id) => id >= 30).length).toBeGreaterThan(0)
  expect(acked.filter((id) => id >= 10 && id < 30).length).toBeGreaterThan(0)
  const stored = await db.read(({ db: d }) =>
    d
      .collection('acks')
      .find({}, { projection: { _id: 1 } })
      .toArray(),
  )
  const ids = new Set(stored.map((doc) => doc._id as unknown as number))
  expect(acked.filter((id) => !ids.has(id))).toEqual([])
  expect(failed.every((code) => code.length > 0)).toBe(true)
}

describe('MongoDB adapter on the simulator: failover', () => {
  let sim: MongoSim
  const clients = new RkClients()

  beforeAll(async () => {
    sim = await startMongoSim({ members: 3 })
  })

  afterAll(async () => {
    await clients.closeAll()
    await sim.stop()
  })

  it('discovers the whole set from one seed and pushes the driver view into topology()', async () => {
    const seed = memberAddress(sim, 'm2')
    const db = await clients.connect(`mongodb://${seed}/?replicaSet=rs0`)
    const primary = await db.waitForPrimary()
    expect(primary).toBe(memberAddress(sim, await sim.waitForPrimary()))
    await expect.poll(() => db.topology().nodes.length).toBe(3)
    const nodes = db.topology().nodes
    expect(nodes.filter((n) => n.type === NodeType.Primary)).toHaveLength(1)
    expect(nodes.filter((n) => n.type === NodeType.Secondary)).toHaveLength(2)
    expect(db.topology().setName).toBe('rs0')
    await db.write(({ db: d }) => d.collection('seed').insertOne({ k: 1 }))
    expect(await db.read(({ db: d }) => d.collection('seed').countDocuments())).toBe(1)
  })

  it('applies a non-idempotent $inc once when the primary drops its reply (the driver retries under one txnNumber)', async () => {
    const db = await clients.connect(sim.uri)
    await db.write(({ db: d }) => d.collection('counter').insertOne({ _id: 'c' as never, n: 0 }))
    const retries: unknown[] = []
    db.on('retry', (e) => retries.push(e))
    await sim.dropReply(await sim.waitForPrimary(), 1)
    await db.write(({ db: d }) =>
      d.collection('counter').updateOne({ _id: 'c' as never }, { $inc: { n: 1 } }),
    )
    const doc = await db.read(({ db: d }) => d.collection('counter').findOne({ _id: 'c' as never }))
    expect(doc?.['n']).toBe(1)
    // The driver's own retry recovered it: the core ran fn once.
    expect(retries).toHaveLength(0)
  })

  it('reports a wtimeout as a WriteConcernError with nativeCode 64, not retried', async () => {
    const db = await clients.connect(sim.uri)
    const retries: unknown[] = []
    db.on('retry', (e) => retries.push(e))
    const secondaries = (await sim.status()).filter((m) => m.role === 'secondary')
    await sim.setLag(60_000, secondaries[0]!.name)
    try {
      const error = await db
        .write(({ db: d }) => d.collection('wc').insertOne({ k: 'lagged' }), {
          w: 3,
          wtimeoutMS: 300,
        })
        .catch((e: unknown) => e)
      const e = rkError(error)
      expect(e.name).toBe('WriteConcernError')
      expect(e).toMatchObject({ code: ErrorCode.WriteConcernTimeout, nativeCode: 64 })
      expect(retries).toHaveLength(0)
      // The write happened on the primary (not rolled back) and exists once.
      expect(await db.read(({ db: d }) => d.collection('wc').countDocuments({ k: 'lagged' }))).toBe(
        1,
      )
    } finally {
      await sim.setLag(0, secondaries[0]!.name)
    }
  })

  it('keeps writing through a kill -9 and a step-down; every acknowledged w:majority write survives', async () => {
    await writesSurviveKillAndStepDown(sim, await clients.connect(sim.uri, { w: 'majority' }))
  })

  it('bounds a call by its deadline while the primary is paused, then recovers', async () => {
    const db = await clients.connect(sim.uri)
    await db.waitForPrimary()
    const primary = await sim.waitForPrimary()
    await sim.pause(primary)
    try {
      const outcome = await db
        .write(({ db: d }) => d.collection('paused').insertOne({ k: 1 }), { timeoutMS: 2_000 })
        .then(
          () => 'written',
          (e: unknown) => rkError(e).code,
        )
      // Either a new primary took the write in time, or the call ended at its deadline, typed.
      expect(['written', ErrorCode.OperationTimeout, ErrorCode.ServerSelectionTimeout]).toContain(
        outcome,
      )
      const read = await db
        .read(({ db: d }) => d.collection('seed').countDocuments(), {
          readPreference: 'secondaryPreferred',
          timeoutMS: 2_000,
        })
        .catch((e: unknown) => rkError(e).code)
      // A secondary answers (its copy may still be resyncing), or the call ends at its deadline.
      expect(typeof read === 'number' || read === ErrorCode.OperationTimeout).toBe(true)
    } finally {
      await sim.resume(primary)
    }
    await sim.waitForPrimary()
    await db.write(({ db: d }) => d.collection('paused').insertOne({ k: 2 }))
  })

  it('without a primary serves primaryPreferred reads from a secondary and fails writes, typed, by their deadline', async () => {
    const db = await clients.connect(sim.uri)
    await db.write(({ db: d }) => d.collection('np').insertOne({ k: 'before' }), { w: 3 })
    const primary = await sim.waitForPrimary()
    const other = (await sim.status()).find((m) => m.role === 'secondary')!.name
    await sim.kill(primary)
    await sim.kill(other)
    await expect
      .poll(() => db.topology().nodes.some((n) => n.type === NodeType.Primary), { timeout: 10_000 })
      .toBe(false)
    const n = await db.read(({ db: d }) => d.collection('np').countDocuments({ k: 'before' }), {
      readPreference: 'primaryPreferred',
    })
    expect(n).toBe(1)
    const error = rkError(
      await db
        .write(({ db: d }) => d.collection('np').insertOne({ k: 'during' }), { timeoutMS: 1_500 })
        .catch((e: unknown) => e),
    )
    expect([ErrorCode.OperationTimeout, ErrorCode.ServerSelectionTimeout]).toContain(error.code)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(false)
    await sim.restart(primary)
    await sim.restart(other)
    await sim.waitForPrimary()
    const during = await db.read(({ db: d }) => d.collection('np').countDocuments({ k: 'during' }))
    expect(during).toBe(0)
  })
})

describe('MongoDB adapter on the simulator with TLS on: failover', () => {
  let sim: MongoSim
  let files: TlsFiles
  const clients = new RkClients()

  beforeAll(async () => {
    files = await ensureTlsFiles()
    sim = await startMongoSim({
      members: 3,
      tls: { certFile: files.serverCert('127.0.0.1'), keyFile: files.serverKey('127.0.0.1') },
    })
  })

  afterAll(async () => {
    await clients.closeAll()
    await sim.stop()
  })

  it('keeps writing through a kill -9 and a step-down over TLS; every acknowledged w:majority write survives', async () => {
    // The members accept only TLS: every heartbeat, pooled connection and retry here is over TLS.
    const db = await clients.connect(`${sim.uri}&tls=true&tlsCAFile=${files.ca}`, {
      w: 'majority',
    })
    await writesSurviveKillAndStepDown(sim, db)
    await expect.poll(() => db.topology().nodes.filter((n) => n.error === null).length).toBe(3)
  })
})
