import { describe, expect, it, test } from 'vitest'
import { ConfigError } from '../../src/errors/errors.js'
import type { NodeSelector } from '../../src/selection/server-selection.js'
import {
  readSelector,
  selectNodes,
  selectSuitableNodes,
  WRITE_SELECTOR,
} from '../../src/selection/server-selection.js'
import type { SpecReadPreference, SpecServer, SpecTopology } from './support/selection-builders.js'
import {
  addressesOf,
  readPreferenceFromSpec,
  topologyFromSpec,
} from './support/selection-builders.js'
import { countSpecFiles, loadSpecFiles } from './support/selection-spec-files.js'

/**
 * The server selection spec's logic tests: every topology type, reads and writes, suitable servers
 * and the latency window.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/tests/README.md#server-selection-logic-tests
 */
interface ServerSelectionTest {
  readonly topology_description: SpecTopology
  readonly operation?: 'read' | 'write'
  readonly read_preference?: SpecReadPreference
  readonly deprioritized_servers?: readonly SpecServer[]
  readonly heartbeatFrequencyMS?: number
  readonly suitable_servers?: readonly SpecServer[]
  readonly in_latency_window?: readonly SpecServer[]
  readonly error?: boolean
}

/** The client defaults the spec files assume. */
const LOCAL_THRESHOLD_MS = 15
const HEARTBEAT_FREQUENCY_MS = 10_000
const NOW = 1_700_000_000_000

const files = loadSpecFiles<ServerSelectionTest>('server-selection/tests/server_selection')

function run(spec: ServerSelectionTest) {
  const description = topologyFromSpec(spec.topology_description)
  const selector: NodeSelector =
    spec.operation === 'write'
      ? WRITE_SELECTOR
      : readSelector(readPreferenceFromSpec(spec.read_preference))
  const options = {
    localThresholdMS: LOCAL_THRESHOLD_MS,
    heartbeatFrequencyMS: spec.heartbeatFrequencyMS ?? HEARTBEAT_FREQUENCY_MS,
    now: NOW,
    deprioritized: (spec.deprioritized_servers ?? []).map((server) => server.address),
  }
  return {
    suitable: selectSuitableNodes(description, selector, options),
    inWindow: selectNodes(description, selector, options),
  }
}

describe('server selection spec: server_selection', () => {
  it('finds the vendored spec files', () => {
    expect(files.length).toBe(88)
  })

  test.for(files)('$name', ({ content: spec }) => {
    if (spec.error === true) {
      expect(() => run(spec)).toThrow(ConfigError)
      return
    }
    const { suitable, inWindow } = run(spec)
    if (spec.suitable_servers !== undefined) {
      expect(addressesOf(suitable)).toEqual(addressesOf(spec.suitable_servers))
    }
    expect(spec.in_latency_window).toBeDefined()
    expect(addressesOf(inWindow)).toEqual(addressesOf(spec.in_latency_window ?? []))
  })
})

describe('server selection spec: other folders', () => {
  it.skip(`logging/* (${String(countSpecFiles('server-selection/tests/logging'))} files) [skip: unified test format against a real server with log capture; ReplicaKit emits events, not spec log messages]`, () => {})
  it.skip(`rtt/* (${String(countSpecFiles('server-selection/tests/rtt'))} files) [skip: RTT averaging belongs to the monitor's RTT sampler, not to pure selection]`, () => {})
})
