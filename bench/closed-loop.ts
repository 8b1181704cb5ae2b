/**
 * The closed-loop driver the Cassandra and MongoDB benchmarks share: `concurrency` workers run
 * seeded reads and writes back to back for `durationMS`, and the segment reports throughput, errors,
 * this process's CPU per operation and every latency.
 */
import { seededRandom } from './stats.js'

/** One operation on the key `id`: a write when `write`, else a read. */
export type Op = (id: number, write: boolean) => Promise<unknown>

/** What one measured segment gives. */
export interface Segment {
  readonly ops: number
  readonly errors: number
  readonly cpuUSPerOp: number
  readonly opsPerSec: number
  readonly latenciesMS: number[]
}

/** How one segment runs. */
export interface DriveOptions {
  /** Keys are drawn from `[0, rows)`. */
  readonly rows: number
  readonly concurrency: number
  /** Share of writes, 0–1. */
  readonly writeRatio: number
  readonly durationMS: number
  /** Seed of the key and read/write sequence. */
  readonly seed: number
}

/** Runs `op` in a closed loop for `options.durationMS` and measures it. */
export async function drive(op: Op, options: DriveOptions): Promise<Segment> {
  const random = seededRandom(options.seed)
  const latenciesMS: number[] = []
  let ops = 0
  let errors = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  const until = started + options.durationMS
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const id = Math.floor(random() * options.rows)
      const t0 = performance.now()
      try {
        await op(id, random() < options.writeRatio)
      } catch {
        errors++
      }
      latenciesMS.push(performance.now() - t0)
      ops++
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  const elapsedMS = performance.now() - started
  const used = process.cpuUsage(cpu)
  return {
    ops,
    errors,
    cpuUSPerOp: (used.user + used.system) / Math.max(1, ops),
    opsPerSec: (ops * 1000) / elapsedMS,
    latenciesMS,
  }
}
