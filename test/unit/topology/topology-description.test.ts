import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/errors/error-codes.js'
import { ConfigError, NetworkError } from '../../../src/errors/errors.js'
import {
  NodeType,
  createNodeDescription,
  createUnknownNodeDescription,
} from '../../../src/topology/node-description.js'
import type { NodeDescription, ProbeResult } from '../../../src/topology/node-description.js'
import {
  PrimaryConflict,
  TopologyType,
  createTopologyDescription,
  primaryAddress,
  topologyDescriptionEquals,
  updateTopologyDescription,
} from '../../../src/topology/topology-description.js'
import type {
  TopologyDescription,
  TopologyRulesOptions,
} from '../../../src/topology/topology-description.js'

const HOSTS = ['a:3306', 'b:3306', 'c:3306']

function node(
  address: string,
  probe: Partial<ProbeResult> & Pick<ProbeResult, 'type'>,
): NodeDescription {
  return createNodeDescription(address, probe, { rttMS: 1, now: 1000 })
}

const primary = (address: string, extra: Partial<ProbeResult> = {}): NodeDescription =>
  node(address, { type: NodeType.Primary, setName: 'rs', hosts: HOSTS, ...extra })
const secondary = (address: string, extra: Partial<ProbeResult> = {}): NodeDescription =>
  node(address, { type: NodeType.Secondary, setName: 'rs', hosts: HOSTS, ...extra })

function apply(options: TopologyRulesOptions, ...updates: NodeDescription[]): TopologyDescription {
  return updates.reduce(
    (td, nd) => updateTopologyDescription(td, nd, options),
    createTopologyDescription(options),
  )
}

describe('createTopologyDescription', () => {
  it('starts with every seed Unknown, de-duplicated and lower-cased', () => {
    const td = createTopologyDescription({ seeds: ['A:1', 'a:1', 'b:1'] })
    expect([...td.nodes.keys()]).toEqual(['a:1', 'b:1'])
    expect([...td.nodes.values()].every((n) => n.type === NodeType.Unknown)).toBe(true)
    expect(td.type).toBe(TopologyType.Unknown)
    expect(Object.isFrozen(td)).toBe(true)
  })

  it('picks the initial type from the options', () => {
    expect(createTopologyDescription({ seeds: ['a:1'], directConnection: true }).type).toBe(
      'Single',
    )
    expect(createTopologyDescription({ seeds: ['a:1'], loadBalanced: true }).type).toBe(
      'LoadBalanced',
    )
    const rs = createTopologyDescription({ seeds: ['a:1'], setName: 'rs' })
    expect([rs.type, rs.setName]).toEqual(['ReplicaSetNoPrimary', 'rs'])
  })

  it('refuses a direct connection to several seeds', () => {
    expect(() =>
      createTopologyDescription({ seeds: ['a:1', 'b:1'], directConnection: true }),
    ).toThrow(ConfigError)
  })
})

describe('updateTopologyDescription', () => {
  const sdam: TopologyRulesOptions = { seeds: ['a:3306'] }

  it('discovers the members from the primary', () => {
    const td = apply(sdam, primary('a:3306'))
    expect(td.type).toBe(TopologyType.ReplicaSetWithPrimary)
    expect([...td.nodes.keys()].sort()).toEqual(HOSTS)
    expect(primaryAddress(td)).toBe('a:3306')
  })

  it('ignores a report from a node that is not in the topology', () => {
    const td = apply(sdam, primary('a:3306'))
    expect(updateTopologyDescription(td, primary('z:3306'), sdam)).toBe(td)
  })

  it('ignores a report with an older topologyVersion', () => {
    const td = apply(sdam, primary('a:3306', { topologyVersion: { processId: 'p', counter: 2 } }))
    const older = secondary('a:3306', { topologyVersion: { processId: 'p', counter: 1 } })
    expect(updateTopologyDescription(td, older, sdam)).toBe(td)
  })

  it('in sdam mode a new primary without election markers invalidates the old one', () => {
    const td = apply(sdam, primary('a:3306'), primary('b:3306'))
    expect(td.nodes.get('a:3306')?.type).toBe(NodeType.Unknown)
    expect(td.nodes.get('a:3306')?.error?.message).toContain('discovery of newer primary')
    expect(primaryAddress(td)).toBe('b:3306')
    expect(td.conflictingPrimaries).toEqual([])
  })

  it('orders election markers before setVersion for backends without wire versions', () => {
    const options = { seeds: ['a:3306'] }
    const td = apply(
      options,
      primary('a:3306', { electionId: '02', setVersion: 1 }),
      primary('b:3306', { electionId: '01', setVersion: 9 }),
    )
    expect(td.nodes.get('a:3306')?.type).toBe(NodeType.Primary)
    expect(td.nodes.get('b:3306')?.error?.message).toContain('electionId/setVersion mismatch')
    expect([td.maxElectionId, td.maxSetVersion]).toEqual(['02', 1])
  })

  it('keeps logicalSessionTimeoutMinutes at the smallest data-bearing value, null if any lacks it', () => {
    const withTimeouts = apply(
      sdam,
      primary('a:3306', { logicalSessionTimeoutMinutes: 30 }),
      secondary('b:3306', { logicalSessionTimeoutMinutes: 10 }),
    )
    expect(withTimeouts.logicalSessionTimeoutMinutes).toBe(10)
    const oneMissing = updateTopologyDescription(withTimeouts, secondary('c:3306'), sdam)
    expect(oneMissing.logicalSessionTimeoutMinutes).toBeNull()
  })

  it('checks wire versions only when a range is configured', () => {
    const old = primary('a:3306', { maxWireVersion: 2 })
    expect(apply(sdam, old).compatibilityError).toBeNull()
    const checked = apply({ ...sdam, wireVersionRange: { min: 8, max: 25 } }, old)
    expect(checked.compatibilityError).toMatch(/a:3306 reports wire version 2.*at least 8/)
  })

  it('builds a Peer topology from ring members and drops non-peers', () => {
    const options = { seeds: ['a:9042', 'x:9042'] }
    const peer = node('a:9042', { type: NodeType.Peer, hosts: ['a:9042', 'b:9042'] })
    const td = apply(options, peer, node('x:9042', { type: NodeType.Standalone }))
    expect(td.type).toBe(TopologyType.Peer)
    expect([...td.nodes.keys()].sort()).toEqual(['a:9042', 'b:9042'])
  })
})

describe('primaryConflict: refuse', () => {
  const refuse: TopologyRulesOptions = {
    seeds: ['a:3306'],
    primaryConflict: PrimaryConflict.Refuse,
  }

  it('keeps both primaries, records the conflict and reports no primary', () => {
    const td = apply(refuse, primary('a:3306'), secondary('c:3306'), primary('b:3306'))
    expect(td.nodes.get('a:3306')?.type).toBe(NodeType.Primary)
    expect(td.nodes.get('b:3306')?.type).toBe(NodeType.Primary)
    expect(td.conflictingPrimaries).toEqual(['a:3306', 'b:3306'])
    expect(td.type).toBe(TopologyType.ReplicaSetNoPrimary)
    expect(primaryAddress(td)).toBeNull()
  })

  it('keeps a conflicting primary that the other primary does not list', () => {
    const td = apply(refuse, primary('a:3306'), primary('b:3306', { hosts: ['b:3306', 'c:3306'] }))
    expect(td.nodes.has('a:3306')).toBe(true)
    expect(td.conflictingPrimaries).toEqual(['a:3306', 'b:3306'])
  })

  it('stays in conflict while both keep reporting primary', () => {
    const conflict = apply(refuse, primary('a:3306'), primary('b:3306'))
    const again = updateTopologyDescription(conflict, primary('a:3306'), refuse)
    expect(again.conflictingPrimaries).toEqual(['a:3306', 'b:3306'])
    expect(again.type).toBe(TopologyType.ReplicaSetNoPrimary)
  })

  it('clears the conflict when one of them reports it is no longer primary', () => {
    const conflict = apply(refuse, primary('a:3306'), primary('b:3306'))
    const td = updateTopologyDescription(conflict, secondary('a:3306'), refuse)
    expect(td.conflictingPrimaries).toEqual([])
    expect(td.type).toBe(TopologyType.ReplicaSetWithPrimary)
    expect(primaryAddress(td)).toBe('b:3306')
  })

  it('clears the conflict when one of them becomes Unknown', () => {
    const conflict = apply(refuse, primary('a:3306'), primary('b:3306'))
    const down = createNodeDescription(
      'b:3306',
      { type: NodeType.Unknown },
      { rttMS: null, now: 0 },
    )
    const td = updateTopologyDescription(conflict, down, refuse)
    expect(td.conflictingPrimaries).toEqual([])
    expect(primaryAddress(td)).toBe('a:3306')
  })

  it('falls back to the SDAM rule when the primaries carry election markers', () => {
    const td = apply(
      refuse,
      primary('a:3306', { electionId: '01' }),
      primary('b:3306', { electionId: '02' }),
    )
    expect(td.conflictingPrimaries).toEqual([])
    expect(td.nodes.get('a:3306')?.type).toBe(NodeType.Unknown)
    expect(primaryAddress(td)).toBe('b:3306')
  })

  it('records a third claimant too', () => {
    const td = apply(refuse, primary('a:3306'), primary('b:3306'), primary('c:3306'))
    expect(td.conflictingPrimaries).toEqual(['a:3306', 'b:3306', 'c:3306'])
  })
})

describe('topologyDescriptionEquals', () => {
  it('ignores RTT-only changes and sees type changes', () => {
    const options = { seeds: ['a:3306'] }
    const td = apply(options, primary('a:3306'))
    const fasterRtt = createNodeDescription(
      'a:3306',
      { type: NodeType.Primary, setName: 'rs', hosts: HOSTS },
      { rttMS: 99, now: 5000 },
    )
    expect(topologyDescriptionEquals(td, updateTopologyDescription(td, fasterRtt, options))).toBe(
      true,
    )
    expect(
      topologyDescriptionEquals(td, updateTopologyDescription(td, secondary('a:3306'), options)),
    ).toBe(false)
  })
})

describe('a topology whose first reply comes from a secondary', () => {
  const options = { seeds: ['a:3306'] }

  it('becomes ReplicaSetNoPrimary with the set name and members it reports', () => {
    const td = apply(options, secondary('a:3306', { primary: 'b:3306' }))
    expect(td.type).toBe(TopologyType.ReplicaSetNoPrimary)
    expect(td.setName).toBe('rs')
    expect([...td.nodes.keys()].sort()).toEqual(HOSTS)
    expect(td.nodes.get('b:3306')?.type).toBe(NodeType.PossiblePrimary)
    expect(td.nodes.get('c:3306')?.type).toBe(NodeType.Unknown)
    expect(primaryAddress(td)).toBeNull()
  })

  it('then takes the primary when it answers', () => {
    const td = apply(options, secondary('a:3306', { primary: 'b:3306' }), primary('b:3306'))
    expect(td.type).toBe(TopologyType.ReplicaSetWithPrimary)
    expect(primaryAddress(td)).toBe('b:3306')
  })

  it('drops a secondary of another set once the set name is known', () => {
    const td = apply(
      { seeds: HOSTS },
      secondary('a:3306'),
      secondary('b:3306', { setName: 'other' }),
    )
    expect(td.nodes.has('b:3306')).toBe(false)
    expect(td.setName).toBe('rs')
  })
})

describe('topologyVersion ordering', () => {
  const version = { processId: 'p', counter: 2 }

  it('applies a reply whose topologyVersion equals the known one', () => {
    const td = apply(sdam(), primary('a:3306', { topologyVersion: version }))
    const same = secondary('a:3306', { topologyVersion: { ...version } })
    const next = updateTopologyDescription(td, same, sdam())
    expect(next).not.toBe(td)
    expect(next.nodes.get('a:3306')?.type).toBe(NodeType.Secondary)
  })

  it('applies a newer one', () => {
    const td = apply(sdam(), primary('a:3306', { topologyVersion: version }))
    const newer = secondary('a:3306', { topologyVersion: { processId: 'p', counter: 3 } })
    expect(updateTopologyDescription(td, newer, sdam()).nodes.get('a:3306')?.type).toBe(
      NodeType.Secondary,
    )
  })

  function sdam(): TopologyRulesOptions {
    return { seeds: HOSTS }
  }
})

describe('topologyDescriptionEquals, field by field', () => {
  const options = { seeds: HOSTS }
  const base = apply(options, primary('a:3306'), secondary('b:3306'))

  it('is true for two descriptions built from the same replies', () => {
    expect(
      topologyDescriptionEquals(base, apply(options, primary('a:3306'), secondary('b:3306'))),
    ).toBe(true)
  })

  it.each<[string, Partial<TopologyDescription>]>([
    ['type', { type: TopologyType.ReplicaSetNoPrimary }],
    ['setName', { setName: 'other' }],
    ['maxSetVersion', { maxSetVersion: 7 }],
    ['maxElectionId', { maxElectionId: '7fffffff0000000000000001' }],
    ['compatibilityError', { compatibilityError: 'node a:3306 requires wire version 99' }],
    ['logicalSessionTimeoutMinutes', { logicalSessionTimeoutMinutes: 30 }],
    ['conflictingPrimaries', { conflictingPrimaries: ['a:3306', 'b:3306'] }],
  ])('sees a change of %s, in either direction', (_field, change) => {
    const changed = { ...base, ...change }
    expect(topologyDescriptionEquals(base, changed)).toBe(false)
    expect(topologyDescriptionEquals(changed, base)).toBe(false)
  })

  it('sees a member added or removed, and a member swapped for another', () => {
    const fewer = new Map(base.nodes)
    fewer.delete('c:3306')
    expect(topologyDescriptionEquals(base, { ...base, nodes: fewer })).toBe(false)
    expect(topologyDescriptionEquals({ ...base, nodes: fewer }, base)).toBe(false)
    const swapped = new Map(fewer)
    swapped.set(
      'd:3306',
      createNodeDescription('d:3306', { type: NodeType.Unknown }, { rttMS: 1, now: 1000 }),
    )
    expect(topologyDescriptionEquals(base, { ...base, nodes: swapped })).toBe(false)
  })

  it('sees one member change while the others stay', () => {
    const next = updateTopologyDescription(base, secondary('c:3306'), options)
    expect(next.type).toBe(base.type)
    expect(topologyDescriptionEquals(base, next)).toBe(false)
  })
})

describe('createTopologyDescription, conflicting options', () => {
  it.each([
    [{ directConnection: true }, 'directConnection=true'],
    [{ loadBalanced: true }, 'loadBalanced=true'],
  ])('refuses %o with several seeds, naming the option', (option, name) => {
    const create = (): TopologyDescription =>
      createTopologyDescription({ seeds: ['a:1', 'b:1'], ...option })
    expect(create).toThrow(ConfigError)
    expect(create).toThrow(expect.objectContaining({ code: ErrorCode.ConflictingOptions }))
    expect(create).toThrow(name)
  })
})

describe('a direct connection (TopologyType Single)', () => {
  const direct: TopologyRulesOptions = { seeds: ['a:3306'], directConnection: true }

  it('writes to a standalone node', () => {
    const td = apply(direct, node('a:3306', { type: NodeType.Standalone }))
    expect(td.type).toBe(TopologyType.Single)
    expect(primaryAddress(td)).toBe('a:3306')
  })

  it('writes to a primary', () => {
    expect(primaryAddress(apply(direct, primary('a:3306')))).toBe('a:3306')
  })

  it('has no writable node when the node is a secondary', () => {
    const td = apply(direct, secondary('a:3306'))
    expect(td.type).toBe(TopologyType.Single)
    expect(td.nodes.get('a:3306')?.type).toBe(NodeType.Secondary)
    expect(primaryAddress(td)).toBeNull()
  })

  it('with replicaSet, makes a node of another set Unknown with an INVALID_OPTION error, at the time of its reply', () => {
    const options = { ...direct, setName: 'rs' }
    const other = createNodeDescription(
      'a:3306',
      { type: NodeType.Primary, setName: 'other' },
      { rttMS: 1, now: 4321 },
    )
    const nd = apply(options, other).nodes.get('a:3306')
    expect(nd?.type).toBe(NodeType.Unknown)
    expect(nd?.error).toBeInstanceOf(ConfigError)
    expect(nd?.error?.code).toBe(ErrorCode.InvalidOption)
    expect(nd?.lastUpdateTime).toBe(4321)
  })

  it('with replicaSet, keeps a failed probe’s own error', () => {
    const options = { ...direct, setName: 'rs' }
    const refused = new NetworkError('refused', { code: ErrorCode.NetworkError })
    const down = createNodeDescription('a:3306', refused, { rttMS: null, now: 10 })
    const nd = apply(options, down).nodes.get('a:3306')
    expect(nd?.type).toBe(NodeType.Unknown)
    expect(nd?.error).toBe(refused)
  })
})

describe('a load-balanced topology', () => {
  const lb: TopologyRulesOptions = { seeds: ['lb:3306'], loadBalanced: true }

  it('stays LoadBalanced with its one node and names no primary, whatever the node reports', () => {
    for (const reply of [
      node('lb:3306', { type: NodeType.LoadBalancer }),
      node('lb:3306', { type: NodeType.Primary, setName: 'rs', hosts: ['lb:3306', 'b:3306'] }),
      node('lb:3306', { type: NodeType.Standalone }),
      node('lb:3306', { type: NodeType.Router }),
    ]) {
      const td = apply(lb, reply)
      expect(td.type).toBe(TopologyType.LoadBalanced)
      expect([...td.nodes.keys()]).toEqual(['lb:3306'])
      expect(td.nodes.get('lb:3306')?.type).toBe(reply.type)
      expect(primaryAddress(td)).toBeNull()
    }
  })
})

describe('a Peer topology (masterless ring)', () => {
  const options = { seeds: ['a:9042'] }
  const peer = (address: string, hosts: string[]): NodeDescription =>
    node(address, { type: NodeType.Peer, hosts })

  it('adds the members a second peer knows of', () => {
    const td = apply(
      options,
      peer('a:9042', ['a:9042', 'b:9042']),
      peer('b:9042', ['b:9042', 'c:9042']),
    )
    expect(td.type).toBe(TopologyType.Peer)
    expect([...td.nodes.keys()].sort()).toEqual(['a:9042', 'b:9042', 'c:9042'])
    expect(td.nodes.get('b:9042')?.type).toBe(NodeType.Peer)
  })

  it('keeps a peer whose probe failed, as Unknown', () => {
    const down = createNodeDescription(
      'b:9042',
      new NetworkError('refused', { code: ErrorCode.NetworkError }),
      { rttMS: null, now: 10 },
    )
    const td = apply(options, peer('a:9042', ['a:9042', 'b:9042']), down)
    expect([...td.nodes.keys()].sort()).toEqual(['a:9042', 'b:9042'])
    expect(td.nodes.get('b:9042')?.type).toBe(NodeType.Unknown)
  })

  it('counts ring members as data-bearing for the session timeout', () => {
    const td = apply(
      options,
      node('a:9042', { type: NodeType.Peer, hosts: ['a:9042'], logicalSessionTimeoutMinutes: 30 }),
    )
    expect(td.logicalSessionTimeoutMinutes).toBe(30)
  })
})

describe('a replica set member', () => {
  const options = { seeds: HOSTS }

  it('stays when it is merely marked PossiblePrimary (the SDAM table’s no-op)', () => {
    const td = apply(options, secondary('a:3306'))
    const possible = createUnknownNodeDescription('b:3306', null, {
      type: NodeType.PossiblePrimary,
    })
    const next = updateTopologyDescription(td, possible, options)
    expect(next.nodes.get('b:3306')?.type).toBe(NodeType.PossiblePrimary)
    expect(next.type).toBe(TopologyType.ReplicaSetNoPrimary)
  })

  it('is removed when, with a primary known, it reports a `me` other than its address', () => {
    const td = apply(options, primary('a:3306'), secondary('c:3306', { me: 'z:3306' }))
    expect(td.nodes.has('c:3306')).toBe(false)
    expect(primaryAddress(td)).toBe('a:3306')
  })

  it('that was the primary and steps down makes the member it names PossiblePrimary', () => {
    const td = apply(options, primary('a:3306'), secondary('a:3306', { primary: 'b:3306' }))
    expect(td.type).toBe(TopologyType.ReplicaSetNoPrimary)
    expect(td.nodes.get('b:3306')?.type).toBe(NodeType.PossiblePrimary)
    expect(td.nodes.get('c:3306')?.type).toBe(NodeType.Unknown)
    expect(primaryAddress(td)).toBeNull()
  })

  it('naming another node as primary while the primary is known changes nothing else', () => {
    const td = apply(options, primary('a:3306'), secondary('c:3306', { primary: 'b:3306' }))
    expect(td.type).toBe(TopologyType.ReplicaSetWithPrimary)
    expect(td.nodes.get('b:3306')?.type).toBe(NodeType.Unknown)
    expect(primaryAddress(td)).toBe('a:3306')
  })
})

describe('stale primaries by election marker (MongoDB 6.0+ and backends without wire versions)', () => {
  const options = { seeds: HOSTS }

  it('takes a primary with a marker as newer than one without, whatever their setVersions', () => {
    const td = apply(
      options,
      primary('a:3306', { setVersion: 5 }),
      primary('b:3306', { electionId: '01', setVersion: 1 }),
    )
    expect(primaryAddress(td)).toBe('b:3306')
    expect(td.nodes.get('a:3306')?.type).toBe(NodeType.Unknown)
    expect([td.maxElectionId, td.maxSetVersion]).toEqual(['01', 1])
  })

  it('takes a marker with more digits as newer (a term past ff)', () => {
    const newer = apply(
      options,
      primary('a:3306', { electionId: 'ff' }),
      primary('b:3306', { electionId: '100' }),
    )
    expect(primaryAddress(newer)).toBe('b:3306')
    expect(newer.maxElectionId).toBe('100')
    const older = apply(
      options,
      primary('a:3306', { electionId: '100' }),
      primary('b:3306', { electionId: 'ff' }),
    )
    expect(primaryAddress(older)).toBe('a:3306')
    expect(older.nodes.get('b:3306')?.error?.message).toContain('electionId/setVersion mismatch')
  })

  it('marks the old primary Unknown with a NOT_PRIMARY error, at the time of its last reply', () => {
    const primaryAt = (address: string, now: number, electionId: string): NodeDescription =>
      createNodeDescription(
        address,
        { type: NodeType.Primary, setName: 'rs', hosts: HOSTS, electionId },
        { rttMS: 1, now },
      )
    const a = primaryAt('a:3306', 1000, '01')
    const b = primaryAt('b:3306', 2000, '02')
    const old = apply(options, a, b).nodes.get('a:3306')
    expect(old?.type).toBe(NodeType.Unknown)
    expect(old?.error?.code).toBe(ErrorCode.NotPrimary)
    expect(old?.lastUpdateTime).toBe(1000)
  })
})

describe('stale primaries by setVersion first (MongoDB before 6.0, wire versions 1-16)', () => {
  const options = { seeds: HOSTS }
  const legacy = (address: string, setVersion: number, electionId?: string): NodeDescription =>
    primary(address, {
      maxWireVersion: 13,
      setVersion,
      ...(electionId === undefined ? {} : { electionId }),
    })

  it('takes the higher setVersion even with a lower electionId', () => {
    const td = apply(options, legacy('a:3306', 1, '02'), legacy('b:3306', 2, '01'))
    expect(primaryAddress(td)).toBe('b:3306')
    expect([td.maxSetVersion, td.maxElectionId]).toEqual([2, '01'])
  })

  it('at an equal setVersion, takes the higher electionId', () => {
    const td = apply(options, legacy('a:3306', 1, '01'), legacy('b:3306', 1, '02'))
    expect(primaryAddress(td)).toBe('b:3306')
    const back = apply(options, legacy('a:3306', 1, '02'), legacy('b:3306', 1, '01'))
    expect(primaryAddress(back)).toBe('a:3306')
    expect(back.nodes.get('b:3306')?.type).toBe(NodeType.Unknown)
  })

  it('keeps a primary that reports the same setVersion and electionId again', () => {
    const td = apply(
      options,
      legacy('a:3306', 1, '01'),
      secondary('b:3306'),
      legacy('a:3306', 1, '01'),
    )
    expect(primaryAddress(td)).toBe('a:3306')
    expect(td.nodes.get('a:3306')?.type).toBe(NodeType.Primary)
  })

  it('refuse mode: a primary without a marker after one with a marker follows the SDAM rule, no conflict', () => {
    const refuse = { ...options, primaryConflict: PrimaryConflict.Refuse }
    const td = apply(refuse, legacy('a:3306', 1, '01'), legacy('b:3306', 1))
    expect(td.conflictingPrimaries).toEqual([])
    expect(primaryAddress(td)).toBe('b:3306')
    expect(td.nodes.get('a:3306')?.type).toBe(NodeType.Unknown)
  })
})

describe('primaryConflict: refuse, with and without markers', () => {
  const refuse: TopologyRulesOptions = { seeds: HOSTS, primaryConflict: PrimaryConflict.Refuse }

  it('a primary with a marker after one without takes over, no conflict', () => {
    const td = apply(refuse, primary('a:3306'), primary('b:3306', { electionId: '01' }))
    expect(td.conflictingPrimaries).toEqual([])
    expect(primaryAddress(td)).toBe('b:3306')
    expect(td.nodes.get('a:3306')?.type).toBe(NodeType.Unknown)
  })

  it('lists the conflicting primaries in address order, whichever claimed first', () => {
    const td = apply(refuse, primary('c:3306'), primary('a:3306'))
    expect(td.conflictingPrimaries).toEqual(['a:3306', 'c:3306'])
  })
})

describe('wire version compatibility', () => {
  const options = { seeds: HOSTS, wireVersionRange: { min: 8, max: 25 } }

  it('accepts nodes at the bounds of the client’s range', () => {
    expect(
      apply(options, primary('a:3306', { minWireVersion: 25, maxWireVersion: 30 }))
        .compatibilityError,
    ).toBeNull()
    expect(
      apply(options, primary('a:3306', { minWireVersion: 0, maxWireVersion: 8 }))
        .compatibilityError,
    ).toBeNull()
  })

  it('says which node needs a newer client, and up to what the client goes', () => {
    const td = apply(options, primary('a:3306', { minWireVersion: 26, maxWireVersion: 30 }))
    expect(td.compatibilityError).toMatch(
      /^node a:3306 requires wire version 26, but this version of ReplicaKit only supports up to 25: upgrade ReplicaKit$/,
    )
  })

  it('does not check a node that was only named as primary and not probed yet', () => {
    const td = apply(options, secondary('a:3306', { primary: 'b:3306', maxWireVersion: 21 }))
    expect(td.nodes.get('b:3306')?.type).toBe(NodeType.PossiblePrimary)
    expect(td.compatibilityError).toBeNull()
  })
})
