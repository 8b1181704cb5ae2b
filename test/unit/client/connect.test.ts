import { describe, expect, it } from 'vitest'
import { connect } from '../../../src/connect.js'
import { ErrorCode, isReplicaKitError } from '../../../src/errors/errors.js'

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error: unknown) {
    if (isReplicaKitError(error)) return error.code
    throw error
  }
  throw new Error('expected connect to fail')
}

describe('connect', () => {
  it('says plainly that the MongoDB and Cassandra adapters are not available yet', async () => {
    expect(await codeOf(connect('mongodb://h1,h2/?replicaSet=rs0'))).toBe(
      ErrorCode.UnsupportedBackend,
    )
    expect(await codeOf(connect('cassandra://h1,h2/ks'))).toBe(ErrorCode.UnsupportedBackend)
  })

  it('loads the MySQL adapter lazily for mysql:// and mariadb:// URIs', async () => {
    for (const uri of ['mysql://app:pw@127.0.0.1:1/db', 'mariadb://app:pw@127.0.0.1:1/db']) {
      const db = await connect(uri, { heartbeatFrequencyMS: 500 })
      expect(db.options.backend).toBe('mysql')
      await db.close()
    }
  })

  it('rejects a bad URI before loading anything', async () => {
    expect(await codeOf(connect('mysql://app:pw@/db'))).toBe(ErrorCode.InvalidUri)
    expect(await codeOf(connect('redis://h/0'))).toBe(ErrorCode.UnsupportedBackend)
  })
})
