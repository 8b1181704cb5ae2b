/**
 * `npm run bench -- mongodb [--json] [--quick]`: the same workload (point reads by `_id` and upserts
 * on the primary) through the raw `mongodb` driver and through ReplicaKit, in interleaved rounds of
 * one run, on FerretDB (a real server) and on the wire simulator (a 3-member set). Reports the
 * median ratios of throughput and client CPU per operation, labelled with what served them.
 * Bounded: about 40 s of measuring with the defaults, plus the servers' start.
 */
import { MongoClient } from 'mongodb'
import type { Db } from 'mongodb'
import { connect } from 'replicakit/mongodb'
import type { MongoConn } from '../adapters/mongodb/index.js'
import type { ReplicaKitClient } from '../src/index.js'
import { startFerretdb } from '../test/clusters/ferretdb-server.js'
import { startMongoSim } from '../test/clusters/mongo-sim.js'
import { drive } from './closed-loop.js'
import type { Op, Segment } from './closed-loop.js'
import { median, ratio, round, roundOrder, summarizeLatencies } from './stats.js'

/** What one run measures. */
export interface MongodbBenchOptions {
  readonly rounds: number
  readonly durationMS: number
  readonly warmupMS: number
  readonly concurrency: number
  readonly rows: number
  readonly writeRatio: number
  readonly targets: readonly TargetName[]
}

/** Where the workload runs. */
export type TargetName = 'ferretdb' | 'mongo-sim'

export const DEFAULT_MONGODB_BENCH_OPTIONS: MongodbBenchOptions =
  Object.freeze<MongodbBenchOptions>({
    rounds: 4,
    durationMS: 2_500,
    warmupMS: 500,
    concurrency: 16,
    rows: 1_000,
    writeRatio: 0.2,
    targets: ['ferretdb', 'mongo-sim'],
  })

const QUICK: Partial<MongodbBenchOptions> = { rounds: 2, durationMS: 1_000, warmupMS: 200 }

type Mode = 'raw' | 'replicakit'
const MODES: readonly Mode[] = ['raw', 'replicakit']
const COLLECTION = 'rk_bench'

/** The raw driver, as an application holds it: one `Db`, a collection looked up per operation. */
function rawOp(db: Db): Op {
  return (id, write) =>
    write
      ? db
          .collection(COLLECTION)
          .updateOne({ _id: id as never }, { $set: { v: 'w' } }, { upsert: true })
      : db.collection(COLLECTION).findOne({ _id: id as never })
}

function rkOp(db: ReplicaKitClient<MongoConn>): Op {
  return (id, write) =>
    write
      ? db.write(({ db: d }) =>
          d
            .collection(COLLECTION)
            .updateOne({ _id: id as never }, { $set: { v: 'w' } }, { upsert: true }),
        )
      : db.read(({ db: d }) => d.collection(COLLECTION).findOne({ _id: id as never }))
}

/** Runs the interleaved rounds on one server (`uri` with its database path). */
async function measure(
  uri: string,
  o: MongodbBenchOptions,
  log: (line: string) => void,
  label: string,
): Promise<Record<string, unknown>> {
  const raw = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 })
  let rk: ReplicaKitClient<MongoConn> | undefined
  try {
    await raw.connect()
    rk = await connect(uri, { serverSelectionTimeoutMS: 10_000 })
    const db = raw.db()
    const docs = Array.from({ length: o.rows }, (_, i) => ({ _id: i as never, v: 'seed' }))
    await db.collection(COLLECTION).deleteMany({})
    for (let i = 0; i < docs.length; i += 200)
      await db.collection(COLLECTION).insertMany(docs.slice(i, i + 200))
    const ops: Record<Mode, Op> = { raw: rawOp(db), replicakit: rkOp(rk) }
    for (const mode of MODES) await drive(ops[mode], { ...o, durationMS: o.warmupMS, seed: 1 })
    const rounds: Record<Mode, Segment>[] = []
    for (let r = 0; r < o.rounds; r++) {
      const result: Partial<Record<Mode, Segment>> = {}
      for (const mode of roundOrder(MODES, r))
        result[mode] = await drive(ops[mode], { ...o, seed: 100 + r })
      const done = result as Record<Mode, Segment>
      rounds.push(done)
      log(
        `${label} round ${r + 1}: raw ${Math.round(done.raw.opsPerSec)} ops/s, ` +
          `replicakit ${Math.round(done.replicakit.opsPerSec)} ops/s`,
      )
    }
    const p50 = (mode: Mode): number | null =>
      median(rounds.map((s) => summarizeLatencies(s[mode].latenciesMS).p50MS))
    return {
      servedBy: label,
      throughputRatio: round(
        median(rounds.map((s) => ratio(s.replicakit.opsPerSec, s.raw.opsPerSec))),
        3,
      ),
      cpuPerOpRatio: round(
        median(rounds.map((s) => ratio(s.replicakit.cpuUSPerOp, s.raw.cpuUSPerOp))),
        3,
      ),
      p50MS: { raw: round(p50('raw')), replicakit: round(p50('replicakit')) },
      rounds: rounds.map((s) => ({
        rawOpsPerSec: Math.round(s.raw.opsPerSec),
        replicakitOpsPerSec: Math.round(s.replicakit.opsPerSec),
        rawCpuUSPerOp: round(s.raw.cpuUSPerOp, 1),
        replicakitCpuUSPerOp: round(s.replicakit.cpuUSPerOp, 1),
        errors: s.raw.errors + s.replicakit.errors,
      })),
    }
  } finally {
    await rk?.close()
    await raw.close()
  }
}

/** Runs the benchmark on every target; `log` gets progress. Stops every server it started. */
export async function runMongodbBench(
  o: MongodbBenchOptions,
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {}
  if (o.targets.includes('ferretdb')) {
    const server = await startFerretdb()
    try {
      log(`FerretDB at ${server.uri}`)
      const url = new URL(server.uri)
      url.pathname = '/rk_bench'
      results['ferretdb'] = await measure(
        url.toString(),
        o,
        log,
        'FerretDB v1.24.2 (SQLite), 1 member',
      )
    } finally {
      await server.stop()
    }
  }
  if (o.targets.includes('mongo-sim')) {
    const sim = await startMongoSim({ members: 3 })
    try {
      log(`simulator at ${sim.uri}`)
      const uri = sim.uri.replace('/?', '/rk_bench?')
      results['mongoSim'] = await measure(uri, o, log, 'wire simulator, 3 members (in-memory)')
    } finally {
      await sim.stop()
    }
  }
  return {
    suite: 'mongodb',
    options: o,
    targets: { throughput: '>= 0.97', cpuPerOp: '<= 1.10' },
    results,
  }
}

/** `npm run bench -- mongodb …`: returns the exit code. */
export async function runMongodbBenchCli(
  argv: readonly string[],
  log: (line: string) => void,
): Promise<number> {
  const known = new Set(['mongodb', '--json', '--quick', '--ferretdb-only', '--sim-only'])
  const unknown = argv.filter((a) => !known.has(a))
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown arguments: ${unknown.join(' ')}\n` +
        'usage: npm run bench -- mongodb [--json] [--quick] [--ferretdb-only | --sim-only]\n',
    )
    return 2
  }
  const targets: TargetName[] = argv.includes('--ferretdb-only')
    ? ['ferretdb']
    : argv.includes('--sim-only')
      ? ['mongo-sim']
      : ['ferretdb', 'mongo-sim']
  const options = {
    ...DEFAULT_MONGODB_BENCH_OPTIONS,
    ...(argv.includes('--quick') ? QUICK : {}),
    targets,
  }
  const report = await runMongodbBench(options, log)
  process.stdout.write(
    argv.includes('--json')
      ? `${JSON.stringify(report, null, 2)}\n`
      : `MongoDB: ReplicaKit vs raw mongodb driver\n${JSON.stringify(report, null, 2)}\n`,
  )
  return 0
}
