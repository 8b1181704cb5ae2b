/**
 * Maps errors of the official `mongodb` driver to ReplicaKit errors: class, stable code, labels, the
 * server's code as `nativeCode`, and the node. Driver errors are matched by `name`, `code` and
 * `errorLabels` (never `instanceof`, so a second copy of the driver still maps).
 *
 * @see https://github.com/mongodb/mongo/blob/master/src/mongo/base/error_codes.yml
 * @see https://github.com/mongodb/node-mongodb-native/blob/main/src/error.ts
 */
import {
  ConfigError,
  ErrorCode,
  ErrorLabel,
  NetworkError,
  NodeStateError,
  OperationError,
  ReplicaKitError,
  ServerSelectionError,
  TimeoutError,
  WriteConcernError,
  isReplicaKitError,
  redactSecrets,
  tlsErrorFrom,
} from '../../src/adapter.js'
import type { NodeAddress } from '../../src/adapter.js'

/** Server codes of a primary that is no longer writable. */
const NOT_PRIMARY_CODES: ReadonlySet<number> = new Set([
  10107, // NotWritablePrimary
  13435, // NotPrimaryNoSecondaryOk
  10058, // LegacyNotPrimary
  189, // PrimarySteppedDown
])

/** Server codes of a node that is shutting down, recovering or between states. */
const RECOVERING_CODES: ReadonlySet<number> = new Set([
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13436, // NotPrimaryOrSecondary
  91, // ShutdownInProgress
])

/** Server codes that mean the network between members failed. */
const SERVER_NETWORK_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  9001, // SocketException
])

const DUPLICATE_KEY_CODES: ReadonlySet<number> = new Set([11000, 11001, 12582])
/** A `w` that can never be met: UnsatisfiableWriteConcern (100), UnknownReplWriteConcern (79). */
const UNSATISFIABLE_WC_CODES: ReadonlySet<number> = new Set([100, 79])
const AUTH_CODES: ReadonlySet<number> = new Set([18]) // AuthenticationFailed
/** The server's own time limit: MaxTimeMSExpired (50), ExceededTimeLimit (262). */
const TIME_LIMIT_CODES: ReadonlySet<number> = new Set([50, 262])

/** The driver's error labels ReplicaKit carries over. */
const LABELS: Readonly<Record<string, ErrorLabel>> = {
  RetryableWriteError: ErrorLabel.RetryableWrite,
  NoWritesPerformed: ErrorLabel.NoWritesPerformed,
}

/** The fields of a driver error that the mapping reads. */
interface DriverErrorLike {
  readonly name: string
  readonly message: string
  readonly code?: unknown
  readonly errorLabels?: unknown
  readonly errInfo?: unknown
  readonly result?: unknown
  readonly writeErrors?: unknown
}

/** The server's numeric code of a driver error (a bulk error's first write error's), if any. */
export function mongoNativeCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as DriverErrorLike
  if (typeof e.code === 'number') return e.code
  if (Array.isArray(e.writeErrors)) {
    const first: unknown = e.writeErrors[0]
    const code = (first as { code?: unknown } | undefined)?.code
    if (typeof code === 'number') return code
  }
  return undefined
}

/** The labels of a driver error (`errorLabels`), as ReplicaKit labels. */
function labelsOf(error: DriverErrorLike): { labels: ErrorLabel[]; driver: ReadonlySet<string> } {
  const driver = new Set(
    Array.isArray(error.errorLabels)
      ? error.errorLabels.filter((l): l is string => typeof l === 'string')
      : [],
  )
  const labels: ErrorLabel[] = []
  for (const label of driver) {
    const mapped = LABELS[label]
    if (mapped !== undefined) labels.push(mapped)
  }
  return { labels, driver }
}

/**
 * Maps anything the driver (or the adapter) threw to a ReplicaKit error. An error that is not the
 * driver's (the caller's own code threw) becomes `INTERNAL`, which the client rethrows unchanged.
 *
 * - A TLS failure anywhere inside (a `MongoNetworkError`'s `cause`, a `MongoServerSelectionError`'s
 *   server descriptions) → `TlsError` (`TLS_CERTIFICATE_INVALID`, `TLS_HOSTNAME_MISMATCH`,
 *   `TLS_HANDSHAKE_FAILED`), found by the core's `tlsErrorFrom` before anything else.
 * - `MongoServerSelectionError` → `SERVER_SELECTION_TIMEOUT` with `NoWritesPerformed`.
 * - Network errors → `NETWORK_ERROR` (`SOCKET_TIMEOUT` for `MongoNetworkTimeoutError`); one raised
 *   while opening the connection (labels `HandshakeError`/`SystemOverloadedError`) sent nothing and
 *   carries `NoWritesPerformed`, others leave a write's outcome unknown (`UnknownOutcome`).
 * - Server codes: 11000 → `DUPLICATE_KEY`; 10107/13435/189 → `NOT_PRIMARY`; 91/11600/11602/13436 →
 *   `NODE_RECOVERING`; 64 → `WRITE_CONCERN_TIMEOUT`; 100/79 → `WRITE_CONCERN_UNSATISFIABLE`; 18 →
 *   `AUTHENTICATION_FAILED`; 50/262 → `OPERATION_TIMEOUT`; anything else → `OPERATION_FAILED`.
 * - `MongoInvalidArgumentError`/`MongoParseError` → `ConfigError` `INVALID_OPTION`.
 * - Labels: `RetryableWriteError` → `RetryableWrite`, `NoWritesPerformed` → `NoWritesPerformed`.
 */
export function mapMongoError(error: unknown, node?: NodeAddress): ReplicaKitError {
  if (isReplicaKitError(error)) return error
  const tls = tlsErrorFrom(error, node)
  if (tls !== undefined) return tls
  if (!(error instanceof Error) || !error.name.startsWith('Mongo')) return internal(error, node)
  const e = error as DriverErrorLike
  const { labels, driver } = labelsOf(e)
  const code = mongoNativeCode(error)
  const where = node === undefined ? '' : ` on ${node}`
  const base = {
    cause: error,
    ...(node === undefined ? {} : { node }),
    ...(code === undefined ? {} : { nativeCode: code }),
  }
  const message = redactSecrets(error.message)
  const make = <E extends ReplicaKitError>(
    Kind: new (m: string, o: ConstructorParameters<typeof ReplicaKitError>[1]) => E,
    errorCode: ErrorCode,
    text: string,
    extra: ErrorLabel[] = [],
  ): E => new Kind(text, { ...base, code: errorCode, labels: [...labels, ...extra] })

  switch (error.name) {
    case 'MongoServerSelectionError':
      return make(
        ServerSelectionError,
        ErrorCode.ServerSelectionTimeout,
        `no MongoDB member matched the call's read preference in time${where}: ${message}`,
        [ErrorLabel.NoWritesPerformed],
      )
    case 'MongoNetworkTimeoutError':
    case 'MongoNetworkError': {
      const nothingSent = driver.has('HandshakeError') || driver.has('SystemOverloadedError')
      const timeout = error.name === 'MongoNetworkTimeoutError'
      return make(
        timeout ? TimeoutError : NetworkError,
        nothingSent && timeout
          ? ErrorCode.ConnectTimeout
          : timeout
            ? ErrorCode.SocketTimeout
            : ErrorCode.NetworkError,
        `MongoDB connection${where} ${nothingSent ? 'could not be opened' : 'failed'}: ${message}`,
        [nothingSent ? ErrorLabel.NoWritesPerformed : ErrorLabel.UnknownOutcome],
      )
    }
    case 'MongoPoolClearedError':
    case 'MongoWaitQueueTimeoutError':
      // Raised at checkout: no command was sent.
      return make(
        NetworkError,
        ErrorCode.NetworkError,
        `no MongoDB connection${where}: ${message}`,
        [ErrorLabel.NoWritesPerformed],
      )
    case 'MongoInvalidArgumentError':
    case 'MongoParseError':
      return make(
        ConfigError,
        ErrorCode.InvalidOption,
        `the mongodb driver refused an option of the call: ${message}`,
      )
    case 'MongoTopologyClosedError':
    case 'MongoNotConnectedError':
    case 'MongoClientClosedError':
      return make(
        ReplicaKitError,
        ErrorCode.ClientClosed,
        `the MongoDB client was closed: ${message}`,
      )
    default:
      break
  }
  if (error.name === 'MongoWriteConcernError' || code === 64) {
    if (code !== undefined && UNSATISFIABLE_WC_CODES.has(code)) return unsatisfiable()
    return make(
      WriteConcernError,
      ErrorCode.WriteConcernTimeout,
      `the write was applied on the primary${where} but its write concern was not met in time ` +
        `(it is not rolled back; raise wtimeoutMS or lower w): ${message}`,
    )
  }
  if (code === undefined) {
    return make(OperationError, ErrorCode.OperationFailed, `MongoDB error${where}: ${message}`)
  }
  if (DUPLICATE_KEY_CODES.has(code)) {
    return make(OperationError, ErrorCode.DuplicateKey, `duplicate key${where}: ${message}`)
  }
  if (NOT_PRIMARY_CODES.has(code)) {
    return make(
      NodeStateError,
      ErrorCode.NotPrimary,
      `the MongoDB member${where} is not the primary any more: ${message}`,
      [ErrorLabel.NodeStateChange],
    )
  }
  if (RECOVERING_CODES.has(code)) {
    return make(
      NodeStateError,
      ErrorCode.NodeRecovering,
      `the MongoDB member${where} is recovering or shutting down: ${message}`,
      [ErrorLabel.NodeStateChange],
    )
  }
  if (SERVER_NETWORK_CODES.has(code)) {
    return make(NetworkError, ErrorCode.NetworkError, `MongoDB network error${where}: ${message}`, [
      ErrorLabel.UnknownOutcome,
    ])
  }
  if (UNSATISFIABLE_WC_CODES.has(code)) return unsatisfiable()
  if (AUTH_CODES.has(code)) {
    return make(
      OperationError,
      ErrorCode.AuthenticationFailed,
      `MongoDB refused the credentials${where}: check username, password and authSource`,
    )
  }
  if (TIME_LIMIT_CODES.has(code)) {
    return make(
      TimeoutError,
      ErrorCode.OperationTimeout,
      `MongoDB stopped the operation at its time limit${where}: ${message}`,
    )
  }
  return make(OperationError, ErrorCode.OperationFailed, `MongoDB error${where}: ${message}`)

  function unsatisfiable(): WriteConcernError {
    return make(
      WriteConcernError,
      ErrorCode.WriteConcernUnsatisfiable,
      `the write concern can never be met by this replica set${where}: ${message}`,
    )
  }
}

function internal(error: unknown, node: NodeAddress | undefined): ReplicaKitError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return new ReplicaKitError(`not a MongoDB driver error: ${detail}`, {
    code: ErrorCode.Internal,
    cause: error,
    ...(node === undefined ? {} : { node }),
  })
}
