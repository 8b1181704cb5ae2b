import { describe, expect, expectTypeOf, it } from 'vitest'
import type { AnyOptionRow } from '../../../src/config/option-kinds.js'
import { OPTION_BY_URI_KEY, OPTION_NAMES, OPTION_TABLE } from '../../../src/config/option-table.js'
import type { ClientOptions, ResolvedOptions } from '../../../src/config/options.js'
import type { ReadPreferenceMode } from '../../../src/selection/read-preference.js'
import type { Tags } from '../../../src/topology/node-description.js'

const rows: [string, AnyOptionRow][] = OPTION_NAMES.map((name) => [name, OPTION_TABLE[name]])

describe('OPTION_TABLE', () => {
  it.each(rows)('%s: its default passes its own schema', (_name, row) => {
    if (row.default !== undefined) expect(row.schema.safeParse(row.default).success).toBe(true)
  })

  it.each(rows)('%s: has a description, allowed values and known backends', (_name, row) => {
    expect(row.description.length).toBeGreaterThan(10)
    expect(row.allowed.length).toBeGreaterThan(3)
    for (const backend of row.backends) expect(['mysql', 'mongodb', 'cassandra']).toContain(backend)
  })

  it('maps every name and alias, lower-cased, to exactly one option', () => {
    const keys = OPTION_NAMES.flatMap((name) =>
      [name, ...OPTION_TABLE[name].aliases].map((k) => k.toLowerCase()),
    )
    expect(new Set(keys).size).toBe(keys.length)
    expect(OPTION_BY_URI_KEY.get('ssl')).toBe('tls')
    expect(OPTION_BY_URI_KEY.get('readpreference')).toBe('readPreference')
  })

  it('has the defaults the brief and the specs name', () => {
    expect({
      timeoutMS: OPTION_TABLE.timeoutMS.default,
      maxRetries: OPTION_TABLE.maxRetries.default,
      baseBackoffMS: OPTION_TABLE.baseBackoffMS.default,
      maxBackoffMS: OPTION_TABLE.maxBackoffMS.default,
      heartbeatFrequencyMS: OPTION_TABLE.heartbeatFrequencyMS.default,
      minHeartbeatFrequencyMS: OPTION_TABLE.minHeartbeatFrequencyMS.default,
      serverSelectionTimeoutMS: OPTION_TABLE.serverSelectionTimeoutMS.default,
      connectTimeoutMS: OPTION_TABLE.connectTimeoutMS.default,
      socketTimeoutMS: OPTION_TABLE.socketTimeoutMS.default,
      localThresholdMS: OPTION_TABLE.localThresholdMS.default,
      maxPoolSize: OPTION_TABLE.maxPoolSize.default,
      minPoolSize: OPTION_TABLE.minPoolSize.default,
      causalWaitMS: OPTION_TABLE.causalWaitMS.default,
      heartbeatTable: OPTION_TABLE.heartbeatTable.default,
    }).toEqual({
      timeoutMS: 30_000,
      maxRetries: 1,
      baseBackoffMS: 100,
      maxBackoffMS: 5_000,
      heartbeatFrequencyMS: 10_000,
      minHeartbeatFrequencyMS: 500,
      serverSelectionTimeoutMS: 30_000,
      connectTimeoutMS: 10_000,
      socketTimeoutMS: 0,
      localThresholdMS: 15,
      maxPoolSize: 100,
      minPoolSize: 0,
      causalWaitMS: 1_000,
      heartbeatTable: undefined,
    })
  })

  it('marks secrets so they are never shown', () => {
    const secrets = OPTION_NAMES.filter((name) => OPTION_TABLE[name].secret)
    expect(secrets.sort()).toEqual(['proxyPassword', 'tlsCertificateKeyFilePassword'])
  })

  it('types ClientOptions and ResolvedOptions from the rows', () => {
    expectTypeOf<ClientOptions['timeoutMS']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<ClientOptions['readPreference']>().toEqualTypeOf<ReadPreferenceMode | undefined>()
    expectTypeOf<ResolvedOptions['timeoutMS']>().toEqualTypeOf<number>()
    expectTypeOf<ResolvedOptions['causalWaitMS']>().toEqualTypeOf<number>()
    // Options without a default are optional fields.
    expectTypeOf<ResolvedOptions['heartbeatTable']>().toExtend<string | undefined>()
    expectTypeOf<undefined>().toExtend<ResolvedOptions['heartbeatTable']>()
    expectTypeOf<undefined>().toExtend<ResolvedOptions['replicaSet']>()
    expectTypeOf<undefined>().not.toExtend<ResolvedOptions['timeoutMS']>()
    expectTypeOf<ResolvedOptions['nodeTags']>().toEqualTypeOf<ReadonlyMap<string, Tags>>()
    expectTypeOf<ResolvedOptions['backendOptions']['authSource']>().toEqualTypeOf<
      string | undefined
    >()
  })
})
