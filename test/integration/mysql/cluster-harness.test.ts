/**
 * The MySQL harness itself, against real MariaDB servers: roles, replication, read-only replicas,
 * the fail-over procedure, fault injection, and clean shutdown.
 */
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMysqlCluster, type MysqlCluster } from '../../clusters/mysql-cluster.js'
import { findProcessesByComm, isProcessAlive } from '../../clusters/process-utils.js'

describe('startMysqlCluster', () => {
  let cluster: MysqlCluster
  const open: mysql.Connection[] = []

  beforeAll(async () => {
    cluster = await startMysqlCluster()
    const rss = (await cluster.status()).map(
      (n) => `${n.name} ${Math.round((n.rssKB ?? 0) / 1024)} MiB`,
    )
    console.info(
      `3-node MariaDB cluster started in ${cluster.startupMS} ms; RSS: ${rss.join(', ')}`,
    )
  })

  afterAll(async () => {
    await Promise.all(open.map((c) => c.end().catch(() => undefined)))
    await cluster.stop()
  })

  /** A connection as the application user to one node, over TCP like an application. */
  async function connectApp(name: string): Promise<mysql.Connection> {
    const node = cluster.nodes.find((n) => n.name === name)!
    const conn = await mysql.createConnection({
      host: node.host,
      port: node.port,
      user: cluster.appUser,
      password: cluster.appPassword,
      database: cluster.database,
    })
    open.push(conn)
    return conn
  }

  /** The GTID of the session's last commit, from the OK packet's session tracking. */
  function lastGtid(result: unknown): string {
    const tracked = (result as { stateChanges?: { systemVariables?: Record<string, string> } })
      .stateChanges?.systemVariables?.['last_gtid']
    expect(tracked).toMatch(/^\d+-\d+-\d+$/)
    return tracked!
  }

  async function rowsOn(name: string, sql: string): Promise<unknown[]> {
    const conn = await connectApp(name)
    const [rows] = await conn.query(sql)
    await conn.end()
    return rows as unknown[]
  }

  it('starts node1 as primary and the other nodes as replicas of it', async () => {
    const [node1, node2, node3] = cluster.nodes
    expect(cluster.uri).toBe(
      `mysql://app:${cluster.appPassword}@127.0.0.1:${node1!.port},127.0.0.1:${node2!.port},` +
        `127.0.0.1:${node3!.port}/appdb`,
    )
    expect(cluster.nodes.map((n) => n.port)).not.toContain(3306)
    const status = await cluster.status()
    expect(status.map((n) => n.role)).toEqual(['primary', 'replica', 'replica'])
    for (const replica of status.slice(1)) {
      expect(replica.replication).toMatchObject({
        ioRunning: 'Yes',
        sqlRunning: 'Yes',
        masterPort: node1!.port,
      })
    }
  })

  it('gives the application user no READ_ONLY ADMIN or SUPER', async () => {
    const conn = await connectApp('node1')
    const [grants] = await conn.query('SHOW GRANTS')
    const text = JSON.stringify(grants)
    expect(text).toContain('SLAVE MONITOR')
    expect(text).not.toMatch(/READ_ONLY ADMIN|SUPER|ALL PRIVILEGES ON \*\.\*/)
  })

  it('replicates an application write on the primary to every replica', async () => {
    const primary = await connectApp('node1')
    await primary.query('CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(40))')
    const [result] = await primary.query("INSERT INTO items VALUES (1, 'before failover')")
    const gtid = lastGtid(result)
    for (const name of ['node2', 'node3']) {
      const replica = await connectApp(name)
      const [[wait]] = await replica.query<mysql.RowDataPacket[]>(
        'SELECT MASTER_GTID_WAIT(?, 10) AS r',
        [gtid],
      )
      expect(wait?.['r']).toBe(0)
      expect(await rowsOn(name, 'SELECT label FROM items WHERE id = 1')).toEqual([
        { label: 'before failover' },
      ])
    }
  })

  it('refuses application writes on a read-only replica (error 1290)', async () => {
    const replica = await connectApp('node2')
    await expect(replica.query("INSERT INTO items VALUES (2, 'errant')")).rejects.toMatchObject({
      errno: 1290,
    })
  })

  it('injects lag by stopping the SQL thread, and pauses and resumes a node', async () => {
    await cluster.stopSqlThread('node3')
    const primary = await connectApp('node1')
    await primary.query("INSERT INTO items VALUES (3, 'lagging')")
    await expect.poll(() => rowsOn('node2', 'SELECT id FROM items WHERE id = 3')).toHaveLength(1)
    expect(await rowsOn('node3', 'SELECT id FROM items WHERE id = 3')).toHaveLength(0)
    await cluster.startSqlThread('node3')
    await cluster.waitForReplication('node3')
    expect(await rowsOn('node3', 'SELECT id FROM items WHERE id = 3')).toHaveLength(1)

    await cluster.pause('node2')
    expect((await cluster.status())[1]).toMatchObject({ role: 'down', paused: true })
    await cluster.resume('node2')
    expect((await cluster.status())[1]).toMatchObject({ role: 'replica', paused: false })
  })

  it('fails over: kill the primary, promote a replica, rejoin the old primary', async () => {
    const oldPid = cluster.nodes[0]!.pid
    await cluster.kill('node1')
    expect(isProcessAlive(oldPid)).toBe(false)
    expect((await cluster.status())[0]!.role).toBe('down')

    const promoted = await cluster.promote()
    expect(['node2', 'node3']).toContain(promoted)
    expect(cluster.primary).toBe(promoted)
    const primary = await connectApp(promoted)
    await primary.query("INSERT INTO items VALUES (4, 'after failover')")

    await cluster.rejoin('node1')
    const status = await cluster.status()
    const newPrimaryPort = cluster.nodes.find((n) => n.name === promoted)!.port
    expect(status.find((n) => n.name === promoted)!.role).toBe('primary')
    for (const replica of status.filter((n) => n.name !== promoted)) {
      expect(replica.role).toBe('replica')
      expect(replica.replication).toMatchObject({
        ioRunning: 'Yes',
        sqlRunning: 'Yes',
        masterPort: newPrimaryPort,
      })
    }
    expect(cluster.nodes[0]!.pid).not.toBe(oldPid)
    expect(await rowsOn('node1', 'SELECT label FROM items ORDER BY id')).toEqual([
      { label: 'before failover' },
      { label: 'lagging' },
      { label: 'after failover' },
    ])
  })

  it('stop() ends every server it started and removes the work directory', async () => {
    const pids = cluster.nodes.map((n) => n.pid)
    const baseDir = dirname(cluster.nodes[0]!.dir)
    await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)))
    await cluster.stop()
    expect(pids.filter(isProcessAlive)).toEqual([])
    expect(findProcessesByComm('mariadbd').filter((pid) => pids.includes(pid))).toEqual([])
    expect(existsSync(baseDir)).toBe(false)
  })
})

describe('MysqlCluster.rejoin and resume after a failover', () => {
  let cluster: MysqlCluster

  beforeAll(async () => {
    cluster = await startMysqlCluster()
  })

  afterAll(async () => {
    await cluster.stop()
  })

  it('re-provisions an old primary that holds a lost transaction, and says so', async () => {
    await cluster.adminQuery('node1', 'CREATE TABLE appdb.lost (id INT PRIMARY KEY)')
    await cluster.waitForReplication()
    await cluster.stopReplication('node2')
    await cluster.stopReplication('node3')
    // Only node1 gets this; it dies before shipping it, and the new primary writes on top.
    await cluster.adminQuery('node1', 'INSERT INTO appdb.lost VALUES (1)')
    await cluster.kill('node1')
    const promoted = await cluster.promote()
    await cluster.adminQuery(promoted, 'INSERT INTO appdb.lost VALUES (2)')

    const result = await cluster.rejoin('node1')
    expect(result).toMatchObject({ node: 'node1', primary: promoted, reprovisioned: true })
    expect(result.divergence).toMatch(/^error 1236: .*diverged/)
    expect(result.message).toMatch(
      new RegExp(
        `^node1 diverged \\(error 1236: .*\\): re-provisioned from ${promoted} at 0-\\d+-\\d+$`,
      ),
    )
    const primaryPort = cluster.nodes.find((n) => n.name === promoted)!.port
    const node1 = (await cluster.status())[0]!
    expect(node1).toMatchObject({
      role: 'replica',
      replication: { ioRunning: 'Yes', sqlRunning: 'Yes', masterPort: primaryPort },
    })
    // The lost transaction is gone, as after a rollback; what the primary has is there, and more
    // follows.
    await cluster.adminQuery(promoted, 'INSERT INTO appdb.lost VALUES (3)')
    await cluster.waitForReplication('node1')
    expect(await cluster.adminQuery('node1', 'SELECT id FROM appdb.lost ORDER BY id')).toEqual([
      { id: 2 },
      { id: 3 },
    ])
    // A node that did not diverge rejoins plainly.
    await cluster.kill(promoted === 'node2' ? 'node3' : 'node2')
    const plain = await cluster.rejoin(promoted === 'node2' ? 'node3' : 'node2')
    expect(plain.reprovisioned).toBe(false)
    expect(plain.message).toBe(`${plain.node} rejoined as a replica of ${promoted}`)
  })

  it('fences a frozen primary that resumes after a promotion (read_only=ON)', async () => {
    const frozen = cluster.primary
    await cluster.pause(frozen)
    const promoted = await cluster.promote()
    expect(promoted).not.toBe(frozen)
    expect(await cluster.resume(frozen)).toEqual({ fenced: true })
    expect(await cluster.adminQuery(frozen, 'SELECT @@read_only AS ro')).toEqual([{ ro: 1 }])
    const result = await cluster.rejoin(frozen)
    expect(result.primary).toBe(promoted)
    expect((await cluster.status()).find((n) => n.name === frozen)).toMatchObject({
      role: 'replica',
      replication: { ioRunning: 'Yes', sqlRunning: 'Yes' },
    })
    // The primary itself resumes unfenced.
    await cluster.pause(promoted)
    expect(await cluster.resume(promoted)).toEqual({ fenced: false })
    expect(await cluster.adminQuery(promoted, 'SELECT @@read_only AS ro')).toEqual([{ ro: 0 }])
  })
})
