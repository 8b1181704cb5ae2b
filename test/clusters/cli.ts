/**
 * Command line for the real-server harnesses:
 *
 * ```sh
 * npm run --silent cluster -- up mysql [--nodes 3] [--json]
 * npm run --silent cluster -- status mysql [--json]
 * npm run --silent cluster -- kill|pause|resume|stop-sql|start-sql|rejoin mysql <node>
 * npm run --silent cluster -- promote mysql [node]
 * npm run --silent cluster -- down mysql
 * ```
 *
 * The CLI exits between calls, so `up` starts servers that outlive it and records them in
 * `<repo>/.cluster/mysql/state.json`; every other operation reattaches through
 * {@link MysqlCluster.fromState}. Results go to stdout, errors to stderr with exit status 1
 * (2 for usage errors).
 */
import { existsSync } from 'node:fs'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  MysqlCluster,
  startMysqlCluster,
  type MysqlClusterState,
  type MysqlNodeStatus,
} from './mysql-cluster.js'
import { isNodeProcess, REPO_ROOT } from './mysql-node.js'
import { CassandraUsageError, runCassandraCli } from './cassandra-cli.js'
import { runMongoSimCli } from './mongo-sim-cli.js'
import { FerretdbUsageError, runFerretdbCli } from './ferretdb-cli.js'

const OPS = Object.freeze([
  'up',
  'status',
  'down',
  'kill',
  'pause',
  'resume',
  'stop-sql',
  'start-sql',
  'promote',
  'rejoin',
] as const)
type Op = (typeof OPS)[number]
const NODE_OPS: ReadonlySet<Op> = new Set([
  'kill',
  'pause',
  'resume',
  'stop-sql',
  'start-sql',
  'rejoin',
])
const USAGE = `usage: cluster <${OPS.join('|')}> mysql [node] [--json] [--nodes N]`

const STATE_DIR = join(REPO_ROOT, '.cluster', 'mysql')
const STATE_FILE = join(STATE_DIR, 'state.json')

class UsageError extends Error {}

interface Args {
  readonly op: Op
  readonly node?: string
  readonly json: boolean
  readonly nodes?: number
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = []
  let json = false
  let nodes: number | undefined
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? ''
    if (arg === '--json') json = true
    else if (arg === '--nodes') nodes = Number(argv[++i])
    else if (arg.startsWith('--nodes=')) nodes = Number(arg.slice('--nodes='.length))
    else if (arg === '-h' || arg === '--help') throw new UsageError(USAGE)
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}\n${USAGE}`)
    else positional.push(arg)
  }
  const [op, backend, node, ...rest] = positional
  if (!OPS.includes(op as Op)) throw new UsageError(`unknown operation '${op ?? ''}'\n${USAGE}`)
  if (backend !== 'mysql') {
    throw new UsageError(`unknown backend '${backend ?? ''}' (this CLI drives: mysql)\n${USAGE}`)
  }
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}\n${USAGE}`)
  if (NODE_OPS.has(op as Op) && node === undefined) {
    throw new UsageError(`${op} needs a node name, e.g. node1\n${USAGE}`)
  }
  return { op: op as Op, node, json, nodes }
}

async function loadState(): Promise<MysqlClusterState | undefined> {
  if (!existsSync(STATE_FILE)) return undefined
  return JSON.parse(await readFile(STATE_FILE, 'utf8')) as MysqlClusterState
}

async function saveState(cluster: MysqlCluster): Promise<void> {
  // The file holds passwords: owner-only, and replaced atomically.
  const scratch = `${STATE_FILE}.${process.pid}.tmp`
  await writeFile(scratch, `${JSON.stringify(cluster.toState(), null, 2)}\n`, { mode: 0o600 })
  await rename(scratch, STATE_FILE)
}

async function attach(): Promise<MysqlCluster> {
  const state = await loadState()
  if (state === undefined)
    throw new Error(`no mysql cluster is up (no ${STATE_FILE}); run: up mysql`)
  return MysqlCluster.fromState(state, { detached: true })
}

function printStatus(
  cluster: MysqlCluster,
  nodes: readonly MysqlNodeStatus[],
  json: boolean,
): void {
  if (json) {
    const doc = {
      uri: cluster.uri,
      nodes: nodes.map(({ name, host, port, pid, role }) => ({ name, host, port, pid, role })),
    }
    process.stdout.write(`${JSON.stringify(doc)}\n`)
    return
  }
  const rows = nodes.map((n) => [
    n.name,
    `${n.host}:${n.port}`,
    String(n.pid),
    n.paused ? 'down (paused)' : n.role,
    n.replication === undefined ? '-' : `${n.replication.ioRunning}/${n.replication.sqlRunning}`,
    n.replication?.secondsBehindMaster == null ? '-' : `${n.replication.secondsBehindMaster}s`,
    n.gtidCurrentPos || '-',
    n.rssKB === undefined ? '-' : `${Math.round(n.rssKB / 1024)} MiB`,
  ])
  const header = ['NODE', 'ADDRESS', 'PID', 'ROLE', 'IO/SQL', 'LAG', 'GTID', 'RSS']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  const errors = nodes.filter(
    (n) => n.error !== undefined || n.replication?.lastIoError || n.replication?.lastSqlError,
  )
  process.stdout.write(
    [
      `uri: ${cluster.uri}`,
      line(header),
      ...rows.map(line),
      ...errors.map(
        (n) =>
          `${n.name}: ${[n.error, n.replication?.lastIoError, n.replication?.lastSqlError].filter(Boolean).join('; ')}`,
      ),
    ].join('\n') + '\n',
  )
}

async function run(args: Args): Promise<void> {
  if (args.op === 'up') {
    const state = await loadState()
    if (state !== undefined) {
      const existing = MysqlCluster.fromState(state, { detached: true })
      if (state.nodes.some(isNodeProcess)) {
        process.stderr.write(`mysql cluster already up (${STATE_FILE})\n`)
        printStatus(existing, await existing.status(), args.json)
        existing.disconnect()
        return
      }
      await rm(STATE_DIR, { recursive: true, force: true })
    }
    const cluster = await startMysqlCluster({
      baseDir: STATE_DIR,
      detached: true,
      nodes: args.nodes,
    })
    try {
      await saveState(cluster)
      if (!args.json) process.stdout.write(`started in ${cluster.startupMS} ms\n`)
      printStatus(cluster, await cluster.status(), args.json)
    } finally {
      cluster.disconnect()
    }
    return
  }
  if (args.op === 'down') {
    if ((await loadState()) === undefined) {
      process.stderr.write('no mysql cluster is up\n')
      return
    }
    await (await attach()).stop()
    if (!args.json) process.stdout.write('mysql cluster stopped\n')
    return
  }
  const cluster = await attach()
  try {
    const node = args.node ?? ''
    let message = ''
    switch (args.op) {
      case 'status':
        break
      case 'kill':
        await cluster.kill(node)
        message = `killed ${node}`
        break
      case 'pause':
        await cluster.pause(node)
        message = `paused ${node}`
        break
      case 'resume':
        message = (await cluster.resume(node)).fenced
          ? `resumed ${node} and fenced it (read_only=ON): ${cluster.primary} is the primary`
          : `resumed ${node}`
        break
      case 'stop-sql':
        await cluster.stopSqlThread(node)
        message = `stopped the SQL thread on ${node}`
        break
      case 'start-sql':
        await cluster.startSqlThread(node)
        message = `started the SQL thread on ${node}`
        break
      case 'promote':
        message = `${await cluster.promote(args.node)} is the primary`
        break
      case 'rejoin':
        message = (await cluster.rejoin(node)).message
        break
      default: {
        const _exhaustive: never = args.op
        throw new Error(`unhandled operation ${String(_exhaustive)}`)
      }
    }
    await saveState(cluster)
    if (args.op === 'status' || args.json) printStatus(cluster, await cluster.status(), args.json)
    else process.stdout.write(`${message}\n`)
  } finally {
    cluster.disconnect()
  }
}

try {
  const argv = process.argv.slice(2)
  // `<op> cassandra …` goes to the Cassandra ring's own module.
  if (argv.filter((a) => !a.startsWith('-'))[1] === 'cassandra') await runCassandraCli(argv)
  else if (argv.filter((a) => !a.startsWith('-'))[1] === 'mongo-sim') await runMongoSimCli(argv)
  else if (argv.filter((a) => !a.startsWith('-'))[1] === 'ferretdb') await runFerretdbCli(argv)
  else await run(parseArgs(argv))
} catch (error: unknown) {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`cluster: ${message}\n`)
  process.exitCode =
    error instanceof UsageError ||
    error instanceof CassandraUsageError ||
    error instanceof FerretdbUsageError
      ? 2
      : 1
}
