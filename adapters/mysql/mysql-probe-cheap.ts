/**
 * The cheap beat of the MySQL/MariaDB probe. Most beats of a steady node re-read only what can
 * change its role or position, in one statement ({@link CHEAP_PROBE_SQL}), and reuse the rest of
 * the last full probe; a full probe (ping, variables, replica status, replica list, grants) runs
 * whenever anything differs, and at least every {@link FULL_PROBE_INTERVAL_MS}. Pure decisions.
 */
import { NodeState, NodeType } from '../../src/adapter.js'
import type { NodeAddress, ProbeResult } from '../../src/adapter.js'
import { gtidCovers } from './mysql-gtid.js'
import type { MysqlProbeRows } from './mysql-probe.js'
import {
  MysqlFlavour,
  detectMysqlFlavour,
  isOn,
  summariseReplication,
  text,
} from './mysql-roles.js'
import type { MysqlRow } from './mysql-roles.js'

/**
 * The longest time between two full probes of one node, in ms: the default `heartbeatFrequencyMS`,
 * so with the default heartbeat every beat is a full probe, as before cheap beats existed.
 */
export const FULL_PROBE_INTERVAL_MS = 10_000

/**
 * The cheap beat's one statement (MariaDB): the role flag, the GTID positions, and `Slave_running`
 * (`ON` only while the default connection's IO thread is connected *and* its SQL thread runs: a
 * source lost, a thread stopped or failed all turn it `OFF`).
 */
export const CHEAP_PROBE_SQL =
  'SELECT @@global.read_only AS read_only, @@global.gtid_current_pos AS gtid_current_pos, ' +
  '@@global.gtid_binlog_pos AS gtid_binlog_pos, @@global.gtid_slave_pos AS gtid_slave_pos, ' +
  "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'SLAVE_RUNNING') AS slave_running"

/** What a full probe left for the cheap beats after it. @internal */
export interface FullProbeMemory {
  /** The full probe's rows. */
  readonly rows: MysqlProbeRows
  /** Its monotonic time, ms. */
  readonly atMS: number
  /** `primary`: writable, replicating from nobody; `replica`: healthy and caught up (GTID lag 0). */
  readonly steady: 'primary' | 'replica'
  /** A replica's source. */
  readonly source: NodeAddress | null
}

/**
 * The memory a full probe leaves, or `undefined` when its node is not steady (every beat is then
 * full): only MariaDB (the cheap statement reads MariaDB variables), a primary with a readable,
 * empty replica status, or a replica with both threads running, no delay and GTID lag 0.
 */
export function fullProbeMemory(
  rows: MysqlProbeRows,
  result: ProbeResult,
  atMS: number,
): FullProbeMemory | undefined {
  if (detectMysqlFlavour(rows.variables) !== MysqlFlavour.MariaDB) return undefined
  if (rows.replicaStatus === null) return undefined
  const replication = summariseReplication(rows.replicaStatus)
  if (result.type === NodeType.Primary && !replication.configured) {
    return { rows, atMS, steady: 'primary', source: null }
  }
  const steadyReplica =
    result.type === NodeType.Secondary &&
    result.state === NodeState.Secondary &&
    replication.healthy &&
    replication.channels === 1 &&
    replication.sqlDelaySeconds === 0 &&
    result.lagMS === 0 &&
    result.details?.['lagSource'] === 'gtid'
  return steadyReplica ? { rows, atMS, steady: 'replica', source: replication.source } : undefined
}

/** What the cheap beat compares its row with, besides the memory. @internal */
export interface CheapBeatView {
  /** Monotonic ms now. */
  readonly nowMS: number
  /** The primary the topology knows (address and position), if any. */
  readonly primary: { readonly address: NodeAddress; readonly position: string | null } | undefined
  /** Another node than this one looks like a primary (split brain?): always probe fully. */
  readonly otherPrimaryKnown: boolean
}

/** Whether the cheap beat may run at all (else: a full probe now). @internal */
export function mayProbeCheaply(memory: FullProbeMemory | undefined, view: CheapBeatView): boolean {
  if (memory === undefined || view.nowMS - memory.atMS >= FULL_PROBE_INTERVAL_MS) return false
  if (memory.steady === 'primary') return !view.otherPrimaryKnown
  // A replica must still follow the topology's primary (a failover re-points it).
  return view.primary !== undefined && view.primary.address === memory.source
}

/**
 * The rows of a cheap beat: the last full probe's rows with the fresh variables, or `undefined`
 * when the row shows a change (read_only flipped, `Slave_running` not as expected, a replica not
 * covering the primary's last known position): then a full probe must run now.
 */
export function cheapBeatRows(
  memory: FullProbeMemory,
  row: MysqlRow,
  view: CheapBeatView,
): MysqlProbeRows | undefined {
  const readOnly = isOn(text(row['read_only']))
  const slaveRunning = isOn(text(row['slave_running']))
  const wasReadOnly = isOn(memory.rows.variables['read_only'])
  if (readOnly !== wasReadOnly || slaveRunning !== (memory.steady === 'replica')) return undefined
  const variables = {
    ...memory.rows.variables,
    read_only: text(row['read_only']),
    gtid_current_pos: text(row['gtid_current_pos']),
    gtid_binlog_pos: text(row['gtid_binlog_pos']),
    gtid_slave_pos: text(row['gtid_slave_pos']),
  }
  if (memory.steady === 'primary') return { ...memory.rows, variables }
  const primaryPosition = view.primary?.position ?? null
  if (primaryPosition === null || !gtidCovers(variables.gtid_current_pos, primaryPosition)) {
    return undefined
  }
  // Caught up with the primary as last probed, and applying: everything it received is applied,
  // as far as a probe can tell (the full probe's rule (a) gives lag 0 in the same case).
  const replicaStatus = (memory.rows.replicaStatus ?? []).map((status) => ({
    ...status,
    Gtid_IO_Pos: variables.gtid_slave_pos,
  }))
  return { ...memory.rows, variables, replicaStatus }
}
