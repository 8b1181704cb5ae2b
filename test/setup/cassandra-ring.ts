/**
 * vitest `globalSetup` of the integration and chaos projects: names the process that holds this
 * run's lease on the shared Cassandra ring, and releases it when the run ends. Under
 * `scripts/test.mjs` the script itself is the holder (it spans every tier) and releases the ring
 * after the last one; this setup then only passes its pid on. Nothing starts here: the first test
 * file that calls `useCassandraRing()` starts the ring.
 *
 * @see ../clusters/cassandra-shared.ts
 */
import type { TestProject } from 'vitest/node'
import { releaseCassandraRing, RUN_HOLDER_ENV } from '../clusters/cassandra-shared.js'

/** Provides the holder pid; returns the teardown when this vitest process is the holder. */
export default function setup(project: TestProject): (() => Promise<void>) | undefined {
  const outer = Number(process.env[RUN_HOLDER_ENV])
  if (Number.isInteger(outer) && outer > 0) {
    project.provide('cassandraRunHolder', outer)
    return undefined
  }
  project.provide('cassandraRunHolder', process.pid)
  return async () => {
    const outcome = await releaseCassandraRing(process.pid)
    if (outcome === 'stopped') process.stderr.write('cassandra ring stopped (end of test run)\n')
  }
}
