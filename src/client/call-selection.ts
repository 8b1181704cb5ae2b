import type { ReadPreference } from '../selection/read-preference.js'
import { readSelector, WRITE_SELECTOR } from '../selection/server-selection.js'
import type { NodeSelector } from '../selection/server-selection.js'
import type { NodeAddress } from '../topology/node-address.js'
import type { NodeDescription } from '../topology/node-description.js'
import { callReadPreference } from './call-options.js'
import type { CallOptions } from './call-options.js'
import type { SelectNowRequest } from './select-node.js'
import { selectNode, selectNow } from './select-node.js'
import type { CallScope } from '../retry/call-scope.js'
import type { AttemptContext } from '../retry/execute-with-retry.js'
import type { Topology } from '../topology/topology.js'
import type { Clock } from '../util/clock.js'
import type { WriteConcern } from '../concern/write-concern.js'
import type { ReplicaWaitWrites } from './write-path.js'

/** What a client's selections share. @internal */
export interface CallSelectionSettings {
  readonly topology: Topology
  readonly clock: Clock
  readonly serverSelectionTimeoutMS: number
  /** The client's default read preference. */
  readonly readPreference: ReadPreference
  readonly localThresholdMS: number
  readonly heartbeatFrequencyMS: number
  readonly random: () => number
  readonly operationCount: (address: NodeAddress) => number
}

/**
 * The selectors of one client's calls, and their selection requests. The selectors of writes, of
 * the default read preference and of each mode a call names on its own are kept for the client's
 * life: their suitable nodes are remembered per topology description (see `selectNow`), and a first
 * attempt with one of them reuses one frozen request. A call that overrides tags or staleness gets
 * a fresh selector, selected afresh.
 *
 * ```ts
 * const selection = new CallSelection({ readPreference, localThresholdMS: 15, heartbeatFrequencyMS: 10_000, random, operationCount })
 * const selector = selection.readSelector({ readPreference: 'secondary' })
 * const node = selectNow(topology.description, clock, selection.request(selector, [], undefined))
 * ```
 * @internal
 */
export class CallSelection {
  readonly #settings: CallSelectionSettings
  readonly #defaultRead: NodeSelector
  readonly #byMode = new Map<string, NodeSelector>()
  readonly #kept = new WeakSet<NodeSelector>([WRITE_SELECTOR])
  /** The request of each kept selector on a first attempt without `prefer`. */
  readonly #plainRequests = new WeakMap<NodeSelector, SelectNowRequest>()

  constructor(settings: CallSelectionSettings) {
    this.#settings = settings
    this.#defaultRead = readSelector(settings.readPreference)
    this.#kept.add(this.#defaultRead)
  }

  /** The selector of a read with `call`'s options. */
  readSelector(call: CallOptions): NodeSelector {
    if (call.readPreferenceTags === undefined && call.maxStalenessSeconds === undefined) {
      const rp = call.readPreference
      if (rp === undefined) return this.#defaultRead
      if (typeof rp === 'string') {
        let selector = this.#byMode.get(rp)
        if (selector === undefined) {
          selector = readSelector(callReadPreference(this.#settings.readPreference, call))
          this.#byMode.set(rp, selector)
          this.#kept.add(selector)
        }
        return selector
      }
    }
    return readSelector(callReadPreference(this.#settings.readPreference, call))
  }

  /** The request of one selection with `selector`. */
  request(
    selector: NodeSelector,
    deprioritized: readonly NodeAddress[],
    prefer: ((node: NodeDescription) => boolean) | undefined,
  ): SelectNowRequest {
    const reusableSelector = this.#kept.has(selector)
    const plain = reusableSelector && deprioritized.length === 0 && prefer === undefined
    if (plain) {
      const kept = this.#plainRequests.get(selector)
      if (kept !== undefined) return kept
    }
    const settings = this.#settings
    const request: SelectNowRequest = {
      selector,
      reusableSelector,
      deprioritized,
      prefer,
      localThresholdMS: settings.localThresholdMS,
      heartbeatFrequencyMS: settings.heartbeatFrequencyMS,
      random: settings.random,
      operationCount: settings.operationCount,
    }
    if (plain) this.#plainRequests.set(selector, Object.freeze(request))
    return request
  }

  /** The `select` of one read: its selector's node, preferring `prefer`'s when any qualify. */
  read(
    scope: CallScope,
    call: CallOptions,
    prefer: ((node: NodeDescription) => boolean) | undefined,
  ): (ctx: AttemptContext) => NodeAddress | Promise<NodeAddress> {
    const selector = this.readSelector(call)
    return (ctx) => this.#select(ctx, scope, selector, prefer)
  }

  /**
   * The `select` of one write: the primary, then (replica-wait write concern) a refusal before
   * writing when `w` can never be met.
   */
  primary(
    scope: CallScope,
    writes: Pick<ReplicaWaitWrites<never>, 'checkSatisfiable'> | undefined,
    wc: WriteConcern,
  ): (ctx: AttemptContext) => NodeAddress | Promise<NodeAddress> {
    if (writes === undefined) return (ctx) => this.#select(ctx, scope, WRITE_SELECTOR, undefined)
    return (ctx) => {
      const picked = this.#select(ctx, scope, WRITE_SELECTOR, undefined)
      if (typeof picked === 'string') {
        writes.checkSatisfiable(wc)
        return picked
      }
      return picked.then((node) => {
        writes.checkSatisfiable(wc)
        return node
      })
    }
  }

  /**
   * Selects the node for one attempt: at once from the current description when a node qualifies
   * (the common case, no signal or timer needed), else by waiting for the topology to change, up to
   * the call's deadline or `serverSelectionTimeoutMS`, whichever comes first.
   */
  #select(
    ctx: AttemptContext,
    scope: CallScope,
    selector: NodeSelector,
    prefer: ((node: NodeDescription) => boolean) | undefined,
  ): NodeAddress | Promise<NodeAddress> {
    const { topology, clock, serverSelectionTimeoutMS } = this.#settings
    const request = this.request(selector, ctx.deprioritized, prefer)
    const chosen = selectNow(topology.description, clock, request)
    if (chosen !== undefined) return chosen.address
    return selectNode(topology, clock, {
      ...request,
      untilMS: Math.min(scope.deadlineMS, clock.monotonicMS() + serverSelectionTimeoutMS),
      signal: ctx.signal,
    }).then((node) => node.address)
  }
}
