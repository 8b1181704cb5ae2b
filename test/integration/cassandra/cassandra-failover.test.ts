/**
 * The Cassandra adapter through node failures on the real ring: dc1 nodes killed (w=majority with
 * one down; Unavailable with two; falling back to dc2 only when tags or dataCenterFailover allow
 * it), a paused coordinator (every call ends by its deadline; speculative execution answers from
 * another host), and a non-idempotent counter update never applied twice. Every fault is undone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'replicakit/cassandra'
import type { CassandraConnection } from 'replicakit/cassandra'
import { isReplicaKitError } from 'replicakit'
import type { DataCenterFailoverEvent, ReplicaKitClient } from 'replicakit'
import { useCassandraRing, type SharedCassandraRing } from '../../clusters/cassandra-fixture.js'
import type { CassandraRing } from '../../clusters/cassandra-ring.js'

const DC2 = '127.0.0.4:9042'
/** How long the ring may take to notice a node is gone (a bound, not a figure). */
const NOTICE_MS = 90_000

type Db = ReplicaKitClient<CassandraConnection>

function outcome(promise: Promise<unknown>): Promise<{ ok: true } | { ok: false; error: unknown }> {
  return promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  )
}

function codeOf(error: unknown): string | undefined {
  return isReplicaKitError(error) ? error.code : undefined
}

const insert = (db: Db, id: number, options?: Parameters<Db['write']>[1]) =>
  db.write(
    (c) => c.execute('INSERT INTO rk_failover (id, v) VALUES (?, ?)', [id, 'x'], { prepare: true }),
    options,
  )

describe('the Cassandra adapter through node failures', () => {
  let shared: SharedCassandraRing
  let db: Db
  const opened: Db[] = []

  async function open(query: string): Promise<Db> {
    const client = await connect(`${shared.uri}&${query}`)
    opened.push(client)
    return client
  }

  function controlled(skip: (note: string) => never): CassandraRing {
    return shared.ring ?? skip(shared.noControlReason ?? 'no process control')
  }

  beforeAll(async () => {
    shared = await useCassandraRing()
    db = await open('w=majority&timeoutMS=5000')
    await db.write((c) =>
      c.execute('CREATE TABLE IF NOT EXISTS rk_failover (id int PRIMARY KEY, v text)'),
    )
    await db.write((c) =>
      c.execute('CREATE TABLE IF NOT EXISTS rk_counter (id int PRIMARY KEY, n counter)'),
    )
  })

  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()))
    await shared.ring?.ensureAllUp()
  })

  it('keeps w=majority with one dc1 node killed; with two, fails Unavailable or falls back where allowed', async ({
    skip,
  }) => {
    const ring = controlled(skip)
    const failover = await open('w=majority&timeoutMS=5000&dataCenterFailover=dc2')
    const serial = await open('readConcernLevel=linearizable&readPreference=nearest&timeoutMS=5000')
    const events: DataCenterFailoverEvent[] = []
    failover.on('dataCenterFailover', (e) => events.push(e))
    serial.on('dataCenterFailover', (e) => events.push(e))
    try {
      await ring.kill('node3')
      await insert(db, 1) // two of dc1's three replicas make a LOCAL_QUORUM

      await ring.kill('node2')
      // Until node1 marks node2 down it answers with a timeout (a different, correct outcome).
      await expect
        .poll(
          async () => {
            const o = await outcome(insert(db, 2))
            return o.ok ? 'written' : codeOf(o.error)
          },
          {
            timeout: NOTICE_MS,
            interval: 1_000,
          },
        )
        .toBe('REPLICAS_UNAVAILABLE')
      const refused = await outcome(insert(db, 3))
      expect(refused.ok).toBe(false)
      if (!refused.ok) {
        expect(codeOf(refused.error)).toBe('REPLICAS_UNAVAILABLE')
        expect(
          isReplicaKitError(refused.error) && refused.error.hasLabel('NoWritesPerformed'),
        ).toBe(true)
        expect((refused.error as Error).message).toMatch(/dataCenterFailover/)
      }

      // Writes and primary reads go to dc2 when dataCenterFailover names it.
      await insert(failover, 4)
      const rs = await failover.read((c) =>
        c.execute('SELECT v FROM rk_failover WHERE id = ?', [4], { prepare: true }),
      )
      expect(rs.info.queriedHost).toBe(DC2)
      expect(events.map((e) => [e.kind, e.from, e.to])).toEqual([
        ['write', 'dc1', 'dc2'],
        ['read', 'dc1', 'dc2'],
      ])

      // A serial (linearizable) read cannot get a dc1 quorum: a tag set {} lets it go to dc2 ...
      const tagged = await serial.read(
        (c) => c.execute('SELECT v FROM rk_failover WHERE id = ?', [4], { prepare: true }),
        { readPreferenceTags: [{ dc: 'dc1' }, {}] },
      )
      expect(tagged.info.queriedHost).toBe(DC2)
      expect(events.at(-1)).toMatchObject({
        kind: 'read',
        from: 'dc1',
        to: 'dc2',
        level: 'LOCAL_SERIAL',
      })
      // ... and without tags it stays in dc1 and fails clearly.
      const untagged = await outcome(
        serial.read((c) =>
          c.execute('SELECT v FROM rk_failover WHERE id = ?', [4], { prepare: true }),
        ),
      )
      expect(untagged.ok).toBe(false)
      if (!untagged.ok) expect(codeOf(untagged.error)).toBe('REPLICAS_UNAVAILABLE')
      expect(events).toHaveLength(3)
    } finally {
      await ring.restart('node2')
      await ring.restart('node3')
    }
  }, 300_000)

  it('ends every call within its deadline while a coordinator is paused, and speculative execution answers from another host', async ({
    skip,
  }) => {
    const ring = controlled(skip)
    const plain = await open('readPreference=nearest&timeoutMS=2000&maxRetries=0')
    const speculative = await open(
      'readPreference=nearest&timeoutMS=10000&speculativeExecutionMS=200',
    )
    await insert(db, 10)
    const read = (client: Db) =>
      client.read((c) =>
        c.execute('SELECT v FROM rk_failover WHERE id = ?', [10], { prepare: true }),
      )
    // Prepared before the pause: the driver prepares a statement on one host, without speculation.
    await Promise.all([read(plain), read(speculative)])
    await ring.pause('node2')
    try {
      // Without speculative execution a read whose coordinator is node2 ends with a timeout.
      const plainOutcomes = await Promise.all(Array.from({ length: 8 }, () => outcome(read(plain))))
      for (const o of plainOutcomes) {
        if (!o.ok) expect(['OPERATION_TIMEOUT', 'SOCKET_TIMEOUT']).toContain(codeOf(o.error))
      }
      // With it, another replica answers every idempotent read.
      const answers = await Promise.all(Array.from({ length: 12 }, () => read(speculative)))
      for (const rs of answers) expect(rs.info.queriedHost).not.toBe('127.0.0.2:9042')
      expect(answers.some((rs) => rs.info.speculativeExecutions > 0)).toBe(true)
    } finally {
      await ring.resume('node2')
    }
  }, 120_000)

  it('never applies a non-idempotent counter update twice', async ({ skip }) => {
    const ring = controlled(skip)
    const counter = await open('w=1&timeoutMS=2000&maxRetries=3&baseBackoffMS=10')
    const retried: string[] = []
    counter.on('retry', (e) => retried.push(codeOf(e.error) ?? '?'))
    await counter.write((c) => c.execute('DELETE FROM rk_counter WHERE id = 1'))
    await ring.pause('node3')
    const outcomes: Awaited<ReturnType<typeof outcome>>[] = []
    try {
      for (let i = 0; i < 8; i++) {
        outcomes.push(
          await outcome(
            counter.write((c) =>
              c.execute('UPDATE rk_counter SET n = n + 1 WHERE id = 1', [], { prepare: true }),
            ),
          ),
        )
      }
    } finally {
      await ring.resume('node3')
    }
    const applied = outcomes.filter((o) => o.ok).length
    const unknown = outcomes.filter(
      (o) => !o.ok && isReplicaKitError(o.error) && o.error.hasLabel('UnknownOutcome'),
    ).length
    for (const o of outcomes) {
      if (!o.ok) {
        expect(isReplicaKitError(o.error)).toBe(true)
        const e = o.error as { hasLabel(label: string): boolean }
        expect(e.hasLabel('UnknownOutcome') || e.hasLabel('NoWritesPerformed')).toBe(true)
      }
    }
    // Only errors that prove nothing was written were retried.
    expect(
      retried.every((code) => code === 'REPLICAS_UNAVAILABLE' || code === 'NETWORK_ERROR'),
    ).toBe(true)
    await expect
      .poll(
        async () => {
          const rs = await db.read((c) =>
            c.execute('SELECT n FROM rk_counter WHERE id = 1', [], {
              prepare: true,
              consistency: 5,
            }),
          )
          return Number(rs.rows[0]?.['n'] ?? 0)
        },
        { timeout: 30_000, interval: 500 },
      )
      .toSatisfy((n: number) => n >= applied && n <= applied + unknown)
  }, 120_000)
})
