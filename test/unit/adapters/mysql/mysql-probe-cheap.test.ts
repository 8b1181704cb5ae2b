/**
 * The cheap beat (mysql-probe-cheap.ts) on recorded MariaDB rows: it reuses the last full probe only
 * while nothing that decides a role, a position or a lag changed, and asks for a full probe at once
 * otherwise (a read_only flip, a replication thread stopping, a lost source, a replica behind).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { NodeType } from '../../../../src/adapter.js'
import {
  CHEAP_PROBE_SQL,
  FULL_PROBE_INTERVAL_MS,
  cheapBeatRows,
  fullProbeMemory,
  mayProbeCheaply,
} from '../../../../adapters/mysql/mysql-probe-cheap.js'
import type {
  CheapBeatView,
  FullProbeMemory,
} from '../../../../adapters/mysql/mysql-probe-cheap.js'
import { probeRowsToResult } from '../../../../adapters/mysql/mysql-probe.js'
import type { MysqlProbeRows } from '../../../../adapters/mysql/mysql-probe.js'

function fixture(name: string): MysqlProbeRows {
  const url = new URL(`../../../fixtures/mysql/${name}.json`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as MysqlProbeRows
}

const NOW = 1_800_000_000_000
const M1 = '127.0.0.1:41947'
const M2 = '127.0.0.1:46111'
const context = { setName: 'mysql', nowMS: NOW, seeds: [M1] }

function remember(name: string, address: string, atMS = 0): FullProbeMemory | undefined {
  const rows = fixture(name)
  return fullProbeMemory(rows, probeRowsToResult(rows, address, context), atMS)
}

const view = (fields: Partial<CheapBeatView> = {}): CheapBeatView => ({
  nowMS: 500,
  primary: { address: M1, position: '0-1-31' },
  otherPrimaryKnown: false,
  ...fields,
})

/** The cheap statement's row as MariaDB returns it (`read_only` is a number there). */
const cheapRow = (fields: Record<string, unknown> = {}) => ({
  read_only: 1,
  gtid_current_pos: '0-1-31',
  gtid_binlog_pos: '0-1-31',
  gtid_slave_pos: '0-1-31',
  slave_running: 'ON',
  ...fields,
})

describe('which full probes leave a memory for cheap beats', () => {
  it('a primary and a healthy caught-up replica do', () => {
    expect(remember('mariadb-primary', M1)?.steady).toBe('primary')
    expect(remember('mariadb-replica', M2)).toMatchObject({ steady: 'replica', source: M1 })
  })

  it.each([
    'mariadb-replica-sql-stopped',
    'mariadb-replica-io-error',
    'mariadb-replica-source-dead',
    'mariadb-replica-sql-error',
    'mariadb-replica-delayed',
    'mariadb-replica-writable',
    'mysql8-replica',
    'mysql8-primary',
  ])('%s does not (every beat of it is full)', (name) => {
    expect(remember(name, M2)).toBeUndefined()
  })
})

describe('mayProbeCheaply', () => {
  it('never without a memory, and a full probe at least every FULL_PROBE_INTERVAL_MS', () => {
    const memory = remember('mariadb-replica', M2)!
    expect(mayProbeCheaply(undefined, view())).toBe(false)
    expect(mayProbeCheaply(memory, view({ nowMS: FULL_PROBE_INTERVAL_MS - 1 }))).toBe(true)
    expect(mayProbeCheaply(memory, view({ nowMS: FULL_PROBE_INTERVAL_MS }))).toBe(false)
  })

  it('a replica: only while the topology’s primary is its source (a failover re-points it)', () => {
    const memory = remember('mariadb-replica', M2)!
    expect(mayProbeCheaply(memory, view({ primary: undefined }))).toBe(false)
    expect(mayProbeCheaply(memory, view({ primary: { address: M2, position: null } }))).toBe(false)
  })

  it('a primary: never while another node also claims primary', () => {
    const memory = remember('mariadb-primary', M1)!
    expect(mayProbeCheaply(memory, view())).toBe(true)
    expect(mayProbeCheaply(memory, view({ otherPrimaryKnown: true }))).toBe(false)
  })
})

describe('cheapBeatRows', () => {
  it('reads the role flag, the GTID positions and Slave_running in one statement', () => {
    expect(CHEAP_PROBE_SQL).toMatch(/^SELECT @@global\.read_only .*SLAVE_RUNNING/)
    expect(CHEAP_PROBE_SQL).not.toMatch(/;/)
  })

  it('a steady replica: the same result as its full probe, with the fresh position', () => {
    const memory = remember('mariadb-replica', M2)!
    const rows = cheapBeatRows(memory, cheapRow({ gtid_current_pos: '0-1-33' }), view())
    expect(rows).toBeDefined()
    const full = probeRowsToResult(fixture('mariadb-replica'), M2, context)
    const cheap = probeRowsToResult(rows!, M2, context)
    expect(cheap).toEqual({
      ...full,
      position: '0-1-33',
      details: { ...full.details, gtidSlavePos: '0-1-31' },
    })
  })

  it('a steady primary: the same result with its new position', () => {
    const memory = remember('mariadb-primary', M1)!
    const row = cheapRow({ read_only: 0, slave_running: 'OFF', gtid_current_pos: '0-1-40' })
    const cheap = probeRowsToResult(cheapBeatRows(memory, row, view())!, M1, context)
    const full = probeRowsToResult(fixture('mariadb-primary'), M1, context)
    expect(cheap).toEqual({ ...full, position: '0-1-40', details: cheap.details })
    expect(cheap.type).toBe(NodeType.Primary)
  })

  it.each([
    ['read_only flipped OFF on a replica (promotion)', { read_only: 0 }],
    ['Slave_running OFF (source lost, a thread stopped or failed)', { slave_running: 'OFF' }],
    ['behind the primary’s last known position', { gtid_current_pos: '0-1-30' }],
  ])('a replica: %s → full probe now', (_name, fields) => {
    const memory = remember('mariadb-replica', M2)!
    expect(cheapBeatRows(memory, cheapRow(fields), view())).toBeUndefined()
  })

  it('a replica when the primary’s position is unknown → full probe now', () => {
    const memory = remember('mariadb-replica', M2)!
    const unknown = view({ primary: { address: M1, position: null } })
    expect(cheapBeatRows(memory, cheapRow(), unknown)).toBeUndefined()
  })

  it.each([
    ['read_only flipped ON (demotion)', { read_only: 1, slave_running: 'OFF' }],
    ['replication started on it', { read_only: 0, slave_running: 'ON' }],
  ])('a primary: %s → full probe now', (_name, fields) => {
    const memory = remember('mariadb-primary', M1)!
    expect(cheapBeatRows(memory, cheapRow(fields), view())).toBeUndefined()
  })
})
