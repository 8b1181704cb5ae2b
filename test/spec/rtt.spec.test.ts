import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { RttSampler, nextAverageRttMS } from '../../src/topology/rtt-sampler.js'

/**
 * The server-selection `rtt` suite: the moving average of probe round trips (alpha 0.2, first
 * sample as is), run against both the pure formula and the stateful sampler the monitors use.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection-tests.md
 */
interface RttTest {
  readonly avg_rtt_ms: number | 'NULL'
  readonly new_rtt_ms: number
  readonly new_avg_rtt: number
}

const RTT_ROOT = fileURLToPath(
  new URL('../../../shared/spec-tests/mongodb/server-selection/tests/rtt/', import.meta.url),
)
const FILES = readdirSync(RTT_ROOT)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({
    name,
    test: JSON.parse(readFileSync(`${RTT_ROOT}/${name}`, 'utf8')) as RttTest,
  }))

describe('server selection rtt', () => {
  it('finds the suite files', () => {
    expect(FILES.length).toBe(7)
  })

  it.for(FILES)('$name: nextAverageRttMS', ({ test }) => {
    const previous = test.avg_rtt_ms === 'NULL' ? null : test.avg_rtt_ms
    expect(nextAverageRttMS(previous, test.new_rtt_ms)).toBeCloseTo(test.new_avg_rtt, 9)
  })

  it.for(FILES)('$name: RttSampler', ({ test }) => {
    const sampler = new RttSampler()
    // A sampler whose average is avg_rtt_ms: its first sample is taken as is.
    if (test.avg_rtt_ms !== 'NULL') sampler.addSample(test.avg_rtt_ms)
    expect(sampler.addSample(test.new_rtt_ms)).toBeCloseTo(test.new_avg_rtt, 9)
    expect(sampler.averageMS).toBeCloseTo(test.new_avg_rtt, 9)
  })
})
