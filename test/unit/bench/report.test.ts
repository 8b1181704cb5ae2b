import { describe, expect, it } from 'vitest'
import type { MysqlBenchReport } from '../../../bench/mysql-bench.js'
import { formatMysqlReport, formatRatio, formatTable } from '../../../bench/report.js'
import { summarizeLatencies } from '../../../bench/stats.js'
import { ratiosOf, summarizeFailovers, summarizeMode } from '../../../bench/summary.js'
import type { SegmentResult } from '../../../bench/workload.js'

function segment(opsPerSec: number, latencyMS: number): SegmentResult {
  return {
    ops: opsPerSec,
    errors: 0,
    elapsedMS: 1000,
    opsPerSec,
    clientCpuMicrosPerOp: latencyMS * 100,
    reads: summarizeLatencies([latencyMS]),
    writes: summarizeLatencies([latencyMS * 2]),
    all: summarizeLatencies([latencyMS]),
  }
}

describe('formatTable', () => {
  it('aligns the first column left and the others right', () => {
    expect(
      formatTable([
        ['a', 'bb'],
        ['ccc', 'd'],
      ]),
    ).toBe('a    bb\nccc   d')
  })
})

describe('formatRatio', () => {
  it('prints two decimals and a multiplication sign', () => {
    expect(formatRatio(0.9349)).toBe('0.93×')
    expect(formatRatio(null)).toBe('-')
  })
})

describe('formatMysqlReport', () => {
  const raw = summarizeMode('raw', [segment(1000, 1)])
  const rk = summarizeMode('replicakit', [segment(900, 1.2)])
  const hap = summarizeMode('haproxy', [segment(800, 1.5)])
  const report: MysqlBenchReport = {
    benchmark: 'mysql',
    schemaVersion: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    totalMS: 1234,
    settings: { rounds: 1, durationMS: 1000, concurrency: 16, rows: 100, writeRatio: 0.2 },
    machine: {
      cpus: 2,
      cpuModel: 'cpu',
      memoryGiB: 24,
      node: 'v20',
      mariadb: '10.11',
      haproxy: 'HAProxy 2.6',
    },
    modes: [raw, rk, hap],
    ratios: { replicakitVsRaw: ratiosOf(rk, raw), replicakitVsHaproxy: ratiosOf(rk, hap) },
    failover: [
      summarizeFailovers(
        'replicakit',
        [
          {
            mode: 'replicakit',
            killedNode: 'node1',
            newPrimary: 'node2',
            killMS: 3,
            promotionMS: 40,
            promoteReturnedMS: 90,
            detectedMS: 300,
            windowMS: 345,
            failedWrites: 2,
          },
        ],
        { budgetMS: 2100, rule: 'promotion + heartbeatFrequencyMS (2000) + 100 ms' },
      ),
    ],
  }
  const text = formatMysqlReport(report)

  it('has one row per mode with throughput and percentiles', () => {
    expect(text).toMatch(/raw mysql2 +1000 +1000–1000 +1\.00 +1\.00 +2\.00 +2\.00 +100 +0/)
    expect(text).toMatch(/ReplicaKit +900 /)
    expect(text).toMatch(/HAProxy \(TCP\) +800 /)
  })

  it('prints the ratios of ReplicaKit to raw and to HAProxy', () => {
    expect(text).toMatch(/ReplicaKit \/ raw +0\.90× +1\.20× +1\.20× +1\.20× +1\.20× +1\.20×/)
    expect(text).toMatch(/ReplicaKit \/ HAProxy +1\.13× +0\.80×/)
  })

  it('prints the failover window, promotion and target', () => {
    expect(text).toMatch(/ReplicaKit +345 +40 +300 +2140 +1\/1 +345/)
    expect(text).toContain('target ReplicaKit: promotion + heartbeatFrequencyMS (2000) + 100 ms')
  })
})

describe('formatMysqlReport: TLS', () => {
  const plain = summarizeMode('replicakit', [segment(1000, 1)])
  const tls = summarizeMode('replicakit-tls', [segment(900, 1.5)])
  const latency = (p50MS: number) => ({
    count: 2,
    p50MS,
    p99MS: p50MS * 2,
    meanMS: p50MS,
    maxMS: p50MS * 2,
  })
  const report: MysqlBenchReport = {
    benchmark: 'mysql',
    schemaVersion: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    totalMS: 1,
    settings: { rounds: 1, durationMS: 1000, concurrency: 16, rows: 100, writeRatio: 0.2 },
    machine: {
      cpus: 2,
      cpuModel: 'cpu',
      memoryGiB: 24,
      node: 'v20',
      mariadb: '10.11',
      haproxy: null,
    },
    modes: [plain, tls],
    ratios: {
      replicakitVsRaw: ratiosOf(plain, undefined),
      replicakitVsHaproxy: ratiosOf(plain, undefined),
      tlsVsPlain: ratiosOf(tls, plain),
    },
    handshake: {
      samplesPerVariant: 2,
      variants: [
        { variant: 'plain', latency: latency(2), resumed: 0 },
        { variant: 'tls', latency: latency(5), resumed: 1 },
        { variant: 'tls-full', latency: latency(8), resumed: 0 },
      ],
      tlsVsPlain: { p50: 2.5, p99: 2.5 },
      tlsFullVsPlain: { p50: 4, p99: 4 },
    },
    failover: [],
  }
  const text = formatMysqlReport(report)

  it('prints the steady-state ratio of ReplicaKit over TLS to plain', () => {
    expect(text).toMatch(/ReplicaKit, TLS +900 /)
    expect(text).toMatch(/ReplicaKit TLS \/ plain +0\.90× +1\.50×/)
  })

  it('prints the new-connection cost per variant and the ratios', () => {
    expect(text).toMatch(/plain TCP +2\.00 +4\.00 +2\.00 +-/)
    expect(text).toMatch(/TLS \(as the adapter\) +5\.00 +10\.00 +5\.00 +1\/2/)
    expect(text).toMatch(/TLS, full handshake +8\.00 +16\.00 +8\.00 +0\/2/)
    expect(text).toContain('TLS / plain: p50 2.50×, p99 2.50×; full handshake / plain: p50 4.00×')
  })
})
