import type { ProbeFunction } from '../../../src/topology/monitor.js'
import type { ProbeResult } from '../../../src/topology/node-description.js'
import { sleep } from '../../../src/util/abort.js'
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
