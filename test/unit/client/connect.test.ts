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
  it('loads the MongoDB adapter lazily for mongodb:// URIs, without connecting yet', async () => {
    const db = await connect('mongodb://127.0.0.1:1/?replicaSet=rs0', {
      serverSelectionTimeoutMS: 200,
    })
    expect(db.options.backend).toBe('mongodb')
    await db.close()
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
