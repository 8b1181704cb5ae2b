import type { DataCenterFailoverEvent } from '../adapter.js'
import type { ReplicaKitError } from '../errors/errors.js'
import type { RetryEvent } from '../retry/execute-with-retry.js'
import type { NodeAddress } from '../topology/node-address.js'
import type { Topology } from '../topology/topology.js'
import { TypedEmitter } from '../events/typed-emitter.js'
import { snapshotNode, snapshotTopology } from './topology-snapshot.js'
import type { NodeSnapshot, TopologySnapshot } from './topology-snapshot.js'

/**
 * Every event a client emits, with its payload. Payloads are plain frozen data without secrets, so
 * they can go straight to a log or a dashboard.
 */
export interface ClientEvents {
  /** The cluster's description changed (a node's role, state or membership). */
  topologyChanged: { readonly previous: TopologySnapshot; readonly next: TopologySnapshot }
  /** One node's description changed. */
  nodeChanged: {
    readonly address: NodeAddress
    readonly previous: NodeSnapshot
    readonly next: NodeSnapshot
  }
  /** The writable node changed (`null`: none known). */
  primaryChanged: { readonly previous: NodeAddress | null; readonly next: NodeAddress | null }
  /** Several nodes are writable at once; writes are refused until one remains. */
  splitBrainDetected: { readonly nodes: readonly NodeAddress[] }
  /** A probe succeeded. */
  heartbeatSucceeded: { readonly address: NodeAddress; readonly durationMS: number }
  /** A probe failed; the node is marked unknown. */
  heartbeatFailed: {
    readonly address: NodeAddress
    readonly durationMS: number
    readonly error: ReplicaKitError
  }
  /** A call is about to try again after a failed attempt. */
  retry: RetryEvent
  /** A call fell back to another data center (Cassandra: `dataCenterFailover`, tag sets). */
  dataCenterFailover: DataCenterFailoverEvent
  /**
   * Something an operator should fix: a probe's finding (e.g. the app user can bypass read_only), with
   * the node's `address`; or the configuration's (TLS verification turned off, a lenient-mode
   * option ignored), without one, given to every `warning` listener when it is added.
   */
  warning: { readonly address?: NodeAddress; readonly message: string }
  /** The client was closed. */
  closed: Readonly<Record<string, never>>
}

/** The name of a client event. */
export type ClientEventName = keyof ClientEvents

/**
 * The typed event surface of a client: the same {@link TypedEmitter} and the same event names as
 * the topology's (`topologyChanged`, `nodeChanged`, `primaryChanged`, …), with plain snapshots as
 * payloads. A listener's error never breaks the client.
 */
export class ClientEmitter {
  readonly #emitter = new TypedEmitter<ClientEvents>()
  readonly #warned = new Set<string>()
  /** The configuration's warnings: every `warning` listener gets them first, when it is added. */
  #standingWarnings: readonly string[] = []

  /**
   * Calls `listener` on every `event`. A `warning` listener first gets the configuration's warnings
   * (TLS checks turned off, lenient-mode options ignored) just after it is added, however late, so
   * none is missed for want of a listener.
   */
  on<E extends ClientEventName>(event: E, listener: (payload: ClientEvents[E]) => void): this {
    this.#emitter.on(event, listener)
    if (event === 'warning') this.#replayStanding(listener as (w: ClientEvents['warning']) => void)
    return this
  }

  /** Calls `listener` on the next `event` only (for `warning`: the first configuration warning, if any). */
  once<E extends ClientEventName>(event: E, listener: (payload: ClientEvents[E]) => void): this {
    const first = this.#standingWarnings[0]
    if (event === 'warning' && first !== undefined) {
      this.#replayStanding(listener as (w: ClientEvents['warning']) => void, [first])
      return this
    }
    this.#emitter.once(event, listener)
    return this
  }

  /** Sets the configuration's warnings, which every `warning` listener gets when added. @internal */
  protected setStandingWarnings(messages: readonly string[]): void {
    this.#standingWarnings = Object.freeze([...messages])
  }

  #replayStanding(
    listener: (warning: ClientEvents['warning']) => void,
    messages = this.#standingWarnings,
  ): void {
    if (messages.length === 0) return
    queueMicrotask(() => {
      for (const message of messages) {
        try {
          listener(Object.freeze({ message }))
        } catch {
          // A listener's error never breaks the client (as for emitted events).
        }
      }
    })
  }

  /** Stops calling `listener`. */
  off<E extends ClientEventName>(event: E, listener: (payload: ClientEvents[E]) => void): this {
    this.#emitter.off(event, listener)
    return this
  }

  /** @internal */
  protected emit<E extends ClientEventName>(event: E, payload: ClientEvents[E]): void {
    if (this.#emitter.listenerCount(event) === 0) return
    this.#emitter.emit(event, Object.freeze({ ...payload }) as ClientEvents[E])
  }

  #listening(event: ClientEventName): boolean {
    return this.#emitter.listenerCount(event) > 0
  }

  /** @internal */
  protected removeAllListeners(): void {
    this.#emitter.removeAllListeners()
  }

  /** Re-emits the topology's events as client events (plain snapshots). @internal */
  protected forwardTopologyEvents(topology: Topology): void {
    // Snapshots are made only for a listener: the monitor changes the topology on most heartbeats.
    topology.on('topologyChanged', (e) => {
      if (!this.#listening('topologyChanged')) return
      this.emit('topologyChanged', {
        previous: snapshotTopology(e.previous),
        next: snapshotTopology(e.next),
      })
    })
    topology.on('nodeChanged', (e) => {
      if (this.#listening('nodeChanged')) {
        this.emit('nodeChanged', {
          address: e.address,
          previous: snapshotNode(e.previous),
          next: snapshotNode(e.next),
        })
      }
      for (const message of e.next.warnings) {
        // Say each distinct warning once per client, not on every heartbeat.
        const key = `${e.address} ${message}`
        if (this.#warned.has(key)) continue
        this.#warned.add(key)
        this.emit('warning', { address: e.address, message })
      }
    })
    topology.on('primaryChanged', (e) => {
      this.emit('primaryChanged', { previous: e.previous, next: e.next })
    })
    topology.on('splitBrainDetected', (e) => {
      this.emit('splitBrainDetected', { nodes: e.nodes })
    })
    topology.on('heartbeatSucceeded', (e) => {
      this.emit('heartbeatSucceeded', { address: e.address, durationMS: e.durationMS })
    })
    topology.on('heartbeatFailed', (e) => {
      this.emit('heartbeatFailed', { address: e.address, durationMS: e.durationMS, error: e.error })
    })
  }
}
