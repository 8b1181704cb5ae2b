import { z } from 'zod'
import type { Backend } from '../backend.js'
import { ErrorCode } from '../errors/errors.js'
import { findOptionConflict } from './option-conflicts.js'
import { IssueSink } from './issue-sink.js'
import type { OptionName, OptionValues } from './option-table.js'
import { OPTION_BY_URI_KEY, OPTION_TABLE } from './option-table.js'
import type { Scheme } from './scheme.js'
import { isScheme, SCHEMES } from './scheme.js'
import { suggestionFor } from './suggest.js'
import { wProblemFor } from './w-for-backend.js'
import type { UriCredentials, UriHost } from './uri-authority.js'
import {
  checkDatabaseName,
  decodeComponent,
  parseHosts,
  parseUserInfo,
  unescapedInUserInfo,
  USERINFO_ENCODE_HINT,
} from './uri-authority.js'

export { redactUri } from './redact-uri.js'
export { UriHostKind } from './uri-authority.js'
export type { UriHost } from './uri-authority.js'

/** A parsed connection string: its parts, and the options it gives (validated, no defaults). */
export interface ConnectionString extends UriCredentials {
  readonly scheme: Scheme
  readonly backend: Backend
  /** The seed list, in URI order. */
  readonly hosts: readonly UriHost[]
  /** The path: MongoDB's auth database, the MySQL database, the Cassandra keyspace. Percent-decoded. */
  readonly database?: string
  /** The options the URI gives, by canonical name, validated; defaults are not filled in. */
  readonly options: OptionValues
  /** Lenient mode only: what was ignored and why (strict mode throws instead). */
  readonly warnings: readonly string[]
}

/** How to parse a connection string. */
export interface ParseConnectionStringOptions {
  /**
   * `true` (default): an unknown option, an invalid value or a repeated key is a `ConfigError`.
   * `false`: it is a warning and the option is ignored, as the MongoDB connection string spec says.
   * Structural errors and option conflicts are errors in both modes.
   */
  readonly strict?: boolean
}

const SCHEME_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//
const SUPPORTED = 'use mongodb://, mysql://, mariadb:// or cassandra://'

/**
 * Parses a `mongodb://`, `mongodb+srv://`, `mysql://`, `mariadb://` or `cassandra://` connection
 * string: several hosts (IPv6 in brackets, percent-encoded unix socket paths), percent-decoded
 * credentials, the database in the path, and the options of docs/options.md (MongoDB's URI option
 * names, case-insensitive, for every scheme).
 *
 * ```ts
 * const cs = parseConnectionString('mysql://app:s%40cret@10.0.0.1,10.0.0.2:3307/shop?readPreference=secondary')
 * cs.hosts    // [{ kind: 'ipv4', host: '10.0.0.1' }, { kind: 'ipv4', host: '10.0.0.2', port: 3307 }]
 * cs.password // 's@cret'
 * ```
 *
 * @throws ConfigError `INVALID_URI` (structure), `UNSUPPORTED_BACKEND` (scheme), `INVALID_OPTION`
 *   (strict mode: unknown option, bad value, repeated key) or `CONFLICTING_OPTIONS`. Messages name
 *   the option and value, never a password.
 * @see https://github.com/mongodb/specifications/blob/master/source/connection-string/connection-string-spec.md
 */
export function parseConnectionString(
  uri: string,
  options: ParseConnectionStringOptions = {},
): ConnectionString {
  const sink = new IssueSink(options.strict ?? true)
  // Callers without types may pass anything; the value itself is not shown (it may hold a secret).
  if (typeof uri !== 'string') {
    sink.fail(
      ErrorCode.InvalidUri,
      `the connection string must be a string, but ${describeType(uri)} was given; pass a URI such as mysql://user@host1,host2/db (${SUPPORTED})`,
    )
  }
  if (uri.trim() === '') {
    sink.fail(
      ErrorCode.InvalidUri,
      `the connection string is empty; ${SUPPORTED}, e.g. mysql://user@host1,host2/db`,
    )
  }
  const match = SCHEME_PREFIX.exec(uri)
  const scheme = match?.[1]?.toLowerCase()
  if (match === null || scheme === undefined) {
    return sink.fail(
      ErrorCode.InvalidUri,
      `the connection string must start with scheme://; ${SUPPORTED}`,
    )
  }
  if (!isScheme(scheme)) {
    return sink.fail(
      ErrorCode.UnsupportedBackend,
      `scheme ${sink.show(scheme)} is not supported; ${SUPPORTED}`,
    )
  }
  const { backend } = SCHEMES[scheme]
  const rest = uri.slice(match[0].length)
  const authorityEnd = rest.search(/[/?]/)
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd)
  const tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd)
  const at = authority.lastIndexOf('@')
  // An "@" after the authority means a password holding "/" or "?" (or an "@" in an option): the
  // split may be wrong, so no message may quote a fragment that could be part of the password.
  if (tail.includes('@')) sink.stopQuoting()
  if (at === -1 && hasUserInfoAt(tail)) {
    // "user:pa?ss@host": the "?" (or "/") cut the user information short, so the "@" that ends it
    // is past the authority and the host list is "user:pa".
    const cutBy = rest.charAt(authorityEnd)
    sink.fail(ErrorCode.InvalidUri, unescapedInUserInfo(cutBy, authority.includes(':')))
  }
  const credentials = at === -1 ? {} : parseUserInfo(authority.slice(0, at), sink)

  const queryStart = tail.indexOf('?')
  const path = tail.startsWith('/') ? tail.slice(1, queryStart === -1 ? undefined : queryStart) : ''
  if (path.includes('@')) {
    sink.fail(
      ErrorCode.InvalidUri,
      `the user information or a host contains an unescaped "/"; ${USERINFO_ENCODE_HINT}`,
    )
  }
  const hosts = parseHosts(authority.slice(at + 1), scheme, sink)
  const database = path === '' ? undefined : decodeComponent(path, 'the database name', sink)
  if (database !== undefined) checkDatabaseName(database, backend, sink)
  const values = parseOptions(queryStart === -1 ? '' : tail.slice(queryStart + 1), scheme, sink)
  const conflict = findOptionConflict(values, { scheme, hostCount: hosts.length })
  if (conflict !== undefined) throw sink.error(conflict.code, conflict.message, conflict.cause)
  return Object.freeze({
    scheme,
    backend,
    hosts: Object.freeze(hosts.map((host) => Object.freeze(host))),
    ...credentials,
    ...(database !== undefined ? { database } : {}),
    options: values,
    warnings: sink.warnings,
  })
}

/**
 * Whether `tail` (the URI after the authority) holds an "@" that cannot be part of an option value:
 * one in the path, or one in a query pair before its "=". Such an "@" ends user information that an
 * unescaped "/" or "?" cut short.
 */
function hasUserInfoAt(tail: string): boolean {
  const queryStart = tail.indexOf('?')
  for (let i = tail.indexOf('@'); i !== -1; i = tail.indexOf('@', i + 1)) {
    if (queryStart === -1 || i < queryStart) return true
    const pairStart = Math.max(tail.lastIndexOf('&', i), queryStart)
    if (!tail.slice(pairStart + 1, i).includes('=')) return true
  }
  return false
}

/** What kind of value `value` is, in words, without showing it (`a number`, `null`, `an object`). */
function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'nothing (undefined)'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof URL) return 'a URL object (pass its href)'
  const type = typeof value
  return type === 'object' ? 'an object' : `a ${type}`
}

interface Occurrence {
  /** The key as written (for messages). */
  readonly key: string
  readonly value: string
}

function parseOptions(query: string, scheme: Scheme, sink: IssueSink): OptionValues {
  registerSecretValues(query, sink)
  const occurrences = new Map<OptionName, Occurrence[]>()
  for (const pair of query.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    if (eq === -1) {
      sink.fail(
        ErrorCode.InvalidUri,
        `option ${sink.show(pair)} has no value; write key=value pairs joined by &`,
      )
    }
    const key = decodeComponent(pair.slice(0, eq), 'an option name', sink)
    const name = OPTION_BY_URI_KEY.get(key.toLowerCase())
    const value = decodeComponent(pair.slice(eq + 1), `the value of option ${sink.show(key)}`, sink)
    if (name === undefined) {
      sink.issue(
        ErrorCode.InvalidOption,
        `unknown option ${sink.show(key)}${suggestionFor(key)} (see docs/options.md)`,
      )
      continue
    }
    occurrences.set(name, [...(occurrences.get(name) ?? []), { key, value }])
  }
  const values: Partial<Record<OptionName, unknown>> = {}
  for (const [name, list] of occurrences) {
    const value = optionValue(name, list, sink)
    if (value === undefined) continue
    // Checked here, not at the first write: a tag-set mode name means nothing to MySQL or Cassandra.
    const problem = name === 'w' ? wProblemFor(value, scheme, (text) => sink.show(text)) : undefined
    if (problem === undefined) values[name] = value
    else sink.issue(ErrorCode.InvalidOption, problem)
  }
  return Object.freeze(values) as OptionValues
}

/** Registers the values of secret options first, so no message about any option can show them. */
function registerSecretValues(query: string, sink: IssueSink): void {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=')
    const name =
      eq === -1 ? undefined : OPTION_BY_URI_KEY.get(safeDecode(pair.slice(0, eq)).toLowerCase())
    if (name === undefined || !OPTION_TABLE[name].secret) continue
    sink.addSecret(pair.slice(eq + 1))
    sink.addSecret(safeDecode(pair.slice(eq + 1)))
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The validated value of one option from all its occurrences, or `undefined` when it is ignored. */
function optionValue(name: OptionName, list: readonly Occurrence[], sink: IssueSink): unknown {
  const row = OPTION_TABLE[name]
  const count = list.length
  if (row.repeat === 'once' && count > 1) {
    sink.fail(
      ErrorCode.InvalidOption,
      `option ${name} is given ${String(count)} times; give it once`,
    )
  }
  if (row.repeat === 'list') {
    const elements = list
      .map((occurrence) => candidate(name, occurrence, sink))
      .filter((e) => e !== undefined)
    return elements.length === 0 ? undefined : validated(name, row.collect(elements), list, sink)
  }
  if (row.repeat === 'last' && count > 1) {
    sink.issue(ErrorCode.InvalidOption, {
      error: `option ${name} is given ${String(count)} times: give it once`,
      warning: `option ${name} is given ${String(count)} times; give it once (the last one is used)`,
    })
  }
  const last = list[count - 1]
  if (row.repeat !== 'agree' || last === undefined) {
    return last === undefined
      ? undefined
      : validated(name, candidate(name, last, sink), [last], sink)
  }
  // tls and its alias ssl: every occurrence must say the same.
  const all = list.map((occurrence) =>
    validated(name, candidate(name, occurrence, sink), [occurrence], sink),
  )
  const distinct = new Set(all.filter((value) => value !== undefined))
  if (distinct.size > 1) {
    sink.fail(
      ErrorCode.ConflictingOptions,
      `${list.map((o) => `${o.key}=${o.value}`).join(' and ')} disagree; every ${[name, ...row.aliases].join('/')} key must have the same value`,
    )
  }
  return [...distinct][0]
}

/** One occurrence's text turned into a candidate value (not yet range-checked). */
function candidate(name: OptionName, occurrence: Occurrence, sink: IssueSink): unknown {
  const row = OPTION_TABLE[name]
  if (occurrence.value === '' && row.repeat !== 'list') {
    sink.issue(ErrorCode.InvalidOption, {
      error: `option ${name} has an empty value: give ${row.allowed}${row.unit === 'ms' || row.unit === 'seconds' ? ` (${row.unit})` : ''}, or remove it`,
      warning: `option ${name} has an empty value and is ignored; allowed: ${row.allowed}`,
    })
    return undefined
  }
  const parsed = row.fromUri.safeParse(occurrence.value)
  if (parsed.success) return parsed.data
  invalidValue(name, [occurrence], parsed.error, sink)
  return undefined
}

function validated(
  name: OptionName,
  value: unknown,
  list: readonly Occurrence[],
  sink: IssueSink,
): unknown {
  if (value === undefined) return undefined
  const row = OPTION_TABLE[name]
  const parsed = (row.schema as z.ZodType).safeParse(value)
  if (parsed.success) return parsed.data
  invalidValue(name, list, parsed.error, sink)
  return undefined
}

function invalidValue(
  name: OptionName,
  list: readonly Occurrence[],
  error: z.ZodError,
  sink: IssueSink,
): void {
  const row = OPTION_TABLE[name]
  const shown = list.map((o) => sink.show(o.value, row.secret)).join(', ')
  sink.issue(
    ErrorCode.InvalidOption,
    `invalid value ${shown} for option ${name} (${z.prettifyError(error).replaceAll('\n', ' ')}); allowed: ${row.allowed}`,
    error,
  )
}
