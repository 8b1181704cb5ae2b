/**
 * How each mode takes part in a failover measurement: its write, and how to see when it learned
 * the new primary.
 */
import type { MysqlCluster } from '../test/clusters/mysql-cluster.js'
import { sleep } from '../test/clusters/process-utils.js'
import type { FailoverSubject, PrimaryObservation } from './failover.js'
import { upServers } from './haproxy-config.js'
import type { HaproxyProcess } from './haproxy.js'
import {
  WRITE_SQL,
  type createBenchPool,
  type PrimaryChange,
  type ReplicaKitLike,
} from './mysql-modes.js'
import { payloadFor } from './workload.js'

/** ReplicaKit's failover subject: `db.write` with a 10 s call deadline; `primaryChanged` events. */
export function replicaKitSubject(db: ReplicaKitLike, cluster: MysqlCluster): FailoverSubject {
  const nameOf = (address: string | null) =>
    cluster.nodes.find((n) => `${n.host}:${n.port}` === address)?.name
  return {
    mode: 'replicakit',
    async write() {
      await db.write((conn) => conn.query(WRITE_SQL, ['failover-rk', payloadFor(0)]), {
        timeoutMS: 10_000,
      })
    },
    watch(signal) {
      return new Promise((resolve) => {
        const seen: PrimaryObservation[] = []
        const listener = (e: PrimaryChange) => {
          const primary = nameOf(e.next)
          if (primary !== undefined) seen.push({ primary, atMS: performance.now() })
        }
        db.on('primaryChanged', listener)
        signal.addEventListener(
          'abort',
          () => {
            db.off('primaryChanged', listener)
            resolve(seen)
          },
          { once: true },
        )
      })
    },
  }
}

/** HAProxy's: inserts through the write frontend; the write backend's UP servers, polled. */
export function haproxySubject(
  proxy: HaproxyProcess,
  pool: ReturnType<typeof createBenchPool>,
): FailoverSubject {
  return {
    mode: 'haproxy',
    async write() {
      await pool.query({ sql: WRITE_SQL, timeout: 10_000 }, ['failover-hap', payloadFor(0)])
    },
    async watch(signal) {
      const seen: PrimaryObservation[] = []
      let previous = new Set<string>()
      while (!signal.aborted) {
        const states = await proxy.serverStates().catch(() => undefined)
        const atMS = performance.now()
        if (states !== undefined) {
          const up = new Set(upServers(states, 'primary'))
          for (const primary of up) if (!previous.has(primary)) seen.push({ primary, atMS })
          previous = up
        }
        await sleep(50)
      }
      return seen
    },
  }
}
