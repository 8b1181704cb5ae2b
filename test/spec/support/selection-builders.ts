import type { NodeAddress } from '../../../src/topology/node-address.js'
import type { NodeDescription, Tags } from '../../../src/topology/node-description.js'
import { NodeState, NodeType } from '../../../src/topology/node-description.js'
import type { TopologyDescription } from '../../../src/topology/topology-description.js'
import { TopologyType } from '../../../src/topology/topology-description.js'
import type { ReadPreference } from '../../../src/selection/read-preference.js'
import { parseReadPreferenceMode } from '../../../src/selection/read-preference.js'

/** A server as the server-selection and max-staleness spec files write it. */
export interface SpecServer {
  readonly address: string
  readonly type: string
  readonly avg_rtt_ms?: number
  readonly lastUpdateTime?: number
  readonly lastWrite?: { readonly lastWriteDate?: number }
  readonly tags?: Tags
  readonly maxWireVersion?: number
  readonly minWireVersion?: number
}

/** A topology description as the spec files write it. */
export interface SpecTopology {
  readonly type: string
  readonly servers: readonly SpecServer[]
}

/** A read preference as the spec files write it (modes capitalised, `tag_sets`). */
export interface SpecReadPreference {
  readonly mode?: string
  readonly tag_sets?: readonly Tags[]
  readonly maxStalenessSeconds?: number
}

/** Spec server type names → ours. */
export const SPEC_NODE_TYPES: Readonly<Record<string, NodeType>> = Object.freeze({
  RSPrimary: NodeType.Primary,
  RSSecondary: NodeType.Secondary,
  RSArbiter: NodeType.Arbiter,
  RSOther: NodeType.Other,
  RSGhost: NodeType.Ghost,
  Mongos: NodeType.Router,
  Standalone: NodeType.Standalone,
  LoadBalancer: NodeType.LoadBalancer,
  Unknown: NodeType.Unknown,
  PossiblePrimary: NodeType.PossiblePrimary,
})

const STATE_BY_TYPE: Readonly<Record<NodeType, NodeState>> = Object.freeze({
  Unknown: NodeState.Unknown,
  Standalone: NodeState.Primary,
  Primary: NodeState.Primary,
  Secondary: NodeState.Secondary,
  Arbiter: NodeState.Arbiter,
  Other: NodeState.Recovering,
  Ghost: NodeState.Startup,
  PossiblePrimary: NodeState.Unknown,
  Router: NodeState.Primary,
  LoadBalancer: NodeState.Primary,
  Peer: NodeState.Peer,
})

/** A node description with neutral defaults for every field not given. */
export function makeNode(
  address: NodeAddress,
  fields: Partial<Omit<NodeDescription, 'address'>> = {},
): NodeDescription {
  const type = fields.type ?? NodeType.Unknown
  return Object.freeze({
    address,
    type,
    state: STATE_BY_TYPE[type],
    error: null,
    roundTripTimeMS: type === NodeType.Unknown ? null : 5,
    lastUpdateTime: 0,
    lastWriteDate: null,
    lagMS: null,
    position: null,
    setName: null,
    setVersion: null,
    electionId: null,
    primary: null,
    me: null,
    hosts: [],
    passives: [],
    arbiters: [],
    tags: {},
    minWireVersion: 0,
    maxWireVersion: 0,
    logicalSessionTimeoutMinutes: null,
    topologyVersion: null,
    details: {},
    warnings: [],
    ...fields,
  })
}

/** A topology description of `type` holding `nodes` (in that order), with neutral defaults. */
export function makeTopology(
  type: TopologyType,
  nodes: readonly NodeDescription[],
  fields: Partial<Omit<TopologyDescription, 'type' | 'nodes'>> = {},
): TopologyDescription {
  return Object.freeze({
    type,
    setName: null,
    maxSetVersion: null,
    maxElectionId: null,
    nodes: new Map(nodes.map((node) => [node.address, node])),
    compatibilityError: null,
    logicalSessionTimeoutMinutes: null,
    conflictingPrimaries: [],
    ...fields,
  })
}

/** Builds our node description from a spec file's server. */
export function nodeFromSpec(server: SpecServer): NodeDescription {
  const type = SPEC_NODE_TYPES[server.type]
  if (type === undefined) throw new Error(`unmapped spec server type ${server.type}`)
  return makeNode(server.address, {
    type,
    roundTripTimeMS: server.avg_rtt_ms ?? null,
    lastUpdateTime: server.lastUpdateTime ?? 0,
    lastWriteDate: server.lastWrite?.lastWriteDate ?? null,
    tags: server.tags ?? {},
    minWireVersion: server.minWireVersion ?? 0,
    maxWireVersion: server.maxWireVersion ?? 0,
  })
}

/** Builds our topology description from a spec file's `topology_description`. */
export function topologyFromSpec(topology: SpecTopology): TopologyDescription {
  const type = Object.values(TopologyType).find((t) => t === topology.type)
  if (type === undefined) throw new Error(`unmapped spec topology type ${topology.type}`)
  return makeTopology(type, topology.servers.map(nodeFromSpec))
}

/** Builds our read preference from a spec file's `read_preference` (mode defaults to primary). */
export function readPreferenceFromSpec(
  readPreference: SpecReadPreference | undefined,
): ReadPreference {
  return {
    mode: parseReadPreferenceMode(readPreference?.mode ?? 'primary'),
    ...(readPreference?.tag_sets === undefined ? {} : { tags: readPreference.tag_sets }),
    ...(readPreference?.maxStalenessSeconds === undefined
      ? {}
      : { maxStalenessSeconds: readPreference.maxStalenessSeconds }),
  }
}

/** Sorted addresses, for comparing selections as sets. */
export function addressesOf(nodes: readonly { readonly address: string }[]): string[] {
  return nodes.map((node) => node.address).sort()
}

/** A small seeded PRNG (mulberry32) returning numbers in `[0, 1)`, for reproducible frequency tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
