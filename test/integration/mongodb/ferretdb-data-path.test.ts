/**
 * The MongoDB adapter's data path on a real MongoDB-wire server nobody here wrote: FerretDB (a
 * single-member replica set `rs0`). CRUD and cursors through the `Db` handed to `fn`, duplicate key
 * as a typed error, sessions, a paused server bounded by the deadline, recovery after resume, and
 * `close()` leaving no socket. FerretDB ignores write concern: that is tested on the simulator.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'replicakit/mongodb'
import type { MongoConn } from 'replicakit/mongodb'
import { ErrorCode, isReplicaKitError } from '../../../src/index.js'
import type { ReplicaKitClient, ReplicaKitError } from '../../../src/index.js'
import { startFerretdb, type FerretdbServer } from '../../clusters/ferretdb-server.js'

/** The first start may build FerretDB from source: minutes on a cold machine. */
const START_TIMEOUT_MS = 20 * 60_000
const EXTERNAL_REASON = 'REPLICAKIT_FERRETDB_URI is set: the harness did not start that server'

describe('MongoDB adapter on FerretDB', () => {
  let server: FerretdbServer
  let db: ReplicaKitClient<MongoConn>
  /** A database of its own, so that a shared external server is not disturbed. */
  const dbName = `rk_${randomBytes(4).toString('hex')}`

  /** The server URI with this file's database as the path. */
  function uri(): string {
    const url = new URL(server.uri)
    url.pathname = `/${dbName}`
    return url.toString()
  }

  beforeAll(async () => {
    server = await startFerretdb()
    db = await connect(uri(), {
      heartbeatFrequencyMS: 500,
      connectTimeoutMS: 1_000,
      serverSelectionTimeoutMS: 5_000,
      timeoutMS: 10_000,
      baseBackoffMS: 20,
      maxBackoffMS: 200,
    })
  }, START_TIMEOUT_MS)

  afterAll(async () => {
    if (server.isExternal) await db.write(({ db: d }) => d.dropDatabase()).catch(() => undefined)
    await db.close()
    await server.stop()
  })

  it('sees the server as the primary of rs0 and runs CRUD through the call Db', async () => {
    expect(await db.waitForPrimary()).toBe(new URL(server.uri).host)
    expect(db.topology().setName).toBe('rs0')
    const inserted = await db.write(({ db: d }) =>
      d.collection('items').insertMany([
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ]),
    )
    expect(inserted.insertedCount).toBe(2)
    await db.write(({ db: d }) =>
      d.collection('items').updateOne({ sku: 'a' }, { $inc: { qty: 5 } }),
    )
    const a = await db.read(({ db: d }) => d.collection('items').findOne({ sku: 'a' }))
    expect(a?.['qty']).toBe(6)
    await db.write(({ db: d }) => d.collection('items').deleteOne({ sku: 'b' }))
    expect(await db.read(({ db: d }) => d.collection('items').countDocuments())).toBe(1)
    // useDb keeps the call's options on another database.
    const other = await db.read(({ useDb }) => Promise.resolve(useDb(`${dbName}_x`).databaseName))
    expect(other).toBe(`${dbName}_x`)
  })

  it('pages a cursor with getMore inside one call', async () => {
    const docs = Array.from({ length: 250 }, (_, i) => ({ i }))
    await db.write(({ db: d }) => d.collection('many').insertMany(docs))
    const all = await db.read(({ db: d }) =>
      d.collection('many').find({}, { batchSize: 20 }).sort({ i: 1 }).toArray(),
    )
    expect(all).toHaveLength(250)
    expect(all.at(-1)?.['i']).toBe(249)
  })

  it('maps duplicate key to DUPLICATE_KEY with nativeCode 11000, never retried', async () => {
    const retries: unknown[] = []
    db.on('retry', (e) => retries.push(e))
    await db.write(({ db: d }) => d.collection('dup').insertOne({ _id: 'x' as never }))
    const error = await db
      .write(({ db: d }) => d.collection('dup').insertOne({ _id: 'x' as never }), {
        idempotent: true,
      })
      .catch((e: unknown) => e)
    expect(isReplicaKitError(error)).toBe(true)
    expect(error).toMatchObject({
      name: 'OperationError',
      code: ErrorCode.DuplicateKey,
      nativeCode: 11000,
    })
    expect(retries).toHaveLength(0)
  })

  it('runs calls of one session on one driver session, and ends it', async () => {
    const session = db.startSession()
    const ids = new Set<string>()
    await db.write(
      async ({ db: d, session: s }) => {
        ids.add(String(s?.id?.['id']?.toString('hex')))
        await d.collection('sess').insertOne({ k: 1 }, { session: s })
      },
      { session },
    )
    const found = await db.read(
      async ({ db: d, session: s }) => {
        ids.add(String(s?.id?.['id']?.toString('hex')))
        return d.collection('sess').findOne({ k: 1 }, { session: s })
      },
      { session },
    )
    expect(found?.['k']).toBe(1)
    expect(ids.size).toBe(1)
    // Without a session the handle has none.
    expect(await db.read(({ session: s }) => Promise.resolve(s))).toBeUndefined()
    await session.end()
  })

  it('bounds calls by their deadline while the server is paused, and recovers after resume', async (ctx) => {
    if (server.isExternal) ctx.skip(EXTERNAL_REASON)
    await server.pause()
    try {
      for (const call of [
        () => db.read(({ db: d }) => d.collection('items').countDocuments(), { timeoutMS: 1_500 }),
        () =>
          db.write(({ db: d }) => d.collection('items').insertOne({ sku: 'p' }), {
            timeoutMS: 1_500,
          }),
      ]) {
        const error = (await call().catch((e: unknown) => e)) as ReplicaKitError
        expect(isReplicaKitError(error)).toBe(true)
        expect([ErrorCode.OperationTimeout, ErrorCode.ServerSelectionTimeout]).toContain(error.code)
      }
    } finally {
      await server.resume()
    }
    await expect
      .poll(
        () =>
          db
            .read(({ db: d }) => d.collection('items').countDocuments({ sku: 'a' }), {
              timeoutMS: 2_000,
            })
            .catch(() => -1),
        { timeout: 20_000, interval: 200 },
      )
      .toBe(1)
  })

  it('leaves no socket to the server after close()', async (ctx) => {
    if (server.isExternal) ctx.skip(EXTERNAL_REASON)
    const port = new URL(server.uri).port
    const own = await connect(uri(), { heartbeatFrequencyMS: 500 })
    await own.read(({ db: d }) => d.collection('items').countDocuments())
    const shared = await ownSocketsTo(port)
    const before = shared
    expect(before).toBeGreaterThan(0)
    await own.close()
    // Only the file's other client keeps sockets: at least the monitor and pooled ones of `own` went.
    await expect.poll(() => ownSocketsTo(port), { timeout: 5_000 }).toBeLessThan(before)
    await expect(own.read(() => Promise.resolve(1))).rejects.toMatchObject({
      code: ErrorCode.ClientClosed,
    })
  })
})

/** Established TCP sockets of this process to `port` (from /proc/self/net/tcp, via the fd table). */
async function ownSocketsTo(port: string): Promise<number> {
  const { readFile, readdir, readlink } = await import('node:fs/promises')
  const hexPort = Number(port).toString(16).toUpperCase().padStart(4, '0')
  const inodes = new Set<string>()
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '')
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      // remote address, state 01 = ESTABLISHED, inode
      if (cols[2]?.endsWith(`:${hexPort}`) === true && cols[3] === '01') inodes.add(cols[9] ?? '')
    }
  }
  let count = 0
  for (const fd of await readdir('/proc/self/fd').catch(() => [] as string[])) {
    const link = await readlink(`/proc/self/fd/${fd}`).catch(() => '')
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1]
    if (inode !== undefined && inodes.has(inode)) count++
  }
  return count
}
