/**
 * The MySQL/MariaDB adapter: probes nodes over one dedicated connection each, lends pooled mysql2
 * connections, reads the GTID of a session's last commit and waits for it on replicas.
 */
import type { Socket } from 'node:net'
import mysql from 'mysql2/promise'
import type { Connection, Pool, PoolConnection, RowDataPacket } from 'mysql2/promise'
import {
  Backend,
  ClientClosedError,
  ErrorCode,
  ErrorLabel,
  NodeStateError,
  NodeType,
  TimeoutError,
  isReplicaKitError,
} from '../../src/adapter.js'
import type {
  AcquireOptions,
  Adapter,
  AdapterCapabilities,
  AdapterContext,
  AdapterFactory,
  AwaitAppliedOptions,
  CausalToken,
  Clock,
  NodeAddress,
  ProbeOptions,
  ProbeResult,
  ReplicaKitError,
  ResolvedOptions,
} from '../../src/adapter.js'
import {
  probeConnectTimeoutMS,
  quoteHeartbeatTable,
  toMysqlConnectionOptions,
  toMysqlPoolOptions,
} from './mysql-config.js'
import { bounded, runDetachableWait } from './mysql-bounded.js'
import { MysqlErrorPhase, mapMysqlError, mysqlErrorInfo } from './mysql-errors.js'
import { gtidCovers, mariadbBinlogStateCovers } from './mysql-gtid.js'
import { MysqlFlavour, probeRowsToResult } from './mysql-probe.js'
import type { MysqlProbeRows } from './mysql-probe.js'
import { readProbeRows } from './mysql-probe-io.js'
import { text } from './mysql-roles.js'
import { SocketRegistry, coreOf, destroyConnection, isBrokenConnection } from './mysql-sockets.js'
import type { CoreConnection } from './mysql-sockets.js'
import {
  checkAutocommit,
  resetSession,
  sessionStateOf,
  watchSession,
} from './mysql-session-state.js'
import type { ResettableConnection, SessionState } from './mysql-session-state.js'

/** The connection a MySQL adapter lends: a mysql2 promise `PoolConnection`. */
export type MysqlConnection = PoolConnection

/** The set name reported when the URI names none. */
export const DEFAULT_MYSQL_SET_NAME = 'mysql'
/** Extra time a replication wait gets beyond its server-side timeout before its socket is cut, ms. */
export const AWAIT_GRACE_MS = 1_000
/** After an abort, how long a replication wait may still finish (and keep its connection), ms. */
export const ABORT_GRACE_MS = 250
/** 1193: unknown system variable. */
const UNKNOWN_VARIABLE_ERRNO = 1193
/** How long `close()` lets connections quit politely before cutting the sockets, ms. */
export const CLOSE_GRACE_MS = 500

/** The dedicated probe connection of one node, and its socket (known before the handshake ends). */
interface ProbeLink {
  readonly connection: Promise<Connection>
  readonly socket: Socket | undefined
}

/** The mysql2 internals of a pool the acquire fast path reads. */
interface CorePoolState {
  readonly _closed?: boolean
  readonly _freeConnections?: { readonly length: number }
}

/** What the adapter remembers of a node from its last probe. */
interface NodeFacts {
  readonly flavour: MysqlFlavour
  readonly type: NodeType
  readonly atMS: number
}

class MysqlAdapter implements Adapter<MysqlConnection> {
  readonly backend = Backend.MySQL
  readonly capabilities: AdapterCapabilities = Object.freeze({
    retryableWrites: false,
    causalTokens: true,
  })
  readonly #options: ResolvedOptions
  readonly #clock: Clock
  readonly #setName: string
  readonly #heartbeatTable: string | undefined
  readonly #pools = new Map<NodeAddress, Pool>()
  readonly #probeLinks = new Map<NodeAddress, ProbeLink>()
  readonly #sockets = new SocketRegistry()
  readonly #facts = new Map<NodeAddress, NodeFacts>()
  readonly #heartbeatReady = new Set<NodeAddress>()
  readonly #variableNames = new Map<NodeAddress, readonly string[]>()
  /** The `@@last_gtid` last reported per (core) connection, so an old GTID is not reported twice. */
  readonly #reportedGtid = new WeakMap<object, string>()
  /** Core connections in a replication wait, which has its own bound (exempt from the watch). */
  readonly #longWaits = new WeakSet<object>()
  readonly #isLongWait = (core: object): boolean => this.#longWaits.has(core)
  #closed = false

  constructor(context: AdapterContext) {
    this.#options = context.options
    this.#clock = context.clock
    this.#setName = context.options.replicaSet ?? DEFAULT_MYSQL_SET_NAME
    const table = context.options.heartbeatTable
    this.#heartbeatTable = table === undefined ? undefined : quoteHeartbeatTable(table)
  }

  async probe(node: NodeAddress, options: ProbeOptions): Promise<ProbeResult> {
    this.#assertOpen(node)
    const link = this.#probeLink(node, options.timeoutMS)
    const cancel = (): void => {
      this.#dropProbeLink(node, link)
    }
    const handlers = {
      timeoutError: () =>
        new TimeoutError(
          `mysql node ${node} did not answer the probe within ${options.timeoutMS} ms`,
          {
            code: ErrorCode.OperationTimeout,
            node,
            labels: [ErrorLabel.RetryableRead],
          },
        ),
      abortError: () => this.#aborted(node, 'probing'),
      cancel,
    }
    let roundTripTimeMS: number | undefined
    const rows = await bounded(this.#clock, options, handlers, async () => {
      let conn: Connection
      try {
        conn = await link.connection
      } catch (error: unknown) {
        throw this.#mapError(error, node, MysqlErrorPhase.Connect)
      }
      try {
        // One bare round trip (COM_PING) first: the node's network latency for the latency window,
        // separate from the probe's several statements.
        const pingStartMS = this.#clock.monotonicMS()
        await conn.ping()
        roundTripTimeMS = this.#clock.monotonicMS() - pingStartMS
        return await readProbeRows(conn, {
          heartbeatTable: this.#heartbeatTable,
          heartbeatReady: this.#heartbeatReady.has(node),
          mayWriteHeartbeat: !this.#otherPrimaryKnown(node),
          variableNames: this.#variableNames.get(node),
        })
      } catch (error: unknown) {
        cancel()
        throw this.toError(error, node)
      }
    })
    this.#variableNames.set(node, rows.variableNames)
    if (rows.heartbeatReady) this.#heartbeatReady.add(node)
    else this.#heartbeatReady.delete(node)
    const result = this.#toResult(node, rows)
    return roundTripTimeMS === undefined ? result : { ...result, roundTripTimeMS }
  }

  #toResult(node: NodeAddress, rows: MysqlProbeRows): ProbeResult {
    const nowMS = this.#clock.now()
    const result = probeRowsToResult(rows, node, {
      setName: this.#setName,
      nowMS,
      seeds: this.#options.hosts,
    })
    const flavour =
      result.details?.['flavour'] === MysqlFlavour.MariaDB
        ? MysqlFlavour.MariaDB
        : MysqlFlavour.MySQL
    this.#facts.set(node, { flavour, type: result.type, atMS: nowMS })
    return result
  }

  /** Whether another node looked like a primary recently (then no heartbeat is written: split brain). */
  #otherPrimaryKnown(node: NodeAddress): boolean {
    const freshMS = 2 * this.#options.heartbeatFrequencyMS + 1_000
    const now = this.#clock.now()
    for (const [address, facts] of this.#facts) {
      if (address !== node && facts.type === NodeType.Primary && now - facts.atMS <= freshMS)
        return true
    }
    return false
  }

  async acquire(node: NodeAddress, options: AcquireOptions): Promise<MysqlConnection> {
    this.#assertOpen(node)
    const pool = this.#pool(node)
    const core = pool.pool as unknown as CorePoolState
    let conn: MysqlConnection
    if (core._closed !== true && (core._freeConnections?.length ?? 0) > 0) {
      // An idle connection is ready: mysql2 hands it over on the next tick, so no bound or abort
      // wiring is needed (and `options.signal` is not made). The caller checks its own deadline.
      try {
        conn = await pool.getConnection()
      } catch (error: unknown) {
        throw this.#mapError(error, node, MysqlErrorPhase.Connect)
      }
    } else {
      conn = await this.#borrowBounded(node, pool, options)
    }
    this.#sockets.watch(conn, this.#options.socketTimeoutMS, this.#isLongWait)
    const state = this.#sessionOf(conn)
    // Commands sent while it sat in the pool (a caller kept it past release): clean it first.
    if (state.dirty && !state.unusable) await this.#resetBeforeLending(conn, state, node)
    return conn
  }

  #borrowBounded(node: NodeAddress, pool: Pool, options: AcquireOptions): Promise<MysqlConnection> {
    return bounded(
      this.#clock,
      options,
      {
        timeoutError: () =>
          new TimeoutError(
            `no connection to mysql node ${node} within ${options.timeoutMS} ms: the node does not answer or all maxPoolSize connections are busy`,
            {
              code: ErrorCode.ConnectTimeout,
              node,
              labels: [ErrorLabel.RetryableRead, ErrorLabel.NoWritesPerformed],
            },
          ),
        abortError: () => this.#aborted(node, 'acquiring a connection'),
        // The caller gave up: hand the connection to the next in line.
        late: (conn) => {
          this.release(conn, false)
        },
        mapError: (error) => this.#mapError(error, node, MysqlErrorPhase.Connect),
      },
      () => pool.getConnection(),
    )
  }

  /**
   * Returns a connection to its pool. Session hygiene (the rules are in `mysql-session-state.ts`):
   * a connection goes back as it is only when nothing sent on it since its last reset can have left
   * session state (plain reads and single autocommit `INSERT`/`REPLACE`/`UPDATE`/`DELETE`, on a
   * session whose autocommit is known to be on); otherwise it is reset first
   * (`COM_RESET_CONNECTION`: an open transaction is rolled back; variables, locks and temporary
   * tables go) and destroyed when that fails or cannot help (`changeUser`). So no borrower ever
   * gets a connection with another borrower's open transaction or session state, while a point
   * read or a single insert costs no extra round trip.
   */
  release(conn: MysqlConnection, destroy: boolean): void {
    try {
      if (destroy || isBrokenConnection(conn)) {
        destroyConnection(conn)
        return
      }
      const state = this.#sessionOf(conn)
      if (state.unusable) destroyConnection(conn)
      else if (state.dirty || !state.autocommit) this.#resetAndRelease(conn, state)
      else conn.release()
    } catch {
      // release never throws; a connection that cannot be returned is dropped by its pool.
    }
  }

  /** The session state of a pooled connection (watched since the pool made it). */
  #sessionOf(conn: MysqlConnection): SessionState {
    const core = coreOf(conn)
    const state = core === undefined ? undefined : sessionStateOf(core)
    // Not made by our pools' 'connection' hook: trust nothing about it.
    return state ?? { dirty: true, unusable: true, autocommit: false }
  }

  #resetAndRelease(conn: MysqlConnection, state: SessionState): void {
    resetSession(coreOf(conn) as unknown as ResettableConnection, state, (error) => {
      try {
        if (error == null && !isBrokenConnection(conn)) conn.release()
        else destroyConnection(conn)
      } catch {
        // as in release()
      }
    })
  }

  async #resetBeforeLending(
    conn: MysqlConnection,
    state: SessionState,
    node: NodeAddress,
  ): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        resetSession(coreOf(conn) as unknown as ResettableConnection, state, (error) => {
          if (error == null) resolve()
          else reject(error instanceof Error ? error : new Error('connection reset failed'))
        })
      })
    } catch (error: unknown) {
      destroyConnection(conn)
      throw this.#mapError(error, node, MysqlErrorPhase.Connect)
    }
  }

  async lastWriteToken(conn: MysqlConnection): Promise<CausalToken | null> {
    const core = coreOf(conn)
    if (core?._isMariaDB !== false) {
      // MariaDB: the GTID of this session's last commit. A pooled session is not reset after a
      // plain write (see release()), so the value may be an earlier borrower's: the remembered one
      // keeps a GTID from being reported twice, and one reported for a call that wrote nothing
      // only names a write that is already committed (waiting for it is harmless).
      let gtid: string
      try {
        const [rows] = await conn.query<RowDataPacket[]>('SELECT @@last_gtid AS gtid')
        gtid = text(rows[0]?.['gtid'])
      } catch (error: unknown) {
        if (mysqlErrorInfo(error).errno !== UNKNOWN_VARIABLE_ERRNO) throw error
        return this.#executedGtids(conn) // not MariaDB after all
      }
      const key = (core ?? conn) as object
      if (gtid === '' || this.#reportedGtid.get(key) === gtid) return null
      this.#reportedGtid.set(key, gtid)
      return { backend: Backend.MySQL, value: gtid }
    }
    return this.#executedGtids(conn)
  }

  /**
   * MySQL keeps no per-session "last GTID" variable: `@@global.gtid_executed` read after the commit
   * covers the session's write (and others', so a wait for it may wait slightly longer). It never
   * says "nothing written": `null` only when GTIDs are off.
   */
  async #executedGtids(conn: MysqlConnection): Promise<CausalToken | null> {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT @@global.gtid_executed AS gtid')
    const gtid = text(rows[0]?.['gtid']).replace(/\s+/g, '')
    return gtid === '' ? null : { backend: Backend.MySQL, value: gtid }
  }

  async awaitApplied(
    node: NodeAddress,
    token: CausalToken,
    options: AwaitAppliedOptions,
  ): Promise<boolean> {
    this.#assertOpen(node)
    if (token.value.trim() === '') return true
    if (this.#facts.get(node)?.type === NodeType.Primary) throw this.#refuseOnPrimary(node)
    const started = this.#clock.monotonicMS()
    let conn: MysqlConnection
    try {
      conn = await this.acquire(node, {
        timeoutMS: Math.max(1, options.timeoutMS),
        signal: options.signal,
      })
    } catch (error: unknown) {
      // No connection within the wait's own bound (a hung node, a full pool): not applied in time.
      if (isReplicaKitError(error) && error.code === ErrorCode.ConnectTimeout) return false
      throw error
    }
    const remainingMS = Math.max(0, options.timeoutMS - (this.#clock.monotonicMS() - started))
    const flavour = this.#facts.get(node)?.flavour
    const mariadb =
      flavour === undefined ? coreOf(conn)?._isMariaDB !== false : flavour === MysqlFlavour.MariaDB
    // MASTER_GTID_WAIT waits on gtid_slave_pos, which a primary never advances: on a writable node
    // the IF skips it (NULL) instead of letting it time out.
    const sql = mariadb
      ? 'SELECT IF(@@global.read_only = 1, MASTER_GTID_WAIT(?, ?), NULL) AS applied'
      : 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS applied'
    const core = coreOf(conn) ?? conn
    this.#longWaits.add(core)
    const result = await runDetachableWait(
      {
        clock: this.#clock,
        timeoutMS: remainingMS,
        graceMS: AWAIT_GRACE_MS,
        abortGraceMS: ABORT_GRACE_MS,
        signal: options.signal,
        release: (destroy) => {
          this.#longWaits.delete(core)
          this.release(conn, destroy)
        },
        abortError: () => this.#aborted(node, 'waiting for replication'),
        mapError: (error) => {
          const mapped = this.#mapError(error, node, MysqlErrorPhase.Execute)
          return { error: mapped, destroy: mapped.code === ErrorCode.NetworkError }
        },
      },
      () => conn.query<RowDataPacket[]>(sql, [token.value, remainingMS / 1000]),
    )
    if (result === 'hung') return false
    const applied: unknown = result[0][0]?.['applied']
    if (applied === null || applied === undefined) {
      this.#facts.set(node, {
        flavour: MysqlFlavour.MariaDB,
        type: NodeType.Primary,
        atMS: this.#clock.now(),
      })
      throw this.#refuseOnPrimary(node)
    }
    if (Number(applied) !== 0) return false
    if (!mariadb) return true // WAIT_FOR_EXECUTED_GTID_SET is exact: uuid:seq names the origin
    const leftMS = Math.max(1, options.timeoutMS - (this.#clock.monotonicMS() - started))
    return this.#confirmOrigin(node, token, { timeoutMS: leftMS, signal: options.signal })
  }

  /**
   * After MASTER_GTID_WAIT says "reached", checks that the replica holds the token's own transaction
   * and not merely a same-numbered one from another server (a diverged history after a failover).
   * Without that check a write lost with its primary could be acknowledged. One short query.
   */
  async #confirmOrigin(
    node: NodeAddress,
    token: CausalToken,
    options: AcquireOptions,
  ): Promise<boolean> {
    let conn: MysqlConnection
    try {
      conn = await this.acquire(node, options)
    } catch (error: unknown) {
      if (isReplicaKitError(error) && error.code === ErrorCode.ConnectTimeout) return false
      throw error
    }
    let destroy = false
    try {
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT @@global.gtid_binlog_state AS state, @@global.log_slave_updates AS lsu',
      )
      const row = rows[0]
      if (row === undefined || Number(row['lsu']) !== 1) return false // cannot verify: not confirmed
      return mariadbBinlogStateCovers(text(row['state']), token.value)
    } catch (error: unknown) {
      destroy = isBrokenConnection(conn)
      throw this.#mapError(error, node, MysqlErrorPhase.Execute)
    } finally {
      this.release(conn, destroy)
    }
  }

  positionCovers(position: string, token: CausalToken): boolean {
    return gtidCovers(position, token.value)
  }

  toError(error: unknown, node: NodeAddress): ReplicaKitError {
    return this.#mapError(error, node, MysqlErrorPhase.Execute)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const ending: Promise<unknown>[] = [...this.#pools.values()].map((pool) => pool.end())
    for (const link of this.#probeLinks.values()) {
      ending.push(link.connection.then((conn) => conn.end()))
    }
    this.#pools.clear()
    this.#probeLinks.clear()
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

  #mapError(error: unknown, node: NodeAddress, phase: MysqlErrorPhase): ReplicaKitError {
    return mapMysqlError(error, node, { phase, password: this.#options.password })
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

  #refuseOnPrimary(node: NodeAddress): NodeStateError {
    return new NodeStateError(
      `mysql node ${node} is writable (a primary): replication waits run only on replicas, re-probe the topology`,
      { code: ErrorCode.NotSupported, node, labels: [ErrorLabel.NodeStateChange] },
    )
  }

  #pool(node: NodeAddress): Pool {
    let pool = this.#pools.get(node)
    if (pool === undefined) {
      pool = mysql.createPool({
        ...toMysqlPoolOptions(this.#options, node),
        // No reset on every release: `release()` resets only the connections that need it.
        resetOnRelease: false,
        stream: this.#sockets.factory(node),
      })
      // Runs before mysql2 lends a new connection for the first time.
      pool.pool.on('connection', (core: CoreConnection) => {
        // An idle pooled connection whose server dies emits 'error'; never let that reach the process.
        core.on?.('error', () => undefined)
        // Plain statements leave no transaction open only under autocommit: check it (the server
        // default and init_connect both decide it) before the first borrower sends anything.
        checkAutocommit(core as unknown as ResettableConnection, watchSession(core))
      })
      this.#pools.set(node, pool)
    }
    return pool
  }

  /** The node's probe connection: kept between probes, replaced after any failure. */
  #probeLink(node: NodeAddress, timeoutMS: number): ProbeLink {
    const existing = this.#probeLinks.get(node)
    if (existing !== undefined) return existing
    const connectTimeoutMS = probeConnectTimeoutMS(this.#options.connectTimeoutMS, timeoutMS)
    // mysql2 calls the socket factory synchronously, inside createConnection: fill the link then.
    const pending: { socket: Socket | undefined } = { socket: undefined }
    const connection = mysql.createConnection({
      ...toMysqlConnectionOptions(this.#options, node, connectTimeoutMS),
      stream: this.#sockets.factory(node, (socket) => {
        pending.socket = socket
      }),
    })
    const link: ProbeLink = { connection, socket: pending.socket }
    // Handlers name their own link: a late error of a replaced connection never drops its successor.
    connection.then(
      (conn) => {
        conn.on('error', () => {
          this.#dropProbeLink(node, link)
        })
      },
      () => {
        this.#dropProbeLink(node, link)
      },
    )
    this.#probeLinks.set(node, link)
    return link
  }

  #dropProbeLink(node: NodeAddress, link: ProbeLink): void {
    if (this.#probeLinks.get(node) === link) this.#probeLinks.delete(node)
    link.socket?.destroy()
  }
}

/**
 * Creates the MySQL/MariaDB adapter (the factory the `replicakit/mysql` entry point exports).
 *
 * ```ts
 * const adapter = createMysqlAdapter({ options, clock: systemClock })
 * const result = await adapter.probe('127.0.0.1:3307', { timeoutMS: 2000 })
 * ```
 */
export const createMysqlAdapter: AdapterFactory<MysqlConnection> = (context) =>
  new MysqlAdapter(context)
