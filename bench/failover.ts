/**
 * The failover window: with one writer looping, the primary is killed (`kill -9`), the harness
 * promotes the most advanced replica, and the window is the time from the kill to the end of the
 * first write that started after it and succeeded. Promotion is timed separately.
 */
import mysql from 'mysql2/promise'
import type { MysqlCluster } from '../test/clusters/mysql-cluster.js'
import { sleep } from '../test/clusters/process-utils.js'
import type { MysqlCredentials } from './mysql-modes.js'

/** How long after the kill a writer may keep failing before the run gives up, in ms. */
export const FAILOVER_GIVE_UP_MS = 60_000
/** Pause after a failed write before the next attempt, in ms (a client-side retry loop). */
export const RETRY_PAUSE_MS = 10

/** What one failover measured; times in ms from the moment SIGKILL was sent. */
export interface FailoverRun {
  readonly mode: string
  readonly killedNode: string
  readonly newPrimary: string
  /** SIGKILL → process gone. */
  readonly killMS: number
  /** SIGKILL → the new primary answers `@@read_only = 0` (polled every 20 ms). */
  readonly promotionMS: number | null
  /** SIGKILL → the harness's `promote()` returned (it also repoints the other replicas). */
  readonly promoteReturnedMS: number
  /** SIGKILL → the mode noticed the new primary (ReplicaKit `primaryChanged`, HAProxy UP). */
  readonly detectedMS: number | null
  /** SIGKILL → end of the first successful write started after it (`null`: none in time). */
  readonly windowMS: number | null
  /** Writes that failed between the kill and that success. */
  readonly failedWrites: number
  /** The last failure's message. */
  readonly lastError?: string
}

/** What a mode supplies to be measured. */
export interface FailoverSubject {
  readonly mode: string
  /** One insert on the primary, as the mode does it. */
  write(): Promise<void>
  /**
   * Records when the mode learns which node is primary, from the call (just before the kill) until
   * `signal` aborts; resolves then with every observation, in order.
   */
  watch?(signal: AbortSignal): Promise<PrimaryObservation[]>
}

/** The mode saw `primary` as the primary at `atMS` (`performance.now()`). */
export interface PrimaryObservation {
  readonly primary: string
  readonly atMS: number
}

/** Writes until `count` consecutive successes (the mode is warm and the cluster healthy). */
export async function warmUp(
  subject: FailoverSubject,
  count = 5,
  timeoutMS = 60_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMS
  let streak = 0
  let lastError: unknown
  while (streak < count) {
    if (performance.now() > deadline) {
      throw new Error(`${subject.mode}: no ${count} writes in a row within ${timeoutMS} ms`, {
        cause: lastError,
      })
    }
    try {
      await subject.write()
      streak += 1
    } catch (error: unknown) {
      lastError = error
      streak = 0
      await sleep(50)
    }
  }
}

/** Polls `@@read_only` on the candidates until one is writable; resolves with its time. */
async function watchWritable(
  candidates: readonly { host: string; port: number }[],
  credentials: MysqlCredentials,
  signal: AbortSignal,
): Promise<number | null> {
  const connections = await Promise.all(
    candidates.map((c) =>
      mysql.createConnection({ host: c.host, port: c.port, ...credentials, connectTimeout: 2_000 }),
    ),
  )
  try {
    while (!signal.aborted) {
      for (const conn of connections) {
        const row = await conn
          .query('SELECT @@global.read_only AS ro')
          .then(([rows]) => (rows as { ro: unknown }[])[0])
          .catch(() => undefined)
        if (row !== undefined && Number(row.ro) === 0) return performance.now()
      }
      await sleep(20)
    }
    return null
  } finally {
    await Promise.all(connections.map((c) => c.end().catch(() => undefined)))
  }
}

/**
 * Kills the current primary, promotes a replica through the harness, and measures how long the
 * subject's writes fail. Leaves the old primary down: call `cluster.rejoin` afterwards.
 */
export async function measureFailover(
  cluster: MysqlCluster,
  subject: FailoverSubject,
  credentials: MysqlCredentials,
): Promise<FailoverRun> {
  const killedNode = cluster.primary
  const candidates = cluster.nodes.filter((n) => n.name !== killedNode)
  const stop = new AbortController()
  let killAt = Number.POSITIVE_INFINITY
  let failedWrites = 0
  let lastError: string | undefined

  const writer = (async (): Promise<number | null> => {
    for (;;) {
      const startedAt = performance.now()
      if (startedAt - killAt > FAILOVER_GIVE_UP_MS || stop.signal.aborted) return null
      try {
        await subject.write()
        if (startedAt >= killAt) return performance.now()
      } catch (error: unknown) {
        if (startedAt >= killAt) {
          failedWrites += 1
          lastError = error instanceof Error ? error.message : String(error)
        }
        await sleep(RETRY_PAUSE_MS)
      }
    }
  })()

  const writable = watchWritable(candidates, credentials, stop.signal).catch(() => null)
  const watchStop = new AbortController()
  const observations = subject.watch?.(watchStop.signal).catch(() => []) ?? Promise.resolve([])
  try {
    // Let the writer run against the healthy primary for a moment first.
    await sleep(200)
    killAt = performance.now()
    await cluster.kill(killedNode)
    const killedAt = performance.now()
    const newPrimary = await cluster.promote()
    const promotedAt = performance.now()
    const firstWriteAt = await writer
    const writableAt = await Promise.race([writable, sleep(5_000).then(() => null)])
    // Detection normally precedes the first write; give a late watcher a moment.
    await sleep(firstWriteAt === null ? 0 : 500)
    watchStop.abort()
    const detectedAt =
      (await observations).find((o) => o.primary === newPrimary && o.atMS >= killAt)?.atMS ?? null
    const since = (t: number | null): number | null => (t === null ? null : Math.max(0, t - killAt))
    return {
      mode: subject.mode,
      killedNode,
      newPrimary,
      killMS: killedAt - killAt,
      promotionMS: since(writableAt),
      promoteReturnedMS: promotedAt - killAt,
      detectedMS: since(detectedAt),
      windowMS: since(firstWriteAt),
      failedWrites,
      ...(lastError !== undefined ? { lastError } : {}),
    }
  } finally {
    stop.abort()
    watchStop.abort()
    await Promise.allSettled([writer, writable, observations])
  }
}
