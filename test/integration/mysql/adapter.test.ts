/**
 * The MySQL adapter against a real MariaDB 10.11 GTID cluster (test/clusters/mysql-cluster.ts):
 * probes, discovery, causal tokens, replication waits, error mapping, bounds and close().
 */
import { Socket, createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { MysqlConnection } from '../../../adapters/mysql/index.js'
import {
  ClientClosedError,
  ErrorCode,
  ErrorLabel,
  NetworkError,
  NodeStateError,
  NodeState,
  NodeType,
  TimeoutError,
} from '../../../src/adapter.js'
import type { CausalToken, ReplicaKitError } from '../../../src/adapter.js'
import { MysqlAdapter } from '../../../adapters/mysql/mysql-adapter.js'
import { resolveOptions } from '../../../src/config/options.js'
import { Topology } from '../../../src/topology/topology.js'
import { systemClock } from '../../../src/util/clock.js'
import { targetOn } from '../../fixtures/call-target.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import type { MysqlCluster } from '../../clusters/mysql-cluster.js'

let cluster: MysqlCluster
const adapters: MysqlAdapter[] = []

/** `host:port` of node `i` (0-based). */
function addr(i: number): string {
  const node = cluster.nodes[i]
  if (node === undefined) throw new Error(`no node ${i}`)
  return `${node.host}:${node.port}`
}

/** An adapter on the cluster's URI with only `seeds` as hosts (default: all), plus `query` options. */
function makeAdapter(seeds?: string[], query = ''): MysqlAdapter {
  const { appUser, appPassword, database } = cluster
  const hosts = (seeds ?? cluster.nodes.map((_, i) => addr(i))).join(',')
  const uri = `mysql://${appUser}:${encodeURIComponent(appPassword)}@${hosts}/${database}${query}`
  const options = resolveOptions(uri)
  // The adapter reads node roles from the core's topology: feed one with its own probes, as the
  // client's monitor does.
  const topology = new Topology({ seeds: [...options.hosts] })
  const view = {
    get description() {
      return topology.description
    },
    node: (address: string) => topology.description.nodes.get(address),
  }
  const adapter = new MysqlAdapter({ options, clock: systemClock, topology: view })
  const probe = adapter.probe.bind(adapter)
  adapter.probe = async (node, probeOptions) => {
    const result = await probe(node, probeOptions)
    topology.applyProbeOutcome(node, result)
    return result
  }
  adapters.push(adapter)
  return adapter
}

async function expectRejection(promise: Promise<unknown>): Promise<ReplicaKitError> {
  try {
    await promise
  } catch (error: unknown) {
    return error as ReplicaKitError
  }
  throw new Error('expected a rejection')
}

/** Inserts one row on the primary and returns the write's causal token. */
async function insertRow(adapter: MysqlAdapter): Promise<CausalToken> {
  const conn = await adapter.acquire(targetOn(addr(0)), { timeoutMS: 5_000 })
  try {
    await conn.query('INSERT INTO items (note) VALUES (?)', ['integration'])
    const token = await adapter.replication.lastWriteToken(conn)
    if (token === null) throw new Error('no token after an INSERT')
    return token
  } finally {
    adapter.release(conn, false)
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

beforeAll(async () => {
  cluster = await startMysqlCluster({ nodes: 3 })
  // SHOW SLAVE HOSTS needs REPLICATION MASTER ADMIN on MariaDB ≥ 10.5.2 (discovery from one seed).
  await cluster.adminQuery('node1', `GRANT REPLICATION MASTER ADMIN ON *.* TO ?@'%'`, [
    cluster.appUser,
  ])
  await cluster.adminQuery(
    'node1',
    `CREATE TABLE \`${cluster.database}\`.items (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(64))`,
  )
  await cluster.waitForReplication()
})

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()))
})

afterAll(async () => {
  await (cluster as MysqlCluster | undefined)?.stop()
})

describe('mysql adapter: probe', () => {
  it('finds one Primary and two Secondaries, in one set, and measures the probe', async ({
    annotate,
  }) => {
    const adapter = makeAdapter()
    const durations: number[] = []
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3; i++) {
        const started = performance.now()
        await adapter.probe(addr(i), { timeoutMS: 5_000 })
        durations.push(performance.now() - started)
      }
    }
    const [p, r1, r2] = await Promise.all(
      [0, 1, 2].map((i) => adapter.probe(addr(i), { timeoutMS: 5_000 })),
    )
    expect(p).toMatchObject({
      type: NodeType.Primary,
      state: NodeState.Primary,
      setName: 'mysql',
      me: addr(0),
    })
    for (const [i, r] of [
      [1, r1],
      [2, r2],
    ] as const) {
      expect(r).toMatchObject({
        type: NodeType.Secondary,
        state: NodeState.Secondary,
        setName: 'mysql',
        me: addr(i),
        primary: addr(0),
      })
      expect(r?.lagMS).toBe(0)
    }
    expect(p?.position).toMatch(/^0-1-\d+$/)
    expect(p?.warnings).toEqual([])
    await annotate(
      `probe over a kept connection: median ${median(durations).toFixed(2)} ms, max ${Math.max(...durations).toFixed(2)} ms (15 probes)`,
    )
    expect(median(durations)).toBeLessThan(250)
  })

  it('discovers every member from a single seed, primary or replica', async () => {
    const fromPrimary = makeAdapter([addr(0)])
    const p = await fromPrimary.probe(addr(0), { timeoutMS: 5_000 })
    expect([...(p.hosts ?? [])].sort()).toEqual([addr(0), addr(1), addr(2)].sort())
    const fromReplica = makeAdapter([addr(2)])
    const r = await fromReplica.probe(addr(2), { timeoutMS: 5_000 })
    expect(r.hosts).toContain(addr(0))
    expect(r.primary).toBe(addr(0))
  })

  it('measures sub-second lag with the heartbeat table while the SQL thread is stopped', async () => {
    const adapter = makeAdapter(undefined, '?heartbeatTable=rk_heartbeat')
    await adapter.probe(addr(0), { timeoutMS: 5_000 }) // creates and writes the heartbeat row
    await cluster.waitForReplication()
    await cluster.stopSqlThread('node2')
    try {
      await adapter.probe(addr(0), { timeoutMS: 5_000 }) // a newer heartbeat the replica will not apply
      await new Promise((resolve) => setTimeout(resolve, 400))
      const r = await adapter.probe(addr(1), { timeoutMS: 5_000 })
      // A paused applier (no error) is a lagging Secondary: max staleness decides about reads.
      expect(r).toMatchObject({ type: NodeType.Secondary, state: NodeState.Secondary })
      expect(r.warnings?.join()).toMatch(/SQL thread is stopped/)
      expect(r.details?.['lagSource']).toBe('heartbeat')
      expect(r.lagMS).toBeGreaterThanOrEqual(350)
      expect(r.lagMS).toBeLessThan(10_000)
      expect(Number.isInteger((r.lagMS ?? 0) / 1000)).toBe(false) // not whole seconds
    } finally {
      await cluster.startSqlThread('node2')
    }
  })

  it('a writable replica claims primary (split brain) and the probe never writes to it', async () => {
    const adapter = makeAdapter(undefined, '?heartbeatTable=rk_heartbeat')
    await adapter.probe(addr(0), { timeoutMS: 5_000 })
    await cluster.waitForReplication()
    await cluster.setReadOnly('node2', false)
    try {
      // A fresh adapter has seen no other primary yet: only the replication check protects node2.
      const fresh = makeAdapter(undefined, '?heartbeatTable=rk_heartbeat')
      const r = await fresh.probe(addr(1), { timeoutMS: 5_000 })
      expect(r).toMatchObject({ type: NodeType.Primary, state: NodeState.Primary, me: addr(1) })
      expect(r.warnings?.join()).toMatch(/is writable \(read_only=OFF\)/)
      // No errant transaction (server_id 2) was created on the replica by the heartbeat.
      const [row] = await cluster.adminQuery('node2', 'SELECT @@gtid_binlog_pos AS pos')
      expect(String(row?.['pos'])).not.toMatch(/(^|,)\d+-2-\d+/)
      const token = await insertRow(adapter)
      const refused = await expectRejection(
        adapter.replication.awaitApplied(addr(1), token, { timeoutMS: 2_000 }),
      )
      expect(refused.code).toBe(ErrorCode.NotSupported)
    } finally {
      await cluster.setReadOnly('node2', true)
    }
  })

  it('bounds a probe of a hung node (SIGSTOP) by its timeoutMS', async () => {
    const adapter = makeAdapter()
    await adapter.probe(addr(2), { timeoutMS: 5_000 })
    await cluster.pause('node3')
    try {
      const started = performance.now()
      const error = await expectRejection(adapter.probe(addr(2), { timeoutMS: 400 }))
      expect(performance.now() - started).toBeLessThan(1_500)
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error.code).toBe(ErrorCode.OperationTimeout)
      expect(error.node).toBe(addr(2))
    } finally {
      await cluster.resume('node3')
    }
    // The cut connection is replaced on the next probe.
    expect((await adapter.probe(addr(2), { timeoutMS: 5_000 })).type).toBe(NodeType.Secondary)
  })
})

describe('mysql adapter: causal tokens and replication waits', () => {
  it('returns the GTID of an INSERT once, and null for a borrow that wrote nothing', async () => {
    const adapter = makeAdapter()
    const conn = await adapter.acquire(targetOn(addr(0)), { timeoutMS: 5_000 })
    try {
      await conn.query('INSERT INTO items (note) VALUES (?)', ['token'])
      const token = await adapter.replication.lastWriteToken(conn)
      expect(token).toMatchObject({ backend: 'mysql' })
      expect(token?.value).toMatch(/^0-1-\d+$/)
      expect(await adapter.replication.lastWriteToken(conn)).toBeNull()
    } finally {
      adapter.release(conn, false)
    }
    const reader = await adapter.acquire(targetOn(addr(0)), { timeoutMS: 5_000 })
    try {
      await reader.query('SELECT COUNT(*) FROM items')
      expect(await adapter.replication.lastWriteToken(reader)).toBeNull()
    } finally {
      adapter.release(reader, false)
    }
  })

  it('awaitApplied on a replica resolves true, and the replica’s position then covers the token', async () => {
    const adapter = makeAdapter()
    const token = await insertRow(adapter)
    expect(await adapter.replication.awaitApplied(addr(1), token, { timeoutMS: 5_000 })).toBe(true)
    const r = await adapter.probe(addr(1), { timeoutMS: 5_000 })
    expect(adapter.replication.positionCovers(r.position ?? '', token)).toBe(true)
  })

  it('awaitApplied on a replica whose SQL thread is stopped resolves false within its bound', async () => {
    const adapter = makeAdapter()
    await cluster.stopSqlThread('node3')
    try {
      const token = await insertRow(adapter)
      const started = performance.now()
      expect(await adapter.replication.awaitApplied(addr(2), token, { timeoutMS: 700 })).toBe(false)
      const elapsed = performance.now() - started
      expect(elapsed).toBeGreaterThanOrEqual(600)
      expect(elapsed).toBeLessThan(1_700)
      const r = await adapter.probe(addr(2), { timeoutMS: 5_000 })
      expect(r.details?.['sqlRunning']).toBe('No')
      expect(r.details?.['transactionsBehind']).toBeGreaterThanOrEqual(1)
      expect(adapter.replication.positionCovers(r.position ?? '', token)).toBe(false)
    } finally {
      await cluster.startSqlThread('node3')
    }
  })

  it('an aborted wait rejects at once with ABORTED', async () => {
    const adapter = makeAdapter()
    await cluster.stopSqlThread('node3')
    try {
      const token = await insertRow(adapter)
      const controller = new AbortController()
      setTimeout(() => {
        controller.abort()
      }, 100)
      const started = performance.now()
      const error = await expectRejection(
        adapter.replication.awaitApplied(addr(2), token, {
          timeoutMS: 10_000,
          signal: controller.signal,
        }),
      )
      expect(performance.now() - started).toBeLessThan(1_000)
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error.code).toBe(ErrorCode.Aborted)
    } finally {
      await cluster.startSqlThread('node3')
    }
  })

  it('never sends MASTER_GTID_WAIT to the primary', async () => {
    const adapter = makeAdapter()
    await adapter.probe(addr(0), { timeoutMS: 5_000 })
    const token = await insertRow(adapter)
    const socketsBefore = adapter.openSocketCount
    await cluster.adminQuery('node1', `SET GLOBAL log_output = 'TABLE'`)
    await cluster.adminQuery('node1', `SET GLOBAL general_log = 'ON'`)
    try {
      const error = await expectRejection(
        adapter.replication.awaitApplied(addr(0), token, { timeoutMS: 5_000 }),
      )
      expect(error).toBeInstanceOf(NodeStateError)
      expect(error.code).toBe(ErrorCode.NotSupported)
      expect(error.hasLabel(ErrorLabel.NodeStateChange)).toBe(true)
      expect(adapter.openSocketCount).toBe(socketsBefore) // no connection was even borrowed
      // Statements of the application user only (this query itself is logged too).
      const [row] = await cluster.adminQuery(
        'node1',
        `SELECT COUNT(*) AS n FROM mysql.general_log WHERE argument LIKE '%MASTER_GTID_WAIT%' AND user_host LIKE ?`,
        [`${cluster.appUser}[%`],
      )
      const [all] = await cluster.adminQuery(
        'node1',
        `SELECT COUNT(*) AS n FROM mysql.general_log WHERE user_host LIKE ?`,
        [`${cluster.appUser}[%`],
      )
      expect(Number(row?.['n'])).toBe(0)
      expect(Number(all?.['n'])).toBe(0) // not even the guarded form: nothing reached the primary
    } finally {
      await cluster.adminQuery('node1', `SET GLOBAL general_log = 'OFF'`)
    }
    // An adapter that never probed the primary: the server-side guard returns at once, no 5 s wait.
    const fresh = makeAdapter()
    const started = performance.now()
    const error = await expectRejection(
      fresh.replication.awaitApplied(addr(0), token, { timeoutMS: 5_000 }),
    )
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(error.code).toBe(ErrorCode.NotSupported)
  })

  it('a hung replica (SIGSTOP) makes awaitApplied resolve false soon after its bound', async () => {
    const adapter = makeAdapter()
    const token = await insertRow(adapter)
    const warm = await adapter.acquire(targetOn(addr(2)), { timeoutMS: 5_000 }) // an idle pooled connection
    adapter.release(warm, false)
    await new Promise((resolve) => setTimeout(resolve, 100)) // let the reset-on-release finish
    await cluster.pause('node3')
    try {
      const started = performance.now()
      expect(await adapter.replication.awaitApplied(addr(2), token, { timeoutMS: 300 })).toBe(false)
      expect(performance.now() - started).toBeLessThan(3_000)
      // No idle connection left and none can open: the acquire bound also gives false, not an error.
      expect(await adapter.replication.awaitApplied(addr(2), token, { timeoutMS: 300 })).toBe(false)
    } finally {
      await cluster.resume('node3')
    }
  })
})

describe('mysql adapter: session hygiene between borrowers', () => {
  /** Borrows a connection on `node`, runs `fn`, releases it (never destroyed). */
  async function borrow<T>(
    adapter: MysqlAdapter,
    node: string,
    fn: (conn: MysqlConnection) => Promise<T>,
  ): Promise<T> {
    const conn = await adapter.acquire(targetOn(node), { timeoutMS: 5_000 })
    try {
      return await fn(conn)
    } finally {
      adapter.release(conn, false)
    }
  }

  async function row(conn: MysqlConnection, sql: string): Promise<Record<string, unknown>> {
    const [rows] = await conn.query(sql)
    return (rows as Record<string, unknown>[])[0] ?? {}
  }

  async function globalStatus(conn: MysqlConnection, name: string): Promise<number> {
    const [rows] = await conn.query('SHOW GLOBAL STATUS LIKE ?', [name])
    return Number((rows as { Value: string }[])[0]?.Value)
  }

  it('hands the next borrower none of a read borrow’s variables, open transaction or named lock', async () => {
    const adapter = makeAdapter([addr(1)], '?maxPoolSize=1')
    const leaked = await borrow(adapter, addr(1), async (conn) => {
      await conn.query('SET @rk_leak = 1, SESSION sql_select_limit = 7')
      await conn.query('START TRANSACTION READ ONLY')
      await conn.query('SELECT COUNT(*) FROM items')
      await conn.query("SELECT GET_LOCK('rk_leak', 0)")
      return row(conn, 'SELECT CONNECTION_ID() AS id, @@in_transaction AS tx')
    })
    expect(Number(leaked['tx'])).toBe(1)
    const next = await borrow(adapter, addr(1), (conn) =>
      row(
        conn,
        "SELECT CONNECTION_ID() AS id, @@in_transaction AS tx, @rk_leak AS x, @@sql_select_limit AS lim, IS_USED_LOCK('rk_leak') AS lock_owner",
      ),
    )
    expect(next['id']).toBe(leaked['id']) // the same session (maxPoolSize=1), reset in between
    expect(Number(next['tx'])).toBe(0)
    expect(next['x']).toBeNull()
    expect(String(next['lim'])).not.toBe('7')
    expect(next['lock_owner']).toBeNull()
  })

  it('rolls back what a borrow left uncommitted instead of letting the next borrower commit it', async () => {
    const adapter = makeAdapter([addr(0)], '?maxPoolSize=1')
    const note = `uncommitted-${Date.now()}`
    await borrow(adapter, addr(0), async (conn) => {
      await conn.query('SET autocommit = 0')
      await conn.query('INSERT INTO items (note) VALUES (?)', [note])
    })
    const seen = await borrow(adapter, addr(0), async (conn) => {
      // A plain autocommit write by the next borrower, on the same session.
      await conn.query('INSERT INTO items (note) VALUES (?)', [`${note}-next`])
      const { ac } = await row(conn, 'SELECT @@autocommit AS ac')
      const { n } = await row(conn, `SELECT COUNT(*) AS n FROM items WHERE note = '${note}'`)
      return { ac, n }
    })
    expect(Number(seen['ac'])).toBe(1)
    expect(Number(seen['n'])).toBe(0)
    // And the next borrower's own write was committed (visible from another session).
    const other = makeAdapter([addr(0)])
    const committed = await borrow(other, addr(0), (conn) =>
      row(conn, `SELECT COUNT(*) AS n FROM items WHERE note = '${note}-next'`),
    )
    expect(Number(committed['n'])).toBe(1)
  })

  it('returns a connection after plain reads and single inserts without resetting it', async () => {
    const adapter = makeAdapter([addr(0)], '?maxPoolSize=1')
    const probe = makeAdapter([addr(0)])
    // A prepared statement survives only if no COM_RESET_CONNECTION ran in between.
    const counter = (): Promise<number> =>
      borrow(probe, addr(0), (c) => globalStatus(c, 'Com_stmt_prepare'))
    const run = (): Promise<unknown> =>
      borrow(adapter, addr(0), async (conn) => {
        await conn.execute('SELECT note FROM items WHERE id = ?', [1])
        await conn.query('INSERT INTO items (note) VALUES (?)', ['plain'])
        return conn.query('SELECT COUNT(*) FROM items')
      })
    await run()
    const before = await counter()
    for (let i = 0; i < 3; i++) await run()
    expect(await counter()).toBe(before)
  })

  it('resets a connection after a statement it cannot vouch for, so a prepared statement is prepared again', async () => {
    const adapter = makeAdapter([addr(0)], '?maxPoolSize=1')
    const probe = makeAdapter([addr(0)])
    const counter = (): Promise<number> =>
      borrow(probe, addr(0), (c) => globalStatus(c, 'Com_stmt_prepare'))
    await borrow(adapter, addr(0), (conn) =>
      conn.execute('SELECT note FROM items WHERE id = ?', [1]),
    )
    const before = await counter()
    await borrow(adapter, addr(0), async (conn) => {
      await conn.execute('SELECT note FROM items WHERE id = ?', [1]) // cached: no prepare
      await conn.query('SET @rk_dirty = 1')
    })
    await borrow(adapter, addr(0), (conn) =>
      conn.execute('SELECT note FROM items WHERE id = ?', [1]),
    )
    expect(await counter()).toBe(before + 1)
  })
})

describe('mysql adapter: errors and close', () => {
  it('socketTimeoutMS cuts a statement a hung node never answers, not a quiet borrow', async () => {
    const adapter = makeAdapter(undefined, '?socketTimeoutMS=300')
    const quiet = await adapter.acquire(targetOn(addr(1)), { timeoutMS: 5_000 })
    await new Promise((resolve) => setTimeout(resolve, 600)) // idle longer than socketTimeoutMS
    await expect(quiet.query('SELECT 1')).resolves.toBeDefined()
    adapter.release(quiet, false)
    const conn = await adapter.acquire(targetOn(addr(2)), { timeoutMS: 5_000 })
    await cluster.pause('node3')
    try {
      const started = performance.now()
      const error = adapter.toError(await expectRejection(conn.query('SELECT 1')), addr(2))
      expect(performance.now() - started).toBeLessThan(2_000)
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error.code).toBe(ErrorCode.SocketTimeout)
      expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
      adapter.release(conn, false) // broken: destroyed, not pooled
    } finally {
      await cluster.resume('node3')
    }
  })

  it('maps a write on a read-only replica (1290) to NOT_PRIMARY', async () => {
    const adapter = makeAdapter()
    const conn = await adapter.acquire(targetOn(addr(1)), { timeoutMS: 5_000 })
    try {
      const error = adapter.toError(
        await expectRejection(conn.query('INSERT INTO items (note) VALUES (?)', ['nope'])),
        addr(1),
      )
      expect(error).toBeInstanceOf(NodeStateError)
      expect(error.code).toBe(ErrorCode.NotPrimary)
      expect(error.nativeCode).toBe(1290)
      expect([...error.labels].sort()).toEqual(
        [
          ErrorLabel.NodeStateChange,
          ErrorLabel.NoWritesPerformed,
          ErrorLabel.RetryableWrite,
        ].sort(),
      )
      expect(error.message).toContain(addr(1))
      expect(error.message).not.toContain(cluster.appPassword)
    } finally {
      adapter.release(conn, false)
    }
  })

  it('a refused connection is a NetworkError with NoWritesPerformed', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve()
      })
    })
    const adapter = makeAdapter()
    const error = await expectRejection(
      adapter.acquire(targetOn(`127.0.0.1:${port}`), { timeoutMS: 5_000 }),
    )
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.nativeCode).toBe('ECONNREFUSED')
    expect(error.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(true)
    const probeError = await expectRejection(
      adapter.probe(`127.0.0.1:${port}`, { timeoutMS: 5_000 }),
    )
    expect(probeError).toBeInstanceOf(NetworkError)
  })

  it('close() ends every socket, even one busy in a replication wait', async () => {
    const adapter = makeAdapter()
    await Promise.all([0, 1, 2].map((i) => adapter.probe(addr(i), { timeoutMS: 5_000 })))
    const held = await adapter.acquire(targetOn(addr(0)), { timeoutMS: 5_000 })
    await cluster.stopSqlThread('node2')
    try {
      const token = await insertRow(adapter)
      const waiting = adapter.replication
        .awaitApplied(addr(1), token, { timeoutMS: 30_000 })
        .catch((e: unknown) => e)
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(adapter.openSocketCount).toBeGreaterThanOrEqual(5)
      await adapter.close()
      expect(adapter.openSocketCount).toBe(0)
      const ports = new Set(cluster.nodes.map((n) => n.port))
      const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
      const open = handles.filter(
        (h) => h instanceof Socket && !h.destroyed && ports.has(h.remotePort ?? -1),
      )
      expect(open).toEqual([])
      await waiting
      adapter.release(held, false) // after close: must not throw
      const closed = await expectRejection(adapter.acquire(targetOn(addr(0)), { timeoutMS: 1_000 }))
      expect(closed).toBeInstanceOf(ClientClosedError)
    } finally {
      await cluster.startSqlThread('node2')
    }
  })
})
