import { describe, expect, it } from 'vitest'
import { tagSetMatches, tagSetReducer } from '../../../src/selection/tag-set.js'
import { NodeType } from '../../../src/topology/node-description.js'
import { addressesOf, makeNode } from '../../spec/support/selection-builders.js'

const east1 = makeNode('e1:1', { type: NodeType.Secondary, tags: { dc: 'east', rack: '1' } })
const east2 = makeNode('e2:1', { type: NodeType.Secondary, tags: { dc: 'east', rack: '2' } })
const west = makeNode('w1:1', { type: NodeType.Secondary, tags: { dc: 'west', rack: '1' } })
const untagged = makeNode('u1:1', { type: NodeType.Secondary })
const nodes = [east1, east2, west, untagged]

describe('tagSetMatches', () => {
  it('matches when the tag set is a subset of the node tags', () => {
    expect(tagSetMatches({ dc: 'east' }, east1.tags)).toBe(true)
    expect(tagSetMatches({ dc: 'east', rack: '1' }, east1.tags)).toBe(true)
  })

  it('does not match on a different value or a missing key', () => {
    expect(tagSetMatches({ dc: 'west' }, east1.tags)).toBe(false)
    expect(tagSetMatches({ dc: 'east', size: 'large' }, east1.tags)).toBe(false)
    expect(tagSetMatches({ dc: 'east' }, untagged.tags)).toBe(false)
  })

  it('matches every node with the empty tag set', () => {
    expect(tagSetMatches({}, untagged.tags)).toBe(true)
    expect(tagSetMatches({}, east1.tags)).toBe(true)
  })

  it('does not treat inherited object keys as tags', () => {
    expect(tagSetMatches({ toString: 'x' }, {})).toBe(false)
  })
})

describe('tagSetReducer', () => {
  it('keeps every node when there are no tag sets', () => {
    expect(addressesOf(tagSetReducer(nodes, undefined))).toEqual(addressesOf(nodes))
    expect(addressesOf(tagSetReducer(nodes, []))).toEqual(addressesOf(nodes))
  })

  it('uses the first tag set that matches, in order, and ignores later ones', () => {
    const kept = tagSetReducer(nodes, [{ dc: 'west' }, { dc: 'east' }])
    expect(addressesOf(kept)).toEqual(['w1:1'])
  })

  it('tries the next tag set when the first matches nothing', () => {
    const kept = tagSetReducer(nodes, [{ dc: 'north' }, { rack: '1' }, { dc: 'east' }])
    expect(addressesOf(kept)).toEqual(['e1:1', 'w1:1'])
  })

  it('falls through to any node with a trailing empty tag set', () => {
    const kept = tagSetReducer(nodes, [{ dc: 'north' }, {}])
    expect(addressesOf(kept)).toEqual(addressesOf(nodes))
  })

  it('keeps nothing when no tag set matches', () => {
    expect(tagSetReducer(nodes, [{ dc: 'north' }, { dc: 'south' }])).toEqual([])
  })
})
