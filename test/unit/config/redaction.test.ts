import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { ClientOptions } from '../../../src/config/options.js'
import { resolveOptions } from '../../../src/config/options.js'
import { parseConnectionString, redactUri } from '../../../src/config/uri.js'

/** The secret every case below hides somewhere; it must never come out. */
const PASSWORD = 'Sup3r-S3cret'
/** A password with every character that must be percent-encoded in a URI. */
const SPECIAL = 'p@ss:w/rd?x%y'
const SPECIAL_ENCODED = encodeURIComponent(SPECIAL)

/** Every form in which a secret could leak. */
const FORBIDDEN = [PASSWORD, SPECIAL, SPECIAL_ENCODED, 'w/rd?x', 'ss:w', 'rd?x%y', 'ss/x']

const MALFORMED_URIS = [
  `mongodb://alice:${PASSWORD}@@h`,
  `mongodb://alice:${PASSWORD}:extra@h`,
  `mongodb://alice:${PASSWORD}%zz@h`,
  `mongodb://alice:${PASSWORD}/x@h/db`,
  `mongodb://alice:${PASSWORD}?x@h/db`,
  `mongodb://alice:x/${PASSWORD}@h/db`,
  `mongodb://alice:${PASSWORD}@h:0`,
  `mongodb://alice:${PASSWORD}@h,,h2`,
  `mongodb://alice:${PASSWORD}@h/bad$db`,
  `mysql://alice:${PASSWORD}@h/?unknownOption=${PASSWORD}`,
  `mysql://alice:${PASSWORD}@h/?maxPoolSize=${PASSWORD}`,
  `mysql://alice:${PASSWORD}@h/?readPreference=${PASSWORD}`,
  `mysql://alice:${PASSWORD}@h/?heartbeatTable=${PASSWORD};drop`,
  `mysql://alice:${PASSWORD}@h/?appName=${PASSWORD}&appName=${PASSWORD}`,
  `mysql://alice:${PASSWORD}@h/?w=0&journal=true`,
  `mysql://alice:${PASSWORD}@h/?readPreferenceTags=dc:${PASSWORD}`,
  `mysql://alice:${PASSWORD}@h/?nodeTags=${PASSWORD}`,
  `mysql://alice:${PASSWORD}@h/?${PASSWORD}`,
  `mongodb://h/?zlibCompressionLevel=${PASSWORD}&proxyHost=p&proxyUsername=u&proxyPassword=${PASSWORD}`,
  `mongodb://h/?proxyPassword=${PASSWORD}&proxyPassword=${PASSWORD}`,
  `mongodb://h/?proxyPassword=${PASSWORD}`,
  `mongodb://h/?tlsCertificateKeyFilePassword=${PASSWORD}&tls=false`,
  `mongodb://h/?tlsCertificateKeyFilePassword=${PASSWORD}&tlsCertificateKeyFilePassword=x`,
  `mongodb://h/?tls=true&tlsCertificateKeyFilePassword=${PASSWORD}&maxConnecting=${PASSWORD}`,
  `mongodb+srv://alice:${PASSWORD}@a.example.com`,
  `mongodb://alice:${PASSWORD}@%2Ftmp%2Fm.sock`,
  `postgres://alice:${PASSWORD}@h`,
  `mongodb://alice:${SPECIAL}@h`,
  `mongodb://alice:${SPECIAL}@h/db`,
  `mongodb://alice:p@ss/x@h/db`,
  `mongodb://alice:${SPECIAL_ENCODED}@h:99999`,
  `mongodb://alice:${SPECIAL_ENCODED}@h/?maxPoolSize=${SPECIAL_ENCODED}`,
  `mongodb://alice:${SPECIAL_ENCODED}@h/?appName=${SPECIAL_ENCODED}&appName=x`,
  `mongodb://alice:${SPECIAL_ENCODED}@h1,h2/?directConnection=true`,
]

const BAD_OPTIONS: readonly ClientOptions[] = [
  { password: PASSWORD, maxRetries: PASSWORD as unknown as number },
  { password: PASSWORD, appName: '' },
  { password: PASSWORD, nodeTags: { [`${PASSWORD}:0`]: { dc: 'x' } } },
  { password: PASSWORD, readPreference: PASSWORD as never },
  { password: PASSWORD, directConnection: true },
  {
    password: 12345 as unknown as string,
    proxyPassword: PASSWORD,
    zlibCompressionLevel: PASSWORD as never,
  },
  { tlsCertificateKeyFilePassword: PASSWORD, tls: false },
  { password: SPECIAL, w: -1 },
]

/** Everything an error shows: message, `String`, stack, JSON, inspect, and the same for its causes. */
function renderings(error: unknown): string[] {
  const texts: string[] = []
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    texts.push(
      current.message,
      String(current),
      current.stack ?? '',
      JSON.stringify(current),
      inspect(current),
    )
    current = current.cause
  }
  return texts
}

function caught(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error: unknown) {
    return error
  }
  throw new Error('expected an error')
}

function expectNoSecret(texts: readonly string[]): void {
  for (const text of texts) for (const secret of FORBIDDEN) expect(text).not.toContain(secret)
}

describe('secrets never appear in errors', () => {
  it.each(MALFORMED_URIS.map((uri) => [redactUri(uri), uri]))(
    'resolveOptions(%s)',
    (_shown, uri) => {
      const error = caught(() => resolveOptions(uri))
      expectNoSecret(renderings(error))
    },
  )

  it.each(MALFORMED_URIS.map((uri) => [redactUri(uri), uri]))(
    'lenient parse of %s',
    (_shown, uri) => {
      let texts: string[]
      try {
        texts = [...parseConnectionString(uri, { strict: false }).warnings]
      } catch (error: unknown) {
        texts = renderings(error)
      }
      expectNoSecret(texts)
    },
  )

  it.each(BAD_OPTIONS.map((options, i) => [i, options]))(
    'programmatic options #%i',
    (_i, options) => {
      const uri = options.directConnection === true ? 'mysql://h1,h2' : 'mysql://h'
      expectNoSecret(renderings(caught(() => resolveOptions(uri, options))))
    },
  )

  it('an error names the option even when its value is hidden', () => {
    const error = caught(() =>
      resolveOptions(`mysql://alice:${PASSWORD}@h/?maxPoolSize=${PASSWORD}`),
    )
    expect(String(error)).toContain('maxPoolSize')
    expect(String(error)).toContain('*****')
  })
})

describe('redactUri', () => {
  it.each(MALFORMED_URIS)('hides the password of %#', (uri) => {
    expectNoSecret([redactUri(uri)])
  })

  it.each([
    ['mysql://app:s3cret@db1,db2/shop?w=majority', 'mysql://app:*****@db1,db2/shop?w=majority'],
    ['mongodb://alice@h/?replicaSet=rs', 'mongodb://alice@h/?replicaSet=rs'],
    ['mongodb://h:27017/?replicaSet=my@rs', 'mongodb://h:27017/?replicaSet=my@rs'],
    ['mongodb://[::1]:27017/?appName=a@b', 'mongodb://[::1]:27017/?appName=a@b'],
    ['mongodb://a:b@h/admin?replicaset=my@rs', 'mongodb://a:*****@h/admin?replicaset=my@rs'],
    [
      'mongodb://h/?proxyHost=p&proxyPassword=pw&w=1',
      'mongodb://h/?proxyHost=p&proxyPassword=*****&w=1',
    ],
    ['not a uri password=hunter2', 'not a uri password=*****'],
  ])('turns %s into %s', (uri, expected) => {
    expect(redactUri(uri)).toBe(expected)
  })
})

describe('ResolvedOptions never print secrets', () => {
  it('hides the password and secret options in JSON and inspect', () => {
    const resolved = resolveOptions(
      `mongodb://alice:${SPECIAL_ENCODED}@h/?tlsCertificateKeyFilePassword=${PASSWORD}`,
    )
    expect(resolved.password).toBe(SPECIAL)
    expectNoSecret([
      JSON.stringify(resolved),
      inspect(resolved, { depth: 9 }),
      JSON.stringify({ resolved }),
    ])
  })
})
