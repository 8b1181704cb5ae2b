/**
 * `npm run demo`: ReplicaKit through a real failover. Starts a 3-node MariaDB GTID cluster on
 * loopback, runs 4 writers (`w: 'majority'`) and 4 readers (`secondaryPreferred`) through one
 * client, kills the primary with `kill -9`, promotes a replica, and then checks every acknowledged
 * write on the new primary. Exit status 0 when nothing acknowledged was lost or written twice, 1
 * otherwise, 130/143 when interrupted. The cluster is torn down on every path, Ctrl-C included.
 *
 * @see ../docs/demo.md
 */
import { rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RowDataPacket } from 'mysql2/promise'
import { isReplicaKitError, redactUri } from 'replicakit'
import type { ReplicaKitClient } from 'replicakit'
import { connect } from 'replicakit/mysql'
import type { MysqlConnection } from 'replicakit/mysql'
import { startMysqlCluster } from '../test/clusters/mysql-cluster.js'
import type { MysqlCluster } from '../test/clusters/mysql-cluster.js'
import { isNodeProcess } from '../test/clusters/mysql-node.js'
import {
  formatEvent,
  formatNodes,
  formatSummary,
  formatTick,
  formatVerdict,
  isVerified,
  measureWriteWindow,
  nodeLabel,
  oneLine,
  verifyWrites,
} from './demo-report.js'
import type { Ack } from './demo-report.js'

const WRITERS = 4
const READERS = 4
/** Workload before the kill, ms (mid-second, so the kill does not race a per-second line). */
const BEFORE_KILL_MS = 7_500
/** Workload after the kill: at least this long, ms … */
const MIN_AFTER_KILL_MS = 10_000
/** … and this long after the first write the new primary acknowledged … */
const AFTER_RECOVERY_MS = 5_000
/** … but never longer than this, ms. */
const MAX_AFTER_KILL_MS = 30_000
const WRITE_OPTIONS = { w: 'majority', wtimeoutMS: 2_000, timeoutMS: 10_000 } as const
const READ_OPTIONS = { readPreference: 'secondaryPreferred', timeoutMS: 5_000 } as const
/** A failed call's loop pauses this long before the next one, ms (no hot loop on a fast failure). */
const PAUSE_AFTER_ERROR_MS = 50
/** Everything after the cluster is up must finish within this, ms; then the demo gives up. */
const WATCHDOG_MS = 120_000
/** A second signal within this long is the same Ctrl-C relayed by npm and tsx, ms. */
const SIGNAL_ECHO_MS = 1_000

const print = (line = ''): void => {
  process.stdout.write(`${line}\n`)
}
const interrupt = new AbortController()
let cluster: MysqlCluster | undefined
let starting: Promise<MysqlCluster> | undefined
let db: ReplicaKitClient<MysqlConnection> | undefined
let ticker: NodeJS.Timeout | undefined
let tornDown: Promise<void> | undefined

/** The workload's counters and records; `t0` is when it started (performance.now()). */
const run = {
  t0: 0,
  stopped: false,
  tick: { writesOk: 0, writesFailed: 0, readsOk: 0, readsFailed: 0, retries: 0 },
  readsOk: 0,
  readsFailed: 0,
  retries: 0,
  acks: [] as (Ack & { key: string })[],
  unknownOutcome: [] as string[],
  notWritten: [] as string[],
  errorsByKind: new Map<string, number>(),
  readsByPort: new Map<number, number>(),
  lastKey: '',
  /** Port of the killed primary once killed; its first foreign ack is announced. */
  oldPort: 0,
  killAtMS: Number.POSITIVE_INFINITY,
  firstNewAckMS: null as number | null,
  primarySeenMS: null as number | null,
}
const elapsed = (): number => performance.now() - run.t0
/** Prints a timed event line while the workload runs (not the client's goodbye events on close). */
const event = (text: string): void => {
  if (!run.stopped) print(formatEvent(elapsed(), text))
}
/** Node address → name (`127.0.0.1:41234` → `node1`), and port → name. */
let names = new Map<string, string>()
let portNames = new Map<number, string>()
const label = (address: string | null): string => nodeLabel(address, names)

async function main(): Promise<number> {
  print('ReplicaKit demo: kill -9 the primary of a MariaDB cluster under load, lose nothing')
  print()
  print('Starting 3 MariaDB nodes on 127.0.0.1 (GTID replication; MariaDB is installed first if')
  print('missing and running as root) …')
  // The harness's default work directory: a later start sweeps it if this process is killed hard.
  starting = startMysqlCluster({ nodes: 3 })
  cluster = await starting
  const c = cluster
  if (interrupt.signal.aborted) return 130
  setTimeout(() => void stopEverything('watchdog: the demo ran too long', 1), WATCHDOG_MS).unref()
  names = new Map(c.nodes.map((n) => [`${n.host}:${n.port}`, n.name]))
  portNames = new Map(c.nodes.map((n) => [n.port, n.name]))
  print(`  ready in ${(c.startupMS / 1000).toFixed(1)} s`)

  db = await connect(c.uri)
  const client = db
  print(`Connecting ReplicaKit: ${redactUri(c.uri)}`)
  client.on('warning', (e) => {
    const text = `warning${e.address !== undefined ? ` from ${label(e.address)}` : ''}: ${e.message}`
    if (run.t0 === 0) print(`  ${text}`)
    else event(`event ${text}`)
  })
  await client.waitForPrimary(15_000)
  await waitFor(() => client.topology().nodes.every((n) => n.state !== 'UNKNOWN'), 15_000)
  print(formatNodes(client.topology().nodes, names).join('\n'))
  // `k` is indexed but not unique on purpose: a write applied twice shows up as two rows.
  await client.write((conn) =>
    conn.query(
      'CREATE TABLE demo_writes (seq BIGINT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(32) NOT NULL, ' +
        'writer TINYINT NOT NULL, KEY (k))',
    ),
  )
  print(`Workload: ${WRITERS} writers INSERT unique keys with w: 'majority',`)
  print(`          ${READERS} readers SELECT with readPreference: 'secondaryPreferred'.`)
  print('One line a second; its counts are for that second.')
  print()

  run.t0 = performance.now()
  client.on('primaryChanged', (e) => {
    event(`event primaryChanged: ${label(e.previous)} → ${label(e.next)}`)
    if (e.next !== null && run.primarySeenMS === null && elapsed() >= run.killAtMS) {
      run.primarySeenMS = elapsed()
    }
  })
  client.on('nodeChanged', (e) => {
    if (e.previous.state === e.next.state) return
    const why = e.next.error === null ? '' : ` (${oneLine(e.next.error, 70)})`
    event(`event nodeChanged: ${label(e.address)} ${e.previous.state} → ${e.next.state}${why}`)
  })
  client.on('retry', (e) => {
    run.tick.retries += 1
    run.retries += 1
    noteFirst(`retry ${e.error.code}`, () => {
      event(
        `event retry: attempt ${e.attempt} on ${label(e.node ?? null)} failed with ${e.error.code}; ` +
          `next attempt in ${Math.round(e.delayMS)} ms`,
      )
    })
  })
  ticker = setInterval(() => {
    print(
      formatTick({ elapsedMS: elapsed(), ...run.tick, primary: label(client.topology().primary) }),
    )
    run.tick = { writesOk: 0, writesFailed: 0, readsOk: 0, readsFailed: 0, retries: 0 }
  }, 1_000)
  const loops = [
    ...Array.from({ length: WRITERS }, (_, i) => writer(client, i + 1)),
    ...Array.from({ length: READERS }, () => reader(client)),
  ]

  await sleep(BEFORE_KILL_MS, undefined, { signal: interrupt.signal })
  const oldName = c.primary
  const old = c.nodes.find((n) => n.name === oldName)!
  run.oldPort = old.port
  run.killAtMS = elapsed()
  event(`>>> kill -9 ${oldName} (pid ${old.pid}), the primary`)
  await c.kill(oldName)
  event(`>>> ${oldName} is gone. Promoting a replica with the harness's procedure:`)
  print('           STOP SLAVE IO_THREAD on the live replicas, apply their relay logs, pick the')
  print('           highest gtid_slave_pos; on it STOP SLAVE, RESET SLAVE ALL, read_only=OFF;')
  print('           point the other replica at it (MASTER_USE_GTID=slave_pos).')
  const promoteStart = performance.now()
  const newName = await c.promote()
  const promotionMS = performance.now() - promoteStart
  const newNode = c.nodes.find((n) => n.name === newName)!
  event(
    `>>> promoted ${newName} (${newNode.host}:${newNode.port}) in ${Math.round(promotionMS)} ms`,
  )

  const endBy = run.killAtMS + MAX_AFTER_KILL_MS
  while (elapsed() < endBy) {
    const recovered = run.firstNewAckMS !== null ? run.firstNewAckMS + AFTER_RECOVERY_MS : endBy
    if (elapsed() >= Math.max(run.killAtMS + MIN_AFTER_KILL_MS, recovered)) break
    await sleep(100, undefined, { signal: interrupt.signal })
  }
  run.stopped = true
  await Promise.all(loops)
  clearInterval(ticker)
  print(
    formatTick({ elapsedMS: elapsed(), ...run.tick, primary: label(client.topology().primary) }),
  )
  print()
  print('The client now sees:')
  print(formatNodes(client.topology().nodes, names).join('\n'))
  print()

  // Judge on the servers themselves, not through the client under test.
  await c.waitForReplication()
  const countsOn = async (name: string): Promise<Map<string, number>> => {
    const rows = await c.adminQuery(
      name,
      'SELECT k, COUNT(*) AS n FROM appdb.demo_writes GROUP BY k',
    )
    return new Map(rows.map((r) => [String(r['k']), Number(r['n'])]))
  }
  const acknowledged = run.acks.map((a) => a.key)
  const outcomes = { acknowledged, unknownOutcome: run.unknownOutcome, notWritten: run.notWritten }
  const verification = verifyWrites(outcomes, await countsOn(newName))
  const others = c.nodes.filter((n) => n.name !== newName && n.name !== oldName)
  const alsoOn = await Promise.all(
    others.map(async (n) => ({
      name: n.name,
      found: verifyWrites(outcomes, await countsOn(n.name)).found,
    })),
  )
  const lines = formatSummary({
    verification,
    checkedOn: newName,
    alsoOn,
    readsOk: run.readsOk,
    readsFailed: run.readsFailed,
    readsByNode: new Map(c.nodes.map((n) => [n.name, run.readsByPort.get(n.port) ?? 0])),
    retries: run.retries,
    errorsByKind: run.errorsByKind,
    window: measureWriteWindow(run.acks, run.oldPort, run.killAtMS),
    oldPrimary: oldName,
    newPrimary: newName,
    promotionMS,
    clientSwitchMS: run.primarySeenMS === null ? null : run.primarySeenMS - run.killAtMS,
  })
  print(lines.join('\n'))
  print()
  print(formatVerdict(verification))
  return isVerified(verification) ? 0 : 1
}

async function writer(client: ReplicaKitClient<MysqlConnection>, id: number): Promise<void> {
  for (let seq = 1; !run.stopped; seq += 1) {
    const key = `w${id}-${String(seq).padStart(6, '0')}`
    try {
      const port = await client.write(async (conn) => {
        await conn.query('INSERT INTO demo_writes (k, writer) VALUES (?, ?)', [key, id])
        return conn.connection.config.port ?? 0
      }, WRITE_OPTIONS)
      const atMS = elapsed()
      run.acks.push({ key, atMS, port })
      run.tick.writesOk += 1
      run.lastKey = key
      if (run.firstNewAckMS === null && port !== run.oldPort && atMS >= run.killAtMS) {
        run.firstNewAckMS = atMS
        event(`first write acknowledged after the kill, by ${portNames.get(port) ?? port}`)
      }
    } catch (error: unknown) {
      run.tick.writesFailed += 1
      const noWrite = isReplicaKitError(error) && error.hasLabel('NoWritesPerformed')
      ;(noWrite ? run.notWritten : run.unknownOutcome).push(key)
      noteError('write', error, noWrite ? 'nothing written' : 'outcome unknown')
      await pauseAfterError()
    }
  }
}

async function reader(client: ReplicaKitClient<MysqlConnection>): Promise<void> {
  while (!run.stopped) {
    try {
      const [rows] = await client.read(
        (conn) =>
          conn.query<RowDataPacket[]>(
            'SELECT @@port AS port, COUNT(*) AS n FROM demo_writes WHERE k = ?',
            [run.lastKey],
          ),
        READ_OPTIONS,
      )
      const port = Number(rows[0]?.['port'])
      run.readsByPort.set(port, (run.readsByPort.get(port) ?? 0) + 1)
      run.tick.readsOk += 1
      run.readsOk += 1
    } catch (error: unknown) {
      run.tick.readsFailed += 1
      run.readsFailed += 1
      noteError('read', error, '')
      await pauseAfterError()
    }
  }
}

const seen = new Set<string>()
/** Runs `show` the first time `key` comes up. */
function noteFirst(key: string, show: () => void): void {
  if (seen.has(key)) return
  seen.add(key)
  show()
}

function noteError(kind: 'read' | 'write', error: unknown, outcome: string): void {
  if (run.stopped && interrupt.signal.aborted) return
  const code = isReplicaKitError(error) ? error.code : 'NOT_A_REPLICAKIT_ERROR'
  const key = `${kind} ${code}`
  run.errorsByKind.set(key, (run.errorsByKind.get(key) ?? 0) + 1)
  const message = error instanceof Error ? error.message : String(error)
  noteFirst(key, () => {
    event(
      `${kind} failed: ${code}${outcome === '' ? '' : ` (${outcome})`}: ${oneLine(message, 110)}`,
    )
  })
}

async function pauseAfterError(): Promise<void> {
  await sleep(PAUSE_AFTER_ERROR_MS)
}

async function waitFor(ready: () => boolean, timeoutMS: number): Promise<void> {
  const until = performance.now() + timeoutMS
  while (!ready()) {
    if (performance.now() > until) throw new Error(`not ready within ${timeoutMS} ms`)
    await sleep(50, undefined, { signal: interrupt.signal })
  }
}

/** Closes the client and stops the cluster, once, whoever asks first; says whether anything survived. */
function teardown(): Promise<void> {
  tornDown ??= (async () => {
    run.stopped = true
    clearInterval(ticker)
    await db?.close().catch((e: unknown) => {
      print(`closing the client failed: ${String(e)}`)
    })
    const started = cluster ?? (await starting?.catch(() => undefined))
    if (started !== undefined) {
      print('Stopping the cluster …')
      await started.stop()
      const alive = started.nodes.filter((n) => isNodeProcess(n))
      print(
        alive.length === 0
          ? `  stopped: ${started.nodes.length} servers gone, data removed`
          : `  STILL RUNNING: ${alive.map((n) => `${n.name} pid ${n.pid}`).join(', ')}`,
      )
    }
  })()
  return tornDown
}

let stopping: { atMS: number } | undefined
/** The first signal (or the watchdog) tears down and exits; a later Ctrl-C kills at once. */
async function stopEverything(reason: string, code: number): Promise<void> {
  if (stopping !== undefined) {
    if (performance.now() - stopping.atMS < SIGNAL_ECHO_MS) return
    print(`${reason} again: killing the servers without waiting`)
    for (const n of cluster?.nodes ?? []) if (isNodeProcess(n)) process.kill(n.pid, 'SIGKILL')
    if (cluster !== undefined) rmSync(cluster.toState().baseDir, { recursive: true, force: true })
    process.exit(code)
  }
  stopping = { atMS: performance.now() }
  print()
  print(`${reason}: stopping the workload and the cluster (press Ctrl-C again to force) …`)
  interrupt.abort(new Error(reason))
  try {
    await teardown()
  } catch (error: unknown) {
    print(`teardown failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
  process.exit(code)
}

/** A failure for a person: the message and its causes (no stack), with the cluster's password hidden. */
function describeFailure(error: unknown): string {
  const parts: string[] = []
  for (let e: unknown = error; e !== undefined && parts.length < 4;) {
    parts.push(e instanceof Error ? e.message : JSON.stringify(e))
    e = e instanceof Error ? e.cause : undefined
  }
  const text = parts.join('\n  caused by: ')
  return cluster === undefined ? text : text.replaceAll(cluster.appPassword, '*****')
}

process.on('SIGINT', () => void stopEverything('SIGINT', 130))
process.on('SIGTERM', () => void stopEverything('SIGTERM', 143))

let code = 1
try {
  code = await main()
} catch (error: unknown) {
  if (!interrupt.signal.aborted) {
    print(`demo failed: ${describeFailure(error)}`)
  }
} finally {
  try {
    await teardown()
  } catch (error: unknown) {
    print(`teardown failed: ${error instanceof Error ? error.message : String(error)}`)
    code = 1
  }
}
// A signal handler already exits with its own status once teardown is done.
if (stopping === undefined) process.exit(code)
