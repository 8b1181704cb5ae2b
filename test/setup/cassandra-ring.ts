/**
 * vitest `globalSetup` of the integration and chaos projects: names the process that holds this
 * run's lease on the shared Cassandra ring, and releases it when the run ends. Under
 * `scripts/test.mjs` the script itself is the holder (it spans every tier) and releases the ring
 * after the last one; this setup then only passes its pid on. Nothing starts here: the first test
 * file that calls `useCassandraRing()` starts the ring.
 *
 * The secure node (`useSecureCassandra()`, `cassandra-secure.ts`) is always leased to this vitest
 * process and released by its teardown: only this run's TLS and authentication tests use it, so it
 * does not outlive the tier that started it.
 *
 * @see ../clusters/cassandra-shared.ts
 */
import type { TestProject } from 'vitest/node'
import { SECURE_RING_SPEC } from '../clusters/cassandra-secure.js'
import { releaseCassandraRing, releaseRing, RUN_HOLDER_ENV } from '../clusters/cassandra-shared.js'

/** Provides the holder pids; the teardown releases what this vitest process holds. */
export default function setup(project: TestProject): () => Promise<void> {
  const outer = Number(process.env[RUN_HOLDER_ENV])
  const holdsRing = !(Number.isInteger(outer) && outer > 0)
  project.provide('cassandraRunHolder', holdsRing ? process.pid : outer)
  project.provide('cassandraSecureHolder', process.pid)
  return async () => {
    if ((await releaseRing(SECURE_RING_SPEC, process.pid)) === 'stopped') {
      process.stderr.write('cassandra secure node stopped (end of test run)\n')
    }
    if (holdsRing && (await releaseCassandraRing(process.pid)) === 'stopped') {
      process.stderr.write('cassandra ring stopped (end of test run)\n')
    }
  }
}
