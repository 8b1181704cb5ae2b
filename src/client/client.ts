import type { Adapter, CausalToken } from '../adapter.js'
import { awaitWriteConcern, requiredReplicaAcks } from '../concern/await-write-concern.js'
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
import { executeWithRetry } from '../retry/execute-with-retry.js'
import type { ReadPreference } from '../selection/read-preference.js'
import type { NodeAddress } from '../topology/node-address.js'
import { NodeType } from '../topology/node-description.js'
import type { NodeDescription, ProbeResult, Tags } from '../topology/node-description.js'
import { Topology } from '../topology/topology.js'
import type { Clock } from '../util/clock.js'
import { systemClock } from '../util/clock.js'
import { callReadPreference, callWriteConcern, parseCallOptions } from './call-options.js'
import type { CallOptions } from './call-options.js'
import { ClientEmitter } from './client-events.js'
import { selectNode } from './select-node.js'
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
  readonly #inFlight = new Map<NodeAddress, number>()
  readonly #calls = new Set<AbortController>()
  #closed = false

  /** @internal Use `connect()`. */
  constructor(adapter: Adapter<Conn>, options: ResolvedOptions, internals: ClientInternals = {}) {
    super()
    this.#adapter = adapter
    this.#options = options
    this.#clock = internals.clock ?? systemClock
    this.#random = internals.random ?? Math.random
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
    return this.#withCall({ timeoutMS }, async (signal, deadlineMS) => {
      const node = await selectNode(this.#topology, this.#clock, {
        ...this.#selectionBase(deadlineMS, signal, []),
        selector: { kind: 'write' },
      })
      return node.address
    })
  }

  /**
   * Runs `fn` on a connection to the primary, then waits for the write concern. Retried on another
   * attempt only when that is safe: the write is marked `idempotent`, the backend's protocol makes
   * retries safe, or the error proves nothing was written.
   */
  async write<T>(fn: (conn: Conn) => Promise<T>, options?: CallOptions): Promise<T> {
    const call = parseCallOptions(options)
    const wc = callWriteConcern(this.#options.writeConcern, call)
    return this.#withCall(call, (signal, deadlineMS) =>
      executeWithRetry({
        kind: 'write',
        idempotent: call.idempotent ?? false,
        policy: this.#retryPolicy(),
        deadlineMS,
        signal,
        clock: this.#clock,
        random: this.#random,
        select: async (ctx) => {
          const node = await selectNode(this.#topology, this.#clock, {
            ...this.#selectionBase(deadlineMS, ctx.signal, ctx.deprioritized),
            selector: { kind: 'write' },
          })
          // Refuse before writing when w can never be met (nothing written yet).
          requiredReplicaAcks(wc, this.#topology.description)
          return node.address
        },
        attempt: async (node, ctx) => {
          const required = requiredReplicaAcks(wc, this.#topology.description)
          // The write's causal token costs a round trip: fetch it only when w or a session needs it.
          const needsToken = required > 0 || call.session !== undefined
          const { result, token } = await this.#run(node, ctx.signal, ctx.remainingMS(), fn, needsToken)
          call.session?.advance(token)
          const description = this.#topology.description
          if (required > 0) {
            if (token === null) {
              // Nothing was written in this call (or the backend cannot tell): nothing to wait for.
              return result
            }
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
          }
          return result
        },
        onRetry: (event) => {
          this.emit('retry', event)
        },
        onAttemptFailed: (node, error) => {
          this.#noteFailure(node, error)
        },
      }),
    )
  }

  /**
   * Runs `fn` on a connection to a node chosen by the read preference (the client's default or this
   * call's). Retried on another node when the error allows (`retryReads`). With a `session`, the read
   * sees the session's earlier writes: it prefers a node that has them, or waits (up to
   * `causalWaitMS`) for the chosen replica to catch up.
   */
  async read<T>(fn: (conn: Conn) => Promise<T>, options?: CallOptions): Promise<T> {
    const call = parseCallOptions(options)
    const readPreference = callReadPreference(this.#options.readPreference, call)
    const token = call.session?.token ?? null
    return this.#withCall(call, (signal, deadlineMS) =>
      executeWithRetry({
        kind: 'read',
        policy: this.#retryPolicy(),
        deadlineMS,
        signal,
        clock: this.#clock,
        random: this.#random,
        select: async (ctx) => {
          const node = await selectNode(this.#topology, this.#clock, {
            ...this.#selectionBase(deadlineMS, ctx.signal, ctx.deprioritized),
            selector: { kind: 'read', readPreference },
            ...(token !== null ? { prefer: (n: NodeDescription) => this.#covers(n, token) } : {}),
          })
          return node.address
        },
        attempt: async (node, ctx) => {
          if (token !== null) await this.#awaitCausal(node, token, ctx.signal, ctx.remainingMS())
          const { result } = await this.#run(node, ctx.signal, ctx.remainingMS(), fn, false)
          return result
        },
        onRetry: (event) => {
          this.emit('retry', event)
        },
        onAttemptFailed: (node, error) => {
          this.#noteFailure(node, error)
        },
      }),
    )
  }

  /**
   * Stops monitoring, aborts calls in flight (they fail with `ClientClosedError`), and closes every
   * pool and socket. Idempotent; nothing is left running afterwards.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const closedError = new ClientClosedError('the client was closed', { code: ErrorCode.ClientClosed })
    for (const controller of this.#calls) controller.abort(closedError)
    await this.#topology.close()
    await this.#adapter.close()
    this.emit('closed', {})
    this.removeAllListeners()
  }

  #retryPolicy() {
    return {
      retryReads: this.#options.retryReads,
      retryWrites: this.#options.retryWrites,
      retryableWrites: this.#adapter.capabilities.retryableWrites,
      maxRetries: this.#options.maxRetries,
      baseBackoffMS: this.#options.baseBackoffMS,
      maxBackoffMS: this.#options.maxBackoffMS,
    }
  }

  #selectionBase(deadlineMS: number, signal: AbortSignal, deprioritized: readonly NodeAddress[]) {
    return {
      deprioritized,
      untilMS: Math.min(deadlineMS, this.#clock.monotonicMS() + this.#options.serverSelectionTimeoutMS),
      signal,
      localThresholdMS: this.#options.localThresholdMS,
      heartbeatFrequencyMS: this.#options.heartbeatFrequencyMS,
      random: this.#random,
      operationCount: (address: NodeAddress) => this.#inFlight.get(address) ?? 0,
    }
  }

  /** Runs one call with its deadline, abort wiring and close tracking. */
  async #withCall<T>(
    call: Pick<CallOptions, 'timeoutMS' | 'signal'>,
    body: (signal: AbortSignal, deadlineMS: number) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) {
      throw new ClientClosedError('the client is closed; create a new one with connect()', {
        code: ErrorCode.ClientClosed,
      })
    }
    const timeoutMS = unbounded(call.timeoutMS ?? this.#options.timeoutMS)
    const deadlineMS = this.#clock.monotonicMS() + timeoutMS
    const controller = new AbortController()
    const onCallerAbort = (): void => {
      controller.abort(call.signal?.reason)
    }
    call.signal?.addEventListener('abort', onCallerAbort, { once: true })
    if (call.signal?.aborted === true) onCallerAbort()
    this.#calls.add(controller)
    try {
      return await body(controller.signal, deadlineMS)
    } catch (error: unknown) {
      if (controller.signal.aborted && isReplicaKitError(controller.signal.reason)) {
        throw controller.signal.reason // closed while running
      }
      throw error
    } finally {
      this.#calls.delete(controller)
      call.signal?.removeEventListener('abort', onCallerAbort)
    }
  }

  /** Borrows a connection on `node`, runs `fn`, and (when asked) reads the write's causal token. */
  async #run<T>(
    node: NodeAddress,
    signal: AbortSignal,
    remainingMS: number,
    fn: (conn: Conn) => Promise<T>,
    wantToken: boolean,
  ): Promise<{ result: T; token: CausalToken | null }> {
    this.#inFlight.set(node, (this.#inFlight.get(node) ?? 0) + 1)
    try {
      let conn: Conn
      try {
        conn = await this.#adapter.acquire(node, {
          timeoutMS: Math.min(unbounded(this.#options.connectTimeoutMS), remainingMS),
          signal,
        })
      } catch (error: unknown) {
        // Nothing reached the server: a failed connect never wrote anything.
        throw this.#toError(error, node).withLabels(ErrorLabel.NoWritesPerformed)
      }
      let destroy = false
      try {
        const result = await fn(conn)
        const token =
          wantToken && this.#adapter.capabilities.causalTokens
            ? await this.#adapter.lastWriteToken(conn)
            : null
        return { result, token }
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
      this.#inFlight.set(node, (this.#inFlight.get(node) ?? 1) - 1)
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

/**
 * A timeout option of 0 means "no bound" (as in MongoDB's options); Node's timers cannot wait longer
 * than 2^31-1 ms (about 24.8 days), so that is the longest bound used.
 */
const LONGEST_TIMER_MS = 2 ** 31 - 1

function unbounded(timeoutMS: number): number {
  return timeoutMS <= 0 ? LONGEST_TIMER_MS : Math.min(timeoutMS, LONGEST_TIMER_MS)
}

/** Every member that may confirm a write: not the primary, not an arbiter, not known to be down. */
function replicasOf(
  description: { readonly nodes: ReadonlyMap<NodeAddress, NodeDescription> },
  primary: NodeAddress,
): NodeAddress[] {
  return [...description.nodes.values()]
    .filter((n) => n.address !== primary && n.type !== NodeType.Arbiter && n.type !== NodeType.Unknown)
    .map((n) => n.address)
}

export type { ReadPreference }
