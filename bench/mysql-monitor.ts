/**
 * `npm run bench -- mysql --monitor`: what watching a MariaDB cluster costs the client. Starts a
 * real cluster, opens idle ReplicaKit clients on it (enough of them that at least `--nodes-target`
 * nodes are monitored), and measures the client process's CPU time (`process.cpuUsage`, user +
 * system, so other processes on a shared machine do not count) over a bounded idle window, per
 * probe and as a share of one core; repeated `--rounds` times.
 */
import { cpus, loadavg } from 'node:os'
import { startMysqlCluster } from '../test/clusters/mysql-cluster.js'
import type { BenchContext } from './mysql-bench.js'

/** Settings of the monitor benchmark. */
export interface MysqlMonitorOptions {
  /** MariaDB servers to start. Default 3. */
  readonly nodes: number
  /** Monitored nodes to reach by opening several clients on the cluster. Default 10. */
  readonly nodesTarget: number
  /** `heartbeatFrequencyMS` of every client, in ms. Default 500. */
  readonly heartbeatFrequencyMS: number
  /** Measured idle time per round, in ms. Default 20 000. */
  readonly durationMS: number
  /** Unmeasured time before the first round (connections, discovery), in ms. Default 3000. */
  readonly warmupMS: number
  /** Measured rounds. Default 3. */
  readonly rounds: number
}

/** The defaults: about 65 s of measurement on top of the cluster start. */
export const DEFAULT_MYSQL_MONITOR_OPTIONS: MysqlMonitorOptions = Object.freeze({
  nodes: 3,
  nodesTarget: 10,
  heartbeatFrequencyMS: 500,
  durationMS: 20_000,
  warmupMS: 3_000,
  rounds: 3,
})

/** One measured round. */
export interface MonitorRound {
  readonly wallMS: number
  readonly cpuMS: number
  /** The part of `cpuMS` spent in the kernel (system time: syscalls, loopback TCP). */
  readonly systemMS: number
  readonly probes: number
  readonly failedProbes: number
  /** CPU time of this process over wall time, in % of one core. */
  readonly cpuPercentOfCore: number
  /** CPU time per successful probe, in ms. */
  readonly cpuPerProbeMS: number
  /** `cpuPerProbeMS` × 10 nodes × (1000 / 500) probes per second, in % of one core. */
  readonly projected10NodesAt500MSPercent: number
}

/** The `--json` document of `--monitor`. */
export interface MysqlMonitorReport {
  readonly benchmark: 'mysql-monitor'
  readonly schemaVersion: 1
  readonly startedAt: string
  readonly settings: MysqlMonitorOptions & { readonly clients: number; readonly monitored: number }
  readonly machine: Record<string, unknown>
  readonly rounds: readonly MonitorRound[]
  /** Medians over the rounds. */
  readonly median: Omit<MonitorRound, 'wallMS' | 'cpuMS' | 'systemMS' | 'probes' | 'failedProbes'>
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000

/** The figures of one round from its raw counts. Pure. */
export function monitorRound(
  wallMS: number,
  cpu: { readonly cpuMS: number; readonly systemMS: number },
  probes: number,
  failedProbes: number,
): MonitorRound {
  const { cpuMS } = cpu
  const cpuPerProbeMS = probes > 0 ? cpuMS / probes : Number.NaN
  return {
    wallMS: Math.round(wallMS),
    cpuMS: round3(cpuMS),
    systemMS: round3(cpu.systemMS),
    probes,
    failedProbes,
    cpuPercentOfCore: round3((cpuMS / wallMS) * 100),
    cpuPerProbeMS: round3(cpuPerProbeMS),
    projected10NodesAt500MSPercent: round3(((cpuPerProbeMS * 10 * 2) / 1000) * 100),
  }
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })

/** Runs the monitor benchmark; everything it starts is registered on `context.cleanup`. */
export async function runMysqlMonitorBench(
  options: MysqlMonitorOptions,
  context: BenchContext,
): Promise<MysqlMonitorReport> {
  const { log, cleanup, signal } = context
  const startedAt = new Date().toISOString()
  log(`starting a ${options.nodes}-node MariaDB cluster`)
  const cluster = await startMysqlCluster({ nodes: options.nodes })
  const stopCluster = cleanup.push('cluster', () => cluster.stop())
  const { connect } = await import('replicakit')
  const clientCount = Math.max(1, Math.ceil(options.nodesTarget / options.nodes))
  let probes = 0
  let failedProbes = 0
  const clients = []
  for (let i = 0; i < clientCount; i++) {
    const db = await connect(cluster.uri, { heartbeatFrequencyMS: options.heartbeatFrequencyMS })
    cleanup.push(`client ${i}`, () => db.close())
    db.on('heartbeatSucceeded', () => {
      probes += 1
    })
    db.on('heartbeatFailed', () => {
      failedProbes += 1
    })
    clients.push(db)
  }
  await Promise.all(clients.map((db) => db.waitForPrimary()))
  const monitored = clients.reduce((n, db) => n + db.topology().nodes.length, 0)
  log(`${clientCount} idle clients monitor ${monitored} nodes; warming up ${options.warmupMS} ms`)
  await sleep(options.warmupMS, signal)
  const rounds: MonitorRound[] = []
  for (let r = 0; r < options.rounds && !signal.aborted; r++) {
    const startCpu = process.cpuUsage()
    const startWall = performance.now()
    const [startProbes, startFailed] = [probes, failedProbes]
    await sleep(options.durationMS, signal)
    const cpu = process.cpuUsage(startCpu)
    const round = monitorRound(
      performance.now() - startWall,
      { cpuMS: (cpu.user + cpu.system) / 1000, systemMS: cpu.system / 1000 },
      probes - startProbes,
      failedProbes - startFailed,
    )
    log(
      `round ${r + 1}: ${round.cpuPercentOfCore}% of a core, ${round.probes} probes, ${round.cpuPerProbeMS} ms CPU per probe`,
    )
    rounds.push(round)
  }
  await Promise.all(clients.map((db) => db.close()))
  await stopCluster()
  return {
    benchmark: 'mysql-monitor',
    schemaVersion: 1,
    startedAt,
    settings: { ...options, clients: clientCount, monitored },
    machine: { cpus: cpus().length, loadavg: loadavg(), node: process.version },
    rounds,
    median: {
      cpuPercentOfCore: median(rounds.map((r) => r.cpuPercentOfCore)),
      cpuPerProbeMS: median(rounds.map((r) => r.cpuPerProbeMS)),
      projected10NodesAt500MSPercent: median(rounds.map((r) => r.projected10NodesAt500MSPercent)),
    },
  }
}

/** The human-readable form of a {@link MysqlMonitorReport}. */
export function formatMonitorReport(report: MysqlMonitorReport): string {
  const s = report.settings
  const lines = [
    `ReplicaKit monitor cost: ${s.clients} idle clients × ${s.nodes} MariaDB nodes = ${s.monitored} monitored, heartbeatFrequencyMS=${s.heartbeatFrequencyMS}`,
    'round  wall ms  CPU ms (sys)  probes  failed  % core  CPU ms/probe  10 nodes@500ms %',
    ...report.rounds.map(
      (r, i) =>
        `${String(i + 1).padEnd(5)}  ${String(r.wallMS).padStart(7)}  ${r.cpuMS.toFixed(0).padStart(6)} (${r.systemMS.toFixed(0).padStart(4)})  ${String(r.probes).padStart(6)}  ${String(r.failedProbes).padStart(6)}  ${r.cpuPercentOfCore.toFixed(2).padStart(6)}  ${r.cpuPerProbeMS.toFixed(3).padStart(12)}  ${r.projected10NodesAt500MSPercent.toFixed(2).padStart(16)}`,
    ),
    `median: ${report.median.cpuPercentOfCore}% of a core measured, ${report.median.cpuPerProbeMS} ms CPU per probe, ${report.median.projected10NodesAt500MSPercent}% of a core for 10 nodes at 500 ms`,
  ]
  return `${lines.join('\n')}\n`
}
