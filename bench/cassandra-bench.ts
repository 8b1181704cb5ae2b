/**
 * `npm run bench -- cassandra [--json] [--quick]`: the same read/write workload through the raw
 * cassandra-driver and through ReplicaKit on the shared ring, in interleaved rounds of one run
 * (ratios of throughput and client CPU per operation), then p99 read latency with one dc1 node
 * paused: raw driver vs ReplicaKit without and with speculative execution. Also reports the ring's
 * start-up time and memory per node, the bytes each client allocates per operation, and a
 * calibration: the raw driver with 3 µs of busy CPU added per operation (what this machine makes of
 * a little more client work; see docs/benchmarks.md). Bounded:
 * about 2 minutes with the defaults, plus a ring start.
 */
import cassandra from 'cassandra-driver'
import { connect } from 'replicakit/cassandra'
import type { CassandraConnection } from '../adapters/cassandra/index.js'
import type { ReplicaKitClient } from '../src/index.js'
import { acquireCassandraRing, releaseCassandraRing } from '../test/clusters/cassandra-shared.js'
import { allocationPerOp } from './allocation.js'
import { drive } from './closed-loop.js'
import type { Op, Segment } from './closed-loop.js'
import { median, ratio, round, roundOrder, summarizeLatencies } from './stats.js'

/** What one run measures. */
export interface CassandraBenchOptions {
  readonly rounds: number
  readonly durationMS: number
  readonly concurrency: number
  readonly rows: number
  readonly writeRatio: number
  readonly pausedMS: number
  readonly speculativeMS: number
  /** How long each client runs under the sampling heap profiler (bytes allocated per operation). */
  readonly allocationMS: number
}

export const DEFAULT_CASSANDRA_BENCH_OPTIONS: CassandraBenchOptions = Object.freeze({
  rounds: 6,
  durationMS: 3_000,
  concurrency: 16,
  rows: 500,
  writeRatio: 0.2,
  pausedMS: 5_000,
  speculativeMS: 50,
  allocationMS: 2_000,
})

const QUICK: Partial<CassandraBenchOptions> = {
  rounds: 2,
  durationMS: 1_500,
  pausedMS: 2_500,
  allocationMS: 1_000,
}

type Mode = 'raw' | 'replicakit' | 'rawPlus3us'

/** The calibration's extra client work per operation, µs of CPU. */
const CALIBRATION_SPIN_US = 3

/**
 * The raw operation after `spinUS` of busy CPU: what a client that costs that much more per call
 * scores here. On a machine whose cores the ring shares, the closed loop turns each µs of client
 * work into several in CPU per operation (the ring gets less CPU, answers slower, and each operation
 * then carries more of the event loop's fixed cost), so read ReplicaKit's ratios against this one.
 */
function spinThen(op: Op, spinUS: number): Op {
  return (id, write) => {
    const until = performance.now() + spinUS / 1000
    while (performance.now() < until) {
      // busy: the calibration's extra client work
    }
    return op(id, write)
  }
}

const READ = 'SELECT v FROM rk_bench WHERE id = ?'
const WRITE = 'INSERT INTO rk_bench (id, v) VALUES (?, ?)'

function rawOp(client: cassandra.Client, readTimeout: number): Op {
  const one = cassandra.types.consistencies.localOne
  return (id, write) =>
    write
      ? client.execute(WRITE, [id, 'w'], { prepare: true, consistency: one, readTimeout })
      : client.execute(READ, [id], {
          prepare: true,
          consistency: one,
          isIdempotent: true,
          readTimeout,
        })
}

function rkOp(db: ReplicaKitClient<CassandraConnection>): Op {
  return (id, write) =>
    write
      ? db.write((c) => c.execute(WRITE, [id, 'w'], { prepare: true }))
      : db.read((c) => c.execute(READ, [id], { prepare: true }))
}

/** Runs the benchmark; `log` gets progress. */
export async function runCassandraBench(
  options: CassandraBenchOptions,
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  const holder = process.pid
  const acquiredAt = performance.now()
  const shared = await acquireCassandraRing(holder)
  const ring = shared.ring
  log(`ring ready after ${Math.round(performance.now() - acquiredAt)} ms`)
  const base = shared.uri.slice(0, shared.uri.indexOf('?'))
  const query = `localDataCenter=${shared.localDataCenter}&readPreference=nearest&w=1&timeoutMS=2000`
  const raw = new cassandra.Client({
    contactPoints: [...shared.contactPoints],
    localDataCenter: shared.localDataCenter,
    keyspace: shared.keyspace,
  })
  const clients: ReplicaKitClient<CassandraConnection>[] = []
  try {
    await raw.connect()
    const db = await connect(`${base}?${query}`)
    clients.push(db)
    const dbSpec = await connect(`${base}?${query}&speculativeExecutionMS=${options.speculativeMS}`)
    clients.push(dbSpec)
    await raw.execute('CREATE TABLE IF NOT EXISTS rk_bench (id int PRIMARY KEY, v text)')
    for (let id = 0; id < options.rows; id += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          raw.execute(WRITE, [id + k, 'seed'], { prepare: true }),
        ),
      )
    }
    const ops: Record<Mode, Op> = {
      raw: rawOp(raw, 2_000),
      replicakit: rkOp(db),
      rawPlus3us: spinThen(rawOp(raw, 2_000), CALIBRATION_SPIN_US),
    }
    for (const mode of ['raw', 'replicakit'] as const)
      await drive(ops[mode], { ...options, durationMS: 500, seed: 1 }) // warm-up
    // Prepare on the speculative client too: the driver prepares on one host, without speculation.
    await drive(rkOp(dbSpec), { ...options, durationMS: 500, seed: 2 })
    const rounds: Record<Mode, Segment>[] = []
    for (let r = 0; r < options.rounds; r++) {
      const result: Partial<Record<Mode, Segment>> = {}
      for (const mode of roundOrder(['raw', 'replicakit', 'rawPlus3us'] as const, r)) {
        result[mode] = await drive(ops[mode], { ...options, seed: 100 + r })
      }
      rounds.push(result as Record<Mode, Segment>)
      log(
        `round ${r + 1}: raw ${Math.round(result.raw?.opsPerSec ?? 0)} ops/s, replicakit ${Math.round(result.replicakit?.opsPerSec ?? 0)} ops/s, raw + ${CALIBRATION_SPIN_US} µs ${Math.round(result.rawPlus3us?.opsPerSec ?? 0)} ops/s`,
      )
    }
    const throughput = median(rounds.map((s) => ratio(s.replicakit.opsPerSec, s.raw.opsPerSec)))
    const cpu = median(rounds.map((s) => ratio(s.replicakit.cpuUSPerOp, s.raw.cpuUSPerOp)))
    const spinThroughput = median(rounds.map((s) => ratio(s.rawPlus3us.opsPerSec, s.raw.opsPerSec)))
    const spinCpu = median(rounds.map((s) => ratio(s.rawPlus3us.cpuUSPerOp, s.raw.cpuUSPerOp)))
    const allocation: Record<string, unknown> = {}
    for (const mode of ['raw', 'replicakit'] as const) {
      allocation[mode] = await allocationPerOp(ops[mode], {
        ...options,
        durationMS: options.allocationMS,
        seed: 50,
      })
    }
    log(`allocated per operation: ${JSON.stringify(allocation)}`)

    let paused: Record<string, unknown> = { skipped: shared.noControlReason ?? null }
    if (ring !== undefined) {
      await ring.pause('node2')
      try {
        const pausedOps: [string, Op][] = [
          ['raw', rawOp(raw, 2_000)],
          ['replicakit', rkOp(db)],
          ['replicakitSpeculative', rkOp(dbSpec)],
        ]
        paused = {}
        for (const [name, op] of pausedOps) {
          const s = await drive(op, {
            ...options,
            concurrency: 8,
            writeRatio: 0,
            durationMS: options.pausedMS,
            seed: 7,
          })
          const lat = summarizeLatencies(s.latenciesMS)
          paused[name] = {
            ops: s.ops,
            errors: s.errors,
            p50MS: round(lat.p50MS),
            p99MS: round(lat.p99MS),
          }
          log(`node2 paused, ${name}: p99 ${round(lat.p99MS)} ms, ${s.errors} errors of ${s.ops}`)
        }
      } finally {
        await ring.resume('node2')
      }
    }
    const nodes = ring === undefined ? [] : await ring.status()
    return {
      suite: 'cassandra',
      options,
      ratios: {
        throughput: round(throughput, 3),
        cpuPerOp: round(cpu, 3),
        targets: { throughput: '>= 0.97', cpuPerOp: '<= 1.10' },
        // The raw driver with 3 µs of busy CPU added per operation, against the raw driver: how much
        // this machine's closed loop magnifies client work (1.0x + 3 µs / raw CPU per op if not at all).
        calibration: {
          addedCPUPerOpUS: CALIBRATION_SPIN_US,
          throughput: round(spinThroughput, 3),
          cpuPerOp: round(spinCpu, 3),
        },
      },
      allocatedPerOp: allocation,
      rounds: rounds.map((s) => ({
        rawOpsPerSec: Math.round(s.raw.opsPerSec),
        replicakitOpsPerSec: Math.round(s.replicakit.opsPerSec),
        rawPlus3usOpsPerSec: Math.round(s.rawPlus3us.opsPerSec),
        rawCpuUSPerOp: round(s.raw.cpuUSPerOp, 1),
        replicakitCpuUSPerOp: round(s.replicakit.cpuUSPerOp, 1),
        rawPlus3usCpuUSPerOp: round(s.rawPlus3us.cpuUSPerOp, 1),
        errors: s.raw.errors + s.replicakit.errors + s.rawPlus3us.errors,
      })),
      pausedNodeReads: paused,
      ring: {
        startupMS: ring?.state.startupMS ?? null,
        rssMiBPerNode: Object.fromEntries(
          nodes.map((n) => [n.name, n.rssKB === undefined ? null : Math.round(n.rssKB / 1024)]),
        ),
      },
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    await raw.shutdown()
    await releaseCassandraRing(holder)
  }
}

/** `npm run bench -- cassandra …`: returns the exit code. */
export async function runCassandraBenchCli(
  argv: readonly string[],
  log: (line: string) => void,
): Promise<number> {
  const unknown = argv.filter((a) => a !== 'cassandra' && a !== '--json' && a !== '--quick')
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown arguments: ${unknown.join(' ')}\nusage: npm run bench -- cassandra [--json] [--quick]\n`,
    )
    return 2
  }
  const options = { ...DEFAULT_CASSANDRA_BENCH_OPTIONS, ...(argv.includes('--quick') ? QUICK : {}) }
  const report = await runCassandraBench(options, log)
  process.stdout.write(
    argv.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
  )
  return 0
}

function formatReport(report: Record<string, unknown>): string {
  return `Cassandra: ReplicaKit vs raw cassandra-driver\n${JSON.stringify(report, null, 2)}\n`
}
