/**
 * Entry of `npm run bench -- mysql [--json]`. Progress goes to stderr; stdout gets the table, or
 * with `--json` exactly one JSON document. Everything the run starts (MariaDB nodes, HAProxy,
 * pools) is stopped at the end, on error, on SIGINT/SIGTERM, and by a watchdog.
 */
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseBenchArgs, UsageError, USAGE } from './args.js'
import { CleanupStack } from './cleanup.js'
import { runCassandraBenchCli } from './cassandra-bench.js'
import { runMongodbBenchCli } from './mongodb-bench.js'
import { runMysqlBench } from './mysql-bench.js'
import { formatMysqlReport } from './report.js'
import { formatMonitorReport, runMysqlMonitorBench } from './mysql-monitor.js'
import { isMonitorRun, MONITOR_USAGE, parseMonitorArgs } from './mysql-monitor-args.js'

/** The whole run is aborted after this long, in ms (the defaults finish in about 3 minutes). */
const WATCHDOG_MS = 15 * 60_000

const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n${MONITOR_USAGE}\n`)
    return 0
  }
  // `npm run bench` builds first and resolves `replicakit` to the compiled package, as users run it
  // (tsx's transform adds a cost per closure to TypeScript sources that the raw drivers do not pay).
  log(`ReplicaKit from ${relative(process.cwd(), fileURLToPath(import.meta.resolve('replicakit')))}`)
  if (process.argv[2] === 'cassandra') return runCassandraBenchCli(process.argv.slice(2), log)
  if (process.argv[2] === 'mongodb') return runMongodbBenchCli(process.argv.slice(2), log)
  const monitor = isMonitorRun(process.argv)
  let args
  try {
    args = monitor
      ? { monitor: parseMonitorArgs(process.argv.slice(2)) }
      : parseBenchArgs(process.argv.slice(2))
  } catch (error: unknown) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`${error.message}\n${monitor ? MONITOR_USAGE : USAGE}\n`)
    return 2
  }
  const cleanup = new CleanupStack()
  const abort = new AbortController()
  let stopping = false
  const shutdown = (reason: string, code: number): void => {
    if (stopping) {
      log(`${reason} again: exiting without cleanup`)
      process.exit(code)
    }
    stopping = true
    log(`${reason}: stopping everything the benchmark started`)
    abort.abort(new Error(reason))
    void cleanup.runAll().then((failures) => {
      for (const f of failures) log(`cleanup failed: ${f}`)
      process.exit(code)
    })
  }
  const onSigint = () => {
    shutdown('SIGINT', 130)
  }
  const onSigterm = () => {
    shutdown('SIGTERM', 143)
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigterm)
  const watchdog = setTimeout(() => {
    shutdown(`watchdog (${WATCHDOG_MS / 60_000} min)`, 1)
  }, WATCHDOG_MS)
  watchdog.unref()
  try {
    if ('monitor' in args) {
      const context = { log, cleanup, signal: abort.signal }
      const report = await runMysqlMonitorBench(args.monitor.options, context)
      process.stdout.write(
        args.monitor.json ? `${JSON.stringify(report, null, 2)}\n` : formatMonitorReport(report),
      )
      return 0
    }
    const report = await runMysqlBench(args.options, { log, cleanup, signal: abort.signal })
    process.stdout.write(
      args.json ? `${JSON.stringify(report, null, 2)}\n` : formatMysqlReport(report),
    )
    return 0
  } catch (error: unknown) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return 1
  } finally {
    clearTimeout(watchdog)
    const failures = await cleanup.runAll()
    for (const f of failures) log(`cleanup failed: ${f}`)
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`crashed: ${String(error)}`)
    process.exit(1)
  },
)
