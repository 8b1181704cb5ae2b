/**
 * The `ferretdb` backend of the cluster CLI (`cli.ts` dispatches here):
 *
 * ```sh
 * npm run --silent cluster -- up ferretdb [--tls] [--json]  # build if needed, start (or show a running one)
 * npm run --silent cluster -- status ferretdb [--json]
 * npm run --silent cluster -- kill|pause|resume|restart ferretdb [f1] [--json]
 * npm run --silent cluster -- down ferretdb [--json]
 * ```
 *
 * The server outlives the CLI; every operation reattaches through `.cluster/ferretdb/state.json`.
 * With `--json` every operation prints exactly one document:
 * `{"uri": "mongodb://127.0.0.1:P/?replicaSet=rs0", "nodes": [{"name", "host", "port", "role", "pid"}]}`.
 * Build progress and errors go to stderr. `up --tls` starts it with TLS only (the test certificates of
 * `tls-certs.ts`; a standalone, see `FerretdbTlsState`) and prints the URI with `tls=true&tlsCAFile=…`.
 */
import { existsSync } from 'node:fs'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isFerretdbProcess, REPO_ROOT } from './ferretdb-process.js'
import { ensureTlsFiles, tlsFiles } from './tls-certs.js'
import {
  FerretdbServer,
  startFerretdb,
  type FerretdbNodeStatus,
  type FerretdbState,
} from './ferretdb-server.js'

const OPS = Object.freeze(['up', 'status', 'down', 'kill', 'pause', 'resume', 'restart'] as const)
type Op = (typeof OPS)[number]
const USAGE = `usage: cluster <${OPS.join('|')}> ferretdb [f1] [--json] [--tls]`

const STATE_DIR = join(REPO_ROOT, '.cluster', 'ferretdb')
const STATE_FILE = join(STATE_DIR, 'state.json')

/** A command-line mistake: the CLI exits with status 2. */
export class FerretdbUsageError extends Error {}

interface Args {
  readonly op: Op
  readonly json: boolean
  /** `up` only: TLS on the server's port (no plain listener). */
  readonly tls: boolean
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = []
  let json = false
  let tls = false
  for (const arg of argv) {
    if (arg === '--json') json = true
    else if (arg === '--tls') tls = true
    else if (arg === '-h' || arg === '--help') throw new FerretdbUsageError(USAGE)
    else if (arg.startsWith('-')) throw new FerretdbUsageError(`unknown option ${arg}\n${USAGE}`)
    else positional.push(arg)
  }
  const [op, , node, ...rest] = positional
  if (!OPS.includes(op as Op)) {
    throw new FerretdbUsageError(`unknown operation '${op ?? ''}' for ferretdb\n${USAGE}`)
  }
  if (node !== undefined && node !== 'f1') {
    throw new FerretdbUsageError(`ferretdb has one node, f1 (got '${node}')\n${USAGE}`)
  }
  if (rest.length > 0) {
    throw new FerretdbUsageError(`unexpected arguments: ${rest.join(' ')}\n${USAGE}`)
  }
  return { op: op as Op, json, tls }
}

async function loadState(): Promise<FerretdbState | undefined> {
  if (!existsSync(STATE_FILE)) return undefined
  return JSON.parse(await readFile(STATE_FILE, 'utf8')) as FerretdbState
}

async function saveState(server: FerretdbServer): Promise<void> {
  const scratch = `${STATE_FILE}.${process.pid}.tmp`
  await writeFile(scratch, `${JSON.stringify(server.toState(), null, 2)}\n`)
  await rename(scratch, STATE_FILE)
}

function printStatus(uri: string, status: FerretdbNodeStatus, json: boolean): void {
  const { name, host, port, role, pid } = status
  if (json) {
    process.stdout.write(`${JSON.stringify({ uri, nodes: [{ name, host, port, role, pid }] })}\n`)
    return
  }
  const rss = status.rssKB === undefined ? '-' : `${Math.round(status.rssKB / 1024)} MiB`
  const roleText = status.paused ? 'down (paused)' : role
  process.stdout.write(
    `uri: ${uri}\n${name}  ${host}:${port}  pid ${pid ?? '-'}  ${roleText}  RSS ${rss}\n`,
  )
}

/** The server's URI with the TLS options a client needs when it has TLS on. */
function clientUri(server: FerretdbServer): string {
  if (server.isExternal || server.toState().node.tls === undefined) return server.uri
  return `${server.uri}?tls=true&tlsCAFile=${tlsFiles().ca}`
}

async function attach(): Promise<FerretdbServer> {
  const state = await loadState()
  if (state === undefined) {
    throw new Error(`no ferretdb server is up (no ${STATE_FILE}); run: up ferretdb`)
  }
  return FerretdbServer.fromState(state, { detached: true })
}

async function up(json: boolean, tls: boolean): Promise<void> {
  const state = await loadState()
  if (state !== undefined) {
    const existing = FerretdbServer.fromState(state, { detached: true })
    if (isFerretdbProcess(state.node)) {
      process.stderr.write(`ferretdb already up (${STATE_FILE})\n`)
      printStatus(clientUri(existing), await existing.status(), json)
      return
    }
    await rm(STATE_DIR, { recursive: true, force: true })
  }
  const files = tls ? await ensureTlsFiles() : undefined
  const server = await startFerretdb({
    baseDir: STATE_DIR,
    detached: true,
    useEnvUri: false,
    ...(files === undefined
      ? {}
      : {
          tls: { certFile: files.serverCert('127.0.0.1'), keyFile: files.serverKey('127.0.0.1') },
        }),
  })
  await saveState(server)
  if (!json) process.stdout.write(`started in ${server.startupMS} ms\n`)
  printStatus(clientUri(server), await server.status(), json)
}

async function down(json: boolean): Promise<void> {
  const state = await loadState()
  if (state === undefined) {
    process.stderr.write('no ferretdb server is up\n')
    return
  }
  const server = FerretdbServer.fromState(state, { detached: true })
  const last = await server.status()
  await server.stop()
  if (json) printStatus(clientUri(server), { ...last, role: 'down', paused: false }, true)
  else process.stdout.write('ferretdb stopped\n')
}

/**
 * Runs one `cluster <op> ferretdb …` command. Throws {@link FerretdbUsageError} for command-line
 * mistakes and an Error (with the server's log tail where useful) for failures.
 */
export async function runFerretdbCli(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv)
  if (args.op === 'up') return up(args.json, args.tls)
  if (args.op === 'down') return down(args.json)
  const server = await attach()
  let message: string
  switch (args.op) {
    case 'status':
      message = ''
      break
    case 'kill':
      await server.kill()
      message = 'killed f1'
      break
    case 'pause':
      await server.pause()
      message = 'paused f1'
      break
    case 'resume':
      await server.resume()
      message = 'resumed f1'
      break
    case 'restart':
      await server.restart()
      await saveState(server)
      message = `restarted f1 (pid ${server.node.pid ?? '?'})`
      break
    default: {
      const _exhaustive: never = args.op
      throw new Error(`unhandled operation ${String(_exhaustive)}`)
    }
  }
  if (args.op === 'status' || args.json) {
    printStatus(clientUri(server), await server.status(), args.json)
  } else process.stdout.write(`${message}\n`)
}
