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
