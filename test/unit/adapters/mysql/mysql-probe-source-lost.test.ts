/**
 * A replica whose source died (primary killed, not promoted) stays readable, and its staleness grows
 * from the last moment it was known current, so `maxStalenessSeconds` bounds it. A replica whose SQL
 * thread was stopped without error is the opposite case: its lag is unknown (unless the heartbeat
 * table measures it), so any staleness bound skips it. Time is a fake clock: `NOW + n`.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { NodeState, NodeType } from '../../../../src/adapter.js'
import type { ProbeResult } from '../../../../src/adapter.js'
import { probeRowsToResult } from '../../../../adapters/mysql/mysql-probe.js'
import type { MysqlProbeRows } from '../../../../adapters/mysql/mysql-probe.js'
import { nextKnownCurrentMS } from '../../../../adapters/mysql/mysql-probe-lag.js'
import { isStale, stalenessMS } from '../../../../src/selection/max-staleness.js'
import { createNodeDescription } from '../../../../src/topology/node-description.js'
import { TopologyType } from '../../../../src/topology/topology-description.js'
import { makeNode, makeTopology } from '../../../spec/support/selection-builders.js'

function fixture(name: string): MysqlProbeRows {
  const url = new URL(`../../../fixtures/mysql/${name}.json`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as MysqlProbeRows
}

const NOW = 1_800_000_000_000
const HEARTBEAT_MS = 500
// The recorded cluster of mariadb-replica-source-dead.json: node1 (killed) and node2.
const DEAD = '127.0.0.1:39583'
const R2 = '127.0.0.1:35847'
const R3 = '127.0.0.1:34313'
const context = { setName: 'mysql', nowMS: NOW }

/** One prober's memory of one node, driven by a fake clock (what MysqlProber does per probe). */
class FakeProber {
  knownCurrentMS: number | undefined
  probe(rows: MysqlProbeRows, address: string, nowMS: number): ProbeResult {
    const result = probeRowsToResult(rows, address, {
      setName: 'mysql',
      nowMS,
      ...(this.knownCurrentMS !== undefined ? { knownCurrentMS: this.knownCurrentMS } : {}),
    })
    const isPrimary = result.type === NodeType.Primary
    this.knownCurrentMS = nextKnownCurrentMS(this.knownCurrentMS, isPrimary, result, nowMS)
    return result
  }
}

/** The core's view of replicas `results` without a primary (the killed one is Unknown). */
function withoutPrimary(results: readonly [string, ProbeResult][], nowMS: number) {
  const nodes = results.map(([address, r]) =>
    createNodeDescription(address, r, { rttMS: 1, now: nowMS }),
  )
  return {
    nodes,
    topology: makeTopology(TopologyType.ReplicaSetNoPrimary, [...nodes, makeNode(DEAD)]),
  }
}

describe('a replica whose source is dead (IO thread Connecting, recorded)', () => {
  it('is a readable Secondary that no longer vouches for its lost source as primary, with a warning', () => {
    const r = probeRowsToResult(fixture('mariadb-replica-source-dead'), R2, context)
    expect(r).toMatchObject({ type: NodeType.Secondary, state: NodeState.Secondary })
    // Naming the dead source as primary would flip it to PossiblePrimary on every heartbeat.
    expect(r.primary).toBeUndefined()
    expect(JSON.stringify(r.details)).toContain(DEAD)
    expect(r.details).toMatchObject({
      ioRunning: 'Connecting',
      sqlRunning: 'Yes',
      sourceLost: true,
    })
    expect(r.warnings?.join()).toMatch(/unreachable/)
  })

  it('claims no lag when it was never known current (a bound then skips it)', () => {
    const r = probeRowsToResult(fixture('mariadb-replica-source-dead'), R2, context)
    expect(r.lagMS).toBeUndefined()
    expect(r.lastWriteDate).toBeUndefined()
  })

  it('reports the time since it was last known current as lagMS, and no lastWriteDate', () => {
    const r = probeRowsToResult(fixture('mariadb-replica-source-dead'), R2, {
      ...context,
      knownCurrentMS: NOW - 12_000,
    })
    expect(r.lagMS).toBe(12_000)
    expect(r.lastWriteDate).toBeUndefined()
    expect(r.details?.['lagSource']).toBe('lastKnownCurrent')
  })

  it('takes the heartbeat row’s age when it is the tighter bound', () => {
    const rows = { ...fixture('mariadb-replica-source-dead'), heartbeatLagMicros: 3_000_000 }
    const r = probeRowsToResult(rows, R2, { ...context, knownCurrentMS: NOW - 12_000 })
    expect(r.lagMS).toBe(3_000)
    expect(r.details?.['lagSource']).toBe('heartbeat')
  })

  it('an IO stream error (1236) keeps it RECOVERING', () => {
    const rows = fixture('mariadb-replica-source-dead')
    const status = rows.replicaStatus?.map((row) => ({
      ...row,
      Slave_IO_Running: 'No',
      Last_IO_Errno: 1236,
      Last_IO_Error: 'Got fatal error 1236 from master',
    }))
    const r = probeRowsToResult({ ...rows, replicaStatus: status ?? null }, R2, context)
    expect(r).toMatchObject({ type: NodeType.Other, state: NodeState.Recovering })
  })
})

describe('staleness of replicas without a primary, on a fake clock', () => {
  it('grows from the last moment each was known current: within 90 s at first, excluded after', () => {
    const p2 = new FakeProber()
    const p3 = new FakeProber()
    // Both replicas healthy and caught up at NOW; then the primary is killed and not promoted.
    p2.probe(fixture('mariadb-replica'), R2, NOW)
    p3.probe(fixture('mariadb-replica'), R3, NOW)
    const dead = fixture('mariadb-replica-source-dead')
    const bound = { heartbeatFrequencyMS: HEARTBEAT_MS, maxStalenessSeconds: 90 }
    const at = (offsetMS: number) => {
      const nowMS = NOW + offsetMS
      const { nodes, topology } = withoutPrimary(
        [
          [R2, p2.probe(dead, R2, nowMS)],
          [R3, p3.probe(dead, R3, nowMS)],
        ],
        nowMS,
      )
      return nodes.map((node) => ({
        staleness: stalenessMS(node, topology, { heartbeatFrequencyMS: HEARTBEAT_MS, now: nowMS }),
        stale: isStale(node, topology, { ...bound, now: nowMS }),
        type: node.type,
      }))
    }
    expect(at(1_000)).toEqual([
      { staleness: 1_500, stale: false, type: NodeType.Secondary },
      { staleness: 1_500, stale: false, type: NodeType.Secondary },
    ])
    expect(at(60_000).map((n) => [n.staleness, n.stale])).toEqual([
      [60_500, false],
      [60_500, false],
    ])
    expect(at(89_500).map((n) => n.stale)).toEqual([false, false])
    // Past the bound: no reads with maxStalenessSeconds=90, still readable without a bound.
    const late = at(90_000)
    expect(late.map((n) => [n.staleness, n.stale])).toEqual([
      [90_500, true],
      [90_500, true],
    ])
    expect(late.map((n) => n.type)).toEqual([NodeType.Secondary, NodeType.Secondary])
  })

  it('ages between probes too (a stalled monitor never makes a replica look fresher)', () => {
    const p2 = new FakeProber()
    p2.probe(fixture('mariadb-replica'), R2, NOW)
    const r = p2.probe(fixture('mariadb-replica-source-dead'), R2, NOW + 10_000)
    const { nodes, topology } = withoutPrimary([[R2, r]], NOW + 10_000)
    const options = { heartbeatFrequencyMS: HEARTBEAT_MS, now: NOW + 40_000 }
    expect(stalenessMS(nodes[0]!, topology, options)).toBe(10_000 + 30_000)
  })

  it('a known-current moment is never moved back by the lost-source estimate', () => {
    const p2 = new FakeProber()
    p2.probe(fixture('mariadb-replica'), R2, NOW)
    p2.probe(fixture('mariadb-replica-source-dead'), R2, NOW + 5_000)
    p2.probe(fixture('mariadb-replica-source-dead'), R2, NOW + 9_000)
    expect(p2.knownCurrentMS).toBe(NOW)
  })
})

describe('a replica whose SQL thread was stopped (maintenance, no error)', () => {
  const rows = (): MysqlProbeRows => {
    const recorded: MysqlProbeRows = fixture('mariadb-replica-sql-stopped')
    return { ...recorded, heartbeatLagMicros: undefined }
  }

  it('stays a Secondary, but without the heartbeat table its lag is unknown, even if once known', () => {
    const p2 = new FakeProber()
    p2.probe(fixture('mariadb-replica'), R2, NOW)
    const r = p2.probe(rows(), R2, NOW + 1_000)
    expect(r).toMatchObject({ type: NodeType.Secondary, state: NodeState.Secondary })
    expect(r.lagMS).toBeUndefined()
    expect(r.details?.['sourceLost']).toBeUndefined()
  })

  it('counts as over any staleness bound, and is readable only without one', () => {
    const r = probeRowsToResult(rows(), R2, context)
    const node = createNodeDescription(R2, r, { rttMS: 1, now: NOW })
    const primary = makeNode(DEAD, {
      type: NodeType.Primary,
      lastUpdateTime: NOW,
      lastWriteDate: NOW,
    })
    const topology = makeTopology(TopologyType.ReplicaSetWithPrimary, [primary, node])
    const options = { heartbeatFrequencyMS: HEARTBEAT_MS, now: NOW }
    expect(stalenessMS(node, topology, options)).toBe(Number.POSITIVE_INFINITY)
    expect(isStale(node, topology, { ...options, maxStalenessSeconds: 90 })).toBe(true)
    expect(isStale(node, topology, { ...options, maxStalenessSeconds: 3_600 })).toBe(true)
    expect(isStale(node, topology, { ...options, maxStalenessSeconds: undefined })).toBe(false)
  })
})
