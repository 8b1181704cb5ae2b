/**
 * Process, port and wait helpers shared by the real-server harnesses in `test/clusters/`.
 * Linux-first: process checks read `/proc`, and fall back to `kill(pid, 0)` elsewhere.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Finds `count` distinct free TCP ports on 127.0.0.1 by binding port 0. All listeners stay open
 * until every port is picked, so the ports differ; 3306 is never returned.
 */
export async function findFreePorts(count: number): Promise<number[]> {
  const servers: Server[] = []
  const ports: number[] = []
  try {
    while (ports.length < count) {
      const server = createServer()
      servers.push(server)
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => {
          const address = server.address()
          if (address === null || typeof address === 'string') reject(new Error('no tcp address'))
          else resolve(address.port)
        })
      })
      if (port !== 3306) ports.push(port)
    }
    return ports
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}

/** The one-letter state of a process from `/proc/<pid>/stat` (`R`, `S`, `T`, `Z`…), if readable. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name in parentheses may hold spaces; the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  } catch {
    return undefined
  }
}

/** Whether `pid` names a live process (zombies count as gone). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  const state = processState(pid)
  return state !== 'Z' && state !== 'X'
}

/** Whether the process is stopped by SIGSTOP (`T`). */
export function isProcessPaused(pid: number): boolean {
  const state = processState(pid)
  return state === 'T' || state === 't'
}

/** The argument vector of a process, or `undefined` when `/proc` cannot tell. */
export function processArgv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '')
  } catch {
    return undefined
  }
}

/** Resident set size of a process in KiB, from `/proc/<pid>/status`. */
export function processRssKB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match?.[1] === undefined ? undefined : Number(match[1])
  } catch {
    return undefined
  }
}

/** Pids of live processes whose command name (`/proc/<pid>/comm`) is `comm`. Linux only. */
export function findProcessesByComm(comm: string): number[] {
  if (!existsSync('/proc')) return []
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }
  return pids.filter(isProcessAlive)
}

/** Sends `signal` to `pid`; a process that is already gone is not an error. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

/** Polls until `pid` is gone; resolves `false` if it is still alive after `timeoutMS`. */
export async function waitForExit(pid: number, timeoutMS: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMS
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false
    await sleep(20)
  }
  return true
}

/** Options for {@link waitUntil}. */
export interface WaitOptions {
  /** What is awaited, for the error message (`node2 to accept connections`). */
  readonly what: string
  /** Upper bound in milliseconds. */
  readonly timeoutMS: number
  /** Poll interval in milliseconds; default 50. */
  readonly intervalMS?: number
  /** Extra context appended to the timeout error, such as a log tail. */
  readonly diagnose?: () => Promise<string> | string
}

/**
 * Polls `probe` until it returns a value other than `undefined`, and returns it. An error thrown
 * by `probe` aborts the wait. On timeout throws an Error naming `what`, the last probe error, and
 * the `diagnose` text.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMS
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) {
      const detail = options.diagnose === undefined ? '' : `\n${await options.diagnose()}`
      throw new Error(
        `timed out after ${options.timeoutMS} ms waiting for ${options.what}${detail}`,
      )
    }
    await sleep(options.intervalMS ?? 50)
  }
}

/** The last `lines` lines of a text file, or a note saying it cannot be read. */
export async function tailFile(path: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(path, 'utf8')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  } catch (error: unknown) {
    return `(cannot read ${path}: ${(error as Error).message})`
  }
}

/** Options for {@link runCommand}. */
export interface RunCommandOptions {
  /** Appends stdout and stderr to this file; default: discard them. */
  readonly logPath?: string
  readonly env?: NodeJS.ProcessEnv
  /** Kills the command (SIGKILL) after this many milliseconds. */
  readonly timeoutMS: number
}

/**
 * Runs a program with an argument array (no shell) and resolves when it exits 0. Otherwise
 * rejects with an Error carrying the exit status and the tail of `logPath`.
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<void> {
  const log = options.logPath === undefined ? undefined : await open(options.logPath, 'a')
  try {
    const output = log === undefined ? 'ignore' : log.fd
    const child = spawn(command, args, {
      stdio: ['ignore', output, output],
      env: options.env ?? process.env,
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
    }, options.timeoutMS)
    const status = await new Promise<string | number>((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code, signal) => {
        resolve(signal ?? code ?? -1)
      })
    }).finally(() => {
      clearTimeout(timer)
    })
    if (status !== 0) {
      const tail = options.logPath === undefined ? '' : `\n${await tailFile(options.logPath)}`
      throw new Error(`${command} ${args.join(' ')} exited with ${status}${tail}`)
    }
  } finally {
    await log?.close()
  }
}
