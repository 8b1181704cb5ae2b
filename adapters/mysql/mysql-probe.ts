/**
 * The MySQL/MariaDB probe: the statements a probe runs, and the pure function that turns their rows
 * into a {@link ProbeResult} (so recorded rows can be unit-tested without a server). The role
 * decision itself is in `mysql-roles.ts`.
 */
import { NodeType } from '../../src/adapter.js'
import type { NodeAddress, ProbeResult } from '../../src/adapter.js'
import { gtidDistance } from './mysql-gtid.js'
import { replicaLag } from './mysql-probe-lag.js'
import type { Lag } from './mysql-probe-lag.js'
import {
  MysqlFlavour,
  classifyMysqlNode,
  detectMysqlFlavour,
  isOn,
  isReadOnly,
  isSourceLost,
  numberOrNull,
  readOnlyBypassPrivileges,
  replicaHostAddresses,
  summariseReplication,
} from './mysql-roles.js'
import type { MysqlRole, MysqlRow, MysqlVariables } from './mysql-roles.js'

export { MysqlFlavour } from './mysql-roles.js'
export type { MysqlRow, MysqlVariables } from './mysql-roles.js'

/** Everything one probe read from a node: the input of {@link probeRowsToResult}. */
export interface MysqlProbeRows {
  /** `SHOW GLOBAL VARIABLES` for {@link PROBE_VARIABLES}, as lower-case name → value. */
  readonly variables: MysqlVariables
  /** `SHOW REPLICA STATUS` (or `SHOW SLAVE STATUS`) rows, one per channel; `null` when refused. */
  readonly replicaStatus: readonly MysqlRow[] | null
  /** `SHOW SLAVE HOSTS` (or `SHOW REPLICAS`) rows; `null` when refused or not run. */
  readonly replicaHosts: readonly MysqlRow[] | null
  /** `SHOW GRANTS` lines for the current user; `null` when refused. */
  readonly grants: readonly string[] | null
  /** Microseconds since the primary wrote the heartbeat row, read on this node; absent = none. */
  readonly heartbeatLagMicros?: number | null
  /** Things the probe itself noticed (a refused statement, a failed heartbeat write). */
  readonly notes?: readonly string[]
}

/** What {@link probeRowsToResult} needs besides the rows. */
export interface MysqlProbeContext {
  /** The set name every node reports (the URI's `replicaSet`, else `'mysql'`). */
  readonly setName: string
  /** Wall-clock ms at the end of the probe (for `lastWriteDate`). */
  readonly nowMS: number
  /** Seed addresses, always listed in `hosts` so a primary's list never drops them. */
  readonly seeds?: readonly NodeAddress[]
  /**
   * Wall-clock ms when an earlier probe last knew this node current (`nextKnownCurrentMS`): the
   * origin of a lost-source replica's lag. Absent: never known, that lag is unknown.
   */
  readonly knownCurrentMS?: number
}

/** The global variables a probe reads. Absent ones (e.g. `super_read_only` on MariaDB) are skipped. */
export const PROBE_VARIABLES = [
  'version',
  'version_comment',
  'server_id',
  'server_uuid',
  'read_only',
  'super_read_only',
  'gtid_mode',
  'gtid_executed',
  'gtid_current_pos',
  'gtid_binlog_pos',
  'gtid_slave_pos',
  'gtid_strict_mode',
  'log_bin',
  'report_host',
  'report_port',
  'port',
] as const

/** One round trip, no privilege needed, works on both flavours whatever is missing. */
export const PROBE_VARIABLES_SQL = `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${PROBE_VARIABLES.map((v) => `'${v}'`).join(', ')})`

/**
 * One `SELECT` of the named global variables (each must be one of {@link PROBE_VARIABLES}; the names
 * are inlined, never user input).
 */
export function selectVariablesSql(names: readonly string[]): string {
  return `SELECT ${names.map((n) => `@@global.${n} AS \`${n}\``).join(', ')}`
}

/** The current user's grants, for the read_only-bypass warning. */
export const PROBE_GRANTS_SQL = 'SHOW GRANTS'

/** The role of a node from its probe rows (the same decision {@link probeRowsToResult} makes). */
export function classifyProbeRows(
  rows: Pick<MysqlProbeRows, 'variables' | 'replicaStatus'>,
): MysqlRole {
  const replication = rows.replicaStatus === null ? null : summariseReplication(rows.replicaStatus)
  return classifyMysqlNode(isReadOnly(rows.variables), replication)
}

/**
 * The node's causal position: MariaDB `@@gtid_current_pos` (its binlog and replicated positions,
 * per domain the newer), MySQL `@@gtid_executed`. `undefined` when GTIDs are off.
 */
export function probePosition(
  flavour: MysqlFlavour,
  variables: MysqlVariables,
): string | undefined {
  const value =
    flavour === MysqlFlavour.MariaDB ? variables['gtid_current_pos'] : variables['gtid_executed']
  const trimmed = value?.replace(/\s+/g, '')
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

/**
 * Turns the rows of one probe of `address` into a {@link ProbeResult}. Pure: time comes in through
 * `context.nowMS`.
 *
 * `lastWriteDate` expresses the lag for the core's max-staleness formula: the primary reports
 * `nowMS`, a replica `nowMS − lagMS`; a replica that lost its source reports `lagMS` only (the time
 * since it was last known current), so its staleness grows with or without a primary.
 */
export function probeRowsToResult(
  rows: MysqlProbeRows,
  address: NodeAddress,
  context: MysqlProbeContext,
): ProbeResult {
  const v = rows.variables
  const flavour = detectMysqlFlavour(v)
  const readOnly = isReadOnly(v)
  const replication = rows.replicaStatus === null ? null : summariseReplication(rows.replicaStatus)
  const role = classifyMysqlNode(readOnly, replication)
  const warnings = [...role.warnings, ...(rows.notes ?? [])]
  const position = probePosition(flavour, v)

  const bypass = rows.grants === null ? [] : readOnlyBypassPrivileges(rows.grants, flavour)
  if (bypass.length > 0 && !(flavour === MysqlFlavour.MySQL && isOn(v['super_read_only']))) {
    warnings.push(
      `the application user holds ${bypass.join(', ')} and can write to read-only replicas (an errant transaction breaks GTID replication): grant only DML and SLAVE MONITOR/BINLOG MONITOR${flavour === MysqlFlavour.MySQL ? ', or set super_read_only=ON on replicas' : ''}`,
    )
  }
  if (flavour === MysqlFlavour.MySQL && v['gtid_mode'] !== undefined && !isOn(v['gtid_mode'])) {
    warnings.push('gtid_mode is OFF: read-your-writes and w > 1 cannot be verified on this node')
  }
  if (replication !== null && replication.channels > 1) {
    warnings.push(
      `multi-source replication (${replication.channels} channels): only the first is followed`,
    )
  }

  const replicas = rows.replicaHosts === null ? [] : replicaHostAddresses(rows.replicaHosts)
  const hosts = new Set<NodeAddress>([...(context.seeds ?? []), address, ...replicas])
  if (replication?.source != null) hosts.add(replication.source)

  const transactionsBehind =
    replication?.configured === true && position !== undefined && replication.receivedGtids !== ''
      ? gtidDistance(
          (flavour === MysqlFlavour.MariaDB ? v['gtid_slave_pos'] : v['gtid_executed']) ?? '',
          replication.receivedGtids,
        )
      : undefined
  const sourceLost =
    role.type === NodeType.Secondary && replication !== null && isSourceLost(replication)
  let lag: Lag | undefined
  if (role.type === NodeType.Primary) lag = { lagMS: 0, source: 'heartbeat' }
  else if (replication?.configured === true) {
    lag = replicaLag(replication, {
      ...(rows.heartbeatLagMicros !== undefined
        ? { heartbeatLagMicros: rows.heartbeatLagMicros }
        : {}),
      transactionsBehind,
      sourceLost,
      nowMS: context.nowMS,
      knownCurrentMS: context.knownCurrentMS,
    })
  }

  const details: Record<string, unknown> = {
    flavour,
    version: v['version'] ?? null,
    serverId: numberOrNull(v['server_id']),
    readOnly,
  }
  if (v['server_uuid'] != null) details['serverUuid'] = v['server_uuid']
  if (v['super_read_only'] != null) details['superReadOnly'] = isOn(v['super_read_only'])
  if (flavour === MysqlFlavour.MariaDB) {
    details['gtidBinlogPos'] = v['gtid_binlog_pos'] ?? null
    details['gtidSlavePos'] = v['gtid_slave_pos'] ?? null
  }
  if (replication?.configured === true) {
    Object.assign(details, {
      source: replication.source,
      ioRunning: replication.ioRunning,
      sqlRunning: replication.sqlRunning,
      secondsBehindSource: replication.secondsBehindSource,
      lastIoError: replication.lastIoError,
      lastSqlError: replication.lastSqlError,
      receivedGtids: replication.receivedGtids,
      sqlDelaySeconds: replication.sqlDelaySeconds,
    })
    if (transactionsBehind !== undefined) details['transactionsBehind'] = transactionsBehind
  }
  if (replicas.length > 0) details['replicas'] = replicas
  if (lag !== undefined && role.type !== NodeType.Primary) details['lagSource'] = lag.source
  if (sourceLost) details['sourceLost'] = true

  return {
    type: role.type,
    state: role.state,
    setName: context.setName,
    me: address,
    hosts: [...hosts],
    // A replica that cannot reach its source does not vouch for it as primary (as a MongoDB
    // secondary whose primary died reports none): naming a dead source would make the core flip it
    // to PossiblePrimary and back on every heartbeat.
    ...(replication?.source != null && !sourceLost ? { primary: replication.source } : {}),
    ...(role.type === NodeType.Primary ? { primary: address } : {}),
    ...(position !== undefined ? { position } : {}),
    // A lost-source replica reports its lag alone: the core then ages it from `lagMS` even without
    // a primary, where `lastWriteDate` would only be compared with the other (as stale) replicas.
    ...(lag === undefined
      ? {}
      : sourceLost
        ? { lagMS: lag.lagMS }
        : { lagMS: lag.lagMS, lastWriteDate: context.nowMS - lag.lagMS }),
    details,
    warnings,
  }
}
