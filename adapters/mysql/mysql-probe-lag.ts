/**
 * Replication lag of a MySQL/MariaDB replica from its probe rows, and the moment it was last known
 * current (the origin of a lost-source replica's growing staleness). Pure.
 */
import type { MysqlReplicationSummary } from './mysql-roles.js'

/** How a lag was measured. */
export type LagSource = 'heartbeat' | 'gtid' | 'secondsBehindSource' | 'lastKnownCurrent'

/** A replica's lag and how it was measured. @internal */
export interface Lag {
  readonly lagMS: number
  readonly source: LagSource
}

/** What {@link replicaLag} reads besides the replication summary. @internal */
export interface LagInputs {
  /** Microseconds since the primary wrote the heartbeat row, read on this node; absent = none. */
  readonly heartbeatLagMicros?: number | null
  /** GTIDs received but not applied (`undefined`: not computable). */
  readonly transactionsBehind: number | undefined
  /** Whether the replica lost its source (`isSourceLost`). */
  readonly sourceLost: boolean
  /** Wall-clock ms of this probe. */
  readonly nowMS: number
  /** Wall-clock ms when an earlier probe last knew this node current; `undefined`: never. */
  readonly knownCurrentMS: number | undefined
}

/**
 * Replication lag finer than whole seconds. The choice, in order:
 * (0) a replica that lost its source: the time since it was last known current, from the heartbeat
 *     row's age or from the last probe that measured its lag (the smaller); neither: unknown. It
 *     grows on every probe, so `maxStalenessSeconds` bounds how long such a replica is read;
 * (a) GTID distance: a healthy replica that has applied every GTID its IO thread received is 0
 *     behind (as far as any replica can tell; `Seconds_Behind_Master` also says 0, but rounded);
 * (b) the heartbeat row's age (µs resolution), when `heartbeatTable` is set: an upper bound, since
 *     the primary rewrites the row only once per probe; when `Seconds_Behind_Master` (whole seconds,
 *     so the true lag is below SBM + 1 s) bounds it more tightly, SBM × 1000 wins;
 * (c) `Seconds_Behind_Master` × 1000; NULL (stopped applier, broken replication) gives no lag at
 *     all, which the core counts as infinitely stale under any bound.
 */
export function replicaLag(
  replication: MysqlReplicationSummary,
  inputs: LagInputs,
): Lag | undefined {
  const beatMS =
    inputs.heartbeatLagMicros === undefined || inputs.heartbeatLagMicros === null
      ? undefined
      : Math.max(0, inputs.heartbeatLagMicros / 1000)
  if (inputs.sourceLost) {
    const sinceMS =
      inputs.knownCurrentMS === undefined
        ? undefined
        : Math.max(0, inputs.nowMS - inputs.knownCurrentMS)
    if (beatMS !== undefined && (sinceMS === undefined || beatMS <= sinceMS)) {
      return { lagMS: beatMS, source: 'heartbeat' }
    }
    return sinceMS === undefined ? undefined : { lagMS: sinceMS, source: 'lastKnownCurrent' }
  }
  if (replication.healthy && inputs.transactionsBehind === 0) return { lagMS: 0, source: 'gtid' }
  const sbmMS =
    replication.secondsBehindSource === null ? undefined : replication.secondsBehindSource * 1000
  if (beatMS !== undefined && (sbmMS === undefined || beatMS < sbmMS + 1000)) {
    return { lagMS: beatMS, source: 'heartbeat' }
  }
  if (sbmMS !== undefined) return { lagMS: sbmMS, source: 'secondsBehindSource' }
  return undefined
}

/**
 * The wall-clock ms at which a node was last known current, after a probe at `nowMS` that measured
 * `lag` (`undefined`: not measured): a primary is current now, a measured lag puts the moment
 * `lagMS` back; a lag that is itself only the time since that moment keeps `previousMS`.
 */
export function nextKnownCurrentMS(
  previousMS: number | undefined,
  isPrimary: boolean,
  lag: { readonly lagMS?: number; readonly details?: Readonly<Record<string, unknown>> },
  nowMS: number,
): number | undefined {
  if (isPrimary) return nowMS
  if (lag.lagMS === undefined || lag.details?.['lagSource'] === 'lastKnownCurrent')
    return previousMS
  const measuredMS = nowMS - lag.lagMS
  return previousMS === undefined ? measuredMS : Math.max(previousMS, measuredMS)
}
