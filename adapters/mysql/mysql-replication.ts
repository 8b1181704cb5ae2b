/**
 * Replica waits for MySQL/MariaDB: the GTID of a session's last commit, and waiting until a replica
 * has applied it (MariaDB `MASTER_GTID_WAIT`, MySQL `WAIT_FOR_EXECUTED_GTID_SET`), never on the
 * primary. The core uses them for `w` > 1 and for a session's causal reads.
 */
import type { RowDataPacket } from 'mysql2/promise'
import {
  Backend,
  ErrorCode,
  ErrorLabel,
  NodeStateError,
  NodeType,
  isReplicaKitError,
} from '../../src/adapter.js'
import type {
  AcquireOptions,
  AwaitAppliedOptions,
  CausalToken,
  Clock,
  NodeAddress,
  ReplicaKitError,
  ReplicaWaits,
  TopologyView,
} from '../../src/adapter.js'
import { runDetachableWait } from './mysql-bounded.js'
import type { MysqlConnection, MysqlConnections } from './mysql-connections.js'
import { MysqlErrorPhase, mysqlErrorInfo } from './mysql-errors.js'
import { gtidCovers, mariadbBinlogStateCovers } from './mysql-gtid.js'
import { MysqlFlavour } from './mysql-probe.js'
import { text } from './mysql-roles.js'
import { coreOf, isBrokenConnection } from './mysql-sockets.js'

/** Extra time a replication wait gets beyond its server-side timeout before its socket is cut, ms. */
export const AWAIT_GRACE_MS = 1_000
/** After an abort, how long a replication wait may still finish (and keep its connection), ms. */
export const ABORT_GRACE_MS = 250
/** 1193: unknown system variable. */
const UNKNOWN_VARIABLE_ERRNO = 1193

/** What the replica waits need from the adapter around them. */
export interface MysqlReplicationContext {
  readonly clock: Clock
  readonly topology: TopologyView
  readonly connections: MysqlConnections
  readonly mapError: (error: unknown, node: NodeAddress, phase: MysqlErrorPhase) => ReplicaKitError
  readonly aborted: (node: NodeAddress, what: string) => ReplicaKitError
}

/** The MySQL adapter's replica waits. @internal */
export class MysqlReplication implements ReplicaWaits<MysqlConnection> {
  readonly #context: MysqlReplicationContext
  /** The `@@last_gtid` last reported per (core) connection, so an old GTID is not reported twice. */
  readonly #reportedGtid = new WeakMap<object, string>()

  constructor(context: MysqlReplicationContext) {
    this.#context = context
  }

  async lastWriteToken(conn: MysqlConnection): Promise<CausalToken | null> {
    const core = coreOf(conn)
    if (core?._isMariaDB !== false) {
      // MariaDB: the GTID of this session's last commit. A pooled session is not reset after a
      // plain write (see MysqlConnections.release), so the value may be an earlier borrower's: the
      // remembered one keeps a GTID from being reported twice, and one reported for a call that
      // wrote nothing only names a write that is already committed (waiting for it is harmless).
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

  async awaitApplied(
    node: NodeAddress,
    token: CausalToken,
    options: AwaitAppliedOptions,
  ): Promise<boolean> {
    if (token.value.trim() === '') return true
    const { clock, connections, topology } = this.#context
    const known = topology.node(node)
    if (known?.type === NodeType.Primary) throw refuseOnPrimary(node)
    const started = clock.monotonicMS()
    let conn: MysqlConnection
    try {
      conn = await connections.acquire(node, {
        timeoutMS: Math.max(1, options.timeoutMS),
        signal: options.signal,
      })
    } catch (error: unknown) {
      // No connection within the wait's own bound (a hung node, a full pool): not applied in time.
      if (isReplicaKitError(error) && error.code === ErrorCode.ConnectTimeout) return false
      throw error
    }
    const remainingMS = Math.max(0, options.timeoutMS - (clock.monotonicMS() - started))
    const flavour = known?.details['flavour']
    const mariadb =
      flavour === undefined ? coreOf(conn)?._isMariaDB !== false : flavour === MysqlFlavour.MariaDB
    // MASTER_GTID_WAIT waits on gtid_slave_pos, which a primary never advances: on a writable node
    // the IF skips it (NULL) instead of letting it time out.
    const sql = mariadb
      ? 'SELECT IF(@@global.read_only = 1, MASTER_GTID_WAIT(?, ?), NULL) AS applied'
      : 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS applied'
    const result = await connections.exemptFromSocketTimeout(conn, () =>
      runDetachableWait(
        {
          clock,
          timeoutMS: remainingMS,
          graceMS: AWAIT_GRACE_MS,
          abortGraceMS: ABORT_GRACE_MS,
          signal: options.signal,
          release: (destroy) => {
            connections.release(conn, destroy)
          },
          abortError: () => this.#context.aborted(node, 'waiting for replication'),
          mapError: (error) => {
            const mapped = this.#context.mapError(error, node, MysqlErrorPhase.Execute)
            return { error: mapped, destroy: mapped.code === ErrorCode.NetworkError }
          },
        },
        () => conn.query<RowDataPacket[]>(sql, [token.value, remainingMS / 1000]),
      ),
    )
    if (result === 'hung') return false
    const applied: unknown = result[0][0]?.['applied']
    if (applied === null || applied === undefined) throw refuseOnPrimary(node)
    if (Number(applied) !== 0) return false
    if (!mariadb) return true // WAIT_FOR_EXECUTED_GTID_SET is exact: uuid:seq names the origin
    const leftMS = Math.max(1, options.timeoutMS - (clock.monotonicMS() - started))
    return this.#confirmOrigin(node, token, { timeoutMS: leftMS, signal: options.signal })
  }

  positionCovers(position: string, token: CausalToken): boolean {
    return gtidCovers(position, token.value)
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
    const { connections } = this.#context
    let conn: MysqlConnection
    try {
      conn = await connections.acquire(node, options)
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
      throw this.#context.mapError(error, node, MysqlErrorPhase.Execute)
    } finally {
      connections.release(conn, destroy)
    }
  }
}

function refuseOnPrimary(node: NodeAddress): NodeStateError {
  return new NodeStateError(
    `mysql node ${node} is writable (a primary): replication waits run only on replicas, re-probe the topology`,
    { code: ErrorCode.NotSupported, node, labels: [ErrorLabel.NodeStateChange] },
  )
}
