/**
 * A real MariaDB GTID replication cluster on loopback for integration and chaos tests: one
 * primary and N-1 replicas, with fault injection (kill, pause, lag, split brain) and the recipe's
 * fail-over procedure. The CLI (`cli.ts`) drives the same class through {@link MysqlCluster.fromState}.
 *
 * @see ../../../shared/recipes/mariadb-replication.md
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ensureMariadb, type MariadbBinaries } from './ensure-mariadb.js'
import {
  AdminConnections,
  claimClusterDir,
  isNodeProcess,
  launchNewNode,
  launchNode,
  REPO_ROOT,
  sweepStaleClusterDirs,
  type MysqlNodeState,
} from './mysql-node.js'
import {
  choosePromotion,
  createClusterUsers,
  drainRelayLog,
  followPrimary,
  readNodeStatus,
  waitCaughtUp,
  waitReplicating,
  type MysqlNodeStatus,
  type PromotionCandidate,
} from './mysql-replication.js'
import { checkDiverged, divergenceOf, reprovisionNode } from './mysql-reprovision.js'
import {
  createTlsAccounts,
  installServerCertificate,
  nodeTlsPaths,
  type MysqlAccount,
  type MysqlServerCertificate,
  type MysqlTlsAccounts,
} from './mysql-tls.js'
import { ensureTlsFiles } from './tls-certs.js'
import {
  findFreePorts,
  isProcessPaused,
  signalProcess,
  waitForExit,
  waitUntil,
} from './process-utils.js'

export type { MysqlNodeState } from './mysql-node.js'
export {
  MYSQL_NODE_ROLES,
  type MysqlNodeRole,
  type MysqlNodeStatus,
  type SlaveStatus,
} from './mysql-replication.js'
export type { MysqlAccount, MysqlServerCertificate, MysqlTlsAccounts } from './mysql-tls.js'

/** What {@link MysqlCluster.rejoin} did. */
export interface MysqlRejoinResult {
  readonly node: string
  /** The primary it now replicates from. */
  readonly primary: string
  /** Its data was replaced by a snapshot of the primary because it had diverged. */
  readonly reprovisioned: boolean
  /** Why it had to be re-provisioned: the replication error or the GTIDs the primary never got. */
  readonly divergence?: string
  /** The GTID position of the snapshot it was re-provisioned from. */
  readonly snapshotPosition?: string
  /** One line for logs: `node1 rejoined as a replica of node2`, or `node1 diverged (…): re-provisioned from node2`. */
  readonly message: string
}

/** Everything needed to reattach to a running cluster from another process (JSON-safe). */
export interface MysqlClusterState {
  readonly version: 1
  readonly baseDir: string
  readonly database: string
  readonly appUser: string
  readonly appPassword: string
  readonly replPassword: string
  readonly binaries: MariadbBinaries
  /** The node the harness made primary last. */
  primary: string
  readonly nodes: MysqlNodeState[]
  /** Wall time `startMysqlCluster` took, in milliseconds. */
  readonly startupMS: number
  /** TLS clusters only: the extra accounts (`REQUIRE SSL`, `REQUIRE X509`, native, ed25519). */
  readonly tlsAccounts?: MysqlTlsAccounts
}

/** A node as tests see it. */
export type MysqlClusterNode = Readonly<MysqlNodeState>

/** Options for {@link startMysqlCluster}. */
export interface StartMysqlClusterOptions {
  /** Number of servers; node1 is the primary. Default 3. */
  readonly nodes?: number
  /** Work directory for all nodes; removed by `stop()`. Default `<repo>/.cluster/mysql-<random>`. */
  readonly baseDir?: string
  /** Labels per node (index 0 → node1), for tag-set tests; MariaDB does not see them. */
  readonly tags?: ReadonlyArray<Readonly<Record<string, string>>>
  /** Let the servers outlive this process (the CLI). Default false: they die with it. */
  readonly detached?: boolean
  /**
   * Offer TLS on every node (the test CA's certificate for 127.0.0.1, the test CA for client
   * certificates; see `tls-certs.ts`), load the ed25519 plugin and create the
   * {@link MysqlTlsAccounts}. Plain connections still work unless `setRequireSecureTransport(true)`.
   * Default false.
   */
  readonly tls?: boolean
}

/** Options for {@link MysqlCluster.fromState}. */
export interface AttachOptions {
  /** Servers that `restart`/`rejoin` start outlive this process. Default false. */
  readonly detached?: boolean
}

const WAIT_MS = 30_000
const STOP_GRACE_MS = 5_000

/**
 * A running MariaDB primary-replica cluster started by this harness.
 *
 * ```ts
 * const cluster = await startMysqlCluster()
 * await cluster.kill('node1')
 * const primary = await cluster.promote() // 'node2' or 'node3'
 * await cluster.rejoin('node1')
 * await cluster.stop()
 * ```
 */
export class MysqlCluster {
  readonly #state: MysqlClusterState
  readonly #admin = new AdminConnections()
  readonly #detached: boolean

  /** @internal Use {@link startMysqlCluster} or {@link MysqlCluster.fromState}. */
  constructor(state: MysqlClusterState, options: AttachOptions = {}) {
    this.#state = structuredClone(state)
    this.#detached = options.detached ?? false
  }

  /** Reattaches to a cluster described by {@link MysqlCluster.toState} (e.g. from the CLI). */
  static fromState(state: MysqlClusterState, options: AttachOptions = {}): MysqlCluster {
    return new MysqlCluster(state, options)
  }

  /** @internal Implements {@link startMysqlCluster}. */
  static async start(options: StartMysqlClusterOptions = {}): Promise<MysqlCluster> {
    const startedAt = performance.now()
    const count = options.nodes ?? 3
    if (!Number.isInteger(count) || count < 1 || count > 9) {
      throw new Error(`nodes must be an integer from 1 to 9, got ${count}`)
    }
    const binaries = await ensureMariadb()
    const suffix = randomBytes(4).toString('hex')
    const baseDir = resolve(options.baseDir ?? join(REPO_ROOT, '.cluster', `mysql-${suffix}`))
    if (options.baseDir === undefined) await sweepStaleClusterDirs()
    await claimClusterDir(baseDir)
    const ports = await findFreePorts(count)
    const nodes = ports.map((port, i): MysqlNodeState => {
      const dir = join(baseDir, `node${i + 1}`)
      const tags = options.tags?.[i] ?? {}
      return {
        name: `node${i + 1}`,
        host: '127.0.0.1',
        port,
        serverId: i + 1,
        pid: 0,
        dir,
        tags,
        socket: join(dir, 'mysqld.sock'),
        ...(options.tls === true ? { tls: nodeTlsPaths(dir) } : {}),
      }
    })
    const state: MysqlClusterState = {
      version: 1,
      baseDir,
      database: 'appdb',
      appUser: 'app',
      appPassword: randomBytes(12).toString('hex'),
      replPassword: randomBytes(12).toString('hex'),
      binaries,
      primary: 'node1',
      nodes,
      startupMS: 0,
      ...(options.tls === true ? { tlsAccounts: newTlsAccounts() } : {}),
    }
    const cluster = new MysqlCluster(state, options)
    try {
      if (options.tls === true) {
        const files = await ensureTlsFiles()
        await Promise.all(nodes.map((n) => installServerCertificate(n, files, 'own')))
      }
      // Servers start in parallel; node1 writable, the others read-only from the first moment.
      await Promise.all(
        cluster.#state.nodes.map((n, i) =>
          launchNewNode(binaries, n, { readOnly: i > 0, detached: cluster.#detached }),
        ),
      )
      await cluster.#bootstrap()
    } catch (error: unknown) {
      await cluster.stop()
      throw error
    }
    Object.assign(cluster.#state, { startupMS: Math.round(performance.now() - startedAt) })
    return cluster
  }

  /** `mysql://app:PASSWORD@127.0.0.1:P1,127.0.0.1:P2,…/appdb`, every node in order. */
  get uri(): string {
    const hosts = this.#state.nodes.map((n) => `${n.host}:${n.port}`).join(',')
    const { appUser, appPassword, database } = this.#state
    return `mysql://${appUser}:${encodeURIComponent(appPassword)}@${hosts}/${database}`
  }

  /** The application user: DML and DDL on `appdb`, `SLAVE MONITOR, BINLOG MONITOR, REPLICATION MASTER ADMIN` globally. */
  get appUser(): string {
    return this.#state.appUser
  }

  /** The application user's random password. */
  get appPassword(): string {
    return this.#state.appPassword
  }

  /** The application database, `appdb`. */
  get database(): string {
    return this.#state.database
  }

  /** The nodes in order (`pid` changes after `restart`). */
  get nodes(): readonly MysqlClusterNode[] {
    return this.#state.nodes.map((n) => Object.freeze({ ...n }))
  }

  /** The node the harness last made primary (a killed primary stays here until `promote`). */
  get primary(): string {
    return this.#state.primary
  }

  /** The extra accounts of a cluster started with `tls: true`. */
  get tlsAccounts(): MysqlTlsAccounts {
    const accounts = this.#state.tlsAccounts
    if (accounts === undefined) throw new Error('the cluster was started without tls: true')
    return accounts
  }

  /** `mysql://USER:PASSWORD@hosts/appdb` for `account`, on `names` (default: every node in order). */
  uriFor(account: MysqlAccount, names?: readonly string[]): string {
    const nodes = names === undefined ? this.#state.nodes : names.map((n) => this.#node(n))
    const hosts = nodes.map((n) => `${n.host}:${n.port}`).join(',')
    const credentials = `${encodeURIComponent(account.user)}:${encodeURIComponent(account.password)}`
    return `mysql://${credentials}@${hosts}/${this.#state.database}`
  }

  /**
   * Sets `require_secure_transport` on every running node (a dynamic global since MariaDB 10.5):
   * when on, TCP clients without TLS are refused; root's unix socket still counts as secure.
   * Replication connections opened while it is on would be refused too (they are plain).
   */
  async setRequireSecureTransport(on: boolean): Promise<void> {
    const running = this.#state.nodes.filter(isNodeProcess)
    await Promise.all(
      running.map((n) =>
        this.#admin.query(n, `SET GLOBAL require_secure_transport = ${on ? 'ON' : 'OFF'}`),
      ),
    )
  }

  /**
   * Makes a TLS node present another certificate from now on (`FLUSH SSL` reloads the files):
   * `mismatch` is signed by the test CA but names only `wrong.invalid`; `own` restores its own.
   */
  async useServerCertificate(name: string, which: MysqlServerCertificate): Promise<void> {
    const node = this.#running(name)
    if (node.tls === undefined) throw new Error(`${name} was started without tls: true`)
    await installServerCertificate(node, await ensureTlsFiles(), which)
    await this.#admin.query(node, 'FLUSH SSL')
  }

  /** How long startup took, in milliseconds. */
  get startupMS(): number {
    return this.#state.startupMS
  }

  /** A JSON-safe copy of the cluster's description, for {@link MysqlCluster.fromState}. */
  toState(): MysqlClusterState {
    return structuredClone(this.#state)
  }

  /**
   * Runs `sql` as root over the node's unix socket (mysql2 client-side `?` placeholders).
   * Returns the rows, or an empty array for statements without a result set.
   */
  async adminQuery(
    name: string,
    sql: string,
    values: readonly unknown[] = [],
  ): Promise<Record<string, unknown>[]> {
    return this.#admin.query(this.#node(name), sql, values)
  }

  /** Each node's role and replication state; a dead, paused or unreachable node is `down`. */
  async status(): Promise<MysqlNodeStatus[]> {
    return Promise.all(this.#state.nodes.map((node) => readNodeStatus(this.#admin, node)))
  }

  /** Crashes a node (SIGKILL) and waits until its process is gone. A down node is left alone. */
  async kill(name: string): Promise<void> {
    const node = this.#node(name)
    this.#admin.drop(name)
    if (!isNodeProcess(node)) return
    signalProcess(node.pid, 'SIGKILL')
    if (!(await waitForExit(node.pid, 10_000))) {
      throw new Error(`${name} (pid ${node.pid}) still alive 10 s after SIGKILL`)
    }
  }

  /** Freezes a node with SIGSTOP: it keeps its sockets open but answers nothing. */
  async pause(name: string): Promise<void> {
    const node = this.#running(name)
    signalProcess(node.pid, 'SIGSTOP')
    await waitUntil(() => (isProcessPaused(node.pid) ? true : undefined), {
      what: `${name} (pid ${node.pid}) to stop`,
      timeoutMS: 5_000,
    })
  }

  /**
   * Thaws a node paused by {@link MysqlCluster.pause} (SIGCONT). A node that is no longer the
   * recorded primary (a replica was promoted while it was frozen) still believes it is writable:
   * it is fenced with `SET GLOBAL read_only = ON` right after SIGCONT, before the harness does
   * anything else, so the split brain lasts only as long as that one statement. It stays out of
   * replication until {@link MysqlCluster.rejoin}. Resolves with whether it was fenced.
   */
  async resume(name: string): Promise<{ fenced: boolean }> {
    const node = this.#node(name)
    if (!isNodeProcess(node)) throw new Error(`${name} is not running (pid ${node.pid})`)
    const fence = name !== this.#state.primary
    signalProcess(node.pid, 'SIGCONT')
    // Queued before the wait: the statement goes out on the admin socket at once.
    const fenced = fence ? this.setReadOnly(name, true) : Promise.resolve()
    await waitUntil(() => (isProcessPaused(node.pid) ? undefined : true), {
      what: `${name} (pid ${node.pid}) to continue`,
      timeoutMS: 5_000,
    })
    await fenced
    return { fenced: fence }
  }

  /** Stops applying the relay log on a replica (`STOP SLAVE SQL_THREAD`): lag then grows. */
  async stopSqlThread(name: string): Promise<void> {
    await this.#admin.query(this.#running(name), 'STOP SLAVE SQL_THREAD')
  }

  /** Resumes applying the relay log (`START SLAVE SQL_THREAD`). */
  async startSqlThread(name: string): Promise<void> {
    await this.#admin.query(this.#running(name), 'START SLAVE SQL_THREAD')
  }

  /** Stops both replication threads (`STOP SLAVE`). */
  async stopReplication(name: string): Promise<void> {
    await this.#admin.query(this.#running(name), 'STOP SLAVE')
  }

  /** `START SLAVE`, then waits until both threads run (throws on a replication error). */
  async startReplication(name: string): Promise<void> {
    const node = this.#running(name)
    await this.#admin.query(node, 'START SLAVE')
    await waitReplicating(this.#admin, node, WAIT_MS)
  }

  /** Sets `read_only` on a node; `false` on a replica makes a split brain. */
  async setReadOnly(name: string, readOnly: boolean): Promise<void> {
    await this.#admin.query(
      this.#running(name),
      `SET GLOBAL read_only = ${readOnly ? 'ON' : 'OFF'}`,
    )
  }

  /**
   * Starts a killed node again on its datadir and port, `--read-only=1`. A former replica resumes
   * replicating from the source it had; a former primary needs {@link MysqlCluster.rejoin}.
   */
  async restart(name: string): Promise<void> {
    const node = this.#node(name)
    if (isNodeProcess(node)) throw new Error(`${name} is still running (pid ${node.pid})`)
    this.#admin.drop(name)
    await launchNode(this.#state.binaries, node, { readOnly: true, detached: this.#detached })
  }

  /**
   * Fails over by the recipe and returns the new primary's name. On the live replicas: `STOP SLAVE
   * IO_THREAD`, apply the relay log, compare GTID positions; the most advanced (or `name`, which
   * must not be behind another) gets `STOP SLAVE; RESET SLAVE ALL; read_only=OFF`, and the other
   * live replicas follow it with `MASTER_USE_GTID=slave_pos`. If the old primary is still up this is
   * a switchover: it turns read-only first, the replicas catch up, and it rejoins at the end.
   */
  async promote(name?: string): Promise<string> {
    const old = this.#node(this.#state.primary)
    const isLive = (n: MysqlNodeState): boolean => isNodeProcess(n) && !isProcessPaused(n.pid)
    const oldAlive = isLive(old)
    const candidates = this.#state.nodes.filter((n) => n !== old && isLive(n))
    if (name === old.name && oldAlive) return name
    if (name !== undefined && !candidates.includes(this.#node(name))) {
      throw new Error(`cannot promote ${name}: it is down, paused or already the old primary`)
    }
    if (candidates.length === 0)
      throw new Error(`cannot promote: no live replica besides ${old.name}`)
    if (oldAlive) {
      await this.setReadOnly(old.name, true)
      await this.waitForReplication()
    }
    const drained = await Promise.all(candidates.map((n) => drainRelayLog(this.#admin, n, WAIT_MS)))
    let chosen: PromotionCandidate
    try {
      chosen = choosePromotion(drained, name)
    } catch (error: unknown) {
      const fetching = drained.filter((c) => c.wasFetching)
      await Promise.all(fetching.map((c) => this.#admin.query(c.node, 'START SLAVE IO_THREAD')))
      throw error
    }
    const winner = chosen.node
    for (const sql of ['STOP SLAVE', 'RESET SLAVE ALL', 'SET GLOBAL read_only = OFF']) {
      await this.#admin.query(winner, sql)
    }
    this.#state.primary = winner.name
    const others = candidates.filter((n) => n !== winner)
    await Promise.all(others.map((n) => this.#follow(n, 'slave_pos')))
    if (oldAlive) await this.rejoin(old.name)
    return winner.name
  }

  /**
   * Brings a former primary (or any node) back as a replica of the current primary: restarts it if
   * down, sets `read_only`, `CHANGE MASTER … MASTER_USE_GTID=current_pos`, `START SLAVE`, and waits
   * until it has caught up. A node that diverged (it committed transactions the primary never got,
   * as a crashed primary may have: replication stops with error 1236 or 1950, or its
   * `gtid_binlog_state` is ahead of the primary's) is re-provisioned from a snapshot of the primary
   * (see `mysql-reprovision.ts`), and the result says so: its extra transactions are gone, as after a
   * MongoDB rollback.
   */
  async rejoin(name: string): Promise<MysqlRejoinResult> {
    const node = this.#node(name)
    const primary = this.#running(this.#state.primary)
    if (name === primary.name) {
      throw new Error(`${name} is the current primary; promote another node before rejoining it`)
    }
    let divergence: string | undefined
    try {
      if (isNodeProcess(node)) await this.setReadOnly(name, true)
      else await this.restart(name)
      await this.#follow(node, 'current_pos')
      await this.waitForReplication(name)
      divergence = await checkDiverged(this.#admin, node, primary)
    } catch (error: unknown) {
      divergence = divergenceOf(error)
      if (divergence === undefined) throw error
    }
    if (divergence === undefined) {
      const message = `${name} rejoined as a replica of ${primary.name}`
      return { node: name, primary: primary.name, reprovisioned: false, message }
    }
    const snapshotPosition = await reprovisionNode(node, {
      admin: this.#admin,
      binaries: this.#state.binaries,
      source: { primary, replPassword: this.#state.replPassword },
      launch: { detached: this.#detached },
      timeoutMS: WAIT_MS,
    })
    await this.waitForReplication(name)
    return {
      node: name,
      primary: primary.name,
      reprovisioned: true,
      divergence,
      snapshotPosition,
      message:
        `${name} diverged (${divergence}): re-provisioned from ${primary.name} ` +
        `at ${snapshotPosition}`,
    }
  }

  /**
   * Waits until the named replica (default: every live replica) has applied everything in the
   * primary's binlog. Throws on a replication error or after `timeoutMS` (default 30 s).
   */
  async waitForReplication(name?: string, timeoutMS = WAIT_MS): Promise<void> {
    const primary = this.#running(this.#state.primary)
    const isLiveReplica = (n: MysqlNodeState): boolean =>
      n !== primary && isNodeProcess(n) && !isProcessPaused(n.pid)
    const replicas =
      name === undefined ? this.#state.nodes.filter(isLiveReplica) : [this.#running(name)]
    await waitCaughtUp(this.#admin, primary, replicas, timeoutMS)
  }

  /** Closes the admin connections and leaves the servers running (the CLI's exit path). */
  disconnect(): void {
    this.#admin.closeAll()
  }

  /**
   * Stops every server this cluster started (SIGTERM, then SIGKILL after 5 s), closes the admin
   * connections and removes the work directory.
   */
  async stop(): Promise<void> {
    this.#admin.closeAll()
    const running = this.#state.nodes.filter(isNodeProcess)
    await Promise.all(
      running.map(async (node) => {
        signalProcess(node.pid, 'SIGTERM')
        // A stopped process only acts on SIGTERM once continued.
        signalProcess(node.pid, 'SIGCONT')
        if (await waitForExit(node.pid, STOP_GRACE_MS)) return
        signalProcess(node.pid, 'SIGKILL')
        if (!(await waitForExit(node.pid, 5_000))) {
          throw new Error(`${node.name} (pid ${node.pid}) survived SIGKILL`)
        }
      }),
    )
    await rm(this.#state.baseDir, { recursive: true, force: true })
  }

  #node(name: string): MysqlNodeState {
    const node = this.#state.nodes.find((n) => n.name === name)
    if (node !== undefined) return node
    const known = this.#state.nodes.map((n) => n.name).join(', ')
    throw new Error(`unknown node '${name}' (nodes: ${known})`)
  }

  #running(name: string): MysqlNodeState {
    const node = this.#node(name)
    if (!isNodeProcess(node)) throw new Error(`${name} is down (pid ${node.pid} is not running)`)
    return node
  }

  /** Creates the users on the primary (they replicate) and starts replication everywhere else. */
  async #bootstrap(): Promise<void> {
    const primary = this.#node(this.#state.primary)
    await createClusterUsers(this.#admin, primary, this.#state)
    const accounts = this.#state.tlsAccounts
    if (accounts !== undefined) {
      await createTlsAccounts(this.#admin, primary, this.#state.database, accounts)
    }
    const replicas = this.#state.nodes.filter((n) => n !== primary)
    await Promise.all(replicas.map((n) => this.#follow(n, 'slave_pos')))
    await this.waitForReplication()
  }

  /** Points `node` at the current primary and waits until both replication threads run. */
  async #follow(node: MysqlNodeState, useGtid: 'slave_pos' | 'current_pos'): Promise<void> {
    const source = {
      primary: this.#node(this.#state.primary),
      replPassword: this.#state.replPassword,
    }
    await followPrimary(this.#admin, node, source, useGtid, WAIT_MS)
  }
}

/** Random passwords for the TLS accounts (user names fixed: tests read them from the cluster). */
function newTlsAccounts(): MysqlTlsAccounts {
  const password = (): string => randomBytes(12).toString('hex')
  return {
    requireSsl: { user: 'app_ssl', password: password() },
    requireX509: { user: 'app_x509', password: password() },
    nativePassword: { user: 'app_native', password: password() },
    ed25519: { user: 'app_ed25519', password: password() },
  }
}

/**
 * Starts a MariaDB 10.11 GTID replication cluster on free loopback ports (node1 primary, the rest
 * replicas) and returns once every replica replicates and has the users. Installs MariaDB first
 * when missing and running as root. Call `stop()` when done.
 */
export function startMysqlCluster(options: StartMysqlClusterOptions = {}): Promise<MysqlCluster> {
  return MysqlCluster.start(options)
}
