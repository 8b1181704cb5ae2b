import type { ReplicaKitError } from '../errors/errors.js'
import {
  HeartbeatFailedEvent,
  HeartbeatStartedEvent,
  HeartbeatSucceededEvent,
  NodeClosedEvent,
  NodeChangedEvent,
  NodeOpenedEvent,
  PrimaryChangedEvent,
  SplitBrainDetectedEvent,
  TopologyClosedEvent,
  TopologyChangedEvent,
  TopologyOpenedEvent,
} from '../events/events.js'
import type { TopologyEvents } from '../events/events.js'
import { TypedEmitter } from '../events/typed-emitter.js'
import type { Listener } from '../events/typed-emitter.js'
import { abortReason } from '../util/abort.js'
import { systemClock } from '../util/clock.js'
import type { Clock } from '../util/clock.js'
import {
  classifyApplicationError,
  isStaleApplicationError,
  isStateChangeError,
} from './application-error.js'
import type { ApplicationErrorContext } from './application-error.js'
import { MIN_HEARTBEAT_FREQUENCY_MS, Monitor } from './monitor.js'
import type { ProbeFunction } from './monitor.js'
import type { NodeAddress } from './node-address.js'
import {
  NodeType,
  createNodeDescription,
  createUnknownNodeDescription,
  nodeDescriptionEquals,
} from './node-description.js'
import type { NodeDescription, ProbeResult } from './node-description.js'
import {
  TopologyType,
  createTopologyDescription,
  primaryAddress,
  topologyDescriptionEquals,
  updateTopologyDescription,
} from './topology-description.js'
import type {
  PrimaryConflict,
  TopologyDescription,
  TopologyRulesOptions,
  WireVersionRange,
} from './topology-description.js'

/** How a {@link Topology} monitors and interprets its nodes. */
export interface TopologyOptions {
  /** Time between two probes of a node, ms. Default 10 000; never below `minHeartbeatFrequencyMS`. */
  readonly heartbeatFrequencyMS?: number
  /** Minimum time between two probes of a node, ms. Default 500 (SDAM). */
  readonly minHeartbeatFrequencyMS?: number
  /** Bound on one probe, ms. Default 10 000. */
  readonly connectTimeoutMS?: number
  /** The required set name (`replicaSet`). Default: discovered. */
  readonly setName?: string
  /** Use the one seed directly (TopologyType Single). Default false. */
  readonly directConnection?: boolean
  /** The one seed is a load balancer: no monitoring (TopologyType LoadBalanced). Default false. */
  readonly loadBalanced?: boolean
  /** Two primaries without election markers: `'sdam'` (newest wins, default) or `'refuse'`. */
  readonly primaryConflict?: PrimaryConflict
  /** The client's wire versions (MongoDB); default: no compatibility check. */
  readonly wireVersionRange?: WireVersionRange | null
}

/** What a {@link Topology} is made of. */
export interface TopologyInit {
  /** The nodes to start from (normalised `host:port`). */
  readonly seeds: readonly NodeAddress[]
  readonly options?: TopologyOptions
  /** Default: the system clock. */
  readonly clock?: Clock
  /**
   * Probes one node. Without it, no monitor runs and the topology is fed by
   * {@link Topology.applyProbeOutcome} (for a driver that monitors the nodes itself).
   */
  readonly probe?: ProbeFunction
  /** Called when an event listener throws; default: the error is dropped. */
  readonly onListenerError?: (error: unknown, event: keyof TopologyEvents) => void
}

/** Options of {@link Topology.applyProbeOutcome}. */
export interface ProbeOutcomeOptions {
  /** The node's average round trip, ms. Default `null`. */
  readonly roundTripTimeMS?: number | null
}

/** Options of {@link Topology.waitForDescriptionChange}. */
export interface WaitForChangeOptions {
  readonly signal?: AbortSignal
  /** Resolve anyway after this many ms. Default: no bound. */
  readonly timeoutMS?: number
}

const DEFAULT_HEARTBEAT_FREQUENCY_MS = 10_000
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/**
 * The live view of a cluster: one monitor per node, the SDAM rules applied to every probe and
 * application error, and events for every change. Only this class and the monitors hold state.
 *
 * ```ts
 * const topology = new Topology({ seeds: ['db1:3306', 'db2:3306'], probe: adapter.probe.bind(adapter),
 *   options: { primaryConflict: 'refuse' } })
 * topology.on('primaryChanged', (e) => log(`primary ${e.previous} → ${e.next}`))
 * topology.start()
 * await topology.close()
 * ```
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md
 */
export class Topology {
  readonly #clock: Clock
  readonly #probe: ProbeFunction | undefined
  readonly #rules: TopologyRulesOptions
  readonly #heartbeatFrequencyMS: number
  readonly #minHeartbeatFrequencyMS: number
  readonly #connectTimeoutMS: number
  readonly #emitter: TypedEmitter<TopologyEvents>
  readonly #monitors = new Map<NodeAddress, Monitor>()
  readonly #generations = new Map<NodeAddress, number>()
  readonly #waiters = new Set<() => void>()
  #description: TopologyDescription
  #started = false
  #closed = false
  #closing: Promise<void> | null = null

  constructor(init: TopologyInit) {
    const options = init.options ?? {}
    this.#clock = init.clock ?? systemClock
    this.#probe = init.probe
    this.#minHeartbeatFrequencyMS = options.minHeartbeatFrequencyMS ?? MIN_HEARTBEAT_FREQUENCY_MS
    this.#heartbeatFrequencyMS = Math.max(
      options.heartbeatFrequencyMS ?? DEFAULT_HEARTBEAT_FREQUENCY_MS,
      this.#minHeartbeatFrequencyMS,
    )
    this.#connectTimeoutMS = options.connectTimeoutMS ?? DEFAULT_CONNECT_TIMEOUT_MS
    const rules: TopologyRulesOptions = {
      seeds: init.seeds,
      setName: options.setName ?? null,
      directConnection: options.directConnection ?? false,
      loadBalanced: options.loadBalanced ?? false,
      primaryConflict: options.primaryConflict ?? 'sdam',
      wireVersionRange: options.wireVersionRange ?? null,
    }
    this.#description = createTopologyDescription(rules)
    // The rules count the seeds (one seed + a standalone = Single): count them as the description
    // normalised them (lower case, each once).
    this.#rules = Object.freeze({ ...rules, seeds: [...this.#description.nodes.keys()] })
    this.#emitter = new TypedEmitter<TopologyEvents>({ onListenerError: init.onListenerError })
  }

  /** The current description (frozen; a change replaces it). */
  get description(): TopologyDescription {
    return this.#description
  }

  /** Whether {@link Topology.close} was called. */
  get isClosed(): boolean {
    return this.#closed
  }

  /** Calls `listener` on every `event`. */
  on<K extends keyof TopologyEvents>(event: K, listener: Listener<TopologyEvents[K]>): this {
    this.#emitter.on(event, listener)
    return this
  }

  /** Calls `listener` on the next `event` only. */
  once<K extends keyof TopologyEvents>(event: K, listener: Listener<TopologyEvents[K]>): this {
    this.#emitter.once(event, listener)
    return this
  }

  /** Removes a listener. */
  off<K extends keyof TopologyEvents>(event: K, listener: Listener<TopologyEvents[K]>): this {
    this.#emitter.off(event, listener)
    return this
  }

  /**
   * Starts monitoring: emits `topologyOpened`, the first `topologyChanged` and a
   * `nodeOpened` per seed, then probes every seed. Idempotent; does nothing after close.
   */
  start(): void {
    if (this.#started || this.#closed) return
    this.#started = true
    this.#emitter.emit('topologyOpened', new TopologyOpenedEvent())
    const empty = Object.freeze({ ...this.#description, nodes: new Map(), setName: null })
    this.#emitter.emit(
      'topologyChanged',
      new TopologyChangedEvent({ ...empty, type: TopologyType.Unknown }, this.#description),
    )
    for (const address of this.#description.nodes.keys()) {
      this.#emitter.emit('nodeOpened', new NodeOpenedEvent(address))
    }
    if (this.#description.type === TopologyType.LoadBalanced) {
      // A load balancer is never probed: it is known to be one from the configuration.
      for (const address of this.#description.nodes.keys()) {
        this.#apply(createNodeDescription(address, { type: NodeType.LoadBalancer }, this.#at()))
      }
      return
    }
    for (const address of this.#description.nodes.keys()) this.#startMonitor(address)
  }

  /**
   * Stops every monitor and timer, aborts running probes, wakes every waiter, and emits
   * `nodeClosed` per node, a last `topologyChanged` (no nodes) and `topologyClosed`.
   * Idempotent: later calls return the same promise.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing
    this.#closed = true
    const closes = [...this.#monitors.values()].map((m) => m.close())
    this.#monitors.clear()
    for (const wake of [...this.#waiters]) wake()
    if (this.#started) {
      const previous = this.#description
      this.#description = Object.freeze({
        ...previous,
        type: TopologyType.Unknown,
        nodes: new Map<NodeAddress, NodeDescription>(),
        conflictingPrimaries: Object.freeze([]),
      })
      for (const address of previous.nodes.keys()) {
        this.#emitter.emit('nodeClosed', new NodeClosedEvent(address))
      }
      this.#emitter.emit('topologyChanged', new TopologyChangedEvent(previous, this.#description))
      // No primaryChanged: closing the client does not change the cluster's primary.
      this.#emitter.emit('topologyClosed', new TopologyClosedEvent())
    }
    this.#closing = Promise.all(closes).then(() => undefined)
    return this.#closing
  }

  /**
   * Asks for an immediate probe of `address` (or of every node), no sooner than
   * `minHeartbeatFrequencyMS` after the node's previous probe.
   */
  requestCheck(address?: NodeAddress): void {
    // After close there is no monitor left to ask.
    if (address === undefined) for (const monitor of this.#monitors.values()) monitor.requestCheck()
    else this.#monitors.get(address)?.requestCheck()
  }

  /** The pool generation of `address`: 0 at first, +1 each time its connections must be dropped. */
  nodeGeneration(address: NodeAddress): number {
    return this.#generations.get(address) ?? 0
  }

  /**
   * The application-error path (SDAM "error handling"): a state change or a broken connection
   * makes the node Unknown, may clear its pool (generation + 1) and may request a check. Stale
   * errors (older generation, topologyVersion not newer) and harmless ones change nothing.
   * Returns whether anything changed.
   *
   * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#error-handling
   */
  markNodeUnknown(
    address: NodeAddress,
    error: ReplicaKitError,
    context: ApplicationErrorContext = {},
  ): boolean {
    if (this.#closed) return false
    const current = this.#description.nodes.get(address)
    if (current === undefined) return false
    if (isStaleApplicationError(current, this.nodeGeneration(address), context)) return false
    const outcome = classifyApplicationError(error, context, this.#description.type)
    if (!outcome.markUnknown && !outcome.clearPool) return false
    // The pool is cleared together with the description update, before anyone sees either.
    if (outcome.clearPool) this.#generations.set(address, this.nodeGeneration(address) + 1)
    if (outcome.markUnknown) {
      const topologyVersion = isStateChangeError(error) ? (context.topologyVersion ?? null) : null
      this.#monitors.get(address)?.resetRtt()
      this.#apply(
        createUnknownNodeDescription(address, error, { now: this.#clock.now(), topologyVersion }),
      )
    }
    if (outcome.requestCheck) this.requestCheck(address)
    return true
  }

  /**
   * Applies one probe outcome of `address` (a result, or the error that made the probe fail, which
   * also clears the node's pool). The monitors call this; so may a driver that monitors the nodes
   * itself. Outcomes for nodes no longer in the topology are ignored.
   */
  applyProbeOutcome(
    address: NodeAddress,
    outcome: ProbeResult | ReplicaKitError,
    options: ProbeOutcomeOptions = {},
  ): void {
    if (this.#closed || !this.#description.nodes.has(address)) return
    const nd = createNodeDescription(address, outcome, this.#at(options.roundTripTimeMS ?? null))
    if (nd.error !== null) this.#generations.set(address, this.nodeGeneration(address) + 1)
    this.#apply(nd)
  }

  /**
   * Resolves on the next description update, when `timeoutMS` passes, or when the topology closes;
   * rejects with the signal's reason when `signal` aborts. The server-selection loop waits here.
   */
  waitForDescriptionChange(options: WaitForChangeOptions = {}): Promise<void> {
    const { signal, timeoutMS } = options
    if (this.#closed) return Promise.resolve()
    if (signal?.aborted === true) return Promise.reject(abortReason(signal))
    return new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        if (timer !== undefined) this.#clock.clearTimeout(timer)
        this.#waiters.delete(wake)
        signal?.removeEventListener('abort', onAbort)
      }
      const wake = (): void => {
        cleanup()
        resolve()
      }
      const onAbort = (): void => {
        cleanup()
        reject(abortReason(signal))
      }
      const timer =
        timeoutMS === undefined ? undefined : this.#clock.setTimeout(wake, Math.max(0, timeoutMS))
      this.#waiters.add(wake)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  #at(rttMS: number | null = null): { rttMS: number | null; now: number } {
    return { rttMS, now: this.#clock.now() }
  }

  #startMonitor(address: NodeAddress): void {
    const probe = this.#probe
    if (probe === undefined || this.#closed || this.#monitors.has(address)) return
    const monitor = new Monitor({
      address,
      clock: this.#clock,
      probe,
      heartbeatFrequencyMS: this.#heartbeatFrequencyMS,
      minHeartbeatFrequencyMS: this.#minHeartbeatFrequencyMS,
      timeoutMS: this.#connectTimeoutMS,
      isKnown: () => {
        // A node no longer in the topology counts as Unknown (its monitor is closed by then).
        const type = this.#description.nodes.get(address)?.type ?? NodeType.Unknown
        return type !== NodeType.Unknown && type !== NodeType.PossiblePrimary
      },
      onStarted: () => {
        this.#emitter.emit('heartbeatStarted', new HeartbeatStartedEvent(address))
      },
      onSucceeded: (result, durationMS, averageRttMS) => {
        this.#emitter.emit(
          'heartbeatSucceeded',
          new HeartbeatSucceededEvent(address, durationMS, result),
        )
        this.applyProbeOutcome(address, result, { roundTripTimeMS: averageRttMS })
      },
      onFailed: (error, durationMS) => {
        this.#emitter.emit('heartbeatFailed', new HeartbeatFailedEvent(address, durationMS, error))
        this.applyProbeOutcome(address, error)
      },
    })
    this.#monitors.set(address, monitor)
    monitor.start()
  }

  /** Runs `nd` through the rules, then emits what changed and starts/stops monitors. */
  #apply(nd: NodeDescription): void {
    const previous = this.#description
    const next = updateTopologyDescription(previous, nd, this.#rules)
    if (next === previous) return
    this.#description = next
    const invalidated: NodeAddress[] = []
    for (const [address, before] of previous.nodes) {
      const after = next.nodes.get(address)
      if (address === nd.address || after === undefined) continue
      if (before.type === NodeType.Primary && after.type === NodeType.Unknown) {
        invalidated.push(address)
        // An old primary before MongoDB 4.2 closed its sockets on step-down: drop them too.
        if (before.maxWireVersion > 0 && before.maxWireVersion < 8) {
          this.#generations.set(address, this.nodeGeneration(address) + 1)
        }
      }
    }
    this.#emitChanges(previous, next)
    for (const address of invalidated) this.requestCheck(address)
    for (const wake of [...this.#waiters]) wake()
  }

  #emitChanges(previous: TopologyDescription, next: TopologyDescription): void {
    for (const [address, before] of previous.nodes) {
      const after = next.nodes.get(address)
      // PossiblePrimary is only a scanning hint (synonymous with Unknown here): no event for it.
      if (after === undefined || after.type === NodeType.PossiblePrimary) continue
      if (!nodeDescriptionEquals(before, after)) {
        this.#emitter.emit('nodeChanged', new NodeChangedEvent(address, before, after))
      }
    }
    const removed = [...previous.nodes.keys()].filter((a) => !next.nodes.has(a))
    const added = [...next.nodes.keys()].filter((a) => !previous.nodes.has(a))
    for (const address of removed) {
      void this.#monitors.get(address)?.close()
      // The generation is kept: it only ever grows, so a connection from before the removal
      // still counts as stale if the node comes back.
      this.#monitors.delete(address)
      this.#emitter.emit('nodeClosed', new NodeClosedEvent(address))
    }
    for (const address of added) this.#emitter.emit('nodeOpened', new NodeOpenedEvent(address))
    if (!topologyDescriptionEquals(previous, next)) {
      this.#emitter.emit('topologyChanged', new TopologyChangedEvent(previous, next))
    }
    const [before, after] = [primaryAddress(previous), primaryAddress(next)]
    if (before !== after)
      this.#emitter.emit('primaryChanged', new PrimaryChangedEvent(before, after))
    const conflict = next.conflictingPrimaries
    if (conflict.length > 0 && conflict.join() !== previous.conflictingPrimaries.join()) {
      this.#emitter.emit('splitBrainDetected', new SplitBrainDetectedEvent(conflict))
      // Confirm quickly: one of them may just have stepped down.
      for (const address of conflict) this.requestCheck(address)
    }
    if (this.#started) for (const address of added) this.#startMonitor(address)
  }
}
