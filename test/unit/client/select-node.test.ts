import { describe, expect, it } from 'vitest'
import { selectNode, selectNow } from '../../../src/client/select-node.js'
import type { SelectNowRequest } from '../../../src/client/select-node.js'
import { ErrorCode, ServerSelectionError } from '../../../src/errors/errors.js'
import { readSelector, WRITE_SELECTOR } from '../../../src/selection/server-selection.js'
import type { NodeSelector } from '../../../src/selection/server-selection.js'
import { NodeType } from '../../../src/topology/node-description.js'
import type { Topology } from '../../../src/topology/topology.js'
import type { TopologyDescription } from '../../../src/topology/topology-description.js'
import { TopologyType } from '../../../src/topology/topology-description.js'
import { makeNode, makeTopology } from '../../spec/support/selection-builders.js'
import { createFakeClock } from '../../fixtures/fake-clock.js'

const primary = makeNode('p:1', { type: NodeType.Primary, roundTripTimeMS: 1, lastUpdateTime: 0 })
const fresh = makeNode('s1:1', {
  type: NodeType.Secondary,
  roundTripTimeMS: 1,
  lagMS: 0,
  lastUpdateTime: 0,
})
const other = makeNode('s2:1', {
  type: NodeType.Secondary,
  roundTripTimeMS: 1,
  lagMS: 0,
  lastUpdateTime: 0,
})
const cluster = makeTopology(TopologyType.ReplicaSetWithPrimary, [primary, fresh, other])

function request(selector: NodeSelector, fields: Partial<SelectNowRequest> = {}): SelectNowRequest {
  return {
    selector,
    reusableSelector: true,
    deprioritized: [],
    localThresholdMS: 15,
    heartbeatFrequencyMS: 10_000,
    random: () => 0,
    operationCount: () => 0,
    ...fields,
  }
}

/** `description`, counting how often its node table is read (every fresh selection reads it). */
function counted(description: TopologyDescription): {
  readonly description: TopologyDescription
  readonly reads: () => number
} {
  let reads = 0
  const proxy = new Proxy(description, {
    get(target, key, receiver) {
      if (key === 'nodes') reads++
      return Reflect.get(target, key, receiver) as unknown
    },
  })
  return { description: proxy, reads: () => reads }
}

describe('selectNow', () => {
  it('remembers a reusable selector’s suitable nodes for the same description only', () => {
    const clock = createFakeClock()
    const secondary = readSelector({ mode: 'secondary' })
    const a = counted(cluster)
    expect(['s1:1', 's2:1']).toContain(selectNow(a.description, clock, request(secondary))?.address)
    const afterFirst = a.reads()
    expect(afterFirst).toBeGreaterThan(0)
    for (let i = 0; i < 5; i++) selectNow(a.description, clock, request(secondary))
    expect(selectNow(a.description, clock, request(WRITE_SELECTOR))?.address).toBe('p:1')
    const afterWrite = a.reads()
    selectNow(a.description, clock, request(WRITE_SELECTOR))
    expect(a.reads()).toBe(afterWrite)
    expect(afterWrite).toBeGreaterThan(afterFirst) // the write selector was computed once

    const b = counted(makeTopology(TopologyType.ReplicaSetWithPrimary, [primary, fresh]))
    expect(selectNow(b.description, clock, request(secondary))?.address).toBe('s1:1')
    expect(b.reads()).toBeGreaterThan(0) // a new description: selected afresh
  })

  it.each([
    ['a selector that is not reusable', { reusableSelector: false }],
    ['a retry (deprioritised nodes)', { deprioritized: ['s1:1'] }],
  ])('selects afresh every time for %s', (_what, fields) => {
    const clock = createFakeClock()
    const a = counted(cluster)
    const selector = readSelector({ mode: 'secondary' })
    selectNow(a.description, clock, request(selector, fields))
    const once = a.reads()
    selectNow(a.description, clock, request(selector, fields))
    expect(a.reads()).toBeGreaterThan(once)
  })

  it('still prefers other nodes over deprioritised ones', () => {
    const clock = createFakeClock()
    const secondary = readSelector({ mode: 'secondary' })
    selectNow(cluster, clock, request(secondary)) // remembered without deprioritised nodes
    for (let i = 0; i < 5; i++) {
      expect(
        selectNow(cluster, clock, request(secondary, { deprioritized: ['s1:1'] }))?.address,
      ).toBe('s2:1')
    }
  })

  it('never remembers a selection with maxStalenessSeconds: a replica turns stale as time passes', () => {
    const clock = createFakeClock({ nowMS: 0 })
    const bounded = readSelector({ mode: 'secondary', maxStalenessSeconds: 90 })
    const lone = makeTopology(TopologyType.ReplicaSetWithPrimary, [primary, fresh])
    clock.setWallTime(50_000)
    expect(selectNow(lone, clock, request(bounded))?.address).toBe('s1:1')
    clock.setWallTime(200_000) // 200 s since its last update: staler than 90 s
    expect(selectNow(lone, clock, request(bounded))).toBeUndefined()
  })

  it('applies `prefer` to the remembered nodes on every call', () => {
    const clock = createFakeClock()
    const secondary = readSelector({ mode: 'secondary' })
    selectNow(cluster, clock, request(secondary))
    const prefer = (node: { address: string }): boolean => node.address === 's2:1'
    for (let i = 0; i < 5; i++) {
      expect(selectNow(cluster, clock, request(secondary, { prefer }))?.address).toBe('s2:1')
    }
  })

  it('refuses a write in split brain, every time', () => {
    const clock = createFakeClock()
    const split = makeTopology(TopologyType.ReplicaSetWithPrimary, [primary, fresh], {
      conflictingPrimaries: ['p:1', 's1:1'],
    })
    expect(() => selectNow(split, clock, request(WRITE_SELECTOR))).toThrow(ServerSelectionError)
    try {
      selectNow(split, clock, request(WRITE_SELECTOR))
    } catch (error: unknown) {
      expect((error as ServerSelectionError).code).toBe(ErrorCode.SplitBrain)
    }
  })
})

describe('selectNode', () => {
  /** A topology whose description never changes (the deadline has already passed). */
  function still(description: TopologyDescription): Topology {
    return {
      description,
      requestCheck: () => undefined,
      waitForDescriptionChange: () => Promise.resolve(),
    } as unknown as Topology
  }
  const onlyPrimary = makeTopology(TopologyType.ReplicaSetWithPrimary, [primary])
  const noPrimary = makeTopology(TopologyType.ReplicaSetNoPrimary, [fresh])

  it('names the read preference once in a read’s selection timeout', async () => {
    const selecting = selectNode(still(onlyPrimary), createFakeClock(), {
      ...request(readSelector({ mode: 'secondary' })),
      untilMS: 0,
      signal: new AbortController().signal,
    })
    await expect(selecting).rejects.toThrow(
      /^no node found for readPreference=secondary before the selection timeout/,
    )
  })

  it('says no writable primary was found in a write’s selection timeout', async () => {
    const selecting = selectNode(still(noPrimary), createFakeClock(), {
      ...request(WRITE_SELECTOR),
      untilMS: 0,
      signal: new AbortController().signal,
    })
    await expect(selecting).rejects.toThrow(
      /^no writable primary found before the selection timeout/,
    )
  })
})
