/**
 * `useCassandraRing()`: the one call a test file makes to get the run's shared Cassandra ring.
 *
 * ```ts
 * let shared: SharedCassandraRing
 * beforeAll(async () => {
 *   shared = await useCassandraRing()
 * })
 * ```
 *
 * No `afterAll` stop: the run holder releases the ring when the run ends (see `cassandra-shared.ts`).
 * A test that kills or pauses a node brings it back before it ends.
 */
import { inject } from 'vitest'
import { acquireSecureCassandra, type SecureCassandra } from './cassandra-secure.js'
import { acquireCassandraRing, type SharedCassandraRing } from './cassandra-shared.js'

export type { SharedCassandraRing } from './cassandra-shared.js'
export type { SecureCassandra } from './cassandra-secure.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Pid of the test run's holder, provided by `test/setup/cassandra-ring.ts`. */
    cassandraRunHolder: number
    /** Pid of this vitest run's main process: it holds the secure node's lease. */
    cassandraSecureHolder: number
  }
}

/**
 * Returns the run's Cassandra ring (starting it on first use in the run) or the outside ring of
 * `REPLICAKIT_CASSANDRA_URI`. Needs the integration or chaos vitest project, whose `globalSetup`
 * holds the run's lease.
 */
export async function useCassandraRing(): Promise<SharedCassandraRing> {
  const holder = inject('cassandraRunHolder') as number | undefined
  if (holder === undefined) {
    throw new Error(
      'useCassandraRing() needs the globalSetup test/setup/cassandra-ring.ts ' +
        '(run the file through the integration or chaos vitest project)',
    )
  }
  return acquireCassandraRing(holder)
}

/**
 * Returns the secure node (TLS only, client certificate required, `PasswordAuthenticator`),
 * starting it on first use in this vitest run; the run's `globalSetup` stops it when the run ends.
 */
export async function useSecureCassandra(): Promise<SecureCassandra> {
  const holder = inject('cassandraSecureHolder') as number | undefined
  if (holder === undefined) {
    throw new Error(
      'useSecureCassandra() needs the globalSetup test/setup/cassandra-ring.ts ' +
        '(run the file through the integration or chaos vitest project)',
    )
  }
  return acquireSecureCassandra(holder)
}
