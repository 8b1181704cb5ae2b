/**
 * The mysql2 internals the MySQL adapter reads (adapters/mysql/mysql-internals.ts) must exist in the
 * installed mysql2: this fails loudly, naming the field, when an upgrade renames one. Widen the
 * tested range in package.json only after this passes on the new release.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PassThrough } from 'node:stream'
import mysql from 'mysql2'
import mysqlPromise from 'mysql2/promise'
import { describe, expect, it } from 'vitest'
import {
  CLOSING_FIELD,
  CONNECTION_FIELDS,
  HANDSHAKE_FIELDS,
  MYSQL2_TESTED_RANGE,
  POOL_FIELDS,
  missingFields,
  readPoolState,
} from '../../../../adapters/mysql/mysql-internals.js'

const require = createRequire(import.meta.url)
const installed = (require('mysql2/package.json') as { version: string }).version
const packageJson = JSON.parse(
  readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8'),
) as { peerDependencies: Record<string, string> }

describe('mysql2 internals the adapter relies on', () => {
  it(`runs on the tested mysql2 range (${MYSQL2_TESTED_RANGE}), which package.json pins`, () => {
    expect(packageJson.peerDependencies['mysql2']).toBe(MYSQL2_TESTED_RANGE)
    const [major, minor] = MYSQL2_TESTED_RANGE.replace(/^~/, '').split('.')
    expect(installed.startsWith(`${major}.${minor}.`)).toBe(true)
  })

  it('finds the pool fields the acquire fast path reads', async () => {
    const pool = mysqlPromise.createPool({ host: '127.0.0.1', port: 1 })
    try {
      expect(missingFields(pool.pool, POOL_FIELDS)).toEqual([])
      expect(readPoolState(pool)).toEqual({ closed: false, idleConnections: 0 })
    } finally {
      await pool.end()
    }
    expect(readPoolState(pool).closed).toBe(true)
  })

  it('finds the connection fields and the command hook that session hygiene and close() use', () => {
    // A stream that never answers: the connection is built but never reaches a server.
    const stream = new PassThrough()
    const conn = mysql.createConnection({ stream: stream as never })
    conn.on('error', () => undefined)
    try {
      expect(missingFields(conn, [...CONNECTION_FIELDS, ...HANDSHAKE_FIELDS])).toEqual([])
      expect(typeof (conn as unknown as { addCommand: unknown }).addCommand).toBe('function')
    } finally {
      conn.destroy()
      stream.destroy()
    }
  })

  it('still marks a closing connection with _closing (set only when it closes)', () => {
    const root = dirname(require.resolve('mysql2/package.json'))
    const source = readFileSync(join(root, 'lib', 'base', 'connection.js'), 'utf8')
    expect(source).toContain(`this.${CLOSING_FIELD} = true`)
  })
})
