import { describe, expect, it, test } from 'vitest'
import { ConfigError } from '../../src/errors/errors.js'
import {
  readSelector,
  selectNodes,
  selectSuitableNodes,
} from '../../src/selection/server-selection.js'
import type { SpecReadPreference, SpecServer, SpecTopology } from './support/selection-builders.js'
import {
  addressesOf,
  readPreferenceFromSpec,
  topologyFromSpec,
} from './support/selection-builders.js'
import { loadSpecFiles } from './support/selection-spec-files.js'

/**
 * The max staleness spec's tests: staleness with and without a primary, the lower bound on
 * `maxStalenessSeconds` (90 s, and heartbeat + 10 s idle write period), and invalid values.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/max-staleness/max-staleness.md
 */
interface MaxStalenessTest {
  readonly heartbeatFrequencyMS?: number
  readonly topology_description: SpecTopology
  readonly read_preference?: SpecReadPreference
  readonly suitable_servers?: readonly SpecServer[]
  readonly in_latency_window?: readonly SpecServer[]
  readonly error?: boolean
}

/** The client defaults the spec files assume. */
const LOCAL_THRESHOLD_MS = 15
const HEARTBEAT_FREQUENCY_MS = 10_000
const NOW = 1_700_000_000_000

const files = loadSpecFiles<MaxStalenessTest>('max-staleness/tests')

function run(spec: MaxStalenessTest) {
  const description = topologyFromSpec(spec.topology_description)
  // The spec's read preferences are all for reads ("operation" is never given in this suite).
  const selector = readSelector(readPreferenceFromSpec(spec.read_preference))
  const options = {
    localThresholdMS: LOCAL_THRESHOLD_MS,
    heartbeatFrequencyMS: spec.heartbeatFrequencyMS ?? HEARTBEAT_FREQUENCY_MS,
    now: NOW,
  }
  return {
    suitable: selectSuitableNodes(description, selector, options),
    inWindow: selectNodes(description, selector, options),
  }
}

describe('max staleness spec', () => {
  it('finds the vendored spec files', () => {
    expect(files.length).toBe(32)
    expect(files.filter((file) => file.content.error === true).length).toBeGreaterThan(0)
  })

  test.for(files)('$name', ({ content: spec }) => {
    if (spec.error === true) {
      expect(() => run(spec)).toThrow(ConfigError)
      return
    }
    const { suitable, inWindow } = run(spec)
    expect(addressesOf(suitable)).toEqual(addressesOf(spec.suitable_servers ?? []))
    expect(addressesOf(inWindow)).toEqual(addressesOf(spec.in_latency_window ?? []))
  })
})
