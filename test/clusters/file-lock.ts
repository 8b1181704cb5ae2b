/**
 * A cross-process lock on a directory name: `mkdir` is atomic, so whoever creates the directory
 * holds the lock. The holder's pid is written inside, and a lock whose holder died is taken over,
 * so a crashed test run never blocks the next one. Reentrant within one async call chain.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { isProcessAlive, sleep } from './process-utils.js'

/** Options for {@link withFileLock}. */
export interface FileLockOptions {
  /** What the lock guards, for the timeout message (`the Cassandra jar cache`). */
  readonly what: string
  /** Upper bound on waiting for another holder, in milliseconds. */
  readonly timeoutMS: number
}

/** A lock directory without an owner file older than this is a crash between mkdir and write. */
const ORPHAN_GRACE_MS = 5_000
const POLL_MS = 200

/** The lock paths the current async call chain holds (so nested calls do not wait on themselves). */
const HELD = new AsyncLocalStorage<ReadonlySet<string>>()

/**
 * Runs `fn` while holding the lock directory `lockPath` (created with its parents), waiting up to
 * `timeoutMS` for a live holder (another process, or another call chain of this one) to let go.
 * A nested call from inside `fn` on the same path runs at once.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: FileLockOptions,
): Promise<T> {
  const held = HELD.getStore() ?? new Set<string>()
  if (held.has(lockPath)) return fn()
  await mkdir(dirname(lockPath), { recursive: true })
  const deadline = Date.now() + options.timeoutMS
  for (;;) {
    if (await tryAcquire(lockPath)) break
    if (Date.now() > deadline) {
      const owner = await readOwner(lockPath)
      throw new Error(
        `timed out after ${options.timeoutMS} ms waiting for the lock on ${options.what} ` +
          `(${lockPath}, held by pid ${owner ?? 'unknown'})`,
      )
    }
    await sleep(POLL_MS)
  }
  try {
    return await HELD.run(new Set([...held, lockPath]), fn)
  } finally {
    await rm(lockPath, { recursive: true, force: true })
  }
}

async function tryAcquire(lockPath: string): Promise<boolean> {
  try {
    await mkdir(lockPath)
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    if (await isStale(lockPath)) await rm(lockPath, { recursive: true, force: true })
    return false
  }
  await writeFile(join(lockPath, 'owner.pid'), String(process.pid))
  return true
}

async function readOwner(lockPath: string): Promise<number | undefined> {
  const text = await readFile(join(lockPath, 'owner.pid'), 'utf8').catch(() => undefined)
  const pid = Number(text)
  return text === undefined || !Number.isInteger(pid) || pid <= 0 ? undefined : pid
}

async function isStale(lockPath: string): Promise<boolean> {
  const owner = await readOwner(lockPath)
  if (owner !== undefined) return !isProcessAlive(owner)
  const info = await stat(lockPath).catch(() => undefined)
  return info !== undefined && Date.now() - info.mtimeMs > ORPHAN_GRACE_MS
}
