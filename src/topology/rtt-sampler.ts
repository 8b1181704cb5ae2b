/**
 * The weight of a new round-trip sample in the moving average (SDAM/server selection: 0.2).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#calculation-of-average-round-trip-times
 */
export const RTT_ALPHA = 0.2

/**
 * The next exponentially weighted moving average of round trips, ms: the first sample as is, then
 * `alpha * sample + (1 - alpha) * previous`.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#calculation-of-average-round-trip-times
 */
export function nextAverageRttMS(previousMS: number | null, sampleMS: number): number {
  if (previousMS === null) return sampleMS
  return RTT_ALPHA * sampleMS + (1 - RTT_ALPHA) * previousMS
}

/**
 * The round-trip average of one node's probes. Reset it when the node becomes Unknown: an Unknown
 * node has no RTT, and the next successful probe starts the average afresh.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#roundtriptime
 */
export class RttSampler {
  #averageMS: number | null = null

  /** The current average, ms, or `null` before the first sample. */
  get averageMS(): number | null {
    return this.#averageMS
  }

  /** Adds one sample (ms, negative values count as 0) and returns the new average. */
  addSample(sampleMS: number): number {
    this.#averageMS = nextAverageRttMS(this.#averageMS, Math.max(0, sampleMS))
    return this.#averageMS
  }

  /** Forgets every sample. */
  reset(): void {
    this.#averageMS = null
  }
}
