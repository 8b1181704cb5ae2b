/**
 * Finds the MariaDB server programs, installing them with apt when the process runs as root.
 * Debian puts `mariadbd` in /usr/sbin, which is often not on a non-root PATH.
 */
import { constants, existsSync } from 'node:fs'
import { access, open, readFile, stat, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import {
  findProcessesByComm,
  isProcessAlive,
  processArgv,
  runCommand,
  signalProcess,
  sleep,
  waitForExit,
} from './process-utils.js'

/** Paths of the MariaDB programs the harness runs. */
export interface MariadbBinaries {
  /** The server, e.g. `/usr/sbin/mariadbd`. */
  readonly mariadbd: string
  /** The data directory initialiser, e.g. `/usr/bin/mariadb-install-db`. */
  readonly installDb: string
}

const EXTRA_DIRS = [
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/bin',
  '/usr/local/bin',
  '/usr/local/mysql/bin',
  '/opt/homebrew/bin',
]

/** One apt run per machine: apt itself is machine-wide. */
const INSTALL_LOCK = join(tmpdir(), 'replicakit-mariadb-install.lock')
const INSTALL_LOG = join(tmpdir(), 'replicakit-mariadb-install.log')
const INSTALL_TIMEOUT_MS = 15 * 60_000

const INSTALL_HINT =
  'MariaDB server not found: the MySQL harness needs `mariadbd` and `mariadb-install-db` ' +
  '(looked on PATH and in ' +
  EXTRA_DIRS.join(', ') +
  '). Install them with `sudo apt-get install -y mariadb-server mariadb-client` ' +
  '(Debian/Ubuntu; MariaDB 10.11 is the tested version) or `brew install mariadb` (macOS), ' +
  'or run the tests as root so the harness installs them, ' +
  'or set REPLICAKIT_MYSQL_URI to use a cluster you run yourself.'

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

async function findProgram(names: readonly string[]): Promise<string | undefined> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS]
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name)
      if (await isExecutable(candidate)) return candidate
    }
  }
  return undefined
}

/** Looks for the MariaDB programs on PATH and in the usual sbin directories; no side effects. */
export async function findMariadbBinaries(): Promise<MariadbBinaries | undefined> {
  const mariadbd = await findProgram(['mariadbd'])
  const installDb = await findProgram(['mariadb-install-db', 'mysql_install_db'])
  return mariadbd === undefined || installDb === undefined ? undefined : { mariadbd, installDb }
}

/** Paths of the MariaDB client programs (package `mariadb-client`) that re-provisioning runs. */
export interface MariadbClients {
  /** The logical backup tool, e.g. `/usr/bin/mariadb-dump`. */
  readonly dump: string
  /** The command-line client that loads a dump, e.g. `/usr/bin/mariadb`. */
  readonly client: string
}

/**
 * Finds `mariadb-dump` and `mariadb` (or their `mysqldump`/`mysql` names); {@link ensureMariadb}
 * installs them with the server.
 *
 * @throws Error saying what to install when either is missing.
 */
export async function findMariadbClients(): Promise<MariadbClients> {
  const dump = await findProgram(['mariadb-dump', 'mysqldump'])
  const client = await findProgram(['mariadb', 'mysql'])
  if (dump === undefined || client === undefined) {
    throw new Error(
      'mariadb-dump and mariadb not found (needed to re-provision a diverged node): ' +
        'install them with `apt-get install -y mariadb-client`',
    )
  }
  return { dump, client }
}

/**
 * Returns the MariaDB programs, installing `mariadb-server` and `mariadb-client` with apt first
 * when they are missing and the process is root. Concurrent callers (test files started at once)
 * serialise on a lock file in the temp directory; apt waits for the dpkg lock on its own.
 *
 * @throws Error saying what to install when MariaDB is missing and the process is not root.
 */
export async function ensureMariadb(): Promise<MariadbBinaries> {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')
  const found = await findMariadbBinaries()
  // The client programs re-provision diverged nodes; without root, a server alone still runs tests.
  if (found !== undefined && (!canInstall || (await hasClients()))) return found
  if (!canInstall) throw new Error(INSTALL_HINT)
  await withInstallLock(async () => {
    // Another process may have installed MariaDB while we waited for the lock.
    if ((await findMariadbBinaries()) !== undefined && (await hasClients())) return
    await aptInstall()
  })
  const installed = await findMariadbBinaries()
  if (installed === undefined) throw new Error(`apt-get finished but ${INSTALL_HINT}`)
  return installed
}

function hasClients(): Promise<boolean> {
  return findMariadbClients().then(
    () => true,
    () => false,
  )
}

async function aptInstall(): Promise<void> {
  const before = new Set(findProcessesByComm('mariadbd'))
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const options = { env, logPath: INSTALL_LOG, timeoutMS: INSTALL_TIMEOUT_MS }
  const lockWait = ['-o', 'DPkg::Lock::Timeout=600']
  await runCommand('apt-get', [...lockWait, 'update'], options)
  await runCommand(
    'apt-get',
    [...lockWait, 'install', '-y', '--no-install-recommends', 'mariadb-server', 'mariadb-client'],
    options,
  )
  // Debian's postinst may start a system server on 3306. Stop only one that our install started
  // (new since we began, and not one of the harness's own, which always run with --no-defaults).
  const started = findProcessesByComm('mariadbd').filter(
    (pid) => !before.has(pid) && !(processArgv(pid) ?? []).includes('--no-defaults'),
  )
  for (const pid of started) signalProcess(pid, 'SIGTERM')
  await Promise.all(started.map((pid) => waitForExit(pid, 30_000)))
}

async function withInstallLock(body: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + INSTALL_TIMEOUT_MS
  for (;;) {
    try {
      const handle = await open(INSTALL_LOCK, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      break
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number(await readFile(INSTALL_LOCK, 'utf8').catch(() => ''))
      // Stale: its owner died, or it stayed empty (owner crashed between create and write).
      const ageMS = await stat(INSTALL_LOCK).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      )
      if ((owner > 0 && !isProcessAlive(owner)) || (!(owner > 0) && ageMS > 30_000)) {
        await unlink(INSTALL_LOCK).catch(() => undefined)
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${INSTALL_LOCK} (held by pid ${owner || '?'})`)
      }
      await sleep(500)
    }
  }
  try {
    await body()
  } finally {
    await unlink(INSTALL_LOCK).catch(() => undefined)
  }
}
