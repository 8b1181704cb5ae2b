/**
 * The ways the MySQL benchmark reaches the same cluster: raw mysql2 pools on the right nodes,
 * ReplicaKit (plain, and with TLS verified against the test CA), HAProxy in TCP mode, and
 * ReplicaKit's mysql2-compatible pool with causal reads off and pool-wide. Each is a
 * {@link WorkloadTarget} running the same SQL.
 */
import mysql from 'mysql2/promise'
import type { Pool, PoolConnection } from 'mysql2/promise'
import type { WorkloadTarget } from './workload.js'

/** The benchmark's modes, in table order. */
export const BENCH_MODES = Object.freeze([
  'raw',
  'replicakit',
  'replicakit-tls',
  'haproxy',
  'pool',
  'pool-causal',
] as const)
/** One way of reaching the cluster. */
export type BenchMode = (typeof BENCH_MODES)[number]

/** Human names of the modes. */
export const MODE_LABELS: Readonly<Record<BenchMode, string>> = Object.freeze({
  raw: 'raw mysql2',
  replicakit: 'ReplicaKit',
  'replicakit-tls': 'ReplicaKit, TLS',
  haproxy: 'HAProxy (TCP)',
  pool: 'pool, causal none',
  'pool-causal': 'pool, causal pool',
})

/** The point read: one row by primary key. */
export const READ_SQL = 'SELECT id, k, payload FROM bench_items WHERE id = ?'
/** The insert. */
export const WRITE_SQL = 'INSERT INTO bench_writes (mode, payload) VALUES (?, ?)'

/** A workload target that owns pools or clients. */
export interface ModeTarget extends WorkloadTarget {
  readonly mode: BenchMode
  close(): Promise<void>
}

/** Credentials and database shared by every mode. */
export interface MysqlCredentials {
  readonly user: string
  readonly password: string
  readonly database: string
}

/** A host and port. */
export interface Endpoint {
  readonly host: string
  readonly port: number
}

/** Throws unless a point read returned exactly one row (catches reads on an empty or wrong node). */
export function expectOneRow(result: unknown, id: number): void {
  const rows = Array.isArray(result) ? (result[0] as unknown) : undefined
  if (!Array.isArray(rows) || rows.length !== 1) {
    const got = Array.isArray(rows) ? `${rows.length} rows` : 'no result set'
    throw new Error(`point read of id ${id} returned ${got}`)
  }
}

/** A mysql2 pool of at most `connectionLimit` connections to `endpoint`. */
export function createBenchPool(
  endpoint: Endpoint,
  credentials: MysqlCredentials,
  connectionLimit: number,
): Pool {
  return mysql.createPool({
    host: endpoint.host,
    port: endpoint.port,
    user: credentials.user,
    password: credentials.password,
    database: credentials.database,
    connectionLimit,
    connectTimeout: 2_000,
    enableKeepAlive: true,
  })
}

/**
 * Raw mysql2: one pool per node, writes on the primary's pool, reads round-robin over the
 * replicas' pools. The topology is fixed at creation (a raw pool never learns of a failover).
 */
export function createRawTarget(
  primary: Endpoint,
  replicas: readonly Endpoint[],
  credentials: MysqlCredentials,
  connectionLimit: number,
): ModeTarget {
  const writePool = createBenchPool(primary, credentials, connectionLimit)
  const readPools = replicas.map((r) => createBenchPool(r, credentials, connectionLimit))
  let next = 0
  return {
    mode: 'raw',
    async read(id) {
      const pool = readPools[next % readPools.length]!
      next += 1
      expectOneRow(await pool.query(READ_SQL, [id]), id)
    },
    async write(payload) {
      await writePool.query(WRITE_SQL, ['raw', payload])
    },
    async close() {
      await Promise.all([writePool, ...readPools].map((p) => p.end()))
    },
  }
}

/**
 * HAProxy: one pool on the write frontend, one on the read frontend. TCP mode balances
 * connections, not queries: each pooled connection stays on the replica it was given.
 */
export function createHaproxyTarget(
  writeEndpoint: Endpoint,
  readEndpoint: Endpoint,
  credentials: MysqlCredentials,
  connectionLimit: number,
): ModeTarget {
  const writePool = createBenchPool(writeEndpoint, credentials, connectionLimit)
  const readPool = createBenchPool(readEndpoint, credentials, connectionLimit)
  return {
    mode: 'haproxy',
    async read(id) {
      expectOneRow(await readPool.query(READ_SQL, [id]), id)
    },
    async write(payload) {
      await writePool.query(WRITE_SQL, ['haproxy', payload])
    },
    async close() {
      await Promise.all([writePool.end(), readPool.end()])
    },
  }
}

/** ReplicaKit's `primaryChanged` payload (`host:port` addresses). */
export interface PrimaryChange {
  readonly previous: string | null
  readonly next: string | null
}

/** The part of the ReplicaKit client the benchmark uses. */
export interface ReplicaKitLike {
  write<T>(fn: (conn: PoolConnection) => Promise<T>, options?: { timeoutMS?: number }): Promise<T>
  read<T>(
    fn: (conn: PoolConnection) => Promise<T>,
    options?: { readPreference?: 'secondary'; timeoutMS?: number },
  ): Promise<T>
  on(event: 'primaryChanged', listener: (event: PrimaryChange) => void): unknown
  off(event: 'primaryChanged', listener: (event: PrimaryChange) => void): unknown
  close(): Promise<void>
}

/**
 * Connects ReplicaKit to `uri` (loaded lazily, so the other modes run even when the client is
 * broken) and waits for a primary.
 */
export async function connectReplicaKit(uri: string): Promise<ReplicaKitLike> {
  const { connect } = await import('replicakit')
  const db = await connect<PoolConnection>(uri)
  await db.waitForPrimary()
  return db
}

/**
 * ReplicaKit: `write` on the primary, `read` with readPreference `secondary`; `mode` says whether
 * its URI turned TLS on.
 */
export function createReplicaKitTarget(
  db: ReplicaKitLike,
  mode: 'replicakit' | 'replicakit-tls' = 'replicakit',
): ModeTarget {
  return {
    mode,
    async read(id) {
      const result = await db.read((conn) => conn.query(READ_SQL, [id]), {
        readPreference: 'secondary',
      })
      expectOneRow(result, id)
    },
    async write(payload) {
      await db.write((conn) => conn.query(WRITE_SQL, [mode, payload]))
    },
    async close() {
      await db.close()
    },
  }
}

/** What a causal pool counts (`MysqlPool.causalStats`). */
export interface CausalCounts {
  readonly causalReads: number
  readonly waited: number
  readonly fellBackToPrimary: number
}

/** The part of ReplicaKit's mysql2-compatible pool the benchmark uses. */
interface BenchPool {
  query(sql: string, values: unknown[]): Promise<unknown>
  end(): Promise<void>
  readonly causalStats: CausalCounts
}

/**
 * ReplicaKit's mysql2-compatible pool (`createPool` from `replicakit/mysql`), reads on replicas
 * (`readPreference=secondary` in `uri`) and `causalReads` as given: `none` (every read may miss the
 * pool's last write) or `pool` (every read sees every earlier write through the pool). `counts`
 * gives the causal pool's counters after the run.
 */
export async function createPoolTarget(
  uri: string,
  causal: 'none' | 'pool',
): Promise<ModeTarget & { counts(): CausalCounts }> {
  const { createPool } = await import('replicakit/mysql')
  const pool = createPool(`${uri}&causalReads=${causal}`) as unknown as BenchPool
  const mode: BenchMode = causal === 'none' ? 'pool' : 'pool-causal'
  return {
    mode,
    async read(id) {
      expectOneRow(await pool.query(READ_SQL, [id]), id)
    },
    async write(payload) {
      await pool.query(WRITE_SQL, [mode, payload])
    },
    counts: () => pool.causalStats,
    async close() {
      await pool.end()
    },
  }
}
