import { isReplicaKitError } from '../errors/errors.js'
import type { ReplicaKitError } from '../errors/errors.js'
import type { NodeAddress } from './node-address.js'
import { NodeState, NodeType } from './node-type.js'
import type { Tags, TopologyVersion } from './node-type.js'
import type { ProbeResult } from './probe-result.js'

export { NodeState, NodeType } from './node-type.js'
export type { Tags, TopologyVersion } from './node-type.js'
export type { ProbeResult } from './probe-result.js'

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

/**
 * The state an operator would read for a node of `type` when the probe did not say: `DOWN` for a
 * node that is Unknown because of an error, `UNKNOWN` for one not probed yet; routers and load
 * balancers have no member state (`UNKNOWN`); a standalone is the writable node (`PRIMARY`).
 */
export function defaultNodeState(type: NodeType, hasError = false): NodeState {
  switch (type) {
    case NodeType.Unknown:
      return hasError ? NodeState.Down : NodeState.Unknown
    case NodeType.Standalone:
    case NodeType.Primary:
      return NodeState.Primary
    case NodeType.Secondary:
      return NodeState.Secondary
    case NodeType.Arbiter:
      return NodeState.Arbiter
    case NodeType.Other:
      return NodeState.Recovering
    case NodeType.Ghost:
      return NodeState.Startup
    case NodeType.Peer:
      return NodeState.Peer
    case NodeType.PossiblePrimary:
    case NodeType.Router:
    case NodeType.LoadBalancer:
      return NodeState.Unknown
    default: {
      const _exhaustive: never = type
      return _exhaustive
    }
  }
}

/**
 * Whether a node of `type` serves application data (SDAM "data-bearing server type"), plus `Peer`.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#data-bearing-server-type
 */
export function isDataBearing(type: NodeType): boolean {
  return (
    type === NodeType.Standalone ||
    type === NodeType.Primary ||
    type === NodeType.Secondary ||
    type === NodeType.Router ||
    type === NodeType.LoadBalancer ||
    type === NodeType.Peer
  )
}

/** Options of {@link createUnknownNodeDescription}. */
export interface UnknownNodeDescriptionOptions {
  /** Wall-clock ms of the description. Default 0 ("infinity ago"). */
  readonly now?: number
  /** The node's topologyVersion carried by a state-change error. Default `null`. */
  readonly topologyVersion?: TopologyVersion | null
  /** The type; only `Unknown` (default) or `PossiblePrimary` make sense. */
  readonly type?: typeof NodeType.Unknown | typeof NodeType.PossiblePrimary
}

/**
 * The default description of a node nothing is known about (SDAM "default ServerDescription"): type
 * Unknown, no RTT, empty member lists, wire versions 0.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#serverdescription
 */
export function createUnknownNodeDescription(
  address: NodeAddress,
  error: ReplicaKitError | null = null,
  options: UnknownNodeDescriptionOptions = {},
): NodeDescription {
  const type = options.type ?? NodeType.Unknown
  return Object.freeze({
    address,
    type,
    state: defaultNodeState(type, error !== null),
    error,
    roundTripTimeMS: null,
    lastUpdateTime: options.now ?? 0,
    lastWriteDate: null,
    lagMS: null,
    position: null,
    setName: null,
    setVersion: null,
    electionId: null,
    primary: null,
    me: null,
    hosts: EMPTY,
    passives: EMPTY,
    arbiters: EMPTY,
    tags: EMPTY_TAGS,
    minWireVersion: 0,
    maxWireVersion: 0,
    logicalSessionTimeoutMinutes: null,
    topologyVersion: options.topologyVersion ?? null,
    details: EMPTY_TAGS,
    warnings: EMPTY,
  })
}

/** Options of {@link createNodeDescription}. */
export interface NodeDescriptionOptions {
  /** The node's average probe round trip, ms (ignored for an error, which makes the node Unknown). */
  readonly rttMS: number | null
  /** Wall-clock ms of the probe's outcome. */
  readonly now: number
}

/**
 * The description of a node after one probe: from its {@link ProbeResult}, or Unknown with the
 * error when the probe failed. Host names in the member lists are lower-cased.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#parsing-a-hello-or-legacy-hello-response
 */
export function createNodeDescription(
  address: NodeAddress,
  probe: ProbeResult | ReplicaKitError,
  options: NodeDescriptionOptions,
): NodeDescription {
  if (isReplicaKitError(probe))
    return createUnknownNodeDescription(address, probe, { now: options.now })
  if (probe.type === NodeType.Unknown || probe.type === NodeType.PossiblePrimary) {
    return createUnknownNodeDescription(address, null, {
      now: options.now,
      topologyVersion: probe.topologyVersion ?? null,
    })
  }
  return Object.freeze({
    address,
    type: probe.type,
    state: probe.state ?? defaultNodeState(probe.type),
    error: null,
    roundTripTimeMS: options.rttMS,
    lastUpdateTime: options.now,
    lastWriteDate: probe.lastWriteDate ?? null,
    lagMS: probe.lagMS ?? null,
    position: probe.position ?? null,
    setName: probe.setName ?? null,
    setVersion: probe.setVersion ?? null,
    electionId: probe.electionId?.toLowerCase() ?? null,
    primary: probe.primary?.toLowerCase() ?? null,
    me: probe.me?.toLowerCase() ?? null,
    hosts: lowerCased(probe.hosts),
    passives: lowerCased(probe.passives),
    arbiters: lowerCased(probe.arbiters),
    tags: Object.freeze({ ...probe.tags }),
    minWireVersion: probe.minWireVersion ?? 0,
    maxWireVersion: probe.maxWireVersion ?? 0,
    logicalSessionTimeoutMinutes: probe.logicalSessionTimeoutMinutes ?? null,
    topologyVersion: probe.topologyVersion ?? null,
    details: Object.freeze({ ...probe.details }),
    warnings: Object.freeze([...(probe.warnings ?? [])]),
  })
}

/**
 * Whether two descriptions of the same node are equal for the purpose of emitting events: the SDAM
 * fields marked (=) (error, type, wire versions, me, member sets, tags, setName, setVersion,
 * electionId, primary, logicalSessionTimeoutMinutes, topologyVersion) plus `state` and `warnings`.
 * RTT, lag, position, last write and update times do not count.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#server-description-equality
 */
export function nodeDescriptionEquals(a: NodeDescription, b: NodeDescription): boolean {
  return (
    a.address === b.address &&
    a.type === b.type &&
    a.state === b.state &&
    errorsEqual(a.error, b.error) &&
    a.minWireVersion === b.minWireVersion &&
    a.maxWireVersion === b.maxWireVersion &&
    a.me === b.me &&
    sameMembers(a.hosts, b.hosts) &&
    sameMembers(a.passives, b.passives) &&
    sameMembers(a.arbiters, b.arbiters) &&
    tagsEqual(a.tags, b.tags) &&
    a.setName === b.setName &&
    a.setVersion === b.setVersion &&
    a.electionId === b.electionId &&
    a.primary === b.primary &&
    a.logicalSessionTimeoutMinutes === b.logicalSessionTimeoutMinutes &&
    topologyVersionsEqual(a.topologyVersion, b.topologyVersion) &&
    a.warnings.length === b.warnings.length &&
    a.warnings.every((w, i) => w === b.warnings[i])
  )
}

/**
 * Orders two topologyVersions: negative when `b` is newer than `a` (or either is missing, or the
 * process ids differ: then `b` is assumed newer), 0 when equal, positive when `a` is newer.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#topologyversion-comparison
 */
export function compareTopologyVersion(
  a: TopologyVersion | null | undefined,
  b: TopologyVersion | null | undefined,
): number {
  if (a == null || b == null || a.processId !== b.processId) return -1
  return Math.sign(a.counter - b.counter)
}

const EMPTY: readonly never[] = Object.freeze([])
const EMPTY_TAGS: Readonly<Record<string, never>> = Object.freeze({})

function lowerCased(addresses: readonly NodeAddress[] | undefined): readonly NodeAddress[] {
  return addresses === undefined ? EMPTY : Object.freeze(addresses.map((a) => a.toLowerCase()))
}

function sameMembers(a: readonly NodeAddress[], b: readonly NodeAddress[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(a)
  return b.every((x) => set.has(x))
}

function tagsEqual(a: Tags, b: Tags): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}

function topologyVersionsEqual(a: TopologyVersion | null, b: TopologyVersion | null): boolean {
  if (a === null || b === null) return a === b
  return a.processId === b.processId && a.counter === b.counter
}

function errorsEqual(a: ReplicaKitError | null, b: ReplicaKitError | null): boolean {
  if (a === null || b === null) return a === b
  return a.code === b.code && a.message === b.message
}
