import { describe, expect, it } from 'vitest'
import { RTT_ALPHA, RttSampler, nextAverageRttMS } from '../../../src/topology/rtt-sampler.js'

describe('RttSampler', () => {
  it('takes the first sample as is, then weights new samples by alpha 0.2', () => {
    const sampler = new RttSampler()
    expect(sampler.averageMS).toBeNull()
    expect(sampler.addSample(10)).toBe(10)
    expect(sampler.addSample(20)).toBeCloseTo(12)
    expect(RTT_ALPHA).toBe(0.2)
  })

  it('starts afresh after reset', () => {
    const sampler = new RttSampler()
    sampler.addSample(100)
    sampler.reset()
    expect(sampler.averageMS).toBeNull()
    expect(sampler.addSample(3)).toBe(3)
  })

  it('counts a negative sample (a clock step) as 0', () => {
    expect(new RttSampler().addSample(-5)).toBe(0)
    expect(nextAverageRttMS(null, 7)).toBe(7)
  })
})
