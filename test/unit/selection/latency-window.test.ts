import { describe, expect, it } from 'vitest'
import { latencyWindowReducer, pickInWindow } from '../../../src/selection/latency-window.js'
import { NodeType } from '../../../src/topology/node-description.js'
import { addressesOf, makeNode } from '../../spec/support/selection-builders.js'

const node = (address: string, roundTripTimeMS: number | null) =>
  makeNode(address, { type: NodeType.Secondary, roundTripTimeMS })

describe('latencyWindowReducer', () => {
  it('keeps nodes from the fastest RTT to fastest + localThresholdMS, both bounds inclusive', () => {
    const nodes = [node('a:1', 10), node('b:1', 25), node('c:1', 25.5), node('d:1', 100)]
    expect(addressesOf(latencyWindowReducer(nodes, 15))).toEqual(['a:1', 'b:1'])
  })

  it('always keeps the fastest node, even with a zero threshold', () => {
    const nodes = [node('a:1', 40), node('b:1', 40), node('c:1', 41)]
    expect(addressesOf(latencyWindowReducer(nodes, 0))).toEqual(['a:1', 'b:1'])
  })

  it('keeps nodes with no RTT measured yet without letting them anchor the window', () => {
    const nodes = [node('a:1', 50), node('b:1', null), node('c:1', 60), node('d:1', 70)]
    expect(addressesOf(latencyWindowReducer(nodes, 15))).toEqual(['a:1', 'b:1', 'c:1'])
  })

  it('returns nothing for no nodes', () => {
    expect(latencyWindowReducer([], 15)).toEqual([])
  })
})

describe('pickInWindow', () => {
  const counts: Record<string, number> = { 'a:1': 5, 'b:1': 1, 'c:1': 9 }
  const operationCount = (address: string) => counts[address] ?? 0
  const sequence = (...values: number[]) => {
    let i = 0
    return () => values[i++ % values.length] ?? 0
  }

  it('returns undefined for no candidates and the only one for one', () => {
    expect(pickInWindow([], { random: Math.random, operationCount })).toBeUndefined()
    const only = node('a:1', 5)
    expect(pickInWindow([only], { random: () => 0.99, operationCount })).toBe(only)
  })

  it('draws two distinct nodes and takes the one with fewer operations', () => {
    const nodes = [node('a:1', 5), node('b:1', 5), node('c:1', 5)]
    // first: a (index 0); second: slot 0 of the two others (b, c) → b.
    expect(pickInWindow(nodes, { random: sequence(0, 0), operationCount })?.address).toBe('b:1')
    // first: c (index 2); second: slot 1 of the two others (a, b) → b.
    expect(pickInWindow(nodes, { random: sequence(0.99, 0.99), operationCount })?.address).toBe(
      'b:1',
    )
    // first: a; second: slot 1 of the two others (b, c) → c; a has fewer than c.
    expect(pickInWindow(nodes, { random: sequence(0, 0.99), operationCount })?.address).toBe('a:1')
  })

  it('never picks the same node twice, so the busiest of three is never chosen', () => {
    const nodes = [node('a:1', 5), node('b:1', 5), node('c:1', 5)]
    let seed = 1
    const random = () => {
      seed = (seed * 16807) % 2147483647
      return (seed - 1) / 2147483646
    }
    for (let i = 0; i < 500; i += 1) {
      expect(pickInWindow(nodes, { random, operationCount })?.address).not.toBe('c:1')
    }
  })

  it('breaks a tie in favour of the first node drawn', () => {
    const tied = [node('x:1', 5), node('y:1', 5)]
    expect(pickInWindow(tied, { random: sequence(0.7, 0), operationCount: () => 3 })?.address).toBe(
      'y:1',
    )
    expect(pickInWindow(tied, { random: sequence(0.2, 0), operationCount: () => 3 })?.address).toBe(
      'x:1',
    )
  })

  it('tolerates a random source that returns 1', () => {
    const nodes = [node('a:1', 5), node('b:1', 5)]
    expect(pickInWindow(nodes, { random: () => 1, operationCount })?.address).toBe('b:1')
  })
})

describe('pickInWindow with a random source that strays to 1', () => {
  it('still draws two distinct candidates and takes the less busy one', () => {
    const counts: Record<string, number> = { 'a:1': 5, 'b:1': 1, 'c:1': 9 }
    const nodes = [node('a:1', 5), node('b:1', 5), node('c:1', 5)]
    const picked = pickInWindow(nodes, {
      random: () => 1,
      operationCount: (address) => counts[address] ?? 0,
    })
    // first: the last slot (c); second: the last of the two others (b); b is less busy.
    expect(picked?.address).toBe('b:1')
  })
})
