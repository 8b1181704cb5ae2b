/** The simulator's query and update subset, as pure functions. */
import { Long, ObjectId } from 'bson'
import { describe, expect, it } from 'vitest'
import { CommandError } from '../../clusters/mongo-sim/errors.js'
import {
  compareValues,
  matchesFilter,
  projectDocument,
  sortDocuments,
} from '../../clusters/mongo-sim/query.js'
import { applyUpdate, upsertDocument } from '../../clusters/mongo-sim/update.js'

describe('matchesFilter', () => {
  const doc = { _id: 1, n: 5, s: 'b', tags: ['x', 'y'], sub: { a: 2 }, nil: null }

  it('matches equality, dotted paths, array membership and null for missing fields', () => {
    expect(matchesFilter(doc, { n: 5, s: 'b' })).toBe(true)
    expect(matchesFilter(doc, { n: 6 })).toBe(false)
    expect(matchesFilter(doc, { 'sub.a': 2 })).toBe(true)
    expect(matchesFilter(doc, { tags: 'y' })).toBe(true)
    expect(matchesFilter(doc, { missing: null })).toBe(true)
    expect(matchesFilter(doc, { nil: null })).toBe(true)
    expect(matchesFilter(doc, {})).toBe(true)
  })

  it('applies comparison operators within a BSON type only', () => {
    expect(matchesFilter(doc, { n: { $gt: 4, $lte: 5 } })).toBe(true)
    expect(matchesFilter(doc, { n: { $lt: 5 } })).toBe(false)
    expect(matchesFilter(doc, { n: { $gt: 'a' } })).toBe(false)
    expect(matchesFilter(doc, { n: { $gte: Long.fromNumber(5) } })).toBe(true)
    expect(matchesFilter(doc, { s: { $in: ['a', 'b'] }, n: { $nin: [1, 2] } })).toBe(true)
    expect(matchesFilter(doc, { n: { $ne: 5 } })).toBe(false)
    expect(matchesFilter(doc, { sub: { $exists: true }, zzz: { $exists: false } })).toBe(true)
  })

  it('combines with $and, $or and $nor', () => {
    expect(matchesFilter(doc, { $or: [{ n: 1 }, { s: 'b' }] })).toBe(true)
    expect(matchesFilter(doc, { $and: [{ n: 5 }, { s: 'c' }] })).toBe(false)
    expect(matchesFilter(doc, { $nor: [{ n: 1 }] })).toBe(true)
  })

  it('refuses operators it does not implement with BadValue', () => {
    expect(() => matchesFilter(doc, { n: { $regex: 'x' } })).toThrow(CommandError)
    expect(() => matchesFilter(doc, { $where: 'x' })).toThrow(/unknown top level operator/)
  })
})

describe('compareValues, sortDocuments, projectDocument', () => {
  it('orders by BSON type, then value', () => {
    expect(compareValues(null, 1)).toBeLessThan(0)
    expect(compareValues(1, 'a')).toBeLessThan(0)
    expect(compareValues(new ObjectId('000000000000000000000001'), true)).toBeLessThan(0)
    expect(compareValues(new Date(1), new Date(2))).toBeLessThan(0)
  })

  it('sorts on several keys and projects top-level fields', () => {
    const docs = [
      { _id: 1, a: 1, b: 2 },
      { _id: 2, a: 2, b: 1 },
      { _id: 3, a: 1, b: 3 },
    ]
    expect(sortDocuments(docs, { a: 1, b: -1 }).map((d) => d['_id'])).toEqual([3, 1, 2])
    expect(projectDocument(docs[0]!, { a: 1 })).toEqual({ _id: 1, a: 1 })
    expect(projectDocument(docs[0]!, { a: 0, _id: 0 })).toEqual({ b: 2 })
  })
})

describe('applyUpdate and upsertDocument', () => {
  it('applies $set, $inc, $unset and $push to a copy', () => {
    const before = { _id: 1, n: 1, gone: true, list: [1] }
    const after = applyUpdate(before, {
      $set: { 'sub.x': 'y' },
      $inc: { n: 2, fresh: 1 },
      $unset: { gone: '' },
      $push: { list: 2 },
    })
    expect(after).toEqual({ _id: 1, n: 3, list: [1, 2], sub: { x: 'y' }, fresh: 1 })
    expect(before).toEqual({ _id: 1, n: 1, gone: true, list: [1] })
  })

  it('replaces a document but keeps its _id, and refuses to change _id', () => {
    expect(applyUpdate({ _id: 1, a: 1 }, { b: 2 })).toEqual({ _id: 1, b: 2 })
    expect(() => applyUpdate({ _id: 1 }, { $set: { _id: 2 } })).toThrow(CommandError)
  })

  it('builds an upsert from the filter equalities and the update', () => {
    const doc = upsertDocument(
      { k: 'a', n: { $gt: 1 } },
      { $set: { v: 1 }, $setOnInsert: { c: 0 } },
    )
    expect(doc['_id']).toBeInstanceOf(ObjectId)
    expect(doc).toMatchObject({ k: 'a', v: 1, c: 0 })
    expect(doc).not.toHaveProperty('n')
    expect(Object.keys(doc)[0]).toBe('_id')
  })
})
