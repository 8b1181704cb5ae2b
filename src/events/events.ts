import type { ReplicaKitError } from '../errors/errors.js'
import type { NodeAddress } from '../topology/node-address.js'
import type { NodeDescription, ProbeResult } from '../topology/node-description.js'
import type { TopologyDescription } from '../topology/topology-description.js'

/**
 * The topology started monitoring (SDAM `TopologyOpeningEvent`).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring-logging-and-monitoring.md#events-api
 */
export class TopologyOpenedEvent {
  readonly name = 'topologyOpened'
}

/** The topology stopped monitoring for good (SDAM `TopologyClosedEvent`). */
export class TopologyClosedEvent {
  readonly name = 'topologyClosed'
}

/**
 * The topology description changed (SDAM `TopologyDescriptionChangedEvent`). Not emitted when an
 * update leaves it equal.
 */
export class TopologyChangedEvent {
  readonly name = 'topologyChanged'
  readonly previous: TopologyDescription
  readonly next: TopologyDescription

  constructor(previous: TopologyDescription, next: TopologyDescription) {
    this.previous = previous
    this.next = next
  }
}

/** A node joined the topology and is monitored from now on (SDAM `ServerOpeningEvent`). */
export class NodeOpenedEvent {
  readonly name = 'nodeOpened'
  readonly address: NodeAddress

  constructor(address: NodeAddress) {
    this.address = address
  }
}

/** A node left the topology and is no longer monitored (SDAM `ServerClosedEvent`). */
export class NodeClosedEvent {
  readonly name = 'nodeClosed'
  readonly address: NodeAddress

  constructor(address: NodeAddress) {
    this.address = address
  }
}

/**
 * A node's description changed (SDAM `ServerDescriptionChangedEvent`). Not emitted when the new
 * description is equal to the old one by the SDAM equality rule (RTT and lag changes alone do not count).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#server-description-equality
 */
export class NodeChangedEvent {
  readonly name = 'nodeChanged'
  readonly address: NodeAddress
  readonly previous: NodeDescription
  readonly next: NodeDescription

  constructor(address: NodeAddress, previous: NodeDescription, next: NodeDescription) {
    this.address = address
    this.previous = previous
    this.next = next
  }
}

/** The writable node changed: a failover, a step-down, or the first discovery. `null` = none. */
export class PrimaryChangedEvent {
  readonly name = 'primaryChanged'
  readonly previous: NodeAddress | null
  readonly next: NodeAddress | null

  constructor(previous: NodeAddress | null, next: NodeAddress | null) {
    this.previous = previous
    this.next = next
  }
}

/**
 * Several nodes claim to be writable at once and no election term orders them (split brain, in
 * `primaryConflict: 'refuse'` mode). Writes are refused until only one is writable.
 */
export class SplitBrainDetectedEvent {
  readonly name = 'splitBrainDetected'
  /** The nodes that claim to be primary, sorted. */
  readonly nodes: readonly NodeAddress[]

  constructor(nodes: readonly NodeAddress[]) {
    this.nodes = nodes
  }
}

/** A probe of a node started (SDAM `ServerHeartbeatStartedEvent`). */
export class HeartbeatStartedEvent {
  readonly name = 'heartbeatStarted'
  readonly address: NodeAddress

  constructor(address: NodeAddress) {
    this.address = address
  }
}

/** A probe of a node succeeded (SDAM `ServerHeartbeatSucceededEvent`). */
export class HeartbeatSucceededEvent {
  readonly name = 'heartbeatSucceeded'
  readonly address: NodeAddress
  /** How long the probe took, ms. */
  readonly durationMS: number
  readonly result: ProbeResult

  constructor(address: NodeAddress, durationMS: number, result: ProbeResult) {
    this.address = address
    this.durationMS = durationMS
    this.result = result
  }
}

/** A probe of a node failed or timed out (SDAM `ServerHeartbeatFailedEvent`). */
export class HeartbeatFailedEvent {
  readonly name = 'heartbeatFailed'
  readonly address: NodeAddress
  /** How long the probe took until it failed, ms. */
  readonly durationMS: number
  readonly error: ReplicaKitError

  constructor(address: NodeAddress, durationMS: number, error: ReplicaKitError) {
    this.address = address
    this.durationMS = durationMS
    this.error = error
  }
}

/** Every event a `Topology` emits, by name. */
export interface TopologyEvents {
  topologyOpened: TopologyOpenedEvent
  topologyClosed: TopologyClosedEvent
  topologyChanged: TopologyChangedEvent
  nodeOpened: NodeOpenedEvent
  nodeClosed: NodeClosedEvent
  nodeChanged: NodeChangedEvent
  primaryChanged: PrimaryChangedEvent
  splitBrainDetected: SplitBrainDetectedEvent
  heartbeatStarted: HeartbeatStartedEvent
  heartbeatSucceeded: HeartbeatSucceededEvent
  heartbeatFailed: HeartbeatFailedEvent
}

/** The name of a topology event. */
export type TopologyEventName = keyof TopologyEvents
