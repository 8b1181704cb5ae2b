import { isConfigurationRefused } from '../errors/classify.js'
import {
  ConfigError,
  ErrorCode,
  ErrorLabel,
  ServerSelectionError,
  TlsError,
} from '../errors/errors.js'
import type { ReplicaKitError } from '../errors/errors.js'
import { pickInWindow, selectNodes } from '../selection/server-selection.js'
import type { NodeSelector } from '../selection/server-selection.js'
import type { NodeAddress } from '../topology/node-address.js'
import type { NodeDescription } from '../topology/node-description.js'
import type { Topology } from '../topology/topology.js'
import type { TopologyDescription } from '../topology/topology-description.js'
import type { Clock } from '../util/clock.js'
import { abortReason } from '../util/abort.js'

/** What one selection over the current description needs (no waiting). @internal */
export interface SelectNowRequest {
  readonly selector: NodeSelector
  readonly deprioritized: readonly NodeAddress[]
  readonly localThresholdMS: number
  readonly heartbeatFrequencyMS: number
  /** Prefer these among the suitable nodes when any qualify (e.g. replicas that already have a session's writes). */
  readonly prefer?: ((node: NodeDescription) => boolean) | undefined
  /**
   * The selector is a long-lived object (one per mode, kept by the client): its suitable nodes may be
   * remembered per description (see {@link selectNow}). Default: `false`.
   */
  readonly reusableSelector?: boolean
  readonly random: () => number
  readonly operationCount: (address: NodeAddress) => number
}

/** What one server selection needs besides the topology. @internal */
export interface SelectNodeRequest extends SelectNowRequest {
  /** Absolute bound on `clock.monotonicMS()`: the smaller of the call's deadline and serverSelectionTimeoutMS. */
  readonly untilMS: number
  readonly signal: AbortSignal
}

/** The suitable nodes remembered for one reusable selector on one description. */
interface RememberedSelection {
  readonly localThresholdMS: number
  readonly heartbeatFrequencyMS: number
  readonly nodes: readonly NodeDescription[]
}

/**
 * Suitable nodes per description and reusable selector. A description is a frozen value replaced on
 * every change, so an entry can only go stale through time: the one rule that reads the clock is
 * maxStalenessSeconds (the idle-write term of a secondary's staleness), and a selector with
 * maxStalenessSeconds is never remembered. Neither is a selection with deprioritised nodes (a retry).
 * Entries go when their description is collected.
 */
const REMEMBERED = new WeakMap<TopologyDescription, Map<NodeSelector, RememberedSelection>>()

/**
 * Selects a node for one attempt from `description` as it is, without waiting: the pure selection
 * rules, then the preferred nodes (when `prefer` keeps any), then power of two choices in the
 * latency window. `undefined` when no node qualifies now. Split brain fails at once: writes are
 * refused rather than sent to either writable node.
 *
 * @throws ServerSelectionError (SPLIT_BRAIN) for a write while nodes conflict for the primary role.
 * @throws ConfigError when the read preference is invalid for this topology.
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#server-selection-algorithm
 * @internal
 */
export function selectNow(
  description: TopologyDescription,
  clock: Clock,
  request: SelectNowRequest,
): NodeDescription | undefined {
  const selector = request.selector
  if (selector.kind === 'write' && description.conflictingPrimaries.length > 0) {
    throw splitBrainError(description)
  }
  const suitable = suitableNodes(description, clock, request)
  const prefer = request.prefer
  let candidates = suitable
  if (prefer !== undefined) {
    const preferred = suitable.filter(prefer)
    if (preferred.length > 0) candidates = preferred
  }
  return pickInWindow(candidates, request)
}

function suitableNodes(
  description: TopologyDescription,
  clock: Clock,
  request: SelectNowRequest,
): readonly NodeDescription[] {
  const selector = request.selector
  const remember =
    request.reusableSelector === true &&
    request.deprioritized.length === 0 &&
    (selector.kind === 'write' || selector.readPreference.maxStalenessSeconds === undefined)
  let bySelector: Map<NodeSelector, RememberedSelection> | undefined
  if (remember) {
    bySelector = REMEMBERED.get(description)
    const known = bySelector?.get(selector)
    if (
      known !== undefined &&
      known.localThresholdMS === request.localThresholdMS &&
      known.heartbeatFrequencyMS === request.heartbeatFrequencyMS
    ) {
      return known.nodes
    }
  }
  const nodes = Object.freeze(
    selectNodes(description, selector, {
      localThresholdMS: request.localThresholdMS,
      heartbeatFrequencyMS: request.heartbeatFrequencyMS,
      now: clock.now(),
      deprioritized: request.deprioritized,
    }),
  )
  if (remember) {
    if (bySelector === undefined) {
      bySelector = new Map()
      REMEMBERED.set(description, bySelector)
    }
    bySelector.set(selector, {
      localThresholdMS: request.localThresholdMS,
      heartbeatFrequencyMS: request.heartbeatFrequencyMS,
      nodes,
    })
  }
  return nodes
}

/**
 * Selects a node for one attempt: {@link selectNow} over the current description, waiting for the
 * topology to change (and asking for immediate checks) until a node qualifies or `untilMS` passes.
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
    const chosen = selectNow(description, clock, request)
    if (chosen !== undefined) return chosen
    // Every node refused the credentials or the database: no wait can help.
    const refused = configurationRefused(description)
    if (refused !== undefined) throw refused

    const remainingMS = request.untilMS - clock.monotonicMS()
    if (remainingMS <= 0) throw selectionTimeoutError(description, request.selector)
    topology.requestCheck()
    await topology.waitForDescriptionChange({ signal: request.signal, timeoutMS: remainingMS })
  }
}

/**
 * The error to fail a selection with at once when every node has been tried and failed, and at least
 * one refused this client's configuration (wrong credentials, a missing database): the others are
 * unreachable, so waiting cannot help. `undefined` while any node is usable or not yet tried.
 */
function configurationRefused(description: TopologyDescription): ReplicaKitError | undefined {
  let refusal: ReplicaKitError | undefined
  for (const node of description.nodes.values()) {
    const error = node.error
    if (error === null) return undefined // answering, or not tried yet
    if (refusal === undefined && isConfigurationRefused(error)) refusal = error
  }
  if (refusal === undefined) return undefined
  // The same class as the nodes' refusal: a TLS failure stays a TlsError, credentials a ConfigError.
  const RefusalClass = refusal instanceof TlsError ? TlsError : ConfigError
  return new RefusalClass(`every reachable node refused this client: ${refusal.message}`, {
    code: refusal.code,
    labels: [ErrorLabel.NoWritesPerformed],
    cause: refusal,
    ...(refusal.node === undefined ? {} : { node: refusal.node }),
    ...(refusal.nativeCode === undefined ? {} : { nativeCode: refusal.nativeCode }),
  })
}

function splitBrainError(description: TopologyDescription): ServerSelectionError {
  return new ServerSelectionError(
    `split brain: ${description.conflictingPrimaries.join(' and ')} are all writable at once; ` +
      'writes are refused until only one of them is writable (set read_only=ON on the others)',
    // Refused before anything was sent.
    { code: ErrorCode.SplitBrain, labels: [ErrorLabel.NoWritesPerformed] },
  )
}

/** Why no node qualifies for `selector` now: the selection timeout error, with the topology. @internal */
export function selectionTimeoutError(
  description: TopologyDescription,
  selector: NodeSelector,
): ServerSelectionError {
  const wanted =
    selector.kind === 'write'
      ? 'no writable primary found'
      : `no node found for readPreference=${selector.readPreference.mode}` +
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
    `${wanted} before the selection timeout; topology ${description.type}: ` +
      `${nodes === '' ? 'no nodes' : nodes}. Check that the nodes are up and the read preference can be met, ` +
      'or raise serverSelectionTimeoutMS/timeoutMS',
    // No node was chosen, so nothing was sent.
    { code: ErrorCode.ServerSelectionTimeout, labels: [ErrorLabel.NoWritesPerformed] },
  )
}
