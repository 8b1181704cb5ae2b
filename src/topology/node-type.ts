/**
 * What a node is, as the topology rules see it: the MongoDB SDAM server types, named for every backend.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#servertype
 */
export const NodeType = {
  /** Not reachable, or not yet probed. */
  Unknown: 'Unknown',
  /** A single server that is not part of a replicated set. */
  Standalone: 'Standalone',
  /** The writable member of a primary–replica set (SDAM `RSPrimary`). */
  Primary: 'Primary',
  /** A readable, replicating member (SDAM `RSSecondary`). */
  Secondary: 'Secondary',
  /** A voting member that holds no data (SDAM `RSArbiter`). */
  Arbiter: 'Arbiter',
  /** A member that is neither readable nor writable now: hidden, starting, recovering (SDAM `RSOther`). */
  Other: 'Other',
  /** A member that is not yet configured into a set (SDAM `RSGhost`). */
  Ghost: 'Ghost',
  /** A node that some member named as primary but that has not been probed yet. */
  PossiblePrimary: 'PossiblePrimary',
  /** A query router in front of shards (SDAM `Mongos`). */
  Router: 'Router',
  /** A load balancer in front of the real nodes. */
  LoadBalancer: 'LoadBalancer',
  /** A masterless ring member (Cassandra). */
  Peer: 'Peer',
} as const

/** One of the values of {@link NodeType}. */
export type NodeType = (typeof NodeType)[keyof typeof NodeType]

/**
 * A member state as an operator reads it (like `rs.status()`), the same words on every backend.
 */
export const NodeState = {
  Primary: 'PRIMARY',
  Secondary: 'SECONDARY',
  Arbiter: 'ARBITER',
  /** Replication is broken or catching up. */
  Recovering: 'RECOVERING',
  Startup: 'STARTUP',
  Down: 'DOWN',
  Unknown: 'UNKNOWN',
  Rollback: 'ROLLBACK',
  Peer: 'PEER',
} as const

/** One of the values of {@link NodeState}. */
export type NodeState = (typeof NodeState)[keyof typeof NodeState]

/** A tag set: every key/value must be present on a node for it to match. */
export type Tags = Readonly<Record<string, string>>

/** A server process's identity and change counter (MongoDB `topologyVersion`). */
export interface TopologyVersion {
  readonly processId: string
  readonly counter: number
}
