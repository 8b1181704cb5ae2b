import type { NodeAddress } from './node-address.js'
import type { NodeDescription } from './node-description.js'

/**
 * What the set of nodes is, as the topology rules see it (MongoDB SDAM topology types, generalised).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#topologytype
 */
export const TopologyType = {
  Unknown: 'Unknown',
  /** One node, used directly. */
  Single: 'Single',
  /** A primary–replica set whose primary is not known right now. */
  ReplicaSetNoPrimary: 'ReplicaSetNoPrimary',
  /** A primary–replica set with a known primary. */
  ReplicaSetWithPrimary: 'ReplicaSetWithPrimary',
  /** Query routers in front of shards. */
  Sharded: 'Sharded',
  /** A load balancer in front of the nodes. */
  LoadBalanced: 'LoadBalanced',
  /** A masterless ring (Cassandra). */
  Peer: 'Peer',
} as const

/** One of the values of {@link TopologyType}. */
export type TopologyType = (typeof TopologyType)[keyof typeof TopologyType]

/**
 * Everything the core knows about the cluster at one moment. Frozen; an update makes a new one.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#topologydescription
 */
export interface TopologyDescription {
  readonly type: TopologyType
  readonly setName: string | null
  readonly maxSetVersion: number | null
  readonly maxElectionId: string | null
  readonly nodes: ReadonlyMap<NodeAddress, NodeDescription>
  /** Set when a node's wire versions are incompatible with the client. */
  readonly compatibilityError: string | null
  readonly logicalSessionTimeoutMinutes: number | null
  /**
   * Nodes that claim to be writable at the same time while no election marker orders them (split brain,
   * possible on backends without terms such as MySQL). Non-empty means writes must be refused.
   */
  readonly conflictingPrimaries: readonly NodeAddress[]
}
