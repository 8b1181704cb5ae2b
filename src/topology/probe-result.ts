import type { NodeAddress } from './node-address.js'
import type { NodeState, NodeType, Tags, TopologyVersion } from './node-type.js'

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
  /**
   * One network round trip to the node measured by the adapter (e.g. a ping), ms. When present the
   * monitor averages this instead of the whole probe's duration, which may span several statements.
   */
  readonly roundTripTimeMS?: number
  /** Backend-specific facts shown in `topology()` (version, read_only, thread states, …). */
  readonly details?: Readonly<Record<string, unknown>>
  /** Things an operator should fix (e.g. the app user can bypass read_only). */
  readonly warnings?: readonly string[]
}
