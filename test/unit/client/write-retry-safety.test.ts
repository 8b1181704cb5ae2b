/**
 * The write-retry rule, for every shape an adapter can have: the core re-runs a write's `fn` only
 * when the call is `idempotent` or the error proves nothing was written. A `RetryableWrite` label
 * (MongoDB's retryable-write protocol, which its driver applies once itself under the same
 * `txnNumber`) never makes an unknown outcome safe to run again as a new operation.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Adapter, AdapterCapabilities } from '../../../src/adapter.js'
import { ReplicaKitClient } from '../../../src/client/client.js'
import { resolveOptions } from '../../../src/config/options.js'
import { ErrorCode, ErrorLabel, NetworkError } from '../../../src/errors/errors.js'
import { createFakeAdapter, FakeCluster } from '../../fixtures/fake-adapter.js'
import type { FakeConn } from '../../fixtures/fake-adapter.js'
import { createFakeDriverAdapter } from '../../fixtures/fake-driver-adapter.js'
import { caught } from '../../fixtures/caught.js'

const A = '10.0.0.1:3306'
const B = '10.0.0.2:3306'

const clients: ReplicaKitClient<FakeConn>[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
})

type Shape = Pick<AdapterCapabilities, 'electionTerms' | 'driverRetriesWrites'>
const SHAPES: readonly Shape[] = [false, true].flatMap((electionTerms) =>
  [false, true].map((driverRetriesWrites) => ({ electionTerms, driverRetriesWrites })),
)
const KINDS = ['core probes and routes (MySQL-like)', 'driver discovers and routes (MongoDB-like)']

/** Every combination: both adapter kinds × election terms × the driver's own write retry. */
const COMBINATIONS = KINDS.flatMap((kind) => SHAPES.map((shape) => ({ kind, shape })))

function client(kind: string, shape: Shape): ReplicaKitClient<FakeConn> {
  const cluster = new FakeCluster({ [A]: 'primary', [B]: 'secondary' })
  const adapter: Adapter<FakeConn> =
    kind === KINDS[0]
      ? createFakeAdapter(cluster, { capabilities: shape })
      : createFakeDriverAdapter(cluster, { capabilities: shape })
  const options = resolveOptions(`mysql://app:pw@${A},${B}/appdb`, {
    heartbeatFrequencyMS: 500,
    timeoutMS: 3_000,
    baseBackoffMS: 1,
    maxBackoffMS: 5,
    maxRetries: 3,
  })
  const db = new ReplicaKitClient(() => adapter, options)
  clients.push(db)
  return db
}

/** A write failure whose outcome is unknown: the request may have been applied. */
const unknownOutcome = (): NetworkError =>
  new NetworkError('connection reset after the insert was sent', {
    code: ErrorCode.NetworkError,
    labels: [ErrorLabel.RetryableWrite, ErrorLabel.UnknownOutcome],
  })

describe('the core never re-runs a write whose outcome is unknown', () => {
  it.for(COMBINATIONS)(
    '$kind, electionTerms=$shape.electionTerms, driverRetriesWrites=$shape.driverRetriesWrites',
    async ({ kind, shape }) => {
      const db = client(kind, shape)
      const fn = vi.fn(() => Promise.reject(unknownOutcome()))
      const error = await caught(db.write(fn))
      expect(fn).toHaveBeenCalledTimes(1)
      expect(error.code).toBe(ErrorCode.NetworkError)
      expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
    },
  )

  it.for(COMBINATIONS)(
    're-runs it when idempotent: $kind, electionTerms=$shape.electionTerms, driverRetriesWrites=$shape.driverRetriesWrites',
    async ({ kind, shape }) => {
      const db = client(kind, shape)
      const fn = vi
        .fn<() => Promise<string>>()
        .mockRejectedValueOnce(unknownOutcome())
        .mockResolvedValue('done')
      await expect(db.write(fn, { idempotent: true })).resolves.toBe('done')
      expect(fn).toHaveBeenCalledTimes(2)
    },
  )

  it.for(COMBINATIONS)(
    're-runs it when nothing was written: $kind, electionTerms=$shape.electionTerms, driverRetriesWrites=$shape.driverRetriesWrites',
    async ({ kind, shape }) => {
      const db = client(kind, shape)
      const unwritten = new NetworkError('refused before sending', {
        code: ErrorCode.NetworkError,
        labels: [ErrorLabel.RetryableWrite, ErrorLabel.NoWritesPerformed],
      })
      const fn = vi
        .fn<() => Promise<string>>()
        .mockRejectedValueOnce(unwritten)
        .mockResolvedValue('done')
      await expect(db.write(fn)).resolves.toBe('done')
      expect(fn).toHaveBeenCalledTimes(2)
    },
  )
})
