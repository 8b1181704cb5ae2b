import { describe, expect, it, vi } from 'vitest'
import { ErrorCode } from '../../../src/errors/error-codes.js'
import { ConfigError, NetworkError } from '../../../src/errors/errors.js'
import type { ReplicaKitError } from '../../../src/errors/errors.js'
import { Monitor } from '../../../src/topology/monitor.js'
import type { MonitorOptions, ProbeFunction } from '../../../src/topology/monitor.js'
import { NodeType } from '../../../src/topology/node-description.js'
import type { ProbeResult } from '../../../src/topology/node-description.js'
import { createFakeClock } from '../../fixtures/fake-clock.js'
import type { FakeClock } from '../../fixtures/fake-clock.js'
import { scriptedProbe } from './probe-script.js'
import type { ProbeStep } from './probe-script.js'

const OK = { result: { type: NodeType.Secondary, setName: 'rs' } } as const
const refused = (): NetworkError =>
  new NetworkError('connect ECONNREFUSED', { code: ErrorCode.NetworkError, node: 'a:1' })

function setup(step: (n: number) => ProbeStep, overrides: Partial<MonitorOptions> = {}) {
  const clock = createFakeClock()
  const { probe, callsTo, calls } = scriptedProbe(clock, (_address, n) => step(n))
  const failures: ReplicaKitError[] = []
  const successes: { durationMS: number; rttMS: number }[] = []
  let known = false
  const monitor = new Monitor({
    address: 'a:1',
    clock,
    probe,
    heartbeatFrequencyMS: 10_000,
    timeoutMS: 2_000,
    isKnown: () => known,
    onStarted: () => undefined,
    onSucceeded: (_result, durationMS, rttMS) => {
      known = true
      successes.push({ durationMS, rttMS })
    },
    onFailed: (error) => {
      known = false
      failures.push(error)
    },
    ...overrides,
  })
  return { clock, monitor, times: () => callsTo('a:1'), calls, failures, successes }
}

/** A monitor of `a:1` on `clock` with `probe`, a 10 s heartbeat and a 2 s probe timeout; `rest` adds the callbacks. */
function monitorOf(
  clock: FakeClock,
  probe: ProbeFunction,
  rest: Omit<MonitorOptions, 'address' | 'clock' | 'probe' | 'heartbeatFrequencyMS' | 'timeoutMS'>,
): Monitor {
  return new Monitor({
    address: 'a:1',
    clock,
    probe,
    heartbeatFrequencyMS: 10_000,
    timeoutMS: 2_000,
    ...rest,
  })
}

async function startAndSettle(clock: FakeClock, monitor: Monitor): Promise<void> {
  monitor.start()
  await clock.flush()
}

describe('Monitor', () => {
  it('probes every heartbeatFrequencyMS, counted from the end of the previous check', async () => {
    const { clock, monitor, times, successes } = setup(() => ({ ...OK, delayMS: 100 }))
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(100 + 9_999)
    expect(times()).toEqual([0])
    await clock.advanceAsync(1)
    expect(times()).toEqual([0, 10_100])
    await clock.advanceAsync(10_100)
    expect(times()).toEqual([0, 10_100, 20_200])
    expect(successes[0]).toEqual({ durationMS: 100, rttMS: 100 })
    await monitor.close()
  })

  it('averages the round trips with alpha 0.2', async () => {
    const delays = [100, 200]
    const { clock, monitor, successes } = setup((n) => ({ ...OK, delayMS: delays[n - 1] ?? 0 }))
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(100 + 10_000 + 200)
    expect(successes.map((s) => s.rttMS)).toEqual([100, 0.2 * 200 + 0.8 * 100])
    await monitor.close()
  })

  it('averages the round trip the adapter measured, when it reports one, not the probe duration', async () => {
    const { clock, monitor, successes } = setup(() => ({
      result: { ...OK.result, roundTripTimeMS: 3 },
      delayMS: 40,
    }))
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(40)
    expect(successes[0]).toEqual({ durationMS: 40, rttMS: 3 })
    await monitor.close()
  })

  it('serves a storm of requests no sooner than 500 ms after the previous check started', async () => {
    const { clock, monitor, times } = setup(() => OK)
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(100)
    for (let i = 0; i < 50; i += 1) monitor.requestCheck()
    await clock.advanceAsync(399)
    expect(times()).toEqual([0])
    await clock.advanceAsync(1)
    expect(times()).toEqual([0, 500])
    for (let i = 0; i < 50; i += 1) monitor.requestCheck()
    await clock.advanceAsync(499)
    expect(times()).toEqual([0, 500])
    await clock.advanceAsync(1)
    expect(times()).toEqual([0, 500, 1000])
    await monitor.close()
  })

  it('checks at once when requested long after the previous check', async () => {
    const { clock, monitor, times } = setup(() => OK)
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(3_000)
    monitor.requestCheck()
    await clock.advanceAsync(0)
    expect(times()).toEqual([0, 3_000])
    await monitor.close()
  })

  it('serves a request made during a check right after it, with the same spacing', async () => {
    const { clock, monitor, times } = setup(() => ({ ...OK, delayMS: 200 }))
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(50)
    monitor.requestCheck()
    await clock.advanceAsync(449)
    expect(times()).toEqual([0])
    await clock.advanceAsync(1)
    expect(times()).toEqual([0, 500])
    await monitor.close()
  })

  it('re-checks at once after a known node fails, then waits the interval', async () => {
    const { clock, monitor, times, failures } = setup((n) => (n === 1 ? OK : { error: refused() }))
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(10_000)
    expect(times()).toEqual([0, 10_000, 10_000])
    expect(failures).toHaveLength(2)
    await clock.advanceAsync(9_999)
    expect(times()).toHaveLength(3)
    await clock.advanceAsync(1)
    expect(times()).toEqual([0, 10_000, 10_000, 20_000])
    await monitor.close()
  })

  it('does not retry at once when the node was already Unknown', async () => {
    const { clock, monitor, times } = setup(() => ({ error: refused() }))
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(9_999)
    expect(times()).toEqual([0])
    await monitor.close()
  })

  it('fails a probe that outlasts timeoutMS with CONNECT_TIMEOUT and aborts it', async () => {
    const { clock, monitor, failures, calls } = setup(() => ({ hang: true }))
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(1_999)
    expect(failures).toHaveLength(0)
    await clock.advanceAsync(1)
    expect(failures.map((e) => e.code)).toEqual([ErrorCode.ConnectTimeout])
    expect(failures[0]?.message).toContain('a:1')
    expect(calls[0]?.signal.aborted).toBe(true)
    await monitor.close()
  })

  it('wraps a non-ReplicaKit probe failure and never lets a callback throw', async () => {
    const onStarted = vi.fn(() => {
      throw new Error('listener bug')
    })
    const { clock, monitor, failures } = setup(() => ({ error: new TypeError('boom') }), {
      onStarted,
    })
    await startAndSettle(clock, monitor)
    expect(failures[0]?.code).toBe(ErrorCode.Internal)
    expect(failures[0]?.cause).toBeInstanceOf(TypeError)
    expect(onStarted).toHaveBeenCalled()
    await monitor.close()
  })

  it('close leaves no timer behind, aborts the running probe and reports nothing more', async () => {
    const { clock, monitor, calls, failures } = setup(() => ({ hang: true }))
    await startAndSettle(clock, monitor)
    expect(clock.pendingTimerCount).toBe(1) // the probe timeout
    await monitor.close()
    expect(clock.pendingTimerCount).toBe(0)
    expect(calls[0]?.signal.aborted).toBe(true)
    await clock.advanceAsync(60_000)
    expect(failures).toHaveLength(0)
    expect(calls).toHaveLength(1)
  })

  it('close between checks clears the heartbeat timer', async () => {
    const { clock, monitor, times } = setup(() => OK)
    await startAndSettle(clock, monitor)
    expect(clock.pendingTimerCount).toBe(1)
    await monitor.close()
    expect(clock.pendingTimerCount).toBe(0)
    monitor.requestCheck()
    await clock.advanceAsync(60_000)
    expect(times()).toEqual([0])
  })
})

describe('createFakeClock', () => {
  it('fires timers in due order, ties in creation order, and counts pending ones', () => {
    const clock = createFakeClock({ nowMS: 1_000 })
    const order: string[] = []
    clock.setTimeout(() => order.push('b'), 20)
    clock.setTimeout(() => order.push('a'), 10)
    clock.setTimeout(() => order.push('a2'), 10)
    const cleared = clock.setTimeout(() => order.push('never'), 5)
    clock.clearTimeout(cleared)
    expect(clock.pendingTimerCount).toBe(3)
    clock.advance(15)
    expect(order).toEqual(['a', 'a2'])
    expect([clock.monotonicMS(), clock.now(), clock.nextTimerDelayMS()]).toEqual([15, 1_015, 5])
    clock.advance(5)
    expect(order).toEqual(['a', 'a2', 'b'])
    expect(clock.pendingTimerCount).toBe(0)
  })

  it('fires a timer set while advancing when it falls due inside the window', () => {
    const clock = createFakeClock()
    const at: number[] = []
    clock.setTimeout(() => {
      at.push(clock.monotonicMS())
      clock.setTimeout(() => at.push(clock.monotonicMS()), 10)
    }, 10)
    clock.advance(25)
    expect(at).toEqual([10, 20])
  })
})

describe('Monitor: a node that refuses the credentials', () => {
  const authRefused = (): ConfigError =>
    new ConfigError('access denied (1045)', {
      code: ErrorCode.AuthenticationFailed,
      node: 'a:1',
      nativeCode: 1045,
    })

  it('backs off, doubling from heartbeatFrequencyMS up to a minute, and ignores requests meanwhile', async () => {
    // The node was known (a success first), so a plain failure would be re-checked at once.
    const { clock, monitor, times } = setup((n) => (n === 1 ? OK : { error: authRefused() }), {
      heartbeatFrequencyMS: 1_000,
    })
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(1_000) // second probe: refused
    for (let i = 0; i < 20; i++) {
      monitor.requestCheck() // a waiting selection asks again and again
      await clock.advanceAsync(500)
    }
    await clock.advanceAsync(200_000)
    const at = times()
    const gaps = at.slice(2).map((t, i) => t - (at[i + 1] ?? 0))
    expect(gaps.slice(0, 7)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000])
    expect(Math.max(...gaps)).toBe(60_000)
    await monitor.close()
  })

  it('probes at the normal pace again once the node accepts', async () => {
    const { clock, monitor, times } = setup((n) => (n <= 3 ? { error: authRefused() } : OK), {
      heartbeatFrequencyMS: 1_000,
    })
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(20_000)
    const at = times()
    // refused at 0, 1 000 (+1 s), 3 000 (+2 s); accepted at 7 000 (+4 s); then every second.
    expect(at.slice(0, 6)).toEqual([0, 1_000, 3_000, 7_000, 8_000, 9_000])
    await monitor.close()
  })
})

describe('Monitor: start, close and probes that ignore their signal', () => {
  /** A probe whose answers the test gives by hand; records each call's signal. */
  function manualProbe() {
    const calls: { signal: AbortSignal; answer: (result: ProbeResult) => void }[] = []
    const probe: ProbeFunction = (_address, { signal }) =>
      new Promise<ProbeResult>((resolve) => {
        calls.push({ signal, answer: resolve }) // ignores the signal
      })
    return { probe, calls }
  }

  it('starts once: a second start probes nothing more', async () => {
    const { clock, monitor, times } = setup(() => OK)
    await startAndSettle(clock, monitor)
    monitor.start()
    await clock.advanceAsync(9_999)
    expect(times()).toEqual([0])
    await clock.advanceAsync(1)
    expect(times()).toEqual([0, 10_000])
    await monitor.close()
  })

  it('does not probe on request before it is started', async () => {
    const { clock, monitor, times } = setup(() => OK)
    monitor.requestCheck()
    await clock.advanceAsync(60_000)
    expect(times()).toEqual([])
    expect(clock.pendingTimerCount).toBe(0)
    await startAndSettle(clock, monitor)
    expect(times()).toEqual([60_000])
    await monitor.close()
  })

  it('counts a node as not known when isKnown throws (no immediate re-check)', async () => {
    const { clock, monitor, times } = setup((n) => (n === 1 ? OK : { error: refused() }), {
      isKnown: () => {
        throw new Error('isKnown bug')
      },
    })
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(10_000)
    expect(times()).toEqual([0, 10_000])
    await clock.advanceAsync(10_000)
    expect(times()).toEqual([0, 10_000, 20_000])
    await monitor.close()
  })

  it('times out a probe that ignores its signal, and close does not wait for it', async () => {
    const clock = createFakeClock()
    const { probe, calls } = manualProbe()
    const failures: ReplicaKitError[] = []
    const monitor = monitorOf(clock, probe, {
      isKnown: () => false,
      onStarted: () => undefined,
      onSucceeded: () => undefined,
      onFailed: (error) => failures.push(error),
    })
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(2_000)
    expect(failures.map((e) => e.code)).toEqual([ErrorCode.ConnectTimeout])
    expect(calls[0]?.signal.aborted).toBe(true)
    await clock.advanceAsync(10_000) // the next probe, which hangs too
    expect(calls).toHaveLength(2)
    let closed = false
    void monitor.close().then(() => (closed = true))
    await clock.flush()
    expect(closed).toBe(true)
    expect(calls[1]?.signal.aborted).toBe(true)
    expect(failures).toHaveLength(1) // closing is not a failure of the node
  })

  it('close aborts the running probe even after an earlier one answered late', async () => {
    const clock = createFakeClock()
    const { probe, calls } = manualProbe()
    const successes: number[] = []
    const monitor = monitorOf(clock, probe, {
      isKnown: () => true, // so the timed-out probe is followed at once by the next
      onStarted: () => undefined,
      onSucceeded: () => successes.push(clock.monotonicMS()),
      onFailed: () => undefined,
    })
    await startAndSettle(clock, monitor)
    await clock.advanceAsync(2_000) // the first probe times out; the second starts at once
    expect(calls).toHaveLength(2)
    calls[0]?.answer(OK.result) // the first answers late: too late to count
    await clock.flush()
    await monitor.close()
    expect(calls[1]?.signal.aborted).toBe(true)
    expect(successes).toEqual([])
  })

  it('close aborts only a running probe: a finished probe’s signal is left alone', async () => {
    const { clock, monitor, calls } = setup(() => OK)
    await startAndSettle(clock, monitor)
    await monitor.close()
    expect(calls[0]?.signal.aborted).toBe(false)
  })

  it('reports nothing once close is called, even a probe that answered just before, whatever the interleaving', async () => {
    // Close after 0, 1, 2… microtask turns following the answer: early turns close before the
    // monitor has handled the answer, later ones after it has reported the success.
    let reportedBeforeClose = 0
    for (let turns = 0; turns < 12; turns++) {
      const clock = createFakeClock()
      const { probe, calls } = manualProbe()
      let closing = false
      const afterClose: string[] = []
      const report = (what: string): void => {
        if (closing) afterClose.push(what)
        else reportedBeforeClose++
      }
      const monitor = monitorOf(clock, probe, {
        isKnown: () => true,
        onStarted: () => undefined,
        onSucceeded: () => {
          report('succeeded')
        },
        onFailed: () => {
          report('failed')
        },
      })
      await startAndSettle(clock, monitor)
      calls[0]?.answer(OK.result)
      for (let i = 0; i < turns; i++) await Promise.resolve()
      closing = true
      await monitor.close()
      await clock.advanceAsync(60_000)
      expect({ turns, afterClose, probes: calls.length }).toEqual({
        turns,
        afterClose: [],
        probes: 1,
      })
    }
    expect(reportedBeforeClose).toBeGreaterThan(0) // the later turns did reach the success
  })
})
