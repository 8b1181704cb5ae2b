/**
 * Command-line parsing for `npm run bench -- mysql --monitor [options]` (pure, unit-tested).
 */
import { UsageError } from './args.js'
import { DEFAULT_MYSQL_MONITOR_OPTIONS, type MysqlMonitorOptions } from './mysql-monitor.js'

/** The usage text of the monitor mode. */
export const MONITOR_USAGE = `usage: npm run bench -- mysql --monitor [--json] [options]
  --nodes N           MariaDB servers to start (default ${DEFAULT_MYSQL_MONITOR_OPTIONS.nodes})
  --nodes-target N    monitored nodes to reach with several idle clients (default ${DEFAULT_MYSQL_MONITOR_OPTIONS.nodesTarget})
  --heartbeat-ms N    heartbeatFrequencyMS (default ${DEFAULT_MYSQL_MONITOR_OPTIONS.heartbeatFrequencyMS})
  --duration-ms N     measured idle time per round (default ${DEFAULT_MYSQL_MONITOR_OPTIONS.durationMS})
  --warmup-ms N       unmeasured time before the first round (default ${DEFAULT_MYSQL_MONITOR_OPTIONS.warmupMS})
  --rounds N          measured rounds (default ${DEFAULT_MYSQL_MONITOR_OPTIONS.rounds})`

const FLAGS = {
  '--nodes': { key: 'nodes', min: 1, max: 12 },
  '--nodes-target': { key: 'nodesTarget', min: 1, max: 100 },
  '--heartbeat-ms': { key: 'heartbeatFrequencyMS', min: 500, max: 60_000 },
  '--duration-ms': { key: 'durationMS', min: 1_000, max: 600_000 },
  '--warmup-ms': { key: 'warmupMS', min: 0, max: 60_000 },
  '--rounds': { key: 'rounds', min: 1, max: 20 },
} as const

/** Whether the command line asks for the monitor benchmark. */
export function isMonitorRun(argv: readonly string[]): boolean {
  return argv.includes('--monitor')
}

/** Parses `mysql --monitor [--json] [options]`. @throws UsageError */
export function parseMonitorArgs(argv: readonly string[]): {
  readonly json: boolean
  readonly options: MysqlMonitorOptions
} {
  const options: { -readonly [K in keyof MysqlMonitorOptions]: MysqlMonitorOptions[K] } = {
    ...DEFAULT_MYSQL_MONITOR_OPTIONS,
  }
  let json = false
  let suite: string | undefined
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!
    if (arg === '--json') json = true
    else if (arg === '--monitor') continue
    else if (arg in FLAGS) {
      const flag = FLAGS[arg as keyof typeof FLAGS]
      const raw = argv[i + 1]
      i += 1
      const n = Number(raw)
      if (raw === undefined || !Number.isInteger(n) || n < flag.min || n > flag.max) {
        throw new UsageError(
          `${arg} must be an integer from ${flag.min} to ${flag.max}, got '${raw ?? ''}'`,
        )
      }
      options[flag.key] = n
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg} for --monitor`)
    else if (suite === undefined) suite = arg
    else throw new UsageError(`unexpected argument '${arg}'`)
  }
  if (suite !== 'mysql') throw new UsageError(`--monitor is a mode of the mysql benchmark`)
  return { json, options: Object.freeze(options) }
}
