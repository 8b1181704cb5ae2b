/**
 * The MariaDB replication procedures of the MySQL harness, as functions over root connections:
 * reading `SHOW SLAVE STATUS`, pointing a replica at a primary, draining a relay log before a
 * fail-over, and waiting until replicas catch up.
 *
 * @see ../../../shared/recipes/mariadb-replication.md ("Replicate", "Fail over by hand")
 */
import {
  describeNodeLog,
  isNodeProcess,
  type AdminConnections,
  type MysqlNodeState,
} from './mysql-node.js'
import { isProcessPaused, processRssKB, waitUntil } from './process-utils.js'

/** The roles a node can report. */
export const MYSQL_NODE_ROLES = Object.freeze(['primary', 'replica', 'down'] as const)
/** A node's role: writable (`read_only=0`), read-only, or not answering (dead or paused). */
export type MysqlNodeRole = (typeof MYSQL_NODE_ROLES)[number]

/** The parts of `SHOW SLAVE STATUS` the harness uses. */
export interface SlaveStatus {
  /** `Yes`, `No` or `Connecting`. */
  readonly ioRunning: string
  /** `Yes` or `No`. */
  readonly sqlRunning: string
  readonly masterHost: string
  readonly masterPort: number
  /** Whole seconds; `null` when a thread is stopped. */
  readonly secondsBehindMaster: number | null
  readonly gtidIoPos: string
  readonly lastIoErrno: number
  readonly lastIoError: string
  readonly lastSqlErrno: number
  readonly lastSqlError: string
  /** Everything received has been applied. */
  readonly relayLogApplied: boolean
}

/** One node's live state, read over its root socket. */
export interface MysqlNodeStatus {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly pid: number
  readonly role: MysqlNodeRole
  /** Stopped by SIGSTOP. */
  readonly paused: boolean
  readonly readOnly?: boolean
  readonly gtidCurrentPos?: string
  /** `SHOW SLAVE STATUS`, when the node is configured as a replica. */
  readonly replication?: SlaveStatus
  /** Resident memory of the server process, in KiB. */
  readonly rssKB?: number
  /** Why a live process counts as down (its root connection failed). */
  readonly error?: string
}

/** A column value as text: strings as they are, numbers in decimal, NULL as ''. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString()
  if (value instanceof Buffer) return value.toString('utf8')
  return ''
}

/** Reads `SHOW SLAVE STATUS` on `node`; `undefined` when it is not configured as a replica. */
export async function slaveStatus(
  admin: AdminConnections,
  node: MysqlNodeState,
  timeoutMS = 5_000,
): Promise<SlaveStatus | undefined> {
  const [row] = await admin.query(node, 'SHOW SLAVE STATUS', [], timeoutMS)
  if (row === undefined) return undefined
  const text = (key: string): string => asText(row[key])
  const behind = row['Seconds_Behind_Master']
  return {
    ioRunning: text('Slave_IO_Running'),
    sqlRunning: text('Slave_SQL_Running'),
    masterHost: text('Master_Host'),
    masterPort: Number(row['Master_Port']),
    secondsBehindMaster: behind === null || behind === undefined ? null : Number(behind),
    gtidIoPos: text('Gtid_IO_Pos'),
    lastIoErrno: Number(row['Last_IO_Errno'] ?? 0),
    lastIoError: text('Last_IO_Error'),
    lastSqlErrno: Number(row['Last_SQL_Errno'] ?? 0),
    lastSqlError: text('Last_SQL_Error'),
    // A partly received event group never executes, so the state text is checked too.
    relayLogApplied:
      (text('Relay_Master_Log_File') === text('Master_Log_File') &&
        Number(row['Exec_Master_Log_Pos']) === Number(row['Read_Master_Log_Pos'])) ||
      text('Slave_SQL_Running_State').includes('read all relay log'),
  }
}

/**
 * An Error describing why replication stopped on `node`, or `undefined` if it has not. With
 * `threads: 'sql'` the IO thread is ignored (it was stopped on purpose, its last error is stale).
 * The Error carries `ioErrno` and `sqlErrno` (e.g. 1236 for a GTID strict-mode conflict).
 */
export function replicationError(
  node: MysqlNodeState,
  status: SlaveStatus,
  threads: 'both' | 'sql' = 'both',
): Error | undefined {
  const problems: string[] = []
  if (threads === 'both' && status.ioRunning === 'No' && status.lastIoErrno !== 0) {
    problems.push(`IO thread error ${status.lastIoErrno}: ${status.lastIoError}`)
  }
  if (status.sqlRunning === 'No' && status.lastSqlErrno !== 0) {
    problems.push(`SQL thread error ${status.lastSqlErrno}: ${status.lastSqlError}`)
  }
  if (problems.length === 0) return undefined
  const source = `${status.masterHost}:${status.masterPort}`
  const message = `${node.name} stopped replicating from ${source}: ${problems.join('; ')}`
  return Object.assign(new Error(message), {
    ioErrno: status.lastIoErrno,
    sqlErrno: status.lastSqlErrno,
  })
}

/** Waits until both replication threads of `node` run; throws the replication error if one stops. */
export async function waitReplicating(
  admin: AdminConnections,
  node: MysqlNodeState,
  timeoutMS: number,
): Promise<void> {
  let last: SlaveStatus | undefined
  await waitUntil(
    async () => {
      last = await slaveStatus(admin, node)
      if (last === undefined) throw new Error(`${node.name} is not configured as a replica`)
      const failure = replicationError(node, last)
      if (failure !== undefined) throw failure
      return last.ioRunning === 'Yes' && last.sqlRunning === 'Yes' ? true : undefined
    },
    {
      what: `${node.name} to replicate (both threads running)`,
      timeoutMS,
      diagnose: async () =>
        `IO ${last?.ioRunning ?? '?'} ${last?.lastIoError ?? ''}, SQL ${last?.sqlRunning ?? '?'}\n` +
        (await describeNodeLog(node)),
    },
  )
}

/** Reads one global variable (`gtid_slave_pos`, …) as a string. */
export async function readVariable(
  admin: AdminConnections,
  node: MysqlNodeState,
  variable: string,
): Promise<string> {
  const [row] = await admin.query(node, `SELECT @@${variable} AS v`)
  return asText(row?.['v'])
}

/** Replication settings shared by every replica of a cluster. */
export interface ReplicationSource {
  readonly primary: MysqlNodeState
  readonly replPassword: string
}

/**
 * Points `node` at `source.primary` (`STOP SLAVE; CHANGE MASTER TO … MASTER_USE_GTID=useGtid,
 * MASTER_CONNECT_RETRY=1; START SLAVE`) and waits until both threads run.
 */
export async function followPrimary(
  admin: AdminConnections,
  node: MysqlNodeState,
  source: ReplicationSource,
  useGtid: 'slave_pos' | 'current_pos',
  timeoutMS: number,
): Promise<void> {
  await admin.query(node, 'STOP SLAVE')
  await admin.query(
    node,
    `CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = 'repl', ` +
      `MASTER_PASSWORD = ?, MASTER_USE_GTID = ${useGtid}, MASTER_CONNECT_RETRY = 1`,
    [source.primary.host, source.primary.port, source.replPassword],
  )
  await admin.query(node, 'START SLAVE')
  await waitReplicating(admin, node, timeoutMS)
}

/**
 * Fail-over step 2 on one replica: `STOP SLAVE IO_THREAD`, restart a SQL thread stopped to inject
 * lag, wait until everything received is applied, and read the position. Throws on a SQL thread
 * error.
 */
export async function drainRelayLog(
  admin: AdminConnections,
  node: MysqlNodeState,
  timeoutMS: number,
): Promise<PromotionCandidate> {
  const initial = await slaveStatus(admin, node)
  await admin.query(node, 'STOP SLAVE IO_THREAD')
  if (initial?.sqlRunning === 'No') {
    const failure = replicationError(node, initial, 'sql')
    if (failure !== undefined) throw failure
    await admin.query(node, 'START SLAVE SQL_THREAD')
  }
  await waitUntil(
    async () => {
      const status = await slaveStatus(admin, node)
      if (status === undefined) return true
      const failure = replicationError(node, status, 'sql')
      if (failure !== undefined) throw failure
      return status.relayLogApplied ? true : undefined
    },
    {
      what: `${node.name} to apply its relay log`,
      timeoutMS,
      diagnose: () => describeNodeLog(node),
    },
  )
  // gtid_current_pos, not the recipe's gtid_slave_pos: a rejoined former primary's own
  // transactions are only in its binlog, so its gtid_slave_pos can be empty although it has them.
  const pos = await readVariable(admin, node, 'gtid_current_pos')
  return { node, pos, wasFetching: initial !== undefined && initial.ioRunning !== 'No' }
}

/**
 * Waits until every replica in `replicas` has applied `primary`'s `@@gtid_binlog_pos`, comparing
 * with each replica's `@@gtid_current_pos` (`MASTER_GTID_WAIT` would hang on a rejoined former
 * primary, whose `gtid_slave_pos` starts empty). Throws on a replication error or timeout.
 */
export async function waitCaughtUp(
  admin: AdminConnections,
  primary: MysqlNodeState,
  replicas: readonly MysqlNodeState[],
  timeoutMS: number,
): Promise<void> {
  const target = await readVariable(admin, primary, 'gtid_binlog_pos')
  await Promise.all(
    replicas.map((node) =>
      waitUntil(
        async () => {
          const status = await slaveStatus(admin, node)
          const failure = status === undefined ? undefined : replicationError(node, status)
          if (failure !== undefined) throw failure
          const pos = await readVariable(admin, node, 'gtid_current_pos')
          return isGtidAhead(target, pos) ? undefined : true
        },
        {
          what: `${node.name} to apply ${primary.name}'s binlog up to ${target}`,
          timeoutMS,
          diagnose: () => describeNodeLog(node),
        },
      ),
    ),
  )
}

/** Credentials a new cluster gets. */
export interface ClusterUsers {
  readonly database: string
  readonly appUser: string
  readonly appPassword: string
  readonly replPassword: string
}

/**
 * Creates `repl` (REPLICATION SLAVE), the application database, and the application user (DML and
 * DDL on that database, `SLAVE MONITOR, BINLOG MONITOR, REPLICATION MASTER ADMIN ON *.*`) on the primary; they replicate.
 */
export async function createClusterUsers(
  admin: AdminConnections,
  primary: MysqlNodeState,
  users: ClusterUsers,
): Promise<void> {
  const { appUser, appPassword, replPassword, database } = users
  const dml = 'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX'
  const statements: [string, unknown[]][] = [
    [`CREATE USER 'repl'@'%' IDENTIFIED BY ?`, [replPassword]],
    [`GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'`, []],
    [`CREATE DATABASE \`${database}\``, []],
    [`CREATE USER ?@'%' IDENTIFIED BY ?`, [appUser, appPassword]],
    [`GRANT ${dml} ON \`${database}\`.* TO ?@'%'`, [appUser]],
    // Never ALL ON *.*: in 10.11 that includes READ_ONLY ADMIN (writes on read-only replicas).
    // REPLICATION MASTER ADMIN lets the probe run SHOW SLAVE HOSTS on the primary (discovery of replicas
    // not listed in the URI); it does not let the user write to a read-only replica.
    [`GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION MASTER ADMIN ON *.* TO ?@'%'`, [appUser]],
  ]
  for (const [sql, values] of statements) await admin.query(primary, sql, values)
}

/** A promotion candidate after draining its relay log. */
export interface PromotionCandidate {
  readonly node: MysqlNodeState
  /** `@@gtid_current_pos`: everything it has applied or written. */
  readonly pos: string
  /** Its IO thread ran before the drain (so a refused promotion restarts it). */
  readonly wasFetching: boolean
}

/**
 * Picks the replica to promote: `name` if given, else the most advanced. Throws when the pick is
 * behind another candidate in some domain (promoting it would lose transactions).
 */
export function choosePromotion(
  candidates: readonly PromotionCandidate[],
  name?: string,
): PromotionCandidate {
  const ranked = [...candidates].sort((a, b) => gtidWeight(b.pos) - gtidWeight(a.pos))
  const chosen = ranked.find((c) => c.node.name === name) ?? ranked[0]
  if (chosen === undefined) throw new Error('cannot promote: no candidate')
  const ahead = ranked.find((c) => isGtidAhead(c.pos, chosen.pos))
  if (ahead !== undefined) {
    throw new Error(
      `cannot promote ${chosen.node.name} (gtid_current_pos ${chosen.pos || 'empty'}): ` +
        `${ahead.node.name} has applied more (${ahead.pos}); omit the name to pick the most advanced`,
    )
  }
  return chosen
}

/** Reads a node's role and replication state; a dead, paused or unreachable node is `down`. */
export async function readNodeStatus(
  admin: AdminConnections,
  node: MysqlNodeState,
): Promise<MysqlNodeStatus> {
  const base = { name: node.name, host: node.host, port: node.port, pid: node.pid }
  if (!isNodeProcess(node)) return { ...base, role: 'down', paused: false }
  const rssKB = processRssKB(node.pid)
  // A paused server accepts TCP but never answers: do not wait on it.
  if (isProcessPaused(node.pid)) return { ...base, role: 'down', paused: true, rssKB }
  try {
    const sql = 'SELECT @@read_only AS readOnly, @@gtid_current_pos AS pos'
    const [row] = await admin.query(node, sql, [], 2_000)
    const replication = await slaveStatus(admin, node, 2_000)
    const readOnly = Number(row?.['readOnly']) === 1
    const gtidCurrentPos = asText(row?.['pos'])
    const role = readOnly ? 'replica' : 'primary'
    return { ...base, role, paused: false, readOnly, gtidCurrentPos, replication, rssKB }
  } catch (error: unknown) {
    return { ...base, role: 'down', paused: false, rssKB, error: (error as Error).message }
  }
}

/** Parses a GTID list such as `0-1-12,1-3-4` into domain → sequence number. */
export function parseGtidList(list: string): Map<number, number> {
  const positions = new Map<number, number>()
  for (const gtid of list.split(',').map((s) => s.trim())) {
    const [domain, , seq] = gtid.split('-').map(Number)
    if (domain !== undefined && seq !== undefined && !Number.isNaN(seq)) positions.set(domain, seq)
  }
  return positions
}

/** Whether GTID list `a` holds a later sequence number than `b` in some domain. */
export function isGtidAhead(a: string, b: string): boolean {
  const before = parseGtidList(b)
  return [...parseGtidList(a)].some(([domain, seq]) => seq > (before.get(domain) ?? 0))
}

/** Sum of sequence numbers over all domains: a total order for choosing among replicas. */
export function gtidWeight(list: string): number {
  return [...parseGtidList(list).values()].reduce((sum, seq) => sum + seq, 0)
}
