/**
 * Builds FerretDB v1.24.2 from the Go module proxy into a per-machine cache outside the tracked
 * tree, once, and returns the binary's path. `go install` gives a binary that panics at start (its
 * `build/version/version.txt` is empty in the module), so this follows the verified route: `go mod
 * download -json`, copy the module to a writable folder, write the version file, `go build`.
 *
 * @see ../../../shared/recipes/ferretdb.md
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import {
  appendFile,
  mkdir,
  open,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { isProcessAlive, runCommand, sleep } from './process-utils.js'

const execFileAsync = promisify(execFile)

/** The FerretDB release the harness builds and runs. */
export const FERRETDB_VERSION = 'v1.24.2'

const MODULE = 'github.com/FerretDB/FerretDB'
/** Upper bound for one build step; a cold build here took about 3.5 minutes on two cores. */
const BUILD_STEP_TIMEOUT_MS = 15 * 60_000
/** How long a second process waits for another's build before giving up. */
const LOCK_WAIT_MS = 20 * 60_000
const GO_DIRS = ['/usr/local/go/bin', join(homedir(), 'go', 'bin'), '/usr/lib/go/bin']

/**
 * The folder that holds the built binary: `REPLICAKIT_FERRETDB_CACHE` if set, else
 * `$XDG_CACHE_HOME/replicakit/ferretdb-v1.24.2` (default `~/.cache/…`).
 */
export function ferretdbCacheDir(): string {
  const override = process.env['REPLICAKIT_FERRETDB_CACHE']
  if (override !== undefined && override !== '') return override
  const xdg = process.env['XDG_CACHE_HOME']
  const base = xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache')
  return join(base, 'replicakit', `ferretdb-${FERRETDB_VERSION}`)
}

function progress(message: string): void {
  process.stderr.write(`[ferretdb] ${message}\n`)
}

/** `go` on PATH or in the usual install folders. */
function findGo(): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...GO_DIRS]
  for (const dir of dirs) {
    const candidate = join(dir, 'go')
    if (existsSync(candidate)) return candidate
  }
  throw new Error(
    `the FerretDB harness needs Go (>= 1.24) to build ${MODULE}@${FERRETDB_VERSION}; ` +
      `looked on PATH and in ${GO_DIRS.join(', ')}. Install Go, or set REPLICAKIT_FERRETDB_URI ` +
      'to a MongoDB-wire server you run yourself.',
  )
}

/**
 * Environment for the Go commands: the default GOPATH/GOMODCACHE/GOCACHE (fine as root in CI), the
 * module proxy, `-mod=mod` (the copied module has no vendor folder and must not be treated as a
 * workspace member) and no VCS stamping (the copy is not a repository). Pure Go: CGO off, so no C
 * compiler is needed (FerretDB's SQLite is `modernc.org/sqlite`).
 */
function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOFLAGS: '-mod=mod -buildvcs=false',
    GOWORK: 'off',
    CGO_ENABLED: '0',
  }
}

/**
 * Runs `go args…` in `cwd` and returns its stdout. Its stderr (download and compile messages) is
 * appended to `logPath`; a failure throws with the tail of it.
 */
async function runGo(
  go: string,
  args: readonly string[],
  cwd: string,
  logPath: string,
): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(go, args, {
      cwd,
      env: goEnv(),
      timeout: BUILD_STEP_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    })
    await appendFile(logPath, stderr)
    return stdout
  } catch (error: unknown) {
    const stderr = (error as { stderr?: string }).stderr ?? ''
    await appendFile(logPath, stderr)
    const tail = stderr.trimEnd().split('\n').slice(-20).join('\n')
    throw new Error(`go ${args.join(' ')} failed in ${cwd} (log: ${logPath})\n${tail}`, {
      cause: error,
    })
  }
}

async function build(cacheDir: string, binary: string): Promise<void> {
  const go = findGo()
  const logPath = join(cacheDir, 'build.log')
  await writeFile(logPath, '')
  const startedAt = performance.now()
  progress(`building FerretDB ${FERRETDB_VERSION} into ${cacheDir} (a few minutes when cold)`)
  progress(`go mod download ${MODULE}@${FERRETDB_VERSION}`)
  const info = JSON.parse(
    await runGo(
      go,
      ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`],
      cacheDir,
      logPath,
    ),
  ) as { Dir?: string; Error?: string }
  if (info.Dir === undefined) throw new Error(`go mod download gave no Dir: ${info.Error ?? ''}`)
  const source = join(cacheDir, `src-${process.pid}`)
  await rm(source, { recursive: true, force: true })
  try {
    // The module cache is read-only: copy it, make the copy writable, stamp the version.
    await runCommand('cp', ['-R', info.Dir, source], { logPath, timeoutMS: 60_000 })
    await runCommand('chmod', ['-R', 'u+w', source], { logPath, timeoutMS: 60_000 })
    await writeFile(join(source, 'build', 'version', 'version.txt'), FERRETDB_VERSION)
    progress('go build ./cmd/ferretdb (downloads its dependencies when the module cache is cold)')
    const scratch = `${binary}.tmp-${process.pid}`
    await runGo(go, ['build', '-o', scratch, './cmd/ferretdb'], source, logPath)
    await rename(scratch, binary)
  } finally {
    await rm(source, { recursive: true, force: true })
  }
  progress(`built ${binary} in ${Math.round((performance.now() - startedAt) / 1000)} s`)
}

/** Takes `<cacheDir>/build.lock` (pid inside), breaking a lock whose owner died. */
async function acquireLock(lock: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS
  let reported = false
  for (;;) {
    try {
      const handle = await open(lock, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = Number(await readFile(lock, 'utf8').catch(() => ''))
    const ageMS = await stat(lock).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    )
    // Stale: its owner died, or it stayed empty (the owner crashed between create and write).
    if ((owner > 0 && !isProcessAlive(owner)) || (!(owner > 0) && ageMS > 30_000)) {
      await unlink(lock).catch(() => undefined)
      continue
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${lock} (FerretDB build by pid ${owner || '?'})`)
    }
    if (!reported) progress(`waiting for pid ${owner || '?'} to finish building FerretDB`)
    reported = true
    await sleep(1_000)
  }
}

/**
 * Returns the path of a FerretDB v1.24.2 binary, building it first if the cache has none. Safe
 * when several processes call it at once: one builds under a lock file, the others wait, and the
 * binary appears by an atomic rename. Progress goes to stderr; a failed build throws with the tail
 * of `<cache>/build.log`.
 */
export async function ensureFerretdb(): Promise<string> {
  const cacheDir = ferretdbCacheDir()
  const binary = join(cacheDir, 'ferretdb')
  if (existsSync(binary)) return binary
  await mkdir(cacheDir, { recursive: true })
  const lock = join(cacheDir, 'build.lock')
  await acquireLock(lock)
  try {
    // Another process may have built it while we waited for the lock.
    if (!existsSync(binary)) await build(cacheDir, binary)
  } finally {
    await unlink(lock).catch(() => undefined)
  }
  return binary
}
