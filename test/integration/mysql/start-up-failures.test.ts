/**
 * Start-up mistakes on a real MariaDB cluster: a wrong password or a missing database must surface as
 * such, at once, with the server's code (not as a selection timeout after serverSelectionTimeoutMS).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'replicakit/mysql'
import type { MysqlConnection } from 'replicakit/mysql'
import type { ReplicaKitClient } from '../../../src/client/client.js'
import { ErrorCode } from '../../../src/errors/errors.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import type { MysqlCluster } from '../../clusters/mysql-cluster.js'
import { caught } from '../../fixtures/caught.js'

let cluster: MysqlCluster
const clients: ReplicaKitClient<MysqlConnection>[] = []

beforeAll(async () => {
  cluster = await startMysqlCluster({ nodes: 3 })
})

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await cluster.stop()
})

/** The cluster's URI with another password or database; bounds long enough that waiting would show. */
async function open(change: {
  password?: string
  database?: string
}): Promise<ReplicaKitClient<MysqlConnection>> {
  const password = encodeURIComponent(change.password ?? cluster.appPassword)
  const hosts = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')
  const database = change.database ?? cluster.database
  const db = await connect(`mysql://${cluster.appUser}:${password}@${hosts}/${database}`, {
    serverSelectionTimeoutMS: 120_000,
    timeoutMS: 120_000,
    heartbeatFrequencyMS: 500,
  })
  clients.push(db)
  return db
}

describe('start-up failures on a real cluster', () => {
  it('fails calls and connect() with AUTHENTICATION_FAILED (1045) for a wrong password', async () => {
    const db = await open({ password: 'not-the-password' })
    const error = await caught(db.read((c) => c.query('SELECT 1')))
    expect(error.code).toBe(ErrorCode.AuthenticationFailed)
    expect(error.nativeCode).toBe(1045)
    expect(error.cause).toBeInstanceOf(Error)
    expect(error.message).not.toContain('not-the-password')
    const atStart = await caught(db.connect())
    expect(atStart.code).toBe(ErrorCode.AuthenticationFailed)
  })

  it('fails calls at once for a database the user cannot use (MariaDB answers 1044 to a least-privilege user, whether or not it exists)', async () => {
    const db = await open({ database: 'no_such_db' })
    const error = await caught(db.write((c) => c.query('SELECT 1')))
    expect(error.code).toBe(ErrorCode.AuthenticationFailed)
    expect(error.nativeCode).toBe(1044)
    expect(error.message).toContain('database')
  })

  it('fails calls with UNKNOWN_DATABASE (1049) when a user who may see every database names a missing one', async () => {
    await cluster.adminQuery('node1', 'GRANT SELECT ON *.* TO ?@?', [cluster.appUser, '%'])
    await cluster.waitForReplication()
    const db = await open({ database: 'no_such_db' })
    const error = await caught(db.read((c) => c.query('SELECT 1')))
    expect(error.code).toBe(ErrorCode.UnknownDatabase)
    expect(error.nativeCode).toBe(1049)
  })

  it('connect() resolves on a healthy cluster', async () => {
    const db = await open({})
    await expect(db.connect()).resolves.toBe(db)
  })
})
