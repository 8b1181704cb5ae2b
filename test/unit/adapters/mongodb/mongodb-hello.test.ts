import { Double, Int32, Long, ObjectId } from 'bson'
import { describe, expect, it } from 'vitest'
import { helloNodeType, helloToProbeResult } from '../../../../adapters/mongodb/mongodb-hello.js'
import { NodeState, NodeType } from '../../../../src/adapter.js'

const rs = { ok: 1, setName: 'rs', minWireVersion: 0, maxWireVersion: 21 }

describe('helloNodeType', () => {
  it('follows the SDAM parsing order', () => {
    expect(helloNodeType({ ok: 0, isWritablePrimary: true })).toBe(NodeType.Unknown)
    expect(helloNodeType({ ok: 1, isreplicaset: true, setName: 'rs' })).toBe(NodeType.Ghost)
    expect(helloNodeType({ ok: 1, msg: 'isdbgrid' })).toBe(NodeType.Router)
    expect(helloNodeType({ ...rs, hidden: true, secondary: true })).toBe(NodeType.Other)
    expect(helloNodeType({ ...rs, isWritablePrimary: true })).toBe(NodeType.Primary)
    expect(helloNodeType({ ...rs, ismaster: true })).toBe(NodeType.Primary)
    expect(helloNodeType({ ...rs, isWritablePrimary: false, ismaster: true })).toBe(NodeType.Other)
    expect(helloNodeType({ ...rs, secondary: true })).toBe(NodeType.Secondary)
    expect(helloNodeType({ ...rs, arbiterOnly: true })).toBe(NodeType.Arbiter)
    expect(helloNodeType({ ...rs })).toBe(NodeType.Other)
    expect(helloNodeType({ ok: 1, isWritablePrimary: true })).toBe(NodeType.Standalone)
    expect(helloNodeType({ ok: 1 }, { loadBalanced: true })).toBe(NodeType.LoadBalancer)
  })
})

describe('helloToProbeResult', () => {
  it('translates BSON values: ObjectId, Long, Date', () => {
    const result = helloToProbeResult({
      ...rs,
      isWritablePrimary: true,
      electionId: new ObjectId('7fffffff000000000000000a'),
      setVersion: 3,
      hosts: ['A:27017', 'b'],
      me: 'A:27017',
      tags: { dc: 'east', bad: 1 },
      lastWrite: { lastWriteDate: new Date(5000) },
      logicalSessionTimeoutMinutes: 30,
      topologyVersion: {
        processId: new ObjectId('000000000000000000000001'),
        counter: Long.fromNumber(4),
      },
    })
    expect(result).toEqual({
      type: NodeType.Primary,
      setName: 'rs',
      setVersion: 3,
      electionId: '7fffffff000000000000000a',
      me: 'a:27017',
      hosts: ['a:27017', 'b:27017'],
      tags: { dc: 'east' },
      lastWriteDate: 5000,
      minWireVersion: 0,
      maxWireVersion: 21,
      logicalSessionTimeoutMinutes: 30,
      topologyVersion: { processId: '000000000000000000000001', counter: 4 },
      details: { hidden: false, passive: false },
    })
  })

  it('reports a hidden secondary as Other in state SECONDARY', () => {
    const result = helloToProbeResult({ ...rs, hidden: true, secondary: true })
    expect([result.type, result.state]).toEqual([NodeType.Other, NodeState.Secondary])
  })

  it('gives only the type for a failed reply', () => {
    expect(helloToProbeResult({ ok: 0, errmsg: 'auth failed' })).toEqual({ type: NodeType.Unknown })
  })

  it('reads extended JSON forms', () => {
    const result = helloToProbeResult({
      ...rs,
      secondary: true,
      electionId: { $oid: 'ABCDEF000000000000000001' },
      lastWrite: { lastWriteDate: { $date: { $numberLong: '7000' } } },
      setVersion: { $numberInt: '2' },
    })
    expect([result.electionId, result.lastWriteDate, result.setVersion]).toEqual([
      'abcdef000000000000000001',
      7000,
      2,
    ])
  })
})

describe('helloToProbeResult: members and their flags', () => {
  it('gives a plain secondary no state of its own (its type says it)', () => {
    expect(helloToProbeResult({ ...rs, secondary: true, me: 'b:27017' })).toEqual({
      type: NodeType.Secondary,
      setName: 'rs',
      me: 'b:27017',
      minWireVersion: 0,
      maxWireVersion: 21,
      logicalSessionTimeoutMinutes: null,
      details: { hidden: false, passive: false },
    })
  })

  it('gives a hidden member that is not a secondary (initial sync, recovering) no state', () => {
    const result = helloToProbeResult({ ...rs, hidden: true, secondary: false })
    expect(result.type).toBe(NodeType.Other)
    expect(result).not.toHaveProperty('state')
    expect(result.details).toEqual({ hidden: true, passive: false })
  })

  it('reports a passive member (priority 0) in the details', () => {
    const result = helloToProbeResult({ ...rs, secondary: true, passive: true })
    expect(result.details).toEqual({ hidden: false, passive: true })
  })

  it('keeps the topology version only when it has both a process id and a counter', () => {
    const processId = new ObjectId('000000000000000000000001')
    expect(helloToProbeResult({ ...rs, topologyVersion: { processId } })).not.toHaveProperty(
      'topologyVersion',
    )
    expect(helloToProbeResult({ ...rs, topologyVersion: { counter: 4 } })).not.toHaveProperty(
      'topologyVersion',
    )
    expect(helloToProbeResult({ ...rs, topologyVersion: { processId, counter: 0 } })).toMatchObject(
      { topologyVersion: { processId: '000000000000000000000001', counter: 0 } },
    )
  })
})

describe('helloToProbeResult: the value forms a driver or a log may hand over', () => {
  it.each([
    ['a JS number', 7],
    ['a bigint (useBigInt64)', 7n],
    ['a BSON Long', Long.fromNumber(7)],
    ['a BSON Int32 (promoteValues: false)', new Int32(7)],
    ['a BSON Double (promoteValues: false)', new Double(7)],
    ['extended JSON $numberInt', { $numberInt: '7' }],
    ['extended JSON $numberLong', { $numberLong: '7' }],
    ['extended JSON $numberDouble', { $numberDouble: '7.0' }],
  ])('reads a number given as %s', (_form, value) => {
    const result = helloToProbeResult({ ...rs, secondary: true, setVersion: value })
    expect(result.setVersion).toBe(7)
  })

  it('ignores numbers it cannot read', () => {
    for (const value of ['7', { value: 7 }, { $numberLong: 7 }, null]) {
      expect(helloToProbeResult({ ...rs, secondary: true, setVersion: value })).not.toHaveProperty(
        'setVersion',
      )
    }
  })

  it('lower-cases an election id given as a hex string', () => {
    const result = helloToProbeResult({
      ...rs,
      isWritablePrimary: true,
      electionId: '7FFFFFFF000000000000000A',
    })
    expect(result.electionId).toBe('7fffffff000000000000000a')
  })

  it('lower-cases member addresses, even those it cannot parse, and skips non-strings', () => {
    const result = helloToProbeResult({
      ...rs,
      secondary: true,
      primary: 'DB1.Example:27018',
      hosts: ['DB1.Example:27018', 'DB2.EXAMPLE', 'Bad:Port:X', 42, null],
      passives: ['DB3.Example:27019'],
      arbiters: ['Arb.Example'],
    })
    expect(result).toMatchObject({
      primary: 'db1.example:27018',
      hosts: ['db1.example:27018', 'db2.example:27017', 'bad:port:x'],
      passives: ['db3.example:27019'],
      arbiters: ['arb.example:27017'],
    })
  })

  it('reads the last write date as a Date, epoch ms, or extended JSON', () => {
    for (const lastWriteDate of [
      new Date(9000),
      9000,
      { $date: '1970-01-01T00:00:09.000Z' },
      { $date: { $numberLong: '9000' } },
    ]) {
      expect(
        helloToProbeResult({ ...rs, secondary: true, lastWrite: { lastWriteDate } }).lastWriteDate,
      ).toBe(9000)
    }
  })

  it('ignores tags that are not a document, and tag values that are not strings', () => {
    expect(helloToProbeResult({ ...rs, secondary: true, tags: 'dc:east' })).not.toHaveProperty(
      'tags',
    )
    expect(
      helloToProbeResult({ ...rs, secondary: true, tags: { dc: 'east', rack: 2 } }).tags,
    ).toEqual({ dc: 'east' })
  })
})
