import type { NodeAddress } from '../topology/node-address.js'
import type { NodeDescription } from '../topology/node-description.js'
import { NodeType } from '../topology/node-description.js'
import type { TopologyDescription } from '../topology/topology-description.js'
import { TopologyType } from '../topology/topology-description.js'
import { latencyWindowReducer } from './latency-window.js'
import type { StalenessOptions } from './max-staleness.js'
import { maxStalenessReducer } from './max-staleness.js'
import type { ReadPreference } from './read-preference.js'
import { ReadPreferenceMode, validateReadPreference } from './read-preference.js'
import { tagSetReducer } from './tag-set.js'

// The in-window choice lives with the latency window; re-exported so callers import selection once.
export { pickInWindow } from './latency-window.js'
export type { PickInWindowOptions } from './latency-window.js'

/** What an operation needs from a node: the primary (a write), or what a read preference allows. */
export type NodeSelector =
  { readonly kind: 'write' } | { readonly kind: 'read'; readonly readPreference: ReadPreference }

/** The selector of every write. */
export const WRITE_SELECTOR: NodeSelector = Object.freeze({ kind: 'write' })

/** A frozen selector for a read with `readPreference`. */
export function readSelector(readPreference: ReadPreference): NodeSelector {
  return Object.freeze({ kind: 'read', readPreference })
}

/** The client-level settings server selection runs with. */
export interface SelectionOptions extends StalenessOptions {
  /** The latency window's width, in ms (client default 15). */
  readonly localThresholdMS: number
  /**
   * Nodes that just failed this operation (a retry). They are used only if no other node is
   * suitable. Default: none.
   */
  readonly deprioritized?: readonly NodeAddress[]
}

/**
 * The suitable nodes within the latency window for one operation: what the retry loop picks from
 * (with {@link pickInWindow}). Empty when no node is suitable now (the caller waits for a topology
 * change, bounded by `serverSelectionTimeoutMS`). Pure: no I/O, no clock.
 *
 * ```ts
 * const nodes = selectNodes(topology.description, readSelector({ mode: 'nearest' }), {
 *   localThresholdMS: 15, heartbeatFrequencyMS: 10_000, now: clock.now(), deprioritized: [failed],
 * })
 * const node = pickInWindow(nodes, { random: Math.random, operationCount: (a) => inFlight.get(a) ?? 0 })
 * ```
 *
 * @throws ConfigError when the read preference is invalid for this topology (see
 *   {@link validateReadPreference}).
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#server-selection-algorithm
 */
export function selectNodes(
  description: TopologyDescription,
  selector: NodeSelector,
  options: SelectionOptions,
): NodeDescription[] {
  return latencyWindowReducer(
    selectSuitableNodes(description, selector, options),
    options.localThresholdMS,
  )
}

/**
 * The suitable nodes for one operation, before the latency window is applied.
 *
 * - Writes go to the one confirmed primary only; nothing is suitable while nodes conflict for the
 *   primary role (`description.conflictingPrimaries`, or two nodes typed Primary): split brain
 *   refuses writes rather than writing to both. Routers, a load balancer, the single node of a
 *   `Single` topology and every peer of a `Peer` topology are suitable too.
 * - Reads in a replica set follow the mode; secondaries are filtered by `maxStalenessSeconds`, then
 *   by tag sets in order. A node contending for the primary role in a split brain is never read as
 *   the primary. Routers, load balancers and a single node ignore the read preference. In a
 *   `Peer` topology every peer is a candidate and only the tag sets filter.
 * - Deprioritised nodes are dropped first; only if nothing is then suitable is the selection run
 *   again with them (in every topology type, as node-mongodb-native does for sharded retries).
 *
 * @throws ConfigError when the read preference is invalid for this topology.
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#rules-for-server-selection
 */
export function selectSuitableNodes(
  description: TopologyDescription,
  selector: NodeSelector,
  options: SelectionOptions,
): NodeDescription[] {
  if (selector.kind === 'read') {
    validateReadPreference(selector.readPreference, {
      heartbeatFrequencyMS: options.heartbeatFrequencyMS,
      topologyType: description.type,
    })
  }
  const all = [...description.nodes.values()]
  const deprioritized = new Set(options.deprioritized ?? [])
  if (deprioritized.size > 0) {
    const preferred = all.filter((node) => !deprioritized.has(node.address))
    const suitable = suitableAmong(preferred, description, selector, options)
    if (suitable.length > 0) return suitable
  }
  return suitableAmong(all, description, selector, options)
}

function suitableAmong(
  nodes: readonly NodeDescription[],
  description: TopologyDescription,
  selector: NodeSelector,
  options: SelectionOptions,
): NodeDescription[] {
  const type = description.type
  switch (type) {
    case TopologyType.Unknown:
      return []
    case TopologyType.Single:
      return nodes.filter(isAvailable)
    case TopologyType.LoadBalanced:
      return nodes.filter((node) => node.type === NodeType.LoadBalancer)
    case TopologyType.Sharded:
      return nodes.filter((node) => node.type === NodeType.Router)
    case TopologyType.Peer: {
      const peers = nodes.filter((node) => node.type === NodeType.Peer)
      return selector.kind === 'read' ? tagSetReducer(peers, selector.readPreference.tags) : peers
    }
    case TopologyType.ReplicaSetWithPrimary:
    case TopologyType.ReplicaSetNoPrimary:
      return selector.kind === 'write'
        ? writablePrimary(nodes, description)
        : replicaSetReadable(nodes, description, selector.readPreference, options)
    default: {
      const _exhaustive: never = type
      return _exhaustive
    }
  }
}

/** The confirmed primary among `nodes`, or nothing while the primary role is contested. */
function writablePrimary(
  nodes: readonly NodeDescription[],
  description: TopologyDescription,
): NodeDescription[] {
  if (description.conflictingPrimaries.length > 0) return []
  const primaries = nodes.filter((node) => node.type === NodeType.Primary)
  return primaries.length === 1 ? primaries : []
}

/** @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#read-operations */
function replicaSetReadable(
  nodes: readonly NodeDescription[],
  description: TopologyDescription,
  readPreference: ReadPreference,
  options: SelectionOptions,
): NodeDescription[] {
  const contested = new Set(description.conflictingPrimaries)
  const isPrimary = (node: NodeDescription): boolean =>
    node.type === NodeType.Primary && !contested.has(node.address)
  const isSecondary = (node: NodeDescription): boolean => node.type === NodeType.Secondary
  // Staleness before tags: a stale node must not make a tag set "match" and hide later sets.
  const eligible = (candidates: NodeDescription[]): NodeDescription[] =>
    tagSetReducer(
      maxStalenessReducer(candidates, description, {
        heartbeatFrequencyMS: options.heartbeatFrequencyMS,
        now: options.now,
        maxStalenessSeconds: readPreference.maxStalenessSeconds,
      }),
      readPreference.tags,
    )
  const primary = nodes.filter(isPrimary)
  const mode = readPreference.mode
  switch (mode) {
    case ReadPreferenceMode.Primary:
      return primary
    case ReadPreferenceMode.PrimaryPreferred:
      return primary.length > 0 ? primary : eligible(nodes.filter(isSecondary))
    case ReadPreferenceMode.Secondary:
      return eligible(nodes.filter(isSecondary))
    case ReadPreferenceMode.SecondaryPreferred: {
      const secondaries = eligible(nodes.filter(isSecondary))
      return secondaries.length > 0 ? secondaries : primary
    }
    case ReadPreferenceMode.Nearest:
      return eligible(nodes.filter((node) => isPrimary(node) || isSecondary(node)))
    default: {
      const _exhaustive: never = mode
      return _exhaustive
    }
  }
}

/** Available: reachable and probed (not Unknown, not a PossiblePrimary guess). */
function isAvailable(node: NodeDescription): boolean {
  return node.type !== NodeType.Unknown && node.type !== NodeType.PossiblePrimary
}
