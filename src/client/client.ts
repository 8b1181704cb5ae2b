import type { Adapter, CausalToken } from '../adapter.js'
import { awaitWriteConcern } from '../concern/await-write-concern.js'
import type { ResolvedOptions } from '../config/options.js'
import { isNodeStateChange, toReplicaKitError } from '../errors/classify.js'
import {
  ClientClosedError,
  ErrorCode,
  ErrorLabel,
  TimeoutError,
  isReplicaKitError,
} from '../errors/errors.js'
import type { ReplicaKitError } from '../errors/errors.js'
import { CallScope, executeWithRetry } from '../retry/execute-with-retry.js'
import type { AttemptContext, RetryEvent } from '../retry/execute-with-retry.js'
import type { RetryPolicy } from '../retry/retry-policy.js'
import type { ReadPreference } from '../selection/read-preference.js'
import { WRITE_SELECTOR } from '../selection/server-selection.js'
import type { NodeSelector } from '../selection/server-selection.js'
import type { WriteConcern } from '../concern/write-concern.js'
import type { NodeAddress } from '../topology/node-address.js'
import { NodeType } from '../topology/node-description.js'
import type { NodeDescription, ProbeResult, Tags } from '../topology/node-description.js'
import { Topology } from '../topology/topology.js'
import type { Clock } from '../util/clock.js'
import { systemClock } from '../util/clock.js'
import { callWriteConcern, parseCallOptions } from './call-options.js'
import type { CallOptions } from './call-options.js'
import { CallSelection } from './call-selection.js'
import { AcquireRequest, closedInstead, replicaAcks, unbounded } from './call-support.js'
import type { WrittenToken } from './call-support.js'
import { ClientEmitter } from './client-events.js'
import { selectNode, selectNow } from './select-node.js'
import { Session } from './session.js'
import { snapshotTopology } from './topology-snapshot.js'
import type { TopologySnapshot } from './topology-snapshot.js'

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
  /** Operations running per node (for the in-window choice): one counter object per node. */
  readonly #inFlight = new Map<NodeAddress, { count: number }>()
  /** The scopes of the calls in flight: `close()` ends them. */
  readonly #calls = new Set<CallScope>()
  readonly #policy: RetryPolicy
  readonly #selection: CallSelection
  /** `connectTimeoutMS` as a bound (0 = none). */
  readonly #connectBoundMS: number
  readonly #onRetry = (event: RetryEvent): void => {
    this.emit('retry', event)
  }
  readonly #onAttemptFailed = (node: NodeAddress, error: ReplicaKitError): void => {
    this.#noteFailure(node, error)
  }
  #closed = false

  /** @internal Use `connect()`. */
  constructor(adapter: Adapter<Conn>, options: ResolvedOptions, internals: ClientInternals = {}) {
    super()
    this.#adapter = adapter
    this.#options = options
    this.#clock = internals.clock ?? systemClock
    this.#random = internals.random ?? Math.random
    this.#connectBoundMS = unbounded(options.connectTimeoutMS)
    this.#policy = Object.freeze({
      retryReads: options.retryReads,
      retryWrites: options.retryWrites,
      retryableWrites: adapter.capabilities.retryableWrites,
      maxRetries: options.maxRetries,
      baseBackoffMS: options.baseBackoffMS,
      maxBackoffMS: options.maxBackoffMS,
    })
    this.#selection = new CallSelection({
      readPreference: options.readPreference,
      localThresholdMS: options.localThresholdMS,
      heartbeatFrequencyMS: options.heartbeatFrequencyMS,
      random: this.#random,
      operationCount: (address) => this.#inFlight.get(address)?.count ?? 0,
    })
    this.#topology = new Topology({
      seeds: [...options.hosts],
      clock: this.#clock,
      probe: async (address, probeOptions) =>
        withNodeTags(await adapter.probe(address, probeOptions), options.nodeTags.get(address)),
      options: {
        heartbeatFrequencyMS: options.heartbeatFrequencyMS,
        minHeartbeatFrequencyMS: options.minHeartbeatFrequencyMS,
        // A probe is always bounded: with connectTimeoutMS=0 ("no bound") it gets the default 10 s.
        connectTimeoutMS: options.connectTimeoutMS > 0 ? options.connectTimeoutMS : 10_000,
        directConnection: options.directConnection,
        // Backends without an election term cannot order two writable nodes: refuse instead.
        primaryConflict: adapter.capabilities.retryableWrites ? 'sdam' : 'refuse',
        ...(options.replicaSet !== undefined ? { setName: options.replicaSet } : {}),
      },
    })
    this.forwardTopologyEvents(this.#topology)
    this.#topology.start()
  }

  /** The resolved options (password included in memory only; never logged). */
  get options(): ResolvedOptions {
    return this.#options
  }

  /** A snapshot of every known node: role, state, lag, round trip, tags (like `rs.status()`). */
  topology(): TopologySnapshot {
    return snapshotTopology(this.#topology.description)
  }

  /** Starts a causally consistent session (read-your-writes). */
  startSession(): Session {
    return new Session()
  }

  /**
   * Resolves once a primary is known (or rejects with a `ServerSelectionError` when none appears
   * within `timeoutMS`, default serverSelectionTimeoutMS). Useful at start-up.
   */
  async waitForPrimary(timeoutMS = this.#options.serverSelectionTimeoutMS): Promise<NodeAddress> {
    // No deadline timer: the selection's own bound (untilMS) ends the wait.
    const scope = this.#openCall(Number.POSITIVE_INFINITY, undefined)
    try {
      const nowMS = this.#clock.monotonicMS()
      const node = await selectNode(this.#topology, this.#clock, {
        ...this.#selection.request(WRITE_SELECTOR, [], undefined),
        untilMS: Math.min(
          nowMS + unbounded(timeoutMS),
          nowMS + this.#options.serverSelectionTimeoutMS,
        ),
        signal: scope.signal,
      })
      return node.address
    } catch (error: unknown) {
      throw closedInstead(scope, error)
    } finally {
      this.#closeCall(scope)
    }
  }

  /**
   * Runs `fn` on a connection to the primary, then waits for the write concern. Retried on another
   * attempt only when that is safe: the write is marked `idempotent`, the backend's protocol makes
   * retries safe, or the error proves nothing was written.
   */
  async write<T>(fn: (conn: Conn) => Promise<T>, options?: CallOptions): Promise<T> {
    const call = parseCallOptions(options)
    const wc = callWriteConcern(this.#options.writeConcern, call)
    const session = call.session
    const scope = this.#openCall(this.#deadlineMS(call), call.signal)
    try {
      return await executeWithRetry({
        kind: 'write',
        idempotent: call.idempotent ?? false,
        policy: this.#policy,
        deadlineMS: scope.deadlineMS,
        scope,
        clock: this.#clock,
        random: this.#random,
        select: this.#primarySelection(scope, wc),
        attempt: this.#writeAttempt(scope, fn, wc, session),
        onRetry: this.#onRetry,
        onAttemptFailed: this.#onAttemptFailed,
      })
    } catch (error: unknown) {
      throw closedInstead(scope, error)
    } finally {
      this.#closeCall(scope)
    }
  }

  /**
   * Runs `fn` on a connection to a node chosen by the read preference (the client's default or this
   * call's). Retried on another node when the error allows (`retryReads`). With a `session`, the read
   * sees the session's earlier writes: it prefers a node that has them, or waits (up to
   * `causalWaitMS`) for the chosen replica to catch up.
   */
  async read<T>(fn: (conn: Conn) => Promise<T>, options?: CallOptions): Promise<T> {
    const call = parseCallOptions(options)
    const selector = this.#selection.readSelector(call)
    const token = call.session?.token ?? null
    const prefer = token === null ? undefined : (n: NodeDescription) => this.#covers(n, token)
    const scope = this.#openCall(this.#deadlineMS(call), call.signal)
    try {
      return await executeWithRetry({
        kind: 'read',
        policy: this.#policy,
        deadlineMS: scope.deadlineMS,
        scope,
        clock: this.#clock,
        random: this.#random,
        select: this.#readSelection(scope, selector, prefer),
        attempt: this.#readAttempt(scope, fn, token),
        onRetry: this.#onRetry,
        onAttemptFailed: this.#onAttemptFailed,
      })
    } catch (error: unknown) {
      throw closedInstead(scope, error)
    } finally {
      this.#closeCall(scope)
    }
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

  #readSelection(
    scope: CallScope,
    selector: NodeSelector,
    prefer: ((node: NodeDescription) => boolean) | undefined,
  ): (ctx: AttemptContext) => NodeAddress | Promise<NodeAddress> {
    return (ctx) => this.#select(ctx, scope, selector, prefer)
  }

  #readAttempt<T>(
    scope: CallScope,
    fn: (conn: Conn) => Promise<T>,
    token: CausalToken | null,
  ): (node: NodeAddress, ctx: AttemptContext) => Promise<T> {
    if (token === null) return (node) => this.#run(node, scope, fn, undefined)
    return async (node, ctx) => {
      await this.#awaitCausal(node, token, ctx.signal, ctx.remainingMS())
      return this.#run(node, scope, fn, undefined)
    }
  }

  #primarySelection(
    scope: CallScope,
    wc: WriteConcern,
  ): (ctx: AttemptContext) => NodeAddress | Promise<NodeAddress> {
    return (ctx) => this.#selectPrimary(ctx, scope, wc)
  }

  #writeAttempt<T>(
    scope: CallScope,
    fn: (conn: Conn) => Promise<T>,
    wc: WriteConcern,
    session: Session | undefined,
  ): (node: NodeAddress, ctx: AttemptContext) => Promise<T> {
    return (node, ctx) => this.#attemptWrite(node, ctx, scope, fn, wc, session)
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
    this.#calls.add(scope)
    return scope
  }

  #closeCall(scope: CallScope): void {
    this.#calls.delete(scope)
    scope.dispose()
  }

  /**
   * Selects the node for one attempt: at once from the current description when a node qualifies
   * (the common case, no signal or timer needed), else by waiting for the topology to change.
   */
  #select(
    ctx: AttemptContext,
    scope: CallScope,
    selector: NodeSelector,
    prefer: ((node: NodeDescription) => boolean) | undefined,
  ): NodeAddress | Promise<NodeAddress> {
    const request = this.#selection.request(selector, ctx.deprioritized, prefer)
    const chosen = selectNow(this.#topology.description, this.#clock, request)
    if (chosen !== undefined) return chosen.address
    return selectNode(this.#topology, this.#clock, {
      ...request,
      untilMS: Math.min(
        scope.deadlineMS,
        this.#clock.monotonicMS() + this.#options.serverSelectionTimeoutMS,
      ),
      signal: ctx.signal,
    }).then((node) => node.address)
  }

  /** Selects the primary, then refuses before writing when `w` can never be met (nothing written yet). */
  #selectPrimary(
    ctx: AttemptContext,
    scope: CallScope,
    wc: WriteConcern,
  ): NodeAddress | Promise<NodeAddress> {
    const picked = this.#select(ctx, scope, WRITE_SELECTOR, undefined)
    if (typeof picked === 'string') {
      replicaAcks(wc, this.#topology.description)
      return picked
    }
    return picked.then((node) => {
      replicaAcks(wc, this.#topology.description)
      return node
    })
  }

  async #attemptWrite<T>(
    node: NodeAddress,
    ctx: AttemptContext,
    scope: CallScope,
    fn: (conn: Conn) => Promise<T>,
    wc: WriteConcern,
    session: Session | undefined,
  ): Promise<T> {
    const required = replicaAcks(wc, this.#topology.description)
    // The write's causal token costs a round trip: fetch it only when w or a session needs it.
    const needsToken = required > 0 || session !== undefined
    const written: WrittenToken = { token: null }
    const result = await this.#run(node, scope, fn, needsToken ? written : undefined)
    const token = written.token
    session?.advance(token)
    // Nothing was written in this call (or the backend cannot tell): nothing to wait for.
    if (required === 0 || token === null) return result
    const description = this.#topology.description
    const bound = wc.wtimeoutMS !== undefined && wc.wtimeoutMS > 0 ? wc.wtimeoutMS : Infinity
    await awaitWriteConcern({
      adapter: this.#adapter,
      token,
      primary: node,
      required,
      replicas: replicasOf(description, node),
      timeoutMS: Math.max(0, Math.min(bound, ctx.remainingMS())),
      wc,
      signal: ctx.signal,
    })
    return result
  }

  /**
   * Borrows a connection on `node` and runs `fn`; with `written`, also reads the write's causal
   * token into it.
   */
  async #run<T>(
    node: NodeAddress,
    scope: CallScope,
    fn: (conn: Conn) => Promise<T>,
    written: WrittenToken | undefined,
  ): Promise<T> {
    let running = this.#inFlight.get(node)
    if (running === undefined) {
      running = { count: 0 }
      this.#inFlight.set(node, running)
    }
    running.count++
    try {
      let conn: Conn
      try {
        conn = await this.#adapter.acquire(node, new AcquireRequest(this.#connectBoundMS, scope))
      } catch (error: unknown) {
        // Nothing reached the server: a failed connect never wrote anything.
        throw this.#toError(error, node).withLabels(ErrorLabel.NoWritesPerformed)
      }
      const ended = scope.endError
      if (ended !== undefined) {
        // The call ended while the connection was on its way: the caller has its error already, so
        // this (abandoned) attempt must not start `fn`.
        this.#adapter.release(conn, false)
        throw ended
      }
      let destroy = false
      try {
        const result = await fn(conn)
        if (written !== undefined && this.#adapter.capabilities.causalTokens) {
          written.token = await this.#adapter.lastWriteToken(conn)
        }
        return result
      } catch (error: unknown) {
        const mapped = this.#toError(error, node)
        if (mapped.code === ErrorCode.Internal && !isReplicaKitError(error)) {
          // Not a database error: the caller's own code threw. Hand it back untouched.
          throw error
        }
        destroy = mapped instanceof Error && mapped.code === ErrorCode.NetworkError
        throw mapped
      } finally {
        this.#adapter.release(conn, destroy)
      }
    } finally {
      running.count--
    }
  }

  #toError(error: unknown, node: NodeAddress): ReplicaKitError {
    if (isReplicaKitError(error)) return error
    try {
      return this.#adapter.toError(error, node)
    } catch {
      return toReplicaKitError(error)
    }
  }

  #covers(node: NodeDescription, token: CausalToken): boolean {
    if (node.type === NodeType.Primary) return true
    return node.position !== null && this.#adapter.positionCovers(node.position, token)
  }

  /** Before a causal read on a replica: wait (bounded) until it has the session's writes. */
  async #awaitCausal(
    node: NodeAddress,
    token: CausalToken,
    signal: AbortSignal,
    remainingMS: number,
  ): Promise<void> {
    const description = this.#topology.description.nodes.get(node)
    if (description === undefined || this.#covers(description, token)) return
    const timeoutMS = Math.max(0, Math.min(this.#options.causalWaitMS, remainingMS))
    const applied = await this.#adapter.awaitApplied(node, token, { timeoutMS, signal })
    if (!applied) {
      throw new TimeoutError(
        `replica ${node} did not catch up with this session's last write within ${timeoutMS} ms; ` +
          'the read will be retried elsewhere. Raise causalWaitMS or read from the primary',
        { code: ErrorCode.CausalWaitTimeout, node, labels: [ErrorLabel.RetryableRead] },
      )
    }
  }

  #noteFailure(node: NodeAddress, error: ReplicaKitError): void {
    if (isNodeStateChange(error) || error.code === ErrorCode.NetworkError) {
      this.#topology.markNodeUnknown(node, error)
    }
  }
}

/**
 * Adds the tags the user configured for a node (`nodeTags`) to what its probe reported; configured
 * tags win. Backends whose servers carry no tags (MySQL) get all theirs this way.
 */
function withNodeTags(probe: ProbeResult, tags: Tags | undefined): ProbeResult {
  return tags === undefined ? probe : { ...probe, tags: { ...probe.tags, ...tags } }
}

/** Every member that may confirm a write: not the primary, not an arbiter, not known to be down. */
function replicasOf(
  description: { readonly nodes: ReadonlyMap<NodeAddress, NodeDescription> },
  primary: NodeAddress,
): NodeAddress[] {
  return [...description.nodes.values()]
    .filter(
      (n) => n.address !== primary && n.type !== NodeType.Arbiter && n.type !== NodeType.Unknown,
    )
    .map((n) => n.address)
}

export type { ReadPreference }
