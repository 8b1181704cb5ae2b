import { describe, expect, it } from 'vitest'
import {
  callWriteConcern,
  NO_CALL_OPTIONS,
  parseCallOptions,
} from '../../../src/client/call-options.js'
import type { CallOptions } from '../../../src/client/call-options.js'
import { Session } from '../../../src/client/session.js'
import { ConfigError, ErrorCode } from '../../../src/errors/errors.js'

/** Whether `parseCallOptions` accepts `options`. */
function accepts(options: unknown): boolean {
  try {
    parseCallOptions(options as CallOptions)
    return true
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).code).toBe(ErrorCode.InvalidOption)
    return false
  }
}

/** The same options on an object the hand-written check never takes (its prototype is neither
 * Object.prototype nor null): zod alone decides. */
function zodOnly(options: Record<string, unknown>): unknown {
  return Object.assign(Object.create(Object.create(null) as object) as object, options)
}

const VALUES: Record<string, unknown[]> = {
  readPreference: [
    'primary',
    'secondary',
    'secondaryPreferred',
    'primaryPreferred',
    'nearest',
    'Secondary',
    '',
    1,
    null,
    { mode: 'secondary' },
    { mode: 'secondary', tags: [{ dc: 'a' }] },
    { mode: 'bogus' },
    { mode: 'secondary', extra: 1 },
  ],
  readPreferenceTags: [[], [{ dc: 'a' }, {}], [{ dc: 1 }], 'dc:a'],
  maxStalenessSeconds: [90, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '90'],
  w: [0, 1, 2, 'majority', -1, 1.5, 2 ** 53, 'all', null, true],
  wtimeoutMS: [0, 100, -1, 1.5, Number.NaN, 2 ** 60, '100'],
  journal: [true, false, 0, 'true'],
  idempotent: [true, false, 1, null],
  timeoutMS: [1, 30_000, 0, -5, 2.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '5'],
  signal: [new AbortController().signal, AbortSignal.abort(), {}, 'signal'],
  session: [new Session(), {}, null],
  notAnOption: [1, undefined],
}

/** Every single-key shape, every pair of the first values, and undefined values. */
function shapes(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{}]
  const keys = Object.keys(VALUES)
  for (const key of keys) {
    out.push({ [key]: undefined })
    for (const value of VALUES[key] ?? []) out.push({ [key]: value })
  }
  for (const a of keys) {
    for (const b of keys) {
      if (a >= b) continue
      for (const va of (VALUES[a] ?? []).slice(0, 3)) {
        for (const vb of (VALUES[b] ?? []).slice(0, 3)) out.push({ [a]: va, [b]: vb })
      }
    }
  }
  return out
}

describe('parseCallOptions', () => {
  it('returns one shared frozen empty object when no options are given', () => {
    expect(parseCallOptions(undefined)).toBe(NO_CALL_OPTIONS)
    expect(Object.isFrozen(NO_CALL_OPTIONS)).toBe(true)
  })

  it('returns the caller’s own object when it is valid', () => {
    const options = { readPreference: 'secondary' as const, timeoutMS: 500 }
    expect(parseCallOptions(options)).toBe(options)
  })

  it('accepts exactly what the zod schema accepts, whichever check decides', () => {
    const cases = shapes()
    expect(cases.length).toBeGreaterThan(300)
    for (const options of cases) {
      expect([options, accepts(options)]).toEqual([options, accepts(zodOnly(options))])
    }
  })

  it('accepts a null-prototype object and refuses non-objects with a ConfigError', () => {
    const bare = Object.assign(Object.create(null) as object, { timeoutMS: 5 })
    expect(accepts(bare)).toBe(true)
    expect(accepts(Object.assign(Object.create(null) as object, { timeoutMS: 0 }))).toBe(false)
    for (const value of [null, 5, 'secondary', [], () => undefined]) {
      expect(accepts(value)).toBe(false)
    }
  })

  it('names the bad option', () => {
    expect(() => parseCallOptions({ timeoutMS: -1 })).toThrow(/timeoutMS/)
    expect(() => parseCallOptions({ readPreference: 'bogus' as never })).toThrow(/readPreference/)
  })

  it('suggests the closest call option for a typo', () => {
    expect(() => parseCallOptions({ readPrefrence: 'secondary' } as never)).toThrow(
      'invalid call option: unknown option "readPrefrence"; did you mean readPreference?',
    )
    expect(() => parseCallOptions({ timeoutMs: 5 } as never)).toThrow('did you mean timeoutMS?')
  })

  it('lists the call options when no name is close', () => {
    expect(() => parseCallOptions({ zzz: 1 } as never)).toThrow(
      /unknown option "zzz"; a call takes readPreference, .*, session$/,
    )
  })
})

describe('callWriteConcern', () => {
  it('returns the client’s write concern itself when the call overrides nothing', () => {
    const base = Object.freeze({ w: 'majority' as const, wtimeoutMS: 100 })
    expect(callWriteConcern(base, {})).toBe(base)
    expect(callWriteConcern(base, { timeoutMS: 5, idempotent: true })).toBe(base)
  })

  it('lays the call’s overrides over the client’s write concern', () => {
    const base = Object.freeze({ w: 'majority' as const, wtimeoutMS: 100 })
    expect(callWriteConcern(base, { w: 2 })).toEqual({ w: 2, wtimeoutMS: 100 })
    expect(callWriteConcern(base, { journal: true })).toEqual({
      w: 'majority',
      wtimeoutMS: 100,
      journal: true,
    })
  })
})
