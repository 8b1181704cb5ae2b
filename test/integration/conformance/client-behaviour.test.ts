/**
 * One behaviour suite over every adapter (see backends.ts): what a user relies on whatever the
 * database. Each backend runs on a real server where one can run here.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ReplicaKitClient } from '../../../src/client/client.js'
import type { ClientOptions } from '../../../src/config/options.js'
import type { CallOptions } from '../../../src/index.js'
import { ErrorCode, ErrorLabel, NetworkError, isReplicaKitError } from '../../../src/index.js'
import { caught } from '../../fixtures/caught.js'
import { BACKENDS } from './backends.js'
import type { ConformanceTarget } from './backends.js'

describe.each(BACKENDS)('conformance: $name', (backend) => {
  let target: ConformanceTarget<unknown>
  const clients: ReplicaKitClient[] = []

  beforeAll(async () => {
    target = await backend.setUp()
  })

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await target.tearDown()
  })

  async function open(options: ClientOptions = {}): Promise<ReplicaKitClient> {
    const db = await target.connect(options)
    clients.push(db)
    return db
  }

  /** Waits until the client can serve calls (a primary, or a ring's peers). */
  async function ready(db: ReplicaKitClient): Promise<void> {
    if (target.shape === 'ring') await db.connect()
    else await db.waitForPrimary()
  }

  it('finds the primary (or the ring’s peers) and shows every member in topology()', async () => {
    const db = await open()
    if (target.shape === 'ring') {
      await db.connect()
      await expect
        .poll(() => db.topology().nodes.filter((n) => n.state === 'PEER').length)
        .toBeGreaterThanOrEqual(target.members)
      expect(db.topology().primary).toBeNull()
      return
    }
    const primary = await db.waitForPrimary()
    await expect
      .poll(() => db.topology().nodes.filter((n) => n.state === 'SECONDARY').length)
      .toBe(target.members - 1)
    expect(db.topology().primary).toBe(primary)
  })

  it('reads its own write from the primary', async () => {
    const db = await open()
    const id = randomUUID()
    await db.write((conn) => target.insert(conn, id))
    expect(await db.read((conn) => target.exists(conn, id))).toBe(true)
  })

  it('acknowledges w: majority and w: all members', async () => {
    const db = await open()
    const id = randomUUID()
    await db.write((conn) => target.insert(conn, id), { w: 'majority', wtimeoutMS: 5_000 })
    await db.write((conn) => target.insert(conn, `${id}-all`), {
      w: target.members,
      wtimeoutMS: 5_000,
    })
    // Every member has the w:all write: a read on a secondary sees it.
    await ready(db)
    expect(
      await db.read((conn) => target.exists(conn, `${id}-all`), { readPreference: 'secondary' }),
    ).toBe(true)
  })

  it('lets a session read its own write on a secondary, or refuses sessions it cannot keep', async () => {
    const db = await open()
    await ready(db)
    const session = db.startSession()
    if (target.causalSessions === false) {
      const error = await caught(db.read(() => Promise.resolve(1), { session }))
      expect(error.code).toBe(ErrorCode.NotSupported)
      return
    }
    try {
      const id = randomUUID()
      await db.write((conn) => target.insert(conn, id), { session })
      expect(
        await db.read((conn) => target.exists(conn, id), {
          session,
          readPreference: 'secondaryPreferred',
        }),
      ).toBe(true)
    } finally {
      await session.end()
    }
  })

  it('types what the server rejects, with its native code, and does not retry it', async () => {
    const db = await open()
    const fn = vi.fn((conn: unknown) => target.rejected(conn))
    const error = await caught(db.read(fn))
    expect(error.code).toBe(ErrorCode.OperationFailed)
    expect(error.nativeCode).toBeDefined()
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('never runs a non-idempotent write twice after an unknown outcome', async () => {
    const db = await open()
    const id = randomUUID()
    const fn = vi.fn(async (conn: unknown) => {
      await target.insert(conn, id)
      throw new NetworkError('the reply was lost', {
        code: ErrorCode.NetworkError,
        labels: [ErrorLabel.RetryableWrite, ErrorLabel.UnknownOutcome],
      })
    })
    const error = await caught(db.write(fn))
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
    expect(fn).toHaveBeenCalledTimes(1)
    expect(await db.read((conn) => target.exists(conn, id))).toBe(true)
  })

  it('hands the caller’s own errors back untouched', async () => {
    const db = await open()
    const mine = new RangeError('my bug')
    await expect(db.read(() => Promise.reject(mine))).rejects.toBe(mine)
  })

  it('refuses a misspelt call option with a ConfigError naming it', async () => {
    const db = await open()
    const error = await caught(
      db.read(() => Promise.resolve(1), { readPrefrence: 'secondary' } as CallOptions),
    )
    expect(error.code).toBe(ErrorCode.InvalidOption)
    expect(error.message).toContain('readPrefrence')
  })

  it('fails calls after close() with CLIENT_CLOSED', async () => {
    const db = await open()
    await ready(db)
    await db.close()
    const error = await caught(db.read(() => Promise.resolve(1)))
    expect(isReplicaKitError(error) && error.code).toBe(ErrorCode.ClientClosed)
  })
})
