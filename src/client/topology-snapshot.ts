import type { NodeAddress } from '../topology/node-address.js'
import type { NodeDescription, NodeState, NodeType, Tags } from '../topology/node-description.js'
import type { TopologyDescription, TopologyType } from '../topology/topology-description.js'

/** One node as `topology()` shows it. Plain data, safe to log (no secrets). */
export interface NodeSnapshot {
  readonly address: NodeAddress
  readonly type: NodeType
  /** The operator's word for it: PRIMARY, SECONDARY, RECOVERING, DOWN, … */
  readonly state: NodeState
  /** Replication lag in ms, when known. */
  readonly lagMS: number | null
  /** Moving average of probe round trips, ms. */
  readonly roundTripTimeMS: number | null
  readonly tags: Tags
  /** Wall-clock ms of the last probe. */
  readonly lastUpdateTime: number
  /** Why the node is down or unknown, if it is. */
  readonly error: string | null
  /** Backend facts (version, read_only, replication threads, GTID position, …). */
  readonly details: Readonly<Record<string, unknown>>
  /** Things an operator should fix. */
  readonly warnings: readonly string[]
}

/** The whole cluster as `topology()` shows it, like `rs.status()`. */
export interface TopologySnapshot {
  readonly type: TopologyType
  readonly setName: string | null
  /** The writable node, if one is known. */
  readonly primary: NodeAddress | null
  /** Nodes that claim to be writable at once (split brain); empty normally. */
  readonly conflictingPrimaries: readonly NodeAddress[]
  readonly nodes: readonly NodeSnapshot[]
}

/** Turns a topology description into the plain snapshot users see. Pure. @internal */
export function snapshotTopology(description: TopologyDescription): TopologySnapshot {
  const nodes = [...description.nodes.values()].map(snapshotNode)
  const primary = nodes.find((n) => n.type === 'Primary')?.address ?? null
  return Object.freeze({
    type: description.type,
    setName: description.setName,
    primary: description.conflictingPrimaries.length > 0 ? null : primary,
    conflictingPrimaries: description.conflictingPrimaries,
    nodes: Object.freeze(nodes),
  })
}

/** Turns one node description into its plain snapshot. Pure. @internal */
export function snapshotNode(node: NodeDescription): NodeSnapshot {
  return Object.freeze({
    address: node.address,
    type: node.type,
    state: node.state,
    lagMS: node.lagMS,
    roundTripTimeMS: node.roundTripTimeMS,
    tags: node.tags,
    lastUpdateTime: node.lastUpdateTime,
    error: node.error === null ? null : node.error.message,
    details: node.details,
    warnings: node.warnings,
  })
}
