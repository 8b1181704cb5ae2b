import { describe, expect, it } from 'vitest'
import { helloToProbeResult } from '../../adapters/mongodb/mongodb-hello.js'
import { ErrorCode } from '../../src/errors/error-codes.js'
import { NetworkError } from '../../src/errors/errors.js'
import { formatNodeAddress, parseNodeAddress } from '../../src/topology/node-address.js'
import { Topology } from '../../src/topology/topology.js'
import { createFakeClock } from '../fixtures/fake-clock.js'
import {
  SPEC_WIRE_VERSION_RANGE,
  loadSdamSuite,
  parseSdamUri,
  translateApplicationError,
} from './support/sdam-fixtures.js'
import type { SdamTest } from './support/sdam-fixtures.js'
import { expectOutcome, normaliseExpectedEvents, recordSpecEvents } from './support/sdam-outcome.js'
import type { SpecEvent } from './support/sdam-outcome.js'

/**
 * The SDAM spec suites (`server-discovery-and-monitoring/tests/{rs,single,sharded,load-balanced,
 * errors,monitoring}`), driven through the real `Topology` fed with `hello` replies translated by
 * the MongoDB adapter's `helloToProbeResult`, and application errors mapped as that adapter maps them.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/tests/README.md
 */
const SUITES = ['rs', 'single', 'sharded', 'load-balanced', 'errors', 'monitoring'] as const

/** How many files each suite holds (SOURCE.md), so a wrong path cannot pass with zero tests. */
const EXPECTED_FILES: Readonly<Record<(typeof SUITES)[number], number>> = {
  rs: 77,
  single: 19,
  sharded: 9,
  'load-balanced': 1,
  errors: 72,
  monitoring: 8,
}

/** Files the core cannot run, with the reason (none at present). */
const SKIPS: Readonly<Record<string, string>> = {}

for (const suite of SUITES) {
  describe(`SDAM ${suite}`, () => {
    const files = loadSdamSuite(suite)
    it('finds every file of the suite', () => {
      expect(files).toHaveLength(EXPECTED_FILES[suite])
    })
    for (const { name, test } of files) {
      const reason = SKIPS[`${suite}/${name}`]
      if (reason !== undefined) {
        it.skip(`${name}: ${test.description} [skip: ${reason}]`, () => undefined)
        continue
      }
      it(`${name}: ${test.description}`, async () => {
        await runSdamTest(suite, test)
      })
    }
  })
}

async function runSdamTest(suite: string, test: SdamTest): Promise<void> {
  const uri = parseSdamUri(test.uri)
  const topology = new Topology({
    seeds: uri.seeds,
    clock: createFakeClock(),
    options: {
      ...(uri.setName === undefined ? {} : { setName: uri.setName }),
      ...(uri.directConnection === undefined ? {} : { directConnection: uri.directConnection }),
      ...(uri.loadBalanced === undefined ? {} : { loadBalanced: uri.loadBalanced }),
      wireVersionRange: SPEC_WIRE_VERSION_RANGE,
    },
  })
  const events = recordSpecEvents(topology)
  topology.start()
  try {
    for (const [index, phase] of test.phases.entries()) {
      for (const [source, reply] of phase.responses ?? []) {
        const address = normalise(source)
        if (Object.keys(reply).length === 0) {
          // The empty reply stands for a network error while calling hello.
          const error = new NetworkError(`hello to ${address} failed`, {
            code: ErrorCode.NetworkError,
            node: address,
          })
          topology.applyProbeOutcome(address, error)
        } else {
          const options = uri.loadBalanced === true ? { loadBalanced: true } : {}
          topology.applyProbeOutcome(address, helloToProbeResult(reply, options))
        }
      }
      for (const spec of phase.applicationErrors ?? []) {
        const { error, context } = translateApplicationError(spec)
        topology.markNodeUnknown(normalise(spec.address), error, context)
      }
      const label = `phase ${String(index)}${phase.description === undefined ? '' : ` (${phase.description})`}`
      if (suite === 'monitoring') {
        const expected = normaliseExpectedEvents(phase.outcome['events'] as SpecEvent[])
        expect(events, label).toEqual(expected)
        events.length = 0
      } else {
        expectOutcome(topology, phase.outcome)
      }
    }
  } finally {
    await topology.close()
  }
}

function normalise(address: string): string {
  const parsed = parseNodeAddress(address, 27017)
  if (parsed === undefined) throw new Error(`bad address ${address}`)
  return formatNodeAddress(parsed.host, parsed.port)
}
