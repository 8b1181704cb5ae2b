import type { ErrorCode } from '../errors/error-codes.js'
import { ConfigError } from '../errors/errors.js'
import { REDACTED, redactSecrets, redactValue } from '../util/redact.js'

const MAX_SHOWN_LENGTH = 80

/**
 * Secrets at least this long are also removed wherever else they appear; shorter ones only where
 * they stand, as they would match ordinary text (`b` in `mongodb`).
 *
 * @internal
 */
export const MIN_GLOBAL_SECRET_LENGTH = 4

/** How one problem reads as a strict-mode error and as a lenient-mode warning. @internal */
export interface IssueWording {
  /** Strict mode: what is wrong and what to do. */
  readonly error: string
  /** Lenient mode: what is wrong and what is ignored or used instead. */
  readonly warning: string
}

/**
 * Collects the problems of one parse: in strict mode a problem is a `ConfigError`; in lenient mode
 * (the MongoDB connection string spec's behaviour) it becomes a warning and the option is ignored.
 * Every message passes through here, so the known secrets (the password, raw and decoded) are
 * removed from all of them, and values are quoted only when it is safe.
 *
 * @internal
 */
export class IssueSink {
  readonly #strict: boolean
  readonly #warnings: string[] = []
  readonly #secrets: string[] = []
  #mayQuote = true

  constructor(strict: boolean) {
    this.#strict = strict
  }

  /** The warnings collected in lenient mode. */
  get warnings(): readonly string[] {
    return Object.freeze([...this.#warnings])
  }

  /** Removes `secret` (if at least 4 characters long) from every later message. */
  addSecret(secret: string | undefined): void {
    // Shorter secrets would match ordinary words of the message; no message quotes them anyway
    // except as the echoed value of another option.
    if (secret !== undefined && secret.length >= MIN_GLOBAL_SECRET_LENGTH)
      this.#secrets.push(secret)
  }

  /** Stops quoting URI text: the URI's structure is ambiguous, so any fragment may hold a secret. */
  stopQuoting(): void {
    this.#mayQuote = false
  }

  /** `text` quoted for a message, `*****` for a secret, or a neutral word when quoting is off. */
  show(text: string, secret = false): string {
    if (secret) return REDACTED
    if (!this.#mayQuote) return '(value hidden)'
    const shown = text.length > MAX_SHOWN_LENGTH ? `${text.slice(0, MAX_SHOWN_LENGTH)}…` : text
    return JSON.stringify(shown)
  }

  /** A problem that makes the URI invalid in both modes. */
  fail(code: ErrorCode, message: string, cause?: unknown): never {
    throw this.error(code, message, cause)
  }

  /**
   * A problem that is an error in strict mode and a warning in lenient mode. `message` is either
   * both wordings, or an error's (what is wrong, what to do) and a warning's (what is ignored).
   */
  issue(code: ErrorCode, message: string | IssueWording, cause?: unknown): void {
    const wording = typeof message === 'string' ? { error: message, warning: message } : message
    if (this.#strict) throw this.error(code, wording.error, cause)
    this.#warnings.push(this.redact(wording.warning))
  }

  /** A `ConfigError` with the known secrets removed from `message`. */
  error(code: ErrorCode, message: string, cause?: unknown): ConfigError {
    return new ConfigError(this.redact(message), cause === undefined ? { code } : { code, cause })
  }

  /** `text` with every known secret (and any URI password) replaced by `*****`. */
  redact(text: string): string {
    // Longest first, so a secret that contains another is removed whole.
    const secrets = [...this.#secrets].sort((a, b) => b.length - a.length)
    return redactSecrets(secrets.reduce((result, secret) => redactValue(result, secret), text))
  }
}
