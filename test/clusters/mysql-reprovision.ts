/**
 * Re-provisioning a diverged MariaDB node, as an operator does after a crash: a former primary that
 * committed transactions its replicas never received cannot replicate again under
 * `gtid_strict_mode` (error 1236, "the slave has diverged"). Its data is thrown away and replaced
 * by a consistent logical snapshot of the current primary (`mariadb-dump --single-transaction
 * --gtid --master-data=2 --system=users --databases …`), loaded without binary logging; it then replicates from the snapshot's
 * GTID position with `MASTER_USE_GTID=slave_pos`.
 *
 * @see ../../../shared/recipes/mariadb-replication.md ("Fail over by hand", step 5)
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { findMariadbClients, type MariadbBinaries } from './ensure-mariadb.js'
import {
  ADMIN_USER,
  isNodeProcess,
  launchNode,
  prepareDataDir,
  type AdminConnections,
  type LaunchOptions,
  type MysqlNodeState,
} from './mysql-node.js'
import { followPrimary, readVariable, type ReplicationSource } from './mysql-replication.js'
import { signalProcess, tailFile, waitForExit } from './process-utils.js'

/**
 * Replication error numbers that mean the node holds transactions the primary never had: 1236
 * (the primary refuses its GTID position: "the slave has diverged") and 1950 (strict mode refuses
 * an out-of-order sequence number).
 */
export const DIVERGENCE_ERRNOS: ReadonlySet<number> = new Set([1236, 1950])

/** Bound for taking and for loading one snapshot, in milliseconds. */
const SNAPSHOT_TIMEOUT_MS = 60_000

/**
 * The replication error that shows `error` comes from a diverged node, as `error N: text`, or
 * `undefined` (errors from `replicationError` carry `ioErrno` and `sqlErrno`).
 */
export function divergenceOf(error: unknown): string | undefined {
  const e = error as { ioErrno?: unknown; sqlErrno?: unknown; message?: unknown }
  const errno = [e.ioErrno, e.sqlErrno].find(
    (n): n is number => typeof n === 'number' && DIVERGENCE_ERRNOS.has(n),
  )
  if (errno === undefined) return undefined
  const message = typeof e.message === 'string' ? e.message : ''
  const detail = /error \d+: (.*)$/.exec(message)?.[1] ?? message
  return `error ${errno}: ${detail}`
}

/** Parses `@@gtid_binlog_state` (`0-1-12,0-2-40`) into `domain-server` → sequence number. */
export function parseGtidState(state: string): Map<string, number> {
  const entries = new Map<string, number>()
  for (const gtid of state.split(',').map((s) => s.trim())) {
    const [domain, server, seq] = gtid.split('-')
    if (domain && server && seq && !Number.isNaN(Number(seq))) {
      entries.set(`${domain}-${server}`, Number(seq))
    }
  }
  return entries
}

/**
 * The GTIDs in `nodeState` that `primaryState` shows the primary never received: for a domain and
 * server both binlog states know, a later sequence number on the node. (A pair the primary's state
 * lacks proves nothing: a re-provisioned primary's binlog starts empty.) Empty when not diverged.
 */
export function divergedGtids(nodeState: string, primaryState: string): string[] {
  const primary = parseGtidState(primaryState)
  return [...parseGtidState(nodeState)]
    .filter(([key, seq]) => seq > (primary.get(key) ?? Number.POSITIVE_INFINITY))
    .map(([key, seq]) => `${key}-${seq}`)
}

/**
 * Checks a caught-up replica against the primary by `@@gtid_binlog_state` (a diverged node can look
 * caught up for a moment when its extra sequence number is not above the primary's). Returns why
 * it diverged, or `undefined`.
 */
export async function checkDiverged(
  admin: AdminConnections,
  node: MysqlNodeState,
  primary: MysqlNodeState,
): Promise<string | undefined> {
  const [nodeState, primaryState] = await Promise.all([
    readVariable(admin, node, 'gtid_binlog_state'),
    readVariable(admin, primary, 'gtid_binlog_state'),
  ])
  const extra = divergedGtids(nodeState, primaryState)
  return extra.length === 0
    ? undefined
    : `it holds ${extra.join(', ')}, which ${primary.name} never received`
}

/** What {@link reprovisionNode} needs besides the node. */
export interface ReprovisionOptions {
  readonly admin: AdminConnections
  readonly binaries: MariadbBinaries
  readonly source: ReplicationSource
  readonly launch: Pick<LaunchOptions, 'detached'>
  readonly timeoutMS: number
}

/**
 * Replaces `node`'s data with a snapshot of `source.primary` and makes it a replica again: SIGKILL
 * (its data is being discarded), a fresh datadir from the template, start `--read-only=1`, load
 * `mariadb-dump` of the primary's databases and accounts with `sql_log_bin=0`, `RESET MASTER`, `SET GLOBAL gtid_slave_pos` to the snapshot's position, then follow the primary with
 * `MASTER_USE_GTID=slave_pos`. Resolves with the snapshot's GTID position.
 */
export async function reprovisionNode(
  node: MysqlNodeState,
  options: ReprovisionOptions,
): Promise<string> {
  const { admin, source } = options
  admin.drop(node.name)
  if (isNodeProcess(node)) {
    signalProcess(node.pid, 'SIGCONT')
    signalProcess(node.pid, 'SIGKILL')
    if (!(await waitForExit(node.pid, 10_000))) {
      throw new Error(`${node.name} (pid ${node.pid}) still alive 10 s after SIGKILL`)
    }
  }
  await rm(join(node.dir, 'data'), { recursive: true, force: true })
  await prepareDataDir(options.binaries, node.dir)
  await launchNode(options.binaries, node, { readOnly: true, detached: options.launch.detached })

  const snapshot = join(node.dir, 'snapshot.sql')
  const log = join(node.dir, 'reprovision.log')
  try {
    const clients = await findMariadbClients()
    const databases = await userDatabases(admin, source.primary)
    await runWithFiles(
      clients.dump,
      [
        '--no-defaults',
        `--socket=${source.primary.socket}`,
        `--user=${ADMIN_USER}`,
        // Accounts as CREATE USER IF NOT EXISTS and GRANT statements, never the mysql.* tables
        // themselves: dropping and recreating those under a running server (the InnoDB statistics
        // tables among them) crashed it in testing.
        '--system=users',
        '--insert-ignore',
        '--single-transaction',
        '--gtid',
        '--master-data=2',
        '--routines',
        '--events',
        '--triggers',
        '--databases',
        ...databases,
      ],
      { stdout: snapshot, log, timeoutMS: SNAPSHOT_TIMEOUT_MS },
    )
    const position = await snapshotPosition(snapshot)
    await admin.query(node, 'STOP SLAVE')
    await runWithFiles(
      clients.client,
      [
        '--no-defaults',
        `--socket=${node.socket}`,
        `--user=${ADMIN_USER}`,
        // The snapshot is the primary's history, not new transactions of this node.
        '--init-command=SET SESSION sql_log_bin = 0',
      ],
      { stdin: snapshot, log, timeoutMS: SNAPSHOT_TIMEOUT_MS },
    )
    await admin.query(node, 'RESET MASTER')
    await admin.query(node, 'SET GLOBAL gtid_slave_pos = ?', [position])
    await followPrimary(admin, node, source, 'slave_pos', options.timeoutMS)
    await rm(log, { force: true })
    return position
  } finally {
    await rm(snapshot, { force: true })
  }
}

/** The application's databases on `primary`: every schema but the server's own. */
async function userDatabases(admin: AdminConnections, primary: MysqlNodeState): Promise<string[]> {
  const rows = await admin.query(
    primary,
    'SELECT schema_name AS name FROM information_schema.schemata ' +
      "WHERE schema_name NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')",
  )
  return rows.map((row) => String(row['name']))
}

/** The `-- SET GLOBAL gtid_slave_pos='…'` line that `--gtid --master-data=2` writes at the end. */
async function snapshotPosition(snapshot: string): Promise<string> {
  const text = await readFile(snapshot, 'utf8')
  const match = /^-- SET GLOBAL gtid_slave_pos='([^']*)';$/m.exec(text.slice(-4096))
  if (match?.[1] === undefined) {
    throw new Error(`no gtid_slave_pos in the snapshot ${snapshot} (mariadb-dump --gtid)`)
  }
  return match[1]
}

/** Runs a program with stdin and/or stdout on files and stderr appended to `log`. */
async function runWithFiles(
  command: string,
  args: readonly string[],
  files: { stdin?: string; stdout?: string; log: string; timeoutMS: number },
): Promise<void> {
  const input = files.stdin === undefined ? 'ignore' : openSync(files.stdin, 'r')
  const output = files.stdout === undefined ? 'ignore' : openSync(files.stdout, 'w')
  const errors = openSync(files.log, 'a')
  let status: string | number
  try {
    const child = spawn(command, args, { stdio: [input, output, errors] })
    const timer = setTimeout(() => child.kill('SIGKILL'), files.timeoutMS)
    status = await new Promise<string | number>((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code, signal) => {
        resolve(signal ?? code ?? -1)
      })
    }).finally(() => {
      clearTimeout(timer)
    })
  } finally {
    for (const fd of [input, output, errors]) if (typeof fd === 'number') closeSync(fd)
  }
  if (status !== 0) {
    throw new Error(`${command} exited with ${status}\n${await tailFile(files.log, 10)}`)
  }
}
