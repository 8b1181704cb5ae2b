import { describe, expect, it } from 'vitest'
import {
  formatEvent,
  formatNodes,
  formatSummary,
  formatTick,
  formatTime,
  formatVerdict,
  isVerified,
  measureWriteWindow,
  nodeLabel,
  oneLine,
  verifyWrites,
} from '../../../examples/demo-report.js'
import type { DemoSummary, Verification } from '../../../examples/demo-report.js'

const NAMES = new Map([
  ['127.0.0.1:41234', 'node1'],
  ['127.0.0.1:41235', 'node2'],
])

const CLEAN: Verification = {
  acknowledged: 3,
  found: 3,
  lost: [],
  duplicated: [],
  unknownApplied: 1,
  unknownMissing: 1,
  notWritten: 0,
  notWrittenButFound: [],
}

describe('nodeLabel', () => {
  it('names a known address, leaves an unknown one bare, and shows none for null', () => {
    expect(nodeLabel('127.0.0.1:41234', NAMES)).toBe('127.0.0.1:41234 (node1)')
    expect(nodeLabel('10.0.0.9:3306', NAMES)).toBe('10.0.0.9:3306')
    expect(nodeLabel(null, NAMES)).toBe('none')
  })
})

describe('formatTime', () => {
  it('shows whole seconds, two digits, for the per-second line', () => {
    expect(formatTime(7_012, false)).toBe('t=07s')
    expect(formatTime(12_499, false)).toBe('t=12s')
  })

  it('shows tenths for events, truncating rather than rounding up to the next second', () => {
    expect(formatTime(8_049, true)).toBe('t=08.0s')
    expect(formatTime(9_999, true)).toBe('t=09.9s')
    expect(formatTime(125_300, true)).toBe('t=125.3s')
  })

  it('clamps negative times to zero', () => {
    expect(formatTime(-5, true)).toBe('t=00.0s')
  })
})

describe('formatTick', () => {
  it('prints ops ok and failed, retries and the primary on one line', () => {
    const line = formatTick({
      elapsedMS: 7_000,
      writesOk: 412,
      writesFailed: 0,
      readsOk: 1630,
      readsFailed: 2,
      retries: 1,
      primary: '127.0.0.1:41234 (node1)',
    })
    expect(line).toBe(
      't=07s   writes  412 ok / 0 err  reads  1630 ok / 2 err  retries 1  primary 127.0.0.1:41234 (node1)',
    )
  })

  it('aligns its counts with an event line of the same second', () => {
    const tick = formatTick({
      elapsedMS: 8_000,
      writesOk: 1,
      writesFailed: 0,
      readsOk: 1,
      readsFailed: 0,
      retries: 0,
      primary: 'none',
    })
    expect(tick.indexOf('writes')).toBe(formatEvent(8_000, 'writes').indexOf('writes'))
  })
})

describe('formatNodes', () => {
  it('shows the round trip, lag for secondaries only, and why a node is down', () => {
    const lines = formatNodes(
      [
        {
          address: '127.0.0.1:41234',
          state: 'DOWN',
          lagMS: null,
          roundTripTimeMS: null,
          error: 'connect\nECONNREFUSED',
        },
        {
          address: '127.0.0.1:41235',
          state: 'SECONDARY',
          lagMS: 12.4,
          roundTripTimeMS: 1.26,
          error: null,
        },
        {
          address: '127.0.0.1:41236',
          state: 'PRIMARY',
          lagMS: 0,
          roundTripTimeMS: 0.8,
          error: null,
        },
      ],
      NAMES,
    )
    expect(lines[0]).toMatch(/\(node1\)\s+DOWN\s+\(connect ECONNREFUSED\)$/)
    expect(lines[1]).toMatch(/\(node2\)\s+SECONDARY {2}rtt 1\.3 ms {2}lag 12 ms$/)
    expect(lines[2]).toMatch(/127\.0\.0\.1:41236\s+PRIMARY\s+rtt 0\.8 ms$/)
  })
})

describe('verifyWrites', () => {
  it('counts acknowledged keys found and lost', () => {
    const v = verifyWrites(
      { acknowledged: ['a', 'b', 'c'], unknownOutcome: [], notWritten: [] },
      new Map([
        ['a', 1],
        ['c', 1],
      ]),
    )
    expect(v.acknowledged).toBe(3)
    expect(v.found).toBe(2)
    expect(v.lost).toEqual(['b'])
    expect(isVerified(v)).toBe(false)
  })

  it('reports every key stored more than once, acknowledged or not', () => {
    const v = verifyWrites(
      { acknowledged: ['a'], unknownOutcome: ['x'], notWritten: [] },
      new Map([
        ['a', 2],
        ['x', 3],
      ]),
    )
    expect(v.duplicated).toEqual(['a', 'x'])
    expect(v.lost).toEqual([])
    expect(isVerified(v)).toBe(false)
  })

  it('splits unknown-outcome writes into applied and not applied without judging them', () => {
    const v = verifyWrites(
      { acknowledged: [], unknownOutcome: ['u1', 'u2', 'u3'], notWritten: [] },
      new Map([['u2', 1]]),
    )
    expect(v.unknownApplied).toBe(1)
    expect(v.unknownMissing).toBe(2)
    expect(isVerified(v)).toBe(true)
  })

  it('fails a write reported as not written that is present', () => {
    const v = verifyWrites(
      { acknowledged: [], unknownOutcome: [], notWritten: ['n1', 'n2'] },
      new Map([['n2', 1]]),
    )
    expect(v.notWritten).toBe(2)
    expect(v.notWrittenButFound).toEqual(['n2'])
    expect(isVerified(v)).toBe(false)
  })

  it('passes when every acknowledged key is there exactly once', () => {
    const v = verifyWrites(
      { acknowledged: ['a', 'b'], unknownOutcome: [], notWritten: ['n'] },
      new Map([
        ['a', 1],
        ['b', 1],
      ]),
    )
    expect(isVerified(v)).toBe(true)
  })
})

describe('measureWriteWindow', () => {
  const OLD = 41234
  const NEW = 41235

  it('spans the last ack from the killed primary to the first ack elsewhere after the kill', () => {
    const w = measureWriteWindow(
      [
        { atMS: 7_900, port: OLD },
        { atMS: 8_010, port: OLD }, // a reply that was on its way when the kill landed
        { atMS: 9_300, port: NEW },
        { atMS: 8_700, port: NEW },
        { atMS: 9_000, port: NEW },
      ],
      OLD,
      8_000,
    )
    expect(w).toEqual({ lastOldMS: 8_010, firstNewMS: 8_700, windowMS: 690 })
  })

  it('ignores acks from other nodes before the kill', () => {
    const w = measureWriteWindow(
      [
        { atMS: 100, port: NEW },
        { atMS: 7_000, port: OLD },
        { atMS: 8_500, port: NEW },
      ],
      OLD,
      8_000,
    )
    expect(w.firstNewMS).toBe(8_500)
    expect(w.windowMS).toBe(1_500)
  })

  it('has no window when nothing succeeded after the kill', () => {
    const w = measureWriteWindow([{ atMS: 7_000, port: OLD }], OLD, 8_000)
    expect(w).toEqual({ lastOldMS: 7_000, firstNewMS: null, windowMS: null })
  })
})

describe('formatSummary', () => {
  const summary: DemoSummary = {
    verification: CLEAN,
    checkedOn: 'node2',
    alsoOn: [{ name: 'node3', found: 3 }],
    readsOk: 100,
    readsFailed: 1,
    readsByNode: new Map([
      ['node1', 0],
      ['node2', 40],
      ['node3', 60],
    ]),
    retries: 2,
    errorsByKind: new Map([['write NETWORK_ERROR', 4]]),
    window: { lastOldMS: 7_512, firstNewMS: 8_130, windowMS: 618 },
    oldPrimary: 'node1',
    newPrimary: 'node2',
    promotionMS: 321.6,
    clientSwitchMS: 604,
  }

  it('shows the counts, the window, the promotion time and where reads went', () => {
    const text = formatSummary(summary).join('\n')
    expect(text).toMatch(/writes acknowledged \(w: 'majority'\)\s+3\n/)
    expect(text).toMatch(/found on the new primary \(node2\)\s+3\n/)
    expect(text).toMatch(/found on node3\s+3\n/)
    expect(text).toMatch(/lost \(acknowledged, missing\)\s+0\n/)
    expect(text).toMatch(/duplicated \(stored more than once\)\s+0\n/)
    expect(text).toMatch(/unknown outcome .*\s2 {3}1 applied, 1 not/)
    expect(text).toMatch(/nothing written \(NoWritesPerformed\)\s+0\n/)
    expect(text).toMatch(/reads ok \/ failed\s+100 \/ 1 {3}node1 0, node2 40, node3 60/)
    expect(text).toContain('write NETWORK_ERROR ×4')
    expect(text).toMatch(
      /write unavailability window\s+618 ms {3}last ack from node1 at t=07\.5s → first from node2 at t=08\.1s/,
    )
    expect(text).toMatch(/promotion \(harness promote\(\), alone\)\s+322 ms/)
    expect(text).toMatch(/client followed \(kill → primaryChanged\)\s+604 ms/)
  })

  it('names example keys when something was lost or doubled, and n/a for what was not measured', () => {
    const text = formatSummary({
      ...summary,
      verification: { ...CLEAN, lost: ['w1-000007'], duplicated: ['w2-000001'] },
      errorsByKind: new Map(),
      window: { lastOldMS: 7_000, firstNewMS: null, windowMS: null },
      clientSwitchMS: null,
    }).join('\n')
    expect(text).toMatch(/lost .*\s1 {3}e\.g\. w1-000007/)
    expect(text).toMatch(/duplicated .*\s1 {3}e\.g\. w2-000001/)
    expect(text).not.toContain('failed calls by error code')
    expect(text).toMatch(/write unavailability window\s+n\/a {3}no write succeeded/)
    expect(text).toMatch(/client followed .*\s+n\/a/)
  })

  it('never prints JSON', () => {
    expect(formatSummary(summary).join('\n')).not.toMatch(/[{}]/)
  })
})

describe('formatSummary on writes reported as not written', () => {
  const base = formatSummaryInput()

  it('says they were correctly not stored', () => {
    const text = formatSummary({ ...base, verification: { ...CLEAN, notWritten: 5 } }).join('\n')
    expect(text).toMatch(
      /nothing written \(NoWritesPerformed\)\s+5 {3}none of them stored: correct/,
    )
  })

  it('flags the ones stored anyway', () => {
    const text = formatSummary({
      ...base,
      verification: { ...CLEAN, notWritten: 5, notWrittenButFound: ['w3-000002'] },
    }).join('\n')
    expect(text).toMatch(/\s5 {3}1 STORED ANYWAY, e\.g\. w3-000002/)
  })
})

function formatSummaryInput(): DemoSummary {
  return {
    verification: CLEAN,
    checkedOn: 'node2',
    alsoOn: [],
    readsOk: 0,
    readsFailed: 0,
    readsByNode: new Map(),
    retries: 0,
    errorsByKind: new Map(),
    window: { lastOldMS: null, firstNewMS: null, windowMS: null },
    oldPrimary: 'node1',
    newPrimary: 'node2',
    promotionMS: 300,
    clientSwitchMS: null,
  }
}

describe('formatVerdict', () => {
  it('passes a clean run', () => {
    expect(formatVerdict(CLEAN)).toMatch(/^PASS/)
  })

  it('lists every broken guarantee', () => {
    const verdict = formatVerdict({
      ...CLEAN,
      lost: ['a'],
      duplicated: ['b', 'c'],
      notWrittenButFound: ['d'],
    })
    expect(verdict).toBe(
      'FAIL: 1 acknowledged writes lost, 2 keys stored twice, 1 writes reported as not written were found.',
    )
  })
})

describe('oneLine', () => {
  it('collapses whitespace and cuts long text with an ellipsis', () => {
    expect(oneLine('a\n  b\tc', 10)).toBe('a b c')
    expect(oneLine('abcdefghij', 5)).toBe('abcd…')
  })
})
