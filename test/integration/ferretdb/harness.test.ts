/**
 * The FerretDB harness against the real server, through the official `mongodb` driver directly:
 * replica-set discovery, the data path (CRUD, cursors with getMore, server errors, sessions), and
 * fault injection (pause, kill, restart). With REPLICAKIT_FERRETDB_URI set the process-control
 * tests skip: the harness did not start that server.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import {
  MongoClient,
  MongoServerError,
  type CommandStartedEvent,
  type MongoClientOptions,
} from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FERRETDB_URI_ENV,
  startFerretdb,
  type FerretdbServer,
} from '../../clusters/ferretdb-server.js'
import { findProcessesByComm, isProcessAlive } from '../../clusters/process-utils.js'

const EXTERNAL_REASON = `${FERRETDB_URI_ENV} is set: the harness did not start that server`
const IS_EXTERNAL = (process.env[FERRETDB_URI_ENV] ?? '') !== ''
/** The first start may build FerretDB from source: minutes on a cold machine. */
const START_TIMEOUT_MS = 20 * 60_000

describe('startFerretdb', () => {
  let server: FerretdbServer
  const clients: MongoClient[] = []
  /** A database of its own, so that a shared external server is not disturbed. */
  const dbName = `harness_${randomBytes(4).toString('hex')}`

  beforeAll(async () => {
    server = await startFerretdb()
    const status = await server.status()
    const rss = status.rssKB === undefined ? '?' : `${Math.round(status.rssKB / 1024)} MiB`
    console.info(`FerretDB ${server.uri} started in ${server.startupMS} ms; RSS ${rss}`)
  }, START_TIMEOUT_MS)

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)))
    if (IS_EXTERNAL) await dropTestDb()
    await server.stop()
  })

  /** A driver client on the server's URI; closed after the file. */
  function connect(options: MongoClientOptions = {}): MongoClient {
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 10_000, ...options })
    clients.push(client)
    return client
  }

  async function dropTestDb(): Promise<void> {
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 })
    await client
      .db(dbName)
      .dropDatabase()
      .catch(() => undefined)
    await client.close()
  }

  it('is seen by the driver as the RSPrimary of replica set rs0', async () => {
    if (!IS_EXTERNAL) {
      expect(server.uri).toBe(`mongodb://127.0.0.1:${server.node.port}/?replicaSet=rs0`)
      expect(server.node).toMatchObject({ name: 'f1', host: '127.0.0.1' })
      expect(isProcessAlive(server.node.pid ?? 0)).toBe(true)
    }
    const client = connect()
    const seen: { type: string; setName: string | null }[] = []
    client.on('serverDescriptionChanged', (e) => {
      seen.push({ type: e.newDescription.type, setName: e.newDescription.setName })
    })
    await client.connect()
    expect(seen).toContainEqual({ type: 'RSPrimary', setName: 'rs0' })
    const hello = await client.db('admin').command({ hello: 1 })
    expect(hello).toMatchObject({ isWritablePrimary: true, setName: 'rs0' })
    expect(hello['hosts']).toEqual([`${server.node.host}:${server.node.port}`])
    expect((await server.status()).role).toBe('primary')
  })

  it('inserts, finds, updates and deletes documents', async () => {
    const items = connect().db(dbName).collection<{ _id: number; label: string }>('items')
    await items.insertOne({ _id: 1, label: 'one' })
    await items.insertMany([
      { _id: 2, label: 'two' },
      { _id: 3, label: 'three' },
    ])
    expect(await items.findOne({ _id: 2 })).toEqual({ _id: 2, label: 'two' })
    const updated = await items.updateOne({ _id: 2 }, { $set: { label: 'TWO' } })
    expect(updated).toMatchObject({ matchedCount: 1, modifiedCount: 1 })
    expect(await items.findOne({ _id: 2 })).toEqual({ _id: 2, label: 'TWO' })
    expect((await items.deleteOne({ _id: 3 })).deletedCount).toBe(1)
    expect(await items.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, label: 'one' },
      { _id: 2, label: 'TWO' },
    ])
  })

  it('streams a cursor in small batches with getMore', async () => {
    const started: CommandStartedEvent[] = []
    const client = connect({ monitorCommands: true })
    client.on('commandStarted', (e) => started.push(e))
    const numbers = client.db(dbName).collection<{ _id: number }>('numbers')
    await numbers.insertMany(Array.from({ length: 25 }, (_, i) => ({ _id: i })))
    const ids: number[] = []
    for await (const doc of numbers.find({}, { batchSize: 4, sort: { _id: 1 } })) ids.push(doc._id)
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => i))
    const getMores = started.filter((e) => e.commandName === 'getMore')
    expect(getMores.length).toBeGreaterThanOrEqual(6)
  })

  it('reports a duplicate key on a unique index as server error 11000', async () => {
    const users = connect().db(dbName).collection('users')
    await users.createIndex({ email: 1 }, { unique: true }, undefined)
    await users.insertOne({ email: 'a@example.com' })
    const error: unknown = await users
      .insertOne({ email: 'a@example.com' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MongoServerError)
    expect(error).toMatchObject({ code: 11000 })
    expect(await users.countDocuments({ email: 'a@example.com' })).toBe(1)
  })

  it('runs operations in an explicit causally consistent session', async () => {
    const started: CommandStartedEvent[] = []
    const client = connect({ monitorCommands: true })
    client.on('commandStarted', (e) => started.push(e))
    const notes = client.db(dbName).collection('notes')
    const session = client.startSession({ causalConsistency: true })
    try {
      await notes.insertOne({ _id: 'n1', text: 'in a session' } as never, { session })
      expect(await notes.findOne({ _id: 'n1' } as never, { session })).toMatchObject({
        text: 'in a session',
      })
    } finally {
      await session.endSession()
    }
    const lsids = started
      .filter((e) => e.commandName === 'insert' || e.commandName === 'find')
      .map((e) => JSON.stringify(e.command['lsid']))
    expect(lsids).toHaveLength(2)
    expect(new Set(lsids).size).toBe(1)
    expect(lsids[0]).toBe(JSON.stringify(session.id))
  })

  it('fails a call on a paused server within the driver deadlines, and works after resume', async (ctx) => {
    ctx.skip(IS_EXTERNAL, EXTERNAL_REASON)
    // mongodb 7.x ignores `timeoutMS` (deprecated, "has no effect"): the deadlines that bound a
    // call are the socket read timeout, the connect timeout of the retry's new connection, and
    // server selection.
    const client = connect({
      serverSelectionTimeoutMS: 2_000,
      socketTimeoutMS: 1_000,
      connectTimeoutMS: 1_000,
    })
    const items = client.db(dbName).collection('paused')
    await items.insertOne({ before: true })
    await server.pause()
    try {
      expect((await server.status()).role).toBe('down')
      // A connected client: the read times out on the socket, and so does the retryable read's
      // second attempt on a new connection.
      await expect(items.findOne({})).rejects.toMatchObject({ name: 'MongoNetworkTimeoutError' })
      // A new client: server selection gives up, as the server never answers the handshake.
      const fresh = new MongoClient(server.uri, {
        serverSelectionTimeoutMS: 1_000,
        connectTimeoutMS: 1_000,
      })
      clients.push(fresh)
      await expect(fresh.db(dbName).collection('paused').findOne({})).rejects.toMatchObject({
        name: 'MongoServerSelectionError',
      })
    } finally {
      await server.resume()
    }
    expect((await server.status()).role).toBe('primary')
    await expect
      .poll(() => items.findOne({}, { projection: { _id: 0 } }).catch(() => undefined), {
        timeout: 15_000,
      })
      .toEqual({ before: true })
    await items.insertOne({ after: true })
    expect(await items.countDocuments()).toBe(2)
  })

  it('keeps the data across kill -9 and restart (same port, same SQLite files)', async (ctx) => {
    ctx.skip(IS_EXTERNAL, EXTERNAL_REASON)
    const first = connect()
    await first
      .db(dbName)
      .collection('durable')
      .insertOne({ _id: 'k', v: 42 } as never)
    await first.close()
    const { pid, port } = server.node
    await server.kill()
    expect(isProcessAlive(pid ?? 0)).toBe(false)
    expect((await server.status()).role).toBe('down')
    const down = new MongoClient(server.uri, { serverSelectionTimeoutMS: 1_000 })
    clients.push(down)
    await expect(down.db(dbName).collection('durable').findOne({})).rejects.toMatchObject({
      name: 'MongoServerSelectionError',
    })

    await server.restart()
    expect(server.node.port).toBe(port)
    expect(server.node.pid).not.toBe(pid)
    expect((await server.status()).role).toBe('primary')
    const after = connect()
    expect(
      await after
        .db(dbName)
        .collection('durable')
        .findOne({ _id: 'k' } as never),
    ).toEqual({
      _id: 'k',
      v: 42,
    })
  })

  it('stop() ends the server it started and removes its work directory', async (ctx) => {
    ctx.skip(IS_EXTERNAL, EXTERNAL_REASON)
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)))
    const pid = server.node.pid ?? 0
    const baseDir = server.toState().baseDir
    expect(existsSync(baseDir)).toBe(true)
    await server.stop()
    expect(isProcessAlive(pid)).toBe(false)
    expect(findProcessesByComm('ferretdb')).not.toContain(pid)
    expect(existsSync(baseDir)).toBe(false)
  })
})
