import { describe, expect, it, test } from 'vitest'
import { pickInWindow } from '../../src/selection/latency-window.js'
import { readSelector, selectNodes } from '../../src/selection/server-selection.js'
import type { SpecTopology } from './support/selection-builders.js'
import { seededRandom, topologyFromSpec } from './support/selection-builders.js'
import { loadSpecFiles } from './support/selection-spec-files.js'

/**
 * The server selection spec's "selection within the latency window" tests: power of two random
 * choices by in-flight operation count, checked as frequencies over the given iterations.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/tests/README.md#selection-within-latency-window-yaml-tests
 */
interface InWindowTest {
  readonly description: string
  readonly topology_description: SpecTopology
  readonly mocked_topology_state: readonly { address: string; operation_count: number }[]
  readonly iterations: number
  readonly outcome: {
    readonly tolerance: number
    readonly expected_frequencies: Readonly<Record<string, number>>
  }
}

const files = loadSpecFiles<InWindowTest>('server-selection/tests/in_window')

/** A fixed seed per run, so a failure is reproducible; every file gets its own stream. */
const SEED = 20_240_601

describe('server selection spec: in_window', () => {
  it('finds the vendored spec files', () => {
    expect(files.length).toBe(8)
  })

  test.for(files.map((file, index) => ({ ...file, index })))(
    '$name',
    ({ content: spec, index }) => {
      const description = topologyFromSpec(spec.topology_description)
      const counts = new Map(spec.mocked_topology_state.map((s) => [s.address, s.operation_count]))
      const inWindow = selectNodes(description, readSelector({ mode: 'nearest' }), {
        localThresholdMS: 15,
        heartbeatFrequencyMS: 10_000,
        now: 0,
      })
      const random = seededRandom(SEED + index)
      const selected = new Map<string, number>()
      for (let i = 0; i < spec.iterations; i += 1) {
        const node = pickInWindow(inWindow, {
          random,
          operationCount: (address) => counts.get(address) ?? 0,
        })
        const address = node?.address ?? 'none'
        selected.set(address, (selected.get(address) ?? 0) + 1)
      }
      expect(selected.get('none')).toBeUndefined()
      for (const [address, expected] of Object.entries(spec.outcome.expected_frequencies)) {
        const observed = (selected.get(address) ?? 0) / spec.iterations
        if (expected === 0 || expected === 1) {
          expect(observed, address).toBe(expected)
        } else {
          expect(
            Math.abs(observed - expected),
            `${address}: observed ${String(observed)}`,
          ).toBeLessThanOrEqual(spec.outcome.tolerance)
        }
      }
    },
  )
})
