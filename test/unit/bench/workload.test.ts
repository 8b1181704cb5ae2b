import { describe, expect, it } from 'vitest'
import {
  LatencyRecorder,
  payloadFor,
  runWorkload,
  type WorkloadTarget,
} from '../../../bench/workload.js'

/** A clock that moves `stepMS` on every reading. */
function steppingClock(stepMS: number): () => number {
  let t = 0
  return () => {
    t += stepMS
    return t
  }
}

function recordingTarget(failEvery = 0) {
  const reads: number[] = []
  const writes: string[] = []
  let calls = 0
  const target: WorkloadTarget = {
    read(id) {
      calls += 1
      reads.push(id)
      return failEvery > 0 && calls % failEvery === 0
        ? Promise.reject(new Error('boom'))
        : Promise.resolve()
    },
    write(payload) {
      calls += 1
      writes.push(payload)
      return Promise.resolve()
    },
  }
  return { target, reads, writes }
}

const BASE = { concurrency: 4, durationMS: 1_000, writeRatio: 0.25, rows: 50, seed: 9 }

describe('runWorkload', () => {
  it('mixes reads and writes at about the write ratio, reading ids within 1…rows', async () => {
    const { target, reads, writes } = recordingTarget()
    const result = await runWorkload(target, { ...BASE, now: steppingClock(0.1) })
    const share = writes.length / (reads.length + writes.length)
    expect(share).toBeGreaterThan(0.18)
    expect(share).toBeLessThan(0.32)
    expect(Math.min(...reads)).toBeGreaterThanOrEqual(1)
    expect(Math.max(...reads)).toBeLessThanOrEqual(50)
    expect(result.ops).toBe(result.reads.count + result.writes.count)
    expect(result.errors).toBe(0)
  })

  it('replays the same operations for the same seed', async () => {
    const a = recordingTarget()
    const b = recordingTarget()
    await runWorkload(a.target, { ...BASE, concurrency: 1, now: steppingClock(1) })
    await runWorkload(b.target, { ...BASE, concurrency: 1, now: steppingClock(1) })
    expect(b.reads).toEqual(a.reads)
    expect(b.writes).toEqual(a.writes)
  })

  it('counts only operations started after the warm-up and computes ops per second', async () => {
    const { target } = recordingTarget()
    // A warm-up operation reads the clock once (its start), a measured one twice (start, end):
    // measured operations start at 301, 303, … 899 ms.
    const result = await runWorkload(target, {
      ...BASE,
      concurrency: 1,
      warmupMS: 300,
      durationMS: 600,
      now: steppingClock(1),
    })
    expect(result.elapsedMS).toBe(600)
    expect(result.ops).toBe(300)
    expect(result.opsPerSec).toBeCloseTo((result.ops * 1000) / 600, 6)
  })

  it('reports this process CPU time per operation, warm-up included', async () => {
    const { target } = recordingTarget()
    let cpu = 0
    const result = await runWorkload(target, {
      ...BASE,
      concurrency: 1,
      warmupMS: 300,
      durationMS: 600,
      now: steppingClock(1),
      // 10 µs of CPU per reading of the CPU clock after the first one.
      cpuMicros: () => (cpu += 10),
    })
    // 299 warm-up operations (starting at 2…300 ms, one clock reading each) + 300 measured ones;
    // the CPU clock moved by 10 µs between the segment's start and end.
    expect(result.clientCpuMicrosPerOp).toBeCloseTo(10 / 599, 9)
  })

  it('counts failures without throwing and keeps the first message', async () => {
    const { target } = recordingTarget(5)
    const result = await runWorkload(target, { ...BASE, writeRatio: 0, now: steppingClock(0.5) })
    expect(result.errors).toBeGreaterThan(0)
    expect(result.firstError).toBe('boom')
    expect(result.reads.count).toBe(result.ops)
  })

  it('stops early when aborted', async () => {
    const { target, reads } = recordingTarget()
    const controller = new AbortController()
    controller.abort()
    const result = await runWorkload(target, { ...BASE, signal: controller.signal })
    expect(reads).toHaveLength(0)
    expect(result.ops).toBe(0)
  })
})

describe('LatencyRecorder', () => {
  it('grows past its initial capacity and keeps every sample', () => {
    const recorder = new LatencyRecorder()
    for (let i = 0; i < 10_000; i += 1) recorder.record(i)
    expect(recorder.count).toBe(10_000)
    expect(recorder.samples()[9_999]).toBe(9_999)
    expect(recorder.samples()).toHaveLength(10_000)
  })
})

describe('payloadFor', () => {
  it('is 100 characters and differs per operation', () => {
    expect(payloadFor(1)).toHaveLength(100)
    expect(payloadFor(1)).not.toBe(payloadFor(2))
  })
})
