import { describe, expect, it } from 'vitest'
import { ErrorCode, ErrorLabel } from '../../../src/errors/error-codes.js'
import { NetworkError, NodeStateError, OperationError } from '../../../src/errors/errors.js'
import { NodeType } from '../../../src/topology/node-description.js'
import type { ProbeResult } from '../../../src/topology/node-description.js'
import { TopologyType } from '../../../src/topology/topology-description.js'
import { Topology } from '../../../src/topology/topology.js'
import { scriptedTopology } from './probe-script.js'
import type { ProbeStep } from './probe-script.js'

const HOSTS = ['a:3306', 'b:3306']
const asPrimary: ProbeResult = { type: NodeType.Primary, setName: 'rs', hosts: HOSTS }
const asSecondary: ProbeResult = { type: NodeType.Secondary, setName: 'rs', hosts: HOSTS }

const setup = scriptedTopology

const primaryAB = (address: string): ProbeStep => ({
  result: address === 'a:3306' ? asPrimary : asSecondary,
})

describe('Topology', () => {
  it('opens, discovers members from the primary and monitors them', async () => {
    const { clock, topology, events, callsTo } = setup(primaryAB)
    topology.start()
    await clock.flush()
    expect(events.slice(0, 3).map((e) => e.name)).toEqual([
      'topologyOpened',
      'topologyChanged',
      'nodeOpened',
    ])
    expect(topology.description.type).toBe(TopologyType.ReplicaSetWithPrimary)
    expect(topology.description.nodes.get('b:3306')?.type).toBe(NodeType.Secondary)
    expect([callsTo('a:3306'), callsTo('b:3306')]).toEqual([[0], [0]])
    await topology.close()
  })

  it('emits primaryChanged on discovery and on failover', async () => {
    const { clock, topology, named } = setup((address, n) =>
      address === 'a:3306'
        ? { result: n === 1 ? asPrimary : asSecondary }
        : { result: n === 1 ? asSecondary : asPrimary },
    )
    topology.start()
    await clock.advanceAsync(10_000)
    expect(named('primaryChanged').map((e) => [e.previous, e.next])).toEqual([
      [null, 'a:3306'],
      ['a:3306', null],
      [null, 'b:3306'],
    ])
    await topology.close()
  })

  it('stops monitoring a node the primary no longer lists', async () => {
    const { clock, topology, named, callsTo } = setup(
      (address) => ({
        result: address === 'a:3306' ? { ...asPrimary, hosts: ['a:3306'] } : asSecondary,
      }),
      {},
      ['a:3306', 'x:3306'],
    )
    topology.start()
    await clock.advanceAsync(30_000)
    expect(named('nodeClosed').map((e) => e.address)).toEqual(['x:3306'])
    expect(topology.description.nodes.has('x:3306')).toBe(false)
    expect(callsTo('x:3306')).toEqual([0])
    await topology.close()
  })

  it('marks a node Unknown when its probe times out, and clears its pool', async () => {
    const { clock, topology, named } = setup(
      (address, n) => (n === 1 ? primaryAB(address) : { hang: true }),
      {},
      ['a:3306'],
    )
    topology.start()
    await clock.advanceAsync(10_000 + 999)
    expect(topology.description.nodes.get('a:3306')?.type).toBe(NodeType.Primary)
    await clock.advanceAsync(1)
    const a = topology.description.nodes.get('a:3306')
    expect([a?.type, a?.error?.code, a?.roundTripTimeMS]).toEqual([
      NodeType.Unknown,
      ErrorCode.ConnectTimeout,
      null,
    ])
    expect(named('heartbeatFailed')[0]?.error.code).toBe(ErrorCode.ConnectTimeout)
    expect(topology.nodeGeneration('a:3306')).toBe(1)
    expect(topology.description.type).toBe(TopologyType.ReplicaSetNoPrimary)
    await topology.close()
  })

  it('records heartbeat durations and keeps RTT-only changes out of nodeChanged', async () => {
    const { clock, topology, named } = setup(
      (address, n) => ({ ...primaryAB(address), delayMS: n * 10 }),
      {},
      ['a:3306', 'b:3306'],
    )
    topology.start()
    await clock.advanceAsync(10_010 + 20)
    expect(
      named('heartbeatSucceeded')
        .filter((e) => e.address === 'a:3306')
        .map((e) => e.durationMS),
    ).toEqual([10, 20])
    expect(named('nodeChanged').filter((e) => e.address === 'a:3306')).toHaveLength(1)
    expect(topology.description.nodes.get('a:3306')?.roundTripTimeMS).toBeCloseTo(
      0.2 * 20 + 0.8 * 10,
    )
    await topology.close()
  })

  describe('markNodeUnknown', () => {
    const notPrimary = new NodeStateError('a:3306 is read-only', {
      code: ErrorCode.NotPrimary,
      labels: [ErrorLabel.NodeStateChange],
    })
    const reset = new NetworkError('connection reset', { code: ErrorCode.NetworkError })

    it('makes a node Unknown on a state change and re-checks it within 500 ms, keeping the pool', async () => {
      const { clock, topology, callsTo } = setup(primaryAB)
      topology.start()
      await clock.advanceAsync(100)
      expect(topology.markNodeUnknown('a:3306', notPrimary)).toBe(true)
      expect(topology.description.nodes.get('a:3306')?.type).toBe(NodeType.Unknown)
      expect(topology.nodeGeneration('a:3306')).toBe(0)
      await clock.advanceAsync(400)
      expect(callsTo('a:3306')).toEqual([0, 500])
      expect(topology.description.nodes.get('a:3306')?.type).toBe(NodeType.Primary)
      await topology.close()
    })

    it('clears the pool on a network error without an immediate check', async () => {
      const { clock, topology, callsTo } = setup(primaryAB)
      topology.start()
      await clock.advanceAsync(100)
      expect(topology.markNodeUnknown('a:3306', reset)).toBe(true)
      expect(topology.nodeGeneration('a:3306')).toBe(1)
      await clock.advanceAsync(5_000)
      expect(callsTo('a:3306')).toEqual([0])
      await topology.close()
    })

    it('ignores errors from an older pool generation or an older topologyVersion', async () => {
      const tv = { processId: 'p', counter: 5 }
      const { clock, topology } = setup((address) =>
        address === 'a:3306'
          ? { result: { ...asPrimary, topologyVersion: tv } }
          : primaryAB(address),
      )
      topology.start()
      await clock.flush()
      topology.markNodeUnknown('a:3306', reset)
      await clock.advanceAsync(10_000)
      expect(topology.description.nodes.get('a:3306')?.type).toBe(NodeType.Primary)
      expect(topology.markNodeUnknown('a:3306', reset, { generation: 0 })).toBe(false)
      expect(topology.markNodeUnknown('a:3306', notPrimary, { topologyVersion: tv })).toBe(false)
      expect(topology.description.nodes.get('a:3306')?.type).toBe(NodeType.Primary)
      await topology.close()
    })
  })

  describe('markNodeUnknown: what it leaves alone', () => {
    const notPrimary = new NodeStateError('a:3306 is read-only', {
      code: ErrorCode.NotPrimary,
      labels: [ErrorLabel.NodeStateChange],
    })
    const reset = new NetworkError('connection reset', { code: ErrorCode.NetworkError })

    it('changes nothing for a node not in the topology', async () => {
      const { clock, topology, events } = setup(primaryAB)
      topology.start()
      await clock.flush()
      const [description, seen] = [topology.description, events.length]
      expect(topology.markNodeUnknown('z:3306', reset)).toBe(false)
      expect(topology.nodeGeneration('z:3306')).toBe(0)
      expect(topology.description).toBe(description)
      expect(events).toHaveLength(seen)
      await topology.close()
    })

    it('changes nothing for an error that says nothing about the node (a duplicate key)', async () => {
      const { clock, topology, events, callsTo } = setup(primaryAB)
      topology.start()
      await clock.advanceAsync(100)
      const [description, seen] = [topology.description, events.length]
      const duplicate = new OperationError('duplicate key', { code: ErrorCode.DuplicateKey })
      expect(topology.markNodeUnknown('a:3306', duplicate)).toBe(false)
      expect(topology.description).toBe(description)
      expect(topology.nodeGeneration('a:3306')).toBe(0)
      expect(events).toHaveLength(seen)
      await clock.advanceAsync(1_000)
      expect(callsTo('a:3306')).toEqual([0])
      await topology.close()
    })

    it('clears the pool of a load balancer on a network error but never makes it Unknown', async () => {
      const { clock, topology, named } = setup(() => ({ hang: true }), { loadBalanced: true })
      topology.start()
      await clock.flush()
      expect(topology.markNodeUnknown('a:3306', reset)).toBe(true)
      expect(topology.nodeGeneration('a:3306')).toBe(1)
      expect(topology.description.nodes.get('a:3306')?.type).toBe(NodeType.LoadBalancer)
      expect(named('nodeChanged')).toHaveLength(1) // Unknown → LoadBalancer at start only
      // A state change says nothing about a load balancer's backends: nothing to do.
      expect(topology.markNodeUnknown('a:3306', notPrimary)).toBe(false)
      expect(topology.nodeGeneration('a:3306')).toBe(1)
      await topology.close()
    })

    it('forgets the RTT average of a node it marks Unknown', async () => {
      const { clock, topology } = setup((address, n) => ({
        ...primaryAB(address),
        delayMS: n === 1 ? 100 : 10,
      }))
      topology.start()
      await clock.advanceAsync(200)
      expect(topology.description.nodes.get('a:3306')?.roundTripTimeMS).toBe(100)
      topology.markNodeUnknown('a:3306', notPrimary)
      await clock.advanceAsync(500 - 200 + 10) // the requested check, 500 ms after the first
      const a = topology.description.nodes.get('a:3306')
      expect([a?.type, a?.roundTripTimeMS]).toEqual([NodeType.Primary, 10])
      await topology.close()
    })
  })

  it('ignores a probe outcome for a node not in the topology, its pool generation too', () => {
    const topology = new Topology({ seeds: ['a:3306'] })
    topology.start()
    const description = topology.description
    const reset = new NetworkError('connection reset', { code: ErrorCode.NetworkError })
    topology.applyProbeOutcome('z:3306', reset)
    expect(topology.nodeGeneration('z:3306')).toBe(0)
    expect(topology.description).toBe(description)
    return topology.close()
  })

  describe('re-checking a node that fails', () => {
    const reset = (): NetworkError =>
      new NetworkError('connection reset', { code: ErrorCode.NetworkError })

    it('probes a known node again at once when it fails, then at the normal pace', async () => {
      const { clock, topology, callsTo } = setup((address, n) =>
        n === 1 ? primaryAB(address) : { error: reset() },
      )
      topology.start()
      await clock.advanceAsync(10_000)
      expect(callsTo('a:3306')).toEqual([0, 10_000, 10_000])
      await clock.advanceAsync(10_000)
      expect(callsTo('a:3306')).toEqual([0, 10_000, 10_000, 20_000])
      await topology.close()
    })

    it('does not probe an Unknown node again at once', async () => {
      const { clock, topology, callsTo } = setup(() => ({ error: reset() }))
      topology.start()
      await clock.advanceAsync(9_999)
      expect(callsTo('a:3306')).toEqual([0])
      await clock.advanceAsync(10_001)
      expect(callsTo('a:3306')).toEqual([0, 10_000, 20_000])
      await topology.close()
    })

    it('does not probe a possible primary again at once (it was never known)', async () => {
      const { clock, topology, callsTo } = setup((address) =>
        address === 'a:3306'
          ? { result: { ...asSecondary, primary: 'b:3306' } }
          : { error: reset() },
      )
      const types: (string | undefined)[] = []
      topology.on('heartbeatStarted', (e) => {
        if (e.address === 'b:3306') types.push(topology.description.nodes.get('b:3306')?.type)
      })
      topology.start()
      await clock.advanceAsync(9_999)
      expect(types).toEqual([NodeType.PossiblePrimary])
      expect(callsTo('b:3306')).toEqual([0])
      await topology.close()
    })

    it('keeps the immediate re-check when a woken waiter asks for a check meanwhile', async () => {
      // The selection loop: woken by the failure, it finds no node and asks for a check.
      const { clock, topology, callsTo } = setup((address, n) =>
        n === 1 ? primaryAB(address) : { error: reset() },
      )
      topology.start()
      await clock.advanceAsync(9_000)
      void topology.waitForDescriptionChange().then(() => {
        topology.requestCheck()
      })
      await clock.advanceAsync(1_000)
      expect(callsTo('a:3306')).toEqual([0, 10_000, 10_000])
      await topology.close()
    })

    it('reports how long a failed probe took', async () => {
      const { clock, topology, named } = setup((address, n) =>
        n === 1 ? primaryAB(address) : { error: reset(), delayMS: 30 },
      )
      topology.start()
      await clock.advanceAsync(10_000 + 30)
      expect(named('heartbeatFailed').map((e) => [e.address, e.durationMS])).toEqual([
        ['a:3306', 30],
        ['b:3306', 30],
      ])
      await topology.close()
    })
  })

  describe('a new primary that replaces a known one', () => {
    const HOSTS3 = ['a:3306', 'b:3306', 'c:3306']
    /** a is primary (wire `w`) for two probes, b takes over at 10 100, c stays a secondary (wire 7). */
    const takeover =
      (w: number) =>
      (address: string, n: number): ProbeStep => {
        const member = { setName: 'rs', hosts: HOSTS3 }
        if (address === 'a:3306')
          return {
            result: {
              ...member,
              type: n <= 2 ? NodeType.Primary : NodeType.Secondary,
              maxWireVersion: w,
            },
          }
        if (address === 'b:3306')
          return n === 1
            ? { result: { ...member, type: NodeType.Secondary } }
            : { result: { ...member, type: NodeType.Primary }, delayMS: 100 }
        return { result: { ...member, type: NodeType.Secondary, maxWireVersion: 7 } }
      }

    it('makes the old primary Unknown and re-checks it soon, and no other node', async () => {
      const { clock, topology, callsTo, named } = setup(takeover(17), {}, ['a:3306'])
      topology.start()
      await clock.advanceAsync(10_100)
      expect(topology.description.nodes.get('a:3306')?.type).toBe(NodeType.Unknown)
      expect(named('primaryChanged').map((e) => e.next)).toEqual(['a:3306', 'b:3306'])
      await clock.advanceAsync(10_000)
      // a: heartbeat at 10 000, then the check asked for when b took over (500 ms after it).
      expect(callsTo('a:3306')).toEqual([0, 10_000, 10_500])
      expect(callsTo('c:3306')).toEqual([0, 10_000, 20_000])
      expect(topology.description.nodes.get('a:3306')?.type).toBe(NodeType.Secondary)
      expect(topology.nodeGeneration('c:3306')).toBe(0)
      await topology.close()
    })

    // An old primary before MongoDB 4.2 (wire 8) closed its connections on step-down; a backend
    // without wire versions (0) and newer servers keep theirs.
    it.each([
      [0, 0],
      [1, 1],
      [7, 1],
      [8, 0],
      [17, 0],
    ])(
      'drops the old primary’s pool when its wire version is %i: generation %i',
      async (w, generation) => {
        const { clock, topology } = setup(takeover(w), {}, ['a:3306'])
        topology.start()
        await clock.advanceAsync(10_100)
        expect(topology.description.nodes.get('b:3306')?.type).toBe(NodeType.Primary)
        expect(topology.nodeGeneration('a:3306')).toBe(generation)
        expect(topology.nodeGeneration('c:3306')).toBe(0)
        await topology.close()
      },
    )
  })

  describe('waitForDescriptionChange', () => {
    it('resolves on the next change', async () => {
      const { clock, topology } = setup(primaryAB)
      let resolved = false
      const wait = topology.waitForDescriptionChange({ timeoutMS: 60_000 }).then(() => {
        resolved = true
      })
      await clock.flush()
      expect(resolved).toBe(false)
      topology.start()
      await wait
      expect(resolved).toBe(true)
      await topology.close()
    })

    it('resolves when the bound passes, and leaves no timer', async () => {
      const { clock, topology } = setup(() => ({ hang: true }))
      let resolved = false
      void topology.waitForDescriptionChange({ timeoutMS: 300 }).then(() => {
        resolved = true
      })
      await clock.advanceAsync(299)
      expect(resolved).toBe(false)
      await clock.advanceAsync(1)
      expect(resolved).toBe(true)
      expect(clock.pendingTimerCount).toBe(0)
    })

    it('rejects when the signal aborts and resolves when the topology closes', async () => {
      const { clock, topology } = setup(() => ({ hang: true }))
      const controller = new AbortController()
      const aborted = topology.waitForDescriptionChange({
        signal: controller.signal,
        timeoutMS: 10_000,
      })
      controller.abort(new Error('caller gave up'))
      await expect(aborted).rejects.toThrow('caller gave up')
      const closing = topology.waitForDescriptionChange({ timeoutMS: 10_000 })
      await topology.close()
      await expect(closing).resolves.toBeUndefined()
      expect(clock.pendingTimerCount).toBe(0)
    })
  })

  describe('close', () => {
    it('stops every monitor, leaves no timer, aborts probes and is idempotent', async () => {
      const { clock, topology, calls, named } = setup((address) =>
        address === 'a:3306' ? { result: asPrimary } : { hang: true },
      )
      topology.start()
      await clock.flush()
      expect(clock.pendingTimerCount).toBeGreaterThan(0)
      const first = topology.close()
      expect(topology.close()).toBe(first)
      await first
      expect(clock.pendingTimerCount).toBe(0)
      expect(calls.find((c) => c.address === 'b:3306')?.signal.aborted).toBe(true)
      expect(
        named('nodeClosed')
          .map((e) => e.address)
          .sort(),
      ).toEqual(HOSTS)
      expect(named('topologyClosed')).toHaveLength(1)
      expect(topology.description.nodes.size).toBe(0)
      topology.requestCheck()
      await clock.advanceAsync(60_000)
      expect(calls).toHaveLength(2)
    })
  })

  describe('primaryConflict: refuse', () => {
    it('detects split brain, reports no primary and re-checks both nodes', async () => {
      const { clock, topology, named, callsTo } = setup(() => ({ result: asPrimary }), {
        primaryConflict: 'refuse',
      })
      topology.start()
      await clock.flush()
      expect(named('splitBrainDetected').map((e) => e.nodes)).toEqual([HOSTS])
      expect(topology.description.type).toBe(TopologyType.ReplicaSetNoPrimary)
      expect(topology.description.conflictingPrimaries).toEqual(HOSTS)
      await clock.advanceAsync(500)
      expect([callsTo('a:3306'), callsTo('b:3306')]).toEqual([
        [0, 500],
        [0, 500],
      ])
      await topology.close()
    })

    it('reports a split brain once while it lasts, nothing when it ends, nothing without one', async () => {
      const { clock, topology, named } = setup(
        (address, n) => ({
          result: address === 'a:3306' || n <= 2 ? asPrimary : asSecondary,
        }),
        { primaryConflict: 'refuse' },
      )
      topology.start()
      await clock.advanceAsync(500) // both re-checked, both still primary
      expect(named('splitBrainDetected').map((e) => e.nodes)).toEqual([HOSTS])
      await clock.advanceAsync(10_000) // b steps down
      expect(topology.description.conflictingPrimaries).toEqual([])
      expect(primaryOf(topology)).toBe('a:3306')
      expect(named('splitBrainDetected')).toHaveLength(1)
      await topology.close()

      const plain = setup(primaryAB, { primaryConflict: 'refuse' })
      plain.topology.start()
      await plain.clock.advanceAsync(30_000)
      expect(plain.named('primaryChanged').map((e) => e.next)).toEqual(['a:3306'])
      expect(plain.named('splitBrainDetected')).toEqual([])
      await plain.topology.close()
    })
  })

  it('starts a load-balanced topology without probing', async () => {
    const { clock, topology, calls } = setup(() => ({ hang: true }), { loadBalanced: true })
    topology.start()
    await clock.advanceAsync(60_000)
    expect(calls).toHaveLength(0)
    expect(topology.description.type).toBe(TopologyType.LoadBalanced)
    expect(topology.description.nodes.get('a:3306')?.type).toBe(NodeType.LoadBalancer)
    await topology.close()
  })

  it('keeps monitoring when a listener throws', async () => {
    const { clock, topology, callsTo } = setup(primaryAB)
    topology.on('heartbeatSucceeded', () => {
      throw new Error('listener bug')
    })
    topology.start()
    await clock.advanceAsync(20_000)
    expect(callsTo('a:3306')).toEqual([0, 10_000, 20_000])
    expect(topology.description.nodes.get('a:3306')?.type).toBe(NodeType.Primary)
    await topology.close()
  })

  it('never puts a password into a heartbeat event or a node error', async () => {
    const { clock, topology, named } = setup(() => ({
      error: new Error('connect failed for mysql://app:s3cret@a:3306/shop?password=s3cret'),
    }))
    topology.start()
    await clock.flush()
    const failed = named('heartbeatFailed')[0]
    expect(failed?.error.message).toContain('connect failed')
    expect(failed?.error.message).not.toContain('s3cret')
    expect(topology.description.nodes.get('a:3306')?.error?.message).not.toContain('s3cret')
    await topology.close()
  })

  it('can be fed from outside when no probe is given', () => {
    const topology = new Topology({ seeds: ['a:3306'] })
    topology.start()
    topology.applyProbeOutcome('a:3306', asPrimary, { roundTripTimeMS: 3 })
    expect(primaryOf(topology)).toBe('a:3306')
    expect(topology.description.nodes.get('a:3306')?.roundTripTimeMS).toBe(3)
    return topology.close()
  })
})

function primaryOf(topology: Topology): string | undefined {
  return [...topology.description.nodes.values()].find((n) => n.type === NodeType.Primary)?.address
}

describe('Topology seeds', () => {
  it('counts duplicate seeds once, so a lone standalone makes the topology Single', () => {
    const topology = new Topology({ seeds: ['A:3306', 'a:3306'] })
    topology.start()
    topology.applyProbeOutcome('a:3306', { type: NodeType.Standalone })
    expect(topology.description.type).toBe(TopologyType.Single)
    return topology.close()
  })
})
