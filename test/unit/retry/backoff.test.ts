import { describe, expect, it } from 'vitest'
import { backoffCeilingMS, fullJitterBackoffMS } from '../../../src/retry/backoff.js'

const OPTIONS = { baseBackoffMS: 100, maxBackoffMS: 1_000 }

describe('backoffCeilingMS', () => {
  it('doubles with each retry from baseBackoffMS', () => {
    expect([0, 1, 2, 3].map((i) => backoffCeilingMS(i, 100, 10_000))).toEqual([100, 200, 400, 800])
  })

  it('never exceeds maxBackoffMS, even when 2 ** retryIndex overflows', () => {
    expect(backoffCeilingMS(4, 100, 1_000)).toBe(1_000)
    expect(backoffCeilingMS(5_000, 100, 1_000)).toBe(1_000)
  })

  it('treats a negative or fractional index as the nearest valid one below', () => {
    expect(backoffCeilingMS(-3, 100, 1_000)).toBe(100)
    expect(backoffCeilingMS(1.7, 100, 1_000)).toBe(200)
  })
})

describe('fullJitterBackoffMS', () => {
  it('is 0 when random() is 0 (the minimum)', () => {
    expect(fullJitterBackoffMS(3, { ...OPTIONS, random: () => 0 })).toBe(0)
  })

  it('is random() times the ceiling', () => {
    expect(fullJitterBackoffMS(0, { ...OPTIONS, random: () => 0.5 })).toBe(50)
    expect(fullJitterBackoffMS(2, { ...OPTIONS, random: () => 0.25 })).toBe(100)
  })

  it('reaches at most the cap (maxBackoffMS) however many retries came before', () => {
    const nearlyOne = (): number => 0.999_999
    for (let i = 0; i < 40; i += 1) {
      expect(fullJitterBackoffMS(i, { ...OPTIONS, random: nearlyOne })).toBeLessThan(1_000)
    }
    expect(fullJitterBackoffMS(10, { ...OPTIONS, random: () => 1 })).toBe(1_000)
  })

  it('grows with the retry index for the same random draw', () => {
    const delays = [0, 1, 2, 3].map((i) =>
      fullJitterBackoffMS(i, { ...OPTIONS, random: () => 0.9 }),
    )
    expect(delays).toEqual([90, 180, 360, 720])
  })

  it('is capped by the time left before the deadline', () => {
    expect(fullJitterBackoffMS(3, { ...OPTIONS, random: () => 0.9, remainingMS: 42 })).toBe(42)
    expect(fullJitterBackoffMS(3, { ...OPTIONS, random: () => 0.9, remainingMS: -5 })).toBe(0)
  })

  it('clamps a random source that strays outside [0, 1]', () => {
    expect(fullJitterBackoffMS(0, { ...OPTIONS, random: () => -1 })).toBe(0)
    expect(fullJitterBackoffMS(0, { ...OPTIONS, random: () => 7 })).toBe(100)
  })

  it('stays within [0, ceiling) with the default Math.random', () => {
    for (let i = 0; i < 200; i += 1) {
      const delayMS = fullJitterBackoffMS(2, OPTIONS)
      expect(delayMS).toBeGreaterThanOrEqual(0)
      expect(delayMS).toBeLessThan(400)
    }
  })
})
