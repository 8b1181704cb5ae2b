import { describe, expect, it } from 'vitest'
import type { FailoverRun } from '../../../bench/failover.js'
import { summarizeLatencies } from '../../../bench/stats.js'
import { ratiosOf, summarizeFailovers, summarizeMode } from '../../../bench/summary.js'
import type { SegmentResult } from '../../../bench/workload.js'

function segment(opsPerSec: number, latencyMS: number, errors = 0): SegmentResult {
  return {
    ops: opsPerSec,
    errors,
    ...(errors > 0 ? { firstError: `e${opsPerSec}` } : {}),
    elapsedMS: 1000,
    opsPerSec,
    clientCpuMicrosPerOp: latencyMS * 10,
    reads: summarizeLatencies([latencyMS]),
    writes: summarizeLatencies([latencyMS * 2]),
    all: summarizeLatencies([latencyMS, latencyMS * 2]),
  }
}

describe('summarizeMode', () => {
  it('takes medians over rounds and the throughput range', () => {
    const s = summarizeMode('raw', [segment(100, 1), segment(300, 3, 2), segment(200, 2)])
    expect(s.opsPerSec).toEqual({ median: 200, min: 100, max: 300 })
    expect(s.reads.p50MS).toBe(2)
    expect(s.writes.p99MS).toBe(4)
    expect(s.clientCpuMicrosPerOp).toBe(20)
    expect(s.errors).toBe(2)
    expect(s.firstError).toBe('e300')
    expect(s.rounds).toHaveLength(3)
  })

  it('is all null for a mode that never ran', () => {
    const s = summarizeMode('raw', [])
    expect(s.opsPerSec).toEqual({ median: null, min: null, max: null })
    expect(s.all).toEqual({ p50MS: null, p99MS: null })
  })
})

describe('ratiosOf', () => {
  it('divides the first mode by the second, figure by figure', () => {
    const fast = summarizeMode('a', [segment(200, 1)])
    const slow = summarizeMode('b', [segment(100, 2)])
    const r = ratiosOf(fast, slow)
    expect(r.throughput).toBe(2)
    expect(r.readP50).toBe(0.5)
    expect(r.writeP99).toBe(0.5)
    expect(r.clientCpu).toBe(0.5)
  })

  it('is null when a mode is missing', () => {
    expect(ratiosOf(undefined, summarizeMode('b', [segment(1, 1)])).throughput).toBeNull()
  })
})

function run(windowMS: number | null, promotionMS: number | null): FailoverRun {
  return {
    mode: 'replicakit',
    killedNode: 'node1',
    newPrimary: 'node2',
    killMS: 5,
    promotionMS,
    promoteReturnedMS: 100,
    detectedMS: windowMS,
    windowMS,
    failedWrites: 1,
  }
}

describe('summarizeFailovers', () => {
  const target = { budgetMS: 2100, rule: 'promotion + 2000 + 100' }

  it('compares each run with its own promotion time plus the budget', () => {
    const s = summarizeFailovers(
      'replicakit',
      [run(1000, 50), run(3000, 100), run(2200, 100)],
      target,
    )
    expect(s.windowMS).toBe(2200)
    expect(s.promotionMS).toBe(100)
    expect(s.targetMS).toBe(2200)
    expect(s.withinTarget).toBe(2)
    expect(s.targetRule).toBe('promotion + 2000 + 100')
  })

  it('never counts a run without a successful write or a promotion time as within target', () => {
    const s = summarizeFailovers('haproxy', [run(null, 50), run(100, null)], target)
    expect(s.withinTarget).toBe(0)
    expect(s.windowMS).toBe(100)
  })
})
