/**
 * Failures of member processes under the driver: kill -9 of the primary (a new primary with a
 * larger electionId, writes continue), a paused member (server selection avoids it), rollback of
 * writes an old primary never replicated, and no majority (no primary at all).
 */
import {
  MongoNetworkError,
  MongoServerSelectionError,
  type MongoClient,
  type ServerDescription,
} from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMongoSim, type MongoSim } from '../../clusters/mongo-sim.js'
import { addressOf, ClientPool, readFrom, trackServers } from './sim-helpers.js'

function primaryOf(servers: Map<string, ServerDescription>): ServerDescription | undefined {
  return [...servers.values()].find((s) => s.type === 'RSPrimary')
}

describe('mongo-sim failover', () => {
  let sim: MongoSim
  let client: MongoClient
  let servers: Map<string, ServerDescription>
  const pool = new ClientPool()

  beforeAll(async () => {
    sim = await startMongoSim({ members: 3, electionTimeoutMS: 1000 })
    client = pool.create(sim.uri, { retryWrites: true, heartbeatFrequencyMS: 500 })
    servers = trackServers(client)
    await client.connect()
  })

  afterAll(async () => {
    await pool.closeAll()
    await sim.stop()
  })

  it('elects a new primary with a larger electionId when the primary is killed, and writes continue', async () => {
    const docs = client.db('app').collection('failover')
    await docs.insertOne({ k: 'before' })
    const oldPrimary = await sim.waitForPrimary()
    await expect.poll(() => primaryOf(servers)?.address).toBe(addressOf(sim, oldPrimary))
    const oldElectionId = primaryOf(servers)!.electionId!
    await sim.kill(oldPrimary)
    const newPrimary = await sim.waitForPrimary({ not: oldPrimary })
    // Until its monitor rechecks (heartbeatFrequencyMS), the driver still picks the dead primary,
    // and driver 7 does not retry a refused connection at checkout (labelled SystemOverloadedError),
    // as with a real server. A bounded application-level loop rides over that window.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await docs.insertOne({ k: 'after' })
        break
      } catch (error: unknown) {
        if (!(error instanceof MongoNetworkError) || attempt >= 40) throw error
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
    await expect
      .poll(() => primaryOf(servers)?.address, { timeout: 10_000 })
      .toBe(addressOf(sim, newPrimary))
    const newElectionId = primaryOf(servers)!.electionId!
    expect(Buffer.compare(newElectionId.id, oldElectionId.id)).toBeGreaterThan(0)
    expect(await docs.countDocuments({})).toBe(2)

    await sim.restart(oldPrimary)
    await expect
      .poll(async () => (await readFrom(pool, sim, oldPrimary, 'failover')).length, {
        timeout: 15_000,
      })
      .toBe(2)
  })

  it('keeps reading from live secondaries while one member is paused', async () => {
    const primary = await sim.waitForPrimary()
    const paused = sim.members.find((m) => m.name !== primary)!.name
    // The monitor's hello to a stopped process times out after connectTimeoutMS; only then does
    // the driver mark it Unknown and select around it.
    const monitored = pool.create(sim.uri, {
      monitorCommands: true,
      heartbeatFrequencyMS: 500,
      connectTimeoutMS: 1_000,
    })
    const seen = trackServers(monitored)
    await monitored.connect()
    const addresses: string[] = []
    monitored.on('commandSucceeded', (event) => {
      if (event.commandName === 'find') addresses.push(event.address)
    })
    await sim.pause(paused)
    try {
      await expect
        .poll(() => seen.get(addressOf(sim, paused))?.type, { timeout: 15_000 })
        .toBe('Unknown')
      for (let i = 0; i < 10; i += 1) {
        const found = await monitored
          .db('app')
          .collection('failover')
          .find({}, { readPreference: 'secondaryPreferred', timeoutMS: 5_000 })
          .toArray()
        expect(found.length).toBeGreaterThan(0)
      }
      expect(addresses).toHaveLength(10)
      expect(addresses).not.toContain(addressOf(sim, paused))
      await monitored
        .db('app')
        .collection('failover')
        .insertOne({ k: 'while-paused' }, { timeoutMS: 5_000 })
    } finally {
      await sim.resume(paused)
    }
  })

  it('rolls back writes the old primary never replicated when it rejoins', async () => {
    const oldPrimary = await sim.waitForPrimary()
    const others = sim.members.filter((m) => m.name !== oldPrimary).map((m) => m.name)
    await Promise.all(others.map((name) => sim.setLag(600_000, name)))
    await client
      .db('app')
      .collection('rollback')
      .insertOne({ k: 'doomed' }, { writeConcern: { w: 1 } })
    expect(await readFrom(pool, sim, oldPrimary, 'rollback')).toHaveLength(1)
    await sim.pause(oldPrimary)
    await Promise.all(others.map((name) => sim.setLag(0, name)))
    const newPrimary = await sim.waitForPrimary({ not: oldPrimary })
    // A fresh client: the shared one may still route to the paused member until its monitor's
    // hello times out (connectTimeoutMS).
    const fresh = await pool.connect(sim.uri, { connectTimeoutMS: 1_000 })
    await fresh.db('app').collection('rollback').insertOne({ k: 'kept' })
    await sim.resume(oldPrimary)
    await expect
      .poll(async () => readFrom(pool, sim, oldPrimary, 'rollback', {}), { timeout: 15_000 })
      .toMatchObject([{ k: 'kept' }])
    expect(await readFrom(pool, sim, newPrimary, 'rollback')).toMatchObject([{ k: 'kept' }])
  })

  it('has no primary without a majority', async () => {
    const primary = await sim.waitForPrimary()
    const [a, b] = sim.members.map((m) => m.name).filter((n) => n !== primary)
    await sim.kill(a!)
    await sim.kill(b!)
    await expect
      .poll(async () => (await sim.status()).filter((s) => s.role === 'primary').length, {
        timeout: 15_000,
      })
      .toBe(0)
    const quick = pool.create(sim.uri, { serverSelectionTimeoutMS: 2_000 })
    const error = await quick
      .db('app')
      .collection('failover')
      .insertOne({ k: 'no-majority' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MongoServerSelectionError)
    expect(await readFrom(pool, sim, primary, 'failover', { k: 'no-majority' })).toEqual([])
  })
})
