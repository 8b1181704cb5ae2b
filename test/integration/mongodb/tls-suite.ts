/**
 * The MongoDB adapter's TLS cases, run against each server that can do TLS here (FerretDB and the
 * simulator, `tls-ferretdb.test.ts` and `tls-sim.test.ts`): the right CA, a wrong CA, a hostname
 * mismatch and the options that relax each check (with their `warning`), a server that requires a
 * client certificate (plain and encrypted key), a plain client against a TLS-only server, and no
 * key material or password in any error, `inspect()` or event. Every failure must come at once:
 * `serverSelectionTimeoutMS` and `timeoutMS` are set far beyond the test's own timeout, so a
 * client that waited for them would fail the test instead of passing slowly.
 */
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'replicakit/mongodb'
import type { MongoConn } from 'replicakit/mongodb'
import { ErrorCode, isReplicaKitError } from '../../../src/index.js'
import type { ClientEventName, ReplicaKitClient, ReplicaKitError } from '../../../src/index.js'
import { CLIENT_KEY_PASSWORD, ensureTlsFiles, type TlsFiles } from '../../clusters/tls-certs.js'
import { recordEvents } from '../../fixtures/client-events.js'

/** Far beyond any test's timeout: a call that waited for these would time the test out. */
const NEVER_MS = 600_000

/** The servers one target starts: each URI has hosts (and `replicaSet`), no TLS options. */
export interface TlsServers {
  /** TLS only, the right server certificate; `credentials` (`user:pass@`) if it wants them. */
  readonly main: string
  /** TLS only, a certificate signed by the test CA but naming only `wrong.invalid`. */
  readonly mismatch: string
  /** TLS only, requires a client certificate signed by the test CA. */
  readonly clientCertificate: string
  /** `user:password@` for `main`, or '' when it has no authentication. */
  readonly credentials: string
  /** How many members `main` has (all of them must be seen over TLS). */
  readonly members: number
  stop(): Promise<void>
}

/** One server kind: its name and how to start its TLS servers. */
export interface TlsTarget {
  readonly name: string
  start(files: TlsFiles): Promise<TlsServers>
}

/** `uri` with `params` appended (`?` or `&`). */
export function withParams(uri: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString()
  if (query === '') return uri
  return `${uri}${uri.includes('?') ? '&' : '?'}${query}`
}

/** `mongodb://user:pass@rest` from `mongodb://rest`. */
function withCredentials(uri: string, credentials: string): string {
  return uri.replace('mongodb://', `mongodb://${credentials}`)
}

/** A client with every event it emits recorded (as text, for the secrets check). */
interface Recorded {
  readonly db: ReplicaKitClient<MongoConn>
  readonly events: { readonly name: ClientEventName; readonly payload: unknown }[]
  readonly warnings: string[]
}

/** Defines the TLS cases for `target` (a `describe` of its own). */
export function defineTlsSuite(target: TlsTarget): void {
  describe(`MongoDB adapter with TLS on ${target.name}`, () => {
    let files: TlsFiles
    let servers: TlsServers
    const clients: ReplicaKitClient<MongoConn>[] = []
    /** Every error and event text a case produced, checked for secrets at the end. */
    const seen: string[] = []
    let events = 0

    beforeAll(async () => {
      files = await ensureTlsFiles()
      servers = await target.start(files)
    })

    afterAll(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()))
      await servers.stop()
    })

    async function open(uri: string): Promise<Recorded> {
      const db = await connect(uri, {
        heartbeatFrequencyMS: 500,
        connectTimeoutMS: 5_000,
        serverSelectionTimeoutMS: NEVER_MS,
        timeoutMS: NEVER_MS,
      })
      clients.push(db)
      const recorded: Recorded = { db, events: [], warnings: [] }
      recordEvents(db, ({ name, payload }) => {
        recorded.events.push({ name, payload })
        events += 1
        // What a log would keep of the event.
        seen.push(`${name} ${inspect(payload, { depth: Infinity })}`)
        if (name === 'warning') recorded.warnings.push((payload as { message: string }).message)
      })
      return recorded
    }

    /** The client on `main` with the right CA, plus `params`. */
    function mainUri(params: Record<string, string> = {}): string {
      return withParams(withCredentials(servers.main, servers.credentials), {
        tls: 'true',
        tlsCAFile: files.ca,
        ...params,
      })
    }

    /** Runs a write and a read through `db`; resolves the count read back. */
    async function roundTrip(db: ReplicaKitClient<MongoConn>, tag: string): Promise<number> {
      await db.write(({ db: d }) => d.collection('tls').insertOne({ tag }))
      return db.read(({ db: d }) => d.collection('tls').countDocuments({ tag }))
    }

    /** `db.connect()` and a read both fail with `code`; returns the read's error. */
    async function expectRefused(
      recorded: Recorded,
      code: ErrorCode,
      message: RegExp,
    ): Promise<ReplicaKitError> {
      const connectError = await recorded.db.connect().catch((e: unknown) => e)
      expect(isReplicaKitError(connectError)).toBe(true)
      expect(connectError).toMatchObject({ code })
      expect((connectError as Error).message).toMatch(message)
      const readError = await recorded.db
        .read(({ db: d }) => d.collection('tls').countDocuments())
        .catch((e: unknown) => e)
      expect(isReplicaKitError(readError)).toBe(true)
      expect(readError).toMatchObject({ code })
      const writeError = await recorded.db
        .write(({ db: d }) => d.collection('tls').insertOne({ never: true }))
        .catch((e: unknown) => e)
      expect(writeError).toMatchObject({ code })
      for (const e of [connectError, readError, writeError]) {
        seen.push(String(e), inspect(e, { depth: Infinity }))
      }
      seen.push(inspect(recorded.db, { depth: Infinity }))
      return readError as ReplicaKitError
    }

    it('connects and queries with the right CA; every member is seen over TLS', async () => {
      const recorded = await open(mainUri())
      await recorded.db.connect()
      expect(await roundTrip(recorded.db, 'right-ca')).toBe(1)
      await expect
        .poll(() => recorded.db.topology().nodes.filter((n) => n.error === null).length)
        .toBe(servers.members)
      expect(recorded.warnings).toEqual([])
    })

    it('fails at once with TLS_CERTIFICATE_INVALID when the CA did not sign the server certificate', async () => {
      const recorded = await open(mainUri({ tlsCAFile: files.wrongCa }))
      const error = await expectRefused(
        recorded,
        ErrorCode.TlsCertificateInvalid,
        /could not be verified/,
      )
      expect(error.name).toBe('TlsError')
    })

    it('fails at once with TLS_HOSTNAME_MISMATCH when the certificate names another host', async () => {
      const recorded = await open(
        withParams(servers.mismatch, { tls: 'true', tlsCAFile: files.ca }),
      )
      await expectRefused(recorded, ErrorCode.TlsHostnameMismatch, /does not name that host/)
    })

    it('accepts that certificate with tlsAllowInvalidHostnames, and warns', async () => {
      const recorded = await open(
        withParams(servers.mismatch, {
          tls: 'true',
          tlsCAFile: files.ca,
          tlsAllowInvalidHostnames: 'true',
        }),
      )
      await recorded.db.connect()
      expect(await roundTrip(recorded.db, 'any-hostname')).toBe(1)
      expect(recorded.warnings.join('\n')).toMatch(/hostname verification is off/)
    })

    it.each([
      ['tlsAllowInvalidCertificates', { tlsAllowInvalidCertificates: 'true' }],
      ['tlsInsecure', { tlsInsecure: 'true' }],
    ])('accepts a certificate the CA did not sign with %s, and warns', async (_name, params) => {
      const recorded = await open(mainUri({ tlsCAFile: files.wrongCa, ...params }))
      await recorded.db.connect()
      expect(await roundTrip(recorded.db, `insecure-${_name}`)).toBe(1)
      expect(recorded.warnings.join('\n')).toMatch(/certificate verification is off/)
    })

    it('fails at once with TLS_HANDSHAKE_FAILED when the server requires a client certificate and gets none', async () => {
      const recorded = await open(
        withParams(servers.clientCertificate, { tls: 'true', tlsCAFile: files.ca }),
      )
      await expectRefused(recorded, ErrorCode.TlsHandshakeFailed, /client certificate/)
    })

    it.each([
      ['a plain key', (f: TlsFiles) => ({ tlsCertificateKeyFile: f.client })],
      [
        'an encrypted key and its password',
        (f: TlsFiles) => ({
          tlsCertificateKeyFile: f.clientEncrypted,
          tlsCertificateKeyFilePassword: CLIENT_KEY_PASSWORD,
        }),
      ],
    ])('authenticates with a client certificate with %s', async (_name, params) => {
      const recorded = await open(
        withParams(servers.clientCertificate, {
          tls: 'true',
          tlsCAFile: files.ca,
          ...params(files),
        }),
      )
      await recorded.db.connect()
      expect(await roundTrip(recorded.db, `client-cert-${_name}`)).toBe(1)
      seen.push(inspect(recorded.db, { depth: Infinity }))
    })

    it('refuses a wrong key password at connect() with INVALID_OPTION, naming neither password nor key', async () => {
      const error = await connect(
        withParams(servers.clientCertificate, {
          tls: 'true',
          tlsCAFile: files.ca,
          tlsCertificateKeyFile: files.clientEncrypted,
          tlsCertificateKeyFilePassword: 'not-the-password',
        }),
      ).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: ErrorCode.InvalidOption })
      expect((error as Error).message).toMatch(/tlsCertificateKeyFilePassword/)
      const text = `${String(error)}\n${inspect(error, { depth: Infinity })}`
      expect(text).not.toContain('not-the-password')
      seen.push(text)
    })

    it('tells a plain client that the server accepts only TLS (TLS_REQUIRED)', async () => {
      const recorded = await open(withCredentials(servers.main, servers.credentials))
      await expectRefused(recorded, ErrorCode.TlsRequired, /accepts only TLS/)
    })

    it('puts no key material or password in any error, inspect() or event', () => {
      const texts = [...seen]
      for (const db of clients) {
        texts.push(inspect(db, { depth: Infinity }), inspect(db.options, { depth: Infinity }))
        texts.push(JSON.stringify(db.options))
      }
      const keyLines = [files.clientKey, files.clientEncrypted]
        .flatMap((path) => readFileSync(path, 'utf8').split('\n'))
        .filter((line) => line.length >= 40 && !line.startsWith('-----'))
      const password = servers.credentials.split(':')[1]?.replace('@', '')
      const all = texts.join('\n')
      expect(all).not.toContain(CLIENT_KEY_PASSWORD)
      expect(all).not.toMatch(/PRIVATE KEY/)
      for (const line of keyLines) expect(all).not.toContain(line)
      if (password !== undefined && password !== '') expect(all).not.toContain(password)
      expect(events).toBeGreaterThan(0)
    })
  })
}
