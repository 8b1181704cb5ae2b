/**
 * The MySQL/MariaDB adapter: the core probes each node (`MysqlProber`), picks the node for each call
 * and lends a pooled mysql2 connection there (`MysqlConnections`), and applies `w` and causal reads
 * by replica waits (`MysqlReplication`). This file is the façade that ties them to the contract.
 */
import {
  Backend,
  ClientClosedError,
  ErrorCode,
  ErrorLabel,
  TimeoutError,
} from '../../src/adapter.js'
import type {
  AcquireOptions,
  Adapter,
  AdapterCapabilities,
  AdapterContext,
  AdapterFactory,
  CallTarget,
  Clock,
  NodeAddress,
  ProbeOptions,
  ProbeResult,
  ReplicaKitError,
  ResolvedOptions,
} from '../../src/adapter.js'
import { checkDriverOptions } from './mysql-config.js'
import { MysqlConnections } from './mysql-connections.js'
import type { MysqlConnection } from './mysql-connections.js'
import { MysqlErrorPhase, mapMysqlError } from './mysql-errors.js'
import { MysqlProber } from './mysql-prober.js'
import { MysqlReplication } from './mysql-replication.js'
import { SocketRegistry } from './mysql-sockets.js'
import { createMysqlSsl } from './mysql-tls.js'

export type { MysqlConnection } from './mysql-connections.js'
export { DEFAULT_MYSQL_SET_NAME } from './mysql-prober.js'
export { ABORT_GRACE_MS, AWAIT_GRACE_MS } from './mysql-replication.js'

/** How long `close()` lets connections quit politely before cutting the sockets, ms. */
export const CLOSE_GRACE_MS = 500

/** What MySQL leaves to the core: discovery, routing, `w` and causal reads by replica waits. */
const MYSQL_CAPABILITIES: AdapterCapabilities = Object.freeze({
  discovery: 'probe',
  routing: 'node',
  writeConcern: 'replica-waits',
  causalReads: 'replica-waits',
  // No election term: two writable nodes are a split brain.
  electionTerms: false,
  driverRetriesWrites: false,
})

/** The MySQL adapter (its parts reachable for tests). @internal Use {@link createMysqlAdapter}. */
export class MysqlAdapter implements Adapter<MysqlConnection> {
  readonly backend = Backend.MySQL
  readonly capabilities = MYSQL_CAPABILITIES
  readonly replication: MysqlReplication
  readonly #options: ResolvedOptions
  readonly #clock: Clock
  readonly #sockets = new SocketRegistry()
  readonly #prober: MysqlProber
  readonly #connections: MysqlConnections
  #closed = false

  constructor(context: AdapterContext) {
    this.#options = context.options
    this.#clock = context.clock
    checkDriverOptions(context.options)
    const parts = {
      options: context.options,
      // The TLS files are read once, here; every probe and data connection shares this `ssl`.
      ssl: createMysqlSsl(context.options.tls),
      clock: context.clock,
      topology: context.topology,
      sockets: this.#sockets,
      mapError: (error: unknown, node: NodeAddress, phase: MysqlErrorPhase) =>
        this.#mapError(error, node, phase),
      aborted: (node: NodeAddress, what: string) => this.#aborted(node, what),
    }
    this.#prober = new MysqlProber(parts)
    this.#connections = new MysqlConnections(parts)
    this.replication = new MysqlReplication({ ...parts, connections: this.#connections })
  }

  async probe(node: NodeAddress, options: ProbeOptions): Promise<ProbeResult> {
    this.#assertOpen(node)
    return this.#prober.probe(node, options)
  }

  async acquire(target: CallTarget, options: AcquireOptions): Promise<MysqlConnection> {
    const node = target.node
    // Routing 'node': the core always names the node. Anything else is a bug in the caller.
    if (node === undefined) throw new TypeError('the mysql adapter needs the node of each call')
    this.#assertOpen(node)
    return this.#connections.acquire(node, options)
  }

  release(conn: MysqlConnection, destroy: boolean): void {
    this.#connections.release(conn, destroy)
  }

  toError(error: unknown, node?: NodeAddress): ReplicaKitError {
    return this.#mapError(error, node, MysqlErrorPhase.Execute)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const ending = [...this.#connections.close(), ...this.#prober.close()]
    let timer: ReturnType<Clock['setTimeout']> | undefined
    await Promise.race([
      Promise.allSettled(ending),
      new Promise<void>((resolve) => {
        timer = this.#clock.setTimeout(resolve, CLOSE_GRACE_MS)
      }),
    ])
    if (timer !== undefined) this.#clock.clearTimeout(timer)
    // Whatever did not quit in time (busy or hung nodes) is cut now: close() leaves no socket.
    this.#sockets.destroyAll()
  }

  /** The number of sockets the adapter holds open (tests check that `close()` leaves none). @internal */
  get openSocketCount(): number {
    return this.#sockets.openCount
  }

  #mapError(
    error: unknown,
    node: NodeAddress | undefined,
    phase: MysqlErrorPhase,
  ): ReplicaKitError {
    const { tls, password } = this.#options
    return mapMysqlError(error, node, {
      phase,
      password,
      tls: tls.enabled
        ? tls.certificateKeyFile !== undefined
          ? 'client-certificate'
          : 'on'
        : 'off',
    })
  }

  #assertOpen(node: NodeAddress): void {
    if (this.#closed) {
      throw new ClientClosedError(`the client is closed: no more calls to mysql node ${node}`, {
        code: ErrorCode.ClientClosed,
        node,
      })
    }
  }

  #aborted(node: NodeAddress, what: string): TimeoutError {
    return new TimeoutError(`aborted while ${what} on mysql node ${node}`, {
      code: ErrorCode.Aborted,
      node,
      labels: [ErrorLabel.RetryableRead],
    })
  }
}

/**
 * Creates the MySQL/MariaDB adapter (the factory the `replicakit/mysql` entry point exports).
 *
 * ```ts
 * const adapter = createMysqlAdapter({ options, clock: systemClock, topology })
 * const result = await adapter.probe?.('127.0.0.1:3307', { timeoutMS: 2000 })
 * ```
 */
export const createMysqlAdapter: AdapterFactory<MysqlConnection> = (context) =>
  new MysqlAdapter(context)
