import type { TopologyEvents } from '../../../src/events/events.js'
import type { ProbeFunction } from '../../../src/topology/monitor.js'
import type { ProbeResult } from '../../../src/topology/node-description.js'
import { sleep } from '../../../src/util/abort.js'
import { Topology } from '../../../src/topology/topology.js'
import type { TopologyOptions } from '../../../src/topology/topology.js'
import { createFakeClock } from '../../fixtures/fake-clock.js'
import type { FakeClock } from '../../fixtures/fake-clock.js'

/** What one scripted probe call does. */
export interface ProbeStep {
  /** Take this long on the fake clock first. Default 0. */
  readonly delayMS?: number
  readonly result?: ProbeResult
  readonly error?: Error
  /** Never answer; settle only when the signal aborts. */
  readonly hang?: boolean
}

/** One recorded probe call. */
export interface ProbeCall {
  readonly address: string
  readonly atMS: number
  readonly signal: AbortSignal
}

/**
 * A probe driven by a script: `step(address, n)` says what the n-th call (1-based) for `address`
 * does. Records every call with its fake-clock time.
 */
export function scriptedProbe(
  clock: FakeClock,
  step: (address: string, n: number) => ProbeStep,
): { probe: ProbeFunction; calls: ProbeCall[]; callsTo: (address: string) => number[] } {
  const calls: ProbeCall[] = []
  const probe: ProbeFunction = async (address, { signal }) => {
    calls.push({ address, atMS: clock.monotonicMS(), signal })
    const s = step(address, calls.filter((c) => c.address === address).length)
    if (s.hang === true) {
      return new Promise<ProbeResult>((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          reject(signal.reason as Error)
        })
      })
    }
    if (s.delayMS !== undefined) await sleep(clock, s.delayMS, signal)
    if (s.error !== undefined) throw s.error
    if (s.result === undefined)
      throw new Error(`no scripted result for ${address} call ${String(calls.length)}`)
    return s.result
  }
  const callsTo = (address: string): number[] =>
    calls.filter((c) => c.address === address).map((c) => c.atMS)
  return { probe, calls, callsTo }
}

/**
 * A topology on a fake clock whose probe answers by `step(address, n)` (see {@link scriptedProbe}),
 * recording every event in order: `events` with their payloads, `names()` the names alone.
 */
export function scriptedTopology(
  step: (address: string, n: number) => ProbeStep,
  options: TopologyOptions = {},
  seeds = ['a:3306'],
) {
  const clock = createFakeClock()
  const scripted = scriptedProbe(clock, step)
  const topology = new Topology({
    seeds,
    clock,
    probe: scripted.probe,
    options: { heartbeatFrequencyMS: 10_000, connectTimeoutMS: 1_000, ...options },
  })
  const events: { name: keyof TopologyEvents; event: TopologyEvents[keyof TopologyEvents] }[] = []
  const eventNames: (keyof TopologyEvents)[] = [
    'topologyOpened',
    'topologyClosed',
    'topologyChanged',
    'nodeOpened',
    'nodeClosed',
    'nodeChanged',
    'primaryChanged',
    'splitBrainDetected',
    'heartbeatStarted',
    'heartbeatSucceeded',
    'heartbeatFailed',
  ]
  for (const name of eventNames) topology.on(name, (event) => events.push({ name, event }))
  const named = <K extends keyof TopologyEvents>(name: K): TopologyEvents[K][] =>
    events.filter((e) => e.name === name).map((e) => e.event as TopologyEvents[K])
  const names = (): (keyof TopologyEvents)[] => events.map((e) => e.name)
  return { clock, topology, events, named, names, ...scripted }
}
