import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { NodeState, NodeType } from '../../../../src/adapter.js'
import {
  PROBE_VARIABLES,
  classifyProbeRows,
  probeRowsToResult,
  selectVariablesSql,
} from '../../../../adapters/mysql/mysql-probe.js'
import type { MysqlProbeRows } from '../../../../adapters/mysql/mysql-probe.js'

function fixture(name: string): MysqlProbeRows {
  const url = new URL(`../../../fixtures/mysql/${name}.json`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as MysqlProbeRows
}

const NOW = 1_800_000_000_000
// The recorded MariaDB cluster: node1 primary, node2 and node3 replicas.
const M1 = '127.0.0.1:41947'
const M2 = '127.0.0.1:46111'
const M3 = '127.0.0.1:43003'
const context = { setName: 'mysql', nowMS: NOW, seeds: [M1] }

describe('probeRowsToResult on recorded MariaDB 10.11 rows', () => {
  it('primary: Primary/PRIMARY, lists its replicas and the seeds, lag 0, position = gtid_current_pos', () => {
    const r = probeRowsToResult(fixture('mariadb-primary'), M1, context)
    expect(r).toMatchObject({
      type: NodeType.Primary,
      state: NodeState.Primary,
      setName: 'mysql',
      me: M1,
      primary: M1,
      position: '0-1-31',
      lagMS: 0,
      lastWriteDate: NOW,
      warnings: [],
    })
    expect([...(r.hosts ?? [])].sort()).toEqual([M1, M2, M3].sort())
    expect(r.electionId).toBeUndefined()
    expect(r.details).toMatchObject({ flavour: 'mariadb', serverId: 1, readOnly: false })
  })

  it('a seed list longer than the replica list is kept in hosts (a primary never drops a seed)', () => {
    const rows = { ...fixture('mariadb-primary'), replicaHosts: [] }
    const r = probeRowsToResult(rows, M1, { ...context, seeds: [M1, '127.0.0.1:9999'] })
    expect(r.hosts).toEqual([M1, '127.0.0.1:9999'])
  })

  it('standalone with a single seed: a Primary in a set of one', () => {
    const rows = { ...fixture('mariadb-primary'), replicaHosts: [] }
    const r = probeRowsToResult(rows, M1, context)
    expect(r.type).toBe(NodeType.Primary)
    expect(r.hosts).toEqual([M1])
  })

  it('healthy replica: Secondary/SECONDARY, names its source as primary and in hosts, lag 0 by GTID', () => {
    const r = probeRowsToResult(fixture('mariadb-replica'), M2, context)
    expect(r).toMatchObject({
      type: NodeType.Secondary,
      state: NodeState.Secondary,
      me: M2,
      primary: M1,
      position: '0-1-31',
      lagMS: 0,
      lastWriteDate: NOW,
      warnings: [],
    })
    expect(r.hosts).toContain(M1)
    expect(r.details).toMatchObject({
      ioRunning: 'Yes',
      sqlRunning: 'Yes',
      transactionsBehind: 0,
      lagSource: 'gtid',
    })
  })

  it('replica with the SQL thread stopped: a lagging Secondary, sub-second lag from the heartbeat', () => {
    const r = probeRowsToResult(fixture('mariadb-replica-sql-stopped'), M2, context)
    expect(r.type).toBe(NodeType.Secondary)
    expect(r.state).toBe(NodeState.Secondary)
    expect(r.lagMS).toBeCloseTo(1737.84, 2)
    expect(r.lastWriteDate).toBeCloseTo(NOW - 1737.84, 2)
    expect(r.details).toMatchObject({
      sqlRunning: 'No',
      transactionsBehind: 1,
      lagSource: 'heartbeat',
    })
  })

  it('replica whose source is down (IO connection error): a readable Secondary, no lag claimed yet', () => {
    const r = probeRowsToResult(fixture('mariadb-replica-io-error'), M2, context)
    expect(r.type).toBe(NodeType.Secondary)
    expect(r.state).toBe(NodeState.Secondary)
    expect(r.details?.['sourceLost']).toBe(true)
    expect(r.lagMS).toBeUndefined()
    expect(r.lastWriteDate).toBeUndefined()
    expect(r.primary).toBeUndefined() // it cannot reach M1, so it does not name it primary
    expect(String(r.details?.['lastIoError'])).toContain('Connection refused')
  })

  it('replica reconnected after its source came back: Secondary again (Last_IO_Error cleared)', () => {
    const r = probeRowsToResult(fixture('mariadb-replica-reconnected'), M2, context)
    expect(r.type).toBe(NodeType.Secondary)
  })

  it('replica with a SQL thread error: Other/RECOVERING', () => {
    const r = probeRowsToResult(fixture('mariadb-replica-sql-error'), M2, context)
    expect(r).toMatchObject({ type: NodeType.Other, state: NodeState.Recovering })
    expect(String(r.details?.['lastSqlError'])).toContain('Duplicate entry')
  })

  it('writable replica: a second primary claim (the core then refuses writes), with a warning', () => {
    const r = probeRowsToResult(fixture('mariadb-replica-writable'), M3, context)
    expect(r.type).toBe(NodeType.Primary)
    expect(r.state).toBe(NodeState.Primary)
    expect(r.warnings?.join('\n')).toMatch(/writable \(read_only=OFF\).*SET GLOBAL read_only=ON/)
  })

  it('delayed replica: Other (never read), state SECONDARY', () => {
    const r = probeRowsToResult(fixture('mariadb-replica-delayed'), M2, context)
    expect(r).toMatchObject({ type: NodeType.Other, state: NodeState.Secondary })
    expect(r.details?.['sqlDelaySeconds']).toBe(3600)
  })

  it('warns when the user can bypass read_only (ALL PRIVILEGES ON *.* includes READ_ONLY ADMIN)', () => {
    const r = probeRowsToResult(fixture('mariadb-replica-privileged-user'), M2, context)
    expect(r.type).toBe(NodeType.Secondary)
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings?.[0]).toMatch(/holds ALL PRIVILEGES and can write to read-only replicas/)
  })

  it('no privilege warning for the harness application user', () => {
    expect(probeRowsToResult(fixture('mariadb-replica'), M2, context).warnings).toEqual([])
  })
})

describe('probeRowsToResult on MySQL rows (hand-written from the documented columns)', () => {
  const P1 = '10.0.0.1:3306'
  const ctx = { setName: 'shop', nowMS: NOW, seeds: [P1] }

  it('MySQL 8 primary: Primary, SHOW REPLICAS hosts (rows without a reported host skipped)', () => {
    const r = probeRowsToResult(fixture('mysql8-primary'), P1, ctx)
    expect(r).toMatchObject({
      type: NodeType.Primary,
      state: NodeState.Primary,
      setName: 'shop',
      lagMS: 0,
    })
    expect(r.hosts).toEqual([P1, '10.0.0.2:3306'])
    expect(r.position).toBe('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-100')
    expect(r.details).toMatchObject({ flavour: 'mysql', superReadOnly: false })
  })

  it('MySQL 8 replica: Source_* / Replica_* columns, position = gtid_executed without newlines', () => {
    const r = probeRowsToResult(fixture('mysql8-replica'), '10.0.0.2:3306', ctx)
    expect(r).toMatchObject({ type: NodeType.Secondary, primary: P1, lagMS: 0 })
    expect(r.position).toBe(
      '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-100,4f22ab58-82db-11e1-8f44-d91bb9531673:1-3',
    )
    expect(r.details).toMatchObject({ superReadOnly: true, transactionsBehind: 0 })
  })

  it('MySQL 8 lagging replica: Seconds_Behind_Source × 1000, GTID backlog in details', () => {
    const r = probeRowsToResult(fixture('mysql8-replica-lagging'), '10.0.0.2:3306', ctx)
    expect(r.type).toBe(NodeType.Secondary)
    expect(r.lagMS).toBe(3000)
    expect(r.lastWriteDate).toBe(NOW - 3000)
    expect(r.details).toMatchObject({ transactionsBehind: 10, lagSource: 'secondsBehindSource' })
  })

  it('MySQL 8 replica with an applier error: Other/RECOVERING', () => {
    const r = probeRowsToResult(fixture('mysql8-replica-sql-error'), '10.0.0.2:3306', ctx)
    expect(r).toMatchObject({ type: NodeType.Other, state: NodeState.Recovering })
  })

  it('MySQL privilege warning names SUPER and CONNECTION_ADMIN, unless super_read_only blocks them', () => {
    const rows = fixture('mysql8-privileged-user')
    const r = probeRowsToResult(rows, '10.0.0.2:3306', ctx)
    expect(r.warnings?.[0]).toMatch(/SUPER, CONNECTION_ADMIN.*super_read_only=ON/)
    const blocked = { ...rows, variables: { ...rows.variables, super_read_only: 'ON' } }
    expect(probeRowsToResult(blocked, '10.0.0.2:3306', ctx).warnings).toEqual([])
  })

  it('MySQL 5.7 replica: SHOW SLAVE STATUS names, Master_Port honoured', () => {
    const r = probeRowsToResult(fixture('mysql57-replica'), '10.0.0.2:3306', ctx)
    expect(r).toMatchObject({ type: NodeType.Secondary, primary: '10.0.0.1:3307', lagMS: 2000 })
    expect(r.hosts).toContain('10.0.0.1:3307')
  })

  it('warns when gtid_mode is OFF', () => {
    const rows = fixture('mysql8-primary')
    const off = { ...rows, variables: { ...rows.variables, gtid_mode: 'OFF', gtid_executed: '' } }
    const r = probeRowsToResult(off, P1, ctx)
    expect(r.position).toBeUndefined()
    expect(r.warnings?.join()).toMatch(/gtid_mode is OFF/)
  })
})

describe('probeRowsToResult edge cases', () => {
  it('replica status refused: a writable node is Primary with a warning, a read-only one Other', () => {
    const writable = { ...fixture('mariadb-primary'), replicaStatus: null }
    const w = probeRowsToResult(writable, M1, context)
    expect(w.type).toBe(NodeType.Primary)
    expect(w.warnings?.join()).toMatch(/grant SLAVE MONITOR/)
    const readOnly = { ...fixture('mariadb-replica'), replicaStatus: null }
    expect(probeRowsToResult(readOnly, M2, context)).toMatchObject({
      type: NodeType.Other,
      state: NodeState.Recovering,
    })
  })

  it('read-only with no replication configured: Other/STARTUP', () => {
    const rows = { ...fixture('mariadb-replica'), replicaStatus: [] }
    const r = probeRowsToResult(rows, M2, context)
    expect(r).toMatchObject({ type: NodeType.Other, state: NodeState.Startup })
    expect(r.primary).toBeUndefined()
    expect(r.lagMS).toBeUndefined()
  })

  it('heartbeat vs Seconds_Behind_Master: the tighter bound wins', () => {
    const base = fixture('mysql8-replica-lagging') // SBM 3 s, 10 transactions behind
    const ctx = { setName: 'mysql', nowMS: NOW }
    expect(probeRowsToResult({ ...base, heartbeatLagMicros: 3_400_000 }, 'r:1', ctx).lagMS).toBe(
      3400,
    )
    expect(probeRowsToResult({ ...base, heartbeatLagMicros: 9_000_000 }, 'r:1', ctx).lagMS).toBe(
      3000,
    )
    expect(probeRowsToResult({ ...base, heartbeatLagMicros: null }, 'r:1', ctx).lagMS).toBe(3000)
  })

  it('a caught-up replica reports lag 0 even when the heartbeat row is old (written once per probe)', () => {
    const rows = { ...fixture('mariadb-replica'), heartbeatLagMicros: 8_000_000 }
    expect(probeRowsToResult(rows, M2, context).lagMS).toBe(0)
  })

  it('probe notes become warnings', () => {
    const rows = { ...fixture('mariadb-primary'), notes: ['cannot list this node’s replicas'] }
    expect(probeRowsToResult(rows, M1, context).warnings).toEqual([
      'cannot list this node’s replicas',
    ])
  })

  it('classifyProbeRows makes the same decision as probeRowsToResult', () => {
    for (const name of [
      'mariadb-primary',
      'mariadb-replica',
      'mariadb-replica-sql-stopped',
      'mariadb-replica-writable',
    ]) {
      const rows = fixture(name)
      expect(classifyProbeRows(rows).type).toBe(probeRowsToResult(rows, M2, context).type)
    }
  })
})

describe('selectVariablesSql', () => {
  it('reads every known variable by name in one SELECT', () => {
    expect(selectVariablesSql(['read_only', 'gtid_current_pos'])).toBe(
      'SELECT @@global.read_only AS `read_only`, @@global.gtid_current_pos AS `gtid_current_pos`',
    )
    expect(PROBE_VARIABLES).toContain('super_read_only')
  })
})
