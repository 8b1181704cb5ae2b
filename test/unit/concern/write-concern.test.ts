import { describe, expect, it } from 'vitest'
import {
  isAcknowledged,
  isServerDefaultWriteConcern,
  normaliseWriteConcern,
  parseWriteConcern,
  writeConcernProblem,
  W_FROM_URI,
  writeConcernToWire,
} from '../../../src/concern/write-concern.js'
import { ConfigError, ErrorCode } from '../../../src/errors/errors.js'

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('parseWriteConcern', () => {
  it.each([
    [{ w: 'majority' }, { w: 'majority' }],
    [
      { w: 2, wtimeoutMS: 100 },
      { w: 2, wtimeoutMS: 100 },
    ],
    [{ w: 'eastAndWest' }, { w: 'eastAndWest' }],
    [
      { w: 1, j: true, wtimeout: 5 },
      { w: 1, journal: true, wtimeoutMS: 5 },
    ],
    [{ journal: false }, { journal: false }],
    [{}, {}],
    [undefined, {}],
  ])('accepts %j as %j', (input, expected) => {
    const wc = parseWriteConcern(input)
    expect(wc).toEqual(expected)
    expect(Object.isFrozen(wc)).toBe(true)
  })

  it.each([
    [{ w: -1 }],
    [{ w: 1.5 }],
    [{ w: '' }],
    [{ wtimeoutMS: -1 }],
    [{ journal: 'yes' }],
    [{ x: 1 }],
    ['majority'],
  ])('rejects %j with INVALID_OPTION and the ZodError as cause', (input) => {
    const error = configError(() => parseWriteConcern(input))
    expect(error.code).toBe(ErrorCode.InvalidOption)
    expect((error.cause as Error).name).toBe('ZodError')
  })

  it('rejects w:0 with journal:true as a conflict', () => {
    expect(configError(() => parseWriteConcern({ w: 0, j: true })).code).toBe(
      ErrorCode.ConflictingOptions,
    )
  })

  it('rejects two spellings of one field that disagree', () => {
    expect(configError(() => parseWriteConcern({ journal: true, j: false })).code).toBe(
      ErrorCode.ConflictingOptions,
    )
    expect(parseWriteConcern({ wtimeoutMS: 5, wtimeout: 5 })).toEqual({ wtimeoutMS: 5 })
  })
})

describe('normaliseWriteConcern', () => {
  it('folds aliases and drops absent fields', () => {
    expect(normaliseWriteConcern({ w: undefined, j: true, wtimeout: 0 })).toEqual({
      journal: true,
      wtimeoutMS: 0,
    })
  })

  it('validates typed input too', () => {
    expect(() => normaliseWriteConcern({ w: -3 })).toThrow(ConfigError)
  })
})

describe('writeConcernProblem', () => {
  it('is undefined for a valid concern and names the problem otherwise', () => {
    expect(writeConcernProblem({ w: 'majority', wtimeoutMS: 0 })).toBeUndefined()
    expect(writeConcernProblem({ wtimeoutMS: -5 })?.message).toContain('wtimeoutMS=-5')
  })
})

describe('wire form and predicates', () => {
  it('renders { w, wtimeout, j }', () => {
    expect(writeConcernToWire({ w: 3, wtimeoutMS: 1000, journal: true })).toEqual({
      w: 3,
      wtimeout: 1000,
      j: true,
    })
    expect(writeConcernToWire({})).toEqual({})
  })

  it.each([
    [{}, true],
    [{ w: 1 }, true],
    [{ w: 'majority' }, true],
    [{ w: 0 }, false],
    [{ w: 0, wtimeoutMS: 5 }, false],
    [{ w: 0, journal: true }, true],
  ])('isAcknowledged(%j) is %s', (wc, expected) => {
    expect(isAcknowledged(wc)).toBe(expected)
  })

  it('calls only the empty concern the server default', () => {
    expect(isServerDefaultWriteConcern({})).toBe(true)
    expect(isServerDefaultWriteConcern({ journal: false })).toBe(false)
  })
})

describe('w: 0 (unacknowledged writes)', () => {
  it.each([[{ w: 0 }], [{ w: 0, journal: false }], [{ w: 0, wtimeoutMS: 100 }]])(
    'accepts %j: only w:0 with journal:true is a conflict',
    (input) => {
      expect(parseWriteConcern(input)).toEqual(input)
      expect(writeConcernProblem(input)).toBeUndefined()
    },
  )

  it('accepts journal:true with any acknowledged w', () => {
    expect(parseWriteConcern({ w: 1, journal: true })).toEqual({ w: 1, journal: true })
    expect(parseWriteConcern({ w: 'majority', j: true })).toEqual({ w: 'majority', journal: true })
  })
})

describe('W_FROM_URI (the text of a URI w=)', () => {
  it.each([
    ['0', 0],
    ['2', 2],
    ['12', 12],
    ['+3', 3],
    ['-2', -2],
    ['majority', 'majority'],
    ['dc1', 'dc1'],
    ['1dc', '1dc'],
    ['2.5', '2.5'],
    ['', ''],
  ])('reads %j as %j', (text, value) => {
    expect(W_FROM_URI.parse(text)).toBe(value)
  })

  it('so w=-2 is refused as a number while w=dc1 is a mode name', () => {
    expect(writeConcernProblem({ w: W_FROM_URI.parse('-2') })?.code).toBe(ErrorCode.InvalidOption)
    expect(writeConcernProblem({ w: W_FROM_URI.parse('dc1') })).toBeUndefined()
    expect(writeConcernProblem({ w: W_FROM_URI.parse('12') })).toBeUndefined()
  })
})

describe('the server default', () => {
  it.each([[{ w: 1 }], [{ wtimeoutMS: 0 }], [{ journal: true }]])('is not %j', (wc) => {
    expect(isServerDefaultWriteConcern(wc)).toBe(false)
  })

  it('renders each field alone on the wire', () => {
    expect(writeConcernToWire({ w: 'majority' })).toEqual({ w: 'majority' })
    expect(writeConcernToWire({ wtimeoutMS: 0 })).toEqual({ wtimeout: 0 })
    expect(writeConcernToWire({ journal: false })).toEqual({ j: false })
    expect(Object.isFrozen(writeConcernToWire({ w: 1 }))).toBe(true)
  })
})

describe('absent fields stay absent', () => {
  it('leaves out of the canonical form every field the input does not set', () => {
    expect(Object.keys(normaliseWriteConcern({ j: true }))).toEqual(['journal'])
    expect(Object.keys(normaliseWriteConcern({ wtimeout: 5 }))).toEqual(['wtimeoutMS'])
    expect(Object.keys(normaliseWriteConcern({ w: 2 }))).toEqual(['w'])
    expect(Object.keys(parseWriteConcern({}))).toEqual([])
  })

  it('leaves out of the wire form every field the concern does not set', () => {
    expect(Object.keys(writeConcernToWire({ journal: true }))).toEqual(['j'])
    expect(Object.keys(writeConcernToWire({ w: 1 }))).toEqual(['w'])
    expect(Object.keys(writeConcernToWire({ wtimeoutMS: 0 }))).toEqual(['wtimeout'])
  })

  it('names both spellings and their values when they disagree', () => {
    expect(configError(() => parseWriteConcern({ journal: true, j: false })).message).toContain(
      'journal=true and j=false',
    )
    expect(configError(() => parseWriteConcern({ wtimeoutMS: 1, wtimeout: 2 })).message).toContain(
      'wtimeoutMS=1 and wtimeout=2',
    )
  })
})
