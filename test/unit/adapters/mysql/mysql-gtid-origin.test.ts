import { describe, expect, it } from 'vitest'
import { mariadbBinlogStateCovers } from '../../../../adapters/mysql/mysql-gtid.js'

describe('mariadbBinlogStateCovers', () => {
  it('confirms a GTID the node logged from the same server, at or past its sequence number', () => {
    expect(mariadbBinlogStateCovers('0-1-9', '0-1-9')).toBe(true)
    expect(mariadbBinlogStateCovers('0-1-12,0-2-14', '0-1-9')).toBe(true)
  })

  it('refuses a same-numbered GTID from another server (a diverged history after failover)', () => {
    // The old primary (server 1) committed 0-1-9 and died; the replica only has up to 0-1-8, then
    // the new primary's 0-2-9 … 0-2-13. MASTER_GTID_WAIT('0-1-9') would say "reached".
    expect(mariadbBinlogStateCovers('0-1-8,0-2-13', '0-1-9')).toBe(false)
    expect(mariadbBinlogStateCovers('0-2-13', '0-1-9')).toBe(false)
  })

  it('checks every domain of a multi-domain token', () => {
    expect(mariadbBinlogStateCovers('0-1-5,1-1-7', '0-1-5,1-1-7')).toBe(true)
    expect(mariadbBinlogStateCovers('0-1-5,1-1-6', '0-1-5,1-1-7')).toBe(false)
  })

  it('treats malformed or empty text as not applied', () => {
    expect(mariadbBinlogStateCovers('garbage', '0-1-1')).toBe(false)
    expect(mariadbBinlogStateCovers('0-1-5', '')).toBe(false)
  })
})

describe('mariadbBinlogStateCovers: reading the state and the token', () => {
  it.each([
    ['another domain of the same server', '1-1-9', '0-1-9', false],
    ['multi-digit domains and servers', '10-101-12,0-2-3', '10-101-12', true],
    ['multi-digit domains and servers, behind', '10-101-11', '10-101-12', false],
    ['a state printed with spaces and newlines', '0-1-9,\n 1-1-4', '1-1-4', true],
    ['a token with spaces', '0-1-9', ' 0-1-9 ', true],
    ['a token with an empty entry', '0-1-9,1-1-4', '0-1-9,,1-1-4,', true],
    ['a malformed token', '0-1-9', 'x0-1-9', false],
    ['a token with trailing junk', '0-1-9', '0-1-9x', false],
    ['a malformed state', '0-1-9x', '0-1-9', false],
    ['a state with a leading junk', 'x0-1-9', '0-1-9', false],
  ])('%s: state %j, token %j → %s', (_name, state, token, expected) => {
    expect(mariadbBinlogStateCovers(state, token)).toBe(expected)
  })
})
