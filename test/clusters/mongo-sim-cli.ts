/**
 * The `mongo-sim` backend of `npm run cluster` (dispatched from `cli.ts`):
 *
 * ```sh
 * npm run --silent cluster -- up mongo-sim [--members 3] [--election-timeout 1000] [--tls] [--tls-client-cert] [--json]
 * npm run --silent cluster -- status mongo-sim [--json]
 * npm run --silent cluster -- kill|pause|resume|restart|elect mongo-sim m1
 * npm run --silent cluster -- step-down mongo-sim
 * npm run --silent cluster -- lag mongo-sim [m3] 5000
 * npm run --silent cluster -- drop-reply mongo-sim m1 [2]
 * npm run --silent cluster -- down mongo-sim
 * ```
 *
 * `up` starts detached member processes and records them in `<repo>/.cluster/mongo-sim/state.json`;
 * the other operations reattach through {@link MongoSim.fromState}. `--tls` puts TLS on the client
 * ports (the test certificates of `tls-certs.ts`; the printed URI carries `tls=true&tlsCAFile=…`),
 * `--tls-client-cert` also requires a client certificate (`tlsCertificateKeyFile=…/client.pem`).
 */
import { existsSync } from 'node:fs'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  MongoSim,
  startMongoSim,
  type MongoSimMemberStatus,
  type MongoSimState,
} from './mongo-sim.js'
import { REPO_ROOT } from './mongo-sim/member-process.js'
import { isProcessAlive } from './process-utils.js'
import { ensureTlsFiles, tlsFiles } from './tls-certs.js'

const OPS = Object.freeze([
  'up',
  'status',
  'down',
  'kill',
  'pause',
  'resume',
  'restart',
  'step-down',
  'elect',
  'lag',
  'drop-reply',
] as const)
type Op = (typeof OPS)[number]
const MEMBER_OPS: ReadonlySet<Op> = new Set([
  'kill',
  'pause',
  'resume',
  'restart',
  'elect',
  'drop-reply',
])
const USAGE = `usage: cluster <${OPS.join('|')}> mongo-sim [member] [n|ms] [--json] [--members N] [--election-timeout MS] [--tls] [--tls-client-cert]`

const STATE_DIR = join(REPO_ROOT, '.cluster', 'mongo-sim')
const STATE_FILE = join(STATE_DIR, 'state.json')

/** A command-line mistake (exit status 2). */
export class MongoSimUsageError extends Error {}

interface Args {
  readonly op: Op
  readonly member?: string
  readonly count?: number
  readonly json: boolean
  readonly members?: number
  readonly electionTimeoutMS?: number
  /** `plain` unless `--tls` or `--tls-client-cert`. */
  readonly tls: 'plain' | 'tls' | 'client-cert'
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = []
  const options: {
    json: boolean
    members?: number
    electionTimeoutMS?: number
    tls: Args['tls']
  } = { json: false, tls: 'plain' }
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? ''
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined]
    const value = (): number => Number(inline ?? argv[++i])
    if (arg === '--json') options.json = true
    else if (arg === '--tls') options.tls = options.tls === 'plain' ? 'tls' : options.tls
    else if (arg === '--tls-client-cert') options.tls = 'client-cert'
    else if (flag === '--members' || flag === '--nodes') options.members = value()
    else if (flag === '--election-timeout') options.electionTimeoutMS = value()
    else if (arg === '-h' || arg === '--help') throw new MongoSimUsageError(USAGE)
    else if (arg.startsWith('-')) throw new MongoSimUsageError(`unknown option ${arg}\n${USAGE}`)
    else positional.push(arg)
  }
  const [op, , ...rest] = positional
  if (!OPS.includes(op as Op))
    throw new MongoSimUsageError(`unknown operation '${op ?? ''}'\n${USAGE}`)
  const numbers = rest.filter((r) => /^\d+$/.test(r)).map(Number)
  const names = rest.filter((r) => !/^\d+$/.test(r))
  if (names.length > 1 || numbers.length > 1) {
    throw new MongoSimUsageError(`unexpected arguments: ${rest.join(' ')}\n${USAGE}`)
  }
  if (MEMBER_OPS.has(op as Op) && names[0] === undefined) {
    throw new MongoSimUsageError(`${op} needs a member name, e.g. m1\n${USAGE}`)
  }
  if (op === 'lag' && numbers[0] === undefined) {
    throw new MongoSimUsageError(`lag needs milliseconds, e.g. lag mongo-sim m3 5000\n${USAGE}`)
  }
  return { op: op as Op, member: names[0], count: numbers[0], ...options }
}

async function loadState(): Promise<MongoSimState | undefined> {
  if (!existsSync(STATE_FILE)) return undefined
  return JSON.parse(await readFile(STATE_FILE, 'utf8')) as MongoSimState
}

async function saveState(sim: MongoSim): Promise<void> {
  const scratch = `${STATE_FILE}.${process.pid}.tmp`
  await writeFile(scratch, `${JSON.stringify(sim.toState(), null, 2)}\n`)
  await rename(scratch, STATE_FILE)
}

function printStatus(sim: MongoSim, members: readonly MongoSimMemberStatus[], json: boolean): void {
  if (json) {
    const nodes = members.map(({ name, host, port, role, pid }) => ({
      name,
      host,
      port,
      role,
      pid,
    }))
    process.stdout.write(`${JSON.stringify({ uri: clientUri(sim), nodes })}\n`)
    return
  }
  const rows = members.map((m) => [
    m.name,
    `${m.host}:${m.port}`,
    String(m.pid),
    m.paused ? 'down (paused)' : m.role,
    m.term === undefined ? '-' : String(m.term),
    m.lastIndex === undefined ? '-' : String(m.lastIndex),
    m.lagMS === undefined ? '-' : `${m.lagMS} ms`,
  ])
  const header = ['MEMBER', 'ADDRESS', 'PID', 'ROLE', 'TERM', 'OPLOG', 'LAG']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  process.stdout.write(
    [`uri: ${clientUri(sim)}`, line(header), ...rows.map(line)].join('\n') + '\n',
  )
}

/** The set's URI with the TLS options a client needs (the test CA, the client certificate). */
function clientUri(sim: MongoSim): string {
  const tls = sim.tls
  if (tls === undefined) return sim.uri
  const files = tlsFiles()
  const cert = tls.clientCaFile === undefined ? '' : `&tlsCertificateKeyFile=${files.client}`
  return `${sim.uri}&tls=true&tlsCAFile=${files.ca}${cert}`
}

async function attach(): Promise<MongoSim> {
  const state = await loadState()
  if (state === undefined)
    throw new Error(`no mongo-sim set is up (no ${STATE_FILE}); run: up mongo-sim`)
  return MongoSim.fromState(state)
}

async function run(args: Args): Promise<void> {
  if (args.op === 'up') {
    const state = await loadState()
    if (state !== undefined && Object.values(state.pids).some(isProcessAlive)) {
      const existing = MongoSim.fromState(state)
      process.stderr.write(`mongo-sim already up (${STATE_FILE})\n`)
      printStatus(existing, await existing.status(), args.json)
      return
    }
    await rm(STATE_DIR, { recursive: true, force: true })
    const files = args.tls === 'plain' ? undefined : await ensureTlsFiles()
    const sim = await startMongoSim({
      baseDir: STATE_DIR,
      detached: true,
      members: args.members,
      electionTimeoutMS: args.electionTimeoutMS,
      ...(files === undefined
        ? {}
        : {
            tls: {
              certFile: files.serverCert('127.0.0.1'),
              keyFile: files.serverKey('127.0.0.1'),
              ...(args.tls === 'client-cert' ? { clientCaFile: files.ca } : {}),
            },
          }),
    })
    await saveState(sim)
    printStatus(sim, await sim.status(), args.json)
    return
  }
  if (args.op === 'down') {
    if ((await loadState()) === undefined) {
      process.stderr.write('no mongo-sim set is up\n')
      return
    }
    await (await attach()).stop()
    if (!args.json) process.stdout.write('mongo-sim stopped\n')
    return
  }
  const sim = await attach()
  const member = args.member ?? ''
  let message = ''
  switch (args.op) {
    case 'status':
      break
    case 'kill':
      await sim.kill(member)
      message = `killed ${member}`
      break
    case 'pause':
      await sim.pause(member)
      message = `paused ${member}`
      break
    case 'resume':
      await sim.resume(member)
      message = `resumed ${member}`
      break
    case 'restart':
      await sim.restart(member)
      message = `restarted ${member} (it resyncs from the primary)`
      break
    case 'step-down':
      message = `${await sim.stepDown()} is the primary`
      break
    case 'elect':
      await sim.elect(member)
      message = `${member} is the primary`
      break
    case 'lag':
      await sim.setLag(args.count ?? 0, args.member)
      message = `lag ${args.count ?? 0} ms on ${args.member ?? 'every data-bearing member'}`
      break
    case 'drop-reply':
      await sim.dropReply(member, args.count ?? 1)
      message = `${member} drops the replies of its next ${args.count ?? 1} write(s)`
      break
    default: {
      const _exhaustive: never = args.op
      throw new Error(`unhandled operation ${String(_exhaustive)}`)
    }
  }
  await saveState(sim)
  if (args.op === 'status' || args.json) printStatus(sim, await sim.status(), args.json)
  else process.stdout.write(`${message}\n`)
}

/**
 * Runs the CLI for `argv` (`<op> mongo-sim …`). A usage error is printed here with exit status 2;
 * other errors are thrown for `cli.ts` to print (exit status 1).
 */
export async function runMongoSimCli(argv: readonly string[]): Promise<void> {
  let args: Args
  try {
    args = parseArgs(argv)
  } catch (error: unknown) {
    if (!(error instanceof MongoSimUsageError)) throw error
    process.stderr.write(`cluster: ${error.message}\n`)
    process.exitCode = 2
    return
  }
  await run(args)
}
