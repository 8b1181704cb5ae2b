import type {
  Adapter,
  AdapterFactory,
  CallIntent,
  CallTarget,
  CausalToken,
  TopologyView,
} from '../adapter.js'
import type { ResolvedOptions } from '../config/options.js'
import { isNodeStateChange } from '../errors/classify.js'
import { ClientClosedError, ErrorCode } from '../errors/errors.js'
import type { ReplicaKitError } from '../errors/errors.js'
import { CallScope, executeWithRetry } from '../retry/execute-with-retry.js'
import type { AttemptContext, RetryEvent, Target } from '../retry/execute-with-retry.js'
import type { RetryPolicy } from '../retry/retry-policy.js'
import type { ReadPreference } from '../selection/read-preference.js'
import { WRITE_SELECTOR } from '../selection/server-selection.js'
import type { NodeSelector } from '../selection/server-selection.js'
import type { NodeAddress } from '../topology/node-address.js'
import type { NodeDescription } from '../topology/node-description.js'
import type { Topology } from '../topology/topology.js'
import type { Clock } from '../util/clock.js'
import { systemClock } from '../util/clock.js'
import { rejected } from '../util/promise.js'
import { tlsWarnings } from '../tls/tls-material.js'
import { assertAdapterShape } from './adapter-shape.js'
import { ConnectionBorrower } from './borrow.js'
import { CallIntents } from './call-intent.js'
import { callWriteConcern, parseCallOptions } from './call-options.js'
import type { CallOptions } from './call-options.js'
import { CallSelection } from './call-selection.js'
import { closedInstead, explainTimeout, unbounded } from './call-support.js'
import { CausalWait } from './causal-wait.js'
import { ClientEmitter } from './client-events.js'
import { createClientTopology, topologySink } from './client-topology.js'
import { selectNode } from './select-node.js'
import { Session } from './session.js'
import { snapshotTopology } from './topology-snapshot.js'
import type { TopologySnapshot } from './topology-snapshot.js'
import { ReplicaWaitWrites } from './write-path.js'

/** Options for building a client around an adapter (tests inject a fake clock and random). @internal */
export interface ClientInternals {
  readonly clock?: Clock
  readonly random?: () => number
}

/**
 * A ReplicaKit client: one per cluster and application. It discovers the nodes, keeps their roles
 * current, sends writes to the primary and reads where the read preference allows, applies the write
 * concern and retries across nodes within one deadline.
 *
 * `Conn` is the backend's own connection type (for MySQL, a mysql2 promise `PoolConnection`).
 *
 * ```ts
 * import { connect } from 'replicakit'
 * const db = await connect('mysql://app:secret@10.0.0.1,10.0.0.2,10.0.0.3/shop?w=majority')
 * await db.write(conn => conn.query('INSERT INTO orders SET ?', [order]))
 * const [rows] = await db.read(conn => conn.query('SELECT * FROM orders'), { readPreference: 'secondaryPreferred' })
 * await db.close()
 * ```
 */
export class ReplicaKitClient<Conn = unknown> extends ClientEmitter {
  readonly #adapter: Adapter<Conn>
  readonly #options: ResolvedOptions
  readonly #topology: Topology
  readonly #clock: Clock
  readonly #random: () => number
  /** The scopes of the calls in flight: `close()` ends them. */
  readonly #calls = new Set<CallScope>()
  readonly #policy: RetryPolicy
  readonly #selection: CallSelection
  readonly #intents: CallIntents
  readonly #borrower: ConnectionBorrower<Conn>
  /** The core picks each call's node (routing `'node'`); else the driver routes. */
  readonly #routesByNode: boolean
  /** Write concern by replica waits, when the adapter has them. */
  readonly #replicaWrites: ReplicaWaitWrites<Conn> | undefined
  /** Causal reads by replica waits, when the adapter has them. */
  readonly #causal: CausalWait | undefined
  readonly #onRetry = (event: RetryEvent): void => {
    this.emit('retry', event)
  }
  readonly #onAttemptFailed = (node: NodeAddress | undefined, error: ReplicaKitError): void => {
    this.#noteFailure(node, error)
  }
  /** Lets the process exit again: set while calls are pending (see `Clock.hold`). */
  #releaseHold: (() => void) | undefined
  #closed = false

  /** @internal Use `connect()`. */
  constructor(
    factory: AdapterFactory<Conn>,
    options: ResolvedOptions,
    internals: ClientInternals = {},
  ) {
    super()
    this.#options = options
    this.#clock = internals.clock ?? systemClock
    this.#random = internals.random ?? Math.random
    // The adapter reads the topology through this view (never during its factory call).
    const view: TopologyView = {
      get description() {
        return topology.description
      },
      node: (address) => topology.description.nodes.get(address),
    }
    const adapter = factory({ options, clock: this.#clock, topology: view })
    assertAdapterShape(adapter)
    this.#adapter = adapter
    const capabilities = adapter.capabilities
    this.#policy = Object.freeze({
      retryReads: options.retryReads,
      retryWrites: options.retryWrites,
      maxRetries: options.maxRetries,
      baseBackoffMS: options.baseBackoffMS,
      maxBackoffMS: options.maxBackoffMS,
    })
    this.#borrower = new ConnectionBorrower(adapter, unbounded(options.connectTimeoutMS))
    const topology = createClientTopology(options, adapter, this.#clock)
    this.#selection = new CallSelection({
      topology,
      clock: this.#clock,
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS,
      readPreference: options.readPreference,
      localThresholdMS: options.localThresholdMS,
      heartbeatFrequencyMS: options.heartbeatFrequencyMS,
      random: this.#random,
      operationCount: (address) => this.#borrower.operationCount(address),
    })
    this.#intents = new CallIntents(options, capabilities)
    this.#routesByNode = capabilities.routing === 'node'
    this.#topology = topology
    const replication = adapter.replication
    this.#replicaWrites =
      capabilities.writeConcern === 'replica-waits' && replication !== undefined
        ? new ReplicaWaitWrites(this.#borrower, replication, topology)
        : undefined
    this.#causal =
      capabilities.causalReads === 'replica-waits' && replication !== undefined
        ? new CausalWait(replication, topology, options.causalWaitMS)
        : undefined
    this.forwardTopologyEvents(topology)
    this.setStandingWarnings(this.configurationWarnings)
    topology.start()
    if (capabilities.discovery === 'driver') {
      adapter.start?.(
        topologySink(topology, options, (event) => {
          this.emit('dataCenterFailover', event)
        }),
      )
    }
  }

  /** The configuration's warnings: lenient-mode problems and TLS checks turned off. */
  get configurationWarnings(): readonly string[] {
    return [...this.#options.warnings, ...tlsWarnings(this.#options.tls)]
  }

  /** The resolved options (password included in memory only; never logged). */
  get options(): ResolvedOptions {
    return this.#options
  }

  /** A snapshot of every known node: role, state, lag, round trip, tags (like `rs.status()`). */
  topology(): TopologySnapshot {
    return snapshotTopology(this.#topology.description)
  }

  /** Starts a causally consistent session (read-your-writes); end it with `session.end()`. */
  startSession(): Session {
    return new Session(this.#adapter.sessions)
  }

  /**
   * Resolves once a primary is known (or rejects with a `ServerSelectionError` when none appears
   * within `timeoutMS`, default serverSelectionTimeoutMS). Useful at start-up.
   */
  async waitForPrimary(timeoutMS = this.#options.serverSelectionTimeoutMS): Promise<NodeAddress> {
    const bound = Math.min(unbounded(timeoutMS), this.#options.serverSelectionTimeoutMS)
    return (await this.#awaitNode(WRITE_SELECTOR, bound)).address
  }

  /**
   * Checks that the cluster can serve calls: resolves (with the client) once a node that can serve
   * them has answered — the primary or a readable replica — and rejects at once with
   * `AUTHENTICATION_FAILED` or `UNKNOWN_DATABASE` when every node that answers refuses the
   * credentials or the database, else with `SERVER_SELECTION_TIMEOUT` after `timeoutMS` (default
   * `serverSelectionTimeoutMS`). Optional: calls wait for a node by themselves; use it at start-up to
   * fail early on a wrong password.
   *
   * ```ts
   * const db = await (await connect(uri)).connect()
   * ```
   */
  async connect(timeoutMS = this.#options.serverSelectionTimeoutMS): Promise<this> {
    await this.#awaitNode(this.#selection.readSelector(ANY_NODE), unbounded(timeoutMS))
    return this
  }

  /** Waits (at most `timeoutMS`) until a node qualifies for `selector`; no deadline timer of its own. */
  async #awaitNode(selector: NodeSelector, timeoutMS: number): Promise<NodeDescription> {
    const scope = this.#openCall(Number.POSITIVE_INFINITY, undefined)
    try {
      return await selectNode(this.#topology, this.#clock, {
        ...this.#selection.request(selector, [], undefined),
        untilMS: this.#clock.monotonicMS() + timeoutMS,
        signal: scope.signal,
      })
    } catch (error: unknown) {
      throw closedInstead(scope, error)
    } finally {
      this.#closeCall(scope)
    }
  }

  /**
   * Runs `fn` on a connection to the primary, then applies the write concern. Run again on another
   * attempt only when that is safe: the call is marked `idempotent`, or the error proves nothing was
   * written (`NoWritesPerformed`). A write whose outcome is unknown is never run twice.
   */
  write<T>(fn: (conn: Conn) => Promise<T>, options?: CallOptions): Promise<T> {
    let running: Promise<T>
    let scope: CallScope | undefined
    try {
      const call = parseCallOptions(options)
      const wc = callWriteConcern(this.#options.writeConcern, call)
      const intent = this.#intents.write(call, wc)
      scope = this.#openCall(this.#deadlineMS(call), call.signal)
      running = executeWithRetry({
        kind: 'write',
        idempotent: intent.idempotent,
        policy: this.#policy,
        deadlineMS: scope.deadlineMS,
        scope,
        clock: this.#clock,
        random: this.#random,
        select: this.#routesByNode
          ? this.#selection.primary(scope, this.#replicaWrites, wc)
          : DRIVER_ROUTES,
        attempt: this.#writeAttempt(scope, fn, intent, call.session),
        onRetry: this.#onRetry,
        onAttemptFailed: this.#onAttemptFailed,
      })
    } catch (error: unknown) {
      return this.#notStarted(scope, error)
    }
    return this.#settle(running, scope, undefined)
  }

  /**
   * Runs `fn` on a connection to a node chosen by the read preference (the client's default or this
   * call's). Retried on another node when the error allows (`retryReads`). With a `session`, the read
   * sees the session's earlier writes (see {@link Session}).
   */
  read<T>(fn: (conn: Conn) => Promise<T>, options?: CallOptions): Promise<T> {
    let running: Promise<T>
    let scope: CallScope | undefined
    let call: CallOptions
    try {
      call = parseCallOptions(options)
      const intent = this.#intents.read(call)
      const token = this.#causal === undefined ? null : (call.session?.token ?? null)
      scope = this.#openCall(this.#deadlineMS(call), call.signal)
      running = executeWithRetry({
        kind: 'read',
        policy: this.#policy,
        deadlineMS: scope.deadlineMS,
        scope,
        clock: this.#clock,
        random: this.#random,
        select: this.#routesByNode
          ? this.#selection.read(scope, call, this.#prefer(token))
          : DRIVER_ROUTES,
        attempt: this.#readAttempt(scope, fn, intent, token),
        onRetry: this.#onRetry,
        onAttemptFailed: this.#onAttemptFailed,
      })
    } catch (error: unknown) {
      return this.#notStarted(scope, error)
    }
    return this.#settle(running, scope, call)
  }

  /** A call that failed before its loop started (bad options, a closed client): nothing stays open. */
  #notStarted(scope: CallScope | undefined, error: unknown): Promise<never> {
    if (scope !== undefined) this.#closeCall(scope)
    return rejected(error)
  }

  /**
   * Ends the call once `running` settles: stops tracking its scope and explains a failure (`read`:
   * the read's options, to make its selector from; `undefined` for a write). One reaction, and no
   * `async` frame, per call (see docs/benchmarks.md).
   */
  #settle<T>(running: Promise<T>, scope: CallScope, read: CallOptions | undefined): Promise<T> {
    return running.then(
      (value) => {
        this.#closeCall(scope)
        return value
      },
      (error: unknown) => {
        this.#closeCall(scope)
        const selector = read === undefined ? WRITE_SELECTOR : this.#selection.readSelector(read)
        throw this.#explained(closedInstead(scope, error), selector)
      },
    )
  }

  /**
   * Stops monitoring, aborts calls in flight (they fail with `ClientClosedError`), and closes every
   * pool and socket. Idempotent; nothing is left running afterwards.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const closedError = new ClientClosedError('the client was closed', {
      code: ErrorCode.ClientClosed,
    })
    for (const scope of this.#calls) scope.abort(closedError)
    await this.#topology.close()
    await this.#adapter.close()
    this.emit('closed', {})
    this.removeAllListeners()
  }

  // The `select` and `attempt` of one call. Each factory returns its closure rather than the call
  // site writing it inline as a property: a function written as a property value gets a per-call
  // `__name` helper call under tsx/esbuild's keepNames (about 1 µs each), a returned one does not.

  #readAttempt<T>(
    scope: CallScope,
    fn: (conn: Conn) => Promise<T>,
    intent: CallIntent,
    token: CausalToken | null,
  ): (node: Target, ctx: AttemptContext) => Promise<T> {
    const causal = this.#causal
    if (token === null || causal === undefined) {
      return (node, ctx) =>
        this.#borrower.run(targetOf(node, intent, ctx), scope, fn, undefined, ctx)
    }
    return async (node, ctx) => {
      if (node !== undefined) await causal.awaitCovered(node, token, ctx.signal, ctx.remainingMS())
      return this.#borrower.run(targetOf(node, intent, ctx), scope, fn, undefined, ctx)
    }
  }

  #writeAttempt<T>(
    scope: CallScope,
    fn: (conn: Conn) => Promise<T>,
    intent: CallIntent,
    session: Session | undefined,
  ): (node: Target, ctx: AttemptContext) => Promise<T> {
    const writes = this.#replicaWrites
    if (writes === undefined) {
      return (node, ctx) =>
        this.#borrower.run(targetOf(node, intent, ctx), scope, fn, undefined, ctx)
    }
    return (node, ctx) =>
      writes.attempt(targetOf(node, intent, ctx), ctx, scope, fn, intent.writeConcern, session)
  }

  /** Where a session's read prefers to go: nodes that have its last write (replica waits). */
  #prefer(token: CausalToken | null): ((node: NodeDescription) => boolean) | undefined {
    const causal = this.#causal
    if (token === null || causal === undefined) return undefined
    return (node) => causal.covers(node, token)
  }

  /** A timeout before any attempt says why no node could serve the call (see `explainTimeout`). */
  #explained(error: unknown, selector: NodeSelector): unknown {
    if (!this.#routesByNode) return error
    return explainTimeout(error, this.#topology.description, selector)
  }

  /** The call's deadline, absolute on the monotonic clock. */
  #deadlineMS(call: CallOptions): number {
    return this.#clock.monotonicMS() + unbounded(call.timeoutMS ?? this.#options.timeoutMS)
  }

  /**
   * Starts tracking one call: its scope (deadline timer, abort wiring) is ended by `close()`. The
   * caller ends it with {@link ReplicaKitClient.#closeCall}.
   */
  #openCall(deadlineMS: number, signal: AbortSignal | undefined): CallScope {
    if (this.#closed) {
      throw new ClientClosedError('the client is closed; create a new one with connect()', {
        code: ErrorCode.ClientClosed,
      })
    }
    const scope = new CallScope(this.#clock, deadlineMS, signal)
    // A pending call keeps the process alive (every timer of ours is unref'd, and while a call
    // waits for a node no socket may be open); an idle client does not.
    if (this.#calls.size === 0) this.#releaseHold = this.#clock.hold?.()
    this.#calls.add(scope)
    return scope
  }

  #closeCall(scope: CallScope): void {
    this.#calls.delete(scope)
    scope.dispose()
    if (this.#calls.size === 0) {
      this.#releaseHold?.()
      this.#releaseHold = undefined
    }
  }

  #noteFailure(node: NodeAddress | undefined, error: ReplicaKitError): void {
    // Only where the core monitors the nodes: a driver that discovers keeps its own view.
    if (node === undefined || this.#adapter.capabilities.discovery !== 'probe') return
    if (isNodeStateChange(error) || error.code === ErrorCode.NetworkError) {
      this.#topology.markNodeUnknown(node, error)
    }
  }
}

/** The call options of "any node that can serve a read" ({@link ReplicaKitClient.connect}). */
const ANY_NODE: CallOptions = Object.freeze({ readPreference: 'nearest' })

/** The `select` of a call the driver routes: no node to choose. */
const DRIVER_ROUTES = (): Target => undefined

/** The target of one attempt. */
function targetOf(node: Target, intent: CallIntent, ctx: AttemptContext): CallTarget {
  return { node, intent, attempt: ctx.attempt, deprioritized: ctx.deprioritized }
}

export type { ReadPreference }
