/**
 * The mysql2-compatible pool (`createPool` from `replicakit/mysql`) on a real MariaDB 10.11 GTID
 * replication cluster (three mariadbd processes on loopback). Nothing here is mocked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kysely, MysqlDialect, sql } from 'kysely'
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { createPool } from 'replicakit/mysql'
import type { MysqlPool } from 'replicakit/mysql'
import type { ClientOptions } from '../../../src/config/options.js'
import { ErrorCode } from '../../../src/errors/errors.js'
import type { ReplicaKitError } from '../../../src/errors/errors.js'
import { isMysqlPoolError } from '../../../adapters/mysql/pool/mysql-pool-error.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import type { MysqlCluster } from '../../clusters/mysql-cluster.js'

let cluster: MysqlCluster
const pools: MysqlPool[] = []

beforeAll(async () => {
  cluster = await startMysqlCluster({ nodes: 3 })
  const pool = open()
  await pool.query('CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(64), sid INT)')
  await pool.query('INSERT INTO items (id, v) VALUES (1, "seed")')
  await cluster.waitForReplication()
})

afterAll(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()))
  await cluster.stop()
})

/** A pool on the cluster; `query` is appended to the URI (e.g. `readPreference=secondary`). */
function open(query = '', options: ClientOptions = {}): MysqlPool {
  const pool = createPool(`${cluster.uri}${query === '' ? '' : `?${query}`}`, {
    heartbeatFrequencyMS: 500,
    ...options,
  })
  pools.push(pool)
  return pool
}

/** Waits until the pool's client knows the primary and both replicas. */
async function ready(pool: MysqlPool): Promise<MysqlPool> {
  await expect
    .poll(
      () =>
        pool.client
          .topology()
          .nodes.map((n) => n.state)
          .sort(),
      { timeout: 15_000 },
    )
    .toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY'])
  return pool
}

function addr(name: string): string {
  const n = cluster.nodes.find((x) => x.name === name)!
  return `${n.host}:${n.port}`
}

interface Queryable {
  query(sql: string, values?: unknown): Promise<[unknown, unknown]>
}

async function serverId(db: Queryable, text = 'SELECT @@server_id AS id'): Promise<number> {
  const [rows] = (await db.query(text)) as [RowDataPacket[], unknown]
  return Number(rows[0]!['id'])
}

async function serverIds(db: Queryable, text?: string, times = 12): Promise<number[]> {
  const ids = new Set<number>()
  for (let i = 0; i < times; i++) ids.add(await serverId(db, text))
  return [...ids].sort()
}

/** Awaits a call that must fail through the pool; returns the ReplicaKit error it carries. */
async function caught(promise: Promise<unknown>): Promise<ReplicaKitError> {
  try {
    await promise
  } catch (error: unknown) {
    if (isMysqlPoolError(error)) return error.replicakit
    throw error
  }
  throw new Error('expected the call to fail')
}

async function onPrimary(text: string): Promise<Record<string, unknown>[]> {
  return cluster.adminQuery('node1', text)
}

describe('pool.query and pool.execute', () => {
  it('routes a plain SELECT by the read preference in the URI (secondary → a replica)', async () => {
    const pool = await ready(open('readPreference=secondary'))
    expect(await serverIds(pool)).toEqual([2, 3])
    const [rows] = await pool.execute<RowDataPacket[]>('SELECT @@server_id AS id, ? AS x', [7])
    expect([2, 3]).toContain(Number(rows[0]!['id']))
    expect(Number(rows[0]!['x'])).toBe(7)
  })

  it('sends plain reads to the primary by default (readPreference=primary)', async () => {
    expect(await serverIds(open(), undefined, 4)).toEqual([1])
  })

  it('sends an INSERT to the primary, with mysql2 result shapes', async () => {
    const pool = open('readPreference=secondary')
    const [result] = await pool.query<ResultSetHeader>(
      'INSERT INTO items (id, v, sid) SELECT ?, ?, @@server_id',
      [10, 'ins'],
    )
    expect(result.affectedRows).toBe(1)
    expect(await onPrimary('SELECT v, sid FROM appdb.items WHERE id = 10')).toEqual([
      { v: 'ins', sid: 1 },
    ])
    const [executed] = await pool.execute<ResultSetHeader>(
      'UPDATE items SET v = ?, sid = @@server_id WHERE id = ?',
      ['upd', 10],
    )
    expect(executed.affectedRows).toBe(1)
    expect(await onPrimary('SELECT v, sid FROM appdb.items WHERE id = 10')).toEqual([
      { v: 'upd', sid: 1 },
    ])
  })

  it('sends SELECT … FOR UPDATE and other primary-only reads to the primary', async () => {
    const pool = open('readPreference=secondary')
    expect(
      await serverIds(pool, 'SELECT @@server_id AS id FROM items WHERE id = 1 FOR UPDATE', 4),
    ).toEqual([1])
    expect(
      await serverIds(pool, 'SELECT @@server_id AS id FROM items LOCK IN SHARE MODE', 4),
    ).toEqual([1])
    expect(await serverIds(pool, '/* replicakit:primary */ SELECT @@server_id AS id', 4)).toEqual([
      1,
    ])
  })

  it('accepts the options-object form Drizzle uses ({ sql, rowsAsArray }, values)', async () => {
    const pool = open('readPreference=secondary')
    const [rows] = await pool.query<RowDataPacket[]>(
      { sql: 'SELECT @@server_id, ? AS x', rowsAsArray: true },
      ['y'],
    )
    const row = rows[0] as unknown as unknown[]
    expect([2, 3]).toContain(Number(row[0]))
    expect(row[1]).toBe('y')
  })

  it('speaks the callback API too', async () => {
    const pool = open('readPreference=secondary')
    const id = await new Promise<number>((resolve, reject) => {
      pool.query<RowDataPacket[]>('SELECT @@server_id AS id', (error, rows) => {
        if (error !== null) reject(error)
        else resolve(Number(rows[0]!['id']))
      })
    })
    expect([2, 3]).toContain(id)
    const failure = await new Promise<unknown>((resolve) => {
      pool.query('SELEC nonsense', [], (error) => {
        resolve(error)
      })
    })
    expect(isMysqlPoolError(failure)).toBe(true)
  })

  it('streams rows with .stream()', async () => {
    const pool = open()
    const rows: unknown[] = []
    for await (const row of pool
      .query('SELECT id FROM items WHERE id IN (1, 10) ORDER BY id')
      .stream()) {
      rows.push(row)
    }
    expect(rows).toEqual([{ id: 1 }, { id: 10 }])
  })
})

describe('getConnection', () => {
  it('keeps a transaction on the primary, on one session, and commits it', async () => {
    const pool = open('readPreference=secondary')
    const conn = await pool.getConnection()
    try {
      await conn.beginTransaction()
      expect(conn.pinnedNode).toBe(addr('node1'))
      const [[a]] = (await conn.query('SELECT @@server_id AS id, CONNECTION_ID() AS cid')) as [
        RowDataPacket[],
        unknown,
      ]
      await conn.query('INSERT INTO items (id, v) VALUES (20, "tx")')
      const [[b]] = (await conn.query('SELECT @@server_id AS id, CONNECTION_ID() AS cid')) as [
        RowDataPacket[],
        unknown,
      ]
      // Uncommitted: no other session sees it yet.
      expect(await onPrimary('SELECT 1 FROM appdb.items WHERE id = 20')).toHaveLength(0)
      await conn.commit()
      expect([a!['id'], b!['id']]).toEqual([1, 1])
      expect(b!['cid']).toBe(a!['cid'])
    } finally {
      conn.release()
    }
    expect(await onPrimary('SELECT v FROM appdb.items WHERE id = 20')).toEqual([{ v: 'tx' }])
  })

  it('rolls a transaction back', async () => {
    const pool = open('readPreference=secondary')
    const conn = await pool.getConnection()
    try {
      await conn.beginTransaction()
      await conn.query('INSERT INTO items (id, v) VALUES (21, "gone")')
      const [rows] = await conn.query<RowDataPacket[]>('SELECT v FROM items WHERE id = 21')
      expect(rows).toEqual([{ v: 'gone' }])
      await conn.rollback()
    } finally {
      conn.release()
    }
    expect(await onPrimary('SELECT 1 FROM appdb.items WHERE id = 21')).toHaveLength(0)
  })

  it('rolls back a transaction left open at release()', async () => {
    const pool = open()
    const conn = await pool.getConnection()
    await conn.beginTransaction()
    await conn.query('INSERT INTO items (id, v) VALUES (22, "left open")')
    conn.release()
    await expect
      .poll(() => onPrimary('SELECT 1 FROM appdb.items WHERE id = 22'), { timeout: 5_000 })
      .toHaveLength(0)
    // The connection object can be used again; it starts unpinned.
    expect(conn.isPinned).toBe(false)
    expect(await serverId(conn)).toBe(1)
  })

  it('routes reads by the read preference until the first write, then stays on the primary', async () => {
    const pool = await ready(open('readPreference=secondary'))
    const conn = await pool.getConnection()
    try {
      expect(await serverIds(conn, undefined, 12)).toEqual([2, 3])
      expect(conn.isPinned).toBe(false)
      await conn.query('INSERT INTO items (id, v) VALUES (23, "mine")')
      expect(conn.pinnedNode).toBe(addr('node1'))
      // Read-your-writes on the pinned session, and LAST_INSERT_ID-style session state works.
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT v, @@server_id AS id FROM items WHERE id = 23',
      )
      expect(rows).toEqual([{ v: 'mine', id: 1 }])
      await conn.query('SET @marker = 42')
      const [vars] = await conn.query<RowDataPacket[]>('SELECT @marker AS m')
      expect(Number(vars[0]!['m'])).toBe(42)
    } finally {
      conn.release()
    }
  })

  it('is callback-compatible where Kysely needs it (getConnection(cb), query(sql, params, cb))', async () => {
    const pool = open()
    const id = await new Promise<number>((resolve, reject) => {
      pool.getConnection((error, conn) => {
        if (error !== null) {
          reject(error)
          return
        }
        conn.beginTransaction((beginError) => {
          if (beginError !== null) {
            reject(beginError)
            return
          }
          conn.query<RowDataPacket[]>('SELECT @@server_id AS id', [], (queryError, rows) => {
            conn.rollback(() => {
              conn.release()
              if (queryError !== null) reject(queryError)
              else resolve(Number(rows[0]!['id']))
            })
          })
        })
      })
    })
    expect(id).toBe(1)
  })

  it('waits for the write concern at COMMIT, and reports a wtimeout without undoing the commit', async () => {
    const pool = open('w=majority&wtimeoutMS=500')
    const conn = await pool.getConnection()
    await cluster.stopReplication('node2')
    await cluster.stopReplication('node3')
    try {
      await conn.beginTransaction()
      await conn.query('INSERT INTO items (id, v) VALUES (24, "wc")')
      const error = await caught(conn.commit())
      expect(error.code).toBe(ErrorCode.WriteConcernTimeout)
      expect(await onPrimary('SELECT v FROM appdb.items WHERE id = 24')).toEqual([{ v: 'wc' }])
      // An autocommit write on the pinned session is held to w as well.
      const autocommit = await caught(conn.query('INSERT INTO items (id, v) VALUES (25, "wc")'))
      expect(autocommit.code).toBe(ErrorCode.WriteConcernTimeout)
    } finally {
      conn.release()
      await cluster.startReplication('node2')
      await cluster.startReplication('node3')
      await cluster.waitForReplication()
    }
    const conn2 = await pool.getConnection()
    try {
      await conn2.beginTransaction()
      await conn2.query('INSERT INTO items (id, v) VALUES (26, "wc ok")')
      await conn2.commit()
    } finally {
      conn2.release()
    }
    const replicas = await Promise.all(
      ['node2', 'node3'].map((n) =>
        cluster.adminQuery(n, 'SELECT 1 FROM appdb.items WHERE id = 26'),
      ),
    )
    expect(replicas.some((rows) => rows.length === 1)).toBe(true)
  })

  it('fails every later statement once its pinned session is lost, instead of moving it', async () => {
    const pool = open()
    const conn = await pool.getConnection()
    try {
      await conn.beginTransaction()
      const [rows] = await conn.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS cid')
      await conn.query('INSERT INTO items (id, v) VALUES (27, "lost")')
      await cluster.adminQuery('node1', `KILL ${Number(rows[0]!['cid'])}`)
      const first = await caught(conn.query('INSERT INTO items (id, v) VALUES (28, "lost")'))
      expect(first.code).toBe(ErrorCode.NetworkError)
      const later = await caught(conn.query('SELECT 1'))
      expect(later.code).toBe(ErrorCode.OperationFailed)
      expect(later.message).toMatch(/release this connection/)
      expect((await caught(conn.commit())).code).toBe(ErrorCode.OperationFailed)
      // The server already rolled back: ROLLBACK succeeds, so an ORM reports the first error.
      await conn.rollback()
    } finally {
      conn.release()
    }
    expect(await onPrimary('SELECT id FROM appdb.items WHERE id IN (27, 28)')).toEqual([])
    // The pool itself is fine.
    expect(await serverId(pool)).toBe(1)
  })
})

describe('Kysely on the pool', () => {
  it('reads from a replica, writes and runs transactions on the primary', async () => {
    const pool = open('readPreference=secondary')
    const db = new Kysely<{ items: { id: number; v: string | null; sid: number | null } }>({
      dialect: new MysqlDialect({ pool }),
    })
    const read = await sql<{ id: unknown }>`SELECT @@server_id AS id`.execute(db)
    expect([2, 3]).toContain(Number(read.rows[0]!.id))
    const inserted = await db
      .insertInto('items')
      .values({ id: 30, v: 'kysely', sid: null })
      .executeTakeFirst()
    expect(inserted.numInsertedOrUpdatedRows).toBe(1n)
    const inTx = await db.transaction().execute(async (tx) => {
      await tx.updateTable('items').set({ v: 'kysely tx' }).where('id', '=', 30).execute()
      const row = await tx
        .selectFrom('items')
        .select(['v', sql<number>`@@server_id`.as('sid')])
        .where('id', '=', 30)
        .executeTakeFirstOrThrow()
      return row
    })
    expect(inTx).toEqual({ v: 'kysely tx', sid: 1 })
    const streamed: unknown[] = []
    for await (const row of db.selectFrom('items').select('id').where('id', '=', 1).stream())
      streamed.push(row)
    expect(streamed).toEqual([{ id: 1 }])
    await db.destroy() // pool.end(cb)
    const error = await caught(pool.getConnection())
    expect(error.code).toBe(ErrorCode.ClientClosed)
  })
})

describe('errors', () => {
  it('carry the ReplicaKit error (stable code, driver error as cause) at err.replicakit', async () => {
    const pool = open()
    const syntax = await caught(pool.query('SELEC 1'))
    expect(syntax.code).toBe(ErrorCode.OperationFailed)
    expect(syntax.nativeCode).toBe(1064)
    expect(syntax.cause).toBeInstanceOf(Error)
    const duplicate = await caught(pool.query('INSERT INTO items (id) VALUES (1)'))
    expect(duplicate.code).toBe(ErrorCode.DuplicateKey)
    // What code written for mysql2 (and TypeORM, Sequelize) checks.
    const raw = await pool.query('INSERT INTO items (id) VALUES (1)').catch((e: unknown) => e)
    expect(raw).toMatchObject({
      code: 'ER_DUP_ENTRY',
      errno: 1062,
      sqlState: '23000',
      sqlMessage: "Duplicate entry '1' for key 'PRIMARY'",
      message: "Duplicate entry '1' for key 'PRIMARY'",
    })
    const bad = await caught(pool.query(42 as unknown as string))
    expect(bad.name).toBe('ConfigError')
  })

  it('never contain the password', async () => {
    const wrong = 'Wr0ng-Pa55word'
    const pool = createPool(`mysql://${cluster.appUser}:${wrong}@${addr('node1')}/appdb`, {
      serverSelectionTimeoutMS: 1500,
      timeoutMS: 2000,
    })
    pools.push(pool)
    const error = await caught(pool.query('SELECT 1'))
    for (const text of [error.message, String(error), error.stack ?? '', JSON.stringify(error)]) {
      expect(text).not.toContain(wrong)
    }
    expect(() => createPool(`mysql://app:${wrong}@host/db?readPreference=sideways`)).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: expect.not.stringContaining(wrong) }),
    )
  })
})

describe('end()', () => {
  it('closes every socket and timer the pool opened', async () => {
    const tcp = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    // Other pools' heartbeats would make the counts move: end them first.
    await Promise.all(pools.splice(0).map((p) => p.end()))
    const counts = () => ({ tcp: tcp(), timers: timers() })
    let before = counts()
    for (let settled = 0; settled < 3;) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      const now = counts()
      settled = now.tcp === before.tcp && now.timers === before.timers ? settled + 1 : 0
      before = now
    }
    const pool = createPool(`${cluster.uri}?readPreference=secondary`, {
      heartbeatFrequencyMS: 500,
    })
    const conn = await pool.getConnection()
    await conn.beginTransaction()
    await conn.query('SELECT 1')
    await serverIds(pool, undefined, 6)
    expect(tcp()).toBeGreaterThan(before.tcp)
    await pool.end()
    await expect.poll(counts, { timeout: 5_000 }).toEqual(before)
    const closed = await caught(pool.query('SELECT 1'))
    expect(closed.code).toBe(ErrorCode.ClientClosed)
  })
})
