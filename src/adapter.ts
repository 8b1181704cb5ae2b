/**
 * The adapter SPI: everything the core needs from one backend. Adapters import only this module.
 *
 * An adapter translates (probe a node, borrow a connection, map native errors, wait for replication);
 * the core owns discovery, server selection, write concern, retries and timers.
 */
import type { ReplicaKitError } from './errors/errors.js'
import type { NodeAddress } from './topology/node-address.js'
import type { ProbeResult } from './topology/node-description.js'
import type { Clock } from './util/clock.js'
import type { ResolvedOptions } from './config/options.js'

/** The backends ReplicaKit serves. */
export const Backend = {
  MySQL: 'mysql',
  MongoDB: 'mongodb',
  Cassandra: 'cassandra',
} as const

/** One of the values of {@link Backend}. */
export type Backend = (typeof Backend)[keyof typeof Backend]

/** Optional features an adapter declares instead of throwing "not supported". */
export interface AdapterCapabilities {
  /** The backend's own protocol makes a retried write safe (MongoDB retryable writes). */
  readonly retryableWrites: boolean
  /** The adapter can capture a write's causal token and wait for it on another node. */
  readonly causalTokens: boolean
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
}

/** Options of waiting for replication on one node. */
export interface AwaitAppliedOptions {
  /** Bound on the wait, ms. */
  readonly timeoutMS: number
  readonly signal?: AbortSignal
}

/** An opaque position in the write history (MySQL GTID set, MongoDB operationTime) for causal reads. */
export interface CausalToken {
  readonly backend: Backend
  readonly value: string
}

/** What the client hands an adapter factory. */
export interface AdapterContext {
  readonly options: ResolvedOptions
  readonly clock: Clock
}

/** A function that makes an adapter; each backend's entry point exports one. */
export type AdapterFactory<Conn = unknown> = (context: AdapterContext) => Adapter<Conn>

/**
 * Everything the core needs from one backend for a node-by-node monitored cluster. Stateless apart
 * from the pools and sockets it opens, which {@link Adapter.close} releases.
 */
export interface Adapter<Conn = unknown> {
  readonly backend: Backend
  readonly capabilities: AdapterCapabilities
  /** Probes one node. Throws a `ReplicaKitError` when the node cannot be reached or answered oddly. */
  probe(node: NodeAddress, options: ProbeOptions): Promise<ProbeResult>
  /** Borrows a connection to `node` (opening one if needed). */
  acquire(node: NodeAddress, options: AcquireOptions): Promise<Conn>
  /** Returns a borrowed connection; `destroy` when it may be broken. Never throws. */
  release(conn: Conn, destroy: boolean): void
  /**
   * The causal token of the last write committed on `conn`, or `null` when the session wrote nothing
   * (or the backend cannot tell).
   */
  lastWriteToken(conn: Conn): Promise<CausalToken | null>
  /**
   * Waits until `node` has applied `token`. Resolves `true` when applied, `false` when the bound passed.
   * Never called on the primary.
   */
  awaitApplied(
    node: NodeAddress,
    token: CausalToken,
    options: AwaitAppliedOptions,
  ): Promise<boolean>
  /** Whether a node whose description carries `position` has already applied `token`. Pure. */
  positionCovers(position: string, token: CausalToken): boolean
  /** Maps anything thrown while talking to `node` to a `ReplicaKitError` with code and labels. */
  toError(error: unknown, node: NodeAddress): ReplicaKitError
  /** Closes every pool and socket the adapter opened. */
  close(): Promise<void>
}

export type { NodeAddress } from './topology/node-address.js'
export type { NodeDescription, ProbeResult, Tags } from './topology/node-description.js'
export type { ResolvedOptions } from './config/options.js'
export type { Clock } from './util/clock.js'
export type { WriteConcern } from './concern/write-concern.js'
export * from './errors/errors.js'
export { NodeType, NodeState } from './topology/node-description.js'
export { formatNodeAddress, parseNodeAddress, splitNodeAddress } from './topology/node-address.js'
export { redactSecrets, redactValue } from './util/redact.js'

// What an entry point needs to hand its users a typed client (`replicakit/mysql` exports `connect`).
export { createClient } from './connect.js'
export { resolveOptions } from './config/options.js'
export type { ClientOptions } from './config/options.js'
export type { ReplicaKitClient } from './client/client.js'
export type { CallOptions } from './client/call-options.js'
