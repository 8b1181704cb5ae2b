import { describe, expect, it } from 'vitest'
import {
  callLevels,
  checkExplicitWriteLevel,
  Consistency,
  readLevels,
  replicationFactorOf,
  writeConsistency,
} from '../../../../adapters/cassandra/cassandra-consistency.js'
import type { CallIntent } from '../../../../src/adapter.js'
import { isReplicaKitError } from '../../../../src/index.js'

const SETTINGS = { majorityConsistency: 'LOCAL_QUORUM', serialConsistency: 'LOCAL_SERIAL' } as const

function intent(over: Partial<CallIntent>): CallIntent {
  return {
    kind: 'read',
    readPreference: { mode: 'primary' },
    writeConcern: {},
    readConcern: {},
    idempotent: false,
    ...over,
  }
}

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error: unknown) {
    return error
  }
  throw new Error('expected a throw')
}

describe('writeConsistency', () => {
  it.for([
    [undefined, 'LOCAL_ONE'],
    [0, 'ANY'],
    [1, 'LOCAL_ONE'],
    [2, 'TWO'],
    [3, 'THREE'],
    [4, 'ALL'],
    ['majority', 'LOCAL_QUORUM'],
  ] as const)('maps w=%s to %s with a replication factor of 4', ([w, level]) => {
    expect(writeConsistency(w === undefined ? {} : { w }, SETTINGS, 4)).toBe(level)
  })

  it('maps majority to majorityConsistency', () => {
    const settings = { ...SETTINGS, majorityConsistency: 'EACH_QUORUM' } as const
    expect(writeConsistency({ w: 'majority' }, settings, 4)).toBe('EACH_QUORUM')
  })

  it('refuses w above the replication factor before sending, with NoWritesPerformed', () => {
    const error = thrown(() => writeConsistency({ w: 5 }, SETTINGS, 4))
    expect(isReplicaKitError(error) && error.code).toBe('WRITE_CONCERN_UNSATISFIABLE')
    expect(isReplicaKitError(error) && error.hasLabel('NoWritesPerformed')).toBe(true)
  })

  it('refuses a w no level expresses, and tag-set modes, before anything is written', () => {
    const error = thrown(() => writeConsistency({ w: 4 }, SETTINGS, 6))
    expect(isReplicaKitError(error) && error.code).toBe('INVALID_OPTION')
    expect(isReplicaKitError(error) && error.hasLabel('NoWritesPerformed')).toBe(true)
    const unknownFactor = thrown(() => writeConsistency({ w: 4 }, SETTINGS, undefined))
    expect(isReplicaKitError(unknownFactor) && unknownFactor.code).toBe('INVALID_OPTION')
    expect(isReplicaKitError(unknownFactor) && unknownFactor.hasLabel('NoWritesPerformed')).toBe(
      true,
    )
    const mode = thrown(() => writeConsistency({ w: 'twoDCs' }, SETTINGS, 4))
    expect(isReplicaKitError(mode) && mode.code).toBe('INVALID_OPTION')
    expect(isReplicaKitError(mode) && mode.hasLabel('NoWritesPerformed')).toBe(true)
  })
})

describe('readLevels', () => {
  it.for([
    ['primary', ['LOCAL_QUORUM']],
    ['primaryPreferred', ['LOCAL_QUORUM', 'LOCAL_ONE']],
    ['secondary', ['LOCAL_ONE']],
    ['secondaryPreferred', ['LOCAL_ONE']],
    ['nearest', ['LOCAL_ONE']],
  ] as const)('maps %s to %j', ([mode, levels]) => {
    expect(readLevels(intent({ readPreference: { mode } }), SETTINGS)).toEqual(levels)
  })

  it('maps a linearizable read to serialConsistency', () => {
    const settings = { ...SETTINGS, serialConsistency: 'SERIAL' } as const
    expect(readLevels(intent({ readConcern: { level: 'linearizable' } }), settings)).toEqual([
      'SERIAL',
    ])
  })

  it('gives writes their w level and every call the serial consistency', () => {
    const levels = callLevels(intent({ kind: 'write', writeConcern: { w: 2 } }), SETTINGS, 4)
    expect(levels).toEqual({ levels: ['TWO'], serial: 'LOCAL_SERIAL' })
  })

  it('gives reads their read preference levels, whatever write concern the call carries', () => {
    const read = intent({
      kind: 'read',
      readPreference: { mode: 'primaryPreferred' },
      writeConcern: { w: 2 },
    })
    expect(callLevels(read, SETTINGS, 4)).toEqual({
      levels: ['LOCAL_QUORUM', 'LOCAL_ONE'],
      serial: 'LOCAL_SERIAL',
    })
  })
})

describe('checkExplicitWriteLevel', () => {
  it('refuses a statement level weaker than the call w as a conflict', () => {
    const error = thrown(() => {
      checkExplicitWriteLevel(Consistency.ONE, 'LOCAL_QUORUM')
    })
    expect(isReplicaKitError(error) && error.code).toBe('CONFLICTING_OPTIONS')
    expect(isReplicaKitError(error) && error.hasLabel('NoWritesPerformed')).toBe(true)
  })

  it('accepts an equal or stronger level', () => {
    expect(() => {
      checkExplicitWriteLevel(Consistency.QUORUM, 'LOCAL_QUORUM')
      checkExplicitWriteLevel(Consistency.ALL, 'THREE')
      checkExplicitWriteLevel(Consistency.LOCAL_ONE, 'LOCAL_ONE')
    }).not.toThrow()
  })
})

describe('replicationFactorOf', () => {
  it('sums NetworkTopologyStrategy data centers and reads SimpleStrategy', () => {
    expect(
      replicationFactorOf({
        class: 'org.apache.cassandra.locator.NetworkTopologyStrategy',
        dc1: '3',
        dc2: '1',
      }),
    ).toBe(4)
    expect(replicationFactorOf({ replication_factor: '2' })).toBe(2)
    expect(replicationFactorOf(undefined)).toBeUndefined()
  })

  it('is unknown when the options name no data center or factor', () => {
    expect(
      replicationFactorOf({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy' }),
    ).toBeUndefined()
    expect(replicationFactorOf({})).toBeUndefined()
  })
})
