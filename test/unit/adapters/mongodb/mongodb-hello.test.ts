import { Long, ObjectId } from 'bson'
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
