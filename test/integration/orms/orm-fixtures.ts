/**
 * Helpers of the ORM compatibility tests (test/integration/orms/orms.test.ts): pools on the cluster,
 * readiness, where reads ran, whether a pool or every session was closed.
 */
import { expect } from 'vitest'
import { MysqlPoolError, createPool } from 'replicakit/mysql'
import type { MysqlPool } from 'replicakit/mysql'
import { ErrorCode } from '../../../src/index.js'
import type { MysqlCluster } from '../../clusters/mysql-cluster.js'

/**
 * Reads on replicas; a read after a write sees it through the pool's causal reads (the default
 * `causalReads=pool`: the read waits until its replica applied the pool's last write), not `w`.
 */
export const ORM_QUERY = 'readPreference=secondary&heartbeatFrequencyMS=500'

/** {@link ORM_QUERY} as options, for ORMs that pass an options object. */
export const ORM_OPTIONS = { readPreference: 'secondary', heartbeatFrequencyMS: 500 } as const

/** `host` as mysql2 takes it, listing every member (`h:p,h:p,h:p`). */
export function hosts(cluster: MysqlCluster): string {
  return cluster.nodes.map((n) => `${n.host}:${String(n.port)}`).join(',')
}

export function credentials(cluster: MysqlCluster): {
  user: string
  password: string
  database: string
} {
  return { user: cluster.appUser, password: cluster.appPassword, database: 'appdb' }
}

/** A pool on the cluster whose reads go to replicas and see the pool's earlier writes. */
export async function openPool(cluster: MysqlCluster): Promise<MysqlPool> {
  return ready(createPool(`${cluster.uri}?${ORM_QUERY}`))
}

/** Waits until the pool's client knows the primary and both replicas. */
export async function ready(pool: MysqlPool): Promise<MysqlPool> {
  await expect
    .poll(
      () =>
        pool.client
          .topology()
          .nodes.map((n) => n.state)
          .sort(),
      { timeout: 20_000 },
    )
    .toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY'])
  return pool
}

/**
 * Whether `times` plain reads all ran on replicas (server ids 2 and 3; the primary is 1). Which
 * replica serves each is the selection's choice, so only "never the primary" is asserted.
 */
export async function onReplicasOnly(read: () => Promise<number>, times = 6): Promise<boolean> {
  for (let i = 0; i < times; i++) {
    const id = await read()
    if (id !== 2 && id !== 3) return false
  }
  return true
}

/** Whether a pool was ended: a new connection fails with CLIENT_CLOSED. */
export async function isEnded(pool: MysqlPool): Promise<boolean> {
  const error = await pool.getConnection().then(
    () => undefined,
    (e: unknown) => e,
  )
  return error instanceof MysqlPoolError && error.code === ErrorCode.ClientClosed
}

/** The sessions the application user still has open on every node (monitoring included). */
export async function appSessions(cluster: MysqlCluster): Promise<number> {
  let total = 0
  for (const node of cluster.nodes) {
    const rows = await cluster.adminQuery(
      node.name,
      `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = '${cluster.appUser}'`,
    )
    total += Number(rows[0]?.['n'])
  }
  return total
}
