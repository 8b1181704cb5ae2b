import type { ReplicaKitError } from '../errors/errors.js'
import type { NodeAddress } from './node-address.js'

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

/**
 * What an adapter learned from probing one node, in neutral words (the MongoDB `hello` reply
 * generalised). Absent fields mean "not known"/"not applicable".
 */
export interface ProbeResult {
  readonly type: NodeType
  /** Defaults to the state that follows from `type`. */
  readonly state?: NodeState
  readonly setName?: string
  readonly setVersion?: number
  /** The election marker: a fixed-width hex string, greater = newer (MongoDB electionId, or a backend term). */
  readonly electionId?: string
  /** The node this member believes is primary. */
  readonly primary?: NodeAddress
  /** The member's own address as it is configured. */
  readonly me?: NodeAddress
  readonly hosts?: readonly NodeAddress[]
  readonly passives?: readonly NodeAddress[]
  readonly arbiters?: readonly NodeAddress[]
  readonly tags?: Tags
  /** Wall-clock ms of the last write the member has applied (for max staleness). */
  readonly lastWriteDate?: number
  /** Replication lag measured directly by the backend, in ms, if it can. */
  readonly lagMS?: number
  /** An opaque causal position (GTID set, opTime) for read-your-writes. */
  readonly position?: string
  readonly minWireVersion?: number
  readonly maxWireVersion?: number
  readonly logicalSessionTimeoutMinutes?: number | null
  readonly topologyVersion?: TopologyVersion
  /** Backend-specific facts shown in `topology()` (version, read_only, thread states, …). */
  readonly details?: Readonly<Record<string, unknown>>
  /** Things an operator should fix (e.g. the app user can bypass read_only). */
  readonly warnings?: readonly string[]
}

/** A server process's identity and change counter (MongoDB `topologyVersion`). */
export interface TopologyVersion {
  readonly processId: string
  readonly counter: number
}

/**
 * Everything the core knows about one node at one moment. Frozen; an update makes a new one.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#serverdescription
 */
export interface NodeDescription {
  readonly address: NodeAddress
  readonly type: NodeType
  readonly state: NodeState
  /** The last probe or application error, if the node is Unknown because of one. */
  readonly error: ReplicaKitError | null
  /** Exponentially weighted moving average of probe round trips, ms. */
  readonly roundTripTimeMS: number | null
  /** Wall-clock ms when this description was made. */
  readonly lastUpdateTime: number
  readonly lastWriteDate: number | null
  readonly lagMS: number | null
  readonly position: string | null
  readonly setName: string | null
  readonly setVersion: number | null
  readonly electionId: string | null
  readonly primary: NodeAddress | null
  readonly me: NodeAddress | null
  readonly hosts: readonly NodeAddress[]
  readonly passives: readonly NodeAddress[]
  readonly arbiters: readonly NodeAddress[]
  readonly tags: Tags
  readonly minWireVersion: number
  readonly maxWireVersion: number
  readonly logicalSessionTimeoutMinutes: number | null
  readonly topologyVersion: TopologyVersion | null
  readonly details: Readonly<Record<string, unknown>>
  readonly warnings: readonly string[]
}
