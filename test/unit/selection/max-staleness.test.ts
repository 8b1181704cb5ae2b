import { describe, expect, it } from 'vitest'
import {
  IDLE_WRITE_PERIOD_MS,
  isStale,
  maxStalenessReducer,
  SMALLEST_MAX_STALENESS_SECONDS,
  smallestMaxStalenessSeconds,
  stalenessMS,
} from '../../../src/selection/max-staleness.js'
import { NodeType } from '../../../src/topology/node-description.js'
import { TopologyType } from '../../../src/topology/topology-description.js'
import { addressesOf, makeNode, makeTopology } from '../../spec/support/selection-builders.js'

const OPTIONS = { heartbeatFrequencyMS: 10_000, now: 0 }

describe('smallestMaxStalenessSeconds', () => {
  it('is 90 s for ordinary heartbeats and heartbeat + idle write period for long ones', () => {
    expect(SMALLEST_MAX_STALENESS_SECONDS).toBe(90)
    expect(IDLE_WRITE_PERIOD_MS).toBe(10_000)
    expect(smallestMaxStalenessSeconds(10_000)).toBe(90)
    expect(smallestMaxStalenessSeconds(80_000)).toBe(90)
    expect(smallestMaxStalenessSeconds(120_000)).toBe(130)
  })
})

describe('stalenessMS with a primary', () => {
  const primary = makeNode('p:1', {
    type: NodeType.Primary,
    lastUpdateTime: 1_000,
    lastWriteDate: 900,
  })
  const secondary = makeNode('s:1', {
    type: NodeType.Secondary,
    lastUpdateTime: 2_000,
    lastWriteDate: 1_500,
  })
  const topology = makeTopology(TopologyType.ReplicaSetWithPrimary, [primary, secondary])

  it('is (S.lastUpdateTime - S.lastWriteDate) - (P.lastUpdateTime - P.lastWriteDate) + heartbeat', () => {
    expect(stalenessMS(secondary, topology, OPTIONS)).toBe(500 - 100 + 10_000)
  })

  it('is zero for the primary and other non-secondaries', () => {
    expect(stalenessMS(primary, topology, OPTIONS)).toBe(0)
    expect(stalenessMS(makeNode('r:1', { type: NodeType.Router }), topology, OPTIONS)).toBe(0)
    expect(stalenessMS(makeNode('x:1', { type: NodeType.Peer }), topology, OPTIONS)).toBe(0)
  })

  it('falls back to the no-primary formula when the primary reports no lastWriteDate', () => {
    const blind = makeNode('p:1', { type: NodeType.Primary })
    const ahead = makeNode('a:1', { type: NodeType.Secondary, lastWriteDate: 5_000 })
    const t = makeTopology(TopologyType.ReplicaSetWithPrimary, [blind, ahead, secondary])
    expect(stalenessMS(secondary, t, OPTIONS)).toBe(5_000 - 1_500 + 10_000)
  })
})

describe('stalenessMS without a primary', () => {
  const newest = makeNode('n:1', {
    type: NodeType.Secondary,
    lastUpdateTime: 7,
    lastWriteDate: 5_000,
  })
  const behind = makeNode('b:1', {
    type: NodeType.Secondary,
    lastUpdateTime: 9,
    lastWriteDate: 2_000,
  })
  const topology = makeTopology(TopologyType.ReplicaSetNoPrimary, [newest, behind])

  it('is SMax.lastWriteDate - S.lastWriteDate + heartbeat, ignoring lastUpdateTime', () => {
    expect(stalenessMS(behind, topology, OPTIONS)).toBe(3_000 + 10_000)
    expect(stalenessMS(newest, topology, OPTIONS)).toBe(10_000)
  })
})

describe('stalenessMS from a measured lag (no lastWriteDate)', () => {
  const replica = makeNode('m:1', {
    type: NodeType.Secondary,
    lagMS: 2_000,
    lastUpdateTime: 100_000,
  })
  const topology = makeTopology(TopologyType.ReplicaSetWithPrimary, [
    makeNode('p:1', { type: NodeType.Primary }),
    replica,
  ])

  it('is the lag plus one heartbeat while the description is fresh', () => {
    expect(stalenessMS(replica, topology, { heartbeatFrequencyMS: 10_000, now: 100_500 })).toBe(
      12_000,
    )
  })

  it('grows with the age of the description once it is older than a heartbeat', () => {
    expect(stalenessMS(replica, topology, { heartbeatFrequencyMS: 10_000, now: 200_000 })).toBe(
      102_000,
    )
  })

  it('is unknown (Infinity) with neither a lastWriteDate nor a lag', () => {
    const broken = makeNode('x:1', { type: NodeType.Secondary })
    expect(stalenessMS(broken, topology, OPTIONS)).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('isStale and maxStalenessReducer', () => {
  const newest = makeNode('n:1', { type: NodeType.Secondary, lastWriteDate: 80_000 })
  const edge = makeNode('e:1', { type: NodeType.Secondary, lastWriteDate: 0 })
  const beyond = makeNode('z:1', { type: NodeType.Secondary, lastWriteDate: -1 })
  const unknown = makeNode('u:1', { type: NodeType.Secondary })
  const topology = makeTopology(TopologyType.ReplicaSetNoPrimary, [newest, edge, beyond, unknown])

  it('keeps a secondary whose staleness equals the bound and drops one just past it', () => {
    const options = { ...OPTIONS, maxStalenessSeconds: 90 }
    expect(stalenessMS(edge, topology, OPTIONS)).toBe(90_000)
    expect(isStale(edge, topology, options)).toBe(false)
    expect(isStale(beyond, topology, options)).toBe(true)
    expect(isStale(unknown, topology, options)).toBe(true)
    expect(
      addressesOf(maxStalenessReducer([...topology.nodes.values()], topology, options)),
    ).toEqual(['e:1', 'n:1'])
  })

  it('finds nothing stale without a bound (absent or -1)', () => {
    for (const maxStalenessSeconds of [undefined, -1]) {
      expect(isStale(unknown, topology, { ...OPTIONS, maxStalenessSeconds })).toBe(false)
      expect(
        maxStalenessReducer([beyond, unknown], topology, { ...OPTIONS, maxStalenessSeconds }),
      ).toHaveLength(2)
    }
  })
})

describe('stalenessMS measures against the right node, wherever it is listed', () => {
  const secondary = makeNode('s:1', {
    type: NodeType.Secondary,
    lastUpdateTime: 2_000,
    lastWriteDate: 1_500,
  })
  const primary = makeNode('p:1', {
    type: NodeType.Primary,
    lastUpdateTime: 1_000,
    lastWriteDate: 900,
  })
  const arbiter = makeNode('a:1', { type: NodeType.Arbiter, lastUpdateTime: 0, lastWriteDate: 0 })

  it('finds the primary when secondaries and other members are listed before it', () => {
    const topology = makeTopology(TopologyType.ReplicaSetWithPrimary, [arbiter, secondary, primary])
    expect(stalenessMS(secondary, topology, OPTIONS)).toBe(500 - 100 + 10_000)
  })

  it('takes the newest lastWriteDate among secondaries only', () => {
    const other = makeNode('o:1', { type: NodeType.Other, lastWriteDate: 90_000 })
    const ghost = makeNode('g:1', { type: NodeType.Ghost, lastWriteDate: 80_000 })
    const newest = makeNode('n:1', { type: NodeType.Secondary, lastWriteDate: 4_000 })
    const unknown = makeNode('u:1', { type: NodeType.Secondary })
    const topology = makeTopology(TopologyType.ReplicaSetNoPrimary, [
      other,
      ghost,
      unknown,
      secondary,
      newest,
    ])
    expect(stalenessMS(secondary, topology, OPTIONS)).toBe(4_000 - 1_500 + 10_000)
  })

  it('uses the no-primary formula in a topology that is not ReplicaSetWithPrimary', () => {
    const newest = makeNode('n:1', { type: NodeType.Secondary, lastWriteDate: 4_000 })
    const topology = makeTopology(TopologyType.ReplicaSetNoPrimary, [primary, newest, secondary])
    expect(stalenessMS(secondary, topology, OPTIONS)).toBe(4_000 - 1_500 + 10_000)
  })

  it('prefers a reported lastWriteDate over a measured lag', () => {
    const both = makeNode('b:1', {
      type: NodeType.Secondary,
      lastUpdateTime: 2_000,
      lastWriteDate: 1_500,
      lagMS: 1_000_000,
    })
    const topology = makeTopology(TopologyType.ReplicaSetWithPrimary, [primary, both])
    expect(stalenessMS(both, topology, OPTIONS)).toBe(500 - 100 + 10_000)
  })
})

describe('the bound of isStale', () => {
  const old = makeNode('o:1', { type: NodeType.Secondary, lastWriteDate: 0 })
  const newest = makeNode('n:1', { type: NodeType.Secondary, lastWriteDate: 1_000_000 })
  const topology = makeTopology(TopologyType.ReplicaSetNoPrimary, [old, newest])

  it('is no bound at 0, and seconds (not ms) otherwise', () => {
    expect(isStale(old, topology, { ...OPTIONS, maxStalenessSeconds: 0 })).toBe(false)
    expect(isStale(old, topology, { ...OPTIONS, maxStalenessSeconds: 1_010 })).toBe(false)
    expect(isStale(old, topology, { ...OPTIONS, maxStalenessSeconds: 1_009 })).toBe(true)
  })
})
