import { describe, expect, it } from 'vitest'
import {
  GtidFlavour,
  detectGtidFlavour,
  gtidCovers,
  gtidDistance,
  gtidUnion,
  parseMariadbGtidList,
  parseMysqlGtidSet,
} from '../../../../adapters/mysql/mysql-gtid.js'

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562'
const B = '4f22ab58-82db-11e1-8f44-d91bb9531673'

describe('parseMariadbGtidList', () => {
  it('keeps one GTID per domain, the highest seq', () => {
    const list = parseMariadbGtidList('0-1-100,1-2-5,0-3-90')
    expect(list?.get(0)).toEqual({ domain: 0, server: 1, seq: 100n })
    expect(list?.get(1)).toEqual({ domain: 1, server: 2, seq: 5n })
    expect(list?.size).toBe(2)
  })

  it('parses the empty position and tolerates whitespace', () => {
    expect(parseMariadbGtidList('')?.size).toBe(0)
    expect(parseMariadbGtidList(' 0-1-7 ,\n 2-1-3')?.size).toBe(2)
  })

  it('keeps 64-bit sequence numbers exact', () => {
    expect(parseMariadbGtidList('0-1-18446744073709551615')?.get(0)?.seq).toBe(
      18446744073709551615n,
    )
  })

  it('rejects malformed entries', () => {
    expect(parseMariadbGtidList('0-1')).toBeUndefined()
    expect(parseMariadbGtidList('0-1-x')).toBeUndefined()
    expect(parseMariadbGtidList(`${A}:1-5`)).toBeUndefined()
  })
})

describe('parseMysqlGtidSet', () => {
  it('parses interval lists, merging overlaps and neighbours', () => {
    const set = parseMysqlGtidSet(`${A.toUpperCase()}:1-5:7:6,\n${B}:10-20:1-3`)
    expect(set?.get(A)).toEqual([{ start: 1n, end: 7n }])
    expect(set?.get(B)).toEqual([
      { start: 1n, end: 3n },
      { start: 10n, end: 20n },
    ])
  })

  it('keeps MySQL 8.4 tagged GTIDs apart from untagged ones of the same server', () => {
    const set = parseMysqlGtidSet(`${A}:1-3:domestic:1-5`)
    expect(set?.get(A)).toEqual([{ start: 1n, end: 3n }])
    expect(set?.get(`${A}:domestic`)).toEqual([{ start: 1n, end: 5n }])
  })

  it('rejects malformed sets', () => {
    expect(parseMysqlGtidSet('not-a-uuid:1-3')).toBeUndefined()
    expect(parseMysqlGtidSet(`${A}:5-3`)).toBeUndefined()
    expect(parseMysqlGtidSet(`${A}:0`)).toBeUndefined()
    expect(parseMysqlGtidSet(A)).toBeUndefined()
  })
})

describe('detectGtidFlavour', () => {
  it('tells the notations apart', () => {
    expect(detectGtidFlavour('0-1-5')).toBe(GtidFlavour.MariaDB)
    expect(detectGtidFlavour(`${A}:1-5`)).toBe(GtidFlavour.MySQL)
    expect(detectGtidFlavour('')).toBeUndefined()
  })
})

describe('gtidCovers', () => {
  it.each([
    // MariaDB: per-domain seq comparison, multi-domain
    ['0-1-100', '0-1-100', true],
    ['0-1-100', '0-1-99', true],
    ['0-1-99', '0-1-100', false],
    ['0-1-100,1-2-7', '1-2-7', true],
    ['0-1-100,1-2-7', '0-1-50,1-2-8', false],
    ['0-1-100', '1-2-1', false], // the domain is missing entirely
    ['0-2-120', '0-1-110', true], // a new primary (server 2) continues the domain's sequence
    ['', '0-1-1', false],
    ['0-1-5', '', true], // nothing to wait for
    // MySQL: set inclusion
    [`${A}:1-100`, `${A}:57`, true],
    [`${A}:1-100`, `${A}:90-101`, false],
    [`${A}:1-50:52-100`, `${A}:51`, false], // a gap
    [`${A}:1-100,\n${B}:1-3`, `${B}:3,${A}:1-100`, true],
    [`${A}:1-100`, `${B}:1`, false],
    // mixed or malformed: never "covered"
    ['0-1-100', `${A}:1`, false],
    [`${A}:1-100`, '0-1-1', false],
    ['garbage', '0-1-1', false],
    ['0-1-100', 'garbage', false],
  ])('position %j covers %j: %s', (position, token, expected) => {
    expect(gtidCovers(position, token)).toBe(expected)
  })
})

describe('gtidDistance', () => {
  it('counts missing MariaDB transactions per domain', () => {
    expect(gtidDistance('0-1-90,1-2-5', '0-1-100,1-2-7')).toBe(12)
    expect(gtidDistance('0-1-100', '0-1-90')).toBe(0)
  })

  it('counts missing MySQL transactions, holes included', () => {
    expect(gtidDistance(`${A}:1-90`, `${A}:1-100`)).toBe(10)
    expect(gtidDistance(`${A}:1-10:20-30`, `${A}:1-30,${B}:1-2`)).toBe(11)
  })

  it('is undefined for mismatched notations', () => {
    expect(gtidDistance('0-1-1', `${A}:1`)).toBeUndefined()
  })
})

describe('gtidUnion', () => {
  it('takes the per-domain maximum for MariaDB', () => {
    expect(gtidUnion('0-1-10,1-1-3', '0-2-12')).toBe('0-2-12,1-1-3')
  })

  it('unions MySQL sets', () => {
    expect(gtidUnion(`${A}:1-5`, `${A}:6-9,${B}:2`)).toBe(`${A}:1-9,${B}:2`)
  })

  it('handles empty and malformed input', () => {
    expect(gtidUnion('', '0-1-3')).toBe('0-1-3')
    expect(gtidUnion('', '')).toBe('')
    expect(gtidUnion('0-1-3', `${A}:1`)).toBeUndefined()
  })
})

describe('parseMariadbGtidList: real positions', () => {
  it('reads multi-digit domains, server ids and sequence numbers', () => {
    const list = parseMariadbGtidList('0-101-1234,10-2002-7,123-3-45')
    expect(list?.get(0)).toEqual({ domain: 0, server: 101, seq: 1234n })
    expect(list?.get(10)).toEqual({ domain: 10, server: 2002, seq: 7n })
    expect(list?.get(123)).toEqual({ domain: 123, server: 3, seq: 45n })
  })

  it('keeps the highest seq of a domain wherever it comes in the list (gtid_binlog_pos)', () => {
    expect(parseMariadbGtidList('0-1-90,0-2-100,0-3-95')?.get(0)).toEqual({
      domain: 0,
      server: 2,
      seq: 100n,
    })
  })

  it.each(['x0-1-5', '0-1-5x', '0-1-5 x', '-1-1-5', '0-1-5-6', '0--5', '0-1-5;'])(
    'rejects %j',
    (text) => {
      expect(parseMariadbGtidList(text)).toBeUndefined()
    },
  )
})

describe('parseMysqlGtidSet: real sets', () => {
  it('accepts a UUID without dashes', () => {
    const undashed = A.replace(/-/g, '')
    expect(parseMysqlGtidSet(`${undashed}:1-5`)?.get(undashed)).toEqual([{ start: 1n, end: 5n }])
  })

  it('keeps tags with digits and underscores apart, and tags of any case', () => {
    const set = parseMysqlGtidSet(`${A}:batch2:1-3:_x:4,${A}:BATCH2:7`)
    expect(set?.get(`${A}:batch2`)).toEqual([
      { start: 1n, end: 3n },
      { start: 7n, end: 7n },
    ])
    expect(set?.get(`${A}:_x`)).toEqual([{ start: 4n, end: 4n }])
    expect(set?.has(A)).toBe(false)
  })

  it('accepts a tag of 32 characters', () => {
    const tag = 'a'.repeat(32)
    expect(parseMysqlGtidSet(`${A}:${tag}:1`)?.get(`${A}:${tag}`)).toEqual([{ start: 1n, end: 1n }])
  })

  it.each([
    [`x${A}:1`, 'a junk before the UUID'],
    [`${A}x:1`, 'a junk after the UUID'],
    [`${A.slice(0, -1)}:1`, 'a short UUID'],
    [`${A}:1x`, 'a junk after a number'],
    [`${A}:x1-5`, 'a tag glued to an interval'],
    [`${A}:1-3x`, 'a junk after an interval'],
    [`${A}:1-`, 'an open interval'],
    [`${A}:1-5:`, 'an empty interval'],
    [`${A}:9tag:1`, 'a tag starting with a digit'],
    [`${A}:my-tag:1`, 'a tag with a dash'],
    [`${A}:${'a'.repeat(33)}:1`, 'a tag of 33 characters'],
  ])('rejects %j (%s)', (text) => {
    expect(parseMysqlGtidSet(text)).toBeUndefined()
  })
})

describe('detectGtidFlavour: unrecognisable text', () => {
  it.each(['garbage', '0-1', '   ', ','])('%j has no flavour', (text) => {
    expect(detectGtidFlavour(text)).toBeUndefined()
  })
})

describe('gtidDistance: arithmetic', () => {
  it.each([
    // MariaDB: per-domain seq differences, summed; domains the position lacks count from 0
    ['0-1-5', '0-1-5', 0],
    ['0-1-5', '0-1-8', 3],
    ['', '0-1-5', 5],
    ['', '0-1-5,1-1-2', 7],
    ['0-1-5', '0-1-5,1-2-4', 4],
    ['0-1-9,1-1-2', '0-2-12', 3],
    ['0-1-100', '0-1-90,1-1-1', 1],
    // MySQL: the size of target − position, per source
    ['', `${A}:1-5`, 5],
    [`${A}:1-5:50-60`, `${A}:1-10`, 5],
    [`${A}:20-30`, `${A}:1-10`, 10],
    [`${A}:3-4`, `${A}:1-10`, 8],
    [`${A}:1-10`, `${A}:3-4`, 0],
    [`${A}:1:3:5`, `${A}:1-5`, 2],
    [`${A}:1-5`, `${A}:5-7:10`, 3],
    [`${A}:1-10`, `${A}:10-12`, 2],
    [`${A}:5-10`, `${A}:1-5`, 4],
    [`${A}:1-5`, `${A}:tag:1-5`, 5],
    [`${B}:1-100`, `${A}:1-3`, 3],
    // nothing to wait for
    ['0-1-5', '', 0],
    [`${A}:1-5`, ' ', 0],
  ])('from %j to %j: %i', (position, target, expected) => {
    expect(gtidDistance(position, target)).toBe(expected)
  })

  it.each([
    ['0-1-5', 'garbage'],
    ['garbage', '0-1-5'],
    ['0-1-x', '0-1-5'],
    [`${A}:1-x`, `${A}:1`],
    [`${A}:1`, `${A}:0`],
    [`${A}:1`, '0-1-1'],
  ])('from %j to %j: unknown', (position, target) => {
    expect(gtidDistance(position, target)).toBeUndefined()
  })
})

describe('gtidUnion: merging causal tokens', () => {
  it.each([
    ['0-1-10', '0-1-5', '0-1-10'],
    ['0-1-5', '0-1-10', '0-1-10'],
    ['1-1-3', '0-1-5', '0-1-5,1-1-3'],
    ['10-1-3,2-1-4', '', '2-1-4,10-1-3'],
    ['', '0-1-5', '0-1-5'],
    [`${A}:1-5`, `${A}:7`, `${A}:1-5:7`],
    [`${A}:7:1-5`, '', `${A}:1-5:7`],
    [`${A}:1-5`, `${A}:3-9`, `${A}:1-9`],
    [`${B}:1`, `${A}:1`, `${A}:1,${B}:1`],
    [`${A}:tag:2`, `${A}:1`, `${A}:1,${A}:tag:2`],
  ])('%j ∪ %j = %j', (a, b, expected) => {
    expect(gtidUnion(a, b)).toBe(expected)
  })

  it('covers both sides', () => {
    const a = `${A}:1-5:9,${B}:2`
    const b = `${A}:4-7`
    const union = gtidUnion(a, b) ?? ''
    expect([gtidCovers(union, a), gtidCovers(union, b)]).toEqual([true, true])
  })

  it.each([
    ['garbage', ''],
    ['', 'garbage'],
    ['garbage', 'junk'],
    ['0-1-x', '0-1-3'],
    ['0-1-3', '0-1-x'],
    [`${A}:1-x`, `${A}:1`],
    [`${A}:1`, `${A}:x-1`],
  ])('%j ∪ %j is unknown', (a, b) => {
    expect(gtidUnion(a, b)).toBeUndefined()
  })
})
