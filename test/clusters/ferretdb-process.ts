/**
 * One FerretDB process of the harness: its directory layout, its command line, spawning it, and
 * the readiness probe (the official `mongodb` driver must see it as `RSPrimary` of `rs0`).
 * {@link FerretdbServer} composes these.
 *
 * @see ../../../shared/recipes/ferretdb.md
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MongoClient, type MongoClientOptions } from 'mongodb'
import {
  findProcessesByComm,
  isProcessAlive,
  processArgv,
  tailFile,
  waitUntil,
} from './process-utils.js'

/** The replica set name FerretDB reports in `hello`. */
export const FERRETDB_REPL_SET = 'rs0'

/** Startup bound for one FerretDB process, in milliseconds (it is usually ready in well under 1 s). */
export const FERRETDB_START_TIMEOUT_MS = 30_000

const SETPRIV = '/usr/bin/setpriv'

/** The repository root (this file lives in `<repo>/test/clusters/`). @internal */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * TLS on the server's port, the only listener then (no plain one). FerretDB 1.24 reports the plain
 * listen address in hello's `hosts` ("does not work for TLS-only setups", FerretDB issue 3936): an
 * empty one makes the driver throw in replica-set mode, so a TLS server runs without a replica set
 * name and the driver sees it as `Standalone`.
 */
export interface FerretdbTlsState {
  /** Server certificate (PEM), e.g. `serverCert('127.0.0.1')` of `ensureTlsFiles()`. */
  readonly certFile: string
  readonly keyFile: string
  /** With a CA file FerretDB requires a client certificate signed by it (`RequireAndVerifyClientCert`). */
  readonly clientCaFile?: string
  /** The certificate and key the readiness probe presents when `clientCaFile` is set. */
  readonly probeCertificateKeyFile?: string
}

/** A user made at startup (`--setup-*`), with FerretDB's experimental SCRAM authentication on. */
export interface FerretdbAuthState {
  readonly username: string
  /** Passed in the environment (`FERRETDB_SETUP_PASSWORD`), not on the command line. */
  readonly password: string
  /** The user's database (`authSource`). Default `admin`. */
  readonly database?: string
}

/** Persistent description of the server: everything needed to find, signal or restart it. */
export interface FerretdbProcessState {
  /** Always `f1`: FerretDB has no replication, so the set has one member. */
  readonly name: string
  readonly host: string
  readonly port: number
  /** Pid of the running (or last started) `ferretdb`; 0 before the first start. */
  pid: number
  /** The server's folder: `data/` (SQLite files), `state/`, `ferretdb.log`. */
  readonly dir: string
  /** The binary that was started. */
  readonly binary: string
  /** TLS only on `port` (the server is then `Standalone`, see {@link FerretdbTlsState}). */
  readonly tls?: FerretdbTlsState
  /** SCRAM authentication on, with this user. */
  readonly auth?: FerretdbAuthState
}

/**
 * The server's URI without credentials or TLS options: `mongodb://host:port/?replicaSet=rs0`, or
 * `mongodb://host:port/` for a TLS server (a standalone).
 */
export function ferretdbUri(node: Pick<FerretdbProcessState, 'host' | 'port' | 'tls'>): string {
  const base = `mongodb://${node.host}:${node.port}/`
  return node.tls === undefined ? `${base}?replicaSet=${FERRETDB_REPL_SET}` : base
}

/** The server type the driver sees when the server is ready: `RSPrimary`, or `Standalone` with TLS. */
export function ferretdbServerType(node: Pick<FerretdbProcessState, 'tls'>): string {
  return node.tls === undefined ? 'RSPrimary' : 'Standalone'
}

/** The driver options the harness's own probes use: TLS without verification (readiness only). */
export function ferretdbProbeOptions(
  node: Pick<FerretdbProcessState, 'tls'>,
): Pick<MongoClientOptions, 'tls' | 'tlsAllowInvalidCertificates' | 'tlsCertificateKeyFile'> {
  if (node.tls === undefined) return {}
  const cert = node.tls.probeCertificateKeyFile
  return {
    tls: true,
    tlsAllowInvalidCertificates: true,
    ...(node.tls.clientCaFile !== undefined && cert !== undefined
      ? { tlsCertificateKeyFile: cert }
      : {}),
  }
}

/** The folder FerretDB keeps its SQLite databases in (one file per database). */
export function ferretdbDataDir(node: Pick<FerretdbProcessState, 'dir'>): string {
  return join(node.dir, 'data')
}

/**
 * The recipe's command line, plus no debug HTTP listener and a private state folder; with TLS the
 * TLS listener alone (`--listen-addr=` empty) and no replica set name; with auth FerretDB's
 * experimental authentication (SCRAM-SHA-256 and SCRAM-SHA-1, users in `admin.system.users`) and
 * the user made at startup (its password goes in the environment: {@link ferretdbEnv}).
 */
export function ferretdbArgs(node: FerretdbProcessState): string[] {
  const listen =
    node.tls === undefined
      ? [`--listen-addr=${node.host}:${node.port}`, `--repl-set-name=${FERRETDB_REPL_SET}`]
      : [
          '--listen-addr=',
          `--listen-tls=${node.host}:${node.port}`,
          `--listen-tls-cert-file=${node.tls.certFile}`,
          `--listen-tls-key-file=${node.tls.keyFile}`,
          ...(node.tls.clientCaFile === undefined
            ? []
            : [`--listen-tls-ca-file=${node.tls.clientCaFile}`]),
        ]
  const auth =
    node.auth === undefined
      ? []
      : [
          '--test-enable-new-auth',
          `--setup-database=${node.auth.database ?? 'admin'}`,
          `--setup-username=${node.auth.username}`,
        ]
  return [
    '--handler=sqlite',
    // The SQLite URL names a folder and must end with '/'.
    `--sqlite-url=file:${ferretdbDataDir(node)}/`,
    ...listen,
    ...auth,
    '--telemetry=disable',
    '--log-level=warn',
    // The defaults would bind 127.0.0.1:8088 (two servers collide) and write state.json into the cwd.
    '--debug-addr=-',
    `--state-dir=${join(node.dir, 'state')}`,
  ]
}

/** The server's environment: ours, plus the setup user's password when auth is on. */
export function ferretdbEnv(node: FerretdbProcessState): NodeJS.ProcessEnv {
  return node.auth === undefined
    ? process.env
    : { ...process.env, FERRETDB_SETUP_PASSWORD: node.auth.password }
}

/** The tail of the server's log, for timeout and failure messages. */
export async function describeFerretdbLog(node: FerretdbProcessState): Promise<string> {
  const log = await tailFile(join(node.dir, 'ferretdb.log'), 20)
  return `--- ${node.name} ferretdb.log (${node.dir}) ---\n${log}`
}

/**
 * Whether `node.pid` is alive and is our `ferretdb` for `node.dir` (so a recycled pid is never
 * signalled). Without `/proc` only liveness is checked.
 */
export function isFerretdbProcess(node: FerretdbProcessState): boolean {
  if (!isProcessAlive(node.pid)) return false
  const argv = processArgv(node.pid)
  return argv === undefined || argv.includes(`--sqlite-url=file:${ferretdbDataDir(node)}/`)
}

/** Resolves `promise`, or `undefined` once `timeoutMS` has passed (the promise is left to settle). */
async function within<T>(promise: Promise<T>, timeoutMS: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      resolve(undefined)
    }, timeoutMS)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The server type the `mongodb` driver gives `uri` (`RSPrimary`, `Unknown`…) after connecting in
 * replica-set mode (a TLS server: `Standalone`), or `undefined` when it cannot connect within
 * `boundMS`. `options` adds TLS for a TLS server.
 */
export async function probeServerType(
  uri: string,
  boundMS: number,
  options: MongoClientOptions = {},
): Promise<string | undefined> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: boundMS,
    connectTimeoutMS: boundMS,
    socketTimeoutMS: boundMS,
    ...options,
  })
  let type: string | undefined
  client.on('serverDescriptionChanged', (event) => {
    const d = event.newDescription
    if (d.setName === FERRETDB_REPL_SET || d.type === 'Standalone') type = d.type
  })
  try {
    await client.connect()
    return type
  } catch {
    return undefined
  } finally {
    // Closing only drops sockets (no session was used), but never let a frozen server hold us.
    await within(
      client.close().catch(() => undefined),
      boundMS,
    )
  }
}

/** Pids of servers that die when this process exits (attached, i.e. not the CLI's). */
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

/**
 * Starts `ferretdb` for `node`, waits until the driver sees it as `RSPrimary` of `rs0` (a TLS
 * server: `Standalone`), sets
 * `node.pid` and returns it. With `detached: false` the server dies with this process (`setpriv
 * --pdeathsig KILL` where available, plus an exit handler). Throws with the log tail if the server
 * exits or is not ready in time.
 */
export async function launchFerretdb(
  node: FerretdbProcessState,
  options: { readonly detached: boolean },
): Promise<number> {
  await mkdir(ferretdbDataDir(node), { recursive: true })
  await mkdir(join(node.dir, 'state'), { recursive: true })
  const args = ferretdbArgs(node)
  const usePdeathsig = !options.detached && process.platform === 'linux' && existsSync(SETPRIV)
  const [command, argv] = usePdeathsig
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', node.binary, ...args]]
    : [node.binary, args]
  const output = openSync(join(node.dir, 'ferretdb.log'), 'a')
  const child = spawn(command, argv, {
    cwd: node.dir,
    env: ferretdbEnv(node),
    detached: options.detached,
    stdio: ['ignore', output, output],
  })
  closeSync(output)
  const pid = child.pid
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve))
    throw new Error(`${node.name}: cannot spawn ${node.binary}: ${error.message}`)
  }
  if (!options.detached) {
    ATTACHED.add(pid)
    child.once('exit', () => ATTACHED.delete(pid))
    if (!exitHandlerInstalled) process.on('exit', killAttachedOnExit)
    exitHandlerInstalled = true
  }
  child.unref()
  node.pid = pid
  const uri = ferretdbUri(node)
  await waitUntil(
    async () => {
      if (!isProcessAlive(pid)) {
        throw new Error(
          `${node.name} (pid ${pid}) exited during startup\n${await describeFerretdbLog(node)}`,
        )
      }
      const type = await probeServerType(uri, 1_000, ferretdbProbeOptions(node))
      return type === ferretdbServerType(node) ? true : undefined
    },
    {
      what: `${node.name} (pid ${pid}, ${uri}) to be seen as ${ferretdbServerType(node)}`,
      timeoutMS: FERRETDB_START_TIMEOUT_MS,
      intervalMS: 100,
      diagnose: () => describeFerretdbLog(node),
    },
  )
  return pid
}

/** Records this process as the owner of a work directory, for {@link sweepStaleFerretdbDirs}. */
export async function claimFerretdbDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'owner.pid'), String(process.pid))
}

/**
 * Removes `<repo>/.cluster/ferretdb-<hex>` work directories whose owner process died without
 * `stop()` and in which no `ferretdb` still runs.
 */
export async function sweepStaleFerretdbDirs(): Promise<void> {
  const root = join(REPO_ROOT, '.cluster')
  const entries = await readdir(root).catch(() => [])
  const servers = findProcessesByComm('ferretdb').map((pid) => processArgv(pid) ?? [])
  for (const entry of entries.filter((e) => /^ferretdb-[0-9a-f]{8}$/.test(e))) {
    const dir = join(root, entry)
    const owner = Number(await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => '0'))
    if (owner === 0 || isProcessAlive(owner)) continue
    if (servers.some((argv) => argv.some((a) => a.startsWith(`--sqlite-url=file:${dir}/`))))
      continue
    await rm(dir, { recursive: true, force: true })
  }
}
