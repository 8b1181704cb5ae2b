/**
 * The price of TLS at connection time: connect + log in + first query on a new connection each
 * time, plain TCP against TLS, with the `ssl` option the ReplicaKit MySQL adapter builds from the
 * same `tls*` options (`createMysqlSsl`). Two TLS variants: the adapter's (one `ssl` object for every
 * connection, so mysql2 may resume the TLS session of an earlier connection to the node) and a full
 * handshake every time (a fresh `ssl` object per connection). The samples of the three variants are
 * interleaved, so a noisy machine slows them alike; the ratios are what to read.
 */
import mysql from 'mysql2/promise'
import { createMysqlSsl } from '../adapters/mysql/mysql-tls.js'
import { resolveOptions } from '../src/config/options.js'
import { ratio, round, roundOrder, summarizeLatencies, type LatencySummary } from './stats.js'

/** The ways a new connection is opened. */
export const HANDSHAKE_VARIANTS = Object.freeze(['plain', 'tls', 'tls-full'] as const)
/** One of {@link HANDSHAKE_VARIANTS}. */
export type HandshakeVariant = (typeof HANDSHAKE_VARIANTS)[number]

/** The part of a TLS socket read here. */
interface TlsLike {
  isSessionReused?(): boolean
}

/** What {@link measureHandshakes} needs. */
export interface HandshakeOptions {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  readonly database: string
  /** The test CA (`tlsCAFile`). */
  readonly caFile: string
  /** Connections per variant. */
  readonly samples: number
  readonly signal: AbortSignal
}

/** One variant's connections. */
export interface HandshakeVariantSummary {
  readonly variant: HandshakeVariant
  /** connect + login + `SELECT 1`, in ms. */
  readonly latency: LatencySummary
  /** Connections whose TLS session was resumed from an earlier one (TLS variants only). */
  readonly resumed: number
}

/** The handshake section of the report. */
export interface HandshakeReport {
  readonly samplesPerVariant: number
  readonly variants: readonly HandshakeVariantSummary[]
  /** TLS (as the adapter connects) / plain, medians and p99s: above 1 = TLS slower. */
  readonly tlsVsPlain: { readonly p50: number | null; readonly p99: number | null }
  /** A full TLS handshake every time / plain. */
  readonly tlsFullVsPlain: { readonly p50: number | null; readonly p99: number | null }
}

/** Opens `samples` new connections per variant, interleaved, and times each. */
export async function measureHandshakes(options: HandshakeOptions): Promise<HandshakeReport> {
  const tls = resolveOptions(`mysql://h/db?tls=true&tlsCAFile=${options.caFile}`).tls
  const shared = createMysqlSsl(tls)
  const base = {
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    database: options.database,
    connectTimeout: 5_000,
  }
  const samples = new Map<HandshakeVariant, number[]>(HANDSHAKE_VARIANTS.map((v) => [v, []]))
  const resumed = new Map<HandshakeVariant, number>(HANDSHAKE_VARIANTS.map((v) => [v, 0]))
  for (let i = 0; i < options.samples && !options.signal.aborted; i += 1) {
    for (const variant of roundOrder(HANDSHAKE_VARIANTS, i)) {
      const ssl = variant === 'plain' ? undefined : variant === 'tls' ? shared : createMysqlSsl(tls)
      const startMS = performance.now()
      const conn = await mysql.createConnection({ ...base, ...(ssl === undefined ? {} : { ssl }) })
      await conn.query('SELECT 1')
      samples.get(variant)!.push(performance.now() - startMS)
      const core = (conn as unknown as { connection?: { stream?: TlsLike } }).connection
      const stream = core?.stream
      if (stream?.isSessionReused?.() === true) resumed.set(variant, resumed.get(variant)! + 1)
      await conn.end()
    }
  }
  const variants = HANDSHAKE_VARIANTS.map((variant) => ({
    variant,
    latency: summarizeLatencies(samples.get(variant)!),
    resumed: resumed.get(variant)!,
  }))
  const of = (v: HandshakeVariant) => variants.find((s) => s.variant === v)!.latency
  const versus = (a: LatencySummary, b: LatencySummary) => ({
    p50: round(ratio(a.p50MS, b.p50MS)),
    p99: round(ratio(a.p99MS, b.p99MS)),
  })
  return {
    samplesPerVariant: options.samples,
    variants,
    tlsVsPlain: versus(of('tls'), of('plain')),
    tlsFullVsPlain: versus(of('tls-full'), of('plain')),
  }
}
