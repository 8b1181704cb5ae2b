import { describe, expect, it } from 'vitest'
import { parseConnectionString } from '../../../src/config/uri.js'
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

describe('parseConnectionString', () => {
  it.each([
    ['mongodb://h', 'mongodb'],
    ['mysql://h', 'mysql'],
    ['mariadb://h', 'mysql'],
    ['cassandra://h', 'cassandra'],
    ['MySQL://h', 'mysql'],
  ])('maps %s to backend %s', (uri, backend) => {
    expect(parseConnectionString(uri).backend).toBe(backend)
  })

  it('parses several hosts, IPv6 in brackets, with and without ports', () => {
    const cs = parseConnectionString('mysql://DB1.example.com,10.0.0.2:3307,[FE80::1]:3308,[::1]')
    expect(cs.hosts).toEqual([
      { kind: 'hostname', host: 'db1.example.com' },
      { kind: 'ipv4', host: '10.0.0.2', port: 3307 },
      { kind: 'ip_literal', host: 'fe80::1', port: 3308 },
      { kind: 'ip_literal', host: '::1' },
    ])
  })

  it('percent-decodes the user name, password and database', () => {
    const cs = parseConnectionString('mysql://ap%40p:p%3Ass%2F%25w@h/my%20db')
    expect(cs).toMatchObject({ username: 'ap@p', password: 'p:ss/%w', database: 'my db' })
  })

  it('takes the keyspace from the path for cassandra and checks its characters', () => {
    expect(parseConnectionString('cassandra://h/shop_ks').database).toBe('shop_ks')
    expect(configError(() => parseConnectionString('cassandra://h/shop-ks')).code).toBe(
      ErrorCode.InvalidUri,
    )
  })

  it('rejects a mysql database name with a dot', () => {
    expect(configError(() => parseConnectionString('mysql://h/a.b')).message).toContain(
      'database name',
    )
  })

  it.each([
    ['', ErrorCode.InvalidUri],
    ['localhost:3306', ErrorCode.InvalidUri],
    ['postgres://h', ErrorCode.UnsupportedBackend],
    ['mysql://', ErrorCode.InvalidUri],
    ['mysql://h1,,h2', ErrorCode.InvalidUri],
    ['mysql://h:0', ErrorCode.InvalidUri],
    ['mysql://h:70000', ErrorCode.InvalidUri],
    ['mysql://::1', ErrorCode.InvalidUri],
    ['mysql://h/?w', ErrorCode.InvalidUri],
    ['mysql://h/?w=%zz', ErrorCode.InvalidUri],
  ])('rejects %j with %s', (uri, code) => {
    expect(configError(() => parseConnectionString(uri)).code).toBe(code)
  })

  it('keeps repeated readPreferenceTags in order, an empty one meaning any node', () => {
    const cs = parseConnectionString(
      'mysql://h/?readPreference=nearest&readPreferenceTags=dc:ny,rack:1&readPreferenceTags=dc:sf&readPreferenceTags=',
    )
    expect(cs.options.readPreferenceTags).toEqual([{ dc: 'ny', rack: '1' }, { dc: 'sf' }, {}])
  })

  it('compares option names case-insensitively and canonicalises readPreference', () => {
    const cs = parseConnectionString('mysql://h/?READPREFERENCE=SecondaryPreferred&WTimeoutMS=5')
    expect(cs.options).toEqual({ readPreference: 'secondaryPreferred', wtimeoutMS: 5 })
  })

  it('parses ReplicaKit options and repeated nodeTags', () => {
    const cs = parseConnectionString(
      'mysql://h/?timeoutMS=100&maxRetries=3&causalWaitMS=50&heartbeatTable=rk.heartbeat' +
        '&nodeTags=127.0.0.1:3307/dc:east,rack:r1&nodeTags=[::1]:3308/dc:west',
    )
    expect(cs.options).toMatchObject({
      timeoutMS: 100,
      maxRetries: 3,
      causalWaitMS: 50,
      heartbeatTable: 'rk.heartbeat',
    })
    expect(cs.options.nodeTags).toEqual(
      new Map([
        ['127.0.0.1:3307', { dc: 'east', rack: 'r1' }],
        ['[::1]:3308', { dc: 'west' }],
      ]),
    )
  })

  it('rejects a heartbeatTable that is not a plain table name (it ends up in SQL)', () => {
    const error = configError(() => parseConnectionString('mysql://h/?heartbeatTable=t;drop'))
    expect(error.code).toBe(ErrorCode.InvalidOption)
    expect(error.message).toContain('heartbeatTable')
  })

  describe('strict mode (default)', () => {
    it('names an unknown option and suggests the closest one', () => {
      const error = configError(() => parseConnectionString('mysql://h/?readPrefrence=secondary'))
      expect(error.code).toBe(ErrorCode.InvalidOption)
      expect(error.message).toContain('"readPrefrence"')
      expect(error.message).toContain('did you mean readPreference?')
    })

    it('names the option, the bad value and what is allowed, with the ZodError as cause', () => {
      const error = configError(() => parseConnectionString('mysql://h/?maxPoolSize=-3'))
      expect(error.code).toBe(ErrorCode.InvalidOption)
      expect(error.message).toContain('maxPoolSize')
      expect(error.message).toContain('"-3"')
      expect(error.message).toContain('allowed: an integer ≥ 0')
      expect((error.cause as Error).name).toBe('ZodError')
    })

    it('rejects an empty value and a repeated key', () => {
      expect(configError(() => parseConnectionString('mysql://h/?journal=')).message).toContain(
        'empty value',
      )
      expect(
        configError(() => parseConnectionString('mysql://h/?appName=a&appName=b')).message,
      ).toContain('2 times')
    })

    it('says what to do about an empty value, not that it is ignored', () => {
      const error = configError(() => parseConnectionString('mysql://h/?timeoutMS='))
      expect(error.message).toBe(
        'option timeoutMS has an empty value: give an integer ≥ 0 (ms), or remove it',
      )
    })

    it('says to give a repeated key once, not that the last one is used', () => {
      const error = configError(() => parseConnectionString('mysql://h/?appName=a&appName=b'))
      expect(error.message).toBe('option appName is given 2 times: give it once')
    })
  })

  describe('lenient mode', () => {
    it('turns unknown options, bad values and repeats into warnings and ignores them', () => {
      const cs = parseConnectionString('mysql://h/?foo=1&maxPoolSize=x&appName=a&appName=b&w=2', {
        strict: false,
      })
      expect(cs.warnings).toHaveLength(3)
      expect(cs.options).toEqual({ appName: 'b', w: 2 })
    })

    it('keeps the warning wording: what is ignored, which value is used', () => {
      const cs = parseConnectionString('mysql://h/?timeoutMS=&appName=a&appName=b', {
        strict: false,
      })
      expect(cs.warnings).toEqual([
        'option timeoutMS has an empty value and is ignored; allowed: an integer ≥ 0',
        'option appName is given 2 times; give it once (the last one is used)',
      ])
    })

    it('still fails on structure and conflicts', () => {
      expect(() =>
        parseConnectionString('mysql://h1,h2/?directConnection=true', { strict: false }),
      ).toThrow(ConfigError)
      expect(() =>
        parseConnectionString('mysql://h/?proxyHost=a&proxyHost=b', { strict: false }),
      ).toThrow(ConfigError)
    })
  })

  it('requires tls and ssl to agree, silently when they do', () => {
    expect(parseConnectionString('mongodb://h/?tls=true&SSL=true').options.tls).toBe(true)
    const error = configError(() =>
      parseConnectionString('mongodb://h/?tls=true&ssl=false', { strict: false }),
    )
    expect(error.code).toBe(ErrorCode.ConflictingOptions)
  })

  it('parses mongodb+srv with one host and no port (resolution refuses it later)', () => {
    expect(
      parseConnectionString('mongodb+srv://cluster.example.com/?srvMaxHosts=2').options.srvMaxHosts,
    ).toBe(2)
    expect(() => parseConnectionString('mongodb+srv://a.example.com:27017')).toThrow(ConfigError)
    expect(() => parseConnectionString('mongodb+srv://a.example.com,b.example.com')).toThrow(
      ConfigError,
    )
  })

  it('parses percent-encoded unix socket paths keeping their case', () => {
    expect(parseConnectionString('mongodb://%2Ftmp%2FMongo.sock').hosts).toEqual([
      { kind: 'unix', host: '/tmp/Mongo.sock' },
    ])
    expect(() => parseConnectionString('mongodb://%2Ftmp%2Fmongo')).toThrow(ConfigError)
  })

  it.each([
    [123, 'a number'],
    [null, 'null'],
    [undefined, 'nothing (undefined)'],
    [{ host: 'h' }, 'an object'],
    [new URL('mysql://h/db'), 'a URL object (pass its href)'],
  ])('says what was given instead of a string (%s)', (given, words) => {
    const error = configError(() => parseConnectionString(given as unknown as string))
    expect(error.code).toBe(ErrorCode.InvalidUri)
    expect(error.message).toBe(
      `the connection string must be a string, but ${words} was given; pass a URI such as ` +
        'mysql://user@host1,host2/db (use mongodb://, mysql://, mariadb:// or cassandra://)',
    )
  })

  it('still calls an empty string empty', () => {
    expect(configError(() => parseConnectionString(' ')).message).toMatch(
      /^the connection string is empty; use mongodb:\/\//,
    )
  })

  describe('an unescaped delimiter in the user information', () => {
    it.each([
      ['mysql://app:pa?ss@db1/shop', 'password', '?'],
      ['mysql://app:pa?ss@db1:3307,db2/shop?w=1', 'password', '?'],
      ['mongodb://app:pa/ss@db1/admin', 'password', '/'],
      ['mysql://app:p@ss@db1/shop', 'password', '@'],
      ['mysql://app:pa:ss@db1/shop', 'password', ':'],
      ['mysql://ap?p@db1/shop', 'user name', '?'],
      ['mysql://a@pp:pass@db1/shop', 'user name', '@'],
    ])('names the likely cause in %s without showing it', (uri, part, char) => {
      const error = configError(() => parseConnectionString(uri))
      expect(error.code).toBe(ErrorCode.InvalidUri)
      expect(error.message).toBe(
        `the ${part} seems to contain an unescaped '${char}': percent-encode it (encodeURIComponent)`,
      )
    })

    it('leaves an "@" inside an option value alone', () => {
      expect(parseConnectionString('mongodb://h/?appName=me@example').options.appName).toBe(
        'me@example',
      )
      expect(parseConnectionString('mysql://u:p@h/db?appName=a@b').password).toBe('p')
    })
  })

  describe('w', () => {
    it.each(['mysql', 'mariadb', 'cassandra'])(
      'refuses a tag-set mode name for %s://, naming w and the value',
      (scheme) => {
        const error = configError(() => parseConnectionString(`${scheme}://h/?w=abc`))
        expect(error.code).toBe(ErrorCode.InvalidOption)
        expect(error.message).toBe(
          `invalid value "abc" for option w: ${scheme}:// takes an integer ≥ 0 or majority ` +
            '(tag-set mode names are MongoDB only)',
        )
      },
    )

    it('takes numbers and majority everywhere, and mode names on MongoDB', () => {
      expect(parseConnectionString('mysql://h/?w=majority').options.w).toBe('majority')
      expect(parseConnectionString('cassandra://h/?w=2').options.w).toBe(2)
      expect(parseConnectionString('mongodb://h/?w=eastAndWest').options.w).toBe('eastAndWest')
    })

    it('warns and ignores a mode name for mysql:// in lenient mode', () => {
      const cs = parseConnectionString('mysql://h/?w=abc', { strict: false })
      expect(cs.options.w).toBeUndefined()
      expect(cs.warnings).toEqual([expect.stringContaining('for option w: mysql:// takes')])
    })
  })

  it('returns frozen results', () => {
    const cs = parseConnectionString('mysql://h/?readPreferenceTags=dc:ny&readPreference=secondary')
    expect(Object.isFrozen(cs)).toBe(true)
    expect(Object.isFrozen(cs.hosts[0])).toBe(true)
    expect(Object.isFrozen(cs.options)).toBe(true)
  })
})
