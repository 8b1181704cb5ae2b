/**
 * The benchmark's one workload, driven as a closed loop: a fixed number of workers each run one
 * operation at a time (point read by primary key, or insert) for a fixed time, recording latency.
 * The same seed gives every mode the same sequence of operations and keys.
 */
import { seededRandom, summarizeLatencies, type LatencySummary } from './stats.js'

/** What a mode must provide: the two operations of the workload. */
export interface WorkloadTarget {
  /** Reads row `id` (1…rows) by primary key, on a replica. */
  read(id: number): Promise<void>
  /** Inserts one row, on the primary. */
  write(payload: string): Promise<void>
}

/** Settings of one timed segment. */
export interface WorkloadOptions {
  /** Operations in flight at once. */
  readonly concurrency: number
  /** Measured time, in ms. */
  readonly durationMS: number
  /** Unmeasured time before it, in ms (pools warm up, JIT settles). Default 0. */
  readonly warmupMS?: number
  /** Share of operations that are writes, in [0, 1]. */
  readonly writeRatio: number
  /** Rows seeded in the read table; reads pick ids uniformly in 1…rows. */
  readonly rows: number
  /** Seed of the operation sequence; worker `i` uses `seed + i`. */
  readonly seed: number
  /** Stops early (operations in flight finish first). */
  readonly signal?: AbortSignal
  /** The clock, in ms. Default `performance.now`. */
  readonly now?: () => number
  /** CPU time this process has used, in µs. Default `process.cpuUsage()` user + system. */
  readonly cpuMicros?: () => number
}

/** What one timed segment measured. */
export interface SegmentResult {
  /** Operations completed in the measured window (successes only). */
  readonly ops: number
  /** Operations that failed in the measured window. */
  readonly errors: number
  /** The first error message seen, if any. */
  readonly firstError?: string
  /** Measured time, in ms. */
  readonly elapsedMS: number
  /** Successful operations per second. */
  readonly opsPerSec: number
  /**
   * CPU time of this process (workload, pools, client) per operation over the whole segment,
   * warm-up included, in µs: the client side's cost, which server noise affects far less.
   */
  readonly clientCpuMicrosPerOp: number | null
  readonly reads: LatencySummary
  readonly writes: LatencySummary
  readonly all: LatencySummary
}

/** A growable buffer of latency samples, in ms. */
export class LatencyRecorder {
  #samples = new Float64Array(4096)
  #count = 0

  /** Adds one sample, in ms. */
  record(latencyMS: number): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2)
      grown.set(this.#samples)
      this.#samples = grown
    }
    this.#samples[this.#count] = latencyMS
    this.#count += 1
  }

  /** Number of samples. */
  get count(): number {
    return this.#count
  }

  /** The samples recorded so far (a view; do not keep it across `record`). */
  samples(): Float64Array {
    return this.#samples.subarray(0, this.#count)
  }
}

function defaultCpuMicros(): number {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

/** A 100-character payload derived from the operation number (same bytes in every mode). */
export function payloadFor(n: number): string {
  return `rk-${n.toString(36)}-`.padEnd(100, 'x')
}

/**
 * Runs the workload against `target` for `warmupMS + durationMS` and returns what the measured
 * window saw. An operation counts in the window when it starts inside it; the segment ends once
 * every worker's last operation has finished. Failures are counted, never thrown.
 */
export async function runWorkload(
  target: WorkloadTarget,
  options: WorkloadOptions,
): Promise<SegmentResult> {
  const now = options.now ?? (() => performance.now())
  const cpuMicros = options.cpuMicros ?? defaultCpuMicros
  const warmupMS = options.warmupMS ?? 0
  const reads = new LatencyRecorder()
  const writes = new LatencyRecorder()
  const all = new LatencyRecorder()
  let errors = 0
  let firstError: string | undefined
  let attempts = 0
  const cpuAtStart = cpuMicros()
  const startedAt = now()
  const measureFrom = startedAt + warmupMS
  const endAt = measureFrom + options.durationMS

  const worker = async (index: number): Promise<void> => {
    const random = seededRandom(options.seed + index)
    let n = 0
    for (;;) {
      const opStart = now()
      if (opStart >= endAt || options.signal?.aborted === true) return
      const isWrite = random() < options.writeRatio
      const id = 1 + Math.floor(random() * options.rows)
      n += 1
      attempts += 1
      try {
        if (isWrite) await target.write(payloadFor(index * 1e9 + n))
        else await target.read(id)
      } catch (error: unknown) {
        if (opStart >= measureFrom) {
          errors += 1
          firstError ??= error instanceof Error ? error.message : String(error)
        }
        continue
      }
      if (opStart < measureFrom) continue
      const latencyMS = now() - opStart
      ;(isWrite ? writes : reads).record(latencyMS)
      all.record(latencyMS)
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)))
  const cpuUsed = cpuMicros() - cpuAtStart
  const elapsedMS = Math.max(1, Math.min(now(), endAt) - measureFrom)
  return {
    ops: all.count,
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
    elapsedMS,
    opsPerSec: (all.count * 1000) / elapsedMS,
    clientCpuMicrosPerOp: attempts === 0 ? null : cpuUsed / attempts,
    reads: summarizeLatencies(reads.samples()),
    writes: summarizeLatencies(writes.samples()),
    all: summarizeLatencies(all.samples()),
  }
}
