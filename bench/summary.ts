/**
 * Pure reductions of the benchmark's raw measurements: one summary per mode (medians over rounds),
 * ratios between modes, and the failover summary with its target.
 */
import type { FailoverRun } from './failover.js'
import { median, ratio } from './stats.js'
import type { SegmentResult } from './workload.js'

/** Percentiles of one kind of operation, each the median over rounds, in ms. */
export interface LatencyMedians {
  readonly p50MS: number | null
  readonly p99MS: number | null
}

/** One mode over all rounds. */
export interface ModeSummary {
  readonly mode: string
  /** Successful operations per second: median, lowest and highest round. */
  readonly opsPerSec: {
    readonly median: number | null
    readonly min: number | null
    readonly max: number | null
  }
  readonly all: LatencyMedians
  readonly reads: LatencyMedians
  readonly writes: LatencyMedians
  /** Median over rounds of this process's CPU time per operation, in µs. */
  readonly clientCpuMicrosPerOp: number | null
  /** Failed operations over every round. */
  readonly errors: number
  readonly firstError?: string
  /** The rounds as measured, in run order. */
  readonly rounds: readonly SegmentResult[]
}

/** `a / b` for each figure; throughput above 1 means `a` is faster, latency above 1 slower. */
export interface RatioSet {
  readonly throughput: number | null
  readonly p50: number | null
  readonly p99: number | null
  readonly readP50: number | null
  readonly readP99: number | null
  readonly writeP50: number | null
  readonly writeP99: number | null
  /** Client CPU per operation; above 1 means `a` costs more CPU. */
  readonly clientCpu: number | null
}

/** Reduces one mode's rounds to medians. */
export function summarizeMode(mode: string, rounds: readonly SegmentResult[]): ModeSummary {
  const throughputs = rounds.map((r) => r.opsPerSec)
  const errors = rounds.reduce((sum, r) => sum + r.errors, 0)
  const firstError = rounds.find((r) => r.firstError !== undefined)?.firstError
  const medians = (pick: (r: SegmentResult) => LatencyMedians): LatencyMedians => ({
    p50MS: median(rounds.map((r) => pick(r).p50MS)),
    p99MS: median(rounds.map((r) => pick(r).p99MS)),
  })
  return {
    mode,
    opsPerSec: {
      median: median(throughputs),
      min: throughputs.length === 0 ? null : Math.min(...throughputs),
      max: throughputs.length === 0 ? null : Math.max(...throughputs),
    },
    all: medians((r) => r.all),
    reads: medians((r) => r.reads),
    writes: medians((r) => r.writes),
    clientCpuMicrosPerOp: median(rounds.map((r) => r.clientCpuMicrosPerOp)),
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
    rounds,
  }
}

/** The ratios of mode `a` to mode `b` (`null` where either lacks the figure). */
export function ratiosOf(a: ModeSummary | undefined, b: ModeSummary | undefined): RatioSet {
  return {
    throughput: ratio(a?.opsPerSec.median, b?.opsPerSec.median),
    p50: ratio(a?.all.p50MS, b?.all.p50MS),
    p99: ratio(a?.all.p99MS, b?.all.p99MS),
    readP50: ratio(a?.reads.p50MS, b?.reads.p50MS),
    readP99: ratio(a?.reads.p99MS, b?.reads.p99MS),
    writeP50: ratio(a?.writes.p50MS, b?.writes.p50MS),
    writeP99: ratio(a?.writes.p99MS, b?.writes.p99MS),
    clientCpu: ratio(a?.clientCpuMicrosPerOp, b?.clientCpuMicrosPerOp),
  }
}

/** One mode's failovers. */
export interface FailoverSummary {
  readonly mode: string
  /** Median of the runs' windows, in ms (`null` when no run recovered). */
  readonly windowMS: number | null
  /** Median kill → new primary writable, in ms. */
  readonly promotionMS: number | null
  /** Median kill → the mode noticed the new primary, in ms. */
  readonly detectedMS: number | null
  /** Median of the per-run targets, in ms (see {@link FailoverTarget}). */
  readonly targetMS: number | null
  /** How the target is computed. */
  readonly targetRule: string
  /** Runs whose window was within their own target. */
  readonly withinTarget: number
  readonly runs: readonly FailoverRun[]
}

/** How a failover target is derived from a run's promotion time. */
export interface FailoverTarget {
  /** Added to the promotion time, in ms. */
  readonly budgetMS: number
  /** Human description, e.g. `promotion + heartbeatFrequencyMS (2000) + 100 ms`. */
  readonly rule: string
}

/** Reduces one mode's failover runs; a run's target is its promotion time plus the budget. */
export function summarizeFailovers(
  mode: string,
  runs: readonly FailoverRun[],
  target: FailoverTarget,
): FailoverSummary {
  const targets = runs.map((r) => (r.promotionMS === null ? null : r.promotionMS + target.budgetMS))
  const withinTarget = runs.filter((r, i) => {
    const limit = targets[i]
    return r.windowMS !== null && limit != null && r.windowMS <= limit
  }).length
  return {
    mode,
    windowMS: median(runs.map((r) => r.windowMS)),
    promotionMS: median(runs.map((r) => r.promotionMS)),
    detectedMS: median(runs.map((r) => r.detectedMS)),
    targetMS: median(targets),
    targetRule: target.rule,
    withinTarget,
    runs,
  }
}
