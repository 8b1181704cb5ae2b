/**
 * The MySQL benchmark: one workload (point reads on replicas, inserts on the primary) through raw
 * mysql2, ReplicaKit (plain and TLS) and HAProxy in interleaved rounds on one real MariaDB cluster
 * (TLS offered with the test CA's certificates), the cost of a new connection with TLS against
 * without (`mysql-handshake.ts`), then the failover window of ReplicaKit and of HAProxy after
 * `kill -9` of the primary.
 */
import { cpus, loadavg, release, totalmem } from 'node:os'
import { startMysqlCluster, type MysqlCluster } from '../test/clusters/mysql-cluster.js'
import { findFreePorts } from '../test/clusters/process-utils.js'
import { ensureTlsFiles } from '../test/clusters/tls-certs.js'
import type { CleanupStack } from './cleanup.js'
import { haproxySubject, replicaKitSubject } from './failover-subjects.js'
import { measureFailover, warmUp, type FailoverRun, type FailoverSubject } from './failover.js'
import { DEFAULT_CHECK_TIMING, upServers } from './haproxy-config.js'
import { measureHandshakes, type HandshakeReport } from './mysql-handshake.js'
import { ensureHaproxy, haproxyVersion, startHaproxy, type HaproxyProcess } from './haproxy.js'
import {
  BENCH_MODES,
  connectReplicaKit,
  createBenchPool,
  createHaproxyTarget,
  createRawTarget,
  createReplicaKitTarget,
  createPoolTarget,
  type CausalCounts,
  type BenchMode,
  type ModeTarget,
  type MysqlCredentials,
  type ReplicaKitLike,
} from './mysql-modes.js'
import { roundOrder } from './stats.js'
import { ratiosOf, summarizeFailovers, summarizeMode, type FailoverSummary } from './summary.js'
import type { ModeSummary, RatioSet } from './summary.js'
import { payloadFor, runWorkload, type SegmentResult } from './workload.js'

/** Settings of one benchmark run. */
export interface MysqlBenchOptions {
  /** Rounds; each runs every mode once, in a rotated order. Default 6. */
  readonly rounds: number
  /** Measured time per mode and round, in ms. Default 3000. */
  readonly durationMS: number
  /** Unmeasured warm-up before each measured segment, in ms. Default 500. */
  readonly warmupMS: number
  /** Operations in flight. Default 16. */
  readonly concurrency: number
  /** Rows seeded for the point reads. Default 10 000. */
  readonly rows: number
  /** Share of writes. Default 0.2. */
  readonly writeRatio: number
  /** Failovers measured per mode (ReplicaKit, HAProxy alternately); 0 skips them. Default 2. */
  readonly failovers: number
  /** ReplicaKit's `heartbeatFrequencyMS`. Default 2000, HAProxy's `inter`. */
  readonly heartbeatFrequencyMS: number
  /** Modes to run. Default all. */
  readonly modes: readonly BenchMode[]
  /** Seed of the operation sequence. Default 1. */
  readonly seed: number
  /** New connections timed per variant (plain, TLS, full TLS handshake); 0 skips them. Default 200. */
  readonly handshakes: number
}

/** The defaults: under two minutes on two cores (about 100 s measured). */
export const DEFAULT_MYSQL_BENCH_OPTIONS: MysqlBenchOptions = Object.freeze({
  rounds: 6,
  durationMS: 3_000,
  warmupMS: 500,
  concurrency: 16,
  rows: 10_000,
  writeRatio: 0.2,
  failovers: 2,
  heartbeatFrequencyMS: 2_000,
  modes: BENCH_MODES,
  seed: 1,
  handshakes: 200,
})

/** Everything one run measured: the `--json` document. */
export interface MysqlBenchReport {
  readonly benchmark: 'mysql'
  readonly schemaVersion: 1
  readonly startedAt: string
  readonly totalMS: number
  readonly settings: Record<string, unknown>
  readonly machine: Record<string, unknown>
  readonly modes: readonly ModeSummary[]
  readonly ratios: {
    readonly replicakitVsRaw: RatioSet
    readonly replicakitVsHaproxy: RatioSet
    /** The pool with pool-wide causal reads / without: the price of read-your-writes. */
    readonly causalVsNone?: RatioSet
    /** ReplicaKit with TLS / plain, over pooled connections: the steady-state price of TLS. */
    readonly tlsVsPlain?: RatioSet
  }
  /** New connections with TLS against without (`null` when skipped). */
  readonly handshake?: HandshakeReport | null
  /** The causal pool's counters over the whole run (reads that waited, served by the primary). */
  readonly causalReads?: CausalCounts | null
  readonly failover: readonly FailoverSummary[]
}

/** What the run needs from its caller. */
export interface BenchContext {
  /** Progress lines (stderr). */
  readonly log: (line: string) => void
  /** Teardown steps; the caller also runs them on a signal. */
  readonly cleanup: CleanupStack
  readonly signal: AbortSignal
}

const CHECK_USER = 'haproxy_check'

/** Reads `signal.aborted` afresh (a loop condition would otherwise narrow it to `false`). */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted
}

const SCHEMA = [
  'CREATE TABLE bench_items (id INT PRIMARY KEY, k INT NOT NULL, payload VARCHAR(100) NOT NULL)',
  'CREATE TABLE bench_writes (id BIGINT AUTO_INCREMENT PRIMARY KEY, mode VARCHAR(16) NOT NULL, ' +
    'payload VARCHAR(100) NOT NULL, created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))',
]

async function seed(cluster: MysqlCluster, credentials: MysqlCredentials, rows: number) {
  const primary = cluster.nodes.find((n) => n.name === cluster.primary)!
  const pool = createBenchPool(primary, credentials, 2)
  try {
    for (const sql of SCHEMA) await pool.query(sql)
    for (let from = 1; from <= rows; from += 1000) {
      const batch = []
      for (let id = from; id < Math.min(from + 1000, rows + 1); id += 1) {
        batch.push([id, id % 97, payloadFor(id)])
      }
      await pool.query('INSERT INTO bench_items (id, k, payload) VALUES ?', [batch])
    }
    const [version] = await pool.query('SELECT VERSION() AS v')
    return String((version as { v: string }[])[0]?.v)
  } finally {
    await pool.end()
  }
  // Replication of the seed is awaited by the caller.
}

/** Whether HAProxy's backends match the cluster: only the primary writable, the others readable. */
function isProxyHealthy(proxy: HaproxyProcess, cluster: MysqlCluster): Promise<void> {
  const replicas = cluster.nodes.filter((n) => n.name !== cluster.primary).map((n) => n.name)
  return proxy.waitForStates(
    (s) =>
      upServers(s, 'primary').join() === cluster.primary &&
      upServers(s, 'replicas').join() === replicas.sort().join(),
    `backend primary = ${cluster.primary} and replicas = ${replicas.join(',')}`,
  )
}

function replicaKitUri(cluster: MysqlCluster, options: MysqlBenchOptions, caFile?: string): string {
  const params = new URLSearchParams({
    w: '1',
    heartbeatFrequencyMS: String(options.heartbeatFrequencyMS),
    maxPoolSize: String(options.concurrency),
    ...(caFile === undefined ? {} : { tls: 'true', tlsCAFile: caFile }),
  })
  return `${cluster.uri}?${params.toString()}`
}

/** Runs the whole benchmark and returns its report; everything it starts is on `ctx.cleanup`. */
export async function runMysqlBench(
  options: MysqlBenchOptions,
  ctx: BenchContext,
): Promise<MysqlBenchReport> {
  const startedAt = new Date()
  const t0 = performance.now()
  const { log, cleanup } = ctx
  const modes = BENCH_MODES.filter((m) => options.modes.includes(m))
  const haproxyBinary = modes.includes('haproxy') ? await ensureHaproxy(log) : undefined

  log('cluster: starting 3 MariaDB nodes (GTID replication, loopback, TLS offered)')
  const caFile = (await ensureTlsFiles()).ca
  const cluster = await startMysqlCluster({ nodes: 3, tls: true })
  cleanup.push('cluster', () => cluster.stop())
  log(
    `cluster: up in ${cluster.startupMS} ms (${cluster.nodes.map((n) => `${n.name}:${n.port}`).join(' ')})`,
  )
  const credentials = {
    user: cluster.appUser,
    password: cluster.appPassword,
    database: cluster.database,
  }
  const mariadbVersion = await seed(cluster, credentials, options.rows)
  // The check user logs in without a password, from loopback only, and has no privileges.
  await cluster.adminQuery(cluster.primary, `CREATE USER '${CHECK_USER}'@'127.0.0.1'`)
  await cluster.waitForReplication()
  log(`cluster: seeded ${options.rows} rows, replicated`)

  let proxy: HaproxyProcess | undefined
  const [writePort, readPort] = await findFreePorts(2)
  if (haproxyBinary !== undefined) {
    proxy = await startHaproxy(haproxyBinary, {
      nodes: cluster.nodes,
      writePort: writePort!,
      readPort: readPort!,
      checkUser: CHECK_USER,
      timing: DEFAULT_CHECK_TIMING,
    })
    cleanup.push('haproxy', () => proxy!.stop())
    await isProxyHealthy(proxy, cluster)
    log(`haproxy: pid ${proxy.pid}, write :${writePort} → ${cluster.primary}, read :${readPort}`)
  }

  const targets = new Map<BenchMode, ModeTarget>()
  let replicaKit: ReplicaKitLike | undefined
  let causalCounts: (() => CausalCounts) | undefined
  for (const mode of modes) {
    if (mode === 'raw') {
      const primary = cluster.nodes.find((n) => n.name === cluster.primary)!
      const replicas = cluster.nodes.filter((n) => n !== primary)
      targets.set(mode, createRawTarget(primary, replicas, credentials, options.concurrency))
    } else if (mode === 'replicakit') {
      replicaKit = await connectReplicaKit(replicaKitUri(cluster, options))
      targets.set(mode, createReplicaKitTarget(replicaKit))
    } else if (mode === 'replicakit-tls') {
      const secure = await connectReplicaKit(replicaKitUri(cluster, options, caFile))
      targets.set(mode, createReplicaKitTarget(secure, mode))
    } else if (mode === 'pool' || mode === 'pool-causal') {
      const target = await createPoolTarget(
        `${replicaKitUri(cluster, options)}&readPreference=secondary`,
        mode === 'pool' ? 'none' : 'pool',
      )
      if (mode === 'pool-causal') causalCounts = () => target.counts()
      targets.set(mode, target)
    } else {
      const host = '127.0.0.1'
      const target = createHaproxyTarget(
        { host, port: writePort! },
        { host, port: readPort! },
        credentials,
        options.concurrency,
      )
      targets.set(mode, target)
    }
    const target = targets.get(mode)!
    cleanup.push(`${mode} pools`, () => target.close())
  }

  const segments = new Map<BenchMode, SegmentResult[]>(modes.map((m) => [m, []]))
  for (let round = 0; round < options.rounds && !ctx.signal.aborted; round += 1) {
    for (const mode of roundOrder(modes, round)) {
      if (isAborted(ctx.signal)) break
      const result = await runWorkload(targets.get(mode)!, {
        concurrency: options.concurrency,
        durationMS: options.durationMS,
        warmupMS: options.warmupMS,
        writeRatio: options.writeRatio,
        rows: options.rows,
        seed: options.seed + round * 1_000,
        signal: ctx.signal,
      })
      segments.get(mode)!.push(result)
      const p = (v: number | null) => (v === null ? '-' : v.toFixed(2))
      log(
        `round ${round + 1}/${options.rounds} ${mode}: ${result.opsPerSec.toFixed(0)} ops/s, ` +
          `p50 ${p(result.all.p50MS)} ms, p99 ${p(result.all.p99MS)} ms, errors ${result.errors}`,
      )
    }
  }
  const summaries = modes.map((m) => summarizeMode(m, segments.get(m)!))

  let handshake: HandshakeReport | null = null
  if (options.handshakes > 0 && !ctx.signal.aborted) {
    const primary = cluster.nodes.find((n) => n.name === cluster.primary)!
    handshake = await measureHandshakes({
      ...credentials,
      host: primary.host,
      port: primary.port,
      caFile,
      samples: options.handshakes,
      signal: ctx.signal,
    })
    const p50 = handshake.variants.map((v) => `${v.variant} ${v.latency.p50MS?.toFixed(2)} ms`)
    log(`handshakes: connect + first query, p50 ${p50.join(', ')}`)
  }

  const failoverRuns = new Map<string, FailoverRun[]>([
    ['replicakit', []],
    ['haproxy', []],
  ])
  const subjects: FailoverSubject[] = []
  if (replicaKit !== undefined) subjects.push(replicaKitSubject(replicaKit, cluster))
  if (proxy !== undefined) {
    const pool = createBenchPool({ host: '127.0.0.1', port: writePort! }, credentials, 2)
    cleanup.push('haproxy failover pool', () => pool.end())
    subjects.push(haproxySubject(proxy, pool))
  }
  for (let i = 0; i < options.failovers && !ctx.signal.aborted; i += 1) {
    for (const subject of roundOrder(subjects, i)) {
      if (isAborted(ctx.signal)) break
      if (proxy !== undefined) await isProxyHealthy(proxy, cluster)
      await warmUp(subject)
      const run = await measureFailover(cluster, subject, credentials)
      failoverRuns.get(subject.mode)!.push(run)
      const ms = (v: number | null) => (v === null ? 'none' : `${v.toFixed(0)} ms`)
      log(
        `failover ${i + 1}/${options.failovers} ${subject.mode}: ${run.killedNode} killed → ` +
          `${run.newPrimary} writable ${ms(run.promotionMS)}, detected ${ms(run.detectedMS)}, ` +
          `first write ${ms(run.windowMS)} (${run.failedWrites} failed writes)`,
      )
      // A killed primary may hold a commit its replicas never got (error 1236 on rejoin): the
      // harness then re-provisions it from the new primary, so any number of failovers can follow.
      log(
        `failover ${i + 1}/${options.failovers}: ${(await cluster.rejoin(run.killedNode)).message}`,
      )
    }
  }

  const byMode = (m: string) => summaries.find((s) => s.mode === m)
  const inter = DEFAULT_CHECK_TIMING
  const failover = [
    summarizeFailovers('replicakit', failoverRuns.get('replicakit')!, {
      budgetMS: options.heartbeatFrequencyMS + 100,
      rule: `promotion + heartbeatFrequencyMS (${options.heartbeatFrequencyMS}) + 100 ms`,
    }),
    summarizeFailovers('haproxy', failoverRuns.get('haproxy')!, {
      budgetMS: inter.interMS * inter.rise + 100,
      rule: `promotion + rise (${inter.rise}) × inter (${inter.interMS}) + 100 ms`,
    }),
  ].filter((f) => f.runs.length > 0)

  return {
    benchmark: 'mysql',
    schemaVersion: 1,
    startedAt: startedAt.toISOString(),
    totalMS: Math.round(performance.now() - t0),
    settings: {
      ...options,
      replicaKitUriOptions: `w=1&heartbeatFrequencyMS=${options.heartbeatFrequencyMS}&maxPoolSize=${options.concurrency}`,
      readPreference: 'secondary',
      haproxy: {
        mode: 'tcp',
        ...DEFAULT_CHECK_TIMING,
        threads: 1,
        writeCheck: "tcp-check: MySQL login + SELECT @@global.read_only, expect 'PRIMARY'",
        readCheck: "same query, expect 'REPLICA'; balance roundrobin (per connection)",
      },
      failoverPromotion: 'test harness promote(): most advanced replica, immediately after kill -9',
    },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      platform: `${process.platform} ${release()}`,
      node: process.version,
      mariadb: mariadbVersion,
      haproxy: haproxyBinary === undefined ? null : await haproxyVersion(haproxyBinary),
      loadAverage1m: loadavg()[0],
    },
    modes: summaries,
    ratios: {
      replicakitVsRaw: ratiosOf(byMode('replicakit'), byMode('raw')),
      replicakitVsHaproxy: ratiosOf(byMode('replicakit'), byMode('haproxy')),
      causalVsNone: ratiosOf(byMode('pool-causal'), byMode('pool')),
      tlsVsPlain: ratiosOf(byMode('replicakit-tls'), byMode('replicakit')),
    },
    handshake,
    causalReads: causalCounts?.() ?? null,
    failover,
  }
}
