/**
 * The only place that decides what may be done about an error: retry a read, retry a write, re-probe
 * the node, or report the write's outcome as unknown. Adapters put a code and labels on every error
 * (`adapters/<db>/<db>-errors.ts`); these rules read only codes and labels, never a driver error.
 *
 * @see https://github.com/mongodb/node-mongodb-native/blob/main/src/error.ts (`isRetryableReadError`)
 */
import { ErrorCode, ErrorLabel } from './error-codes.js'
import { isReplicaKitError, ReplicaKitError } from './errors.js'

/**
 * Codes a read may be retried on (on another node, after a backoff). A `RetryableRead` label added by
 * an adapter makes any other code retryable too, except the {@link NEVER_RETRYABLE_CODES}.
 */
const RETRYABLE_READ_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  // Socket lost or refused: another node may answer.
  // https://github.com/mongodb/specifications/blob/master/source/retryable-reads/retryable-reads.md#retryable-error
  ErrorCode.NetworkError,
  // MongoDB NetworkTimeout (89) / a socket timeout is a network error in the retryable-reads spec.
  ErrorCode.SocketTimeout,
  // A connection that never opened sent nothing; the retryable-reads spec counts it as a network error.
  ErrorCode.ConnectTimeout,
  // NotWritablePrimary (10107), NotPrimaryNoSecondaryOk (13435), PrimarySteppedDown (189).
  // https://github.com/mongodb/specifications/blob/master/source/retryable-reads/retryable-reads.md#retryable-error
  ErrorCode.NotPrimary,
  // ShutdownInProgress (91), InterruptedAtShutdown (11600), NotPrimaryOrSecondary (13436), …
  // https://github.com/mongodb/specifications/blob/master/source/retryable-reads/retryable-reads.md#retryable-error
  ErrorCode.NodeRecovering,
  // Like ReadConcernMajorityNotAvailableYet (134): another node may already have the caller's writes.
  // https://github.com/mongodb/specifications/blob/master/source/retryable-reads/retryable-reads.md#retryable-error
  ErrorCode.CausalWaitTimeout,
])

/**
 * Codes on which a write is transient: retrying it may succeed, *if* a retry is safe (the caller
 * marked it idempotent, or the server proved nothing was written).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/retryable-writes/retryable-writes.md#terms
 */
const TRANSIENT_WRITE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  // Network errors are retryable writes in the retryable-writes spec (§ Terms, "Retryable Error").
  ErrorCode.NetworkError,
  ErrorCode.SocketTimeout,
  ErrorCode.ConnectTimeout,
  // The RETRYABLE_WRITE_ERROR_CODES of node-mongodb-native equal its read codes: NotWritablePrimary,
  // PrimarySteppedDown, ShutdownInProgress, … (MySQL: error 1290 read-only after a switchover).
  ErrorCode.NotPrimary,
  ErrorCode.NodeRecovering,
])

/**
 * Codes that are never retried, whatever their labels: the caller's own choices (deadline, abort,
 * close), configuration and programmer errors (p-retry never retries a `TypeError` either) and bugs.
 */
const NEVER_RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  // The call's one deadline is spent; retrying would exceed it (docs/architecture.md: retries).
  ErrorCode.OperationTimeout,
  // The caller asked to stop.
  ErrorCode.Aborted,
  ErrorCode.ClientClosed,
  // Configuration does not heal by retrying: programmer and config errors are never retried.
  ErrorCode.InvalidUri,
  ErrorCode.InvalidOption,
  ErrorCode.ConflictingOptions,
  ErrorCode.UnsupportedBackend,
  ErrorCode.DriverMissing,
  ErrorCode.NotSupported,
  // Wrong credentials stay wrong (the retryable-reads spec does not retry auth errors).
  ErrorCode.AuthenticationFailed,
  // A missing database does not appear by retrying.
  ErrorCode.UnknownDatabase,
  // A certificate that does not verify, or a server that wants TLS, stays so until someone acts.
  ErrorCode.TlsCertificateInvalid,
  ErrorCode.TlsHostnameMismatch,
  ErrorCode.TlsRequired,
  ErrorCode.TlsHandshakeFailed,
  // Split brain needs an operator; writes are refused until then (docs/errors.md: SPLIT_BRAIN).
  ErrorCode.SplitBrain,
  // A write concern error means the write *was* applied: re-running it would apply it twice.
  ErrorCode.WriteConcernTimeout,
  ErrorCode.WriteConcernUnsatisfiable,
  // A bug, or a programmer error thrown by user code (see toReplicaKitError).
  ErrorCode.Internal,
])

/**
 * Codes that prove nothing was written even without a `NoWritesPerformed` label: the connection never
 * opened, so no statement was sent.
 */
const NOTHING_SENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([ErrorCode.ConnectTimeout])

/**
 * Codes after which a sent write may or may not have been applied (the request left, no answer came).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/retryable-writes/retryable-writes.md#executing-retryable-write-commands
 */
const UNKNOWN_OUTCOME_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  // The socket broke after the statement may have been sent.
  ErrorCode.NetworkError,
  // No reply in time: the server may still be applying it.
  ErrorCode.SocketTimeout,
  // The deadline or the caller's signal ended an attempt in flight.
  ErrorCode.OperationTimeout,
  ErrorCode.Aborted,
])

/**
 * Codes after which the node should be marked Unknown and re-probed before it is used again.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#not-writable-primary-and-node-is-recovering
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#network-error-when-reading-or-writing
 */
const NODE_STATE_CHANGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  // "not writable primary": the node stepped down or went read-only.
  ErrorCode.NotPrimary,
  // "node is recovering": shutting down, rolling back, catching up.
  ErrorCode.NodeRecovering,
  // A non-timeout network error on an established connection marks the server Unknown (SDAM).
  ErrorCode.NetworkError,
  // Not CONNECT_TIMEOUT or SOCKET_TIMEOUT: a timeout may only mean a busy pool or a slow query, and
  // SDAM does not mark a server Unknown on an operation timeout. An adapter that knows the handshake
  // itself timed out adds the NodeStateChange label.
])

/**
 * Codes with which a node refuses this client's configuration (credentials, database, TLS): waiting
 * for the node to recover does not help, an operator must act.
 */
const REFUSED_CONFIGURATION_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.AuthenticationFailed,
  ErrorCode.UnknownDatabase,
  ErrorCode.TlsCertificateInvalid,
  ErrorCode.TlsHostnameMismatch,
  ErrorCode.TlsRequired,
  ErrorCode.TlsHandshakeFailed,
])

/**
 * Whether a node that failed a probe or a connection with `error` refuses this client's configuration
 * (wrong credentials, a missing database) rather than being down: the selection stops waiting when
 * every node says so, and the monitor backs off instead of logging in twice a second.
 */
export function isConfigurationRefused(error: ReplicaKitError): boolean {
  return REFUSED_CONFIGURATION_CODES.has(error.code)
}

/** Options of {@link canRetryWrite}. */
export interface WriteRetryOptions {
  /** The caller marked the write safe to run twice. */
  readonly idempotent: boolean
}

/** Whether `error` proves that nothing was written (its `NoWritesPerformed` label, or a code that implies it). */
export function isNoWritesPerformed(error: ReplicaKitError): boolean {
  return error.hasLabel(ErrorLabel.NoWritesPerformed) || NOTHING_SENT_CODES.has(error.code)
}

/**
 * Whether a read that failed with `error` may be retried on another node: a retryable code or the
 * `RetryableRead` label, and never one of the codes that no retry can fix.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/retryable-reads/retryable-reads.md#retryable-error
 */
export function canRetryRead(error: ReplicaKitError): boolean {
  if (NEVER_RETRYABLE_CODES.has(error.code)) return false
  return error.hasLabel(ErrorLabel.RetryableRead) || RETRYABLE_READ_CODES.has(error.code)
}

/**
 * Whether a write that failed with `error` may be run again: the error is transient (a transient code
 * or a `RetryableWrite` label) and either the caller marked the write idempotent or the error proves
 * nothing was written. A re-run is a new driver operation: a backend's own retryable-write protocol
 * (MongoDB's one retry under the same `txnNumber`) runs inside its driver and never makes an unknown
 * outcome safe to run again here, so a `RetryableWrite` label alone never allows it.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/retryable-writes/retryable-writes.md#determining-retryable-errors
 */
export function canRetryWrite(error: ReplicaKitError, options: WriteRetryOptions): boolean {
  if (NEVER_RETRYABLE_CODES.has(error.code)) return false
  const transient =
    TRANSIENT_WRITE_CODES.has(error.code) || error.hasLabel(ErrorLabel.RetryableWrite)
  if (!transient) return false
  return options.idempotent || isNoWritesPerformed(error)
}

/**
 * Whether the node that raised `error` may have changed state (stepped down, went read-only, is
 * recovering, or was lost): the client marks it Unknown and re-probes it.
 */
export function isNodeStateChange(error: ReplicaKitError): boolean {
  return error.hasLabel(ErrorLabel.NodeStateChange) || NODE_STATE_CHANGE_CODES.has(error.code)
}

/**
 * Whether a write attempt that failed with `error` may nevertheless have been applied: an
 * `UnknownOutcome` label, or a network error or timeout after the request may have left, unless the
 * error proves nothing was written.
 */
export function isUnknownOutcome(error: ReplicaKitError): boolean {
  if (isNoWritesPerformed(error)) return false
  return error.hasLabel(ErrorLabel.UnknownOutcome) || UNKNOWN_OUTCOME_CODES.has(error.code)
}

/**
 * Returns `value` if it is a ReplicaKit error, else wraps it as an `INTERNAL` error that keeps it as
 * `cause`. `INTERNAL` is never retried, so a programmer error (`TypeError`, `RangeError`) stays
 * unretried. (The retry loop does not wrap errors thrown by the caller's own callback: it rethrows
 * them unchanged.)
 */
export function toReplicaKitError(value: unknown, node?: string): ReplicaKitError {
  if (isReplicaKitError(value)) return value
  const detail = value instanceof Error ? `${value.name}: ${value.message}` : String(value)
  return new ReplicaKitError(
    `unexpected error${node === undefined ? '' : ` on ${node}`}: ${detail} ` +
      '(an unmapped driver error or a bug in replicakit; please report it with this message)',
    { code: ErrorCode.Internal, cause: value, ...(node === undefined ? {} : { node }) },
  )
}
