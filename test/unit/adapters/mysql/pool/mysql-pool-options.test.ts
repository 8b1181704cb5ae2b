/**
 * `createPool`'s config object: mysql2's option names (checked against mysql2's own types, so this
 * file stops type-checking when they drift), the split into URI, client and mysql2 options, and the
 * mysql2 options reaching the adapter's pooled connections.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { ConnectionOptions, PoolOptions } from 'mysql2/promise'
import { resolveOptions } from '../../../../../src/index.js'
import { toMysqlPoolOptions } from '../../../../../adapters/mysql/mysql-config.js'
import { createPool } from '../../../../../adapters/mysql/pool/mysql-pool-create.js'
import type { MysqlPoolOptions } from '../../../../../adapters/mysql/pool/mysql-pool-create.js'
import {
  MYSQL2_MAPPED,
  MYSQL2_PASS_THROUGH,
  MYSQL2_REFUSED,
  splitPoolConfig,
} from '../../../../../adapters/mysql/pool/mysql-pool-options.js'
import type { Mysql2OptionName } from '../../../../../adapters/mysql/pool/mysql-pool-options.js'

type Mysql2Name = keyof ConnectionOptions | keyof PoolOptions

/** mysql2 names our list lacks, and names it has that mysql2 does not: both must be `never`. */
type Missing = Exclude<Mysql2Name, Mysql2OptionName>
type Extra = Exclude<Mysql2OptionName, Mysql2Name>
const LISTS_AGREE: [Missing, Extra] extends [never, never] ? true : false = true

describe('the mysql2 option list', () => {
  it("matches mysql2's ConnectionOptions and PoolOptions exactly (a type error otherwise)", () => {
    expect(LISTS_AGREE).toBe(true)
    expectTypeOf<Missing>().toEqualTypeOf<never>()
    expectTypeOf<Extra>().toEqualTypeOf<never>()
  })

  it('puts each name in exactly one group', () => {
    const names = [
      ...MYSQL2_PASS_THROUGH,
      ...Object.keys(MYSQL2_MAPPED),
      ...Object.keys(MYSQL2_REFUSED),
    ]
    expect(new Set(names).size).toBe(names.length)
  })
})

describe('splitPoolConfig', () => {
  it("builds the URI from mysql2's fields, encoding credentials, defaulting the port", () => {
    const split = splitPoolConfig({
      host: 'db1,db2:3307',
      user: 'app',
      password: 'p@ss:w/rd',
      database: 'shop',
      port: 3310,
    })
    expect(split.uri).toBe('mysql://app:p%40ss%3Aw%2Frd@db1:3310,db2:3307/shop')
    expect(resolveOptions(split.uri).password).toBe('p@ss:w/rd')
  })

  it('separates mysql2 options, mapped names and ReplicaKit options; ignores undefined values', () => {
    const split = splitPoolConfig({
      uri: 'mysql://h1/db',
      dateStrings: true,
      typeCast: false,
      connectionLimit: 7,
      connectTimeout: 2000,
      readPreference: 'secondary',
      socketPath: undefined,
      ssl: undefined,
    })
    expect(split.driverOptions).toEqual({ dateStrings: true, typeCast: false })
    expect(split.clientOptions).toEqual({
      maxPoolSize: 7,
      connectTimeoutMS: 2000,
      readPreference: 'secondary',
    })
  })

  it.each([
    ['a refused mysql2 option', { host: 'h', socketPath: '/tmp/s' }, /socketPath/],
    ['ssl (the tls options replace it)', { host: 'h', ssl: { ca: 'x' } }, /tls/],
    ['uri with host', { uri: 'mysql://h/db', host: 'other' }, /either uri or host/],
    ['a misplaced driverOptions name', { host: 'h', driverOptions: { user: 'x' } }, /user/],
  ])('refuses %s with a ConfigError', (_name, config, message) => {
    expect(() => splitPoolConfig(config)).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: expect.stringMatching(message) }),
    )
  })
})

describe('createPool with a config object', () => {
  it("accepts mysql2's form and passes its options to the pooled connections, not to probes", async () => {
    const pool = createPool({
      host: '127.0.0.1',
      port: 1,
      user: 'app',
      password: 'pw',
      database: 'shop',
      dateStrings: true,
      namedPlaceholders: true,
      connectionLimit: 4,
      heartbeatFrequencyMS: 60_000,
    } satisfies MysqlPoolOptions)
    try {
      const resolved = resolveOptions('mysql://app:pw@127.0.0.1:1/shop', {
        maxPoolSize: 4,
        driverOptions: { dateStrings: true, namedPlaceholders: true },
      })
      const options = toMysqlPoolOptions(resolved, '127.0.0.1:1')
      expect(options).toMatchObject({
        host: '127.0.0.1',
        port: 1,
        user: 'app',
        database: 'shop',
        dateStrings: true,
        namedPlaceholders: true,
        connectionLimit: 4,
      })
    } finally {
      await pool.end()
    }
  })

  it('refuses an unknown option with a ConfigError that names it', () => {
    expect(() => createPool({ host: 'h', dateString: true } as MysqlPoolOptions)).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        message: expect.stringMatching(/dateString/),
      }),
    )
  })
})
