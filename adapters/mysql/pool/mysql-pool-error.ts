/**
 * The errors the mysql2-compatible pool throws: shaped like mysql2's (`code`, `errno`, `sqlState`,
 * `sqlMessage`, `fatal`, `sql`), so ORMs and application code that check them keep working, with the
 * ReplicaKit error (stable code, labels, node) at `err.replicakit`.
 */
import { redactSecrets } from '../../../src/adapter.js'
import { ErrorCode, OperationError, isReplicaKitError } from '../../../src/index.js'
import type { ErrorLabel, ReplicaKitError } from '../../../src/index.js'

/** The fields of a mysql2 error this module copies. */
interface DriverErrorFields {
  readonly message: string
  readonly code?: unknown
  readonly errno?: unknown
  readonly sqlState?: unknown
  readonly sqlMessage?: unknown
  readonly sql?: unknown
  readonly fatal?: unknown
}

/** The first mysql2 (or socket) error in `error`'s cause chain: an `Error` with a string `code`. */
function driverErrorOf(error: ReplicaKitError): DriverErrorFields | undefined {
  let cause: unknown = error.cause
  for (let depth = 0; depth < 8 && cause instanceof Error; depth++) {
    if (!isReplicaKitError(cause) && typeof (cause as { code?: unknown }).code === 'string') {
      return cause
    }
    cause = cause.cause
  }
  return undefined
}

/**
 * An error thrown (or passed to a callback) by the pool, its connections and the Sequelize/TypeORM
 * driver module. Reads like mysql2's error:
 *
 * - `code`: mysql2's code when the server or the socket gave one (`ER_DUP_ENTRY`, `ER_PARSE_ERROR`,
 *   `ECONNREFUSED`, `PROTOCOL_CONNECTION_LOST`), else ReplicaKit's stable code (`CLIENT_CLOSED`,
 *   `WRITE_CONCERN_TIMEOUT`, `SERVER_SELECTION_TIMEOUT`, … see docs/errors.md);
 * - `errno`, `sqlState`, `sqlMessage`, `sql`: the server's, verbatim, when it answered with an error;
 * - `message`: the server's message for a server error (as mysql2), else ReplicaKit's.
 *
 * `replicakit` is the `ReplicaKitError` (its `code` is always a ReplicaKit code; `labels` say whether a
 * retry is safe; `node`), also the `cause`.
 */
export class MysqlPoolError extends Error {
  override name = 'MysqlPoolError'
  /** mysql2's code when there is one, else the ReplicaKit code. */
  readonly code: string
  /** The server's error number (`1062`), or the socket's negative errno, when known. */
  readonly errno: number | undefined
  /** The server's SQLSTATE (`23000`), when it answered with an error. */
  readonly sqlState: string | undefined
  /** The server's message, when it answered with an error. */
  readonly sqlMessage: string | undefined
  /** The statement, as mysql2 reports it, when known. */
  readonly sql: string | undefined
  /** Whether the connection is unusable after it (mysql2's meaning). */
  readonly fatal: boolean
  /** The ReplicaKit error: stable `code`, `labels`, `node`, `nativeCode`. */
  readonly replicakit: ReplicaKitError

  /** @internal Use {@link toMysqlPoolError}. */
  constructor(error: ReplicaKitError) {
    const driver = driverErrorOf(error)
    const sqlMessage = typeof driver?.sqlMessage === 'string' ? driver.sqlMessage : undefined
    super(sqlMessage !== undefined ? redactSecrets(sqlMessage) : error.message, { cause: error })
    this.replicakit = error
    this.code = typeof driver?.code === 'string' ? driver.code : error.code
    this.errno = typeof driver?.errno === 'number' ? driver.errno : undefined
    this.sqlState = typeof driver?.sqlState === 'string' ? driver.sqlState : undefined
    this.sqlMessage = sqlMessage === undefined ? undefined : redactSecrets(sqlMessage)
    this.sql = typeof driver?.sql === 'string' ? driver.sql : undefined
    this.fatal = driver?.fatal === true
  }

  /** The ReplicaKit labels (`RetryableRead`, `NoWritesPerformed`, …). */
  get labels(): ReadonlySet<ErrorLabel> {
    return this.replicakit.labels
  }

  /** The node (`host:port`) the error came from, if one. */
  get node(): string | undefined {
    return this.replicakit.node
  }
}

/** Whether `value` is a {@link MysqlPoolError}. */
export function isMysqlPoolError(value: unknown): value is MysqlPoolError {
  return value instanceof MysqlPoolError
}

/**
 * The pool's form of anything that escapes a call: a {@link MysqlPoolError} around the ReplicaKit
 * error (the client maps every driver error it sees; anything else becomes `INTERNAL`).
 */
export function toMysqlPoolError(error: unknown): MysqlPoolError {
  if (error instanceof MysqlPoolError) return error
  if (isReplicaKitError(error)) return new MysqlPoolError(error)
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return new MysqlPoolError(
    new OperationError(`mysql pool: unexpected error: ${redactSecrets(detail)}`, {
      code: ErrorCode.Internal,
      cause: error,
    }),
  )
}
