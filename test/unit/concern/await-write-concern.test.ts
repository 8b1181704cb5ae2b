import { describe, expect, it, vi } from 'vitest'
import { awaitWriteConcern, requiredReplicaAcks } from '../../../src/concern/await-write-concern.js'
import type { WriteConcern } from '../../../src/concern/write-concern.js'
import { ErrorLabel } from '../../../src/errors/error-codes.js'
import { ErrorCode, WriteConcernError } from '../../../src/errors/errors.js'
import { NodeType } from '../../../src/topology/node-description.js'
import { TopologyType } from '../../../src/topology/topology-description.js'
import { makeNode, makeTopology } from '../../spec/support/selection-builders.js'

describe('awaitWriteConcern', () => {
  it('prints the bound in whole ms when the remaining deadline is fractional', async () => {
    const waiting = awaitWriteConcern({
      replication: { awaitApplied: () => Promise.resolve(false) },
      token: { backend: 'mysql', value: 'uuid:1-5' },
      primary: 'db1:3306',
      required: 1,
      replicas: ['db2:3306'],
      timeoutMS: 1999.922294,
      wc: { w: 2 },
      signal: new AbortController().signal,
    })
    const error = await waiting.then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(WriteConcernError)
    expect((error as WriteConcernError).code).toBe(ErrorCode.WriteConcernTimeout)
    expect((error as WriteConcernError).message).toContain('arrived within 2000 ms;')
  })
})

describe('requiredReplicaAcks', () => {
  const members = (...types: NodeType[]) =>
    makeTopology(
      TopologyType.ReplicaSetWithPrimary,
      types.map((type, i) => makeNode(`n${String(i)}:1`, { type })),
    )
  const three = members(NodeType.Primary, NodeType.Secondary, NodeType.Secondary)

  it.each<[WriteConcern, number]>([
    [{}, 0],
    [{ w: 0 }, 0],
    [{ w: 1 }, 0],
    [{ w: 2 }, 1],
    [{ w: 3 }, 2],
    [{ w: 'majority' }, 1],
  ])('asks %j for %i replica confirmations in a set of three', (wc, acks) => {
    expect(requiredReplicaAcks(wc, three)).toBe(acks)
  })

  it('counts a majority of data-bearing members, down ones included, arbiters not', () => {
    const s = NodeType.Secondary
    expect(requiredReplicaAcks({ w: 'majority' }, members(NodeType.Primary, s, s, s))).toBe(2)
    expect(requiredReplicaAcks({ w: 'majority' }, members(NodeType.Primary, s, s, s, s))).toBe(2)
    expect(
      requiredReplicaAcks({ w: 'majority' }, members(NodeType.Primary, s, NodeType.Unknown)),
    ).toBe(1)
    expect(
      requiredReplicaAcks(
        { w: 'majority' },
        members(NodeType.Primary, s, NodeType.Arbiter, NodeType.Arbiter),
      ),
    ).toBe(1)
  })

  it('needs no confirmation for w:1 whatever the topology knows, even no data-bearing member', () => {
    expect(requiredReplicaAcks({ w: 1 }, members(NodeType.Arbiter))).toBe(0)
    expect(requiredReplicaAcks({}, members())).toBe(0)
  })

  it('refuses, before writing, a w larger than the data-bearing members', () => {
    const withArbiter = members(NodeType.Primary, NodeType.Secondary, NodeType.Arbiter)
    expect(requiredReplicaAcks({ w: 2 }, withArbiter)).toBe(1)
    for (const [wc, td] of [
      [{ w: 4 }, three],
      [{ w: 3 }, withArbiter],
      [{ w: 'eastAndWest' }, three],
    ] as const) {
      let error: unknown
      try {
        requiredReplicaAcks(wc, td)
      } catch (thrown: unknown) {
        error = thrown
      }
      expect(error).toBeInstanceOf(WriteConcernError)
      expect((error as WriteConcernError).code).toBe(ErrorCode.WriteConcernUnsatisfiable)
      expect((error as WriteConcernError).hasLabel(ErrorLabel.NoWritesPerformed)).toBe(true)
    }
  })
})

describe('awaitWriteConcern waits', () => {
  type Answer = boolean | Error
  /** Replicas answer when `answer(node, value)` is called; records every wait's signal. */
  function replication() {
    const pending = new Map<string, (value: Answer) => void>()
    const signals = new Map<string, AbortSignal>()
    return {
      signals,
      awaitApplied: (node: string, _token: unknown, o: { signal?: AbortSignal }) => {
        // awaitWriteConcern always passes a signal (the waits are aborted once the outcome is known).
        if (o.signal === undefined) throw new Error(`no signal for the wait on ${node}`)
        signals.set(node, o.signal)
        return new Promise<boolean>((resolve, reject) => {
          pending.set(node, (v) => {
            if (v instanceof Error) reject(v)
            else resolve(v)
          })
        })
      },
      answer(node: string, value: Answer) {
        pending.get(node)?.(value)
      },
    }
  }
  const request = (r: ReturnType<typeof replication>, required: number, signal?: AbortSignal) => ({
    replication: r,
    token: { backend: 'mysql' as const, value: 'uuid:1-5' },
    primary: 'p:1',
    required,
    replicas: ['a:1', 'b:1', 'c:1'],
    timeoutMS: 1000,
    wc: { w: required + 1 },
    signal: signal ?? new AbortController().signal,
  })
  const tick = () => new Promise((resolve) => setImmediate(resolve))

  it('asks no replica when none must confirm', async () => {
    const r = replication()
    await awaitWriteConcern(request(r, 0))
    expect(r.signals.size).toBe(0)
  })

  it('fails at once when fewer replicas could confirm than are needed', async () => {
    const r = replication()
    const error = await awaitWriteConcern({ ...request(r, 2), replicas: ['a:1'] }).catch(
      (e: unknown) => e,
    )
    expect((error as WriteConcernError).code).toBe(ErrorCode.WriteConcernTimeout)
    expect(r.signals.size).toBe(0)
  })

  it('resolves once enough confirm, then aborts the waits still out', async () => {
    const r = replication()
    let done = false
    const waiting = awaitWriteConcern(request(r, 2)).then(() => (done = true))
    r.answer('a:1', true)
    r.answer('b:1', new Error('unreachable'))
    await tick()
    expect(done).toBe(false)
    r.answer('c:1', true)
    await waiting
    expect(r.signals.get('b:1')?.aborted).toBe(true)
  })

  it('fails as soon as the replicas left cannot make up the number', async () => {
    const r = replication()
    const waiting = awaitWriteConcern(request(r, 2)).catch((e: unknown) => e)
    r.answer('a:1', false)
    r.answer('b:1', true)
    await tick()
    r.answer('c:1', false)
    const error = (await waiting) as WriteConcernError
    expect(error.code).toBe(ErrorCode.WriteConcernTimeout)
    expect(error.node).toBe('p:1')
  })

  it('fails after one refusal when every other replica is needed', async () => {
    const r = replication()
    const waiting = awaitWriteConcern(request(r, 3)).catch((e: unknown) => e)
    r.answer('a:1', false)
    const error = (await waiting) as WriteConcernError
    expect(error.code).toBe(ErrorCode.WriteConcernTimeout)
    expect(r.signals.get('b:1')?.aborted).toBe(true)
  })

  it("aborts the waits with the call's signal", async () => {
    const r = replication()
    const controller = new AbortController()
    const waiting = awaitWriteConcern(request(r, 1, controller.signal))
    const reason = new Error('call ended')
    controller.abort(reason)
    expect(r.signals.get('a:1')?.reason).toBe(reason)
    r.answer('a:1', true)
    await waiting
  })

  it("lets go of the call's signal once the outcome is known", async () => {
    const r = replication()
    const signal = new AbortController().signal
    const added = vi.spyOn(signal, 'addEventListener')
    const removed = vi.spyOn(signal, 'removeEventListener')
    const waiting = awaitWriteConcern(request(r, 1, signal))
    r.answer('a:1', true)
    await waiting
    expect(added).toHaveBeenCalledTimes(1)
    expect(removed.mock.calls).toEqual([[added.mock.calls[0]?.[0], added.mock.calls[0]?.[1]]])
  })
})
