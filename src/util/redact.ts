/**
 * Removes passwords from text that may contain a connection string, so no error message, log line or
 * event ever carries one.
 */
const USERINFO_IN_URI = /([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/gi
const PASSWORD_PAIR =
  /\b(password|passwd|pwd|secret|tlsCertificateKeyFilePassword)\s*([=:])\s*("[^"]*"|'[^']*'|[^\s&;,]+)/gi

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
    .replace(PASSWORD_PAIR, (_match, key: string, sep: string) => `${key}${sep}${REDACTED}`)
}

/**
 * Removes one known secret verbatim from `text` (for secrets that are not in URI form, such as a password
 * echoed back by a server). Empty secrets are ignored.
 */
export function redactValue(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length === 0) return text
  return text.split(secret).join(REDACTED)
}
