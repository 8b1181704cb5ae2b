/**
 * Once-per-run sharing of the Cassandra ring. Four JVMs take a minute and 4 GB to start, so a test
 * run starts at most one ring and every test file of every tier reattaches to it:
 *
 * - A *run holder* is the process that lives as long as the run: `scripts/test.mjs` for `npm test`
 *   (it passes its pid down in `REPLICAKIT_TEST_RUN_HOLDER`), else the vitest main process (the
 *   integration/chaos `globalSetup`, `test/setup/cassandra-ring.ts`).
 * - {@link acquireCassandraRing} (from a test file's `beforeAll`) takes the ring lock, reattaches to
 *   the ring in `.cluster/cassandra/state.json` (restarting dead nodes, resuming paused ones) or
 *   starts one, and records the holder's pid as a lease.
 * - {@link releaseCassandraRing} (the holder, when the run ends) drops its lease; a ring that tests
 *   started stops when no live holder leases it any more. A ring started by the CLI (`up`) is never
 *   stopped by tests. Leases of dead holders are ignored, so a crashed run does not pin the ring.
 * - With `REPLICAKIT_CASSANDRA_URI` set, tests use that ring and nothing is started or stopped.
 *
 * {@link acquireRing} and {@link releaseRing} do the same for any {@link CassandraRingSpec}: the
 * secure node (`cassandra-secure.ts`) has its own state file, lock and leases.
 */
import {
  CassandraRing,
  loadRingState,
  saveRingState,
  SHARED_RING_SPEC,
  withRingLock,
  type CassandraRingSpec,
} from './cassandra-ring.js'
import { isNodeProcess } from './cassandra-node.js'
import { isProcessAlive } from './process-utils.js'

/** A ring outside the harness's control: tests use it and skip process-control tests. */
export const CASSANDRA_URI_ENV = 'REPLICAKIT_CASSANDRA_URI'
/** The pid of the process holding the test run's lease (set by `scripts/test.mjs`). */
export const RUN_HOLDER_ENV = 'REPLICAKIT_TEST_RUN_HOLDER'

/** The ring a test file uses. */
export interface SharedCassandraRing {
  /** `cassandra://h1,h2,h3/keyspace?localDataCenter=dc1` */
  readonly uri: string
  readonly contactPoints: readonly string[]
  readonly localDataCenter: string
  readonly keyspace: string
  /** The harness's ring, or `undefined` for an outside ring (no process control). */
  readonly ring: CassandraRing | undefined
  /** Why process-control tests cannot run (outside ring), for `skip(reason)`; else `undefined`. */
  readonly noControlReason: string | undefined
}

/** Parses `cassandra://host[:port],…/keyspace?localDataCenter=dc` (the CLI's URI shape). */
export function parseCassandraUri(
  uri: string,
): Omit<SharedCassandraRing, 'ring' | 'noControlReason'> {
  const match = /^cassandra:\/\/([^/?]+)\/([A-Za-z0-9_]+)(?:\?(.*))?$/.exec(uri)
  if (match === null) {
    throw new Error(
      `${CASSANDRA_URI_ENV}=${uri} is not cassandra://hosts/keyspace?localDataCenter=…`,
    )
  }
  const params = new URLSearchParams(match[3] ?? '')
  return {
    uri,
    contactPoints: (match[1] ?? '').split(','),
    keyspace: match[2] ?? '',
    localDataCenter: params.get('localDataCenter') ?? 'dc1',
  }
}

function shared(ring: CassandraRing): SharedCassandraRing {
  const { uri, contactPoints, localDataCenter, keyspace } = ring
  return { uri, contactPoints, localDataCenter, keyspace, ring, noControlReason: undefined }
}

/**
 * Returns the run's ring for a test file, starting it if no live one is recorded, and leases it
 * to `holder` (the run holder's pid). Bounded by the ring lock's timeout plus one start.
 */
export async function acquireCassandraRing(holder: number): Promise<SharedCassandraRing> {
  const external = process.env[CASSANDRA_URI_ENV]
  if (external !== undefined && external !== '') {
    return {
      ...parseCassandraUri(external),
      ring: undefined,
      noControlReason: `${CASSANDRA_URI_ENV} points at a ring this harness does not control`,
    }
  }
  return shared(await acquireRing(SHARED_RING_SPEC, holder))
}

/**
 * Returns the ring of `spec`, reattached (dead nodes restarted, paused ones resumed) or started,
 * and leases it to `holder`.
 */
export function acquireRing(spec: CassandraRingSpec, holder: number): Promise<CassandraRing> {
  return withRingLock(async () => {
    const state = await loadRingState(spec)
    let ring: CassandraRing
    if (state?.ready === true && state.nodes.some(isNodeProcess)) {
      ring = new CassandraRing(state, spec)
      await ring.ensureAllUp()
    } else {
      // No ring, a dead one, or a start that died half-way (we hold the lock: nobody is starting).
      if (state !== undefined) await new CassandraRing(state, spec).stop()
      ring = await CassandraRing.start('tests', spec)
    }
    await updateLeases(spec, (leases) => [...leases, holder])
    return ring
  }, spec)
}

/** What {@link releaseCassandraRing} did. */
export type ReleaseOutcome = 'no-ring' | 'kept' | 'stopped'

/**
 * Drops `holder`'s lease and stops the ring if tests started it and no live holder leases it any
 * more. A CLI-started ring is kept.
 */
export function releaseCassandraRing(holder: number): Promise<ReleaseOutcome> {
  return releaseRing(SHARED_RING_SPEC, holder)
}

/** {@link releaseCassandraRing} for the ring of `spec`. */
export function releaseRing(spec: CassandraRingSpec, holder: number): Promise<ReleaseOutcome> {
  return withRingLock(async () => {
    const leases = await updateLeases(spec, (l) => l.filter((pid) => pid !== holder))
    const state = await loadRingState(spec)
    if (state === undefined || leases === undefined) return 'no-ring'
    if (state.startedBy !== 'tests' || leases.length > 0) return 'kept'
    await new CassandraRing(state, spec).stop()
    return 'stopped'
  }, spec)
}

/** Rewrites the leases (deduplicated, dead holders dropped) under the lock; `undefined`: no ring. */
async function updateLeases(
  spec: CassandraRingSpec,
  change: (leases: readonly number[]) => readonly number[],
): Promise<readonly number[] | undefined> {
  return withRingLock(async () => {
    const state = await loadRingState(spec)
    if (state === undefined) return undefined
    state.leases = [...new Set(change(state.leases))].filter(isProcessAlive)
    await saveRingState(state, spec)
    return state.leases
  }, spec)
}
