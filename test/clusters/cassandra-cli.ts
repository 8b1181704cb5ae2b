/**
 * The `cassandra` backend of the cluster CLI (`cli.ts` dispatches here):
 *
 * ```sh
 * npm run --silent cluster -- up cassandra [--json]        # start the ring (or adopt a running one)
 * npm run --silent cluster -- status cassandra [--json]
 * npm run --silent cluster -- kill|pause|resume|restart cassandra <node>
 * npm run --silent cluster -- down cassandra
 * ```
 *
 * `--secure` does the same for the secure node (127.0.0.5: TLS only, client certificate required,
 * PasswordAuthenticator; see `cassandra-secure.ts`): `up|status|down cassandra --secure`; node
 * operations find it by its name, `kill|pause|resume|restart cassandra secure1`.
 *
 * The ring's JVMs outlive the CLI; every operation reattaches through
 * `.cluster/cassandra/state.json` (`.cluster/cassandra-secure/state.json`), the same file the tests
 * share. `release cassandra --holder PID` is for `scripts/test.mjs`: it drops a test run's lease
 * on both (see `cassandra-shared.ts`).
 */
import {
  CassandraRing,
  loadRingState,
  ringPaths,
  saveRingState,
  SHARED_RING_SPEC,
  withRingLock,
  type CassandraNodeStatus,
  type CassandraRingSpec,
} from './cassandra-ring.js'
import { isNodeProcess } from './cassandra-node.js'
import { SECURE_RING_SPEC, SECURE_USER } from './cassandra-secure.js'
import { releaseRing } from './cassandra-shared.js'
import { tlsFiles } from './tls-certs.js'

const OPS = Object.freeze([
  'up',
  'status',
  'down',
  'kill',
  'pause',
  'resume',
  'restart',
  'release',
] as const)
type Op = (typeof OPS)[number]
const NODE_OPS: ReadonlySet<Op> = new Set(['kill', 'pause', 'resume', 'restart'])
const USAGE =
  'usage: cluster <up|status|down|kill|pause|resume|restart> cassandra [node] [--json] [--secure]'

/** A command-line mistake: the CLI exits with status 2. */
export class CassandraUsageError extends Error {}

interface Args {
  readonly op: Op
  readonly node: string | undefined
  readonly json: boolean
  readonly holder: number | undefined
  /** The ring the operation acts on: the shared one, or the secure node (`--secure`, `secure1`). */
  readonly spec: CassandraRingSpec
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = []
  let json = false
  let secure = false
  let holder: number | undefined
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? ''
    if (arg === '--json') json = true
    else if (arg === '--secure') secure = true
    else if (arg === '--holder') holder = Number(argv[++i])
    else if (arg === '-h' || arg === '--help') throw new CassandraUsageError(USAGE)
    else if (arg.startsWith('-')) throw new CassandraUsageError(`unknown option ${arg}\n${USAGE}`)
    else positional.push(arg)
  }
  const [op, , node, ...rest] = positional
  if (!OPS.includes(op as Op)) {
    throw new CassandraUsageError(`unknown operation '${op ?? ''}' for cassandra\n${USAGE}`)
  }
  if (rest.length > 0) {
    throw new CassandraUsageError(`unexpected arguments: ${rest.join(' ')}\n${USAGE}`)
  }
  if (NODE_OPS.has(op as Op) && node === undefined) {
    throw new CassandraUsageError(`${op} needs a node name, e.g. node2\n${USAGE}`)
  }
  if (op === 'release' && (holder === undefined || !Number.isInteger(holder))) {
    throw new CassandraUsageError('release needs --holder PID')
  }
  const isSecureNode = SECURE_RING_SPEC.layout.some((n) => n.name === node)
  const spec = secure || isSecureNode ? SECURE_RING_SPEC : SHARED_RING_SPEC
  return { op: op as Op, node, json, holder, spec }
}

function printStatus(
  ring: CassandraRing,
  nodes: readonly CassandraNodeStatus[],
  json: boolean,
): void {
  if (json) {
    const doc = {
      uri: ring.uri,
      nodes: nodes.map(({ name, host, port, pid, dc, rack, state }) => ({
        name,
        host,
        port,
        pid,
        dc,
        rack,
        state,
      })),
    }
    process.stdout.write(`${JSON.stringify(doc)}\n`)
    return
  }
  const header = ['NODE', 'ADDRESS', 'PID', 'DC', 'RACK', 'STATE', 'RSS']
  const uri = ring.spec === SECURE_RING_SPEC ? secureUri(ring) : ring.uri
  const rows = nodes.map((n) => [
    n.name,
    `${n.host}:${n.port}`,
    String(n.pid),
    n.dc,
    n.rack,
    n.state,
    n.rssKB === undefined ? '-' : `${Math.round(n.rssKB / 1024)} MiB`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  process.stdout.write([`uri: ${uri}`, line(header), ...rows.map(line)].join('\n') + '\n')
}

/** The secure node's URI with its TLS files and role (the password is in `cassandra-secure.ts`). */
function secureUri(ring: CassandraRing): string {
  const tls = tlsFiles()
  const base = ring.uri.replace('cassandra://', `cassandra://${SECURE_USER}:<password>@`)
  return `${base}&tlsCAFile=${tls.ca}&tlsCertificateKeyFile=${tls.client}`
}

/** Starts the ring, or adopts a running one (the CLI then owns it: tests will not stop it). */
async function up(spec: CassandraRingSpec, json: boolean): Promise<void> {
  const { ring, started } = await withRingLock(async () => {
    const state = await loadRingState(spec)
    if (state?.ready === true && state.nodes.some(isNodeProcess)) {
      state.startedBy = 'cli'
      await saveRingState(state, spec)
      const existing = new CassandraRing(state, spec)
      await existing.ensureAllUp()
      return { ring: existing, started: false }
    }
    if (state !== undefined) await new CassandraRing(state, spec).stop()
    return { ring: await CassandraRing.start('cli', spec), started: true }
  }, spec)
  if (!json) {
    const { startupMS, resolveMS } = ring.state
    process.stdout.write(
      started
        ? `started in ${startupMS} ms (jar resolve ${resolveMS} ms)\n`
        : `${spec.id} already up (${ringPaths(spec).stateFile}); the CLI now owns it\n`,
    )
  }
  printStatus(ring, await ring.status(), json)
}

/** Runs one CLI operation on the Cassandra ring; `argv` is `<op> cassandra [node] [flags]`. */
export async function runCassandraCli(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv)
  if (args.op === 'up') {
    await up(args.spec, args.json)
    return
  }
  if (args.op === 'release') {
    for (const spec of [SHARED_RING_SPEC, SECURE_RING_SPEC]) {
      const outcome = await releaseRing(spec, args.holder ?? 0)
      if (outcome === 'stopped') process.stdout.write(`${spec.id} stopped (end of test run)\n`)
    }
    return
  }
  const ring = await CassandraRing.attach(args.spec)
  const flag = args.spec === SECURE_RING_SPEC ? ' --secure' : ''
  if (ring === undefined) {
    if (args.op === 'down') {
      process.stderr.write(`no ${args.spec.id} is up\n`)
      return
    }
    throw new Error(
      `no ${args.spec.id} is up (no ${ringPaths(args.spec).stateFile}); run: up cassandra${flag}`,
    )
  }
  const node = args.node ?? ''
  let message: string
  switch (args.op) {
    case 'status':
      printStatus(ring, await ring.status(), args.json)
      return
    case 'down':
      await ring.stop()
      if (!args.json) process.stdout.write(`${args.spec.id} stopped\n`)
      return
    case 'kill':
      await ring.kill(node)
      message = `killed ${node}`
      break
    case 'pause':
      await ring.pause(node)
      message = `paused ${node}`
      break
    case 'resume':
      await ring.resume(node)
      message = `resumed ${node}`
      break
    case 'restart':
      message = `restarted ${node} in ${await ring.restart(node)} ms`
      break
    default: {
      const _exhaustive: never = args.op
      throw new Error(`unhandled operation ${String(_exhaustive)}`)
    }
  }
  if (args.json) printStatus(ring, await ring.status(), true)
  else process.stdout.write(`${message}\n`)
}
