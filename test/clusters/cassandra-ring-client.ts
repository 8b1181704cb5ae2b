/**
 * The harness's own `cassandra-driver` client: it keeps a connection pool to every node (both data
 * centers), so it notices a node going down or coming back, and can run a statement on a chosen
 * node. Readiness and the ring's keyspace go through it.
 */
import cassandra from 'cassandra-driver'
import { CQL_PORT, LOCAL_DC } from './cassandra-config.js'
import { waitUntil } from './process-utils.js'

/** What the driver knows about one node. */
export interface DriverHostView {
  /** `127.0.0.N` */
  readonly host: string
  readonly isUp: boolean
  readonly dc: string
  readonly rack: string
  /** `release_version` as the driver read it, e.g. `5.0.6`. */
  readonly version: string
}

/**
 * A client that connects to every node: round-robin load balancing (no node is `ignored`, unlike
 * the default DC-aware policy with remote data centers) and a constant 500 ms reconnection, so a
 * restarted node is seen up again quickly; `security` adds TLS and credentials (the secure node).
 * The caller shuts it down.
 */
export function createRingClient(
  contactPoints: readonly string[],
  security: Pick<cassandra.ClientOptions, 'sslOptions' | 'credentials'> = {},
): cassandra.Client {
  return new cassandra.Client({
    ...security,
    contactPoints: [...contactPoints],
    localDataCenter: LOCAL_DC,
    protocolOptions: { port: CQL_PORT },
    policies: {
      loadBalancing: new cassandra.policies.loadBalancing.RoundRobinPolicy(),
      reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(500),
    },
    socketOptions: { connectTimeout: 3_000, readTimeout: 10_000 },
  })
}

/** Every host the driver knows, by address. */
export function driverHosts(client: cassandra.Client): DriverHostView[] {
  return client.hosts.values().map((h) => ({
    host: h.address.replace(/:\d+$/, ''),
    isUp: h.isUp(),
    dc: h.datacenter,
    rack: h.rack,
    version: h.cassandraVersion,
  }))
}

/**
 * Waits until the driver knows every address in `hosts`, marks each up, and a query pinned to
 * each node succeeds. Throws after `timeoutMS` with what the driver saw last.
 */
export async function waitForDriverHostsUp(
  client: cassandra.Client,
  hosts: readonly string[],
  timeoutMS: number,
): Promise<void> {
  let last = ''
  await waitUntil(
    async () => {
      try {
        await client.connect() // a no-op once connected; retried after a failed attempt
      } catch (error: unknown) {
        last = `connect failed: ${(error as Error).message}`
        return undefined
      }
      const known = new Map(client.hosts.values().map((h) => [h.address.replace(/:\d+$/, ''), h]))
      last = JSON.stringify(driverHosts(client))
      for (const address of hosts) {
        const host = known.get(address)
        if (host?.isUp() !== true) return undefined
        try {
          await client.execute('SELECT release_version FROM system.local', [], { host })
        } catch {
          return undefined
        }
      }
      return true
    },
    {
      what: `the driver to see ${hosts.join(', ')} up`,
      timeoutMS,
      intervalMS: 250,
      diagnose: () => `driver saw: ${last}`,
    },
  )
}
