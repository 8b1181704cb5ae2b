import { createServer, type Server } from 'node:net'
import { inspect } from 'node:util'
import cassandra from 'cassandra-driver'
import { afterEach, describe, expect, it } from 'vitest'
import {
  RedactedPlainTextAuthProvider,
  driverSslOptions,
  hostsThatHungUp,
  tlsRequiredError,
} from '../../../../adapters/cassandra/cassandra-tls.js'
import { speaksTls } from '../../../../src/tls/speaks-tls.js'
import type { TlsMaterial } from '../../../../src/adapter.js'

const { errors } = cassandra

function material(extra: Partial<TlsMaterial> = {}): TlsMaterial {
  return { rejectUnauthorized: true, verifyHostname: true, ...extra }
}

function hangUp(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code })
}

describe('driverSslOptions', () => {
  it('verifies certificates and hostnames unless told not to (the driver itself defaults to no check)', () => {
    const options = driverSslOptions(material())
    expect(options.rejectUnauthorized).toBe(true)
    expect(options.checkServerIdentity).toBeUndefined() // Node's own check
    expect(options.secureContext).toBeDefined()
  })

  it('passes the core’s relaxations through', () => {
    const skip = (): undefined => undefined
    const options = driverSslOptions(
      material({ rejectUnauthorized: false, verifyHostname: false, checkServerIdentity: skip }),
    )
    expect(options.rejectUnauthorized).toBe(false)
    expect(options.checkServerIdentity).toBe(skip)
  })

  it('keeps no key, certificate or password among the options (they are in the SecureContext)', () => {
    const options = driverSslOptions(material({ passphrase: 'pw-1b2c' }))
    expect(Object.keys(options).sort()).toEqual(['rejectUnauthorized', 'secureContext'])
    expect(inspect(options, { depth: 10 })).not.toContain('pw-1b2c')
  })

  it('fails with INVALID_OPTION for a CRL that is not PEM', () => {
    expect(() => driverSslOptions(material({ crl: Buffer.from('not a crl') }))).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    )
  })
})

describe('RedactedPlainTextAuthProvider', () => {
  it('authenticates like PlainTextAuthProvider but never shows the password', () => {
    const provider = new RedactedPlainTextAuthProvider('app', 'pw-9d8e')
    expect(provider).toBeInstanceOf(cassandra.auth.PlainTextAuthProvider)
    expect(inspect(provider, { depth: 10 })).not.toContain('pw-9d8e')
    expect(JSON.stringify(provider)).not.toContain('pw-9d8e')
    expect(inspect(provider)).toContain('app')
  })
})

describe('hostsThatHungUp', () => {
  it('lists the hosts that reset the connection or closed it, and only those', () => {
    const error = new errors.NoHostAvailableError({
      '127.0.0.1:9042': hangUp('ECONNRESET'),
      '127.0.0.2:9042': Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      // What the driver's DriverError carries (its typings make the class abstract).
      '127.0.0.3:9042': Object.assign(new Error('Socket was closed'), { name: 'DriverError' }),
      '127.0.0.4:9042': hangUp('EPIPE'),
    })
    expect(hostsThatHungUp(error)).toEqual(['127.0.0.1:9042', '127.0.0.3:9042', '127.0.0.4:9042'])
    expect(hostsThatHungUp(new Error('x'))).toEqual([])
    expect(hostsThatHungUp(undefined)).toEqual([])
  })
})

describe('speaksTls / tlsRequiredError', () => {
  let server: Server | undefined

  afterEach(async () => {
    const running = server
    server = undefined
    if (running !== undefined) await new Promise((resolve) => running.close(resolve))
  })

  /** A plain server that resets every connection at its first bytes, as a TLS-less peer might. */
  async function plainServer(): Promise<string> {
    server = createServer((socket) => {
      socket.once('data', () => socket.resetAndDestroy())
    })
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    return `127.0.0.1:${address.port}`
  }

  it('says a server that resets a TLS handshake does not speak TLS, so the error stands', async () => {
    const address = await plainServer()
    const [host, port] = address.split(':')
    expect(await speaksTls(host ?? '', Number(port), 2_000)).toBe(false)
    const error = new errors.NoHostAvailableError({ [address]: hangUp('ECONNRESET') })
    expect(await tlsRequiredError(error, 2_000)).toBeUndefined()
  })

  it('asks nothing when no host hung up', async () => {
    const error = new errors.NoHostAvailableError({
      '127.0.0.1:1': Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    })
    expect(await tlsRequiredError(error, 2_000)).toBeUndefined()
  })
})
