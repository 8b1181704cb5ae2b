/**
 * Write concern, step-down and retryable writes against the simulator, through the driver: a
 * lagging member makes `w: 3` time out with error 64; a step-down hands over to another member
 * at once; a write whose reply is lost is retried by the driver and applied once.
 */
import { MongoWriteConcernError, type MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMongoSim, type MongoSim } from '../../clusters/mongo-sim.js'
import { ClientPool, readFrom } from './sim-helpers.js'

describe('mongo-sim write concern and retries', () => {
  let sim: MongoSim
  let client: MongoClient
  const pool = new ClientPool()

  beforeAll(async () => {
    sim = await startMongoSim({ members: 3 })
    client = await pool.connect(sim.uri)
  })

  afterAll(async () => {
    await pool.closeAll()
    await sim.stop()
  })

  it('answers w:3 with a write concern error 64 while a secondary lags, and w:2 without', async () => {
    await sim.setLag(60_000, 'm3')
    const docs = client.db('app').collection('wc')
    const error = await docs
      .insertOne({ k: 'lagged' }, { writeConcern: { w: 3, wtimeoutMS: 300 } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MongoWriteConcernError)
    expect(error).toMatchObject({ code: 64, codeName: 'WriteConcernFailed' })
    expect((error as MongoWriteConcernError).result['writeConcernError'].errInfo).toMatchObject({
      wtimeout: true,
    })
    await docs.insertOne({ k: 'two' }, { writeConcern: { w: 2, wtimeoutMS: 5_000 } })
    expect(await readFrom(pool, sim, 'm3', 'wc')).toEqual([])
    await sim.setLag(0, 'm3')
    await expect
      .poll(async () => (await readFrom(pool, sim, 'm3', 'wc')).length, { timeout: 10_000 })
      .toBe(2)
  })

  it('applies a retried insert once when the primary drops the first reply', async () => {
    const monitored = await pool.connect(sim.uri, { monitorCommands: true })
    const attempts: { txnNumber: unknown; failed: boolean }[] = []
    monitored.on('commandStarted', (event) => {
      if (event.commandName === 'insert')
        attempts.push({ txnNumber: event.command['txnNumber'], failed: false })
    })
    monitored.on('commandFailed', (event) => {
      if (event.commandName === 'insert') attempts.at(-1)!.failed = true
    })
    const primary = await sim.waitForPrimary()
    await sim.dropReply(primary, 1)
    const retried = monitored.db('app').collection('retry')
    await retried.insertOne({ k: 'once' })
    // The first attempt lost its reply (applied, socket closed); the driver retried it once under
    // the same txnNumber, and the primary answered from its retryable-write table.
    expect(attempts).toHaveLength(2)
    expect(attempts[0]?.failed).toBe(true)
    expect(String(attempts[1]?.txnNumber)).toBe(String(attempts[0]?.txnNumber))
    expect(await retried.countDocuments({ k: 'once' })).toBe(1)
    const seen = await retried.insertOne({ k: 'after' })
    expect(seen.acknowledged).toBe(true)
  })

  it('hands over to another member at once on step-down, and the driver follows', async () => {
    const before = await sim.waitForPrimary()
    const after = await sim.stepDown()
    expect(after).not.toBe(before)
    const docs = client.db('app').collection('stepdown')
    await docs.insertOne({ k: 'after-step-down' })
    expect(await docs.countDocuments({})).toBe(1)
    const roles = await sim.status()
    expect(roles.find((m) => m.name === before)?.role).toBe('secondary')
  })
})
