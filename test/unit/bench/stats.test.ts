import { describe, expect, it } from 'vitest'
import {
  median,
  percentile,
  ratio,
  round,
  roundOrder,
  seededRandom,
  summarizeLatencies,
} from '../../../bench/stats.js'

describe('percentile', () => {
  it('returns the nearest-rank value', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    expect(percentile(sorted, 50)).toBe(5)
    expect(percentile(sorted, 99)).toBe(10)
    expect(percentile(sorted, 90)).toBe(9)
    expect(percentile(sorted, 91)).toBe(10)
    expect(percentile(sorted, 0)).toBe(1)
    expect(percentile(sorted, 100)).toBe(10)
  })

  it('picks the 99th of 100 samples, not the maximum', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(sorted, 99)).toBe(99)
  })

  it('is null without samples and rejects a percentile outside [0, 100]', () => {
    expect(percentile([], 50)).toBeNull()
    expect(() => percentile([1], 101)).toThrow(RangeError)
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError)
  })
})

describe('summarizeLatencies', () => {
  it('sorts numerically and reports p50, p99, mean and max', () => {
    const summary = summarizeLatencies([10, 2, 30, 4, 100])
    expect(summary).toEqual({ count: 5, p50MS: 10, p99MS: 100, meanMS: 29.2, maxMS: 100 })
  })

  it('does not modify its input', () => {
    const samples = [3, 1, 2]
    summarizeLatencies(samples)
    expect(samples).toEqual([3, 1, 2])
  })

  it('reports nulls for no samples', () => {
    expect(summarizeLatencies([])).toEqual({
      count: 0,
      p50MS: null,
      p99MS: null,
      meanMS: null,
      maxMS: null,
    })
  })
})

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it('ignores missing values and is null when none remain', () => {
    expect(median([null, 7, undefined, Number.NaN])).toBe(7)
    expect(median([null, undefined])).toBeNull()
  })
})

describe('ratio', () => {
  it('divides', () => {
    expect(ratio(3, 4)).toBe(0.75)
  })

  it('is null when a side is missing or the denominator is not positive', () => {
    expect(ratio(null, 4)).toBeNull()
    expect(ratio(3, undefined)).toBeNull()
    expect(ratio(3, 0)).toBeNull()
    expect(ratio(3, -1)).toBeNull()
  })
})

describe('roundOrder', () => {
  it('rotates so every mode takes every position over as many rounds as modes', () => {
    const modes = ['a', 'b', 'c']
    expect(roundOrder(modes, 0)).toEqual(['a', 'b', 'c'])
    expect(roundOrder(modes, 1)).toEqual(['b', 'c', 'a'])
    expect(roundOrder(modes, 2)).toEqual(['c', 'a', 'b'])
    expect(roundOrder(modes, 3)).toEqual(['a', 'b', 'c'])
    expect(roundOrder([], 4)).toEqual([])
  })
})

describe('seededRandom', () => {
  it('replays the same sequence for the same seed and differs across seeds', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    const c = seededRandom(43)
    const seqA = Array.from({ length: 5 }, a)
    expect(Array.from({ length: 5 }, b)).toEqual(seqA)
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA)
    for (const x of seqA) {
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThan(1)
    }
  })

  it('spreads values over [0, 1)', () => {
    const random = seededRandom(7)
    const values = Array.from({ length: 10_000 }, random)
    const mean = values.reduce((s, v) => s + v, 0) / values.length
    expect(mean).toBeGreaterThan(0.48)
    expect(mean).toBeLessThan(0.52)
  })
})

describe('round', () => {
  it('rounds to the given decimals and keeps null', () => {
    expect(round(1.23456)).toBe(1.23)
    expect(round(1.23456, 3)).toBe(1.235)
    expect(round(null)).toBeNull()
  })
})
