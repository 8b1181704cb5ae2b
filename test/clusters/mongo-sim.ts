/**
 * A simulated MongoDB replica set on loopback for integration and chaos tests: one OS process per
 * member (`mongo-sim/member.ts`), speaking the wire protocol the official driver uses, with
 * elections, replication lag, write concern, retryable writes and rollback between the processes.
 * The CLI (`mongo-sim-cli.ts`) drives the same class through {@link MongoSim.fromState}.
 *
 * @see ../../../shared/recipes/mongodb-wire-simulator.md
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import {
  hostOf,
  type SimMemberConfig,
  type SimSetConfig,
  type SimTlsConfig,
} from './mongo-sim/config.js'
import { controlRequest, launchMember, REPO_ROOT } from './mongo-sim/member-process.js'
import {
  findFreePorts,
  isProcessAlive,
  isProcessPaused,
  signalProcess,
  sleep,
  waitForExit,
  waitUntil,
} from './process-utils.js'

/** Options of one member for {@link startMongoSim}. */
export interface MongoSimMemberOptions {
  readonly arbiter?: boolean
  /** Hidden members are priority 0 and absent from hello's lists and the URI. */
  readonly hidden?: boolean
  /** Default 1 (0 for arbiters, hidden and delayed members). */
  readonly priority?: number
  readonly votes?: 0 | 1
  readonly tags?: Readonly<Record<string, string>>
  /** A delayed member applies entries this many ms after they were written (priority 0). */
  readonly delayMS?: number
}

/** Options for {@link startMongoSim}. */
export interface StartMongoSimOptions {
  /** Member count (default 3) or one options object per member (`m1`, `m2`…). */
  readonly members?: number | readonly MongoSimMemberOptions[]
  /** Default `rs0`. */
  readonly setName?: string
  /** Time without a primary before an election, in ms. Default 1000. */
  readonly electionTimeoutMS?: number
  /** Default `min(250, electionTimeoutMS / 4)`. */
  readonly heartbeatIntervalMS?: number
  /** Idle primaries write a no-op this often, in ms. Default 1000. */
  readonly noopIntervalMS?: number
  /** Log directory, removed by `stop()`. Default `<repo>/.cluster/mongo-sim-<random>`. */
  readonly baseDir?: string
  /** Members outlive this process (the CLI). Default false. */
  readonly detached?: boolean
  /**
   * TLS on every member's client port, which then accepts only TLS (with `clientCaFile`, only
   * clients presenting a certificate that CA signed). The harness's own control traffic is unchanged.
   */
  readonly tls?: SimTlsConfig
}

export type { SimTlsConfig } from './mongo-sim/config.js'

/** Everything needed to reattach from another process (JSON-safe). */
export interface MongoSimState {
  readonly version: 1
  readonly baseDir: string
  readonly detached: boolean
  readonly set: SimSetConfig
  readonly pids: Record<string, number>
}

/** Roles `status()` reports. */
export type MongoSimRole = 'primary' | 'secondary' | 'arbiter' | 'down'

/** One member as `status()` sees it. */
export interface MongoSimMemberStatus {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly pid: number
  readonly role: MongoSimRole
  readonly paused: boolean
  readonly term?: number
  readonly lastIndex?: number
  readonly lagMS?: number
}

const WAIT_MS = 30_000

function memberConfigs(options: StartMongoSimOptions, ports: readonly number[]): SimMemberConfig[] {
  const list =
    typeof options.members === 'object'
      ? options.members
      : Array.from({ length: options.members ?? 3 }, (): MongoSimMemberOptions => ({}))
  return list.map((m, i): SimMemberConfig => {
    const passive = m.arbiter === true || m.hidden === true || (m.delayMS ?? 0) > 0
    return {
      name: `m${i + 1}`,
      host: '127.0.0.1',
      port: ports[2 * i]!,
      peerPort: ports[2 * i + 1]!,
      arbiterOnly: m.arbiter === true,
      hidden: m.hidden === true,
      priority: m.priority ?? (passive ? 0 : 1),
      votes: m.votes ?? 1,
      tags: { ...(m.tags ?? {}) },
      delayMS: m.delayMS ?? 0,
    }
  })
}

/**
 * A running simulated replica set.
 *
 * ```ts
 * const sim = await startMongoSim({ members: 3, electionTimeoutMS: 1000 })
 * const client = new MongoClient(sim.uri)
 * await sim.kill('m1') // SIGKILL; m2 or m3 is elected after the election timeout
 * await sim.stop()
 * ```
 */
export class MongoSim {
  readonly #state: MongoSimState

  /** @internal Use {@link startMongoSim} or {@link MongoSim.fromState}. */
  constructor(state: MongoSimState) {
    this.#state = structuredClone(state)
  }

  /** Reattaches to a set described by {@link MongoSim.toState}. */
  static fromState(state: MongoSimState): MongoSim {
    return new MongoSim(state)
  }

  /** @internal Implements {@link startMongoSim}. */
  static async start(options: StartMongoSimOptions = {}): Promise<MongoSim> {
    const count =
      typeof options.members === 'object' ? options.members.length : (options.members ?? 3)
    if (!Number.isInteger(count) || count < 1 || count > 7)
      throw new Error(`members must be 1 to 7, got ${count}`)
    const electionTimeoutMS = options.electionTimeoutMS ?? 1000
    const baseDir = resolve(
      options.baseDir ?? join(REPO_ROOT, '.cluster', `mongo-sim-${randomBytes(4).toString('hex')}`),
    )
    await mkdir(baseDir, { recursive: true })
    const set: SimSetConfig = {
      setName: options.setName ?? 'rs0',
      setVersion: 1,
      members: memberConfigs(options, await findFreePorts(2 * count)),
      electionTimeoutMS,
      heartbeatIntervalMS:
        options.heartbeatIntervalMS ?? Math.min(250, Math.max(20, electionTimeoutMS / 4)),
      noopIntervalMS: options.noopIntervalMS ?? 1000,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    }
    const sim = new MongoSim({
      version: 1,
      baseDir,
      detached: options.detached ?? false,
      set,
      pids: {},
    })
    try {
      await Promise.all(set.members.map((m) => sim.#launch(m.name)))
      const first = set.members.find((m) => !m.arbiterOnly && m.priority > 0)
      if (first !== undefined) await sim.elect(first.name)
    } catch (error: unknown) {
      await sim.stop()
      throw error
    }
    return sim
  }

  async #launch(name: string): Promise<void> {
    const pid = await launchMember(
      { set: this.#state.set, self: name },
      { detached: this.#state.detached, logDir: this.#state.baseDir },
    )
    this.#state.pids[name] = pid
  }

  /** The state for {@link MongoSim.fromState}. */
  toState(): MongoSimState {
    return structuredClone(this.#state)
  }

  /** `mongodb://` seed list of the visible members, with `replicaSet` (no TLS options: add them). */
  get uri(): string {
    const hosts = this.#state.set.members.filter((m) => !m.hidden).map(hostOf)
    return `mongodb://${hosts.join(',')}/?replicaSet=${this.#state.set.setName}`
  }

  /** The members' configuration and current pid. */
  get members(): ReadonlyArray<SimMemberConfig & { readonly pid: number }> {
    return this.#state.set.members.map((m) => ({ ...m, pid: this.#state.pids[m.name] ?? 0 }))
  }

  /** The TLS files of the client ports, or `undefined` when they are plain. */
  get tls(): SimTlsConfig | undefined {
    return this.#state.set.tls
  }

  /** The log directory. */
  get baseDir(): string {
    return this.#state.baseDir
  }

  #member(name: string): SimMemberConfig {
    const member = this.#state.set.members.find((m) => m.name === name)
    if (member === undefined)
      throw new Error(
        `no member named '${name}' (have ${this.#state.set.members.map((m) => m.name).join(', ')})`,
      )
    return member
  }

  #pid(name: string): number {
    return this.#state.pids[this.#member(name).name] ?? 0
  }

  /** SIGKILLs a member and waits until it is gone. */
  async kill(name: string): Promise<void> {
    const pid = this.#pid(name)
    signalProcess(pid, 'SIGKILL')
    if (!(await waitForExit(pid, 5_000))) throw new Error(`${name} (pid ${pid}) survived SIGKILL`)
  }

  /** SIGSTOPs a member: it stops answering clients and peers alike. */
  async pause(name: string): Promise<void> {
    const pid = this.#pid(name)
    if (!isProcessAlive(pid)) throw new Error(`${name} (pid ${pid}) is not running`)
    signalProcess(pid, 'SIGSTOP')
    await waitUntil(() => (isProcessPaused(pid) ? true : undefined), {
      what: `${name} to stop`,
      timeoutMS: 5_000,
      intervalMS: 10,
    })
  }

  /** SIGCONTs a paused member. */
  async resume(name: string): Promise<void> {
    const pid = this.#pid(name)
    signalProcess(pid, 'SIGCONT')
    await waitUntil(() => (isProcessPaused(pid) ? undefined : true), {
      what: `${name} to continue`,
      timeoutMS: 5_000,
      intervalMS: 10,
    })
  }

  /** Kills a member if it runs, and starts it again with empty memory (it resyncs from the primary). */
  async restart(name: string): Promise<void> {
    if (isProcessAlive(this.#pid(name))) await this.kill(name)
    await this.#launch(name)
  }

  /** Asks the primary to step down (`replSetStepDown`); resolves with the member elected next. */
  async stepDown(
    options: { readonly seconds?: number; readonly force?: boolean } = {},
  ): Promise<string> {
    const primary = await this.waitForPrimary()
    await controlRequest(
      this.#member(primary),
      {
        type: 'stepDown',
        seconds: options.seconds ?? 10,
        catchUpMS: 2_000,
        force: options.force ?? true,
      },
      5_000,
    )
    return this.waitForPrimary({ not: primary })
  }

  /** Makes `name` stand for election at once (`replSetStepUp`) and waits until it is primary. */
  async elect(name: string): Promise<void> {
    const member = this.#member(name)
    await waitUntil(
      async () => {
        const statuses = await this.status()
        const live = statuses.filter((s) => s.role !== 'down')
        if (
          live.every(
            (s) =>
              s.role === 'arbiter' ||
              (s.name === name ? s.role === 'primary' : s.role !== 'primary'),
          )
        ) {
          const agreed = await Promise.all(
            live.map((s) =>
              controlRequest(this.#member(s.name), { type: 'status' }).catch(() => undefined),
            ),
          )
          if (agreed.every((doc) => doc?.['primary'] === name)) return true
        }
        if (statuses.find((s) => s.name === name)?.role !== 'primary') {
          await controlRequest(member, { type: 'elect' }, 5_000).catch(() => undefined)
        }
        await sleep(50)
        return undefined
      },
      { what: `${name} to become primary`, timeoutMS: WAIT_MS, intervalMS: 20 },
    )
  }

  /** Replication lag in ms for `name`, or for every data-bearing member when omitted. */
  async setLag(lagMS: number, name?: string): Promise<void> {
    const targets =
      name === undefined
        ? this.#state.set.members.filter((m) => !m.arbiterOnly)
        : [this.#member(name)]
    await Promise.all(targets.map((m) => controlRequest(m, { type: 'setLag', lagMS })))
  }

  /** The member applies its next `count` writes and closes the socket instead of answering. */
  async dropReply(name: string, count = 1): Promise<void> {
    await controlRequest(this.#member(name), { type: 'dropReply', count })
  }

  /** Every member's role as it reports it (`down` when dead, paused or silent). */
  async status(): Promise<MongoSimMemberStatus[]> {
    return Promise.all(
      this.#state.set.members.map(async (m): Promise<MongoSimMemberStatus> => {
        const pid = this.#state.pids[m.name] ?? 0
        const base = { name: m.name, host: m.host, port: m.port, pid }
        if (!isProcessAlive(pid)) return { ...base, role: 'down', paused: false }
        if (isProcessPaused(pid)) return { ...base, role: 'down', paused: true }
        try {
          const doc = await controlRequest(m, { type: 'status' }, 1_000)
          return {
            ...base,
            role: doc['role'] as MongoSimRole,
            paused: false,
            term: doc['term'] as number,
            lastIndex: doc['lastIndex'] as number,
            lagMS: doc['lagMS'] as number,
          }
        } catch {
          return { ...base, role: 'down', paused: false }
        }
      }),
    )
  }

  /** Waits until one member reports itself primary (other than `not`); resolves its name. */
  async waitForPrimary(
    options: { readonly not?: string; readonly timeoutMS?: number } = {},
  ): Promise<string> {
    return waitUntil(
      async () =>
        (await this.status()).find((s) => s.role === 'primary' && s.name !== options.not)?.name,
      { what: 'a primary', timeoutMS: options.timeoutMS ?? WAIT_MS, intervalMS: 50 },
    )
  }

  /** Stops every member (SIGCONT, SIGTERM, SIGKILL after 3 s) and removes the log directory. */
  async stop(): Promise<void> {
    await Promise.all(
      Object.values(this.#state.pids).map(async (pid) => {
        if (!isProcessAlive(pid)) return
        signalProcess(pid, 'SIGCONT')
        signalProcess(pid, 'SIGTERM')
        if (!(await waitForExit(pid, 3_000))) {
          signalProcess(pid, 'SIGKILL')
          await waitForExit(pid, 3_000)
        }
      }),
    )
    await rm(this.#state.baseDir, { recursive: true, force: true })
  }
}

/** Starts a simulated replica set; see {@link MongoSim}. */
export function startMongoSim(options: StartMongoSimOptions = {}): Promise<MongoSim> {
  return MongoSim.start(options)
}
