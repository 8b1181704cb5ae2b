import { ConfigError, NodeStateError } from '../errors/errors.js'
import { ErrorCode } from '../errors/error-codes.js'
import type { NodeAddress } from './node-address.js'
import {
  NodeType,
  compareTopologyVersion,
  createUnknownNodeDescription,
  isDataBearing,
  nodeDescriptionEquals,
} from './node-description.js'
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

/**
 * What to do when a node reports Primary while another node is Primary.
 * - `sdam`: the MongoDB rule: the newer primary (by election marker) invalidates the old one.
 * - `refuse`: for backends without an election term (MySQL): when neither node carries an election
 *   marker, keep both as reported, record them in `conflictingPrimaries` and report no primary, so
 *   writes are refused until one of them stops claiming to be primary.
 */
export const PrimaryConflict = {
  Sdam: 'sdam',
  Refuse: 'refuse',
} as const

/** One of the values of {@link PrimaryConflict}. */
export type PrimaryConflict = (typeof PrimaryConflict)[keyof typeof PrimaryConflict]

/** The protocol versions the client speaks (MongoDB wire versions). */
export interface WireVersionRange {
  readonly min: number
  readonly max: number
}

/** The settings the pure topology rules depend on. */
export interface TopologyRulesOptions {
  /** The seed list; its length decides what a lone standalone means. */
  readonly seeds: readonly NodeAddress[]
  /** The required set name (`replicaSet`). Default none: discovered from the first member. */
  readonly setName?: string | null
  /** Use the one seed directly, whatever it is (TopologyType Single). Default false. */
  readonly directConnection?: boolean
  /** The one seed is a load balancer (TopologyType LoadBalanced). Default false. */
  readonly loadBalanced?: boolean
  /** Default `'sdam'`. */
  readonly primaryConflict?: PrimaryConflict
  /** The client's wire versions; nodes outside make the topology incompatible. Default: no check. */
  readonly wireVersionRange?: WireVersionRange | null
}

/**
 * The topology type a new topology starts in: LoadBalanced, Single for a direct connection,
 * ReplicaSetNoPrimary when a set name is required, Unknown otherwise.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#initial-topologytype
 */
export function initialTopologyType(options: TopologyRulesOptions): TopologyType {
  if (options.loadBalanced === true) return TopologyType.LoadBalanced
  if (options.directConnection === true) return TopologyType.Single
  if (options.setName != null) return TopologyType.ReplicaSetNoPrimary
  return TopologyType.Unknown
}

/**
 * The description of a topology before any probe: every seed Unknown.
 * Throws a `ConfigError` when a direct or load-balanced connection is given more than one seed.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#initial-topologydescription
 */
export function createTopologyDescription(options: TopologyRulesOptions): TopologyDescription {
  const type = initialTopologyType(options)
  const seeds = [...new Set(options.seeds.map((s) => s.toLowerCase()))]
  if ((type === TopologyType.Single || type === TopologyType.LoadBalanced) && seeds.length !== 1) {
    const option = type === TopologyType.Single ? 'directConnection=true' : 'loadBalanced=true'
    throw new ConfigError(`${option} needs exactly one host, got ${String(seeds.length)}`, {
      code: ErrorCode.ConflictingOptions,
    })
  }
  return Object.freeze({
    type,
    setName: options.setName ?? null,
    maxSetVersion: null,
    maxElectionId: null,
    nodes: new Map(seeds.map((a) => [a, createUnknownNodeDescription(a)])),
    compatibilityError: null,
    logicalSessionTimeoutMinutes: null,
    conflictingPrimaries: Object.freeze([]),
  })
}

/**
 * The topology after one node's new description (from a probe, or Unknown after an error): the SDAM
 * TopologyType table, generalised. Returns `td` itself when the description is ignored (the node
 * is not in the topology, or its topologyVersion is older than the one already known).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#updating-the-topologydescription
 */
export function updateTopologyDescription(
  td: TopologyDescription,
  nd: NodeDescription,
  options: TopologyRulesOptions,
): TopologyDescription {
  const current = td.nodes.get(nd.address)
  if (current === undefined) return td
  if (compareTopologyVersion(current.topologyVersion, nd.topologyVersion) > 0) return td
  const draft: Draft = {
    ...td,
    nodes: new Map(td.nodes),
    conflictingPrimaries: [...td.conflictingPrimaries],
  }
  draft.nodes.set(nd.address, nd)
  applyRules(draft, nd, options)
  return finish(draft, options)
}

/** The writable node of `td`: its primary (or a direct standalone), or `null` when none or in conflict. */
export function primaryAddress(td: TopologyDescription): NodeAddress | null {
  if (td.conflictingPrimaries.length > 0) return null
  if (td.type !== TopologyType.ReplicaSetWithPrimary && td.type !== TopologyType.Single) return null
  for (const node of td.nodes.values()) {
    if (node.type === NodeType.Primary) return node.address
    if (td.type === TopologyType.Single && node.type === NodeType.Standalone) return node.address
  }
  return null
}

/** Whether two topology descriptions are equal for the purpose of emitting events. */
export function topologyDescriptionEquals(a: TopologyDescription, b: TopologyDescription): boolean {
  if (
    a.type !== b.type ||
    a.setName !== b.setName ||
    a.maxSetVersion !== b.maxSetVersion ||
    a.maxElectionId !== b.maxElectionId ||
    a.compatibilityError !== b.compatibilityError ||
    a.logicalSessionTimeoutMinutes !== b.logicalSessionTimeoutMinutes ||
    a.nodes.size !== b.nodes.size ||
    a.conflictingPrimaries.join() !== b.conflictingPrimaries.join()
  ) {
    return false
  }
  for (const [address, node] of a.nodes) {
    const other = b.nodes.get(address)
    if (other === undefined || !nodeDescriptionEquals(node, other)) return false
  }
  return true
}

interface Draft {
  type: TopologyType
  setName: string | null
  maxSetVersion: number | null
  maxElectionId: string | null
  nodes: Map<NodeAddress, NodeDescription>
  compatibilityError: string | null
  logicalSessionTimeoutMinutes: number | null
  conflictingPrimaries: NodeAddress[]
}

/** The TopologyType table: what a new node description does to each topology type. */
function applyRules(d: Draft, nd: NodeDescription, options: TopologyRulesOptions): void {
  const t = nd.type
  switch (d.type) {
    case TopologyType.Single:
      if (options.setName != null && t !== NodeType.Unknown && nd.setName !== options.setName) {
        d.nodes.set(nd.address, wrongSetName(nd, options.setName))
      }
      return
    case TopologyType.LoadBalanced:
      return
    case TopologyType.Unknown:
      if (t === NodeType.Standalone) {
        if (options.seeds.length !== 1) d.nodes.delete(nd.address)
        else d.type = TopologyType.Single
      } else if (t === NodeType.Router) {
        d.type = TopologyType.Sharded
      } else if (t === NodeType.Primary) {
        d.type = TopologyType.ReplicaSetWithPrimary
        updateFromPrimary(d, nd, options)
      } else if (isReplicaMember(t)) {
        d.type = TopologyType.ReplicaSetNoPrimary
        updateWithoutPrimary(d, nd)
      } else if (t === NodeType.Peer) {
        d.type = TopologyType.Peer
        addMembers(d, nd)
      }
      return
    case TopologyType.Sharded:
      if (t !== NodeType.Unknown && t !== NodeType.Router) d.nodes.delete(nd.address)
      return
    case TopologyType.Peer:
      if (t === NodeType.Peer) addMembers(d, nd)
      else if (t !== NodeType.Unknown) d.nodes.delete(nd.address)
      return
    case TopologyType.ReplicaSetNoPrimary:
    case TopologyType.ReplicaSetWithPrimary:
      if (t === NodeType.Primary) updateFromPrimary(d, nd, options)
      else if (isReplicaMember(t)) {
        if (d.type === TopologyType.ReplicaSetNoPrimary) updateWithoutPrimary(d, nd)
        else updateWithPrimaryFromMember(d, nd)
      } else if (t !== NodeType.Unknown && t !== NodeType.Ghost && t !== NodeType.PossiblePrimary) {
        d.nodes.delete(nd.address) // a standalone, router, load balancer or peer is not a member
      }
      return
    default: {
      const _exhaustive: never = d.type
      return _exhaustive
    }
  }
}

/**
 * A primary's report: checks the set name and election marker, invalidates (or, in refuse mode,
 * records a conflict with) any other primary, and makes the member list the primary's.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#updatersfromprimary
 */
function updateFromPrimary(d: Draft, nd: NodeDescription, options: TopologyRulesOptions): void {
  if (d.setName === null) d.setName = nd.setName
  else if (d.setName !== nd.setName) {
    d.nodes.delete(nd.address)
    return
  }
  if (isStalePrimary(d, nd)) {
    d.nodes.set(nd.address, stalePrimary(nd, 'electionId/setVersion mismatch'))
    return
  }
  const refuse = (options.primaryConflict ?? PrimaryConflict.Sdam) === PrimaryConflict.Refuse
  const conflicts = new Set<NodeAddress>()
  for (const other of d.nodes.values()) {
    if (other.address === nd.address || other.type !== NodeType.Primary) continue
    if (refuse && other.electionId === null && nd.electionId === null) {
      conflicts.add(other.address).add(nd.address)
    } else {
      d.nodes.set(other.address, stalePrimary(other, 'discovery of newer primary'))
    }
  }
  d.conflictingPrimaries = [...new Set([...d.conflictingPrimaries, ...conflicts])]
  addMembers(d, nd)
  const members = new Set([...nd.hosts, ...nd.passives, ...nd.arbiters])
  for (const address of [...d.nodes.keys()]) {
    // A conflicting primary stays even when the other one does not list it: both are reported.
    if (!members.has(address) && !d.conflictingPrimaries.includes(address)) d.nodes.delete(address)
  }
}

/**
 * Whether a primary's (electionId, setVersion) is older than the newest seen; updates the maxima
 * otherwise. MongoDB ≥ 6.0 (and every backend without wire versions) compares electionId first;
 * older MongoDB servers (wire version 1–16) keep the legacy setVersion-first order.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#using-electionid-and-setversion-to-detect-stale-primaries
 */
function isStalePrimary(d: Draft, nd: NodeDescription): boolean {
  const legacy = nd.maxWireVersion > 0 && nd.maxWireVersion < 17
  if (!legacy) {
    const byElection = compareNullable(nd.electionId, d.maxElectionId, compareElectionIds)
    if (byElection < 0) return true
    if (byElection === 0 && compareNullable(nd.setVersion, d.maxSetVersion, (a, b) => a - b) < 0) {
      return true
    }
    d.maxElectionId = nd.electionId
    d.maxSetVersion = nd.setVersion
    return false
  }
  if (nd.setVersion !== null && nd.electionId !== null) {
    if (d.maxSetVersion !== null && d.maxElectionId !== null) {
      if (d.maxSetVersion > nd.setVersion) return true
      if (
        d.maxSetVersion === nd.setVersion &&
        compareElectionIds(d.maxElectionId, nd.electionId) > 0
      ) {
        return true
      }
    }
    d.maxElectionId = nd.electionId
  }
  if (nd.setVersion !== null && (d.maxSetVersion === null || nd.setVersion > d.maxSetVersion)) {
    d.maxSetVersion = nd.setVersion
  }
  return false
}

/**
 * A secondary, arbiter or other member's report while no primary is known.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#updaterswithoutprimary
 */
function updateWithoutPrimary(d: Draft, nd: NodeDescription): void {
  if (d.setName === null) d.setName = nd.setName
  else if (d.setName !== nd.setName) {
    d.nodes.delete(nd.address)
    return
  }
  addMembers(d, nd)
  markPossiblePrimary(d, nd.primary)
  if (nd.me !== null && nd.me !== nd.address) d.nodes.delete(nd.address)
}

/**
 * A secondary, arbiter or other member's report while a primary is known.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#updaterswithprimaryfrommember
 */
function updateWithPrimaryFromMember(d: Draft, nd: NodeDescription): void {
  if (d.setName !== nd.setName || (nd.me !== null && nd.me !== nd.address)) {
    d.nodes.delete(nd.address)
    return
  }
  if (![...d.nodes.values()].some((n) => n.type === NodeType.Primary)) {
    d.type = TopologyType.ReplicaSetNoPrimary
    markPossiblePrimary(d, nd.primary)
  }
}

function markPossiblePrimary(d: Draft, address: NodeAddress | null): void {
  const node = address === null ? undefined : d.nodes.get(address)
  if (node?.type !== NodeType.Unknown) return
  d.nodes.set(
    node.address,
    createUnknownNodeDescription(node.address, node.error, {
      type: NodeType.PossiblePrimary,
      now: node.lastUpdateTime,
      topologyVersion: node.topologyVersion,
    }),
  )
}

function addMembers(d: Draft, nd: NodeDescription): void {
  for (const address of [...nd.hosts, ...nd.passives, ...nd.arbiters]) {
    if (!d.nodes.has(address)) d.nodes.set(address, createUnknownNodeDescription(address))
  }
}

/** Derived fields: conflicts still standing, primary presence, compatibility, session timeout. */
function finish(d: Draft, options: TopologyRulesOptions): TopologyDescription {
  const stillPrimary = d.conflictingPrimaries.filter(
    (a) => d.nodes.get(a)?.type === NodeType.Primary,
  )
  const conflictingPrimaries = stillPrimary.length > 1 ? stillPrimary.sort() : []
  let type = d.type
  if (type === TopologyType.ReplicaSetNoPrimary || type === TopologyType.ReplicaSetWithPrimary) {
    const hasPrimary = [...d.nodes.values()].some((n) => n.type === NodeType.Primary)
    type =
      hasPrimary && conflictingPrimaries.length === 0
        ? TopologyType.ReplicaSetWithPrimary
        : TopologyType.ReplicaSetNoPrimary
  }
  return Object.freeze({
    type,
    setName: d.setName,
    maxSetVersion: d.maxSetVersion,
    maxElectionId: d.maxElectionId,
    nodes: d.nodes,
    compatibilityError: compatibilityErrorOf(d.nodes.values(), options.wireVersionRange ?? null),
    logicalSessionTimeoutMinutes: sessionTimeoutOf(d.nodes.values()),
    conflictingPrimaries: Object.freeze(conflictingPrimaries),
  })
}

/**
 * The first node whose wire versions do not overlap the client's, as a message; `null` when all do.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#checking-wire-protocol-compatibility
 */
function compatibilityErrorOf(
  nodes: Iterable<NodeDescription>,
  range: WireVersionRange | null,
): string | null {
  if (range === null) return null
  for (const n of nodes) {
    // Unknown nodes (and a load balancer, which reports no versions) have nothing to check.
    if (n.type === NodeType.Unknown || n.type === NodeType.PossiblePrimary) continue
    if (n.type === NodeType.LoadBalancer) continue
    if (n.minWireVersion > range.max) {
      return (
        `node ${n.address} requires wire version ${n.minWireVersion}, but this version of ` +
        `ReplicaKit only supports up to ${range.max}: upgrade ReplicaKit`
      )
    }
    if (n.maxWireVersion < range.min) {
      return (
        `node ${n.address} reports wire version ${n.maxWireVersion}, but this version of ` +
        `ReplicaKit requires at least ${range.min}: upgrade the server`
      )
    }
  }
  return null
}

/**
 * The smallest logicalSessionTimeoutMinutes among data-bearing nodes; `null` when any has none.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#logical-session-timeout
 */
function sessionTimeoutOf(nodes: Iterable<NodeDescription>): number | null {
  let min: number | null = null
  for (const n of nodes) {
    if (!isDataBearing(n.type)) continue
    if (n.logicalSessionTimeoutMinutes === null) return null
    min =
      min === null ? n.logicalSessionTimeoutMinutes : Math.min(min, n.logicalSessionTimeoutMinutes)
  }
  return min
}

function isReplicaMember(type: NodeType): boolean {
  return type === NodeType.Secondary || type === NodeType.Arbiter || type === NodeType.Other
}

function stalePrimary(nd: NodeDescription, reason: string): NodeDescription {
  const error = new NodeStateError(`${nd.address}: primary marked stale due to ${reason}`, {
    code: ErrorCode.NotPrimary,
    node: nd.address,
  })
  return createUnknownNodeDescription(nd.address, error, { now: nd.lastUpdateTime })
}

function wrongSetName(nd: NodeDescription, setName: string): NodeDescription {
  const error = new ConfigError(
    `node ${nd.address} is in set ${JSON.stringify(nd.setName)}, not in replicaSet=${setName}: ` +
      'check the replicaSet option',
    { code: ErrorCode.InvalidOption, node: nd.address },
  )
  return createUnknownNodeDescription(nd.address, error, { now: nd.lastUpdateTime })
}

/** Orders fixed-width hex election markers (longer = larger, then lexicographic). */
function compareElectionIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}

/** Compares with `null` below every value and equal to itself. */
function compareNullable<T>(a: T | null, b: T | null, compare: (x: T, y: T) => number): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : -1) : 1
  return compare(a, b)
}
