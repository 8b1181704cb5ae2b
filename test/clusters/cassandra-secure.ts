/**
 * The secure Cassandra node: a one-node cluster of its own on 127.0.0.5 (`SECURE_LAYOUT` in
 * `cassandra-config.ts`) for what needs the server to insist — TLS only, a client certificate
 * signed by the test CA, `PasswordAuthenticator` — while the shared ring keeps serving the plain
 * tests (its TLS is optional). Same lifecycle as the ring (`CassandraRing` with its own
 * {@link SECURE_RING_SPEC}: folder `.cluster/cassandra-secure`, its own lock and leases), started by
 * the first test file that asks for it; the integration project's `globalSetup` releases it when
 * its vitest run ends (the vitest main process holds the lease, see `test/setup/cassandra-ring.ts`).
 *
 * ```sh
 * npm run --silent cluster -- up cassandra --secure      # or status|down … --secure
 * npm run --silent cluster -- kill|restart cassandra secure1
 * ```
 */
import { readFile } from 'node:fs/promises'
import { SECURE_HOST, SECURE_LAYOUT } from './cassandra-config.js'
import type { CassandraRing } from './cassandra-ring.js'
import { type CassandraRingSpec } from './cassandra-ring.js'
import { acquireRing } from './cassandra-shared.js'
import { ensureTlsFiles } from './tls-certs.js'

/** The role the tests log in as (made at start by the default superuser). */
export const SECURE_USER = 'replicakit_app'
/** Its password: a throwaway of the test node, never used elsewhere. */
export const SECURE_PASSWORD = 'app-password-5c2e71'
/** The keyspace made at start (`SimpleStrategy`, one replica). */
export const SECURE_KEYSPACE = 'replicakit_secure'

/** `PasswordAuthenticator`'s default superuser: the harness's own log-in, for set-up only. */
const SUPERUSER = Object.freeze({ username: 'cassandra', password: 'cassandra' })

/** The secure node as a ring of one: folder, lock and leases of its own. */
export const SECURE_RING_SPEC: CassandraRingSpec = Object.freeze({
  id: 'cassandra-secure',
  layout: SECURE_LAYOUT,
  keyspace: SECURE_KEYSPACE,
  replication: `{'class': 'SimpleStrategy', 'replication_factor': 1}`,
  setupCql: [
    `CREATE ROLE IF NOT EXISTS ${SECURE_USER} WITH PASSWORD = '${SECURE_PASSWORD}' AND LOGIN = true`,
  ],
  security: async () => {
    const tls = await ensureTlsFiles()
    const client = await readFile(tls.client)
    return {
      sslOptions: {
        ca: await readFile(tls.ca),
        cert: client,
        key: client,
        rejectUnauthorized: true,
      },
      credentials: { ...SUPERUSER },
    }
  },
})

/** What a test file gets: the node, its address and the role to log in as. */
export interface SecureCassandra {
  /** `cassandra://127.0.0.5/replicakit_secure?localDataCenter=dc1`: no TLS option, no credentials. */
  readonly uri: string
  /** `127.0.0.5` (its certificate names it and `localhost`). */
  readonly host: string
  readonly keyspace: string
  readonly user: string
  readonly password: string
  readonly ring: CassandraRing
}

/** Returns the secure node (starting it if no live one is recorded) and leases it to `holder`. */
export async function acquireSecureCassandra(holder: number): Promise<SecureCassandra> {
  const ring = await acquireRing(SECURE_RING_SPEC, holder)
  return {
    uri: ring.uri,
    host: SECURE_HOST,
    keyspace: SECURE_KEYSPACE,
    user: SECURE_USER,
    password: SECURE_PASSWORD,
    ring,
  }
}
