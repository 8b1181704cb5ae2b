/**
 * Pure role logic of the MySQL/MariaDB probe: flavour and version, replica status in both column
 * spellings, the role table, and the read_only-bypass privilege check.
 *
 * Role table (docs/mysql.md "Roles"; "replicating" = a replica status row with a source host):
 *
 * | read_only | replicating | IO / SQL threads, errors | type | state |
 * |---|---|---|---|---|
 * | OFF | no | — | Primary | PRIMARY |
 * | OFF | yes | any (writable replica: a second primary claim, warned; the core refuses writes) | Primary | PRIMARY |
 * | ON | yes | both `Yes`, no error, no delay | Secondary | SECONDARY |
 * | ON | yes | IO `Yes`, SQL stopped, no error (paused applier: lag unknown unless measured by the heartbeat table, so any staleness bound skips it; warned) | Secondary | SECONDARY |
 * | ON | yes | IO `Connecting`/`No` with no error or a connection error, SQL `Yes` without error (source lost: staleness grows; warned) | Secondary | SECONDARY |
 * | ON | yes | both `Yes`, `SQL_Delay` > 0 (delayed member: never read) | Other | SECONDARY |
 * | ON | yes | any other IO state or error (e.g. 1236), `Last_SQL_Error` set, or both threads stopped | Other | RECOVERING |
 * | ON | no | — (not configured yet, or demoted and not yet re-pointed) | Other | STARTUP |
 *
 * `read_only` means `@@read_only` or (MySQL) `@@super_read_only`. A writable node whose replica
 * status cannot be read (missing privilege) counts as Primary, with a warning; a read-only one as
 * Other/RECOVERING. The probe cannot tell a member source from an outside one, so a writable node
 * replicating from outside the set is also a primary claim.
 */
import { NodeState, NodeType, formatNodeAddress } from '../../src/adapter.js'
import type { NodeAddress } from '../../src/adapter.js'

/** The server flavours the adapter tells apart. */
export const MysqlFlavour = {
  MariaDB: 'mariadb',
  MySQL: 'mysql',
} as const

/** One of the values of {@link MysqlFlavour}. */
export type MysqlFlavour = (typeof MysqlFlavour)[keyof typeof MysqlFlavour]

/** A result row as mysql2 returns it (column name → value). */
export type MysqlRow = Readonly<Record<string, unknown>>

/** Global variables as lower-case name → value (`SHOW GLOBAL VARIABLES` or `SELECT @@global.…`). */
export type MysqlVariables = Readonly<Record<string, string | null>>

/** Which flavour a node is, from `version`/`version_comment`. */
export function detectMysqlFlavour(variables: MysqlVariables): MysqlFlavour {
  const text = `${variables['version'] ?? ''} ${variables['version_comment'] ?? ''}`
  return /mariadb/i.test(text) ? MysqlFlavour.MariaDB : MysqlFlavour.MySQL
}

/** `[major, minor, patch]` of a version string such as `10.11.19-MariaDB-0+deb12u1-log`. */
export function parseMysqlVersion(
  version: string | null | undefined,
): readonly [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? '')
  return match === null ? [0, 0, 0] : [Number(match[1]), Number(match[2]), Number(match[3])]
}

function atLeast(version: readonly number[], wanted: readonly number[]): boolean {
  for (let i = 0; i < wanted.length; i++) {
    const a = version[i] ?? 0
    const b = wanted[i] ?? 0
    if (a !== b) return a > b
  }
  return true
}

/** Whether the server accepts the `REPLICA` spellings (MariaDB ≥ 10.5.1, MySQL ≥ 8.0.22). */
export function supportsReplicaKeyword(
  flavour: MysqlFlavour,
  version: string | null | undefined,
): boolean {
  const v = parseMysqlVersion(version)
  return flavour === MysqlFlavour.MariaDB ? atLeast(v, [10, 5, 1]) : atLeast(v, [8, 0, 22])
}

/** The replica-status statement for this server (`SHOW REPLICA STATUS` where accepted). */
export function replicaStatusSql(
  flavour: MysqlFlavour,
  version: string | null | undefined,
): string {
  return supportsReplicaKeyword(flavour, version) ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS'
}

/** The statement that lists a source's registered replicas. */
export function replicaHostsSql(flavour: MysqlFlavour, version: string | null | undefined): string {
  return flavour === MysqlFlavour.MySQL && supportsReplicaKeyword(flavour, version)
    ? 'SHOW REPLICAS'
    : 'SHOW SLAVE HOSTS'
}

/** The first present column among `names` (old and new spellings). @internal */
export function column(row: MysqlRow | undefined, ...names: string[]): unknown {
  if (row === undefined) return undefined
  for (const name of names) if (row[name] !== undefined) return row[name]
  return undefined
}

/** A column value as text (`''` for NULL). @internal */
export function text(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value)
  }
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  return JSON.stringify(value)
}

/** A column value as a number, `null` for NULL or junk. @internal */
export function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null
  const n = Number(value)
  return Number.isFinite(n) ? n : null
}

/** Whether a boolean variable is set (`1` or `ON`). @internal */
export function isOn(value: string | null | undefined): boolean {
  return value === '1' || value?.toUpperCase() === 'ON'
}

/** The replication facts of one node, from its replica status rows, in both spellings. */
export interface MysqlReplicationSummary {
  readonly configured: boolean
  readonly ioRunning: string
  readonly sqlRunning: string
  readonly source: NodeAddress | null
  readonly secondsBehindSource: number | null
  readonly lastIoError: string
  /** `Last_IO_Errno` (0 when none, `null` when the column is missing). */
  readonly lastIoErrno: number | null
  readonly lastSqlError: string
  /** GTIDs the IO thread received (`Gtid_IO_Pos` / `Retrieved_Gtid_Set`). */
  readonly receivedGtids: string
  readonly sqlDelaySeconds: number
  readonly channels: number
  readonly healthy: boolean
}

/** Reads the replica status rows (first channel decides; every channel must be healthy). */
export function summariseReplication(rows: readonly MysqlRow[]): MysqlReplicationSummary {
  const configuredRows = rows.filter((r) => text(column(r, 'Source_Host', 'Master_Host')) !== '')
  const first = configuredRows[0]
  const host = text(column(first, 'Source_Host', 'Master_Host'))
  const port = numberOrNull(column(first, 'Source_Port', 'Master_Port')) ?? 3306
  const rowHealthy = (r: MysqlRow): boolean =>
    text(column(r, 'Replica_IO_Running', 'Slave_IO_Running')) === 'Yes' &&
    text(column(r, 'Replica_SQL_Running', 'Slave_SQL_Running')) === 'Yes' &&
    text(column(r, 'Last_IO_Error')) === '' &&
    text(column(r, 'Last_SQL_Error')) === ''
  return {
    configured: first !== undefined,
    ioRunning: text(column(first, 'Replica_IO_Running', 'Slave_IO_Running')),
    sqlRunning: text(column(first, 'Replica_SQL_Running', 'Slave_SQL_Running')),
    source: first === undefined ? null : formatNodeAddress(host, port),
    secondsBehindSource: numberOrNull(
      column(first, 'Seconds_Behind_Source', 'Seconds_Behind_Master'),
    ),
    lastIoError: text(column(first, 'Last_IO_Error')),
    lastIoErrno: numberOrNull(column(first, 'Last_IO_Errno')),
    lastSqlError: text(column(first, 'Last_SQL_Error')),
    receivedGtids: text(column(first, 'Gtid_IO_Pos', 'Retrieved_Gtid_Set')),
    sqlDelaySeconds: numberOrNull(column(first, 'SQL_Delay')) ?? 0,
    channels: configuredRows.length,
    healthy: configuredRows.length > 0 && configuredRows.every(rowHealthy),
  }
}

/** Privileges that let a user write to a `read_only` node. */
const BYPASS_PRIVILEGES: Readonly<Record<MysqlFlavour, readonly string[]>> = {
  mariadb: ['ALL', 'ALL PRIVILEGES', 'SUPER', 'READ_ONLY ADMIN'],
  mysql: ['ALL', 'ALL PRIVILEGES', 'SUPER', 'CONNECTION_ADMIN'],
}

/**
 * The global privileges in `grants` that bypass `read_only` (MariaDB `READ_ONLY ADMIN`/`SUPER`, which
 * `ALL` includes in 10.11; MySQL `SUPER`/`CONNECTION_ADMIN`). Role grants are not expanded.
 */
export function readOnlyBypassPrivileges(
  grants: readonly string[],
  flavour: MysqlFlavour,
): string[] {
  const found = new Set<string>()
  for (const line of grants) {
    const match = /^GRANT\s+(.+?)\s+ON\s+(\S+)\s+TO\s/i.exec(line)
    if (match === null || match[2]?.replace(/`/g, '') !== '*.*') continue
    for (const privilege of (match[1] ?? '').split(',')) {
      const name = privilege.trim().toUpperCase().replace(/\s+/g, ' ')
      if (BYPASS_PRIVILEGES[flavour].includes(name)) found.add(name)
    }
  }
  return [...found]
}

/** The role decision alone (see the table in this module's comment). */
export interface MysqlRole {
  readonly type: NodeType
  readonly state: NodeState
  readonly warnings: readonly string[]
}

/** Decides a node's role from its read_only flag and replication summary. Pure. */
export function classifyMysqlNode(
  readOnly: boolean,
  replication: MysqlReplicationSummary | null,
): MysqlRole {
  if (replication === null) {
    const hint =
      'grant SLAVE MONITOR (MariaDB) or REPLICATION CLIENT (MySQL) to the application user'
    return readOnly
      ? {
          type: NodeType.Other,
          state: NodeState.Recovering,
          warnings: [`cannot read the replica status: ${hint}`],
        }
      : {
          type: NodeType.Primary,
          state: NodeState.Primary,
          warnings: [`cannot verify that this writable node replicates from nobody: ${hint}`],
        }
  }
  if (!replication.configured) {
    return readOnly
      ? { type: NodeType.Other, state: NodeState.Startup, warnings: [] }
      : { type: NodeType.Primary, state: NodeState.Primary, warnings: [] }
  }
  if (!readOnly) {
    // A writable node accepts writes whatever it replicates from: it claims to be a primary. With
    // the real primary also writable, the core sees two claims (split brain) and refuses writes.
    return {
      type: NodeType.Primary,
      state: NodeState.Primary,
      warnings: [
        `replica of ${replication.source ?? '?'} is writable (read_only=OFF): writes to it diverge from the primary; SET GLOBAL read_only=ON`,
      ],
    }
  }
  // An applier stopped on purpose (no error, IO thread still receiving) is a lagging replica: it
  // stays readable and the max-staleness rule decides whether a read may use it.
  const applyPaused =
    replication.ioRunning === 'Yes' &&
    replication.sqlRunning === 'No' &&
    replication.lastIoError === '' &&
    replication.lastSqlError === ''
  // A replica whose source is gone (dead, or unreachable) still serves consistent data, like a
  // MongoDB secondary without a primary: readable, its staleness growing (see mysql-probe-lag.ts).
  const sourceLost = isSourceLost(replication)
  if (!replication.healthy && !applyPaused && !sourceLost)
    return { type: NodeType.Other, state: NodeState.Recovering, warnings: [] }
  if (replication.sqlDelaySeconds > 0) {
    return { type: NodeType.Other, state: NodeState.Secondary, warnings: [] }
  }
  const warnings = applyPaused
    ? ['the SQL thread is stopped: this replica falls behind; bound reads with maxStalenessSeconds']
    : sourceLost
      ? [
          `source ${replication.source ?? '?'} unreachable (IO thread ${replication.ioRunning || '?'}): this replica stays readable, its staleness growing; bound reads with maxStalenessSeconds`,
        ]
      : []
  return { type: NodeType.Secondary, state: NodeState.Secondary, warnings }
}

/**
 * `Last_IO_Errno` values meaning "the source is unreachable or refused the connection" (client 2002,
 * 2003, 2005, 2006, 2013, 2026; server 1040, 1045, 1053, 1129, 1130, 1927), not a broken stream (1236).
 */
const SOURCE_UNREACHABLE_ERRNOS: ReadonlySet<number> = new Set([
  1040, 1045, 1053, 1129, 1130, 1927, 2002, 2003, 2005, 2006, 2013, 2026,
])

/**
 * Whether a replica has lost its source but applies cleanly: one channel, the IO thread not
 * receiving (`Connecting`, or `No`) with no error or a connection error, the SQL thread running
 * without error. Its data is consistent, only older than the source's.
 */
export function isSourceLost(replication: MysqlReplicationSummary): boolean {
  const ioErrorIsConnection =
    replication.lastIoError === '' ||
    (replication.lastIoErrno !== null && SOURCE_UNREACHABLE_ERRNOS.has(replication.lastIoErrno))
  return (
    replication.configured &&
    replication.channels === 1 &&
    (replication.ioRunning === 'Connecting' || replication.ioRunning === 'No') &&
    ioErrorIsConnection &&
    replication.sqlRunning === 'Yes' &&
    replication.lastSqlError === ''
  )
}

/** Whether writes by ordinary users are refused: `read_only` or (MySQL) `super_read_only`. */
export function isReadOnly(variables: MysqlVariables): boolean {
  return isOn(variables['read_only']) || isOn(variables['super_read_only'])
}

/** The addresses of the replicas a source lists (rows without a reported host are skipped). */
export function replicaHostAddresses(rows: readonly MysqlRow[]): NodeAddress[] {
  const out: NodeAddress[] = []
  for (const row of rows) {
    const host = text(column(row, 'Host'))
    const port = numberOrNull(column(row, 'Port'))
    if (host !== '' && port !== null && port > 0) out.push(formatNodeAddress(host, port))
  }
  return out
}
