/**
 * One Cassandra JVM of the ring: its persistent description, spawning it detached, waiting for
 * its log to say CQL is served, checking that a pid is still ours, and stopping it.
 *
 * @see ../../../shared/recipes/cassandra-ring.md ("Start order and readiness", "Stopping")
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { connect } from 'node:net'
import {
  cassandraJavaArgs,
  javaBinary,
  nodePaths,
  writeNodeConfig,
  type CassandraNodeLayout,
} from './cassandra-config.js'
import {
  isProcessAlive,
  processArgv,
  signalProcess,
  tailFile,
  waitForExit,
  waitUntil,
} from './process-utils.js'

/** Persistent description of one node (JSON-safe, kept in the ring's state file). */
export interface CassandraNodeState extends CassandraNodeLayout {
  /** The node's folder: conf, data, commitlog, logs, tmp. */
  readonly dir: string
  /** Pid of the running (or last started) JVM; 0 before the first start. */
  pid: number
}

/** The line Cassandra logs once the native transport accepts clients. */
export const READY_LINE = 'Starting listening for CQL clients'

/** Startup bound for one node, in milliseconds (16–30 s measured on 2 cores; generous for load). */
export const NODE_START_TIMEOUT_MS = 180_000

/** SIGTERM grace before SIGKILL, in milliseconds. */
const STOP_GRACE_MS = 10_000

/** The tail of a node's log, for failure messages. */
export async function describeNodeLog(node: CassandraNodeState, lines = 25): Promise<string> {
  const log = nodePaths(node.dir).log
  return `--- ${node.name} (${node.host}, pid ${node.pid}) ${log} ---\n${await tailFile(log, lines)}`
}

/**
 * Whether `node.pid` is alive and is this node's JVM (its command line names the node's storage
 * dir), so a recycled pid is never signalled. Without `/proc` only liveness is checked.
 */
export function isNodeProcess(node: CassandraNodeState): boolean {
  if (!isProcessAlive(node.pid)) return false
  const argv = processArgv(node.pid)
  return argv === undefined || argv.includes(`-Dcassandra.storagedir=${node.dir}`)
}

/** Whether something accepts TCP connections on `host:port` within `timeoutMS`. */
export function isPortOpen(host: string, port: number, timeoutMS = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (open: boolean): void => {
      socket.destroy()
      resolve(open)
    }
    socket.setTimeout(timeoutMS, () => {
      done(false)
    })
    socket.once('connect', () => {
      done(true)
    })
    socket.once('error', () => {
      done(false)
    })
  })
}

async function fileSize(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0
}

async function readFrom(path: string, offset: number): Promise<string> {
  const file = await open(path, 'r').catch(() => undefined)
  if (file === undefined) return ''
  try {
    const size = (await file.stat()).size
    if (size <= offset) return ''
    const buffer = Buffer.alloc(size - offset)
    await file.read(buffer, 0, buffer.length, offset)
    return buffer.toString('utf8')
  } finally {
    await file.close()
  }
}

/** A node just spawned, and where its log stood before, for {@link waitForCql}. */
export interface SpawnedNode {
  readonly pid: number
  /** Byte offset of the log before this start (the log is appended across restarts). */
  readonly logOffset: number
}

/**
 * Writes the node's config and spawns its JVM detached (it outlives this process; the ring's
 * owner stops it), with stdout and stderr appended to `logs/cassandra.log`. Sets `node.pid`.
 */
export async function spawnCassandraNode(
  node: CassandraNodeState,
  libDir: string,
): Promise<SpawnedNode> {
  await writeNodeConfig(node, node.dir)
  const logPath = nodePaths(node.dir).log
  const logOffset = await fileSize(logPath)
  const output = openSync(logPath, 'a')
  const child = spawn(javaBinary(), cassandraJavaArgs(node, node.dir, libDir), {
    detached: true,
    stdio: ['ignore', output, output],
    cwd: node.dir,
  })
  closeSync(output)
  const pid = child.pid
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve))
    throw new Error(`${node.name}: cannot spawn ${javaBinary()}: ${error.message}`)
  }
  child.unref()
  node.pid = pid
  return { pid, logOffset }
}

/**
 * Waits until the node's log, after `spawned.logOffset`, says {@link READY_LINE}. Throws with the
 * log tail if the JVM exits first or the line does not come within `timeoutMS`.
 */
export async function waitForCql(
  node: CassandraNodeState,
  spawned: SpawnedNode,
  timeoutMS = NODE_START_TIMEOUT_MS,
): Promise<void> {
  const logPath = nodePaths(node.dir).log
  await waitUntil(
    async () => {
      if ((await readFrom(logPath, spawned.logOffset)).includes(READY_LINE)) return true
      if (!isProcessAlive(spawned.pid)) {
        throw new Error(
          `${node.name} (pid ${spawned.pid}) exited during startup\n${await describeNodeLog(node, 40)}`,
        )
      }
      return undefined
    },
    {
      what: `${node.name} (${node.host}, pid ${spawned.pid}) to log "${READY_LINE}"`,
      timeoutMS,
      intervalMS: 250,
      diagnose: () => describeNodeLog(node, 40),
    },
  )
}

/**
 * Stops the node's JVM if it is ours and alive: SIGCONT (a paused JVM acts on nothing), SIGTERM,
 * then SIGKILL after 10 s. Throws if it survives SIGKILL.
 */
export async function stopCassandraNode(node: CassandraNodeState): Promise<void> {
  if (!isNodeProcess(node)) return
  signalProcess(node.pid, 'SIGTERM')
  signalProcess(node.pid, 'SIGCONT')
  if (await waitForExit(node.pid, STOP_GRACE_MS)) return
  signalProcess(node.pid, 'SIGKILL')
  if (!(await waitForExit(node.pid, 5_000))) {
    throw new Error(`${node.name} (pid ${node.pid}) survived SIGKILL`)
  }
}
