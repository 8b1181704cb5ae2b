import type { NodeDescription } from '../topology/node-description.js'
import { NodeType } from '../topology/node-description.js'
import type { TopologyDescription } from '../topology/topology-description.js'
import { TopologyType } from '../topology/topology-description.js'

/**
 * How often an idle MongoDB primary writes a no-op to its oplog, in ms (a constant of the spec). It
 * bounds how old a primary's `lastWriteDate` can be while the primary is healthy.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/max-staleness/max-staleness.md#idlewriteperiodms
 */
export const IDLE_WRITE_PERIOD_MS = 10_000

/**
 * The smallest `maxStalenessSeconds` ever accepted, in seconds (a constant of the spec).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/max-staleness/max-staleness.md#smallest-allowed-value-for-maxstalenessseconds
 */
export const SMALLEST_MAX_STALENESS_SECONDS = 90

/** The inputs of a staleness estimate besides the node and the topology. */
export interface StalenessOptions {
  /** How often each node is probed, in ms (the monitor's `heartbeatFrequencyMS`). */
  readonly heartbeatFrequencyMS: number
  /**
   * Wall-clock ms now. Used only for a secondary whose backend reports a measured lag (`lagMS`)
   * instead of a `lastWriteDate` (MySQL): its description ages as time passes.
   */
  readonly now: number
}

/**
 * The smallest `maxStalenessSeconds` allowed for a given heartbeat, in seconds:
 * `max(90, (heartbeatFrequencyMS + idleWritePeriodMS) / 1000)`.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#maxstalenessseconds
 */
export function smallestMaxStalenessSeconds(heartbeatFrequencyMS: number): number {
  return Math.max(
    SMALLEST_MAX_STALENESS_SECONDS,
    (heartbeatFrequencyMS + IDLE_WRITE_PERIOD_MS) / 1000,
  )
}

/**
 * A worst-case estimate of how far `node` lags behind the primary's last write, in ms.
 *
 * - Non-secondaries (primary, routers, peers, standalones) have zero staleness.
 * - With a primary `P` (topology `ReplicaSetWithPrimary`), a secondary `S` is
 *   `(S.lastUpdateTime - S.lastWriteDate) - (P.lastUpdateTime - P.lastWriteDate) + heartbeatFrequencyMS`.
 * - Without a primary, against the secondary `SMax` with the greatest `lastWriteDate`:
 *   `SMax.lastWriteDate - S.lastWriteDate + heartbeatFrequencyMS`.
 * - A secondary whose backend reports no `lastWriteDate` but a measured `lagMS` (MySQL) is
 *   `lagMS + max(heartbeatFrequencyMS, now - lastUpdateTime)`: the lag as measured, plus how long
 *   replication may have stalled since (at least one heartbeat, as in the formulas above).
 * - A secondary with neither is of unknown staleness: `Infinity`, so any bound excludes it.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/max-staleness/max-staleness.md#algorithm-for-filtering-by-staleness
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#maxstalenessseconds
 */
export function stalenessMS(
  node: NodeDescription,
  description: TopologyDescription,
  options: StalenessOptions,
): number {
  if (node.type !== NodeType.Secondary) return 0
  const { heartbeatFrequencyMS } = options
  if (node.lastWriteDate !== null) {
    if (description.type === TopologyType.ReplicaSetWithPrimary) {
      const primary = findPrimary(description)
      if (primary?.lastWriteDate != null) {
        return (
          node.lastUpdateTime -
          node.lastWriteDate -
          (primary.lastUpdateTime - primary.lastWriteDate) +
          heartbeatFrequencyMS
        )
      }
    }
    const maxLastWriteDate = greatestSecondaryLastWriteDate(description)
    return maxLastWriteDate - node.lastWriteDate + heartbeatFrequencyMS
  }
  if (node.lagMS !== null) {
    return node.lagMS + Math.max(heartbeatFrequencyMS, options.now - node.lastUpdateTime)
  }
  return Number.POSITIVE_INFINITY
}

/**
 * Whether `node` is staler than `maxStalenessSeconds`. A bound that is absent, `-1` or not positive
 * means "no bound": nothing is stale.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#maxstalenessseconds
 */
export function isStale(
  node: NodeDescription,
  description: TopologyDescription,
  options: StalenessOptions & { readonly maxStalenessSeconds: number | undefined },
): boolean {
  const { maxStalenessSeconds } = options
  if (maxStalenessSeconds === undefined || !(maxStalenessSeconds > 0)) return false
  return stalenessMS(node, description, options) > maxStalenessSeconds * 1000
}

/**
 * Keeps the nodes of `nodes` that are not staler than `maxStalenessSeconds` (all of them when there
 * is no bound). Staleness is measured against the whole `description`, so it stays correct when
 * `nodes` is a subset (e.g. after deprioritisation).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#maxstalenessseconds
 */
export function maxStalenessReducer(
  nodes: readonly NodeDescription[],
  description: TopologyDescription,
  options: StalenessOptions & { readonly maxStalenessSeconds: number | undefined },
): NodeDescription[] {
  return nodes.filter((node) => !isStale(node, description, options))
}

function findPrimary(description: TopologyDescription): NodeDescription | undefined {
  for (const node of description.nodes.values()) {
    if (node.type === NodeType.Primary) return node
  }
  return undefined
}

function greatestSecondaryLastWriteDate(description: TopologyDescription): number {
  let max = Number.NEGATIVE_INFINITY
  for (const node of description.nodes.values()) {
    if (node.type === NodeType.Secondary && node.lastWriteDate !== null) {
      max = Math.max(max, node.lastWriteDate)
    }
  }
  return max
}
