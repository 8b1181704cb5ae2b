import { describe, expect, it } from 'vitest'
import {
  isServerDefaultReadConcern,
  normaliseReadConcern,
  parseReadConcern,
  ReadConcernLevel,
  readConcernToWire,
} from '../../../src/concern/read-concern.js'
import { ConfigError, ErrorCode } from '../../../src/errors/errors.js'

describe('read concern', () => {
  it.each(Object.values(ReadConcernLevel))('accepts level %s', (level) => {
    expect(parseReadConcern({ level })).toEqual({ level })
  })

  it('passes unknown levels through for newer servers', () => {
    expect(parseReadConcern({ level: 'future' })).toEqual({ level: 'future' })
  })

  it.each([[{ level: '' }], [{ level: 3 }], [{ levle: 'local' }]])('rejects %j', (input) => {
    try {
      parseReadConcern(input)
      expect.unreachable()
    } catch (error: unknown) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).code).toBe(ErrorCode.InvalidOption)
    }
  })

  it('normalises to a frozen object without an absent level', () => {
    const rc = normaliseReadConcern({ level: undefined })
    expect(rc).toEqual({})
    expect(Object.keys(rc)).toEqual([])
    expect(Object.isFrozen(rc)).toBe(true)
  })

  it('renders the wire form and the server-default predicate', () => {
    expect(readConcernToWire({ level: 'majority' })).toEqual({ level: 'majority' })
    expect(readConcernToWire({})).toEqual({})
    expect(isServerDefaultReadConcern({})).toBe(true)
    expect(isServerDefaultReadConcern({ level: 'local' })).toBe(false)
  })
})
