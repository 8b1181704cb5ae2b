/**
 * One `mariadbd` of the MySQL harness: its data directory, its command line, its process, and a
 * root connection to it over the unix socket. {@link MysqlCluster} composes these.
 *
 * @see ../../../shared/recipes/mariadb-replication.md (the verified flags and procedures)
 */
import { spawn } from 'node:child_process'
import { existsSync, openSync, closeSync } from 'node:fs'
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mysql from 'mysql2/promise'
import type { MariadbBinaries } from './ensure-mariadb.js'
import { tlsServerArgs, type MysqlNodeTls } from './mysql-tls.js'
import {
  findFreePorts,
  findProcessesByComm,
  isProcessAlive,
  processArgv,
  runCommand,
  tailFile,
  waitUntil,
} from './process-utils.js'

/** The repository root (this file lives in `<repo>/test/clusters/`). @internal */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Persistent description of one node: everything needed to find, signal or restart it. */
export interface MysqlNodeState {
  /** `node1`, `node2`, … */
  readonly name: string
  readonly host: string
  readonly port: number
  readonly serverId: number
  /** Pid of the running (or last started) `mariadbd`. */
  pid: number
  /** The node's directory: datadir, socket, pid file, `error.log`. */
  readonly dir: string
  /** The unix socket root uses. */
  readonly socket: string
  /** Free-form labels for tag-set tests (MariaDB itself has none). */
  readonly tags: Readonly<Record<string, string>>
  /** TLS on: the node's certificate files (absent: the node offers no TLS). */
  readonly tls?: MysqlNodeTls
}

/** Startup bound for one `mariadbd`, in milliseconds. */
export const NODE_START_TIMEOUT_MS = 30_000

const SESSION_TRACK =
  'autocommit,character_set_client,character_set_connection,character_set_results,time_zone,last_gtid'
/** Smaller than the 96M default: 34 MB per datadir instead of 114 MB. */
const INNODB_LOG_FILE_SIZE = '16M'
const IS_ROOT = process.getuid?.() === 0
/** The OS user whose socket login MariaDB maps to an admin account. */
export const ADMIN_USER = IS_ROOT ? 'root' : userInfo().username
const SETPRIV = '/usr/bin/setpriv'

/** Pids of attached servers: SIGKILLed when this process exits, so none outlives it. */
const ATTACHED = new Set<number>()
let exitHandlerInstalled = false

function killAttachedOnExit(): void {
  for (const pid of ATTACHED) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

/** The tail of a node's error log, for timeout and failure messages. */
export async function describeNodeLog(node: MysqlNodeState): Promise<string> {
  const errorLog = await tailFile(join(node.dir, 'error.log'), 15)
  return `--- ${node.name} error.log (${node.dir}) ---\n${errorLog}`
}

/**
 * Whether `node.pid` is alive and is our `mariadbd` for `node.dir` (so a recycled pid is never
 * signalled). Without `/proc` only liveness is checked.
 */
export function isNodeProcess(node: MysqlNodeState): boolean {
  if (!isProcessAlive(node.pid)) return false
  const argv = processArgv(node.pid)
  return argv === undefined || argv.includes(`--datadir=${join(node.dir, 'data')}`)
}

/**
 * Fills `dir/data` with a fresh system schema. `mariadb-install-db` runs once per server binary;
 * later clusters copy that template (about 0.1 s instead of 0.7 s).
 */
export async function prepareDataDir(binaries: MariadbBinaries, dir: string): Promise<void> {
  const template = await ensureTemplate(binaries)
  await mkdir(dir, { recursive: true })
  await cp(template, join(dir, 'data'), { recursive: true })
}

/**
 * The template for this server binary, built at most once per process: a cluster prepares its nodes
 * in parallel, and concurrent `mariadb-install-db` runs collide (shared temporary tables in the
 * default tmpdir). A failed build is not cached, so the next cluster tries again.
 */
let templateBuild: { key: string; promise: Promise<string> } | undefined

async function ensureTemplate(binaries: MariadbBinaries): Promise<string> {
  const binary = await stat(binaries.mariadbd)
  const template = join(REPO_ROOT, '.cluster', `mariadb-template-${binary.size}-${binary.mtimeMs}`)
  if (existsSync(template)) return template
  if (templateBuild?.key !== template) {
    const promise = buildTemplate(binaries, template)
    templateBuild = { key: template, promise }
    promise.catch(() => {
      if (templateBuild?.promise === promise) templateBuild = undefined
    })
  }
  return templateBuild.promise
}

async function buildTemplate(binaries: MariadbBinaries, template: string): Promise<string> {
  const scratch = `${template}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  const tmp = `${scratch}-tmp`
  await mkdir(scratch, { recursive: true })
  await mkdir(tmp, { recursive: true })
  const args = [
    '--no-defaults',
    ...(IS_ROOT ? ['--user=root'] : [`--auth-root-socket-user=${ADMIN_USER}`]),
    `--datadir=${scratch}`,
    // A private tmpdir: another process's bootstrap must not meet this one's temporary tables.
    `--tmpdir=${tmp}`,
    '--skip-test-db',
    '--auth-root-authentication-method=socket',
    `--innodb-log-file-size=${INNODB_LOG_FILE_SIZE}`,
    '--innodb-buffer-pool-size=64M',
  ]
  const logPath = join(dirname(template), `install-db-${process.pid}.log`)
  try {
    await runCommand(binaries.installDb, args, { logPath, timeoutMS: 60_000 })
    // Another process may have won the race; its template is as good as ours.
    await rename(scratch, template).catch(() => rm(scratch, { recursive: true, force: true }))
    await rm(logPath, { force: true })
  } finally {
    await rm(tmp, { recursive: true, force: true })
    await rm(scratch, { recursive: true, force: true })
  }
  return template
}

/** The recipe's `mariadbd` command line for `node`. */
export function mariadbdArgs(node: MysqlNodeState, readOnly: boolean): string[] {
  return [
    '--no-defaults',
    ...(IS_ROOT ? ['--user=root'] : []),
    `--datadir=${join(node.dir, 'data')}`,
    `--socket=${node.socket}`,
    `--pid-file=${join(node.dir, 'mysqld.pid')}`,
    `--port=${node.port}`,
    `--bind-address=${node.host}`,
    '--skip-name-resolve',
    `--log-error=${join(node.dir, 'error.log')}`,
    `--server-id=${node.serverId}`,
    '--gtid-domain-id=0',
    '--gtid-strict-mode=ON',
    '--log-bin=mysql-bin',
    '--log-slave-updates=ON',
    '--binlog-format=ROW',
    '--relay-log=relay-bin',
    `--read-only=${readOnly ? 1 : 0}`,
    `--report-host=${node.host}`,
    `--report-port=${node.port}`,
    `--session-track-system-variables=${SESSION_TRACK}`,
    '--innodb-buffer-pool-size=64M',
    `--innodb-log-file-size=${INNODB_LOG_FILE_SIZE}`,
    ...(node.tls === undefined ? [] : tlsServerArgs(node.tls)),
  ]
}

/** How {@link launchNode} runs the server. */
export interface LaunchOptions {
  readonly readOnly: boolean
  /**
   * `false` (tests): the server dies with this process (`setpriv --pdeathsig KILL` where
   * available, plus an exit handler). `true` (the CLI): it outlives this process.
   */
  readonly detached: boolean
}

/**
 * Starts `mariadbd` for `node`, waits until root can log in over the socket, sets `node.pid` and
 * returns it. Throws with the error log tail if the server exits or is not ready in time.
 */
export async function launchNode(
  binaries: MariadbBinaries,
  node: MysqlNodeState,
  options: LaunchOptions,
): Promise<number> {
  if (node.socket.length > 100) {
    throw new Error(
      `socket path too long for unix sockets (${node.socket}); pass a shorter baseDir`,
    )
  }
  const args = mariadbdArgs(node, options.readOnly)
  const usePdeathsig = !options.detached && process.platform === 'linux' && existsSync(SETPRIV)
  const [command, argv] = usePdeathsig
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', binaries.mariadbd, ...args]]
    : [binaries.mariadbd, args]
  // Early failures (a bad option) print to stderr before --log-error takes over.
  const output = openSync(join(node.dir, 'stderr.log'), 'a')
  const child = spawn(command, argv, {
    detached: options.detached,
    stdio: ['ignore', output, output],
  })
  closeSync(output)
  const pid = child.pid
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve))
    throw new Error(`${node.name}: cannot spawn ${binaries.mariadbd}: ${error.message}`)
  }
  if (!options.detached) {
    ATTACHED.add(pid)
    child.once('exit', () => ATTACHED.delete(pid))
    if (!exitHandlerInstalled) process.on('exit', killAttachedOnExit)
    exitHandlerInstalled = true
  }
  child.unref()
  node.pid = pid
  await waitUntil(
    async () => {
      if (!isProcessAlive(pid)) {
        const stderr = await tailFile(join(node.dir, 'stderr.log'), 5)
        throw new Error(
          `${node.name} (pid ${pid}) exited during startup\n${stderr}\n${await describeNodeLog(node)}`,
        )
      }
      try {
        const conn = await mysql.createConnection({ socketPath: node.socket, user: ADMIN_USER })
        await conn.end()
        return true
      } catch {
        return undefined
      }
    },
    {
      what: `${node.name} (pid ${pid}, port ${node.port}) to accept connections`,
      timeoutMS: NODE_START_TIMEOUT_MS,
      diagnose: () => describeNodeLog(node),
    },
  )
  return pid
}

/**
 * Prepares a fresh datadir for `node` and starts it, moving to another free port (up to twice) if
 * something else took its port between picking and binding.
 */
export async function launchNewNode(
  binaries: MariadbBinaries,
  node: MysqlNodeState,
  options: LaunchOptions,
): Promise<void> {
  await prepareDataDir(binaries, node.dir)
  for (let attempt = 1; ; attempt += 1) {
    try {
      await launchNode(binaries, node, options)
      return
    } catch (error: unknown) {
      const message = (error as Error).message
      if (attempt >= 3 || !/Address already in use|Bind on TCP\/IP port/.test(message)) throw error
      const [port] = await findFreePorts(1)
      Object.assign(node, { port })
    }
  }
}

/** Records this process as the owner of a work directory, for {@link sweepStaleClusterDirs}. */
export async function claimClusterDir(baseDir: string): Promise<void> {
  await mkdir(baseDir, { recursive: true })
  await writeFile(join(baseDir, 'owner.pid'), String(process.pid))
}

/**
 * Removes `<repo>/.cluster/mysql-*` work directories whose owner process died without `stop()`
 * and in which no `mariadbd` still runs (the exit handler kills servers, not their files).
 */
export async function sweepStaleClusterDirs(): Promise<void> {
  const root = join(REPO_ROOT, '.cluster')
  const entries = await readdir(root).catch(() => [])
  const servers = findProcessesByComm('mariadbd').map((pid) => processArgv(pid) ?? [])
  for (const entry of entries.filter((e) => /^mysql-[0-9a-f]{8}$/.test(e))) {
    const dir = join(root, entry)
    const owner = Number(await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => '0'))
    if (owner === 0 || isProcessAlive(owner)) continue
    if (servers.some((argv) => argv.some((a) => a.startsWith(`--datadir=${dir}/`)))) continue
    await rm(dir, { recursive: true, force: true })
  }
}

/** Whether an admin connection is unusable after `error` (network failure or query timeout). */
function isConnectionBroken(error: unknown): boolean {
  const e = error as { fatal?: boolean; code?: string }
  return e.fatal === true || e.code === 'PROTOCOL_SEQUENCE_TIMEOUT'
}

/** A MariaDB error number from a mysql2 error, if any. */
export function errnoOf(error: unknown): number | undefined {
  const cause = (error as { cause?: unknown }).cause ?? error
  const errno = (cause as { errno?: unknown }).errno
  return typeof errno === 'number' ? errno : undefined
}

/** Root connections over each node's unix socket, opened lazily and reopened after failures. */
export class AdminConnections {
  #connections = new Map<string, Promise<mysql.Connection>>()
  #closed = false

  /**
   * Runs `sql` as root on `node` and returns the rows (an empty array for statements without a
   * result set). Throws an Error naming the node and the statement, with the driver error as
   * `cause`.
   */
  async query(
    node: MysqlNodeState,
    sql: string,
    values: readonly unknown[] = [],
    timeoutMS = 10_000,
  ): Promise<Record<string, unknown>[]> {
    // Stragglers (a wait that lost a Promise.all race) must not reopen connections after close.
    if (this.#closed)
      throw new Error(`${node.name}: ${sql}: the cluster's admin connections are closed`)
    let pending = this.#connections.get(node.name)
    if (pending === undefined) {
      const created = mysql
        .createConnection({ socketPath: node.socket, user: ADMIN_USER, connectTimeout: timeoutMS })
        .then((conn) => {
          // A server that dies between queries makes the connection emit 'error': handle it.
          conn.on('error', () => {
            this.drop(node.name, created)
          })
          return conn
        })
      pending = created
      this.#connections.set(node.name, created)
    }
    try {
      const conn = await pending.catch((error: unknown) => {
        this.drop(node.name, pending)
        throw error
      })
      const [rows] = await conn.query({ sql, values: [...values], timeout: timeoutMS })
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []
    } catch (error: unknown) {
      if (isConnectionBroken(error)) this.drop(node.name, pending)
      const message = error instanceof Error ? error.message : String(error)
      throw new Error(`${node.name}: ${sql.split('\n')[0]}: ${message}`, { cause: error })
    }
  }

  /**
   * Forgets and destroys the connection to `name` (no round trip: the node may be paused); with
   * `only`, just when that is still the current connection.
   */
  drop(name: string, only?: Promise<mysql.Connection>): void {
    const pending = this.#connections.get(name)
    if (only !== undefined && pending !== only) return
    this.#connections.delete(name)
    pending
      ?.then((conn) => {
        conn.destroy()
      })
      .catch(() => undefined)
  }

  /** Destroys every connection; later queries throw. */
  closeAll(): void {
    this.#closed = true
    for (const name of [...this.#connections.keys()]) this.drop(name)
  }
}
