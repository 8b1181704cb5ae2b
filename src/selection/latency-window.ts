import type { NodeAddress } from '../topology/node-address.js'
import type { NodeDescription } from '../topology/node-description.js'

/**
 * Keeps the suitable nodes whose average round trip is within `localThresholdMS` of the fastest:
 * `A ≤ rtt ≤ A + localThresholdMS`, where `A` is the smallest `roundTripTimeMS` among `nodes`. The
 * fastest node is always kept. A node with no RTT measured yet (`null`) is kept too: it is
 * suitable, and nothing says it is far.
 *
 * @param localThresholdMS - the window's width, in ms (the client default is 15).
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#filtering-suitable-servers-based-on-the-latency-window
 */
export function latencyWindowReducer(
  nodes: readonly NodeDescription[],
  localThresholdMS: number,
): NodeDescription[] {
  let fastestMS = Number.POSITIVE_INFINITY
  for (const node of nodes) {
    if (node.roundTripTimeMS !== null) fastestMS = Math.min(fastestMS, node.roundTripTimeMS)
  }
  const upperBoundMS = fastestMS + localThresholdMS
  return nodes.filter(
    (node) => node.roundTripTimeMS === null || node.roundTripTimeMS <= upperBoundMS,
  )
}

/** What {@link pickInWindow} needs besides the candidates. */
export interface PickInWindowOptions {
  /** A uniform random number in `[0, 1)` (`Math.random` in production; seeded in tests). */
  readonly random: () => number
  /** How many operations the client is running on a node right now. */
  readonly operationCount: (address: NodeAddress) => number
}

/**
 * Chooses one node among the nodes in the latency window by "power of two random choices": two
 * distinct nodes are drawn at random and the one with fewer in-flight operations wins (a tie goes
 * to the first drawn). With one candidate it is returned; with none, `undefined`.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#server-selection-algorithm
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#operationcount-based-selection-within-the-latency-window-multi-threaded-or-async
 */
export function pickInWindow(
  candidates: readonly NodeDescription[],
  options: PickInWindowOptions,
): NodeDescription | undefined {
  const count = candidates.length
  if (count <= 1) return candidates[0]
  const first = randomIndex(options.random, count)
  // Draw the second from the remaining count - 1 slots so the two are always distinct.
  let second = randomIndex(options.random, count - 1)
  if (second >= first) second += 1
  const a = candidates[first]
  const b = candidates[second]
  if (a === undefined || b === undefined) return a ?? b
  return options.operationCount(b.address) < options.operationCount(a.address) ? b : a
}

function randomIndex(random: () => number, size: number): number {
  return Math.min(size - 1, Math.floor(random() * size))
}
