import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ErrorCode, ErrorLabel } from '../../../src/errors/error-codes.js'
import { NetworkError, NodeStateError } from '../../../src/errors/errors.js'
import type { TopologyEvents } from '../../../src/events/events.js'
import { NodeType } from '../../../src/topology/node-description.js'
import type { ProbeResult } from '../../../src/topology/node-description.js'
import { TopologyType } from '../../../src/topology/topology-description.js'
import { Topology } from '../../../src/topology/topology.js'
import { createFakeClock } from '../../fixtures/fake-clock.js'
import { scriptedTopology } from './probe-script.js'
import type { ProbeStep } from './probe-script.js'

/** Start, close, what happens before start and after close, and the waiters of the selection loop. */

const HOSTS = ['a:3306', 'b:3306']
const asPrimary: ProbeResult = { type: NodeType.Primary, setName: 'rs', hosts: HOSTS }
const asSecondary: ProbeResult = { type: NodeType.Secondary, setName: 'rs', hosts: HOSTS }
const primaryAB = (address: string): ProbeStep => ({
  result: address === 'a:3306' ? asPrimary : asSecondary,
})
const notPrimary = (): NodeStateError =>
  new NodeStateError('a:3306 is read-only', {
    code: ErrorCode.NotPrimary,
    labels: [ErrorLabel.NodeStateChange],
  })

const setup = scriptedTopology

/** Whether `promise` has settled once pending callbacks ran (time does not move). */
async function settledNow(promise: Promise<unknown>, clock: { flush(): Promise<void> }) {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await clock.flush()
  return settled
}

describe('Topology.start', () => {
  it('is idempotent: a second start opens nothing again and probes nothing more', async () => {
    const { clock, topology, names, callsTo } = setup(primaryAB)
    topology.start()
    await clock.advanceAsync(100)
    const before = names().length
    topology.start()
    await clock.advanceAsync(9_899)
    expect(names().slice(before)).toEqual([])
    expect(callsTo('a:3306')).toEqual([0])
    await clock.advanceAsync(1)
    expect(callsTo('a:3306')).toEqual([0, 10_000])
    expect(names().filter((e) => e === 'topologyOpened')).toHaveLength(1)
    await topology.close()
  })

  it('does nothing after close: no event, no probe', async () => {
    const { clock, topology, names, calls } = setup(primaryAB)
    await topology.close()
    topology.start()
    await clock.advanceAsync(60_000)
    expect(names()).toEqual([])
    expect(calls).toHaveLength(0)
  })

  it('emits a heartbeatStarted for every probe, before its outcome', async () => {
    const { clock, topology, names, calls } = setup((address, n) =>
      n === 1 ? primaryAB(address) : { error: new Error('gone') },
    )
    const started: string[] = []
    topology.on('heartbeatStarted', (e) => started.push(e.address))
    topology.start()
    await clock.advanceAsync(10_000)
    // a, then b (found through a), at 0; both at 10 000, failing, and both again at once.
    expect(started).toEqual(calls.map((c) => c.address))
    expect(started).toHaveLength(6)
    const beats = names().filter((e) => e.startsWith('heartbeat'))
    expect(beats).toEqual(
      Array.from({ length: 6 }, (_, i) => [
        'heartbeatStarted',
        i < 2 ? 'heartbeatSucceeded' : 'heartbeatFailed',
      ]).flat(),
    )
    await topology.close()
  })
})

describe('Topology before start', () => {
  it('probes nothing, not even members that an outcome fed from outside adds', async () => {
    const { clock, topology, calls, callsTo } = setup(primaryAB)
    topology.applyProbeOutcome('a:3306', asPrimary)
    expect([...topology.description.nodes.keys()]).toEqual(HOSTS)
    await clock.advanceAsync(60_000)
    expect(calls).toHaveLength(0)
    topology.start()
    await clock.flush()
    expect([callsTo('a:3306'), callsTo('b:3306')]).toEqual([[60_000], [60_000]])
    await topology.close()
  })
})

describe('Topology.close', () => {
  it('of a topology never started emits nothing, and afterwards nothing changes it', async () => {
    const { clock, topology, names } = setup(primaryAB)
    const fed = topology.description
    await topology.close()
    expect(topology.isClosed).toBe(true)
    expect(names()).toEqual([])
    // Nothing fed after close is taken, and nothing is reported as changed.
    expect(topology.markNodeUnknown('a:3306', notPrimary())).toBe(false)
    topology.applyProbeOutcome('a:3306', asPrimary)
    topology.applyProbeOutcome(
      'a:3306',
      new NetworkError('connection reset', { code: ErrorCode.NetworkError }),
    )
    expect(topology.description).toBe(fed)
    expect(topology.nodeGeneration('a:3306')).toBe(0)
    expect(names()).toEqual([])
    await clock.advanceAsync(60_000)
    expect(names()).toEqual([])
  })

  it('leaves a description without nodes and without conflicting primaries', async () => {
    const { clock, topology } = setup(
      () => ({ result: asPrimary }),
      { primaryConflict: 'refuse' },
      HOSTS,
    )
    const changes: TopologyEvents['topologyChanged'][] = []
    topology.on('topologyChanged', (e) => changes.push(e))
    topology.start()
    await clock.flush()
    expect(topology.description.conflictingPrimaries).toEqual(HOSTS)
    await topology.close()
    const last = changes.at(-1)
    expect(last?.previous.conflictingPrimaries).toEqual(HOSTS)
    expect([last?.next.nodes.size, last?.next.conflictingPrimaries]).toEqual([0, []])
    expect(topology.description.conflictingPrimaries).toEqual([])
    expect(topology.description.type).toBe(TopologyType.Unknown)
  })
})

describe('Topology: listener errors', () => {
  it('passes an error thrown by a listener to onListenerError, with the event name', async () => {
    const clock = createFakeClock()
    const reported: [unknown, string][] = []
    const topology = new Topology({
      seeds: ['a:3306'],
      clock,
      onListenerError: (error, event) => reported.push([error, event]),
    })
    const bug = new Error('listener bug')
    topology.on('topologyOpened', () => {
      throw bug
    })
    topology.start()
    expect(reported).toEqual([[bug, 'topologyOpened']])
    await topology.close()
  })
})

describe('Topology.waitForDescriptionChange', () => {
  it('resolves at once after close, whatever the bound', async () => {
    const { clock, topology } = setup(() => ({ hang: true }))
    topology.start()
    await topology.close()
    expect(await settledNow(topology.waitForDescriptionChange(), clock)).toBe(true)
    expect(await settledNow(topology.waitForDescriptionChange({ timeoutMS: 60_000 }), clock)).toBe(
      true,
    )
  })

  it('rejects at once with the reason of a signal that is already aborted', async () => {
    const { clock, topology } = setup(() => ({ hang: true }))
    const controller = new AbortController()
    const reason = new Error('caller gave up')
    controller.abort(reason)
    const wait = topology.waitForDescriptionChange({ signal: controller.signal, timeoutMS: 60_000 })
    expect(await settledNow(wait, clock)).toBe(true)
    await expect(wait).rejects.toBe(reason)
  })

  it("leaves no listener on the caller's signal once the wait ends", async () => {
    const { clock, topology } = setup(primaryAB)
    const { signal } = new AbortController()
    // The selection loop waits again and again with the call's one signal.
    const onChange = topology.waitForDescriptionChange({ signal })
    const onTimeout = topology.waitForDescriptionChange({ signal, timeoutMS: 5 })
    expect(getEventListeners(signal, 'abort')).toHaveLength(2)
    await clock.advanceAsync(5)
    await onTimeout
    expect(getEventListeners(signal, 'abort')).toHaveLength(1)
    topology.start()
    await onChange
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
    await topology.close()
  })

  it('is not woken by an outcome that changes nothing (an older topologyVersion)', async () => {
    const clock = createFakeClock()
    const topology = new Topology({ seeds: ['a:3306'], clock })
    topology.start()
    const tv = (counter: number) => ({ processId: 'p', counter })
    topology.applyProbeOutcome('a:3306', { ...asPrimary, topologyVersion: tv(5) })
    const current = topology.description
    const wait = topology.waitForDescriptionChange()
    topology.applyProbeOutcome('a:3306', { ...asSecondary, topologyVersion: tv(4) })
    expect(topology.description).toBe(current)
    expect(await settledNow(wait, clock)).toBe(false)
    topology.applyProbeOutcome('a:3306', { ...asSecondary, topologyVersion: tv(6) })
    expect(await settledNow(wait, clock)).toBe(true)
    await topology.close()
  })
})
