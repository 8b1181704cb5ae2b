/**
 * What TypeORM and Sequelize need of mysql2's objects, without a server: connections that are
 * EventEmitters, `mysqlDriver.createConnection` announcing `connect` (or `error`), mysql2's validation
 * fields, and handles sharing then ending one pool. The routing itself runs on a real cluster in
 * test/integration/orms/orms.test.ts.
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../../../src/index.js'
import { createPool } from '../../../../../adapters/mysql/pool/mysql-pool-create.js'
import { MysqlPoolError } from '../../../../../adapters/mysql/pool/mysql-pool-error.js'
import { mysqlDriver } from '../../../../../adapters/mysql/pool/mysql-pool-driver.js'
import type { MysqlDriverConnection } from '../../../../../adapters/mysql/pool/mysql-pool-driver.js'

/** A config nobody listens on: monitoring fails fast, nothing here sends a statement to it. */
const CONFIG = { host: '127.0.0.1', port: 1, user: 'app', database: 'shop' } as const

function outcome(conn: MysqlDriverConnection): Promise<unknown> {
  return new Promise((resolve) => {
    conn.once('connect', () => {
      resolve('connect')
    })
    conn.once('error', resolve)
  })
}

describe('pool connections (TypeORM)', () => {
  it("are EventEmitters, so TypeORM's connection.listeners('error') works", async () => {
    const pool = createPool({ ...CONFIG, heartbeatFrequencyMS: 60_000 })
    try {
      const conn = await pool.getConnection()
      expect(conn).toBeInstanceOf(EventEmitter)
      expect(conn.listeners('error')).toEqual([])
      conn.release()
    } finally {
      await pool.end()
    }
  })
})

describe('mysqlDriver.createConnection (Sequelize)', () => {
  it('emits connect, looks alive to validation, and is closed after end()', async () => {
    const conn = mysqlDriver.createConnection({ ...CONFIG, heartbeatFrequencyMS: 60_000 })
    expect(await outcome(conn)).toBe('connect')
    expect([conn._closing, conn._fatalError, conn._protocolError, conn.stream.destroyed]).toEqual([
      false,
      undefined,
      undefined,
      false,
    ])
    await new Promise<void>((resolve, reject) => {
      void conn.end((error) => {
        if (error === null) resolve()
        else reject(error)
      })
    })
    expect([conn._closing, conn.stream.destroyed]).toEqual([true, true])
    const closed = await new Promise<unknown>((resolve) => {
      conn.query({ sql: 'SELECT 1' }, (error) => {
        resolve(error)
      })
    })
    expect(closed).toBeInstanceOf(MysqlPoolError)
    expect((closed as MysqlPoolError).code).toBe(ErrorCode.ClientClosed)
  })

  it('returns an EventEmitter from a callback query (Sequelize calls setMaxListeners on it)', async () => {
    const conn = mysqlDriver.createConnection({ ...CONFIG, heartbeatFrequencyMS: 60_000 })
    await outcome(conn)
    await conn.end()
    const pending = conn.query({ sql: 'SELECT 1' }, () => undefined)
    expect(pending).toBeInstanceOf(EventEmitter)
    expect(() => pending.setMaxListeners(100)).not.toThrow()
    await new Promise((resolve) => pending.once('end', resolve))
  })

  it('emits error (a MysqlPoolError around the ConfigError) for a bad configuration', async () => {
    const conn = mysqlDriver.createConnection({ ...CONFIG, socketPath: '/tmp/x' } as never)
    const error = await outcome(conn)
    expect(error).toBeInstanceOf(MysqlPoolError)
    expect(error).toMatchObject({ replicakit: { name: 'ConfigError' } })
    expect(conn._closing).toBe(true)
  })

  it('shares one pool among handles of one configuration until the last one ends', async () => {
    const config = { ...CONFIG, heartbeatFrequencyMS: 60_000, timeoutMS: 200 }
    const a = mysqlDriver.createConnection(config)
    const b = mysqlDriver.createConnection({ ...config, typeCast: () => undefined })
    await Promise.all([outcome(a), outcome(b)])
    await a.end()
    // b still works on the shared pool: its statement fails for lack of a server, not as closed.
    const error = (await b.query('SELECT 1').catch((e: unknown) => e)) as MysqlPoolError | undefined
    expect(error?.code).not.toBe(ErrorCode.ClientClosed)
    await b.end()
  })
})
