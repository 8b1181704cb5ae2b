import { describe, expect, it } from 'vitest'
import { awaitWriteConcern } from '../../../src/concern/await-write-concern.js'
import { ErrorCode, WriteConcernError } from '../../../src/errors/errors.js'

describe('awaitWriteConcern', () => {
  it('prints the bound in whole ms when the remaining deadline is fractional', async () => {
    const waiting = awaitWriteConcern({
      replication: { awaitApplied: () => Promise.resolve(false) },
      token: { backend: 'mysql', value: 'uuid:1-5' },
      primary: 'db1:3306',
      required: 1,
      replicas: ['db2:3306'],
      timeoutMS: 1999.922294,
      wc: { w: 2 },
      signal: new AbortController().signal,
    })
    const error = await waiting.then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(WriteConcernError)
    expect((error as WriteConcernError).code).toBe(ErrorCode.WriteConcernTimeout)
    expect((error as WriteConcernError).message).toContain('arrived within 2000 ms;')
  })
})
