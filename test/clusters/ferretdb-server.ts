/**
 * A real MongoDB-wire server on loopback for the MongoDB adapter's integration tests: FerretDB
 * v1.24.2 on SQLite, a single-member replica set `rs0`, with fault injection (kill, pause, restart).
 * The CLI (`ferretdb-cli.ts`) drives the same class through {@link FerretdbServer.fromState}.
 *
 * FerretDB is not MongoDB: no replication, and it ignores write concern, so never use it to test
 * write-concern behaviour.
 *
 * @see ../../../shared/recipes/ferretdb.md
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ensureFerretdb } from './ferretdb-build.js'
import {
  claimFerretdbDir,
  describeFerretdbLog,
  ferretdbProbeOptions,
  ferretdbServerType,
  ferretdbUri,
  isFerretdbProcess,
  launchFerretdb,
  probeServerType,
  REPO_ROOT,
  sweepStaleFerretdbDirs,
  type FerretdbAuthState,
  type FerretdbProcessState,
  type FerretdbTlsState,
} from './ferretdb-process.js'
import {
  findFreePorts,
  isProcessPaused,
  processRssKB,
  signalProcess,
  waitForExit,
  waitUntil,
} from './process-utils.js'

export type {
  FerretdbAuthState,
  FerretdbProcessState,
  FerretdbTlsState,
} from './ferretdb-process.js'

/** The environment variable naming a server the tests use instead of starting one. */
export const FERRETDB_URI_ENV = 'REPLICAKIT_FERRETDB_URI'

/** Everything needed to reattach to a running server from another process (JSON-safe). */
export interface FerretdbState {
  readonly version: 1
  /** Work directory; removed by `stop()`. */
  readonly baseDir: string
  readonly node: FerretdbProcessState
  /** Wall time `startFerretdb` took (build excluded), in milliseconds. */
  readonly startupMS: number
}

/** The server as tests see it; `pid` is `undefined` for a server named by the environment. */
export interface FerretdbNode {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly pid: number | undefined
}

/** The role `status()` reports: `down` when dead, paused or not seen as primary. */
export type FerretdbRole = 'primary' | 'down'

/** One status line. */
export interface FerretdbNodeStatus extends FerretdbNode {
  readonly role: FerretdbRole
  readonly paused: boolean
  /** Resident set size in KiB, when `/proc` tells. */
  readonly rssKB: number | undefined
}

/** Options for {@link startFerretdb}. */
export interface StartFerretdbOptions {
  /** Work directory; removed by `stop()`. Default `<repo>/.cluster/ferretdb-<random>`. */
  readonly baseDir?: string
  /** Let the server outlive this process (the CLI). Default false: it dies with it. */
  readonly detached?: boolean
  /**
   * Use the server named by `REPLICAKIT_FERRETDB_URI` when set (no process control). Default true
   * without `tls` and `auth` (that server has neither); the CLI passes false.
   */
  readonly useEnvUri?: boolean
  /**
   * TLS only on the server's port (no plain listener), from these files; the server is then a
   * `Standalone` (FerretDB 1.24 cannot name a TLS-only member in hello's `hosts`).
   */
  readonly tls?: FerretdbTlsState
  /** Authentication on (SCRAM-SHA-256, FerretDB's experimental mode), with this user made at startup. */
  readonly auth?: FerretdbAuthState
}

const STOP_GRACE_MS = 5_000

/**
 * A FerretDB server started by this harness, or one named by `REPLICAKIT_FERRETDB_URI`
 * ({@link FerretdbServer.isExternal}; the process-control methods then throw).
 *
 * ```ts
 * const server = await startFerretdb()
 * const client = new MongoClient(server.uri) // mongodb://127.0.0.1:P/?replicaSet=rs0
 * await server.kill()
 * await server.restart() // same port, same SQLite files
 * await server.stop()
 * ```
 */
export class FerretdbServer {
  readonly #state: FerretdbState | undefined
  readonly #externalUri: string | undefined
  readonly #detached: boolean

  /** @internal Use {@link startFerretdb} or {@link FerretdbServer.fromState}. */
  constructor(
    state: FerretdbState | undefined,
    externalUri: string | undefined,
    detached: boolean,
  ) {
    this.#state = state === undefined ? undefined : structuredClone(state)
    this.#externalUri = externalUri
    this.#detached = detached
  }

  /** Reattaches to a server described by {@link FerretdbServer.toState} (e.g. from the CLI). */
  static fromState(state: FerretdbState, options: { detached?: boolean } = {}): FerretdbServer {
    return new FerretdbServer(state, undefined, options.detached ?? false)
  }

  /** @internal Implements {@link startFerretdb}. */
  static async start(options: StartFerretdbOptions = {}): Promise<FerretdbServer> {
    const external = process.env[FERRETDB_URI_ENV]
    const useEnvUri = options.useEnvUri ?? (options.tls === undefined && options.auth === undefined)
    if (useEnvUri && external !== undefined && external !== '') {
      return new FerretdbServer(undefined, external, false)
    }
    const binary = await ensureFerretdb()
    const startedAt = performance.now()
    const suffix = randomBytes(4).toString('hex')
    const baseDir = resolve(options.baseDir ?? join(REPO_ROOT, '.cluster', `ferretdb-${suffix}`))
    if (options.baseDir === undefined) await sweepStaleFerretdbDirs()
    await claimFerretdbDir(baseDir)
    const detached = options.detached ?? false
    const [port] = await findFreePorts(1)
    const node: FerretdbProcessState = {
      name: 'f1',
      host: '127.0.0.1',
      port: port ?? 0,
      pid: 0,
      dir: join(baseDir, 'f1'),
      binary,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.auth === undefined ? {} : { auth: options.auth }),
    }
    const server = new FerretdbServer(
      { version: 1, baseDir, node, startupMS: 0 },
      undefined,
      detached,
    )
    const state = server.#owned()
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await launchFerretdb(state.node, { detached })
          break
        } catch (error: unknown) {
          // Something took the port between picking and binding: pick another (twice at most).
          if (attempt >= 3 || !/address already in use/i.test((error as Error).message)) throw error
          const [next] = await findFreePorts(1)
          Object.assign(state.node, { port: next })
        }
      }
    } catch (error: unknown) {
      await server.stop()
      throw error
    }
    Object.assign(state, { startupMS: Math.round(performance.now() - startedAt) })
    return server
  }

  /** Whether the server is the one `REPLICAKIT_FERRETDB_URI` names (not started here). */
  get isExternal(): boolean {
    return this.#externalUri !== undefined
  }

  /**
   * `mongodb://127.0.0.1:P/?replicaSet=rs0` (`mongodb://127.0.0.1:P/` with TLS, no TLS options or
   * credentials in it), or the environment's URI.
   */
  get uri(): string {
    return this.#externalUri ?? ferretdbUri(this.#owned().node)
  }

  /** The one member: `f1` on loopback, with the pid of the running (or last) process. */
  get node(): FerretdbNode {
    if (this.#state === undefined) {
      const url = new URL(this.uri)
      return { name: 'f1', host: url.hostname, port: Number(url.port || 27017), pid: undefined }
    }
    const { name, host, port, pid } = this.#state.node
    return Object.freeze({ name, host, port, pid })
  }

  /** How long startup took (after the binary was available), in milliseconds; 0 when external. */
  get startupMS(): number {
    return this.#state?.startupMS ?? 0
  }

  /** A JSON-safe copy of the server's description, for {@link FerretdbServer.fromState}. */
  toState(): FerretdbState {
    return structuredClone(this.#owned())
  }

  /** The server's role as the driver sees it, whether it is paused, and its RSS. */
  async status(): Promise<FerretdbNodeStatus> {
    const node = this.node
    const owned = this.#state?.node
    const alive = owned === undefined || isFerretdbProcess(owned)
    const paused = owned !== undefined && alive && isProcessPaused(owned.pid)
    const options = owned === undefined ? {} : ferretdbProbeOptions(owned)
    const type = alive && !paused ? await probeServerType(this.uri, 2_000, options) : undefined
    const expected = owned === undefined ? 'RSPrimary' : ferretdbServerType(owned)
    return {
      ...node,
      role: type === expected ? 'primary' : 'down',
      paused,
      rssKB: owned !== undefined && alive ? processRssKB(owned.pid) : undefined,
    }
  }

  /** Crashes the server (SIGKILL) and waits until its process is gone. A dead server is left alone. */
  async kill(): Promise<void> {
    const node = this.#owned().node
    if (!isFerretdbProcess(node)) return
    signalProcess(node.pid, 'SIGKILL')
    if (!(await waitForExit(node.pid, 10_000))) {
      throw new Error(`${node.name} (pid ${node.pid}) still alive 10 s after SIGKILL`)
    }
  }

  /** Freezes the server with SIGSTOP: it keeps its sockets open but answers nothing. */
  async pause(): Promise<void> {
    const node = this.#running()
    signalProcess(node.pid, 'SIGSTOP')
    await waitUntil(() => (isProcessPaused(node.pid) ? true : undefined), {
      what: `${node.name} (pid ${node.pid}) to stop`,
      timeoutMS: 5_000,
    })
  }

  /** Thaws a server paused by {@link FerretdbServer.pause} (SIGCONT). */
  async resume(): Promise<void> {
    const node = this.#running()
    signalProcess(node.pid, 'SIGCONT')
    await waitUntil(() => (isProcessPaused(node.pid) ? undefined : true), {
      what: `${node.name} (pid ${node.pid}) to continue`,
      timeoutMS: 5_000,
    })
  }

  /**
   * Starts the server again on the same port and SQLite files, and waits until it is `RSPrimary`.
   * A running server is stopped first (SIGTERM, SIGKILL after 5 s; a paused one is thawed).
   */
  async restart(): Promise<void> {
    const node = this.#owned().node
    await this.#terminate()
    await launchFerretdb(node, { detached: this.#detached })
  }

  /**
   * Stops the server this harness started (SIGTERM, then SIGKILL after 5 s) and removes the work
   * directory. Nothing is left running. A no-op for an external server.
   */
  async stop(): Promise<void> {
    if (this.#state === undefined) return
    await this.#terminate()
    await rm(this.#state.baseDir, { recursive: true, force: true })
  }

  /** The log tail, for failure messages. */
  async describeLog(): Promise<string> {
    return this.#state === undefined
      ? '(external server: no log)'
      : describeFerretdbLog(this.#state.node)
  }

  async #terminate(): Promise<void> {
    const node = this.#owned().node
    if (!isFerretdbProcess(node)) return
    signalProcess(node.pid, 'SIGCONT')
    signalProcess(node.pid, 'SIGTERM')
    if (await waitForExit(node.pid, STOP_GRACE_MS)) return
    signalProcess(node.pid, 'SIGKILL')
    if (!(await waitForExit(node.pid, 10_000))) {
      throw new Error(`${node.name} (pid ${node.pid}) still alive 10 s after SIGKILL`)
    }
  }

  #owned(): FerretdbState {
    if (this.#state === undefined) {
      throw new Error(
        `FerretDB at ${this.#externalUri ?? '?'} comes from ${FERRETDB_URI_ENV}: ` +
          'the harness did not start it and cannot control its process',
      )
    }
    return this.#state
  }

  #running(): FerretdbProcessState {
    const node = this.#owned().node
    if (!isFerretdbProcess(node)) throw new Error(`${node.name} is not running (pid ${node.pid})`)
    return node
  }
}

/**
 * Starts FerretDB v1.24.2 (building it into the per-machine cache first if needed) on a free
 * loopback port and resolves once the `mongodb` driver sees it as `RSPrimary` of `rs0`. With
 * `REPLICAKIT_FERRETDB_URI` set, starts nothing and returns a handle on that server instead.
 *
 * ```ts
 * const server = await startFerretdb()
 * afterAll(() => server.stop())
 * ```
 */
export function startFerretdb(options: StartFerretdbOptions = {}): Promise<FerretdbServer> {
  return FerretdbServer.start(options)
}
