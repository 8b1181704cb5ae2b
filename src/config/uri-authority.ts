import { ErrorCode } from '../errors/error-codes.js'
import { parseNodeAddress } from '../topology/node-address.js'
import type { IssueSink } from './issue-sink.js'
import type { Scheme } from './scheme.js'
import { SRV_SCHEME } from './scheme.js'

/** How a host in a connection string is written (the connection string spec's host types). */
export const UriHostKind = {
  Hostname: 'hostname',
  IPv4: 'ipv4',
  /** An IPv6 literal, written in brackets. */
  IPLiteral: 'ip_literal',
  /** A percent-encoded unix domain socket path ending in `.sock`. */
  Unix: 'unix',
} as const

/** One of the values of {@link UriHostKind}. */
export type UriHostKind = (typeof UriHostKind)[keyof typeof UriHostKind]

/** One host of a connection string, as written. */
export interface UriHost {
  readonly kind: UriHostKind
  /** Lower-cased host name or address (IPv6 without brackets); a unix socket path as written. */
  readonly host: string
  /** The port, when the URI gives one (the scheme's default applies otherwise). */
  readonly port?: number
}

/** The user name and password of a connection string, percent-decoded. */
export interface UriCredentials {
  readonly username?: string
  readonly password?: string
}

const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const ENCODE_HINT =
  'percent-encode the user name and password ("@" as %40, ":" as %3A, "/" as %2F, "?" as %3F, "%" as %25)'

/**
 * Percent-decodes one component of a connection string, failing with `INVALID_URI` on a `%` that
 * does not start a `%XX` escape or on bytes that are not UTF-8.
 *
 * @internal
 */
export function decodeComponent(text: string, what: string, sink: IssueSink): string {
  if (BAD_PERCENT.test(text)) {
    sink.fail(
      ErrorCode.InvalidUri,
      `${what} contains a "%" that does not start a %XX escape; write "%" as %25`,
    )
  }
  try {
    return decodeURIComponent(text)
  } catch {
    return sink.fail(
      ErrorCode.InvalidUri,
      `${what} contains a percent-encoded sequence that is not UTF-8`,
    )
  }
}

/**
 * Splits and decodes the user information (`user[:password]`). The password is registered with
 * `sink` before anything else can fail, and no message quotes any of it.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/connection-string/connection-string-spec.md#userinfo-optional
 * @internal
 */
export function parseUserInfo(userinfo: string, sink: IssueSink): UriCredentials {
  const colon = userinfo.indexOf(':')
  const rawUser = colon === -1 ? userinfo : userinfo.slice(0, colon)
  const rawPassword = colon === -1 ? undefined : userinfo.slice(colon + 1)
  sink.addSecret(rawPassword)
  if (userinfo.includes('@')) {
    const inPassword = rawPassword?.includes('@') === true
    sink.fail(ErrorCode.InvalidUri, unescapedInUserInfo('@', inPassword))
  }
  if (rawPassword?.includes(':') === true) {
    sink.fail(ErrorCode.InvalidUri, unescapedInUserInfo(':', true))
  }
  const username = decodeComponent(rawUser, 'the user name', sink)
  const password =
    rawPassword === undefined ? undefined : decodeComponent(rawPassword, 'the password', sink)
  sink.addSecret(password)
  if (username === '')
    sink.fail(
      ErrorCode.InvalidUri,
      'the user name is empty; write user:password@host or leave out the "@"',
    )
  return { username, ...(password !== undefined ? { password } : {}) }
}

/**
 * Parses the comma-separated host list: host names, IPv4 addresses, bracketed IPv6 literals with
 * optional ports, and percent-encoded unix socket paths. Ports must be 1–65535.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/connection-string/connection-string-spec.md#host-information
 * @internal
 */
export function parseHosts(hostsText: string, scheme: Scheme, sink: IssueSink): readonly UriHost[] {
  if (hostsText === '') {
    sink.fail(
      ErrorCode.InvalidUri,
      `no host: list at least one, e.g. ${scheme}://host1:port,host2:port/`,
    )
  }
  const hosts = hostsText.split(',').map((text): UriHost => {
    if (text === '')
      return sink.fail(
        ErrorCode.InvalidUri,
        'the host list has an empty entry (two commas, or a trailing comma)',
      )
    const decoded = decodeComponent(text, `host ${sink.show(text)}`, sink)
    if (decoded.includes('/')) {
      if (!decoded.endsWith('.sock')) {
        sink.fail(
          ErrorCode.InvalidUri,
          `host ${sink.show(decoded)} contains "/": only a unix socket path (ending in .sock, percent-encoded) may; ` +
            ENCODE_HINT,
        )
      }
      return { kind: UriHostKind.Unix, host: decoded }
    }
    // Port 0 is never valid, so it can stand for "no port given".
    const parsed = /[\s@]/.test(decoded) ? undefined : parseNodeAddress(decoded, 0)
    if (parsed === undefined) {
      return sink.fail(
        ErrorCode.InvalidUri,
        `invalid host ${sink.show(decoded)}: expected host, host:port or [IPv6]:port with a port from 1 to 65535`,
      )
    }
    const kind = decoded.startsWith('[')
      ? UriHostKind.IPLiteral
      : IPV4.test(parsed.host)
        ? UriHostKind.IPv4
        : UriHostKind.Hostname
    return { kind, host: parsed.host, ...(parsed.port !== 0 ? { port: parsed.port } : {}) }
  })
  if (scheme === SRV_SCHEME) {
    const [first] = hosts
    if (hosts.length !== 1 || first?.kind !== UriHostKind.Hostname) {
      sink.fail(
        ErrorCode.InvalidUri,
        'mongodb+srv:// takes exactly one host name (the SRV record name)',
      )
    }
    if (first.port !== undefined) sink.fail(ErrorCode.InvalidUri, 'mongodb+srv:// takes no port')
  }
  return hosts
}

const FORBIDDEN_IN_DATABASE: Readonly<Record<'mongodb' | 'mysql', RegExp>> = {
  // The connection string spec: no / \ space " or $ (dots are allowed for namespaces).
  mongodb: /[/\\ "$]/,
  // MySQL/MariaDB database names map to directories.
  mysql: /[/\\.]|^$/,
}

/**
 * Checks the decoded database (MongoDB auth database, MySQL database, Cassandra keyspace) for
 * characters the backend does not allow.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/connection-string/connection-string-spec.md#auth-database-optional
 * @internal
 */
export function checkDatabaseName(
  database: string,
  backend: 'mongodb' | 'mysql' | 'cassandra',
  sink: IssueSink,
): void {
  const valid =
    backend === 'cassandra'
      ? /^\w{1,48}$/.test(database)
      : !FORBIDDEN_IN_DATABASE[backend].test(database)
  if (!valid) {
    const allowed =
      backend === 'cassandra'
        ? 'a keyspace is 1–48 letters, digits or _'
        : backend === 'mongodb'
          ? 'it may not contain / \\ space " or $'
          : 'it may not contain / \\ or .'
    sink.fail(
      ErrorCode.InvalidUri,
      `invalid ${backend === 'cassandra' ? 'keyspace' : 'database'} name ${sink.show(database)}: ${allowed}`,
    )
  }
}

/**
 * The message for user information that seems to hold an unescaped delimiter `char` (`?`, `/`, `@`,
 * `:`), in the password or the user name. It never quotes either.
 *
 * @internal
 */
export function unescapedInUserInfo(char: string, inPassword: boolean): string {
  return `the ${inPassword ? 'password' : 'user name'} seems to contain an unescaped '${char}': percent-encode it (encodeURIComponent)`
}

/** The hint given when the user information seems to hold an unescaped `/` or `?`. @internal */
export const USERINFO_ENCODE_HINT = ENCODE_HINT
