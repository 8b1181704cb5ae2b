import { REDACTED, redactSecrets } from '../util/redact.js'
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
 * `*****`. Never throws, also for malformed input: when it cannot tell where the password ends (an
 * unescaped `/`, `?` or `@` in it), it hides more rather than less.
 *
 * ```ts
 * redactUri('mysql://app:s3cret@db1,db2/shop?w=majority') // 'mysql://app:*****@db1,db2/shop?w=majority'
 * ```
 */
export function redactUri(uri: string): string {
  if (typeof uri !== 'string') return ''
  const prefix = SCHEME_PREFIX.exec(uri)?.[0] ?? ''
  const rest = uri.slice(prefix.length)
  const masked = prefix === '' ? rest : redactUserInfo(rest)
  const withoutOptions = `${prefix}${masked}`.replace(OPTION_PAIR, (pair, separator: string, key: string) =>
    isSecretKey(key) ? `${separator}${key}=${REDACTED}` : pair,
  )
  return redactSecrets(withoutOptions)
}

function redactUserInfo(rest: string): string {
  const authorityEnd = rest.search(/[/?]/)
  const end = authorityEnd === -1 ? rest.length : authorityEnd
  const authority = rest.slice(0, end)
  const at = authority.lastIndexOf('@')
  if (at !== -1) return maskPassword(rest, at)
  const lastAt = rest.lastIndexOf('@')
  if (lastAt === -1) return rest
  // The "@" is after the authority: either inside an option value (a well-formed URI), or the end of
  // a password that holds an unescaped "/" or "?". Only the first is left alone.
  const queryStart = rest.indexOf('?')
  const pairStart = Math.max(rest.lastIndexOf('&', lastAt), queryStart)
  const isOptionValue =
    HOST_LIST.test(authority) &&
    queryStart !== -1 &&
    queryStart < lastAt &&
    !rest.slice(end, queryStart).includes('@') &&
    rest.slice(pairStart + 1, lastAt).includes('=')
  return isOptionValue ? rest : maskPassword(rest, lastAt)
}

/** `rest` with everything between the first `:` and the `@` at `at` replaced, if there is a `:`. */
function maskPassword(rest: string, at: number): string {
  const colon = rest.indexOf(':')
  if (colon === -1 || colon > at) return rest
  return `${rest.slice(0, colon + 1)}${REDACTED}${rest.slice(at)}`
}

function isSecretKey(rawKey: string): boolean {
  let key = rawKey
  try {
    key = decodeURIComponent(rawKey)
  } catch {
    // A malformed escape: judge the key as written.
  }
  const lower = key.toLowerCase()
  return SECRET_KEYS.has(lower) || lower.includes('password') || lower.includes('secret')
}
