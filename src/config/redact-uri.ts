import { REDACTED, redactSecrets, redactValue } from '../util/redact.js'
import { MIN_GLOBAL_SECRET_LENGTH } from './issue-sink.js'
import { OPTION_NAMES, OPTION_TABLE } from './option-table.js'

const SCHEME_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//
/** A plain host list (`h`, `h:27017`, `[::1]:1`, comma-separated): no room for a password in it. */
const HOST_LIST = /^(\[[^\]]*\]|[^:,[\]]*)(:\d*)?(,(\[[^\]]*\]|[^:,[\]]*)(:\d*)?)*$/
const OPTION_PAIR = /([?&;])([^=&;?#]*)=([^&;#]*)/g
const SECRET_KEYS: ReadonlySet<string> = new Set(
  OPTION_NAMES.filter((name) => OPTION_TABLE[name].secret).map((name) => name.toLowerCase()),
)

/**
 * A connection string safe to log: the password (`user:*****@`) and the values of secret options
 * (`proxyPassword`, `tlsCertificateKeyFilePassword`, any key containing "password") replaced by
 * `*****`, and so is any other place where one of those secrets was pasted. Never throws, also for
 * malformed input: when it cannot tell where the password ends (an unescaped `/`, `?` or `@` in it),
 * it hides more rather than less.
 *
 * ```ts
 * redactUri('mysql://app:s3cret@db1,db2/shop?w=majority') // 'mysql://app:*****@db1,db2/shop?w=majority'
 * ```
 */
export function redactUri(uri: string): string {
  if (typeof uri !== 'string') return ''
  const prefix = SCHEME_PREFIX.exec(uri)?.[0] ?? ''
  const rest = uri.slice(prefix.length)
  const secrets: string[] = []
  const masked = prefix === '' ? rest : redactUserInfo(rest, secrets)
  const withoutOptions = `${prefix}${masked}`.replace(
    OPTION_PAIR,
    (pair, separator: string, key: string, value: string) => {
      if (!isSecretKey(key)) return pair
      secrets.push(value)
      return `${separator}${key}=${REDACTED}`
    },
  )
  // A secret may also have been pasted into another option's value: remove it everywhere.
  const everywhere = secrets
    .flatMap((secret) => [secret, safeDecode(secret)])
    .filter((secret) => secret.length >= MIN_GLOBAL_SECRET_LENGTH && secret !== REDACTED)
    .sort((a, b) => b.length - a.length)
    .reduce((text, secret) => redactValue(text, secret), withoutOptions)
  return redactSecrets(everywhere)
}

function redactUserInfo(rest: string, secrets: string[]): string {
  const authorityEnd = rest.search(/[/?]/)
  const end = authorityEnd === -1 ? rest.length : authorityEnd
  const authority = rest.slice(0, end)
  const at = authority.lastIndexOf('@')
  const lastAt = rest.lastIndexOf('@')
  if (lastAt === -1) return rest
  if (lastAt === at) return maskPassword(rest, at, secrets)
  // The last "@" is after the authority: either inside an option value (a well-formed URI), or the
  // end of a password that holds an unescaped "/" or "?". Only the first is left alone.
  const queryStart = rest.indexOf('?')
  const pairStart = Math.max(rest.lastIndexOf('&', lastAt), queryStart)
  const isOptionValue =
    HOST_LIST.test(authority.slice(at + 1)) &&
    queryStart !== -1 &&
    queryStart < lastAt &&
    !rest.slice(end, queryStart).includes('@') &&
    rest.slice(pairStart + 1, lastAt).includes('=')
  if (!isOptionValue) return maskPassword(rest, lastAt, secrets)
  return at === -1 ? rest : maskPassword(rest, at, secrets)
}

/** `rest` with everything between the first `:` and the `@` at `at` replaced, if there is a `:`. */
function maskPassword(rest: string, at: number, secrets: string[]): string {
  const colon = rest.indexOf(':')
  if (colon === -1 || colon > at) return rest
  secrets.push(rest.slice(colon + 1, at))
  return `${rest.slice(0, colon + 1)}${REDACTED}${rest.slice(at)}`
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    // A malformed escape: take the text as written.
    return text
  }
}

function isSecretKey(rawKey: string): boolean {
  const lower = safeDecode(rawKey).toLowerCase()
  return SECRET_KEYS.has(lower) || lower.includes('password') || lower.includes('secret')
}
