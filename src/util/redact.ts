/**
 * Removes passwords from text that may contain a connection string, so no error message, log line or
 * event ever carries one.
 */
const USERINFO_IN_URI = /([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/gi
const PASSWORD_PAIR =
  /\b(password|passwd|pwd|secret|tlsCertificateKeyFilePassword)\s*([=:])\s*("[^"]*"|'[^']*'|[^\s&;,]+)/gi

/**
 * MySQL's `password: YES)` / `password: NO)` flag, as {@link PASSWORD_PAIR} matches it: maybe followed
 * by the punctuation of an enclosing message (`…YES)):`), which the unquoted value also takes.
 */
const USING_PASSWORD_FLAG = /^password: (YES|NO)\)[)\].:]*$/

/** The placeholder that stands where a secret was. */
export const REDACTED = '*****'

/** Replaces the password of every `scheme://user:password@` and every `password=…` pair in `text`. */
export function redactSecrets(text: string): string {
  return text
    .replace(USERINFO_IN_URI, (_match, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':')
      return colon === -1
        ? `${scheme}${userinfo}@`
        : `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`
    })
    .replace(PASSWORD_PAIR, (match: string, key: string, sep: string, ...rest: unknown[]) => {
      const offset = rest[1] as number
      const whole = rest[2] as string
      return isUsingPasswordFlag(whole, offset, match) ? match : `${key}${sep}${REDACTED}`
    })
}

/**
 * Whether the `password…` pair at `offset` is MySQL's "(using password: YES)" or "(using password:
 * NO)": a flag saying whether a password was sent, not a password, so it stays readable.
 */
function isUsingPasswordFlag(text: string, offset: number, match: string): boolean {
  return (
    USING_PASSWORD_FLAG.test(match) && text.slice(Math.max(0, offset - 7), offset) === '(using '
  )
}

/**
 * Removes one known secret verbatim from `text` (for secrets that are not in URI form, such as a password
 * echoed back by a server). Empty secrets are ignored.
 */
export function redactValue(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length === 0) return text
  return text.split(secret).join(REDACTED)
}
