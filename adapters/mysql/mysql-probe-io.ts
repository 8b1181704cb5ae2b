/**
 * The probe's I/O: runs the probe statements on one connection and collects their rows for
 * `probeRowsToResult`, including the optional heartbeat write (primary) or read (replica).
 */
import type { Connection as CallbackConnection } from 'mysql2'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { NodeType } from '../../src/adapter.js'
import { mysqlErrorInfo } from './mysql-errors.js'
import {
  PROBE_GRANTS_SQL,
  PROBE_VARIABLES,
  PROBE_VARIABLES_SQL,
  classifyProbeRows,
  selectVariablesSql,
} from './mysql-probe.js'
import type { MysqlProbeRows } from './mysql-probe.js'
import { CHEAP_PROBE_SQL } from './mysql-probe-cheap.js'
import {
  MysqlFlavour,
  detectMysqlFlavour,
  isReadOnly,
  numberOrNull,
  replicaHostsSql,
  replicaStatusSql,
  summariseReplication,
  text,
} from './mysql-roles.js'
import type { MysqlRow } from './mysql-roles.js'

/** Access denied for a statement: 1227 (needs a privilege), 1142/1143 (table/column), 1044 (database). */
const DENIED_ERRNOS: ReadonlySet<number> = new Set([1044, 1142, 1143, 1227])
/** 1064: the server does not know the statement (an older version without the `REPLICA` spelling). */
const SYNTAX_ERRNO = 1064
/** 1193: unknown system variable (the server was replaced by another version). */
const UNKNOWN_VARIABLE_ERRNO = 1193
/** 1146: the heartbeat table has not replicated here yet. */
const NO_SUCH_TABLE_ERRNO = 1146

/** How {@link readProbeRows} treats the heartbeat table. */
export interface ProbePlan {
  /**
   * Variables an earlier probe found on this node: read with one `SELECT @@global.…` (about 5×
   * cheaper than `SHOW GLOBAL VARIABLES`, which scans them all). Absent: use `SHOW`.
   */
  readonly variableNames?: readonly string[]
  /** The quoted heartbeat table, or `undefined` for no heartbeat. */
  readonly heartbeatTable: string | undefined
  /** The table is known to exist on this node (skip `CREATE TABLE IF NOT EXISTS`). */
  readonly heartbeatReady: boolean
  /** `false` when another node also looked writable: never write to a maybe-split-brain primary. */
  readonly mayWriteHeartbeat: boolean
}

function asText(value: unknown): string | null {
  return value == null ? null : text(value)
}

/** Reads {@link PROBE_VARIABLES}: by name when known, else with `SHOW GLOBAL VARIABLES`. */
async function readVariables(
  conn: Connection,
  names: readonly string[] | undefined,
): Promise<Record<string, string | null>> {
  const known = names?.filter((n) => (PROBE_VARIABLES as readonly string[]).includes(n)) ?? []
  if (known.length > 0) {
    try {
      const [rows] = await conn.query<RowDataPacket[]>(selectVariablesSql(known))
      const row: Record<string, unknown> = rows[0] ?? {}
      return Object.fromEntries(known.map((n) => [n, asText(row[n])]))
    } catch (error: unknown) {
      if (mysqlErrorInfo(error).errno !== UNKNOWN_VARIABLE_ERRNO) throw error
    }
  }
  const [rows] = await conn.query<RowDataPacket[]>(PROBE_VARIABLES_SQL)
  const variables: Record<string, string | null> = {}
  for (const row of rows)
    variables[String(row['Variable_name']).toLowerCase()] = asText(row['Value'])
  return variables
}

/** Runs the first statement the server accepts; `null` when access is denied. */
async function optionalRows(
  conn: Connection,
  statements: readonly string[],
): Promise<MysqlRow[] | null> {
  for (const [i, sql] of statements.entries()) {
    try {
      const [rows] = await conn.query<RowDataPacket[]>(sql)
      return rows
    } catch (error: unknown) {
      const errno = mysqlErrorInfo(error).errno
      if (errno === SYNTAX_ERRNO && i < statements.length - 1) continue
      if (errno !== undefined && DENIED_ERRNOS.has(errno)) return null
      throw error
    }
  }
  return null
}

/** The probe's heartbeat step: the primary writes the row, a replica reads its age. @internal */
export async function heartbeat(
  conn: Connection,
  rows: Pick<MysqlProbeRows, 'variables' | 'replicaStatus'>,
  plan: ProbePlan,
  notes: string[],
): Promise<{ lagMicros: number | null | undefined; ready: boolean }> {
  const table = plan.heartbeatTable
  if (table === undefined) return { lagMicros: undefined, ready: plan.heartbeatReady }
  const role = classifyProbeRows(rows)
  const describe = (error: unknown): string => {
    const info = mysqlErrorInfo(error)
    return `${String(info.errno ?? info.code ?? '?')}: ${info.message}`
  }
  const replicating =
    rows.replicaStatus !== null && summariseReplication(rows.replicaStatus).configured
  if (role.type === NodeType.Primary && replicating) {
    // A writable replica claims to be a primary, but a heartbeat written there would be an errant
    // transaction (gtid_strict_mode then breaks its replication): read the source's row instead.
    notes.push('heartbeat not written: this writable node replicates from another')
  } else if (role.type === NodeType.Primary) {
    if (!plan.mayWriteHeartbeat) {
      notes.push(`heartbeat not written: another node also looks writable (split brain?)`)
      return { lagMicros: undefined, ready: plan.heartbeatReady }
    }
    try {
      if (!plan.heartbeatReady) {
        await conn.query(
          `CREATE TABLE IF NOT EXISTS ${table} (id TINYINT UNSIGNED NOT NULL PRIMARY KEY, ts DATETIME(6) NOT NULL) ENGINE=InnoDB`,
        )
      }
      // UTC_TIMESTAMP, not NOW(): the row replicates verbatim, whatever the sessions' time zones.
      await conn.query(`REPLACE INTO ${table} (id, ts) VALUES (1, UTC_TIMESTAMP(6))`)
      return { lagMicros: undefined, ready: true }
    } catch (error: unknown) {
      notes.push(
        `heartbeat write to ${table} failed (${describe(error)}): grant CREATE, INSERT, DELETE on it or unset heartbeatTable`,
      )
      return { lagMicros: undefined, ready: false }
    }
  }
  if (!replicating) return { lagMicros: undefined, ready: plan.heartbeatReady }
  try {
    const [found] = await conn.query<RowDataPacket[]>(
      `SELECT TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) AS lag_us FROM ${table} WHERE id = 1`,
    )
    return { lagMicros: numberOrNull(found[0]?.['lag_us']), ready: plan.heartbeatReady }
  } catch (error: unknown) {
    if (mysqlErrorInfo(error).errno !== NO_SUCH_TABLE_ERRNO) {
      notes.push(`heartbeat read from ${table} failed (${describe(error)}): grant SELECT on it`)
    }
    return { lagMicros: null, ready: plan.heartbeatReady }
  }
}

/**
 * Runs the probe statements on `conn` (one round trip each: variables, replica status, replica
 * list, grants, then the heartbeat) and collects their rows. Statements the user may not run give
 * `null` (and a note where it matters); anything else throws the driver error.
 */
export async function readProbeRows(
  conn: Connection,
  plan: ProbePlan,
): Promise<
  MysqlProbeRows & { readonly heartbeatReady: boolean; readonly variableNames: string[] }
> {
  const notes: string[] = []
  const variables = await readVariables(conn, plan.variableNames)
  const flavour = detectMysqlFlavour(variables)
  const version = variables['version']
  const replicaStatus = await optionalRows(conn, [
    replicaStatusSql(flavour, version),
    'SHOW SLAVE STATUS',
  ])
  const replicaHosts = await optionalRows(conn, [
    replicaHostsSql(flavour, version),
    'SHOW SLAVE HOSTS',
  ])
  if (replicaHosts === null && !isReadOnly(variables)) {
    notes.push(
      `cannot list this node's replicas: grant ${flavour === MysqlFlavour.MariaDB ? 'REPLICATION MASTER ADMIN' : 'REPLICATION SLAVE'} to the application user to discover replicas missing from the seed list`,
    )
  }
  const grantRows = await optionalRows(conn, [PROBE_GRANTS_SQL])
  const grants = grantRows?.map((row) => text(Object.values(row)[0])) ?? null
  const partial = { variables, replicaStatus }
  const beat = await heartbeat(conn, partial, plan, notes)
  return {
    variables,
    replicaStatus,
    replicaHosts,
    grants,
    ...(beat.lagMicros !== undefined ? { heartbeatLagMicros: beat.lagMicros } : {}),
    notes,
    heartbeatReady: beat.ready,
    variableNames: Object.keys(variables),
  }
}

/**
 * Runs the cheap beat's one statement ({@link CHEAP_PROBE_SQL}) through mysql2's callback API (the
 * promise wrapper captures a stack trace per query, a measurable share of an idle monitor's CPU).
 */
export function readCheapRow(conn: Connection): Promise<MysqlRow> {
  // mysql2/promise keeps the callback connection it wraps as `.connection` (not in its types).
  const core = (conn as unknown as { readonly connection: CallbackConnection }).connection
  return new Promise((resolve, reject) => {
    core.query<RowDataPacket[]>(CHEAP_PROBE_SQL, (error, rows) => {
      if (error === null) resolve(rows[0] ?? {})
      else reject(error)
    })
  })
}
