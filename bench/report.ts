/**
 * The human form of a benchmark report: a small table per section, plain text for a terminal.
 */
import type { MysqlBenchReport } from './mysql-bench.js'
import { MODE_LABELS } from './mysql-modes.js'
import type { RatioSet } from './summary.js'

/** Pads cells into aligned columns (first column left-aligned, the rest right-aligned). */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length)
    })
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** `1234` → `1234`; `null` → `-`. */
function num(value: number | null | undefined, digits = 0): string {
  return value == null ? '-' : value.toFixed(digits)
}

/** A ratio as `0.93×` (`-` when unknown). */
export function formatRatio(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(2)}×`
}

function label(mode: string): string {
  return (MODE_LABELS as Readonly<Record<string, string | undefined>>)[mode] ?? mode
}

function ratioRow(name: string, r: RatioSet): string[] {
  return [
    name,
    formatRatio(r.throughput),
    formatRatio(r.readP50),
    formatRatio(r.readP99),
    formatRatio(r.writeP50),
    formatRatio(r.writeP99),
    formatRatio(r.clientCpu),
  ]
}

/** The handshake section: new connections with TLS against without. */
function handshakeLines(handshake: MysqlBenchReport['handshake']): string[] {
  if (handshake === undefined || handshake === null) return []
  const names: Record<string, string> = {
    plain: 'plain TCP',
    tls: 'TLS (as the adapter)',
    'tls-full': 'TLS, full handshake',
  }
  return [
    '',
    formatTable([
      ['new connection + SELECT 1', 'p50', 'p99', 'mean', 'resumed'],
      ...handshake.variants.map((v) => [
        names[v.variant] ?? v.variant,
        num(v.latency.p50MS, 2),
        num(v.latency.p99MS, 2),
        num(v.latency.meanMS, 2),
        v.variant === 'plain' ? '-' : `${v.resumed}/${v.latency.count}`,
      ]),
    ]),
    `(ms, ${handshake.samplesPerVariant} connections per variant, interleaved; TLS / plain: ` +
      `p50 ${formatRatio(handshake.tlsVsPlain.p50)}, p99 ${formatRatio(handshake.tlsVsPlain.p99)}; ` +
      `full handshake / plain: p50 ${formatRatio(handshake.tlsFullVsPlain.p50)}, ` +
      `p99 ${formatRatio(handshake.tlsFullVsPlain.p99)})`,
  ]
}

/** Renders the whole report as text (what the benchmark prints without `--json`). */
export function formatMysqlReport(report: MysqlBenchReport): string {
  const s = report.settings
  const lines: string[] = []
  lines.push(
    `MySQL benchmark: ${String(s['rounds'])} rounds × ${String(s['durationMS'])} ms per mode, ` +
      `concurrency ${String(s['concurrency'])}, ${String(s['rows'])} rows, ` +
      `${Math.round(Number(s['writeRatio']) * 100)}% inserts (${report.totalMS} ms in all)`,
  )
  const m = report.machine
  lines.push(
    `machine: ${String(m['cpus'])} × ${String(m['cpuModel'])}, ${String(m['memoryGiB'])} GiB, ` +
      `node ${String(m['node'])}, MariaDB ${String(m['mariadb'])}, ${typeof m['haproxy'] === 'string' ? m['haproxy'] : 'no HAProxy'}`,
  )
  lines.push('')
  lines.push(
    formatTable([
      [
        'mode',
        'ops/s',
        'min–max',
        'read p50',
        'read p99',
        'write p50',
        'write p99',
        'cpu µs/op',
        'errors',
      ],
      ...report.modes.map((mode) => [
        label(mode.mode),
        num(mode.opsPerSec.median),
        `${num(mode.opsPerSec.min)}–${num(mode.opsPerSec.max)}`,
        num(mode.reads.p50MS, 2),
        num(mode.reads.p99MS, 2),
        num(mode.writes.p50MS, 2),
        num(mode.writes.p99MS, 2),
        num(mode.clientCpuMicrosPerOp),
        String(mode.errors),
      ]),
    ]),
  )
  lines.push(
    '(latencies in ms; cpu = this process (workload + client) per operation; medians over rounds)',
  )
  lines.push('')
  lines.push(
    formatTable([
      ['ratio', 'ops/s', 'read p50', 'read p99', 'write p50', 'write p99', 'cpu/op'],
      ratioRow('ReplicaKit / raw', report.ratios.replicakitVsRaw),
      ratioRow('ReplicaKit / HAProxy', report.ratios.replicakitVsHaproxy),
      ...(report.ratios.causalVsNone === undefined || report.ratios.causalVsNone.throughput === null
        ? []
        : [ratioRow('pool causal / none', report.ratios.causalVsNone)]),
      ...(report.ratios.tlsVsPlain === undefined || report.ratios.tlsVsPlain.throughput === null
        ? []
        : [ratioRow('ReplicaKit TLS / plain', report.ratios.tlsVsPlain)]),
    ]),
  )
  lines.push('(ops/s above 1× = ReplicaKit faster; latency and cpu above 1× = ReplicaKit slower)')
  const causal = report.causalReads
  if (causal !== undefined && causal !== null) {
    lines.push(
      `causal pool: ${causal.causalReads} reads carried a GTID; ${causal.waited} found no replica ` +
        `known to have it (waited on one); ${causal.fellBackToPrimary} went to the primary`,
    )
  }
  lines.push(...handshakeLines(report.handshake))
  if (report.failover.length > 0) {
    lines.push('')
    lines.push(
      formatTable([
        [
          'failover (kill -9)',
          'window',
          'promotion',
          'detected',
          'target',
          'within',
          'runs (window ms)',
        ],
        ...report.failover.map((f) => [
          label(f.mode),
          num(f.windowMS),
          num(f.promotionMS),
          num(f.detectedMS),
          num(f.targetMS),
          `${f.withinTarget}/${f.runs.length}`,
          f.runs.map((r) => num(r.windowMS)).join(', '),
        ]),
      ]),
    )
    lines.push(
      '(ms from SIGKILL, medians: promotion = new primary writable; detected = the mode saw it;',
    )
    lines.push(' window = first successful write started after the kill)')
    for (const f of report.failover) lines.push(`target ${label(f.mode)}: ${f.targetRule}`)
  }
  for (const mode of report.modes) {
    if (mode.firstError !== undefined)
      lines.push(`${label(mode.mode)} first error: ${mode.firstError}`)
  }
  return `${lines.join('\n')}\n`
}
