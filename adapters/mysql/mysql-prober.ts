/**
 * The MySQL probe: one dedicated connection per node, kept between probes and replaced after any
 * failure; one COM_PING for the round trip, then the probe statements (`mysql-probe-io.ts`), turned
 * into a neutral `ProbeResult` (`mysql-probe.ts`).
 */
import type { Socket } from 'node:net'
import type { Connection } from 'mysql2/promise'
import { ErrorCode, ErrorLabel, NodeType, TimeoutError, tlsError } from '../../src/adapter.js'
import type {
  Clock,
  NodeAddress,
  ProbeOptions,
  ProbeResult,
  ReplicaKitError,
  ResolvedOptions,
  TopologyView,
} from '../../src/adapter.js'
import { bounded } from './mysql-bounded.js'
import { openMysqlConnection } from './mysql-connect-once.js'
import {
  probeConnectTimeoutMS,
  quoteHeartbeatTable,
  toMysqlConnectionOptions,
} from './mysql-config.js'
import { MysqlErrorPhase } from './mysql-errors.js'
import { probeRowsToResult } from './mysql-probe.js'
import { nextKnownCurrentMS } from './mysql-probe-lag.js'
import { heartbeat, readCheapRow, readProbeRows } from './mysql-probe-io.js'
import { cheapBeatRows, fullProbeMemory, mayProbeCheaply } from './mysql-probe-cheap.js'
import type { CheapBeatView, FullProbeMemory } from './mysql-probe-cheap.js'
import type { MysqlProbeRows } from './mysql-probe.js'
import type { SocketRegistry } from './mysql-sockets.js'
import type { MysqlSsl } from './mysql-tls.js'

/** The set name reported when the URI names none. */
export const DEFAULT_MYSQL_SET_NAME = 'mysql'

/** The dedicated probe connection of one node, and its socket (known before the handshake ends). */
interface ProbeLink {
  readonly connection: Promise<Connection>
  readonly socket: Socket | undefined
}

/** What the prober needs from the adapter around it. */
export interface MysqlProberContext {
  readonly options: ResolvedOptions
  /** mysql2's `ssl` for every connection (`undefined`: TLS off). */
  readonly ssl: MysqlSsl | undefined
  readonly clock: Clock
  readonly topology: TopologyView
  readonly sockets: SocketRegistry
  readonly mapError: (error: unknown, node: NodeAddress, phase: MysqlErrorPhase) => ReplicaKitError
  readonly aborted: (node: NodeAddress, what: string) => ReplicaKitError
}

/** Probes MySQL/MariaDB nodes (the adapter's `probe`). @internal */
export class MysqlProber {
  readonly #context: MysqlProberContext
  readonly #setName: string
  readonly #heartbeatTable: string | undefined
  readonly #links = new Map<NodeAddress, ProbeLink>()
  readonly #heartbeatReady = new Set<NodeAddress>()
  readonly #variableNames = new Map<NodeAddress, readonly string[]>()
  /** What the last full probe of each steady node left for the cheap beats (mysql-probe-cheap.ts). */
  readonly #memory = new Map<NodeAddress, FullProbeMemory>()
  /** When each node was last known current (wall-clock ms): kept across reconnections. */
  readonly #knownCurrentMS = new Map<NodeAddress, number>()

  constructor(context: MysqlProberContext) {
    this.#context = context
    this.#setName = context.options.replicaSet ?? DEFAULT_MYSQL_SET_NAME
    const table = context.options.heartbeatTable
    this.#heartbeatTable = table === undefined ? undefined : quoteHeartbeatTable(table)
  }

  async probe(node: NodeAddress, options: ProbeOptions): Promise<ProbeResult> {
    const { clock } = this.#context
    const link = this.#link(node, options.timeoutMS)
    const cancel = (): void => {
      this.#drop(node, link)
    }
    const handlers = {
      timeoutError: () =>
        new TimeoutError(
          `mysql node ${node} did not answer the probe within ${options.timeoutMS} ms`,
          { code: ErrorCode.OperationTimeout, node, labels: [ErrorLabel.RetryableRead] },
        ),
      abortError: () => this.#context.aborted(node, 'probing'),
      cancel,
    }
    let roundTripTimeMS: number | undefined
    const memory = this.#memory.get(node)
    const view = this.#cheapBeatView(node)
    const plan = {
      heartbeatTable: this.#heartbeatTable,
      heartbeatReady: this.#heartbeatReady.has(node),
      mayWriteHeartbeat: !view.otherPrimaryKnown,
      variableNames: this.#variableNames.get(node),
    }
    const rows = await bounded(clock, options, handlers, async () => {
      let conn: Connection
      try {
        conn = await link.connection
      } catch (error: unknown) {
        const mapped = this.#context.mapError(error, node, MysqlErrorPhase.Connect)
        throw await this.#tlsRequiredInstead(mapped, node, options.timeoutMS)
      }
      try {
        if (memory !== undefined && mayProbeCheaply(memory, view)) {
          // The cheap beat: one statement, which is also the round trip for the latency window.
          const startMS = clock.monotonicMS()
          const row = await readCheapRow(conn)
          roundTripTimeMS = clock.monotonicMS() - startMS
          const cheap = cheapBeatRows(memory, row, view)
          if (cheap !== undefined) return await this.#withHeartbeat(conn, cheap, memory, plan)
        }
        // One bare round trip (COM_PING) first: the node's network latency for the latency window,
        // separate from the probe's several statements.
        const pingStartMS = clock.monotonicMS()
        await conn.ping()
        roundTripTimeMS = clock.monotonicMS() - pingStartMS
        return { ...(await readProbeRows(conn, plan)), full: true }
      } catch (error: unknown) {
        cancel()
        throw this.#context.mapError(error, node, MysqlErrorPhase.Execute)
      }
    })
    if (rows.full) this.#variableNames.set(node, rows.variableNames)
    if (rows.heartbeatReady) this.#heartbeatReady.add(node)
    else this.#heartbeatReady.delete(node)
    const nowMS = clock.now()
    const knownCurrentMS = this.#knownCurrentMS.get(node)
    const result = probeRowsToResult(rows, node, {
      setName: this.#setName,
      nowMS,
      seeds: this.#context.options.hosts,
      ...(knownCurrentMS !== undefined ? { knownCurrentMS } : {}),
    })
    const isPrimary = result.type === NodeType.Primary
    const nextMS = nextKnownCurrentMS(knownCurrentMS, isPrimary, result, nowMS)
    if (nextMS !== undefined) this.#knownCurrentMS.set(node, nextMS)
    if (rows.full) {
      const next = fullProbeMemory(rows, result, view.nowMS)
      if (next === undefined) this.#memory.delete(node)
      else this.#memory.set(node, next)
    }
    return roundTripTimeMS === undefined ? result : { ...result, roundTripTimeMS }
  }

  /** Ends every probe connection (politely; the socket registry cuts what does not end). */
  close(): Promise<unknown>[] {
    const ending = [...this.#links.values()].map((link) => link.connection.then((c) => c.end()))
    this.#links.clear()
    return ending
  }

  /** A cheap beat's rows plus the primary's heartbeat write, as the full probe would do it. */
  async #withHeartbeat(
    conn: Connection,
    rows: MysqlProbeRows,
    memory: FullProbeMemory,
    plan: Parameters<typeof heartbeat>[2],
  ): Promise<MysqlProbeRows & { heartbeatReady: boolean; variableNames: string[]; full: false }> {
    const base = { ...rows, variableNames: [], full: false as const }
    if (memory.steady !== 'primary' || plan.heartbeatTable === undefined) {
      return { ...base, heartbeatReady: plan.heartbeatReady }
    }
    const notes = (rows.notes ?? []).filter((note) => !note.startsWith('heartbeat'))
    const beat = await heartbeat(conn, rows, plan, notes)
    return { ...base, notes, heartbeatReady: beat.ready }
  }

  /** What the cheap beat of `node` compares with: the topology's primary, a second primary claim. */
  #cheapBeatView(node: NodeAddress): CheapBeatView {
    const { clock, topology } = this.#context
    let primary: CheapBeatView['primary']
    for (const other of topology.description.nodes.values()) {
      if (other.type === NodeType.Primary && other.address !== node) {
        primary = { address: other.address, position: other.position }
      }
    }
    return { nowMS: clock.monotonicMS(), primary, otherPrimaryKnown: this.#otherPrimaryKnown(node) }
  }

  /**
   * Whether the topology saw another node as primary recently: then no heartbeat is written here
   * (two writable nodes are a split brain; a heartbeat on the wrong one would be an errant GTID).
   */
  #otherPrimaryKnown(node: NodeAddress): boolean {
    const { options, clock, topology } = this.#context
    const freshMS = 2 * options.heartbeatFrequencyMS + 1_000
    const now = clock.now()
    for (const other of topology.description.nodes.values()) {
      if (
        other.address !== node &&
        other.type === NodeType.Primary &&
        now - other.lastUpdateTime <= freshMS
      )
        return true
    }
    return false
  }

  /** The node's probe connection: kept between probes, replaced after any failure. */
  #link(node: NodeAddress, timeoutMS: number): ProbeLink {
    const existing = this.#links.get(node)
    if (existing !== undefined) return existing
    const { options, sockets } = this.#context
    const connectTimeoutMS = probeConnectTimeoutMS(options.connectTimeoutMS, timeoutMS)
    // mysql2 calls the socket factory synchronously, inside createConnection: fill the link then.
    const pending: { socket: Socket | undefined } = { socket: undefined }
    const connection = openMysqlConnection({
      ...toMysqlConnectionOptions(options, node, { connectTimeoutMS, ssl: this.#context.ssl }),
      stream: sockets.factory(node, (socket) => {
        pending.socket = socket
      }),
    })
    const link: ProbeLink = { connection, socket: pending.socket }
    // Handlers name their own link: a late error of a replaced connection never drops its successor.
    connection.then(
      (conn) => {
        conn.on('error', () => {
          this.#drop(node, link)
        })
      },
      () => {
        this.#drop(node, link)
      },
    )
    this.#links.set(node, link)
    return link
  }

  /**
   * MariaDB refuses a plain login with the same 1045 "access denied" whether the password is wrong,
   * `require_secure_transport` is on, or the account says `REQUIRE SSL`. With TLS off, a 1045 is
   * therefore tried once more over TLS, without verifying the server (the same credentials just went
   * to it in the clear): when that login succeeds, the node accepts only TLS and the error is
   * TLS_REQUIRED, which says to turn TLS on; otherwise `refused` stands.
   */
  async #tlsRequiredInstead(
    refused: ReplicaKitError,
    node: NodeAddress,
    timeoutMS: number,
  ): Promise<ReplicaKitError> {
    if (this.#context.ssl !== undefined || refused.nativeCode !== 1045) return refused
    const { options, sockets } = this.#context
    const connectTimeoutMS = probeConnectTimeoutMS(options.connectTimeoutMS, timeoutMS)
    try {
      const conn = await openMysqlConnection({
        ...toMysqlConnectionOptions(options, node, { connectTimeoutMS }),
        ssl: { rejectUnauthorized: false, verifyIdentity: false },
        stream: sockets.factory(node),
      })
      conn.destroy()
    } catch {
      return refused
    }
    return tlsError(
      ErrorCode.TlsRequired,
      node,
      'the login was refused over plain TCP and accepted over TLS: require_secure_transport is ' +
        'on, or the account says REQUIRE SSL',
      refused,
    )
  }

  #drop(node: NodeAddress, link: ProbeLink): void {
    // After any failure the next probe is a full one.
    this.#memory.delete(node)
    if (this.#links.get(node) === link) this.#links.delete(node)
    link.socket?.destroy()
  }
}
