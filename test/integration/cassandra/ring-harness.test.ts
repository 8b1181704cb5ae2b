/**
 * The Cassandra ring harness itself, against the run's real ring: its shape as the official driver
 * sees it, the test keyspace, the CLI's `status --json`, and the faults (kill/restart,
 * pause/resume). Every fault is undone before the test ends, and `afterAll` repairs whatever a
 * failed test left behind, so later files find the whole ring up.
 */
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import cassandra from 'cassandra-driver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useCassandraRing, type SharedCassandraRing } from '../../clusters/cassandra-fixture.js'
import { CASSANDRA_VERSION } from '../../clusters/cassandra-jars.js'
import type { CassandraRing } from '../../clusters/cassandra-ring.js'

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const run = promisify(execFile)

/** How long the driver may take to notice a node going down or coming back (a bound, not a figure). */
const DRIVER_NOTICE_MS = 60_000

describe('the shared Cassandra ring', () => {
  let shared: SharedCassandraRing
  let client: cassandra.Client

  beforeAll(async () => {
    const startedAt = performance.now()
    shared = await useCassandraRing()
    const ring = shared.ring
    if (ring !== undefined) {
      const { startupMS, resolveMS, startedBy } = ring.state
      const rss = (await ring.status()).map(
        (n) => `${n.name} ${Math.round((n.rssKB ?? 0) / 1024)} MiB`,
      )
      console.info(
        `Cassandra ring ready after ${Math.round(performance.now() - startedAt)} ms here ` +
          `(started by ${startedBy} in ${startupMS} ms, jar resolve ${resolveMS} ms); RSS: ${rss.join(', ')}`,
      )
    }
    // An application-like client: DC-aware (dc1 local, dc2 ignored), token-aware by default.
    client = new cassandra.Client({
      contactPoints: [...shared.contactPoints],
      localDataCenter: shared.localDataCenter,
      keyspace: shared.keyspace,
      policies: {
        reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1_000),
      },
      socketOptions: { readTimeout: 5_000 },
    })
    await client.connect()
  })

  afterAll(async () => {
    await client.shutdown()
    await shared.ring?.ensureAllUp()
  })

  function driverHost(address: string): cassandra.Host {
    const host = client.hosts.values().find((h) => h.address === `${address}:9042`)
    if (host === undefined) throw new Error(`the driver does not know ${address}`)
    return host
  }

  function controlled(skip: (note: string) => never): CassandraRing {
    return shared.ring ?? skip(shared.noControlReason ?? 'no process control')
  }

  it('has four nodes in two data centers on Cassandra 5.0.6, as the driver sees them', ({
    skip,
  }) => {
    controlled(skip) // an outside ring may have another shape
    const hosts = client.hosts
      .values()
      .map((h) => ({
        address: h.address,
        dc: h.datacenter,
        rack: h.rack,
        version: h.cassandraVersion,
      }))
      .sort((a, b) => a.address.localeCompare(b.address))
    expect(hosts).toEqual(
      ['dc1', 'dc1', 'dc1', 'dc2'].map((dc, i) => ({
        address: `127.0.0.${i + 1}:9042`,
        dc,
        rack: 'rack1',
        version: CASSANDRA_VERSION,
      })),
    )
    expect(hosts.map((h) => driverHost(h.address.replace(/:\d+$/, '')).isUp())).toEqual([
      true,
      true,
      true,
      true,
    ])
    expect(shared.uri).toBe(
      'cassandra://127.0.0.1,127.0.0.2,127.0.0.3/replicakit_test?localDataCenter=dc1',
    )
  })

  it('creates the test keyspace with NetworkTopologyStrategy dc1: 3, dc2: 1', async () => {
    const result = await client.execute(
      'SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?',
      [shared.keyspace],
    )
    expect(result.rows[0]?.['replication']).toEqual({
      class: 'org.apache.cassandra.locator.NetworkTopologyStrategy',
      dc1: '3',
      dc2: '1',
    })
  })

  it('takes LOCAL_QUORUM writes and reads in the keyspace', async () => {
    await client.execute('CREATE TABLE IF NOT EXISTS ring_harness (id int PRIMARY KEY, label text)')
    const options = { prepare: true, consistency: cassandra.types.consistencies.localQuorum }
    await client.execute('INSERT INTO ring_harness (id, label) VALUES (?, ?)', [1, 'one'], options)
    const result = await client.execute('SELECT label FROM ring_harness WHERE id = ?', [1], options)
    expect(result.rows[0]?.['label']).toBe('one')
  })

  it('prints every node up, in name order, with status --json', async ({ skip }) => {
    const ring = controlled(skip)
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=replicakit-source',
        'test/clusters/cli.ts',
        'status',
        'cassandra',
        '--json',
      ],
      { cwd: REPO_ROOT, timeout: 60_000 },
    )
    expect(JSON.parse(stdout)).toEqual({
      uri: shared.uri,
      nodes: ring.nodes.map((n, i) => ({
        name: `node${i + 1}`,
        host: `127.0.0.${i + 1}`,
        port: 9042,
        pid: n.pid,
        dc: i < 3 ? 'dc1' : 'dc2',
        rack: 'rack1',
        state: 'up',
      })),
    })
  })

  it('kill makes the driver mark the host down, and restart brings it back', async ({ skip }) => {
    const ring = controlled(skip)
    const host = driverHost('127.0.0.3')
    const oldPid = ring.nodes[2]!.pid
    await ring.kill('node3')
    expect((await ring.status())[2]).toMatchObject({ name: 'node3', state: 'down' })
    await expect.poll(() => host.isUp(), { timeout: DRIVER_NOTICE_MS, interval: 100 }).toBe(false)

    // Two of dc1's three replicas still make a LOCAL_QUORUM.
    const options = { prepare: true, consistency: cassandra.types.consistencies.localQuorum }
    await client.execute('INSERT INTO ring_harness (id, label) VALUES (?, ?)', [2, 'two'], options)

    await ring.restart('node3')
    await expect.poll(() => host.isUp(), { timeout: DRIVER_NOTICE_MS, interval: 100 }).toBe(true)
    const node3 = (await ring.status())[2]!
    expect(node3.state).toBe('up')
    expect(node3.pid).not.toBe(oldPid)
    const result = await client.execute('SELECT release_version FROM system.local', [], { host })
    expect(result.rows[0]?.['release_version']).toBe(CASSANDRA_VERSION)
  }, 240_000)

  it('pause freezes a node (queries on it time out) and resume thaws it', async ({ skip }) => {
    const ring = controlled(skip)
    const host = driverHost('127.0.0.2')
    const onNode2 = (readTimeout: number) =>
      client.execute('SELECT release_version FROM system.local', [], { host, readTimeout })
    await ring.pause('node2')
    try {
      expect((await ring.status())[1]).toMatchObject({ name: 'node2', state: 'paused' })
      await expect(onNode2(1_000)).rejects.toThrow()
    } finally {
      await ring.resume('node2')
    }
    expect((await ring.status())[1]).toMatchObject({ name: 'node2', state: 'up' })
    await expect
      .poll(
        () =>
          onNode2(5_000).then(
            () => true,
            () => false,
          ),
        {
          timeout: DRIVER_NOTICE_MS,
          interval: 250,
        },
      )
      .toBe(true)
  }, 120_000)
})
