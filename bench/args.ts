/**
 * Command-line parsing for `npm run bench -- <suite> [options]` (pure, unit-tested).
 */
import { DEFAULT_MYSQL_BENCH_OPTIONS, type MysqlBenchOptions } from './mysql-bench.js'
import { BENCH_MODES, type BenchMode } from './mysql-modes.js'

/** What the command line asked for. */
export interface BenchArgs {
  readonly suite: 'mysql'
  /** Print exactly one JSON document on stdout instead of the table. */
  readonly json: boolean
  readonly options: MysqlBenchOptions
}

/** The usage text printed for `--help` and bad arguments. */
export const USAGE = `usage: npm run bench -- mysql [--json] [options]
  --rounds N          rounds of every mode, rotated order (default ${DEFAULT_MYSQL_BENCH_OPTIONS.rounds})
  --duration-ms N     measured time per mode and round (default ${DEFAULT_MYSQL_BENCH_OPTIONS.durationMS})
  --warmup-ms N       unmeasured warm-up before each segment (default ${DEFAULT_MYSQL_BENCH_OPTIONS.warmupMS})
  --concurrency N     operations in flight (default ${DEFAULT_MYSQL_BENCH_OPTIONS.concurrency})
  --rows N            rows seeded for point reads (default ${DEFAULT_MYSQL_BENCH_OPTIONS.rows})
  --write-ratio X     share of inserts, 0..1 (default ${DEFAULT_MYSQL_BENCH_OPTIONS.writeRatio})
  --failovers N       kill -9 failovers per mode, 0 to skip (default ${DEFAULT_MYSQL_BENCH_OPTIONS.failovers})
  --heartbeat-ms N    ReplicaKit heartbeatFrequencyMS (default ${DEFAULT_MYSQL_BENCH_OPTIONS.heartbeatFrequencyMS})
  --modes a,b         subset of ${BENCH_MODES.join(',')} (default all)
  --seed N            seed of the operation sequence (default ${DEFAULT_MYSQL_BENCH_OPTIONS.seed})
  --handshakes N      new connections timed per variant, plain/TLS/full TLS, 0 to skip (default ${DEFAULT_MYSQL_BENCH_OPTIONS.handshakes})
  --quick             1 round of 2 s, 1 failover per mode, 50 handshakes (a smoke run)`

/** A bad command line; the message says what is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

const INTEGER_FLAGS = {
  '--rounds': { key: 'rounds', min: 1, max: 20 },
  '--duration-ms': { key: 'durationMS', min: 100, max: 120_000 },
  '--warmup-ms': { key: 'warmupMS', min: 0, max: 60_000 },
  '--concurrency': { key: 'concurrency', min: 1, max: 256 },
  '--rows': { key: 'rows', min: 1, max: 1_000_000 },
  '--failovers': { key: 'failovers', min: 0, max: 10 },
  '--heartbeat-ms': { key: 'heartbeatFrequencyMS', min: 10, max: 60_000 },
  '--seed': { key: 'seed', min: 0, max: 2 ** 31 - 1 },
  '--handshakes': { key: 'handshakes', min: 0, max: 10_000 },
} as const

/** Parses the arguments after `npm run bench --`. @throws UsageError */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const options: { -readonly [K in keyof MysqlBenchOptions]: MysqlBenchOptions[K] } = {
    ...DEFAULT_MYSQL_BENCH_OPTIONS,
  }
  let suite: string | undefined
  let json = false
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!
    const value = (): string => {
      const next = argv[i + 1]
      if (next === undefined) throw new UsageError(`${arg} needs a value`)
      i += 1
      return next
    }
    if (arg === '--json') json = true
    else if (arg === '--quick')
      Object.assign(options, {
        rounds: 1,
        durationMS: 2_000,
        warmupMS: 500,
        failovers: 1,
        handshakes: 50,
      })
    else if (arg in INTEGER_FLAGS) {
      const flag = INTEGER_FLAGS[arg as keyof typeof INTEGER_FLAGS]
      const raw = value()
      const n = Number(raw)
      if (!Number.isInteger(n) || n < flag.min || n > flag.max) {
        throw new UsageError(
          `${arg} must be an integer from ${flag.min} to ${flag.max}, got '${raw}'`,
        )
      }
      options[flag.key] = n
    } else if (arg === '--write-ratio') {
      const raw = value()
      const n = Number(raw)
      if (raw.trim() === '' || !(n >= 0 && n <= 1)) {
        throw new UsageError(`--write-ratio must be a number from 0 to 1, got '${raw}'`)
      }
      options.writeRatio = n
    } else if (arg === '--modes') {
      const modes = value()
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean)
      const unknown = modes.filter((m) => !(BENCH_MODES as readonly string[]).includes(m))
      if (modes.length === 0 || unknown.length > 0) {
        throw new UsageError(
          `--modes takes a subset of ${BENCH_MODES.join(',')}, got '${modes.join(',')}'`,
        )
      }
      options.modes = modes as BenchMode[]
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`)
    } else if (suite === undefined) {
      suite = arg
    } else {
      throw new UsageError(`unexpected argument '${arg}'`)
    }
  }
  if (suite === undefined) throw new UsageError('which benchmark? (mysql)')
  if (suite !== 'mysql') throw new UsageError(`unknown benchmark '${suite}' (available: mysql)`)
  return { suite, json, options: Object.freeze(options) }
}
