/**
 * The backends of the conformance suite: each gives the suite a way to connect and a few
 * backend-specific statements (insert a row, look one up, send one the server rejects). The same
 * behaviour suite (`client-behaviour.test.ts`) runs over every entry, in the style of kysely's
 * `for (const dialect of DIALECTS)`.
 */
import type { RowDataPacket } from 'mysql2/promise'
import { connect as connectMongodb } from 'replicakit/mongodb'
import type { MongoConn } from 'replicakit/mongodb'
import { connect as connectMysql } from 'replicakit/mysql'
import type { MysqlConnection } from 'replicakit/mysql'
import { ReplicaKitClient } from '../../../src/client/client.js'
import { resolveOptions } from '../../../src/config/options.js'
import type { ClientOptions } from '../../../src/config/options.js'
import { connect as connectCassandra } from 'replicakit/cassandra'
import type { CassandraConnection } from 'replicakit/cassandra'
import { useCassandraRing } from '../../clusters/cassandra-fixture.js'
import { startMongoSim } from '../../clusters/mongo-sim.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import { FakeCluster } from '../../fixtures/fake-adapter.js'
import type { FakeConn } from '../../fixtures/fake-adapter.js'
import { createFakeDriverAdapter } from '../../fixtures/fake-driver-adapter.js'

/** What the suite needs of one running backend. */
export interface ConformanceTarget<Conn> {
  /** Opens a client on the backend (the suite closes it). */
  connect(options?: ClientOptions): Promise<ReplicaKitClient<Conn>>
  /** How many data-bearing members the backend has (for `w`). */
  readonly members: number
  insert(conn: Conn, id: string): Promise<void>
  exists(conn: Conn, id: string): Promise<boolean>
  /** Sends a statement the server rejects (a syntax error or a bad command). */
  rejected(conn: Conn): Promise<unknown>
  /**
   * How members look: `'replica-set'` (one primary, the rest secondaries) or `'ring'` (masterless
   * peers, no primary). Default `'replica-set'`.
   */
  readonly shape?: 'replica-set' | 'ring'
  /** Whether sessions give read-your-writes (else a session option is refused). Default true. */
  readonly causalSessions?: boolean
  tearDown(): Promise<void>
}

/** One backend of the suite. */
export interface ConformanceBackend {
  readonly name: string
  setUp(): Promise<ConformanceTarget<unknown>>
}

const SHARED = { heartbeatFrequencyMS: 500, baseBackoffMS: 10, maxBackoffMS: 100 } as const

/** MySQL/MariaDB on a real 3-node GTID cluster: the core probes, routes and waits on replicas. */
const MYSQL: ConformanceBackend = {
  name: 'mysql (real MariaDB cluster)',
  async setUp() {
    const cluster = await startMysqlCluster({ nodes: 3 })
    await cluster.adminQuery(
      'node1',
      `CREATE TABLE \`${cluster.database}\`.conformance (id VARCHAR(64) PRIMARY KEY)`,
    )
    await cluster.waitForReplication()
    const target: ConformanceTarget<MysqlConnection> = {
      members: 3,
      connect: (options) => connectMysql(cluster.uri, { ...SHARED, ...options }),
      async insert(conn, id) {
        await conn.query('INSERT INTO conformance (id) VALUES (?)', [id])
      },
      async exists(conn, id) {
        const [rows] = await conn.query<RowDataPacket[]>(
          'SELECT id FROM conformance WHERE id = ?',
          [id],
        )
        return rows.length > 0
      },
      rejected: (conn) => conn.query('SELEC 1'),
      tearDown: () => cluster.stop(),
    }
    return target
  },
}

/**
 * An in-memory driver that discovers and routes itself (the MongoDB/Cassandra shape): proves the
 * driver-pushed topology and intent-routed calls until those adapters join.
 */
const FAKE_DRIVER: ConformanceBackend = {
  name: 'fake driver-discovery adapter (in memory)',
  setUp() {
    const hosts = ['10.0.0.1:27017', '10.0.0.2:27017', '10.0.0.3:27017']
    const clusters: FakeCluster[] = []
    const cluster = (): FakeCluster => {
      const made = new FakeCluster({
        [hosts[0] ?? '']: 'primary',
        [hosts[1] ?? '']: 'secondary',
        [hosts[2] ?? '']: 'secondary',
      })
      clusters.push(made)
      return made
    }
    // One cluster per client: the fake's data lives with the driver.
    const data = cluster()
    const target: ConformanceTarget<FakeConn> = {
      members: 3,
      connect(options) {
        const resolved = resolveOptions(`mongodb://${hosts.join(',')}/?replicaSet=fake`, {
          ...SHARED,
          ...options,
        })
        data.closed = false
        return Promise.resolve(new ReplicaKitClient(() => createFakeDriverAdapter(data), resolved))
      },
      insert(conn, id) {
        data.insert(conn, id)
        return Promise.resolve()
      },
      exists(conn, id) {
        return Promise.resolve(data.select(conn).includes(id))
      },
      rejected: () => Promise.reject(Object.assign(new Error('bad command'), { fake: 'rejected' })),
      tearDown: () => Promise.resolve(),
    }
    return Promise.resolve(target as ConformanceTarget<unknown>)
  },
}

/** Every backend the suite runs over. */
/**
 * MongoDB through the official driver on the wire-protocol simulator (3 members). The simulator
 * keeps no `$clusterTime`/`operationTime`, so the driver cannot make a session's secondary read wait:
 * writes default to `w: 3` here so that every member has them (the server-side causal path runs in
 * test/integration/mongodb/live.test.ts against a real replica set).
 */
const MONGODB: ConformanceBackend = {
  name: 'mongodb (driver on the wire simulator)',
  async setUp() {
    const sim = await startMongoSim({ members: 3 })
    const target: ConformanceTarget<MongoConn> = {
      members: 3,
      connect: (options) =>
        connectMongodb(sim.uri, { ...SHARED, connectTimeoutMS: 1_000, w: 3, ...options }),
      async insert(conn, id) {
        await conn.db.collection('conformance').insertOne({ _id: id as never })
      },
      async exists(conn, id) {
        return (await conn.db.collection('conformance').findOne({ _id: id as never })) !== null
      },
      rejected: (conn) => conn.db.command({ noSuchCommand: 1 }),
      tearDown: () => sim.stop(),
    }
    return target
  },
}

/**
 * Cassandra on the run's shared real ring (4 nodes: dc1 = 3, dc2 = 1, keyspace RF dc1:3 dc2:1):
 * masterless, so no primary; `w` maps to consistency levels (3 = THREE, the dc1 replicas).
 */
const CASSANDRA: ConformanceBackend = {
  name: 'cassandra (real 4-node ring)',
  async setUp() {
    const shared = await useCassandraRing()
    await shared.ring?.ensureAllUp()
    const open = (options?: ClientOptions) =>
      connectCassandra(shared.uri, { ...SHARED, timeoutMS: 20_000, ...options })
    const admin = await open()
    await admin.write((c) =>
      c.execute('CREATE TABLE IF NOT EXISTS conformance (id text PRIMARY KEY)'),
    )
    await admin.close()
    const target: ConformanceTarget<CassandraConnection> = {
      members: 3,
      shape: 'ring',
      causalSessions: false,
      connect: open,
      async insert(conn, id) {
        await conn.execute('INSERT INTO conformance (id) VALUES (?)', [id], { prepare: true })
      },
      async exists(conn, id) {
        const rs = await conn.execute('SELECT id FROM conformance WHERE id = ?', [id], {
          prepare: true,
        })
        return rs.rowLength > 0
      },
      rejected: (conn) => conn.execute('SELEC 1'),
      tearDown: () => Promise.resolve(), // the ring is the run's, released when the run ends
    }
    return target
  },
}

export const BACKENDS: readonly ConformanceBackend[] = [MYSQL, MONGODB, CASSANDRA, FAKE_DRIVER]
