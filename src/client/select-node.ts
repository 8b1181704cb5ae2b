import { ErrorCode, ServerSelectionError } from '../errors/errors.js'
import { pickInWindow, selectNodes } from '../selection/server-selection.js'
import type { NodeSelector } from '../selection/server-selection.js'
import type { NodeAddress } from '../topology/node-address.js'
import type { NodeDescription } from '../topology/node-description.js'
import type { Topology } from '../topology/topology.js'
import type { TopologyDescription } from '../topology/topology-description.js'
import type { Clock } from '../util/clock.js'
import { abortReason } from '../util/abort.js'

/** What one server selection needs besides the topology. @internal */
export interface SelectNodeRequest {
  readonly selector: NodeSelector
  readonly deprioritized: readonly NodeAddress[]
  /** Absolute bound on `clock.monotonicMS()`: the smaller of the call's deadline and serverSelectionTimeoutMS. */
  readonly untilMS: number
  readonly signal: AbortSignal
  readonly localThresholdMS: number
  readonly heartbeatFrequencyMS: number
  /** Prefer these among the suitable nodes when any qualify (e.g. replicas that already have a session's writes). */
  readonly prefer?: (node: NodeDescription) => boolean
  readonly random: () => number
  readonly operationCount: (address: NodeAddress) => number
}

/**
 * Selects a node for one attempt: the pure selection rules over the current description, waiting for
 * the topology to change (and asking for immediate checks) until a node qualifies or `untilMS` passes.
 * Split brain fails at once: writes are refused rather than sent to either writable node.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#server-selection-algorithm
 * @internal
 */
export async function selectNode(
  topology: Topology,
  clock: Clock,
  request: SelectNodeRequest,
): Promise<NodeDescription> {
  for (;;) {
    if (request.signal.aborted) throw abortReason(request.signal)
    const description = topology.description
    if (request.selector.kind === 'write' && description.conflictingPrimaries.length > 0) {
      throw splitBrainError(description)
    }
    const suitable = selectNodes(description, request.selector, {
      localThresholdMS: request.localThresholdMS,
      heartbeatFrequencyMS: request.heartbeatFrequencyMS,
      now: clock.now(),
      deprioritized: request.deprioritized,
    })
    const preferred = request.prefer === undefined ? [] : suitable.filter(request.prefer)
    const chosen = pickInWindow(preferred.length > 0 ? preferred : suitable, {
      random: request.random,
      operationCount: request.operationCount,
    })
    if (chosen !== undefined) return chosen

    const remainingMS = request.untilMS - clock.monotonicMS()
    if (remainingMS <= 0) throw selectionTimeoutError(description, request.selector)
    topology.requestCheck()
    await topology.waitForDescriptionChange({ signal: request.signal, timeoutMS: remainingMS })
  }
}

function splitBrainError(description: TopologyDescription): ServerSelectionError {
  return new ServerSelectionError(
    `split brain: ${description.conflictingPrimaries.join(' and ')} are all writable at once; ` +
      'writes are refused until only one of them is writable (set read_only=ON on the others)',
    { code: ErrorCode.SplitBrain },
  )
}

function selectionTimeoutError(
  description: TopologyDescription,
  selector: NodeSelector,
): ServerSelectionError {
  const wanted =
    selector.kind === 'write'
      ? 'a writable primary'
      : `a node for readPreference=${selector.readPreference.mode}` +
        (selector.readPreference.tags !== undefined
          ? ` with tags ${JSON.stringify(selector.readPreference.tags)}`
          : '') +
        (selector.readPreference.maxStalenessSeconds !== undefined
          ? ` and maxStalenessSeconds=${selector.readPreference.maxStalenessSeconds}`
          : '')
  const nodes = [...description.nodes.values()]
    .map((n) => `${n.address} ${n.state}${n.error === null ? '' : ` (${n.error.message})`}`)
    .join('; ')
  return new ServerSelectionError(
    `no node found for ${wanted} before the selection timeout; topology ${description.type}: ` +
      `${nodes === '' ? 'no nodes' : nodes}. Check that the nodes are up and the read preference can be met, ` +
      'or raise serverSelectionTimeoutMS/timeoutMS',
    { code: ErrorCode.ServerSelectionTimeout },
  )
}
