/**
 * Pure statistics for the benchmarks: percentiles, medians across rounds, ratios, round order and a
 * seeded random source. No I/O, no clock: everything here is unit-tested.
 */

/** Latency distribution of one set of operations, in milliseconds. */
export interface LatencySummary {
  /** Number of samples. */
  readonly count: number
  /** Median latency, in ms (`null` without samples). */
  readonly p50MS: number | null
  /** 99th percentile latency, in ms (`null` without samples). */
  readonly p99MS: number | null
  /** Mean latency, in ms (`null` without samples). */
  readonly meanMS: number | null
  /** Largest latency, in ms (`null` without samples). */
  readonly maxMS: number | null
}

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value with at least `p`
 * percent of the samples at or below it. `null` for no samples.
 *
 * @param p Percentile from 0 (exclusive of nothing: 0 gives the minimum) to 100.
 * @see https://en.wikipedia.org/wiki/Percentile#The_nearest-rank_method
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`)
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1] ?? null
}

/** Summarises latency samples in ms (the input is not modified). */
export function summarizeLatencies(samplesMS: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samplesMS).sort()
  if (sorted.length === 0) {
    return { count: 0, p50MS: null, p99MS: null, meanMS: null, maxMS: null }
  }
  let total = 0
  for (const value of sorted) total += value
  return {
    count: sorted.length,
    p50MS: percentile(sorted, 50),
    p99MS: percentile(sorted, 99),
    meanMS: total / sorted.length,
    maxMS: sorted[sorted.length - 1] ?? null,
  }
}

/** The median of the defined values (mean of the middle two for an even count); `null` if none. */
export function median(values: ReadonlyArray<number | null | undefined>): number | null {
  const kept = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  if (kept.length === 0) return null
  kept.sort((a, b) => a - b)
  const mid = Math.floor(kept.length / 2)
  const upper = kept[mid] as number
  return kept.length % 2 === 1 ? upper : ((kept[mid - 1] as number) + upper) / 2
}

/** `numerator / denominator`, or `null` when either is missing or the denominator is not positive. */
export function ratio(
  numerator: number | null | undefined,
  denominator: number | null | undefined,
): number | null {
  if (numerator == null || denominator == null) return null
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator <= 0) return null
  return numerator / denominator
}

/**
 * The order in which round `round` (0-based) runs the modes: a rotation, so over `modes.length`
 * rounds every mode runs once in every position (A B C, B C A, C A B) and order effects (a warm
 * cache, a neighbour's CPU burst) spread evenly.
 */
export function roundOrder<T>(modes: readonly T[], round: number): T[] {
  if (modes.length === 0) return []
  const shift = ((round % modes.length) + modes.length) % modes.length
  return [...modes.slice(shift), ...modes.slice(0, shift)]
}

/**
 * A seeded pseudo-random source in [0, 1) (mulberry32), so every mode replays the same sequence of
 * reads, writes and keys.
 *
 * @see https://gist.github.com/tommyettinger/46a874533244883189143505d203312c
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Rounds to `digits` decimals (for printing and JSON); `null` stays `null`. */
export function round(value: number | null, digits = 2): number | null {
  if (value === null) return null
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
