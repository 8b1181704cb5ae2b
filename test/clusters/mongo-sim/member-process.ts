/**
 * Starting a member process and talking to it from the harness: the spawn command line (tsx,
 * `setpriv --pdeathsig KILL` so attached members die with the test process), and one-shot control
 * requests over the member's peer port.
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Document } from 'bson'
import { isProcessAlive, signalProcess, tailFile, waitUntil } from '../process-utils.js'
import type { MemberProcessConfig, SimMemberConfig } from './config.js'
import { PeerClient } from './peer-link.js'

/** The repository root (the member processes run there, so `--import tsx` resolves). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

const MEMBER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'member.ts')
const SETPRIV = '/usr/bin/setpriv'
const START_TIMEOUT_MS = 30_000
const ATTACHED = new Set<number>()
let exitHandlerInstalled = false

function killAttachedOnExit(): void {
  for (const pid of ATTACHED) signalProcess(pid, 'SIGKILL')
}

/** Sends one control request to a member's peer port; rejects after `timeoutMS`. */
export async function controlRequest(
  member: SimMemberConfig,
  message: Document,
  timeoutMS = 2_000,
): Promise<Document> {
  const client = new PeerClient(member.host, member.peerPort)
  try {
    return await client.request(message, timeoutMS)
  } finally {
    client.close()
  }
}

/** How {@link launchMember} runs the process. */
export interface LaunchMemberOptions {
  /** Outlive this process (the CLI). Default false: die with it. */
  readonly detached: boolean
  /** Directory for `<name>.log`. */
  readonly logDir: string
}

/**
 * Spawns the member process for `config.self` and waits until it answers a status request.
 * Returns its pid; throws with the log tail if it exits or is not ready in time.
 */
export async function launchMember(
  config: MemberProcessConfig,
  options: LaunchMemberOptions,
): Promise<number> {
  const member = config.set.members.find((m) => m.name === config.self)!
  const logPath = join(options.logDir, `${member.name}.log`)
  const nodeArgs = ['--import', 'tsx', MEMBER_SCRIPT, JSON.stringify(config)]
  const usePdeathsig = !options.detached && process.platform === 'linux' && existsSync(SETPRIV)
  const [command, args] = usePdeathsig
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs]
  const output = openSync(logPath, 'a')
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    detached: options.detached,
    stdio: ['ignore', output, output],
  })
  closeSync(output)
  const pid = child.pid
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve))
    throw new Error(`${member.name}: cannot spawn ${command}: ${error.message}`)
  }
  if (!options.detached) {
    ATTACHED.add(pid)
    child.once('exit', () => ATTACHED.delete(pid))
    if (!exitHandlerInstalled) process.on('exit', killAttachedOnExit)
    exitHandlerInstalled = true
  }
  child.unref()
  await waitUntil(
    async () => {
      if (!isProcessAlive(pid)) {
        throw new Error(
          `${member.name} (pid ${pid}) exited during startup\n${await tailFile(logPath)}`,
        )
      }
      try {
        await controlRequest(member, { type: 'status' }, 1_000)
        return true
      } catch {
        return undefined
      }
    },
    {
      what: `${member.name} (pid ${pid}, port ${member.port}) to answer`,
      timeoutMS: START_TIMEOUT_MS,
      intervalMS: 100,
      diagnose: () => tailFile(logPath),
    },
  )
  return pid
}
