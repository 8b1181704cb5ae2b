/**
 * Runs HAProxy for the benchmark: finds (or, as root on Debian, installs) the program, starts it in
 * the foreground on a generated configuration, reads server states over its runtime API, and stops
 * it by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { constants, existsSync } from 'node:fs'
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import {
  findProcessesByComm,
  isProcessAlive,
  runCommand,
  signalProcess,
  sleep,
  waitForExit,
} from '../test/clusters/process-utils.js'
import {
  buildHaproxyConfig,
  parseServersState,
  type HaproxyConfigOptions,
  type ServerState,
} from './haproxy-config.js'

const SEARCH_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin']
const INSTALL_TIMEOUT_MS = 10 * 60_000
const INSTALL_HINT =
  'HAProxy not found (looked on PATH and in ' +
  SEARCH_DIRS.join(', ') +
  '). The benchmark compares against HAProxy 2.6 in TCP mode: install it with ' +
  '`sudo apt-get install -y haproxy` (Debian/Ubuntu) or run the benchmark as root so it installs ' +
  'it itself, or pass --no-haproxy to skip that column.'

async function findHaproxy(): Promise<string | undefined> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...SEARCH_DIRS]
  for (const dir of dirs) {
    const candidate = join(dir, 'haproxy')
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/**
 * Returns the path of `haproxy`, installing Debian's package first when it is missing and the
 * process is root (like the MariaDB harness). A system haproxy that the package's postinst
 * starts is stopped again; the benchmark runs its own.
 *
 * @throws Error saying what to install when it is missing and the process is not root.
 */
export async function ensureHaproxy(log: (line: string) => void): Promise<string> {
  const found = await findHaproxy()
  if (found !== undefined) return found
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) throw new Error(INSTALL_HINT)
  log('haproxy: not installed; running apt-get install -y haproxy (root)')
  const before = new Set(findProcessesByComm('haproxy'))
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const logPath = join(tmpdir(), 'replicakit-haproxy-install.log')
  const options = { env, logPath, timeoutMS: INSTALL_TIMEOUT_MS }
  const lockWait = ['-o', 'DPkg::Lock::Timeout=600']
  await runCommand('apt-get', [...lockWait, 'update'], options)
  await runCommand('apt-get', [...lockWait, 'install', '-y', 'haproxy'], options)
  const started = findProcessesByComm('haproxy').filter((pid) => !before.has(pid))
  for (const pid of started) signalProcess(pid, 'SIGTERM')
  await Promise.all(started.map((pid) => waitForExit(pid, 10_000)))
  const installed = await findHaproxy()
  if (installed === undefined) throw new Error(`apt-get finished but ${INSTALL_HINT}`)
  return installed
}

/** `haproxy -v`'s first line, e.g. `HAProxy version 2.6.12-1+deb12u1 …`. */
export async function haproxyVersion(binary: string): Promise<string> {
  const child = spawn(binary, ['-v'], { stdio: ['ignore', 'pipe', 'ignore'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  await new Promise((resolve) => child.once('close', resolve))
  return out.split('\n')[0]?.trim() ?? 'unknown'
}

/** A running HAProxy started by {@link startHaproxy}. */
export class HaproxyProcess {
  readonly #child: ChildProcess
  readonly #dir: string
  readonly #socket: string
  #stderr = ''

  /** @internal Use {@link startHaproxy}. */
  constructor(child: ChildProcess, dir: string, socket: string) {
    this.#child = child
    this.#dir = dir
    this.#socket = socket
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-8192)
    })
  }

  /** The process id (stopped by this id only). */
  get pid(): number {
    return this.#child.pid ?? 0
  }

  /** The last lines HAProxy wrote to stderr (server state changes, warnings). */
  get log(): string {
    return this.#stderr
  }

  /** Runs one runtime API command over the stats socket and returns its answer. */
  async command(line: string, timeoutMS = 2_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(this.#socket)
      let out = ''
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`haproxy runtime API: no answer to '${line}' within ${timeoutMS} ms`))
      }, timeoutMS)
      socket.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
      socket.on('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      socket.on('end', () => {
        clearTimeout(timer)
        resolve(out)
      })
      socket.write(`${line}\n`)
    })
  }

  /** Every server's state (`show servers state`). */
  async serverStates(): Promise<ServerState[]> {
    return parseServersState(await this.command('show servers state'))
  }

  /** Polls {@link serverStates} every `pollMS` until `predicate` holds; throws after `timeoutMS`. */
  async waitForStates(
    predicate: (states: ServerState[]) => boolean,
    what: string,
    timeoutMS = 30_000,
    pollMS = 100,
  ): Promise<void> {
    const deadline = performance.now() + timeoutMS
    let last: ServerState[] = []
    while (performance.now() < deadline) {
      last = await this.serverStates().catch(() => [])
      if (predicate(last)) return
      await sleep(pollMS)
    }
    const seen = last.map((s) => `${s.backend}/${s.server}=${s.isUp ? 'UP' : 'DOWN'}`).join(' ')
    throw new Error(`haproxy: timed out after ${timeoutMS} ms waiting for ${what} (${seen})`)
  }

  /** Stops HAProxy (SIGTERM, SIGKILL after 3 s) and removes its work directory. */
  async stop(): Promise<void> {
    const pid = this.pid
    if (pid > 0 && isProcessAlive(pid)) {
      signalProcess(pid, 'SIGTERM')
      if (!(await waitForExit(pid, 3_000))) {
        signalProcess(pid, 'SIGKILL')
        await waitForExit(pid, 3_000)
      }
    }
    await rm(this.#dir, { recursive: true, force: true })
  }
}

/**
 * Writes the configuration to a fresh temp directory and starts `haproxy -db` (foreground) on it.
 * Resolves once the runtime API answers.
 */
export async function startHaproxy(
  binary: string,
  options: Omit<HaproxyConfigOptions, 'statsSocket'>,
): Promise<HaproxyProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'replicakit-bench-haproxy-'))
  const socket = join(dir, 'admin.sock')
  const configPath = join(dir, 'haproxy.cfg')
  await writeFile(configPath, buildHaproxyConfig({ ...options, statsSocket: socket }))
  const check = spawn(binary, ['-c', '-q', '-f', configPath], { stdio: 'ignore' })
  const checkStatus = await new Promise((resolve) => check.once('exit', resolve))
  if (checkStatus !== 0) {
    await rm(dir, { recursive: true, force: true })
    throw new Error(`haproxy -c rejected the generated configuration (exit ${String(checkStatus)})`)
  }
  const child = spawn(binary, ['-db', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] })
  const proxy = new HaproxyProcess(child, dir, socket)
  const deadline = performance.now() + 10_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await proxy.stop()
      throw new Error(`haproxy exited at start: ${proxy.log.trim()}`)
    }
    try {
      await proxy.command('show info')
      return proxy
    } catch (error: unknown) {
      if (performance.now() > deadline) {
        await proxy.stop()
        throw new Error(`haproxy runtime API did not answer within 10 s: ${String(error)}`)
      }
      await sleep(50)
    }
  }
}
