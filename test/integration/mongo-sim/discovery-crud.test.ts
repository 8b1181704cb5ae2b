/**
 * The simulator as the official driver sees it: discovery from one seed (roles, tags, arbiter,
 * passive and hidden members), CRUD with cursors, and tagged secondary reads.
 */
import type { CommandStartedEvent } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMongoSim, type MongoSim } from '../../clusters/mongo-sim.js'
import { addressOf, ClientPool, trackServers } from './sim-helpers.js'

describe('mongo-sim with the mongodb driver', () => {
  let sim: MongoSim
  const pool = new ClientPool()

  beforeAll(async () => {
    sim = await startMongoSim({
      members: [
        { tags: { dc: 'east' } },
        { tags: { dc: 'west' } },
        { priority: 0, tags: { dc: 'north' } },
        { hidden: true },
        { arbiter: true },
      ],
    })
  })

  afterAll(async () => {
    await pool.closeAll()
    await sim.stop()
  })

  it('discovers every visible member with its role and tags from one seed', async () => {
    const seeded = pool.create(`mongodb://${addressOf(sim, 'm2')}/?replicaSet=rs0`)
    const servers = trackServers(seeded)
    await seeded.connect()
    await expect
      .poll(() => [...servers.values()].filter((s) => s.type !== 'Unknown').length, {
        timeout: 10_000,
      })
      .toBe(4)
    const byName = (name: string) => servers.get(addressOf(sim, name))
    expect(byName('m1')?.type).toBe('RSPrimary')
    expect(byName('m2')?.type).toBe('RSSecondary')
    expect(byName('m3')?.type).toBe('RSSecondary')
    expect(byName('m5')?.type).toBe('RSArbiter')
    expect(byName('m4')).toBeUndefined() // hidden: in no member's hello lists
    expect(byName('m1')?.tags).toEqual({ dc: 'east' })
    expect(byName('m3')?.tags).toEqual({ dc: 'north' })
    expect(byName('m1')?.setName).toBe('rs0')
    expect(byName('m1')?.electionId).toBeDefined()
  })

  it('inserts, finds through getMore, updates, upserts, counts and deletes', async () => {
    const getMores: CommandStartedEvent[] = []
    const monitored = await pool.connect(sim.uri, { monitorCommands: true })
    monitored.on('commandStarted', (event) => {
      if (event.commandName === 'getMore') getMores.push(event)
    })
    const things = monitored.db('app').collection<{ i: number; x?: number; up?: boolean }>('things')
    await things.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })))
    const all = await things.find({}, { batchSize: 40 }).sort({ i: -1 }).toArray()
    expect(all).toHaveLength(250)
    expect(all[0]?.i).toBe(249)
    expect(getMores.length).toBeGreaterThan(0)
    expect(await things.countDocuments({ i: { $gte: 100, $lt: 200 } })).toBe(100)
    expect(await things.countDocuments({ i: { $in: [1, 2, 3, 999] } })).toBe(3)

    const updated = await things.updateOne({ i: 7 }, { $set: { x: 1 }, $inc: { i: 1000 } })
    expect(updated.modifiedCount).toBe(1)
    expect(await things.findOne({ x: 1 }, { projection: { _id: 0 } })).toEqual({ i: 1007, x: 1 })
    const many = await things.updateMany({ i: { $lt: 5 } }, { $set: { x: 2 } })
    expect(many.matchedCount).toBe(5)
    const upserted = await things.updateOne({ i: -1 }, { $set: { up: true } }, { upsert: true })
    expect(upserted.upsertedCount).toBe(1)
    expect(await things.findOne({ up: true }, { projection: { _id: 0 } })).toEqual({
      i: -1,
      up: true,
    })

    const deleted = await things.deleteMany({ x: 2 })
    expect(deleted.deletedCount).toBe(5)
    expect(await things.estimatedDocumentCount()).toBe(246)
    const cursor = things.find({}, { batchSize: 10 })
    await cursor.next()
    await cursor.close() // killCursors
  })

  it('reads from the secondary whose tags match the read preference', async () => {
    const tagged = await pool.connect(sim.uri, { monitorCommands: true })
    const addresses: string[] = []
    tagged.on('commandSucceeded', (event) => {
      if (event.commandName === 'find') addresses.push(event.address)
    })
    await tagged
      .db('app')
      .collection('tagged')
      .insertOne({ k: 1 }, { writeConcern: { w: 4 } })
    for (let i = 0; i < 5; i += 1) {
      const docs = await tagged
        .db('app')
        .collection('tagged')
        .find({ k: 1 }, { readPreference: { mode: 'secondary', tags: [{ dc: 'north' }] } as never })
        .toArray()
      expect(docs).toHaveLength(1)
    }
    expect(new Set(addresses)).toEqual(new Set([addressOf(sim, 'm3')]))
  })

  it('refuses a primary read on a secondary and writes on a non-primary', async () => {
    const direct = await pool.connect(`mongodb://${addressOf(sim, 'm2')}/?directConnection=true`)
    const error = await direct
      .db('app')
      .command({ insert: 'x', documents: [{ a: 1 }] })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 10107, codeName: 'NotWritablePrimary' })
    expect((error as { errorLabels?: string[] }).errorLabels).toContain('RetryableWriteError')
  })
})
