import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors/errors.js'
import type { ReadPreference } from '../../../src/selection/read-preference.js'
import type { SelectionOptions } from '../../../src/selection/server-selection.js'
import {
  pickInWindow,
  readSelector,
  selectNodes,
  selectSuitableNodes,
  WRITE_SELECTOR,
} from '../../../src/selection/server-selection.js'
import type { NodeDescription } from '../../../src/topology/node-description.js'
import { NodeType } from '../../../src/topology/node-description.js'
import type { TopologyDescription } from '../../../src/topology/topology-description.js'
import { TopologyType } from '../../../src/topology/topology-description.js'
import { addressesOf, makeNode, makeTopology } from '../../spec/support/selection-builders.js'

const OPTIONS: SelectionOptions = { localThresholdMS: 15, heartbeatFrequencyMS: 10_000, now: 0 }

const primary = makeNode('p:1', {
  type: NodeType.Primary,
  roundTripTimeMS: 5,
  tags: { dc: 'east' },
})
const east = makeNode('se:1', {
  type: NodeType.Secondary,
  roundTripTimeMS: 5,
  tags: { dc: 'east' },
})
const west = makeNode('sw:1', {
  type: NodeType.Secondary,
  roundTripTimeMS: 5,
  tags: { dc: 'west' },
})
const hidden = makeNode('h:1', { type: NodeType.Other, roundTripTimeMS: 1 })
const arbiter = makeNode('a:1', { type: NodeType.Arbiter, roundTripTimeMS: 1 })
const replicaSet = makeTopology(TopologyType.ReplicaSetWithPrimary, [
  primary,
  east,
  west,
  hidden,
  arbiter,
])
const noPrimary = makeTopology(TopologyType.ReplicaSetNoPrimary, [east, west, hidden])

const read = (
  description: TopologyDescription,
  readPreference: ReadPreference,
  options: Partial<SelectionOptions> = {},
): string[] =>
  addressesOf(
    selectSuitableNodes(description, readSelector(readPreference), { ...OPTIONS, ...options }),
  )
const write = (
  description: TopologyDescription,
  options: Partial<SelectionOptions> = {},
): string[] =>
  addressesOf(selectSuitableNodes(description, WRITE_SELECTOR, { ...OPTIONS, ...options }))

describe('selectSuitableNodes in a replica set', () => {
  it('sends writes and primary reads to the primary only', () => {
    expect(write(replicaSet)).toEqual(['p:1'])
    expect(read(replicaSet, { mode: 'primary' })).toEqual(['p:1'])
  })

  it('finds nothing for writes or primary reads without a primary', () => {
    expect(write(noPrimary)).toEqual([])
    expect(read(noPrimary, { mode: 'primary' })).toEqual([])
  })

  it('never selects hidden/delayed (Other) members or arbiters', () => {
    for (const mode of [
      'primaryPreferred',
      'secondary',
      'secondaryPreferred',
      'nearest',
    ] as const) {
      const selected = read(replicaSet, { mode })
      expect(selected).not.toContain('h:1')
      expect(selected).not.toContain('a:1')
    }
    expect(
      read(makeTopology(TopologyType.ReplicaSetNoPrimary, [hidden, arbiter]), { mode: 'nearest' }),
    ).toEqual([])
  })

  it('primaryPreferred: the primary when there is one, else the eligible secondaries', () => {
    expect(read(replicaSet, { mode: 'primaryPreferred', tags: [{ dc: 'west' }] })).toEqual(['p:1'])
    expect(read(noPrimary, { mode: 'primaryPreferred' })).toEqual(['se:1', 'sw:1'])
    expect(read(noPrimary, { mode: 'primaryPreferred', tags: [{ dc: 'west' }] })).toEqual(['sw:1'])
  })

  it('secondaryPreferred: eligible secondaries first, then the primary', () => {
    expect(read(replicaSet, { mode: 'secondaryPreferred' })).toEqual(['se:1', 'sw:1'])
    expect(read(replicaSet, { mode: 'secondaryPreferred', tags: [{ dc: 'north' }] })).toEqual([
      'p:1',
    ])
    const onlyPrimary = makeTopology(TopologyType.ReplicaSetWithPrimary, [primary, hidden])
    expect(read(onlyPrimary, { mode: 'secondaryPreferred' })).toEqual(['p:1'])
  })

  it('secondaryPreferred falls back to the primary when every secondary is too stale', () => {
    const p = makeNode('p:1', { type: NodeType.Primary, lastUpdateTime: 0, lastWriteDate: 200_000 })
    const s = makeNode('s:1', {
      type: NodeType.Secondary,
      lastUpdateTime: 200_000,
      lastWriteDate: 0,
    })
    const t = makeTopology(TopologyType.ReplicaSetWithPrimary, [p, s])
    expect(read(t, { mode: 'secondaryPreferred', maxStalenessSeconds: 90 })).toEqual(['p:1'])
    expect(read(t, { mode: 'secondaryPreferred' })).toEqual(['s:1'])
  })

  it('secondary: only secondaries, filtered by tag sets in order', () => {
    expect(read(replicaSet, { mode: 'secondary' })).toEqual(['se:1', 'sw:1'])
    expect(read(replicaSet, { mode: 'secondary', tags: [{ dc: 'west' }, { dc: 'east' }] })).toEqual(
      ['sw:1'],
    )
    expect(read(replicaSet, { mode: 'secondary', tags: [{ dc: 'north' }] })).toEqual([])
    expect(read(replicaSet, { mode: 'secondary', tags: [{ dc: 'north' }, {}] })).toEqual([
      'se:1',
      'sw:1',
    ])
  })

  it('nearest: the primary and secondaries, filtered by tags', () => {
    expect(read(replicaSet, { mode: 'nearest' })).toEqual(['p:1', 'se:1', 'sw:1'])
    expect(read(replicaSet, { mode: 'nearest', tags: [{ dc: 'east' }] })).toEqual(['p:1', 'se:1'])
  })

  it('applies max staleness before tags, so a stale match lets the next tag set apply', () => {
    const p = makeNode('p:1', { type: NodeType.Primary, lastWriteDate: 500_000 })
    const staleEast = makeNode('se:1', {
      type: NodeType.Secondary,
      lastWriteDate: 0,
      tags: { dc: 'east' },
    })
    const freshWest = makeNode('sw:1', {
      type: NodeType.Secondary,
      lastWriteDate: 500_000,
      tags: { dc: 'west' },
    })
    const t = makeTopology(TopologyType.ReplicaSetWithPrimary, [p, staleEast, freshWest])
    const rp = {
      mode: 'secondary',
      tags: [{ dc: 'east' }, { dc: 'west' }],
      maxStalenessSeconds: 90,
    } as const
    expect(read(t, rp)).toEqual(['sw:1'])
  })

  it('throws a ConfigError for an invalid read preference', () => {
    expect(() => read(replicaSet, { mode: 'primary', tags: [{ dc: 'east' }] })).toThrow(ConfigError)
    expect(() => read(replicaSet, { mode: 'nearest', maxStalenessSeconds: 30 })).toThrow(
      /maxStalenessSeconds=30/,
    )
  })
})

describe('split brain', () => {
  const other = makeNode('p2:1', { type: NodeType.Primary, roundTripTimeMS: 5 })
  const split = makeTopology(TopologyType.ReplicaSetNoPrimary, [primary, other, east], {
    conflictingPrimaries: ['p:1', 'p2:1'],
  })

  it('refuses writes while primaries conflict, even with a deprioritised list', () => {
    expect(write(split)).toEqual([])
    expect(write(split, { deprioritized: ['p2:1'] })).toEqual([])
    expect(selectNodes(split, WRITE_SELECTOR, OPTIONS)).toEqual([])
  })

  it('refuses writes when two nodes are typed Primary even if no conflict was recorded', () => {
    const twoPrimaries = makeTopology(TopologyType.ReplicaSetWithPrimary, [primary, other, east])
    expect(write(twoPrimaries)).toEqual([])
  })

  it('never reads from a contested primary as the primary', () => {
    expect(read(split, { mode: 'primary' })).toEqual([])
    expect(read(split, { mode: 'primaryPreferred' })).toEqual(['se:1'])
    expect(read(split, { mode: 'nearest' })).toEqual(['se:1'])
  })
})

describe('deprioritised nodes', () => {
  it('are skipped while another node is suitable', () => {
    expect(read(replicaSet, { mode: 'secondary' }, { deprioritized: ['se:1'] })).toEqual(['sw:1'])
    expect(read(replicaSet, { mode: 'nearest' }, { deprioritized: ['p:1', 'se:1'] })).toEqual([
      'sw:1',
    ])
  })

  it('are used when nothing else is suitable', () => {
    expect(read(replicaSet, { mode: 'secondary' }, { deprioritized: ['se:1', 'sw:1'] })).toEqual([
      'se:1',
      'sw:1',
    ])
    expect(write(replicaSet, { deprioritized: ['p:1'] })).toEqual(['p:1'])
  })

  it('let secondaryPreferred move to the primary before retrying a failed secondary', () => {
    expect(
      read(replicaSet, { mode: 'secondaryPreferred' }, { deprioritized: ['se:1', 'sw:1'] }),
    ).toEqual(['p:1'])
  })

  it('let primaryPreferred move to the secondaries after the primary failed', () => {
    expect(read(replicaSet, { mode: 'primaryPreferred' }, { deprioritized: ['p:1'] })).toEqual([
      'se:1',
      'sw:1',
    ])
  })

  it('apply to routers too', () => {
    const g = makeNode('g:1', { type: NodeType.Router })
    const h = makeNode('h:1', { type: NodeType.Router })
    const sharded = makeTopology(TopologyType.Sharded, [g, h])
    expect(write(sharded, { deprioritized: ['g:1'] })).toEqual(['h:1'])
    expect(write(sharded, { deprioritized: ['g:1', 'h:1'] })).toEqual(['g:1', 'h:1'])
  })

  it('are applied before the latency window, so a slower node can win', () => {
    const fast = makeNode('f:1', { type: NodeType.Secondary, roundTripTimeMS: 5 })
    const slow = makeNode('s:1', { type: NodeType.Secondary, roundTripTimeMS: 200 })
    const t = makeTopology(TopologyType.ReplicaSetNoPrimary, [fast, slow])
    const selector = readSelector({ mode: 'secondary' })
    expect(addressesOf(selectNodes(t, selector, OPTIONS))).toEqual(['f:1'])
    expect(addressesOf(selectNodes(t, selector, { ...OPTIONS, deprioritized: ['f:1'] }))).toEqual([
      's:1',
    ])
  })
})

describe('other topology types', () => {
  it('Unknown: nothing is suitable', () => {
    const t = makeTopology(TopologyType.Unknown, [makeNode('x:1', { type: NodeType.Ghost })])
    expect(write(t)).toEqual([])
    expect(read(t, { mode: 'nearest' })).toEqual([])
  })

  it('Single: the node if available, whatever the read preference', () => {
    const standalone = makeNode('s:1', { type: NodeType.Standalone, tags: { dc: 'x' } })
    expect(
      read(makeTopology(TopologyType.Single, [standalone]), {
        mode: 'secondary',
        tags: [{ dc: 'y' }],
      }),
    ).toEqual(['s:1'])
    expect(write(makeTopology(TopologyType.Single, [east]))).toEqual(['se:1'])
    expect(write(makeTopology(TopologyType.Single, [makeNode('u:1')]))).toEqual([])
  })

  it('LoadBalanced and Sharded: the load balancer or the routers', () => {
    const lb = makeTopology(TopologyType.LoadBalanced, [
      makeNode('lb:1', { type: NodeType.LoadBalancer }),
    ])
    expect(read(lb, { mode: 'secondary' })).toEqual(['lb:1'])
    const sharded = makeTopology(TopologyType.Sharded, [
      makeNode('g:1', { type: NodeType.Router }),
      makeNode('u:1'),
    ])
    expect(read(sharded, { mode: 'secondary', tags: [{ dc: 'y' }] })).toEqual(['g:1'])
  })
})

describe('Peer topology (Cassandra)', () => {
  const peer = (address: string, dc: string, roundTripTimeMS = 5): NodeDescription =>
    makeNode(address, { type: NodeType.Peer, tags: { dc }, roundTripTimeMS })
  const ring = makeTopology(TopologyType.Peer, [
    peer('e1:9042', 'east'),
    peer('e2:9042', 'east'),
    peer('w1:9042', 'west'),
    makeNode('d1:9042'),
  ])

  it('sends writes to any available peer', () => {
    expect(write(ring)).toEqual(['e1:9042', 'e2:9042', 'w1:9042'])
  })

  it('filters reads by tag sets in order, whatever the mode', () => {
    expect(read(ring, { mode: 'nearest' })).toEqual(['e1:9042', 'e2:9042', 'w1:9042'])
    expect(read(ring, { mode: 'secondary', tags: [{ dc: 'west' }, {}] })).toEqual(['w1:9042'])
    expect(read(ring, { mode: 'nearest', tags: [{ dc: 'north' }, { dc: 'east' }] })).toEqual([
      'e1:9042',
      'e2:9042',
    ])
    expect(read(ring, { mode: 'nearest', tags: [{ dc: 'north' }] })).toEqual([])
  })

  it('fails over to another DC only when the tag sets say so', () => {
    const eastDown = makeTopology(TopologyType.Peer, [peer('w1:9042', 'west'), makeNode('e1:9042')])
    expect(read(eastDown, { mode: 'nearest', tags: [{ dc: 'east' }] })).toEqual([])
    expect(read(eastDown, { mode: 'nearest', tags: [{ dc: 'east' }, {}] })).toEqual(['w1:9042'])
  })
})

describe('selectNodes', () => {
  it('returns the suitable nodes within the latency window', () => {
    const near = makeNode('n:1', { type: NodeType.Secondary, roundTripTimeMS: 10 })
    const edge = makeNode('e:1', { type: NodeType.Secondary, roundTripTimeMS: 25 })
    const far = makeNode('f:1', { type: NodeType.Secondary, roundTripTimeMS: 26 })
    const t = makeTopology(TopologyType.ReplicaSetNoPrimary, [near, edge, far])
    const selector = readSelector({ mode: 'secondary' })
    expect(addressesOf(selectNodes(t, selector, OPTIONS))).toEqual(['e:1', 'n:1'])
    expect(addressesOf(selectNodes(t, selector, { ...OPTIONS, localThresholdMS: 16 }))).toEqual([
      'e:1',
      'f:1',
      'n:1',
    ])
  })

  it('feeds pickInWindow, which prefers the less busy node', () => {
    const nodes = selectNodes(replicaSet, readSelector({ mode: 'secondary' }), OPTIONS)
    const busy: Record<string, number> = { 'se:1': 7, 'sw:1': 2 }
    const chosen = pickInWindow(nodes, { random: () => 0, operationCount: (a) => busy[a] ?? 0 })
    expect(chosen?.address).toBe('sw:1')
  })
})

describe('selectSuitableNodes outside replica sets', () => {
  it('finds no load balancer before the load balancer has been described', () => {
    const seed = makeNode('lb:1', { type: NodeType.Unknown })
    expect(read(makeTopology(TopologyType.LoadBalanced, [seed]), { mode: 'nearest' })).toEqual([])
    const lb = makeNode('lb:1', { type: NodeType.LoadBalancer })
    expect(write(makeTopology(TopologyType.LoadBalanced, [lb]))).toEqual(['lb:1'])
  })

  it('does not take a PossiblePrimary guess for an available node in a direct connection', () => {
    const guess = makeNode('d:1', { type: NodeType.PossiblePrimary, roundTripTimeMS: 1 })
    expect(write(makeTopology(TopologyType.Single, [guess]))).toEqual([])
    const unknown = makeNode('d:1', { type: NodeType.Unknown })
    expect(write(makeTopology(TopologyType.Single, [unknown]))).toEqual([])
  })
})
