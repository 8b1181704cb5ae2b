/**
 * Read routing by the driver from each call's intent, against the simulator: tag sets, max
 * staleness, and secondary reads while a secondary is paused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMongoSim, type MongoSim } from '../../clusters/mongo-sim.js'
import { memberAddress, RkClients, servedBy } from './mongodb-sim-helpers.js'

describe('MongoDB adapter on the simulator: read preference', () => {
  let sim: MongoSim
  const clients = new RkClients()

  beforeAll(async () => {
    sim = await startMongoSim({
      members: [{ tags: { dc: 'east' } }, { tags: { dc: 'west' } }, { tags: { dc: 'north' } }],
    })
    await sim.elect('m1')
  })

  afterAll(async () => {
    await clients.closeAll()
    await sim.stop()
  })

  it('sends secondary reads to the members the tag sets pick, in order', async () => {
    const db = await clients.connect(sim.uri)
    await db.waitForPrimary()
    await expect
      .poll(() => db.topology().nodes.filter((n) => n.tags['dc'] !== undefined).length)
      .toBe(3)
    for (let i = 0; i < 5; i++) {
      const west = await db.read(servedBy, {
        readPreference: 'secondary',
        readPreferenceTags: [{ dc: 'west' }],
      })
      expect(west).toBe(memberAddress(sim, 'm2'))
      // The first set matches nothing: the second one decides.
      const north = await db.read(servedBy, {
        readPreference: { mode: 'nearest', tags: [{ dc: 'mars' }, { dc: 'north' }] },
      })
      expect(north).toBe(memberAddress(sim, 'm3'))
    }
    const primary = await db.read(servedBy)
    expect(primary).toBe(memberAddress(sim, 'm1'))
    // The core's topology shows the members' tags as the driver reported them.
    const tags = Object.fromEntries(db.topology().nodes.map((n) => [n.address, n.tags['dc']]))
    expect(tags[memberAddress(sim, 'm2')]).toBe('west')
  })

  it('skips a secondary staler than maxStalenessSeconds', async () => {
    // Staleness = a secondary's write lag + heartbeatFrequencyMS (max-staleness spec). With an 80 s
    // heartbeat, a secondary 13 s behind is over 90 s and one in step is under it.
    await sim.setLag(120_000, 'm3')
    try {
      await new Promise((resolve) => setTimeout(resolve, 13_000))
      const db = await clients.connect(sim.uri, { heartbeatFrequencyMS: 80_000 })
      await db.waitForPrimary()
      for (let i = 0; i < 6; i++) {
        const served = await db.read(servedBy, {
          readPreference: 'secondary',
          maxStalenessSeconds: 90,
        })
        expect(served).toBe(memberAddress(sim, 'm2'))
      }
      // Without the bound both secondaries qualify.
      const seen = new Set<string>()
      for (let i = 0; i < 30 && seen.size < 2; i++) {
        seen.add(await db.read(servedBy, { readPreference: 'secondary' }))
      }
      expect(seen.has(memberAddress(sim, 'm1'))).toBe(false)
    } finally {
      await sim.setLag(0, 'm3')
    }
  })

  it('keeps secondary reads going while one secondary is paused', async () => {
    const db = await clients.connect(sim.uri, { timeoutMS: 5_000 })
    await db.waitForPrimary()
    await sim.pause('m2')
    try {
      const served: string[] = []
      for (let i = 0; i < 5; i++) {
        served.push(
          await db
            .read(servedBy, { readPreference: 'secondary' })
            .catch((e: unknown) => `error ${(e as Error).name}`),
        )
      }
      // Once the driver's monitor gives up on m2, reads go to m3 only.
      expect(served.at(-1)).toBe(memberAddress(sim, 'm3'))
    } finally {
      await sim.resume('m2')
    }
  })
})
