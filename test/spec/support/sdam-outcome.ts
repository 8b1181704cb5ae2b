import { expect } from 'vitest'
import type { TopologyEvents } from '../../../src/events/events.js'
import type { NodeDescription } from '../../../src/topology/node-description.js'
import { NodeType } from '../../../src/topology/node-description.js'
import type { Topology } from '../../../src/topology/topology.js'
import type { TopologyDescription } from '../../../src/topology/topology-description.js'
import { toTopologyVersion } from './sdam-fixtures.js'

/** Our node types under the SDAM spec's ServerType names. */
export const SPEC_SERVER_TYPE: Readonly<Record<NodeType, string>> = Object.freeze({
  Unknown: 'Unknown',
  Standalone: 'Standalone',
  Primary: 'RSPrimary',
  Secondary: 'RSSecondary',
  Arbiter: 'RSArbiter',
  Other: 'RSOther',
  Ghost: 'RSGhost',
  PossiblePrimary: 'PossiblePrimary',
  Router: 'Mongos',
  LoadBalancer: 'LoadBalancer',
  Peer: 'Peer (not in SDAM)',
})

/** An ObjectId (or its hex) from the test file as lower-case hex; `null` stays `null`. */
function oidHex(value: unknown): string | null {
  if (value === null) return null
  const hex = (value as { toHexString?: () => string }).toHexString?.()
  return typeof hex === 'string' ? hex.toLowerCase() : JSON.stringify(value)
}

/** Asserts that the topology matches a non-monitoring phase's `outcome`. */
export function expectOutcome(topology: Topology, outcome: Record<string, unknown>): void {
  const td = topology.description
  expect(td.type, 'topologyType').toBe(outcome['topologyType'])
  if ('setName' in outcome) expect(td.setName, 'setName').toBe(outcome['setName'])
  if ('logicalSessionTimeoutMinutes' in outcome) {
    expect(td.logicalSessionTimeoutMinutes, 'logicalSessionTimeoutMinutes').toBe(
      outcome['logicalSessionTimeoutMinutes'],
    )
  }
  if ('maxSetVersion' in outcome)
    expect(td.maxSetVersion, 'maxSetVersion').toBe(outcome['maxSetVersion'])
  if ('maxElectionId' in outcome) {
    expect(td.maxElectionId, 'maxElectionId').toBe(oidHex(outcome['maxElectionId']))
  }
  if ('compatible' in outcome) {
    expect(td.compatibilityError === null, `compatible (${String(td.compatibilityError)})`).toBe(
      outcome['compatible'],
    )
  }
  const servers = outcome['servers'] as Record<string, Record<string, unknown>>
  expect([...td.nodes.keys()].sort(), 'server addresses').toEqual(Object.keys(servers).sort())
  for (const [address, expected] of Object.entries(servers)) {
    const node = td.nodes.get(address)
    if (node === undefined) continue
    expectServer(topology, node, expected)
  }
}

function expectServer(
  topology: Topology,
  node: NodeDescription,
  expected: Record<string, unknown>,
): void {
  const at = (field: string): string => `${node.address} ${field}`
  expect(SPEC_SERVER_TYPE[node.type], at('type')).toBe(expected['type'])
  if ('setName' in expected) expect(node.setName, at('setName')).toBe(expected['setName'])
  if ('setVersion' in expected)
    expect(node.setVersion, at('setVersion')).toBe(expected['setVersion'])
  if ('electionId' in expected) {
    expect(node.electionId, at('electionId')).toBe(oidHex(expected['electionId']))
  }
  if ('logicalSessionTimeoutMinutes' in expected) {
    expect(node.logicalSessionTimeoutMinutes, at('logicalSessionTimeoutMinutes')).toBe(
      expected['logicalSessionTimeoutMinutes'],
    )
  }
  // A node that reported no wire versions (a load balancer, an Unknown node) has 0, the spec's null.
  const wire = (n: number): number | null =>
    n === 0 && (node.type === NodeType.LoadBalancer || node.type === NodeType.Unknown) ? null : n
  if ('minWireVersion' in expected) {
    expect(wire(node.minWireVersion), at('minWireVersion')).toBe(expected['minWireVersion'])
  }
  if ('maxWireVersion' in expected) {
    expect(wire(node.maxWireVersion), at('maxWireVersion')).toBe(expected['maxWireVersion'])
  }
  if ('topologyVersion' in expected) {
    const tv = expected['topologyVersion']
    expect(node.topologyVersion, at('topologyVersion')).toEqual(
      tv === null ? null : (toTopologyVersion(tv) ?? null),
    )
  }
  if ('pool' in expected) {
    const pool = expected['pool'] as { generation: number }
    expect(topology.nodeGeneration(node.address), at('pool generation')).toBe(pool.generation)
  }
  if ('error' in expected) {
    expect(node.error?.message ?? '', at('error')).toContain(String(expected['error']))
  }
}

/** One recorded event in the spec's shape (`{ server_opening_event: { address } }`, …). */
export type SpecEvent = Record<string, Record<string, unknown>>

/** Records the topology's events in the spec's shape, in order. */
export function recordSpecEvents(topology: Topology): SpecEvent[] {
  const events: SpecEvent[] = []
  const on = <K extends keyof TopologyEvents>(name: K, map: (e: TopologyEvents[K]) => SpecEvent) =>
    topology.on(name, (e) => events.push(map(e)))
  on('topologyOpened', () => ({ topology_opening_event: {} }))
  on('nodeOpened', (e) => ({ server_opening_event: { address: e.address } }))
  on('nodeClosed', (e) => ({ server_closed_event: { address: e.address } }))
  on('nodeChanged', (e) => ({
    server_description_changed_event: {
      address: e.address,
      previousDescription: specServer(e.previous),
      newDescription: specServer(e.next),
    },
  }))
  on('topologyChanged', (e) => ({
    topology_description_changed_event: {
      previousDescription: specTopology(e.previous),
      newDescription: specTopology(e.next),
    },
  }))
  return events
}

/** The spec's expected events with `topologyId` removed and server lists sorted by address. */
export function normaliseExpectedEvents(events: readonly SpecEvent[]): SpecEvent[] {
  return events.map((event) => {
    const [name, body] = Object.entries(event)[0] as [string, Record<string, unknown>]
    const rest = { ...body }
    delete rest['topologyId']
    for (const key of ['previousDescription', 'newDescription']) {
      const description = rest[key] as { servers?: { address: string }[] } | undefined
      if (description?.servers !== undefined) {
        rest[key] = {
          ...description,
          servers: [...description.servers].sort((a, b) => a.address.localeCompare(b.address)),
        }
      }
    }
    return { [name]: rest }
  })
}

function specServer(node: NodeDescription): Record<string, unknown> {
  return {
    address: node.address,
    arbiters: [...node.arbiters],
    hosts: [...node.hosts],
    passives: [...node.passives],
    type: SPEC_SERVER_TYPE[node.type],
    ...(node.primary === null ? {} : { primary: node.primary }),
    ...(node.setName === null ? {} : { setName: node.setName }),
  }
}

function specTopology(td: TopologyDescription): Record<string, unknown> {
  return {
    topologyType: td.type,
    ...(td.setName === null ? {} : { setName: td.setName }),
    servers: [...td.nodes.values()]
      .sort((a, b) => a.address.localeCompare(b.address))
      .map(specServer),
  }
}
