/**
 * The adapter contract: everything the core needs from one backend, and nothing else. An adapter's
 * implementation imports only this module; its entry point may also import the public `src/index.ts`.
 *
 * Three backends, three shapes, one contract with optional parts (docs/adapters.md has the table):
 * - MySQL: no driver discovers anything. The core probes each node ({@link Adapter.probe}), picks the
 *   node for each call, and waits on replicas for `w` and causal reads ({@link Adapter.replication}).
 * - MongoDB: the driver runs discovery, routes by read preference, applies `w` and causal reads on
 *   the server, and makes one safe retry of its own. The adapter pushes what the driver learns
 *   ({@link Adapter.start}) and turns each call's {@link CallIntent} into the driver's options.
 * - Cassandra: the driver keeps the ring and routes token-aware; `w` is a consistency level.
 *
 * {@link AdapterCapabilities} say which of these shapes an adapter has; the client checks that the
 * parts the capabilities name are present.
 */
import type { Backend } from './backend.js'
import type { ReadConcern, WriteConcern } from './concern/write-concern.js'
import type { ResolvedOptions } from './config/options.js'
import type { ReplicaKitError } from './errors/errors.js'
import type { ReadPreference } from './selection/read-preference.js'
import type { NodeAddress } from './topology/node-address.js'
import type { NodeDescription } from './topology/node-description.js'
import type { ProbeResult } from './topology/probe-result.js'
import type { TopologyDescription } from './topology/topology-description.js'
import type { Clock } from './util/clock.js'

/** Who learns the nodes' roles: the core probes each node, or the driver pushes what it learns. */
export type DiscoveryMode = 'probe' | 'driver'
/** Who picks the node of a call: the core (and the adapter lends a connection to it), or the driver. */
export type RoutingMode = 'node' | 'driver'
/** Who applies `w`: the core by waiting on replicas after the write, or the server/driver itself. */
export type WriteConcernMode = 'replica-waits' | 'native'
/** How a session's reads see its writes: replica waits in the core, the driver's own sessions, or not at all. */
export type CausalMode = 'replica-waits' | 'native' | 'none'

/** What an adapter does itself and what it leaves to the core. Frozen. */
export interface AdapterCapabilities {
  /** `'probe'`: the core calls {@link Adapter.probe} per node. `'driver'`: {@link Adapter.start} pushes. */
  readonly discovery: DiscoveryMode
  /** `'node'`: {@link CallTarget.node} names the node. `'driver'`: the driver routes by intent. */
  readonly routing: RoutingMode
  /** `'replica-waits'` needs {@link Adapter.replication}. */
  readonly writeConcern: WriteConcernMode
  /** `'replica-waits'` needs {@link Adapter.replication}; `'native'` needs {@link Adapter.sessions}. */
  readonly causalReads: CausalMode
  /**
   * The backend orders its primaries by an election term (MongoDB `electionId`): two writable nodes
   * are resolved by the SDAM rules (newest wins). Without terms (MySQL) two writable nodes are a
   * split brain and writes are refused until one remains.
   */
  readonly electionTerms: boolean
  /**
   * The driver retries a failed write once itself, under the backend's protocol (MongoDB's same
   * `txnNumber`). Informational: the core never repeats a write because of it (it re-runs `fn` only
   * when the call is `idempotent` or the error carries `NoWritesPerformed`).
   */
  readonly driverRetriesWrites: boolean
}

/** What one call wants, in backend-neutral words. Adapters that route turn it into driver options. */
export interface CallIntent {
  readonly kind: 'read' | 'write'
  /** Where the call may run (writes: `{ mode: 'primary' }`). */
  readonly readPreference: ReadPreference
  /** The call's write concern (writes; reads carry the client's). */
  readonly writeConcern: WriteConcern
  readonly readConcern: ReadConcern
  /** The caller marked the call safe to run twice. */
  readonly idempotent: boolean
  /** The driver session of the call's `session`, made by {@link AdapterSessions.start}; absent without. */
  readonly nativeSession?: unknown
}

/** Where one attempt runs, and why. */
export interface CallTarget {
  /** The node the core chose (routing `'node'`); `undefined` when the driver routes. */
  readonly node: NodeAddress | undefined
  /** What the call wants (the same object for every attempt of a call). */
  readonly intent: CallIntent
  /** 1 for the first attempt. */
  readonly attempt: number
  /** Nodes that failed earlier attempts of this call, oldest first: avoid them where the driver can. */
  readonly deprioritized: readonly NodeAddress[]
}

/** Options of one probe. */
export interface ProbeOptions {
  /** Bound on the whole probe, ms. */
  readonly timeoutMS: number
  readonly signal?: AbortSignal
}

/**
 * Options of borrowing a connection. The core works out both fields when they are first read (the
 * bound from the call's remaining time, the signal as a new `AbortSignal`): an adapter that can
 * lend a connection at once should read neither, which keeps that borrow cheap.
 */
export interface AcquireOptions {
  /** Bound on opening or waiting for a connection, ms. */
  readonly timeoutMS: number
  /** Aborts the wait for a connection (the call's deadline passed, or the caller aborted). */
  readonly signal?: AbortSignal
  /**
   * Milliseconds left before the call's deadline: an adapter whose driver routes gives its driver
   * this as the operation's own bound. Absent outside a call (e.g. a replica wait's own borrow).
   */
  remainingMS?(): number
}

/** Options of waiting for replication on one node. */
export interface AwaitAppliedOptions {
  /** Bound on the wait, ms. */
  readonly timeoutMS: number
  readonly signal?: AbortSignal
}

/** An opaque position in the write history (a MySQL GTID set) for replica waits. */
export interface CausalToken {
  readonly backend: Backend
  readonly value: string
}

/**
 * Replica waits, for backends whose servers neither apply `w` nor causal reads themselves (MySQL):
 * the core reads the write's position and waits until replicas have applied it.
 */
export interface ReplicaWaits<Conn> {
  /**
   * The causal token of the last write committed on `conn`, or `null` when the session wrote nothing
   * (or the backend cannot tell).
   */
  lastWriteToken(conn: Conn): Promise<CausalToken | null>
  /**
   * Waits until `node` has applied `token`. Resolves `true` when applied, `false` when the bound
   * passed. Never called on the primary. Bounded by `options.timeoutMS`.
   */
  awaitApplied(
    node: NodeAddress,
    token: CausalToken,
    options: AwaitAppliedOptions,
  ): Promise<boolean>
  /** Whether a node whose description carries `position` has already applied `token`. Pure. */
  positionCovers(position: string, token: CausalToken): boolean
}

/** Driver sessions, for backends that keep causal consistency themselves (MongoDB `ClientSession`). */
export interface AdapterSessions {
  /** Starts a driver session for one ReplicaKit `Session`. */
  start(): unknown
  /** Ends it (never throws). */
  end(nativeSession: unknown): Promise<void>
}

/** Where a driver-discovery adapter pushes what its driver learns ({@link Adapter.start}). */
export interface TopologySink {
  /**
   * One node's latest state: a probe-like result, or the error that made it unreachable; the same
   * topology rules apply as to a probe. Nodes join as those rules add them: the seeds, and the
   * `hosts`/`passives`/`arbiters` that a member reports (a ring peer lists the ring's nodes), so an
   * outcome for an address the topology does not hold is ignored. Never throws.
   */
  nodeUpdated(
    address: NodeAddress,
    outcome: ProbeResult | ReplicaKitError,
    options?: { readonly roundTripTimeMS?: number | null },
  ): void
  /**
   * A call left its local data center for another one because the local one could not serve it
   * (Cassandra). The client emits it as its `dataCenterFailover` event. Never throws.
   */
  dataCenterFailover?(event: DataCenterFailoverEvent): void
}

/** A call that ran in another data center than its first choice (the `dataCenterFailover` event). */
export interface DataCenterFailoverEvent {
  readonly kind: 'read' | 'write'
  /** The data center that could not serve the call. */
  readonly from: string
  /** The data center that served it. */
  readonly to: string
  /** The consistency level (or the backend's word for it) the call ran with in `to`. */
  readonly level: string
  /** Why `from` could not serve it (the error of the attempt there). */
  readonly reason: ReplicaKitError
}

/** A read-only view of the core's topology: adapters keep no shadow copy of node roles. */
export interface TopologyView {
  /** The current description (frozen; replaced on each change). */
  readonly description: TopologyDescription
  /** One node's current description, if known. */
  node(address: NodeAddress): NodeDescription | undefined
}

/** What the client hands an adapter factory. */
export interface AdapterContext {
  readonly options: ResolvedOptions
  readonly clock: Clock
  readonly topology: TopologyView
}

/** A function that makes an adapter; each backend's entry point exports one. */
export type AdapterFactory<Conn = unknown> = (context: AdapterContext) => Adapter<Conn>

/**
 * One backend, as the core sees it. Stateless apart from the pools, sockets and driver clients it
 * opens, which {@link Adapter.close} releases. Only `acquire`, `release`, `toError` and `close` are
 * always there; the capabilities say which optional part is used.
 *
 * Who calls what: the client's monitor calls `probe`; the client calls `start` once after it is built;
 * the retry loop calls `acquire`/`release` around each attempt and `toError` on each failure; the
 * write path calls `replication`; `close()` calls `close` last. Every method that waits is bounded by
 * the options it is given; `release` and `nodeUpdated` never throw.
 */
export interface Adapter<Conn = unknown> {
  readonly backend: Backend
  readonly capabilities: AdapterCapabilities
  /**
   * Probes one node (discovery `'probe'`). Throws a `ReplicaKitError` when the node cannot be
   * reached or answered oddly.
   */
  probe?(node: NodeAddress, options: ProbeOptions): Promise<ProbeResult>
  /** Starts the driver's own discovery and pushes what it learns into `sink` (discovery `'driver'`). */
  start?(sink: TopologySink): void
  /**
   * Borrows a connection for one attempt: to `target.node`, or one the driver routes by intent.
   * A connection at hand may be returned as it is, not in a promise (a driver that routes by itself
   * has one for every call once connected): the attempt then skips a wait. Throws, or rejects, when
   * no connection can be had.
   */
  acquire(target: CallTarget, options: AcquireOptions): Conn | Promise<Conn>
  /** Returns a borrowed connection; `destroy` when it may be broken. Never throws. */
  release(conn: Conn, destroy: boolean): void
  /** Replica waits (write concern or causal reads `'replica-waits'`). */
  readonly replication?: ReplicaWaits<Conn>
  /** Driver sessions (causal reads `'native'`). */
  readonly sessions?: AdapterSessions
  /**
   * Maps anything thrown while talking to the backend to a `ReplicaKitError` with code and labels.
   * `node` is the node the core chose, `undefined` when the driver routed (the adapter may name it).
   */
  toError(error: unknown, node?: NodeAddress): ReplicaKitError
  /** Closes every pool, socket and driver client the adapter opened. */
  close(): Promise<void>
}

export { Backend } from './backend.js'
export type { NodeAddress } from './topology/node-address.js'
export type { NodeDescription, Tags } from './topology/node-description.js'
export type { ProbeResult } from './topology/probe-result.js'
export type { TopologyDescription } from './topology/topology-description.js'
export type { ResolvedOptions } from './config/options.js'
export type { Clock } from './util/clock.js'
export type { ReadConcern, WriteConcern } from './concern/write-concern.js'
export type { ReadPreference } from './selection/read-preference.js'
export * from './errors/errors.js'
export { NodeType, NodeState } from './topology/node-description.js'
export { formatNodeAddress, parseNodeAddress, splitNodeAddress } from './topology/node-address.js'
export { redactSecrets, redactValue } from './util/redact.js'
export { isConfigurationRefused } from './errors/classify.js'
export { loadTlsMaterial } from './tls/tls-material.js'
export type { TlsMaterial } from './tls/tls-material.js'
export { tlsError, tlsErrorFrom } from './tls/tls-errors.js'
export { speaksTls } from './tls/speaks-tls.js'
