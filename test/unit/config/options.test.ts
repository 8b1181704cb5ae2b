import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { OPTION_NAMES, OPTION_TABLE } from '../../../src/config/option-table.js'
import type { ClientOptions } from '../../../src/config/options.js'
import { resolveOptions } from '../../../src/config/options.js'
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

describe('resolveOptions', () => {
  it('fills every core default from the option table', () => {
    const resolved = resolveOptions('mysql://h')
    for (const name of OPTION_NAMES) {
      const row = OPTION_TABLE[name]
      if (row.group !== 'core') continue
      const value: unknown = resolved[name as keyof typeof resolved]
      if (value instanceof Map)
        expect([...value], name).toEqual([...(row.default as Map<string, unknown>)])
      else expect(value, name).toEqual(row.default)
    }
  })

  it('resolves the structured defaults', () => {
    const resolved = resolveOptions('cassandra://h1,h2:9043/ks')
    expect(resolved).toMatchObject({
      backend: 'cassandra',
      scheme: 'cassandra',
      hosts: ['h1:9042', 'h2:9043'],
      database: 'ks',
      readPreference: { mode: 'primary' },
      writeConcern: {},
      readConcern: {},
      tls: { enabled: false, allowInvalidCertificates: false, allowInvalidHostnames: false },
      backendOptions: {},
      warnings: [],
    })
    expect(resolved.nodeTags.size).toBe(0)
  })

  it.each([
    ['mongodb://h', 'h:27017'],
    ['mysql://h', 'h:3306'],
    ['mariadb://h', 'h:3306'],
    ['cassandra://h', 'h:9042'],
  ])('uses the default port of %s', (uri, address) => {
    expect(resolveOptions(uri).hosts).toEqual([address])
  })

  it('normalises hosts (lower case, IPv6 brackets) and drops duplicates', () => {
    expect(resolveOptions('mysql://DB1,db1:3306,[FE80::1]:3307').hosts).toEqual([
      'db1:3306',
      '[fe80::1]:3307',
    ])
  })

  it('lets programmatic options override the URI, option by option', () => {
    const resolved = resolveOptions('mysql://u:p@h/db?timeoutMS=100&w=2&maxRetries=4', {
      timeoutMS: 200,
      w: 'majority',
      password: 'other',
      database: 'db2',
    })
    expect(resolved).toMatchObject({
      timeoutMS: 200,
      maxRetries: 4,
      password: 'other',
      username: 'u',
      database: 'db2',
    })
    expect(resolved.writeConcern).toEqual({ w: 'majority' })
  })

  it('builds the read preference, write concern and read concern', () => {
    const resolved = resolveOptions(
      'mongodb://h/?readPreference=secondary&readPreferenceTags=dc:ny&readPreferenceTags=&maxStalenessSeconds=120' +
        '&w=3&wtimeoutMS=500&journal=true&readConcernLevel=majority',
    )
    expect(resolved.readPreference).toEqual({
      mode: 'secondary',
      tags: [{ dc: 'ny' }, {}],
      maxStalenessSeconds: 120,
    })
    expect(resolved.writeConcern).toEqual({ w: 3, wtimeoutMS: 500, journal: true })
    expect(resolved.readConcern).toEqual({ level: 'majority' })
  })

  it('refuses a programmatic tag-set mode name for w outside MongoDB, at connect', () => {
    const error = configError(() => resolveOptions('mysql://h/db', { w: 'abc' }))
    expect(error.code).toBe(ErrorCode.InvalidOption)
    expect(error.message).toBe(
      'invalid value "abc" for option w: mysql:// takes an integer ≥ 0 or majority ' +
        '(tag-set mode names are MongoDB only)',
    )
    expect(resolveOptions('mongodb://h/', { w: 'abc' }).writeConcern).toEqual({ w: 'abc' })
  })

  it('says what was given when the connection string is not a string', () => {
    expect(configError(() => resolveOptions(123 as unknown as string)).message).toMatch(
      /^the connection string must be a string, but a number was given; pass a URI such as mysql:\/\//,
    )
  })

  it('treats maxStalenessSeconds=-1 as no bound', () => {
    expect(
      resolveOptions('mongodb://h/?readPreference=nearest&maxStalenessSeconds=-1').readPreference,
    ).toEqual({
      mode: 'nearest',
    })
  })

  it('normalises nodeTags keys with the scheme default port and merges duplicates', () => {
    const resolved = resolveOptions('mysql://a,b/?nodeTags=A/dc:east', {
      nodeTags: { 'b:3306': { dc: 'west' }, B: { rack: 'r2' } },
    })
    // Programmatic nodeTags replace the URI's whole map.
    expect([...resolved.nodeTags]).toEqual([['b:3306', { dc: 'west', rack: 'r2' }]])
    expect([...resolveOptions('mysql://a/?nodeTags=A/dc:east').nodeTags]).toEqual([
      ['a:3306', { dc: 'east' }],
    ])
  })

  it('accepts nodeTags as a Map', () => {
    const resolved = resolveOptions('mysql://a', { nodeTags: new Map([['a:3307', { dc: 'x' }]]) })
    expect(resolved.nodeTags.get('a:3307')).toEqual({ dc: 'x' })
  })

  it('keeps MongoDB-only options verbatim in backendOptions', () => {
    const resolved = resolveOptions(
      'mongodb://h/?authSource=admin&compressors=zstd,zlib&authMechanismProperties=SERVICE_NAME:m&maxConnecting=3',
    )
    expect(resolved.backendOptions).toEqual({
      authSource: 'admin',
      compressors: ['zstd', 'zlib'],
      authMechanismProperties: { SERVICE_NAME: 'm' },
      maxConnecting: 3,
    })
  })

  describe('tls', () => {
    it('is enabled implicitly by a TLS file option and expands tlsInsecure', () => {
      const resolved = resolveOptions('mysql://h/?tlsCAFile=/ca.pem&tlsInsecure=true')
      expect(resolved.tls).toEqual({
        enabled: true,
        caFile: '/ca.pem',
        allowInvalidCertificates: true,
        allowInvalidHostnames: true,
        disableCertificateRevocationCheck: true,
        disableOCSPEndpointCheck: true,
      })
    })

    it('follows an explicit ssl alias', () => {
      expect(resolveOptions('mysql://h/?ssl=true').tls.enabled).toBe(true)
    })

    it('refuses tls=false with a TLS file option', () => {
      expect(configError(() => resolveOptions('mysql://h/?tls=false&tlsCAFile=/ca.pem')).code).toBe(
        ErrorCode.ConflictingOptions,
      )
    })
  })

  it('returns deep-frozen options, maps included', () => {
    const resolved = resolveOptions(
      'mysql://h/?readPreference=secondary&readPreferenceTags=dc:ny&nodeTags=h/dc:ny',
    )
    expect(Object.isFrozen(resolved)).toBe(true)
    expect(Object.isFrozen(resolved.readPreference.tags)).toBe(true)
    expect(Object.isFrozen(resolved.readPreference.tags?.[0])).toBe(true)
    expect(Object.isFrozen(resolved.tls)).toBe(true)
    expect(Object.isFrozen(resolved.nodeTags.get('h:3306'))).toBe(true)
    const tags = resolved.nodeTags as Map<string, unknown>
    expect(() => tags.set('x:1', {})).toThrow(TypeError)
    expect(() => tags.delete('h:3306')).toThrow(TypeError)
    expect(() => {
      tags.clear()
    }).toThrow(TypeError)
  })

  it('shows secrets as ***** in JSON and util.inspect', () => {
    const resolved = resolveOptions(
      'mongodb://u:hunter2@h/?proxyHost=p&proxyUsername=x&proxyPassword=pp99&tlsCertificateKeyFilePassword=kk77',
    )
    expect(resolved.password).toBe('hunter2')
    for (const text of [JSON.stringify(resolved), inspect(resolved, { depth: 5 })]) {
      expect(text).not.toContain('hunter2')
      expect(text).not.toContain('pp99')
      expect(text).not.toContain('kk77')
      expect(text).toContain('*****')
    }
  })

  it('collects URI warnings in lenient mode and throws in strict mode', () => {
    expect(resolveOptions('mysql://h/?foo=1', { strict: false }).warnings).toHaveLength(1)
    expect(() => resolveOptions('mysql://h/?foo=1')).toThrow(ConfigError)
  })

  describe('programmatic options (zod strictObject)', () => {
    it('rejects an unknown option, naming it, with the ZodError as cause', () => {
      const error = configError(() =>
        resolveOptions('mysql://h', { timeoutMs: 5 } as unknown as ClientOptions),
      )
      expect(error.code).toBe(ErrorCode.InvalidOption)
      expect(error.message).toContain('"timeoutMs"')
      expect(error.message).toContain('did you mean timeoutMS?')
      expect((error.cause as Error).name).toBe('ZodError')
    })

    it('names the option, the value and what is allowed', () => {
      const error = configError(() => resolveOptions('mysql://h', { maxRetries: 1000 }))
      expect(error.message).toContain('maxRetries')
      expect(error.message).toContain('1000')
      expect(error.message).toContain('allowed: an integer from 0 to 100')
    })

    it('ignores undefined values', () => {
      expect(resolveOptions('mysql://h', { timeoutMS: undefined }).timeoutMS).toBe(30_000)
    })

    it('checks programmatic options even in lenient mode', () => {
      expect(() => resolveOptions('mysql://h', { strict: false, w: -1 })).toThrow(ConfigError)
    })
  })

  describe('refusals and conflicts', () => {
    it('refuses mongodb+srv (no SRV lookup) with UNSUPPORTED_BACKEND', () => {
      const error = configError(() => resolveOptions('mongodb+srv://cluster.example.com'))
      expect(error.code).toBe(ErrorCode.UnsupportedBackend)
      expect(error.message).toContain('SRV')
    })

    it('refuses unix socket hosts', () => {
      expect(configError(() => resolveOptions('mongodb://%2Ftmp%2Fm.sock')).code).toBe(
        ErrorCode.InvalidUri,
      )
    })

    it.each([
      ['mysql://h/?readPreferenceTags=dc:ny', {}],
      ['mysql://h/?maxStalenessSeconds=120', {}],
      ['mysql://h/?w=0&journal=true', {}],
      ['mysql://h1,h2/?directConnection=true', {}],
      ['mongodb://h1,h2/?loadBalanced=true', {}],
      ['mongodb://h/?loadBalanced=true&replicaSet=rs', {}],
      ['mongodb://h/?tlsInsecure=true&tlsAllowInvalidHostnames=false', {}],
      ['mongodb://h/?srvMaxHosts=2', {}],
      ['mongodb://h/?proxyUsername=a&proxyPassword=b', {}],
      ['mysql://h/?heartbeatFrequencyMS=200', {}],
      ['mysql://h/?minPoolSize=5&maxPoolSize=2', {}],
      ['mysql://h/?baseBackoffMS=500&maxBackoffMS=100', {}],
      // A programmatic option that conflicts with a URI one.
      ['mysql://h1,h2', { directConnection: true }],
      ['mysql://h/?tlsInsecure=true', { tlsAllowInvalidCertificates: false }],
      [
        'mysql://h/?readPreference=secondary&readPreferenceTags=dc:ny',
        { readPreference: 'primary' },
      ],
    ] as const)('refuses %s %j with CONFLICTING_OPTIONS', (uri, options) => {
      expect(configError(() => resolveOptions(uri, options as ClientOptions)).code).toBe(
        ErrorCode.ConflictingOptions,
      )
    })

    it('checks the maxStalenessSeconds bound against heartbeatFrequencyMS', () => {
      expect(
        resolveOptions('mysql://h/?readPreference=secondary&maxStalenessSeconds=90').readPreference,
      ).toEqual({
        mode: 'secondary',
        maxStalenessSeconds: 90,
      })
      const error = configError(() =>
        resolveOptions(
          'mysql://h/?readPreference=secondary&maxStalenessSeconds=90&heartbeatFrequencyMS=100000',
        ),
      )
      expect(error.message).toContain('maxStalenessSeconds=90')
      expect(error.code).toBe(ErrorCode.InvalidOption)
    })

    it('allows a lower heartbeat when minHeartbeatFrequencyMS is lowered, never below 10 ms', () => {
      expect(
        resolveOptions('mysql://h/?heartbeatFrequencyMS=200&minHeartbeatFrequencyMS=100')
          .heartbeatFrequencyMS,
      ).toBe(200)
      expect(() => resolveOptions('mysql://h/?minHeartbeatFrequencyMS=5')).toThrow(ConfigError)
    })
  })
})
