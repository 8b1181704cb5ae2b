import { redactSecrets } from '../util/redact.js'
import { ErrorCode, ErrorLabel } from './error-codes.js'

const BRAND = Symbol.for('replicakit.error')

/** What every ReplicaKit error may carry besides its message. */
export interface ReplicaKitErrorOptions {
  /** The stable code; see `docs/errors.md`. */
  readonly code: ErrorCode
  /** Labels that say what may be done (retry, re-probe, …). */
  readonly labels?: Iterable<ErrorLabel>
  /** The node (`host:port`) the error came from, if one. */
  readonly node?: string
  /** The server's or driver's own error code, verbatim (e.g. MySQL `1290`, MongoDB `10107`). */
  readonly nativeCode?: string | number
  /** The underlying error. */
  readonly cause?: unknown
}

/**
 * The base class of everything ReplicaKit throws. Check with {@link isReplicaKitError}, which also works
 * across duplicate installs of the package.
 *
 * ```ts
 * try { await db.write(conn => conn.query('INSERT …')) }
 * catch (e) { if (isReplicaKitError(e) && e.code === 'WRITE_CONCERN_TIMEOUT') … }
 * ```
 */
export class ReplicaKitError extends Error {
  override name = 'ReplicaKitError'
  /** The stable code; see `docs/errors.md`. */
  readonly code: ErrorCode
  /** Labels that say what may be done about this error. */
  readonly labels: ReadonlySet<ErrorLabel>
  /** The node (`host:port`) the error came from, if one. */
  readonly node: string | undefined
  /** The server's or driver's own error code, verbatim. */
  readonly nativeCode: string | number | undefined

  constructor(message: string, options: ReplicaKitErrorOptions) {
    // Messages are redacted at the one place every error passes through.
    super(
      redactSecrets(message),
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.code = options.code
    this.labels = new Set(options.labels ?? [])
    this.node = options.node
    this.nativeCode = options.nativeCode
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** Whether this error carries `label`. */
  hasLabel(label: ErrorLabel): boolean {
    return this.labels.has(label)
  }

  /** Returns a copy of this error with `labels` added (errors are otherwise immutable). */
  withLabels(...labels: ErrorLabel[]): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this
    Object.assign(copy, this)
    Object.defineProperty(copy, BRAND, { value: true })
    Object.defineProperty(copy, 'message', {
      value: this.message,
      enumerable: false,
      writable: true,
    })
    Object.defineProperty(copy, 'stack', { value: this.stack, enumerable: false, writable: true })
    if (this.cause !== undefined)
      Object.defineProperty(copy, 'cause', { value: this.cause, enumerable: false })
    Object.defineProperty(copy, 'labels', {
      value: new Set([...this.labels, ...labels]),
      enumerable: true,
    })
    return copy
  }
}

/** Whether `value` is a ReplicaKit error (by brand, so it survives duplicate installs). */
export function isReplicaKitError(value: unknown): value is ReplicaKitError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  )
}

/** A connection string or option is invalid. Never retried. The message names the option and value. */
export class ConfigError extends ReplicaKitError {
  override name = 'ConfigError'
}

/** A socket could not be opened, or was lost. */
export class NetworkError extends ReplicaKitError {
  override name = 'NetworkError'
}

/**
 * A TLS connection could not be set up: the server's certificate does not verify or does not name the
 * host, the server requires TLS, or the handshake failed. Never retried: it does not heal by waiting.
 */
export class TlsError extends ReplicaKitError {
  override name = 'TlsError'
}

/** A deadline, a socket timeout, or the caller's `AbortSignal` ended the call. */
export class TimeoutError extends ReplicaKitError {
  override name = 'TimeoutError'
}

/** The node is not in the state the operation needs (not primary, recovering, split brain). */
export class NodeStateError extends ReplicaKitError {
  override name = 'NodeStateError'
}

/** No suitable node was found in time. */
export class ServerSelectionError extends ReplicaKitError {
  override name = 'ServerSelectionError'
}

/** The write was applied on the primary but its write concern was not met. It is not rolled back. */
export class WriteConcernError extends ReplicaKitError {
  override name = 'WriteConcernError'
}

/** The server rejected the operation itself (syntax, constraint, permission, …). */
export class OperationError extends ReplicaKitError {
  override name = 'OperationError'
}

/** The client was closed before or during the call. */
export class ClientClosedError extends ReplicaKitError {
  override name = 'ClientClosedError'
}

export { ErrorCode, ErrorLabel }
