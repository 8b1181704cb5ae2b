import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/errors/error-codes.js'
import { NetworkError } from '../../../src/errors/errors.js'
import {
  NodeState,
  NodeType,
  compareTopologyVersion,
  createNodeDescription,
  createUnknownNodeDescription,
  defaultNodeState,
  isDataBearing,
  nodeDescriptionEquals,
} from '../../../src/topology/node-description.js'
import type { ProbeResult } from '../../../src/topology/node-description.js'

const at = { rttMS: 4, now: 1234 }

describe('createNodeDescription', () => {
  it('copies the probe, lower-cases member addresses and fills defaults', () => {
    const nd = createNodeDescription(
      'a:1',
      { type: NodeType.Secondary, setName: 'rs', hosts: ['A:1', 'B:1'], primary: 'B:1', me: 'A:1' },
      at,
    )
    expect(nd).toMatchObject({
      address: 'a:1',
      type: NodeType.Secondary,
      state: NodeState.Secondary,
      hosts: ['a:1', 'b:1'],
      primary: 'b:1',
      me: 'a:1',
      roundTripTimeMS: 4,
      lastUpdateTime: 1234,
      setVersion: null,
      electionId: null,
      minWireVersion: 0,
      logicalSessionTimeoutMinutes: null,
      error: null,
    })
    expect(Object.isFrozen(nd)).toBe(true)
  })

  it('carries the backend facts (details) and warnings the probe gives', () => {
    const nd = createNodeDescription(
      'a:1',
      {
        type: NodeType.Secondary,
        details: { version: '10.11.6', read_only: true },
        warnings: ['the application user can bypass read_only'],
      },
      at,
    )
    expect(nd.details).toEqual({ version: '10.11.6', read_only: true })
    expect(nd.warnings).toEqual(['the application user can bypass read_only'])
  })

  it('keeps a state the probe gives', () => {
    const nd = createNodeDescription('a:1', { type: NodeType.Other, state: NodeState.Rollback }, at)
    expect(nd.state).toBe(NodeState.Rollback)
  })

  it('makes a failed probe an Unknown node that is DOWN, with the error and no RTT', () => {
    const error = new NetworkError('refused', { code: ErrorCode.NetworkError })
    const nd = createNodeDescription('a:1', error, at)
    expect(nd).toMatchObject({
      type: NodeType.Unknown,
      state: NodeState.Down,
      error,
      roundTripTimeMS: null,
      lastUpdateTime: 1234,
    })
  })
})

describe('createNodeDescription of a probe that knows nothing', () => {
  it.each([NodeType.Unknown, NodeType.PossiblePrimary])(
    'makes a %s probe an Unknown node without member data or RTT',
    (type) => {
      const nd = createNodeDescription(
        'a:1',
        { type, setName: 'rs', hosts: ['a:1', 'b:1'], primary: 'b:1', maxWireVersion: 21 },
        at,
      )
      expect(nd).toMatchObject({
        type: NodeType.Unknown,
        state: NodeState.Unknown,
        error: null,
        roundTripTimeMS: null,
        lastUpdateTime: 1234,
        setName: null,
        hosts: [],
        primary: null,
        maxWireVersion: 0,
      })
    },
  )

  it('keeps the topologyVersion such a probe carries, so an older reply is still recognised', () => {
    const version = { processId: 'p', counter: 7 }
    const nd = createNodeDescription(
      'a:1',
      { type: NodeType.Unknown, topologyVersion: version },
      at,
    )
    expect(nd.topologyVersion).toEqual(version)
    expect(
      compareTopologyVersion(nd.topologyVersion, { processId: 'p', counter: 6 }),
    ).toBeGreaterThan(0)
  })
})

describe('createNodeDescription of an election marker', () => {
  it('lower-cases the hex electionId', () => {
    const nd = createNodeDescription(
      'a:1',
      { type: NodeType.Primary, setName: 'rs', electionId: '7FFFFFFF000000000000000A' },
      at,
    )
    expect(nd.electionId).toBe('7fffffff000000000000000a')
  })
})

describe('createUnknownNodeDescription', () => {
  it('is the SDAM default description', () => {
    const nd = createUnknownNodeDescription('a:1')
    expect(nd).toMatchObject({
      type: NodeType.Unknown,
      state: NodeState.Unknown,
      error: null,
      hosts: [],
      lastUpdateTime: 0,
      topologyVersion: null,
    })
  })

  it('can carry a topologyVersion and be PossiblePrimary', () => {
    const nd = createUnknownNodeDescription('a:1', null, {
      type: NodeType.PossiblePrimary,
      topologyVersion: { processId: 'p', counter: 3 },
    })
    expect([nd.type, nd.topologyVersion?.counter]).toEqual([NodeType.PossiblePrimary, 3])
  })
})

describe('defaultNodeState', () => {
  it('maps every type', () => {
    expect(defaultNodeState(NodeType.Primary)).toBe(NodeState.Primary)
    expect(defaultNodeState(NodeType.Standalone)).toBe(NodeState.Primary)
    expect(defaultNodeState(NodeType.Arbiter)).toBe(NodeState.Arbiter)
    expect(defaultNodeState(NodeType.Other)).toBe(NodeState.Recovering)
    expect(defaultNodeState(NodeType.Ghost)).toBe(NodeState.Startup)
    expect(defaultNodeState(NodeType.Peer)).toBe(NodeState.Peer)
    expect(defaultNodeState(NodeType.Router)).toBe(NodeState.Unknown)
    expect(defaultNodeState(NodeType.Unknown)).toBe(NodeState.Unknown)
    expect(defaultNodeState(NodeType.Unknown, true)).toBe(NodeState.Down)
  })
})

describe('nodeDescriptionEquals', () => {
  const base = { type: NodeType.Secondary, setName: 'rs', hosts: ['a:1', 'b:1'], tags: { dc: 'x' } }

  it('ignores RTT, lag, position, last write and update time', () => {
    const a = createNodeDescription('a:1', { ...base, lagMS: 1, lastWriteDate: 1 }, at)
    const b = createNodeDescription(
      'a:1',
      { ...base, lagMS: 9, position: 'g', lastWriteDate: 2 },
      {
        rttMS: 80,
        now: 99,
      },
    )
    expect(nodeDescriptionEquals(a, b)).toBe(true)
  })

  it('treats member lists as sets', () => {
    const a = createNodeDescription('a:1', base, at)
    const b = createNodeDescription('a:1', { ...base, hosts: ['b:1', 'a:1'] }, at)
    expect(nodeDescriptionEquals(a, b)).toBe(true)
  })

  it('sees type, tags, setVersion, topologyVersion, error and warning changes', () => {
    const a = createNodeDescription('a:1', base, at)
    const changed = [
      { ...base, type: NodeType.Primary },
      { ...base, tags: { dc: 'y' } },
      { ...base, setVersion: 2 },
      { ...base, topologyVersion: { processId: 'p', counter: 1 } },
      { ...base, warnings: ['read_only is off'] },
    ]
    for (const probe of changed) {
      expect(nodeDescriptionEquals(a, createNodeDescription('a:1', probe, at))).toBe(false)
    }
    const e1 = new NetworkError('x', { code: ErrorCode.NetworkError })
    const e2 = new NetworkError('y', { code: ErrorCode.NetworkError })
    expect(
      nodeDescriptionEquals(
        createNodeDescription('a:1', e1, at),
        createNodeDescription('a:1', e2, at),
      ),
    ).toBe(false)
  })
})

describe('nodeDescriptionEquals, field by field', () => {
  const base = {
    type: NodeType.Secondary,
    setName: 'rs',
    hosts: ['a:1', 'b:1'],
    primary: 'b:1',
    me: 'a:1',
    electionId: '01',
    minWireVersion: 6,
    maxWireVersion: 21,
    logicalSessionTimeoutMinutes: 30,
    topologyVersion: { processId: 'p', counter: 1 },
    warnings: ['the application user can bypass read_only'],
  }
  const a = createNodeDescription('a:1', base, at)

  it('is true for two descriptions of the same reply, topologyVersion included', () => {
    const again = createNodeDescription(
      'a:1',
      { ...base, topologyVersion: { processId: 'p', counter: 1 } },
      { rttMS: 9, now: 5678 },
    )
    expect(nodeDescriptionEquals(a, again)).toBe(true)
  })

  it.each<[string, Partial<ProbeResult>]>([
    ['state', { state: NodeState.Rollback }],
    ['minWireVersion', { minWireVersion: 7 }],
    ['maxWireVersion', { maxWireVersion: 25 }],
    ['me', { me: 'c:1' }],
    ['setName', { setName: 'other' }],
    ['electionId', { electionId: '02' }],
    ['primary', { primary: 'c:1' }],
    ['logicalSessionTimeoutMinutes', { logicalSessionTimeoutMinutes: 10 }],
    ['topologyVersion counter', { topologyVersion: { processId: 'p', counter: 2 } }],
    ['topologyVersion processId', { topologyVersion: { processId: 'q', counter: 1 } }],
    ['a host added', { hosts: ['a:1', 'b:1', 'c:1'] }],
    ['a passive added', { passives: ['c:1'] }],
    ['an arbiter added', { arbiters: ['c:1'] }],
    ['a tag added', { tags: { dc: 'x' } }],
    ['a warning reworded', { warnings: ['read_only is off'] }],
    ['a warning added', { warnings: [...base.warnings, 'read_only is off'] }],
  ])('sees a change of %s, in either direction', (_field, change) => {
    const b = createNodeDescription('a:1', { ...base, ...change }, at)
    expect(nodeDescriptionEquals(a, b)).toBe(false)
    expect(nodeDescriptionEquals(b, a)).toBe(false)
  })

  it('sees an error appear or go while the type and state stay (a PossiblePrimary guess)', () => {
    const error = new NetworkError('refused', { code: ErrorCode.NetworkError })
    const guess = createUnknownNodeDescription('b:1', null, { type: NodeType.PossiblePrimary })
    const failedGuess = createUnknownNodeDescription('b:1', error, {
      type: NodeType.PossiblePrimary,
    })
    expect([guess.state, failedGuess.state]).toEqual([NodeState.Unknown, NodeState.Unknown])
    expect(nodeDescriptionEquals(guess, failedGuess)).toBe(false)
    expect(nodeDescriptionEquals(failedGuess, guess)).toBe(false)
  })

  it('tells two nodes apart that give the same reply', () => {
    expect(nodeDescriptionEquals(a, createNodeDescription('c:1', base, at))).toBe(false)
  })

  it('is true for two failures with the same code and message (the same error seen again)', () => {
    const first = new NetworkError('connection refused', { code: ErrorCode.NetworkError })
    const again = new NetworkError('connection refused', { code: ErrorCode.NetworkError })
    const other = new NetworkError('connection refused', { code: ErrorCode.ConnectTimeout })
    const down = createNodeDescription('a:1', first, at)
    expect(nodeDescriptionEquals(down, createNodeDescription('a:1', again, at))).toBe(true)
    expect(nodeDescriptionEquals(down, createNodeDescription('a:1', other, at))).toBe(false)
  })
})

describe('isDataBearing', () => {
  it('is true for the types that serve application data, routers, load balancers and ring peers', () => {
    const bearing = Object.values(NodeType).filter((type) => isDataBearing(type))
    expect(bearing.sort()).toEqual(
      [
        NodeType.Standalone,
        NodeType.Primary,
        NodeType.Secondary,
        NodeType.Router,
        NodeType.LoadBalancer,
        NodeType.Peer,
      ].sort(),
    )
  })
})

describe('compareTopologyVersion', () => {
  it('treats missing or different-process versions as newer, else compares counters', () => {
    const v = (processId: string, counter: number) => ({ processId, counter })
    expect(compareTopologyVersion(null, v('p', 1))).toBeLessThan(0)
    expect(compareTopologyVersion(v('p', 1), null)).toBeLessThan(0)
    expect(compareTopologyVersion(v('p', 5), v('q', 1))).toBeLessThan(0)
    expect(compareTopologyVersion(v('p', 2), v('p', 1))).toBeGreaterThan(0)
    expect(compareTopologyVersion(v('p', 1), v('p', 1))).toBe(0)
  })
})
