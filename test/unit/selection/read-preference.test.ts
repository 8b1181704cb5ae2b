import { describe, expect, it } from 'vitest'
import { ConfigError, ErrorCode } from '../../../src/errors/errors.js'
import type { ReadPreference } from '../../../src/selection/read-preference.js'
import {
  DEFAULT_READ_PREFERENCE,
  parseReadPreferenceMode,
  readPreferenceFromMode,
  validateReadPreference,
} from '../../../src/selection/read-preference.js'
import { TopologyType } from '../../../src/topology/topology-description.js'

const HB = { heartbeatFrequencyMS: 10_000 }

function thrown(fn: () => void): ConfigError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseReadPreferenceMode', () => {
  it('parses every mode, case-insensitively', () => {
    expect(parseReadPreferenceMode('secondaryPreferred')).toBe('secondaryPreferred')
    expect(parseReadPreferenceMode('SecondaryPreferred')).toBe('secondaryPreferred')
    expect(parseReadPreferenceMode('NEAREST')).toBe('nearest')
    expect(parseReadPreferenceMode('primary')).toBe('primary')
  })

  it('rejects an unknown mode with a ConfigError naming the value', () => {
    const error = thrown(() => parseReadPreferenceMode('fastest'))
    expect(error.code).toBe(ErrorCode.InvalidOption)
    expect(error.message).toContain('readPreference=fastest')
    expect(error.message).toContain('secondaryPreferred')
  })
})

describe('readPreferenceFromMode', () => {
  it('makes a frozen mode-only read preference', () => {
    const rp = readPreferenceFromMode('Secondary')
    expect(rp).toEqual({ mode: 'secondary' })
    expect(Object.isFrozen(rp)).toBe(true)
  })

  it('defaults to primary', () => {
    expect(DEFAULT_READ_PREFERENCE).toEqual({ mode: 'primary' })
  })
})

describe('validateReadPreference', () => {
  it('accepts the default and every mode without options', () => {
    for (const mode of [
      'primary',
      'primaryPreferred',
      'secondary',
      'secondaryPreferred',
      'nearest',
    ] as const) {
      expect(() => {
        validateReadPreference({ mode }, HB)
      }).not.toThrow()
    }
  })

  it('rejects an unknown mode', () => {
    const error = thrown(() => {
      validateReadPreference({ mode: 'fastest' } as unknown as ReadPreference, HB)
    })
    expect(error.code).toBe(ErrorCode.InvalidOption)
    expect(error.message).toContain('readPreference=fastest')
  })

  it('rejects a non-empty tag set with primary, naming the tags', () => {
    const error = thrown(() => {
      validateReadPreference({ mode: 'primary', tags: [{ dc: 'east' }] }, HB)
    })
    expect(error.code).toBe(ErrorCode.ConflictingOptions)
    expect(error.message).toContain('readPreferenceTags=[{"dc":"east"}]')
  })

  it('accepts only empty tag sets with primary', () => {
    expect(() => {
      validateReadPreference({ mode: 'primary', tags: [{}] }, HB)
    }).not.toThrow()
    expect(() => {
      validateReadPreference({ mode: 'primary', tags: [] }, HB)
    }).not.toThrow()
  })

  it('rejects maxStalenessSeconds with primary but accepts -1 (no bound)', () => {
    const error = thrown(() => {
      validateReadPreference({ mode: 'primary', maxStalenessSeconds: 120 }, HB)
    })
    expect(error.code).toBe(ErrorCode.ConflictingOptions)
    expect(error.message).toContain('maxStalenessSeconds=120')
    expect(() => {
      validateReadPreference({ mode: 'primary', maxStalenessSeconds: -1 }, HB)
    }).not.toThrow()
  })

  it('enforces the 90 s floor', () => {
    expect(() => {
      validateReadPreference({ mode: 'nearest', maxStalenessSeconds: 90 }, HB)
    }).not.toThrow()
    const error = thrown(() => {
      validateReadPreference({ mode: 'nearest', maxStalenessSeconds: 89 }, HB)
    })
    expect(error.code).toBe(ErrorCode.InvalidOption)
    expect(error.message).toContain('maxStalenessSeconds=89')
    expect(error.message).toContain('at least 90')
  })

  it('raises the floor to heartbeatFrequencyMS/1000 + the 10 s idle write period', () => {
    const options = { heartbeatFrequencyMS: 120_000 }
    expect(() => {
      validateReadPreference({ mode: 'secondary', maxStalenessSeconds: 130 }, options)
    }).not.toThrow()
    const error = thrown(() => {
      validateReadPreference({ mode: 'secondary', maxStalenessSeconds: 129 }, options)
    })
    expect(error.message).toContain('heartbeatFrequencyMS=120000')
    expect(error.message).toContain('at least 130')
  })

  it('rejects zero, negative (other than -1) and non-finite bounds', () => {
    for (const value of [0, -2, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = thrown(() => {
        validateReadPreference({ mode: 'nearest', maxStalenessSeconds: value }, HB)
      })
      expect(error.message).toContain(`maxStalenessSeconds=${String(value)}`)
    }
  })

  it('applies the floor only to replica sets once the topology is known', () => {
    const small = { mode: 'nearest', maxStalenessSeconds: 1 } as const
    for (const topologyType of [TopologyType.Sharded, TopologyType.Single, TopologyType.Unknown]) {
      expect(() => {
        validateReadPreference(small, { ...HB, topologyType })
      }).not.toThrow()
    }
    for (const topologyType of [
      TopologyType.ReplicaSetWithPrimary,
      TopologyType.ReplicaSetNoPrimary,
    ]) {
      expect(() => {
        validateReadPreference(small, { ...HB, topologyType })
      }).toThrow(ConfigError)
    }
    expect(() => {
      validateReadPreference(small, HB)
    }).toThrow(ConfigError)
    expect(() => {
      validateReadPreference(
        { mode: 'nearest', maxStalenessSeconds: 0 },
        { ...HB, topologyType: TopologyType.Sharded },
      )
    }).toThrow(ConfigError)
  })
})
