/**
 * A real Apache Cassandra 5.0.6 ring on loopback: four JVMs (`dc1` = node1–node3 on 127.0.0.1–3,
 * `dc2` = node4 on 127.0.0.4), started once and shared by every test of a run and by the CLI
 * through the state file `<repo>/.cluster/cassandra/state.json`. Nodes are detached processes, so
 * the ring outlives the process that started it; {@link CassandraRing.stop} ends it.
 *
 * The same class runs the secure node (`cassandra-secure.ts`): a {@link CassandraRingSpec} says
 * which nodes, folder, state file, lock and log-in a ring has.
 *
 * @see ../../../shared/recipes/cassandra-ring.md
 * @see ./cassandra-shared.ts for the once-per-run sharing
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type cassandra from 'cassandra-driver'
import {
  CLUSTER_NAME,
  CQL_PORT,
  LOCAL_DC,
  RING_LAYOUT,
  type CassandraNodeLayout,
} from './cassandra-config.js'
import { CASSANDRA_VERSION, ensureCassandraJars } from './cassandra-jars.js'
import {
  describeNodeLog,
  isNodeProcess,
  isPortOpen,
  NODE_START_TIMEOUT_MS,
  spawnCassandraNode,
  stopCassandraNode,
  waitForCql,
  type CassandraNodeState,
} from './cassandra-node.js'
import { createRingClient, waitForDriverHostsUp } from './cassandra-ring-client.js'
import { withFileLock } from './file-lock.js'
import {
  isProcessPaused,
  processRssKB,
  signalProcess,
  waitForExit,
  waitUntil,
} from './process-utils.js'

export type { CassandraNodeState } from './cassandra-node.js'

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The ring's folder: one sub-folder per node, and `state.json`. */
export const CASSANDRA_RING_DIR = join(REPO_ROOT, '.cluster', 'cassandra')
/** The state file every process reattaches through. */
export const CASSANDRA_STATE_FILE = join(CASSANDRA_RING_DIR, 'state.json')
/** Serialises starting, stopping and state updates across processes. */
export const CASSANDRA_RING_LOCK = join(REPO_ROOT, '.cluster', 'cassandra.lock')
/** The keyspace created at start: `NetworkTopologyStrategy {'dc1': 3, 'dc2': 1}`. */
export const TEST_KEYSPACE = 'replicakit_test'

/** What the harness's own driver clients add to reach a ring: TLS, credentials. */
export type RingClientSecurity = Pick<cassandra.ClientOptions, 'sslOptions' | 'credentials'>

/** One harness ring: its nodes, where it lives, how the harness logs in, what it creates. */
export interface CassandraRingSpec {
  /** Names the ring's folder `.cluster/<id>/` (nodes, `state.json`) and lock `.cluster/<id>.lock`. */
  readonly id: string
  readonly layout: readonly CassandraNodeLayout[]
  /** Created at start with {@link CassandraRingSpec.replication}. */
  readonly keyspace: string
  /** The keyspace's replication map in CQL, e.g. `{'class': 'SimpleStrategy', …}`. */
  readonly replication: string
  /** CQL run once after the keyspace exists (roles, grants), by the harness's client. */
  readonly setupCql: readonly string[]
  /** TLS and credentials of the harness's client (readiness, set-up); `{}` for plain. */
  security(): Promise<RingClientSecurity>
}

/** The shared four-node ring (folder `.cluster/cassandra`): plain clients, TLS optional. */
export const SHARED_RING_SPEC: CassandraRingSpec = Object.freeze({
  id: 'cassandra',
  layout: RING_LAYOUT,
  keyspace: TEST_KEYSPACE,
  replication: `{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 1}`,
  setupCql: [],
  security: () => Promise.resolve({}),
})

/** The folder, state file and lock of a ring. */
export function ringPaths(spec: CassandraRingSpec): {
  readonly dir: string
  readonly stateFile: string
  readonly lockFile: string
} {
  const dir = join(REPO_ROOT, '.cluster', spec.id)
  return { dir, stateFile: join(dir, 'state.json'), lockFile: `${dir}.lock` }
}

/** Bound on the lock: a whole ring start fits in it. */
export const RING_LOCK_TIMEOUT_MS = 8 * 60_000

/** Who started the ring, and so who stops it (see `cassandra-shared.ts`). */
export const RING_STARTERS = Object.freeze(['cli', 'tests'] as const)
/** `cli`: only `down` stops it; `tests`: the last test run holding a lease stops it. */
export type RingStarter = (typeof RING_STARTERS)[number]

/** Everything needed to reattach to the ring from another process (JSON-safe). */
export interface CassandraRingState {
  readonly version: 1
  readonly cassandraVersion: string
  readonly libDir: string
  readonly keyspace: string
  /** False until every node serves CQL and the keyspace exists. */
  ready: boolean
  startedBy: RingStarter
  /** Pids of the test runs using the ring (a vitest main process or `scripts/test.mjs`). */
  leases: number[]
  readonly nodes: CassandraNodeState[]
  /** Wall time of the start, in milliseconds; 0 until ready. */
  startupMS: number
  /** Time spent resolving jars with Maven during the start (0 when cached), in milliseconds. */
  resolveMS: number
}

/** A node's process state as the harness sees it. */
export const NODE_STATES = Object.freeze(['up', 'starting', 'paused', 'down'] as const)
/** `up`: CQL port answers; `starting`: JVM alive, port closed; `paused`: SIGSTOP; `down`: no JVM. */
export type NodeState = (typeof NODE_STATES)[number]

/** One node's status, as `status()` and the CLI report it. */
export interface CassandraNodeStatus {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly pid: number
  readonly dc: string
  readonly rack: string
  readonly state: NodeState
  readonly rssKB: number | undefined
}

/** Reads the ring's state file, or `undefined` when there is none. */
export async function loadRingState(
  spec: CassandraRingSpec = SHARED_RING_SPEC,
): Promise<CassandraRingState | undefined> {
  const { stateFile } = ringPaths(spec)
  if (!existsSync(stateFile)) return undefined
  return JSON.parse(await readFile(stateFile, 'utf8')) as CassandraRingState
}

/** Writes the ring's state file atomically. */
export async function saveRingState(
  state: CassandraRingState,
  spec: CassandraRingSpec = SHARED_RING_SPEC,
): Promise<void> {
  const { dir, stateFile } = ringPaths(spec)
  await mkdir(dir, { recursive: true })
  const scratch = `${stateFile}.${process.pid}.tmp`
  await writeFile(scratch, `${JSON.stringify(state, null, 2)}\n`)
  await rename(scratch, stateFile)
}

/** Runs `fn` holding the ring's lock (reentrant within one call chain). */
export function withRingLock<T>(
  fn: () => Promise<T>,
  spec: CassandraRingSpec = SHARED_RING_SPEC,
): Promise<T> {
  return withFileLock(ringPaths(spec).lockFile, fn, {
    what: `the Cassandra ring ${spec.id}`,
    timeoutMS: RING_LOCK_TIMEOUT_MS,
  })
}

/**
 * The running ring, backed by the state file: every operation re-reads it first, so a node the
 * CLI restarted in another process is found under its new pid.
 *
 * ```ts
 * const ring = await startCassandraRing('cli')
 * await ring.kill('node3') // SIGKILL
 * await ring.restart('node3') // back when it serves CQL and the driver sees it up
 * await ring.stop()
 * ```
 */
export class CassandraRing {
  #state: CassandraRingState
  readonly #spec: CassandraRingSpec

  /** @internal Use {@link startCassandraRing} or {@link CassandraRing.attach}. */
  constructor(state: CassandraRingState, spec: CassandraRingSpec = SHARED_RING_SPEC) {
    this.#state = state
    this.#spec = spec
  }

  /** Reattaches to the ring in the state file, or returns `undefined` when there is none. */
  static async attach(
    spec: CassandraRingSpec = SHARED_RING_SPEC,
  ): Promise<CassandraRing | undefined> {
    const state = await loadRingState(spec)
    return state === undefined ? undefined : new CassandraRing(state, spec)
  }

  /** @internal Implements {@link startCassandraRing}; the caller holds the ring lock. */
  static async start(
    startedBy: RingStarter,
    spec: CassandraRingSpec = SHARED_RING_SPEC,
  ): Promise<CassandraRing> {
    const startedAt = performance.now()
    const { dir, stateFile } = ringPaths(spec)
    const { libDir, resolveMS } = await ensureCassandraJars()
    for (const layout of spec.layout) {
      if (await isPortOpen(layout.host, CQL_PORT)) {
        throw new Error(
          `${layout.host}:${CQL_PORT} is already in use, but not by a ring in ${stateFile} ` +
            '(another Cassandra on this machine?)',
        )
      }
    }
    await rm(dir, { recursive: true, force: true })
    const state: CassandraRingState = {
      version: 1,
      cassandraVersion: CASSANDRA_VERSION,
      libDir,
      keyspace: spec.keyspace,
      ready: false,
      startedBy,
      leases: [],
      nodes: spec.layout.map((l) => ({ ...l, dir: join(dir, l.name), pid: 0 })),
      startupMS: 0,
      resolveMS,
    }
    const ring = new CassandraRing(state, spec)
    try {
      // The first node is the only seed: it first, then the others together.
      const [seed, ...others] = state.nodes
      if (seed === undefined) throw new Error('the ring layout has no nodes')
      const seedSpawn = await spawnCassandraNode(seed, libDir)
      await saveRingState(state, spec)
      await waitForCql(seed, seedSpawn)
      const spawns = await Promise.all(others.map((n) => spawnCassandraNode(n, libDir)))
      await saveRingState(state, spec)
      await Promise.all(others.map((n, i) => waitForCql(n, spawns[i]!)))
      await ring.#waitForDriver(state.nodes.map((n) => n.host))
      await ring.#createKeyspace()
    } catch (error: unknown) {
      // Keep the node folders (their logs explain the failure); the next start wipes them.
      await Promise.all(state.nodes.map((n) => stopCassandraNode(n).catch(() => undefined)))
      await rm(stateFile, { force: true })
      throw await ring.#withLogTails(`the Cassandra ring ${spec.id} did not start`, error)
    }
    state.ready = true
    state.startupMS = Math.round(performance.now() - startedAt)
    await saveRingState(state, spec)
    return ring
  }

  /** Which ring this is (folder, nodes, log-in). */
  get spec(): CassandraRingSpec {
    return this.#spec
  }

  /** `cassandra://127.0.0.1,127.0.0.2,127.0.0.3/replicakit_test?localDataCenter=dc1` (dc1 only). */
  get uri(): string {
    return `cassandra://${this.contactPoints.join(',')}/${this.keyspace}?localDataCenter=${LOCAL_DC}`
  }

  /** The local data center's node addresses, the driver's contact points. */
  get contactPoints(): string[] {
    return this.#state.nodes.filter((n) => n.dc === LOCAL_DC).map((n) => n.host)
  }

  /** The test keyspace, `replicakit_test`. */
  get keyspace(): string {
    return this.#state.keyspace
  }

  /** The local data center, `dc1`. */
  get localDataCenter(): string {
    return LOCAL_DC
  }

  /** `cluster_name` of every node. */
  get clusterName(): string {
    return this.#spec.layout[0]?.clusterName ?? CLUSTER_NAME
  }

  /** The nodes in name order (as last read from the state file). */
  get nodes(): readonly Readonly<CassandraNodeState>[] {
    return this.#state.nodes.map((n) => Object.freeze({ ...n }))
  }

  /** A copy of the state last read. */
  get state(): CassandraRingState {
    return structuredClone(this.#state)
  }

  /** Re-reads the state file (another process may have restarted a node). */
  async refresh(): Promise<void> {
    const state = await loadRingState(this.#spec)
    if (state === undefined) {
      throw new Error(`the Cassandra ring is gone (no ${ringPaths(this.#spec).stateFile})`)
    }
    this.#state = state
  }

  /** Each node's state in name order; `up` means its CQL port accepts connections. */
  async status(): Promise<CassandraNodeStatus[]> {
    await this.refresh()
    return Promise.all(
      this.#state.nodes.map(async (n): Promise<CassandraNodeStatus> => {
        const alive = isNodeProcess(n)
        let state: NodeState = 'down'
        if (alive && isProcessPaused(n.pid)) state = 'paused'
        else if (alive) state = (await isPortOpen(n.host, CQL_PORT)) ? 'up' : 'starting'
        const { name, host, pid, dc, rack } = n
        const rssKB = alive ? processRssKB(pid) : undefined
        return { name, host, port: CQL_PORT, pid, dc, rack, state, rssKB }
      }),
    )
  }

  /** Crashes a node (SIGKILL) and waits until its JVM is gone. A down node is left alone. */
  async kill(name: string): Promise<void> {
    const node = await this.#node(name)
    if (!isNodeProcess(node)) return
    signalProcess(node.pid, 'SIGKILL')
    if (!(await waitForExit(node.pid, 10_000))) {
      throw new Error(`${name} (pid ${node.pid}) still alive 10 s after SIGKILL`)
    }
  }

  /** Freezes a node with SIGSTOP: its sockets stay open but it answers nothing. */
  async pause(name: string): Promise<void> {
    const node = await this.#running(name)
    signalProcess(node.pid, 'SIGSTOP')
    await waitUntil(() => (isProcessPaused(node.pid) ? true : undefined), {
      what: `${name} (pid ${node.pid}) to stop`,
      timeoutMS: 5_000,
    })
  }

  /** Thaws a node paused by {@link CassandraRing.pause} (SIGCONT). */
  async resume(name: string): Promise<void> {
    const node = await this.#running(name)
    signalProcess(node.pid, 'SIGCONT')
    await waitUntil(() => (isProcessPaused(node.pid) ? undefined : true), {
      what: `${name} (pid ${node.pid}) to continue`,
      timeoutMS: 5_000,
    })
  }

  /**
   * Starts a node again on its data (stopping it first, SIGTERM then SIGKILL, if it runs) and
   * returns once it serves CQL and a driver sees it up. Returns the start time in milliseconds.
   */
  async restart(name: string): Promise<number> {
    const startedAt = performance.now()
    const node = await this.#node(name)
    await stopCassandraNode(node)
    const spawned = await spawnCassandraNode(node, this.#state.libDir)
    await this.#updateNode(name, spawned.pid)
    try {
      await waitForCql(node, spawned, NODE_START_TIMEOUT_MS)
      await this.#waitForDriver([node.host])
    } catch (error: unknown) {
      throw await this.#withLogTails(`${name} did not come back`, error)
    }
    return Math.round(performance.now() - startedAt)
  }

  /** Resumes paused nodes and restarts dead ones, so the next test finds the whole ring up. */
  async ensureAllUp(): Promise<string[]> {
    const repaired: string[] = []
    const statuses = await this.status()
    for (const n of statuses) {
      if (n.state === 'paused') await this.resume(n.name)
      else if (n.state === 'down') await this.restart(n.name)
      else continue
      repaired.push(n.name)
    }
    // Also wait out a node another process is restarting (`starting`).
    if (statuses.some((n) => n.state !== 'up')) {
      await this.#waitForDriver(this.#state.nodes.map((n) => n.host))
    }
    return repaired
  }

  /** Stops every node (SIGTERM, SIGKILL after 10 s) and removes the ring's folder and state. */
  async stop(): Promise<void> {
    await withRingLock(async () => {
      const state = (await loadRingState(this.#spec)) ?? this.#state
      await Promise.all(state.nodes.map(stopCassandraNode))
      await rm(ringPaths(this.#spec).dir, { recursive: true, force: true })
    }, this.#spec)
  }

  /** The tail of every node's log, for failure messages. */
  async describeLogs(lines = 25): Promise<string> {
    return (await Promise.all(this.#state.nodes.map((n) => describeNodeLog(n, lines)))).join('\n')
  }

  async #node(name: string): Promise<CassandraNodeState> {
    await this.refresh()
    const node = this.#state.nodes.find((n) => n.name === name)
    if (node === undefined) {
      const names = this.#state.nodes.map((n) => n.name).join(', ')
      throw new Error(`no Cassandra node named ${name} (nodes: ${names})`)
    }
    return node
  }

  async #running(name: string): Promise<CassandraNodeState> {
    const node = await this.#node(name)
    if (!isNodeProcess(node)) throw new Error(`${name} is not running (pid ${node.pid})`)
    return node
  }

  async #updateNode(name: string, pid: number): Promise<void> {
    await withRingLock(async () => {
      const state = (await loadRingState(this.#spec)) ?? this.#state
      const node = state.nodes.find((n) => n.name === name)
      if (node !== undefined) node.pid = pid
      await saveRingState(state, this.#spec)
      this.#state = state
    }, this.#spec)
  }

  /** A harness client of this ring (TLS and credentials from its spec); the caller shuts it down. */
  async createClient(): Promise<cassandra.Client> {
    return createRingClient(this.contactPoints, await this.#spec.security())
  }

  async #waitForDriver(hosts: readonly string[]): Promise<void> {
    const client = await this.createClient()
    try {
      await waitForDriverHostsUp(client, hosts, NODE_START_TIMEOUT_MS)
    } finally {
      await client.shutdown()
    }
  }

  /** An Error saying `what`, with `error`'s message and every node's log tail. */
  async #withLogTails(what: string, error: unknown): Promise<Error> {
    const message = error instanceof Error ? error.message : String(error)
    return new Error(`${what}: ${message}\n${await this.describeLogs(15)}`, { cause: error })
  }

  async #createKeyspace(): Promise<void> {
    const client = await this.createClient()
    try {
      const cql = `CREATE KEYSPACE IF NOT EXISTS ${this.keyspace} WITH replication = ${this.#spec.replication}`
      // Every node serves CQL and the driver sees every host up, yet the coordinator may not have
      // learned every data center from gossip yet: it then refuses the replication map naming one
      // ("Unrecognized strategy option {dc2}", seen once in a fresh-clone CI run). Ask again.
      const untilMS = performance.now() + KEYSPACE_GOSSIP_WAIT_MS
      for (;;) {
        try {
          await client.execute(cql)
          break
        } catch (error: unknown) {
          const unknownDc =
            error instanceof Error && /Unrecognized strategy option/.test(error.message)
          if (!unknownDc || performance.now() > untilMS) throw error
          await sleep(500)
        }
      }
      for (const setup of this.#spec.setupCql) await client.execute(setup)
    } finally {
      await client.shutdown()
    }
  }
}

/** How long the keyspace's creation waits for its coordinator to learn every data center by gossip. */
const KEYSPACE_GOSSIP_WAIT_MS = 60_000

/**
 * Starts the four-node ring (or the ring of `spec`) under its lock (resolving the jars first when
 * the cache is cold) and returns once every node logged `Starting listening for CQL clients`, the
 * driver sees every host up and the keyspace exists. The caller has made sure no live ring is
 * recorded: the ring's folder is wiped. Takes about a minute on two cores.
 */
export function startCassandraRing(
  startedBy: RingStarter,
  spec: CassandraRingSpec = SHARED_RING_SPEC,
): Promise<CassandraRing> {
  return withRingLock(() => CassandraRing.start(startedBy, spec), spec)
}
