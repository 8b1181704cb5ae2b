/**
 * Maps cassandra-driver errors to ReplicaKit errors: class, stable code, labels, `nativeCode` (the
 * driver's error code, e.g. `0x1000` for `Unavailable`) and a message that says what to do. Works
 * on the errors' shapes (name, `code`, `writeType`, `innerErrors`), so it needs no driver import.
 * TLS failures come first (the core's `tlsErrorFrom`, per host of a `NoHostAvailableError`), then
 * refused credentials anywhere in it, then the rest.
 *
 * @see https://github.com/apache/cassandra/blob/trunk/doc/native_protocol_v5.spec (section 9, error codes)
 */
import {
  ConfigError,
  ErrorCode,
  ErrorLabel,
  NetworkError,
  NodeStateError,
  OperationError,
  ReplicaKitError,
  TimeoutError,
  isReplicaKitError,
  redactSecrets,
  redactValue,
  tlsErrorFrom,
} from '../../src/adapter.js'
import type { NodeAddress } from '../../src/adapter.js'

/** The CQL protocol's error codes the mapping distinguishes (the driver's `responseErrorCodes`). */
export const CqlErrorCode = {
  ServerError: 0x0000,
  ProtocolError: 0x000a,
  BadCredentials: 0x0100,
  Unavailable: 0x1000,
  Overloaded: 0x1001,
  IsBootstrapping: 0x1002,
  TruncateError: 0x1003,
  WriteTimeout: 0x1100,
  ReadTimeout: 0x1200,
  ReadFailure: 0x1300,
  FunctionFailure: 0x1400,
  WriteFailure: 0x1500,
  SyntaxError: 0x2000,
  Unauthorized: 0x2100,
  Invalid: 0x2200,
  ConfigError: 0x2300,
  AlreadyExists: 0x2400,
  Unprepared: 0x2500,
} as const

/** The `writeType`s of a `WriteTimeout` after which a write is never run again blindly. */
const NEVER_RERUN_WRITE_TYPES: ReadonlySet<string> = new Set(['CAS', 'COUNTER'])

/** What {@link mapCassandraError} needs besides the error. */
export interface CassandraErrorContext {
  /** Removed verbatim from every message. */
  readonly password?: string
}

interface DriverErrorShape {
  readonly name?: unknown
  readonly message?: unknown
  readonly code?: unknown
  readonly writeType?: unknown
  readonly host?: unknown
  readonly innerErrors?: unknown
}

/** The `host:port` of a driver address (`127.0.0.1:9042`), unchanged; `undefined` when absent. */
function nodeOf(error: DriverErrorShape, node: NodeAddress | undefined): NodeAddress | undefined {
  return node ?? (typeof error.host === 'string' ? error.host : undefined)
}

/** The CQL error code as `0x1000`, the form the protocol spec and `nodetool` use. */
export function formatCqlCode(code: number): string {
  return `0x${code.toString(16).padStart(4, '0')}`
}

/**
 * Maps anything cassandra-driver throws. A ReplicaKit error passes through; anything unknown
 * becomes `INTERNAL` with the original as `cause`.
 */
export function mapCassandraError(
  error: unknown,
  node: NodeAddress | undefined,
  context: CassandraErrorContext = {},
): ReplicaKitError {
  if (isReplicaKitError(error)) return error
  const shape: DriverErrorShape = typeof error === 'object' && error !== null ? error : {}
  const tls = tlsFailure(shape, error, node)
  if (tls !== undefined) return tls
  const name = typeof shape.name === 'string' ? shape.name : ''
  const raw = typeof shape.message === 'string' ? shape.message : String(error)
  const text = clean(raw, context.password)
  const at = nodeOf(shape, node)
  const base = { cause: error, ...(at === undefined ? {} : { node: at }) }
  const where = at === undefined ? '' : ` (coordinator ${at})`
  switch (name) {
    case 'ResponseError':
      return responseError(shape, text, where, base)
    case 'OperationTimedOutError':
      return new TimeoutError(
        `no answer from the coordinator in time${where}: ${text}; a write may still be applied. ` +
          'The node may be paused or overloaded; raise timeoutMS or socketTimeoutMS for slow statements',
        { ...base, code: ErrorCode.SocketTimeout, labels: [ErrorLabel.RetryableRead] },
      )
    case 'NoHostAvailableError':
      return noHostAvailable(shape, text, base, context.password)
    case 'AuthenticationError':
      return new ConfigError(
        `authentication failed${where}: ${text}; check the user name and password`,
        { ...base, code: ErrorCode.AuthenticationFailed, labels: [ErrorLabel.NoWritesPerformed] },
      )
    case 'ArgumentError':
    case 'NotSupportedError':
      return new OperationError(`the driver refused the statement: ${text}`, {
        ...base,
        code: ErrorCode.OperationFailed,
        labels: [ErrorLabel.NoWritesPerformed],
      })
    case 'BusyConnectionError':
      return new TimeoutError(
        `every connection${where} is busy: ${text}; raise maxPoolSize or send fewer statements at once`,
        {
          ...base,
          code: ErrorCode.ConnectTimeout,
          labels: [ErrorLabel.RetryableRead, ErrorLabel.NoWritesPerformed],
        },
      )
    default:
      return new ReplicaKitError(
        `unexpected error from cassandra-driver${where}: ${name === '' ? '' : `${name}: `}${text} ` +
          '(please report it with this message)',
        { ...base, code: ErrorCode.Internal },
      )
  }
}

function responseError(
  shape: DriverErrorShape,
  text: string,
  where: string,
  base: { readonly cause: unknown; readonly node?: string },
): ReplicaKitError {
  const code = typeof shape.code === 'number' ? shape.code : -1
  const withCode = { ...base, nativeCode: formatCqlCode(code) }
  switch (code) {
    case CqlErrorCode.Unavailable:
      return new NodeStateError(
        `too few replicas are alive for the consistency level${where}: ${text}; nothing was ` +
          'written. Bring the nodes back, lower w, or allow another data center (dataCenterFailover, readPreferenceTags)',
        {
          ...withCode,
          code: ErrorCode.ReplicasUnavailable,
          labels: [
            ErrorLabel.NoWritesPerformed,
            ErrorLabel.RetryableRead,
            ErrorLabel.RetryableWrite,
          ],
        },
      )
    case CqlErrorCode.WriteTimeout: {
      const writeType = typeof shape.writeType === 'string' ? shape.writeType : ''
      const rerunnable = !NEVER_RERUN_WRITE_TYPES.has(writeType)
      return new TimeoutError(
        `replicas did not acknowledge the write in time${where}: ${text}; it may be applied on ` +
          `some replicas${rerunnable ? '' : ` (a ${writeType} write is never run again blindly)`}. ` +
          'Check the nodes; run it again only if it is idempotent',
        {
          ...withCode,
          code: ErrorCode.ReplicaTimeout,
          labels: rerunnable
            ? [ErrorLabel.UnknownOutcome, ErrorLabel.RetryableWrite]
            : [ErrorLabel.UnknownOutcome],
        },
      )
    }
    case CqlErrorCode.ReadTimeout:
    case CqlErrorCode.ReadFailure:
      return new TimeoutError(
        `replicas did not answer the read in time${where}: ${text}; it is retried elsewhere`,
        { ...withCode, code: ErrorCode.ReplicaTimeout, labels: [ErrorLabel.RetryableRead] },
      )
    case CqlErrorCode.WriteFailure:
      return new OperationError(
        `replicas failed the write${where}: ${text}; it may be applied on some replicas`,
        { ...withCode, code: ErrorCode.OperationFailed, labels: [ErrorLabel.UnknownOutcome] },
      )
    case CqlErrorCode.Overloaded:
    case CqlErrorCode.IsBootstrapping:
      return new NodeStateError(
        `the coordinator cannot take the statement now${where}: ${text}; another node serves it`,
        {
          ...withCode,
          code: ErrorCode.NodeRecovering,
          labels: [ErrorLabel.NoWritesPerformed, ErrorLabel.RetryableRead],
        },
      )
    case CqlErrorCode.BadCredentials:
      return new ConfigError(`authentication failed${where}: ${text}; check the credentials`, {
        ...withCode,
        code: ErrorCode.AuthenticationFailed,
        labels: [ErrorLabel.NoWritesPerformed],
      })
    default:
      // Syntax, invalid, unauthorized, already exists, …: the statement itself was refused.
      return new OperationError(
        `Cassandra refused the statement${where}: ${text}; fix the statement or the grants`,
        { ...withCode, code: ErrorCode.OperationFailed, labels: [ErrorLabel.NoWritesPerformed] },
      )
  }
}

/**
 * `NoHostAvailableError`: the driver found no coordinator it could send to. With the never-retry
 * policy a request that left is never moved to another host, so nothing was sent.
 */
function noHostAvailable(
  shape: DriverErrorShape,
  text: string,
  base: { readonly cause: unknown; readonly node?: string },
  password: string | undefined,
): ReplicaKitError {
  const entries = innerEntries(shape)
  // A node refused the credentials: the same ones go to every node, so no other node will take them.
  const refused = entries.find(([, e]) => e.name === 'AuthenticationError')
  if (refused !== undefined) {
    const [host, e] = refused
    const reason = clean(typeof e.message === 'string' ? e.message : '', password)
    return new ConfigError(
      `authentication failed (${host}): ${reason}; check the user name and password in the ` +
        'connection string',
      {
        cause: base.cause,
        node: host,
        code: ErrorCode.AuthenticationFailed,
        labels: [ErrorLabel.NoWritesPerformed],
      },
    )
  }
  const inner = entries
    .map(([host, e]) => `${host}: ${typeof e.message === 'string' ? e.message : '?'}`)
    .join('; ')
  return new NetworkError(
    `no coordinator could be reached: ${text}${inner === '' ? '' : ` (${inner})`}; check ` +
      'that the nodes of the data center are up and reachable, or allow another data center',
    {
      ...base,
      code: ErrorCode.NetworkError,
      labels: [ErrorLabel.NoWritesPerformed, ErrorLabel.RetryableRead],
    },
  )
}

/** The `[host, error]` pairs of a `NoHostAvailableError`'s `innerErrors`, in the driver's order. */
function innerEntries(
  shape: DriverErrorShape,
): [string, { readonly name?: unknown; readonly message?: unknown }][] {
  const inner = shape.innerErrors
  if (typeof inner !== 'object' || inner === null) return []
  return Object.entries(inner as Record<string, unknown>).map(([host, e]) => [
    host,
    typeof e === 'object' && e !== null ? e : {},
  ])
}

/**
 * The core's `TlsError` for a TLS failure in `error`: per host of a `NoHostAvailableError` (so the
 * error names the node whose handshake failed), else anywhere in it.
 */
function tlsFailure(
  shape: DriverErrorShape,
  error: unknown,
  node: NodeAddress | undefined,
): ReplicaKitError | undefined {
  for (const [host, inner] of innerEntries(shape)) {
    const found = tlsErrorFrom(inner, host)
    if (found !== undefined) return found
  }
  return tlsErrorFrom(error, nodeOf(shape, node))
}

function clean(message: string, password: string | undefined): string {
  const scrubbed = password === undefined ? message : redactValue(message, password)
  return redactSecrets(scrubbed)
}
