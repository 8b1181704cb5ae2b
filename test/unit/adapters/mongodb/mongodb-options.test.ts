import { ReadConcern, ReadPreference } from 'mongodb'
import { describe, expect, it } from 'vitest'
import {
  intentDbOptions,
  toMongoClientConfig,
  toReadPreference,
  toWriteConcern,
} from '../../../../adapters/mongodb/mongodb-options.js'
import type { CallIntent } from '../../../../src/adapter.js'
import { resolveOptions } from '../../../../src/config/options.js'

describe('toMongoClientConfig', () => {
  it('keeps credentials out of the URI and carries the seeds and auth database', () => {
    const { uri, options } = toMongoClientConfig(
      resolveOptions('mongodb://app:s3cret@H1:27017,h2:27018/shop?replicaSet=rs0&authSource=admin'),
    )
    expect(uri).toBe('mongodb://h1:27017,h2:27018/shop')
    expect(uri).not.toContain('s3cret')
    expect(options).toMatchObject({
      replicaSet: 'rs0',
      auth: { username: 'app', password: 's3cret' },
      authSource: 'admin',
    })
  })

  it('translates the core options 1:1', () => {
    const { options } = toMongoClientConfig(
      resolveOptions(
        'mongodb://h1,h2/?replicaSet=rs0&heartbeatFrequencyMS=2000&serverSelectionTimeoutMS=3000' +
          '&localThresholdMS=20&connectTimeoutMS=4000&socketTimeoutMS=5000&maxPoolSize=7' +
          '&minPoolSize=1&maxIdleTimeMS=60000&retryReads=false&retryWrites=false&appName=shop' +
          '&w=majority&wtimeoutMS=2500&journal=true&readConcernLevel=majority' +
          '&readPreference=secondary&readPreferenceTags=dc:east&readPreferenceTags=&maxStalenessSeconds=120' +
          '&compressors=zlib&zlibCompressionLevel=3&maxConnecting=4&waitQueueTimeoutMS=900' +
          '&serverMonitoringMode=poll',
      ),
    )
    expect(options).toMatchObject({
      heartbeatFrequencyMS: 2000,
      serverSelectionTimeoutMS: 3000,
      localThresholdMS: 20,
      connectTimeoutMS: 4000,
      socketTimeoutMS: 5000,
      maxPoolSize: 7,
      minPoolSize: 1,
      maxIdleTimeMS: 60000,
      retryReads: false,
      retryWrites: false,
      appName: 'shop',
      writeConcern: { w: 'majority', wtimeoutMS: 2500, journal: true },
      compressors: ['zlib'],
      zlibCompressionLevel: 3,
      maxConnecting: 4,
      waitQueueTimeoutMS: 900,
      serverMonitoringMode: 'poll',
    })
    expect(options.readConcern).toEqual(new ReadConcern('majority'))
    const rp = options.readPreference as ReadPreference
    expect(rp.mode).toBe('secondary')
    expect(rp.tags).toEqual([{ dc: 'east' }, {}])
    expect(rp.maxStalenessSeconds).toBe(120)
    expect(options).not.toHaveProperty('timeoutMS')
  })

  it('passes TLS settings only when TLS is on, and loadBalanced in the URI', () => {
    const plain = toMongoClientConfig(resolveOptions('mongodb://h1/?replicaSet=rs0'))
    expect(plain.options).not.toHaveProperty('tls')
    expect(plain.options).not.toHaveProperty('auth')
    const resolved = resolveOptions(
      'mongodb://h1/?tls=true&tlsCAFile=/ca.pem&tlsAllowInvalidHostnames=true',
    )
    const ca = Buffer.from('CA PEM')
    const tls = toMongoClientConfig(resolved, {
      ca,
      rejectUnauthorized: true,
      verifyHostname: false,
    })
    expect(tls.options).toMatchObject({
      tls: true,
      ca,
      tlsAllowInvalidHostnames: true,
      tlsAllowInvalidCertificates: false,
    })
    // The files were read by loadTlsMaterial: the driver gets their content, never their names.
    expect(tls.options).not.toHaveProperty('tlsCAFile')
    expect(tls.options).not.toHaveProperty('cert')
    const lb = toMongoClientConfig(resolveOptions('mongodb://lb:27017/?loadBalanced=true'))
    expect(lb.uri).toBe('mongodb://lb:27017/?loadBalanced=true')
  })

  it('hands the client certificate, its key and the key password to the driver as TLS options', () => {
    const resolved = resolveOptions(
      'mongodb://h1/?tlsCertificateKeyFile=/client.pem&tlsCertificateKeyFilePassword=pw&tlsInsecure=true',
    )
    const pem = Buffer.from('CERT AND KEY PEM')
    const { options } = toMongoClientConfig(resolved, {
      cert: pem,
      key: pem,
      passphrase: 'pw',
      rejectUnauthorized: false,
      verifyHostname: false,
    })
    expect(options).toMatchObject({
      tls: true,
      cert: pem,
      key: pem,
      passphrase: 'pw',
      tlsAllowInvalidCertificates: true,
      tlsAllowInvalidHostnames: true,
    })
    expect(options).not.toHaveProperty('tlsCertificateKeyFile')
    expect(options).not.toHaveProperty('tlsCertificateKeyFilePassword')
    expect(options).not.toHaveProperty('tlsInsecure')
  })
})

describe('intentDbOptions', () => {
  const read: CallIntent = {
    kind: 'read',
    readPreference: { mode: 'nearest', tags: [{ dc: 'west' }], maxStalenessSeconds: 90 },
    writeConcern: {},
    readConcern: { level: 'local' },
    idempotent: false,
  }

  it('turns a read intent into a ReadPreference with tags and max staleness', () => {
    const options = intentDbOptions(read)
    const rp = options.readPreference as ReadPreference
    expect(rp).toBeInstanceOf(ReadPreference)
    expect(rp.mode).toBe('nearest')
    expect(rp.tags).toEqual([{ dc: 'west' }])
    expect(rp.maxStalenessSeconds).toBe(90)
    expect(options.readConcern).toEqual(new ReadConcern('local'))
    expect(options).not.toHaveProperty('writeConcern')
  })

  it('turns a write intent into the primary with its write concern', () => {
    const options = intentDbOptions({
      ...read,
      kind: 'write',
      readPreference: { mode: 'primary' },
      writeConcern: { w: 2, wtimeoutMS: 300 },
      readConcern: {},
    })
    expect((options.readPreference as ReadPreference).mode).toBe('primary')
    expect(options.writeConcern).toEqual({ w: 2, wtimeoutMS: 300 })
    expect(options).not.toHaveProperty('readConcern')
  })
})

describe('toReadPreference and toWriteConcern', () => {
  it('keep absent fields absent', () => {
    expect(toReadPreference({ mode: 'secondaryPreferred' }).tags).toBeUndefined()
    expect(toReadPreference({ mode: 'secondaryPreferred' }).maxStalenessSeconds).toBeUndefined()
    expect(toWriteConcern({})).toBeUndefined()
    expect(toWriteConcern({ w: 0 })).toEqual({ w: 0 })
  })
})
