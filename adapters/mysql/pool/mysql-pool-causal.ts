/**
 * Causal reads of the mysql2-compatible pool (read-your-writes with no proxy, as MaxScale's
 * `causal_reads` and ProxySQL's GTID tracking do it): the pool remembers the GTID of the last write
 * (DML or DDL) that went through it in a ReplicaKit `Session`, and a read routed to a replica runs
 * through `client.read(…, { session })`, which picks a replica whose known position covers it, or
 * waits there with `MASTER_GTID_WAIT` up to `causalWaitMS`; past that the pool reads on the primary.
 *
 * GTID capture costs no round trip on MariaDB: the pool asks each physical session to report
 * `last_gtid` in its OK packets (`session_track_system_variables`, pipelined with the first write
 * that session runs) and mysql2 3.24 hands the value over as `result.stateChanges.systemVariables`.
 * A write whose OK packet carries no GTID on a session not known to report it (or a write answering
 * with rows, or MySQL) reads `@@last_gtid` (`@@global.gtid_executed` on MySQL) on the same session.
 */
import type { QueryResult, RowDataPacket } from 'mysql2/promise'
import { Backend, ErrorCode, NodeType, isReplicaKitError } from '../../../src/index.js'
import type { CausalToken, ReplicaKitClient, Session } from '../../../src/index.js'
import type { MysqlConnection } from '../mysql-adapter.js'
import { gtidCovers } from '../mysql-gtid.js'
import { sessionStateOf } from '../mysql-session-state.js'
import { coreOf } from '../mysql-sockets.js'

/** How far the pool's read-your-writes reaches (the `causalReads` option). */
export const CausalReads = {
  /** Every read through the pool sees every earlier write through the pool (the default). */
  Pool: 'pool',
  /** A `getConnection()` connection's reads see that connection's own earlier writes only. */
  Connection: 'connection',
  /** No tracking: a replica read may miss the pool's latest writes. */
  None: 'none',
} as const

/** One of the values of {@link CausalReads}. */
export type CausalReads = (typeof CausalReads)[keyof typeof CausalReads]

/** How often the pool's causal reads could not be served at once by a replica (see `causalStats`). */
export interface CausalReadStats {
  /** Reads that carried a GTID to wait for. */
  readonly causalReads: number
  /** Of those, reads no replica was known to cover when they started (so a replica was waited for or the primary served them). */
  readonly waited: number
  /** Of those, reads the primary served after replicas did not catch up within `causalWaitMS`. */
  readonly fellBackToPrimary: number
  /** GTIDs taken from OK packets (no round trip). */
  readonly capturedFromOkPacket: number
  /** GTIDs read with an extra `SELECT` on the writing session. */
  readonly capturedBySelect: number
}

/** mysql2's `SERVER_STATUS_IN_TRANS`: the session has a transaction open, nothing committed yet. */
const SERVER_STATUS_IN_TRANS = 1
const TRACK_LAST_GTID =
  "SET SESSION session_track_system_variables = CONCAT(@@session.session_track_system_variables, ',last_gtid')"
const MARIADB_LIST = /^\d+-\d+-\d+(,\d+-\d+-\d+)*$/

/** Physical sessions known to report `last_gtid` in their OK packets (until their next reset). */
const TRACKING = new WeakSet<object>()

interface OkHeader {
  readonly serverStatus?: number
  readonly stateChanges?: { readonly systemVariables?: Readonly<Record<string, string>> }
}

/**
 * A physical session goes back to its node's pool: when it left session state (it is reset before
 * its next borrower, which drops the GTID reporting), the next write sets the reporting again.
 */
export function forgetGtidReporting(conn: MysqlConnection): void {
  const core = coreOf(conn)
  if (core === undefined || !TRACKING.has(core)) return
  const state = sessionStateOf(core)
  if (state === undefined || state.dirty || !state.autocommit) TRACKING.delete(core)
}

/** The OK packets of a result: one, several (multiple statements), or none (rows). */
function okHeaders(result: unknown): OkHeader[] {
  const isHeader = (value: unknown): value is OkHeader =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && 'affectedRows' in value
  if (isHeader(result)) return [result]
  return Array.isArray(result) && result.length > 0 && result.every(isHeader) ? result : []
}

/**
 * The later of two positions: MariaDB GTID lists merge to the highest seq per domain (sequence
 * numbers only grow inside a domain); anything else (MySQL's cumulative `gtid_executed`) is replaced.
 */
export function mergeGtids(known: string | undefined, next: string): string {
  if (known === undefined || !MARIADB_LIST.test(known) || !MARIADB_LIST.test(next)) return next
  const byDomain = new Map<string, { seq: bigint; gtid: string }>()
  for (const gtid of `${known},${next}`.split(',')) {
    const [domain = '', , seq = '0'] = gtid.split('-')
    const had = byDomain.get(domain)
    if (had === undefined || BigInt(seq) > had.seq) byDomain.set(domain, { seq: BigInt(seq), gtid })
  }
  return [...byDomain.values()].map((entry) => entry.gtid).join(',')
}

/** The causal-read state of one pool. @internal */
export class PoolCausality {
  readonly #client: ReplicaKitClient<MysqlConnection>
  readonly level: CausalReads
  readonly #poolSession: Session | undefined
  #causalReads = 0
  #waited = 0
  #fellBack = 0
  #fromOk = 0
  #bySelect = 0

  constructor(client: ReplicaKitClient<MysqlConnection>, level: CausalReads) {
    this.#client = client
    this.level = level
    this.#poolSession = level === CausalReads.Pool ? client.startSession() : undefined
  }

  /** The session a pool connection's statements advance and wait for. */
  sessionFor(own: Session | undefined): Session | undefined {
    return this.level === CausalReads.Pool ? this.#poolSession : own
  }

  /** A session for one pool connection, at level `connection`. */
  connectionSession(): Session | undefined {
    return this.level === CausalReads.Connection ? this.#client.startSession() : undefined
  }

  get stats(): CausalReadStats {
    return Object.freeze({
      causalReads: this.#causalReads,
      waited: this.#waited,
      fellBackToPrimary: this.#fellBack,
      capturedFromOkPacket: this.#fromOk,
      capturedBySelect: this.#bySelect,
    })
  }

  /**
   * Before a write on `conn`: on MariaDB, asks the session to report `last_gtid` in its OK packets,
   * pipelined (no wait). The setting only adds bytes to OK packets, so it does not count as session
   * state a reset must undo; a reset (or a new session) drops it and the next write sets it again.
   */
  beforeWrite(conn: MysqlConnection, session: Session | undefined): void {
    const core = coreOf(conn)
    if (session === undefined || core === undefined || core._isMariaDB !== true) return
    if (TRACKING.has(core)) return
    const state = sessionStateOf(core)
    const wasDirty = state?.dirty
    conn.query(TRACK_LAST_GTID).catch(() => undefined)
    if (state !== undefined && wasDirty !== undefined) state.dirty = wasDirty
    TRACKING.add(core)
  }

  /** After a statement that may have written on `conn`: moves `session` to the GTID it committed. */
  async afterWrite(
    conn: MysqlConnection,
    result: QueryResult,
    session: Session | undefined,
    pinned: boolean,
  ): Promise<void> {
    if (session === undefined) return
    const core = coreOf(conn)
    const headers = okHeaders(result)
    const last = headers.at(-1)
    try {
      if (last !== undefined && ((last.serverStatus ?? 0) & SERVER_STATUS_IN_TRANS) !== 0) return
      let gtid: string | undefined
      for (const header of headers) {
        const reported = header.stateChanges?.systemVariables?.['last_gtid']
        if (reported !== undefined && reported !== '') gtid = mergeGtids(gtid, reported)
      }
      if (gtid !== undefined) {
        this.#fromOk++
        this.#advance(session, gtid)
        return
      }
      // Nothing committed in a transaction still open, or a session that reports its GTIDs wrote none.
      if (pinned && headers.length === 0) return
      if (headers.length > 0 && core !== undefined && TRACKING.has(core)) return
      this.#bySelect++
      const mariadb = core?._isMariaDB !== false
      const [rows] = await conn.query<RowDataPacket[]>(
        mariadb ? 'SELECT @@last_gtid AS gtid' : 'SELECT @@global.gtid_executed AS gtid',
      )
      const value = String(rows[0]?.['gtid'] ?? '').replace(/\s+/g, '')
      if (value !== '') this.#advance(session, value)
    } catch {
      // The write itself succeeded: a GTID that cannot be read leaves the session where it was.
    }
  }

  /**
   * Runs a plain read: with `session`'s GTID, on a node that has applied it (a replica whose known
   * position covers it, one that catches up within `causalWaitMS`, else the primary unless the
   * read preference is `secondary`).
   */
  async read<T>(
    work: (conn: MysqlConnection) => Promise<T>,
    session: Session | undefined,
  ): Promise<T> {
    const token = session?.token ?? null
    if (session === undefined || token === null) return this.#client.read(work)
    this.#causalReads++
    if (!this.#anyReplicaCovers(token)) this.#waited++
    try {
      return await this.#client.read(work, { session })
    } catch (error: unknown) {
      if (!isReplicaKitError(error) || error.code !== ErrorCode.CausalWaitTimeout) throw error
      // readPreference=secondary forbids the primary: the caller gets the timeout.
      if (this.#client.options.readPreference.mode === 'secondary') throw error
      this.#fellBack++
      return await this.#client.read(work, { readPreference: 'primary' })
    }
  }

  #advance(session: Session, gtid: string): void {
    const value = mergeGtids(session.token?.value, gtid)
    session.advance({ backend: Backend.MySQL, value })
  }

  /** Whether a replica's last probed position covers `token` (MariaDB positions only). */
  #anyReplicaCovers(token: CausalToken): boolean {
    return this.#client.topology().nodes.some((node) => {
      if (node.type !== NodeType.Secondary) return false
      const position = node.details['gtidSlavePos']
      return typeof position === 'string' && gtidCovers(position, token.value)
    })
  }
}
