/**
 * Back-to-back failovers on a real MariaDB cluster (issue #7, item 9): the current primary is
 * killed with SIGKILL or frozen with SIGSTOP, alternately, ten times in a row, while one ReplicaKit
 * client keeps inserting non-idempotent rows with `w: 'majority'`. After each fault the harness
 * promotes the most advanced replica, fences a frozen primary when it resumes, and rejoins the old
 * primary, re-provisioning it from a snapshot when it diverged. Invariants, not timings, are
 * asserted: nothing acknowledged is lost or doubled, and a write refused as split brain says it
 * wrote nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, isReplicaKitError } from 'replicakit'
import type { ReplicaKitClient, ReplicaKitError } from 'replicakit'
import { connect } from 'replicakit/mysql'
import type { MysqlConnection } from 'replicakit/mysql'
import { startMysqlCluster } from '../clusters/mysql-cluster.js'
import type { MysqlCluster, MysqlRejoinResult } from '../clusters/mysql-cluster.js'
import { sleep } from '../clusters/process-utils.js'

/** Failovers in one run, alternating kill -9 and SIGSTOP. */
const FAILOVERS = 10
/** Concurrent insert streams through the one client. */
const STREAMS = 3
/** Acknowledged writes the stream must make on each primary before it is failed. */
const ACKS_PER_PRIMARY = 5
/** Bound for the stream to make progress on a new primary, in ms. */
const PROGRESS_TIMEOUT_MS = 30_000

/** What the write stream saw, by the key `k` of each insert (unique per attempt). */
interface Ledger {
  readonly acknowledged: number[]
  /** Failed without `NoWritesPerformed`: the row may exist, at most once. */
  readonly unknown: number[]
  /** Failed with `NoWritesPerformed`: the row must not exist. */
  readonly notWritten: number[]
  /** Writes refused because two nodes were writable at once. */
  readonly splitBrain: ReplicaKitError[]
  /** Failures by error code. */
  readonly errors: Map<string, number>
}

/** One failover of the run. */
interface FailoverRecord {
  readonly fault: 'kill -9' | 'SIGSTOP'
  readonly from: string
  readonly to: string
  readonly fenced: boolean
  readonly rejoin: MysqlRejoinResult
  /** Fault → old primary back as a replica, in ms. */
  readonly totalMS: number
}

function isSplitBrain(error: ReplicaKitError): boolean {
  const cause = error.cause
  return (
    error.code === ErrorCode.SplitBrain ||
    (isReplicaKitError(cause) && cause.code === ErrorCode.SplitBrain)
  )
}

/**
 * Inserts `k = stream, stream + STREAMS, …` one after the other until `signal` aborts, recording
 * each outcome.
 */
async function writeStream(
  db: ReplicaKitClient<MysqlConnection>,
  ledger: Ledger,
  stream: number,
  signal: AbortSignal,
): Promise<void> {
  for (let k = stream; !signal.aborted; k += STREAMS) {
    try {
      await db.write((c) => c.query('INSERT INTO journal (k) VALUES (?)', [k]), {
        w: 'majority',
        wtimeoutMS: 2_000,
        timeoutMS: 5_000,
      })
      ledger.acknowledged.push(k)
    } catch (error: unknown) {
      if (!isReplicaKitError(error)) throw error
      ledger.errors.set(error.code, (ledger.errors.get(error.code) ?? 0) + 1)
      if (isSplitBrain(error)) ledger.splitBrain.push(error)
      if (error.labels.has('NoWritesPerformed')) ledger.notWritten.push(k)
      else ledger.unknown.push(k)
      // A failure that comes back at once (no primary yet) must not spin.
      await sleep(20)
    }
  }
}

/** Waits until the stream has `count` more acknowledged writes than now. */
async function waitForAcks(ledger: Ledger, count: number): Promise<void> {
  const target = ledger.acknowledged.length + count
  await expect
    .poll(() => ledger.acknowledged.length, { timeout: PROGRESS_TIMEOUT_MS, interval: 50 })
    .toBeGreaterThanOrEqual(target)
}

describe('back-to-back failovers (kill -9 and SIGSTOP of the primary, alternately)', () => {
  let cluster: MysqlCluster
  let db: ReplicaKitClient<MysqlConnection>

  beforeAll(async () => {
    cluster = await startMysqlCluster({ nodes: 3 })
    db = await connect(cluster.uri, { heartbeatFrequencyMS: 500, connectTimeoutMS: 1_000 })
    await db.write((c) =>
      c.query('CREATE TABLE journal (seq INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL)'),
    )
    await cluster.waitForReplication()
  })

  afterAll(async () => {
    for (const node of await cluster.status()) {
      if (node.paused) await cluster.resume(node.name).catch(() => undefined)
    }
    await db.close()
    await cluster.stop()
  })

  it(`loses and doubles no acknowledged w:majority write across ${FAILOVERS} failovers`, async () => {
    const startedAt = performance.now()
    const ledger: Ledger = {
      acknowledged: [],
      unknown: [],
      notWritten: [],
      splitBrain: [],
      errors: new Map(),
    }
    let splitBrainEvents = 0
    db.on('splitBrainDetected', () => {
      splitBrainEvents += 1
    })
    const stop = new AbortController()
    const writers = Promise.all(
      Array.from({ length: STREAMS }, (_, stream) => writeStream(db, ledger, stream, stop.signal)),
    )
    const failovers: FailoverRecord[] = []
    try {
      for (let i = 0; i < FAILOVERS; i++) {
        await waitForAcks(ledger, ACKS_PER_PRIMARY)
        const from = cluster.primary
        const fault = i % 2 === 0 ? 'kill -9' : 'SIGSTOP'
        const faultAt = performance.now()
        if (fault === 'kill -9') await cluster.kill(from)
        else await cluster.pause(from)
        const to = await cluster.promote()
        // A frozen primary wakes up still writable: the harness fences it before anything else.
        const fenced = fault === 'SIGSTOP' && (await cluster.resume(from)).fenced
        const rejoin = await cluster.rejoin(from)
        const totalMS = Math.round(performance.now() - faultAt)
        failovers.push({ fault, from, to, fenced, rejoin, totalMS })
      }
      await waitForAcks(ledger, ACKS_PER_PRIMARY)
    } finally {
      stop.abort()
      await writers
    }

    // The client follows the last promotion, and every node holds the same rows.
    const primary = cluster.nodes.find((n) => n.name === cluster.primary)!
    expect(db.topology().primary).toBe(`${primary.host}:${primary.port}`)
    await cluster.waitForReplication()
    const sql = 'SELECT k, COUNT(*) AS n FROM appdb.journal GROUP BY k'
    const rows = await cluster.adminQuery(primary.name, sql)
    const counts = new Map(rows.map((r) => [Number(r['k']), Number(r['n'])]))
    for (const node of cluster.nodes) {
      const [sum] = await cluster.adminQuery(node.name, 'SELECT COUNT(*) AS n FROM appdb.journal')
      expect(Number(sum?.['n']), `${node.name} row count`).toBe(rows.length)
    }

    const lost = ledger.acknowledged.filter((k) => counts.get(k) !== 1)
    const doubled = [...counts].filter(([, n]) => n > 1)
    const writtenAnyway = ledger.notWritten.filter((k) => counts.has(k))
    const unknownApplied = ledger.unknown.filter((k) => counts.get(k) === 1).length
    const reprovisioned = failovers.filter((f) => f.rejoin.reprovisioned)
    const splitBrainLabels = new Set(
      ledger.splitBrain.map((e) => [...e.labels].join('+') || 'no label'),
    )
    console.log(
      `${failovers.length} failovers in ${Math.round(performance.now() - startedAt)} ms: ` +
        `${ledger.acknowledged.length} acknowledged, ${lost.length} lost, ${doubled.length} doubled; ` +
        `${ledger.unknown.length} unknown outcome (${unknownApplied} applied), ` +
        `${ledger.notWritten.length} NoWritesPerformed (${writtenAnyway.length} applied); ` +
        `${reprovisioned.length} re-provisioned; split brain: ${splitBrainEvents} detections, ` +
        `${ledger.splitBrain.length} refused writes [${[...splitBrainLabels].join(', ')}]; ` +
        `errors ${JSON.stringify(Object.fromEntries(ledger.errors))}`,
    )
    for (const f of failovers) {
      console.log(`  ${f.fault} ${f.from} → ${f.to} (${f.totalMS} ms): ${f.rejoin.message}`)
    }

    expect(failovers).toHaveLength(FAILOVERS)
    expect(failovers.filter((f) => f.fault === 'SIGSTOP').every((f) => f.fenced)).toBe(true)
    expect(lost).toEqual([])
    expect(doubled).toEqual([])
    expect(writtenAnyway).toEqual([])
    // Refusing a write as split brain sends nothing: the error must say so, so that callers may retry.
    const unlabelled = ledger.splitBrain.filter((e) => !e.labels.has('NoWritesPerformed'))
    expect(unlabelled.map((e) => `${e.code} [${[...e.labels].join(', ')}]`)).toEqual([])
  }, 200_000)

  it('refuses a write while two nodes are writable, saying nothing was written', async () => {
    const replica = cluster.nodes.find((n) => n.name !== cluster.primary)!
    await cluster.setReadOnly(replica.name, false)
    let error: unknown
    try {
      await expect
        .poll(() => db.topology().conflictingPrimaries.length, { timeout: 10_000 })
        .toBeGreaterThan(1)
      error = await db
        .write((c) => c.query('INSERT INTO journal (k) VALUES (-1)'), { timeoutMS: 3_000 })
        .then(
          () => undefined,
          (e: unknown) => e,
        )
    } finally {
      await cluster.setReadOnly(replica.name, true)
    }
    expect(isReplicaKitError(error)).toBe(true)
    if (!isReplicaKitError(error)) return
    console.log(
      `split-brain refusal: ${error.code} [${[...error.labels].join(', ')}] ${error.message}`,
    )
    expect(isSplitBrain(error)).toBe(true)
    expect(
      await cluster.adminQuery(cluster.primary, 'SELECT k FROM appdb.journal WHERE k = -1'),
    ).toEqual([])
    // The retry policy may run a refused write again only if the error proves nothing was written.
    expect(error.labels.has('NoWritesPerformed')).toBe(true)
  })
})
