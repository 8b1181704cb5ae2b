/**
 * Maps mysql2 and MySQL/MariaDB server errors to ReplicaKit errors: class, stable code, labels,
 * native code and a message that names the node and says what to do.
 *
 * Server errors are matched on `errno` (MariaDB-only numbers such as 1927 have no correct `code`
 * name in mysql2's MySQL table); socket and protocol errors on `code`.
 *
 * @see https://mariadb.com/kb/en/mariadb-error-code-reference/
 * @see https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html
 */
import {
  ConfigError,
  ErrorCode,
  ErrorLabel,
  NetworkError,
  NodeStateError,
  OperationError,
  TimeoutError,
  isReplicaKitError,
  redactSecrets,
  redactValue,
  tlsErrorFrom,
} from '../../src/adapter.js'
import type { NodeAddress, ReplicaKitError } from '../../src/adapter.js'
import { mysqlTlsError } from './mysql-tls.js'

/** Where in a call an error happened: before any statement was sent (`connect`) or after (`execute`). */
export const MysqlErrorPhase = {
  Connect: 'connect',
  Execute: 'execute',
} as const

/** One of the values of {@link MysqlErrorPhase}. */
export type MysqlErrorPhase = (typeof MysqlErrorPhase)[keyof typeof MysqlErrorPhase]

/** What {@link mapMysqlError} needs besides the error. */
export interface MysqlErrorContext {
  /** Default `execute`: after sending, a lost connection leaves the outcome unknown. */
  readonly phase?: MysqlErrorPhase
  /** Removed verbatim from every message (config errors may echo it). */
  readonly password?: string
  /**
   * The client's TLS, for what a refused login should suggest: `off`, `on` without a client
   * certificate, or with one (`client-certificate`). Default `off`.
   */
  readonly tls?: 'off' | 'on' | 'client-certificate'
}

/** The fields of a mysql2 error that the mapping reads. */
export interface MysqlErrorInfo {
  /** Server error number (`1290`), or a negative libuv number for socket errors. */
  readonly errno: number | undefined
  /** mysql2's name (`ER_OPTION_PREVENTS_STATEMENT`, `ECONNREFUSED`, `PROTOCOL_CONNECTION_LOST`). */
  readonly code: string | undefined
  readonly sqlState: string | undefined
  readonly syscall: string | undefined
  readonly fatal: boolean
  readonly message: string
}

/**
 * Server errors that mean "this node is read-only": 1290 (`--read-only` / `--super-read-only`
 * prevents the statement) and 1836 (`ER_READ_ONLY_MODE`). 1290 is also raised for other options
 * (`--secure-file-priv`, `--skip-grant-tables`), so its message must name read-only.
 */
export const MYSQL_READ_ONLY_ERRNOS: ReadonlySet<number> = new Set([1290, 1836])

/** Socket-level codes: the connection could not be opened or was lost. */
const SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ERROR',
  'PROTOCOL_UNEXPECTED_PACKET',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_DESTROYED',
  // mysql2's code for any failed TLS upgrade; what is left after mysqlTlsError is the socket dropping.
  'HANDSHAKE_SSL_ERROR',
])

/** Codes that prove the request never reached the server (refused, unresolvable, unreachable). */
const NEVER_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  // The TLS upgrade comes before the login: no statement was sent.
  'HANDSHAKE_SSL_ERROR',
])

/**
 * Server errors that end the connection or the server: 1053 shutdown in progress, 1927 MariaDB
 * `ER_CONNECTION_KILLED`, 4031 MySQL `ER_CLIENT_INTERACTION_TIMEOUT`, 1152/1184 aborted connection.
 */
const CONNECTION_ENDED_ERRNOS: ReadonlySet<number> = new Set([1053, 1152, 1184, 1927, 4031])

/** Credentials refused: 1045 access denied, 1698 no password (socket auth), 1862/1820 password expired, 3118/4151 account locked, 1251 auth plugin. */
const AUTH_ERRNOS: ReadonlySet<number> = new Set([1045, 1251, 1698, 1820, 1862, 3118, 4151])

/** Duplicate key: 1062 `ER_DUP_ENTRY`, 1022 `ER_DUP_KEY`, 1586 `ER_DUP_ENTRY_WITH_KEY_NAME`. */
const DUPLICATE_KEY_ERRNOS: ReadonlySet<number> = new Set([1022, 1062, 1586])

/** Reads the mysql2 error fields of anything thrown. */
export function mysqlErrorInfo(error: unknown): MysqlErrorInfo {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' && v !== '' ? v : undefined
  return {
    errno: typeof record['errno'] === 'number' ? record['errno'] : undefined,
    code: str(record['code']),
    sqlState: str(record['sqlState']),
    syscall: str(record['syscall']),
    fatal: record['fatal'] === true,
    message: str(record['sqlMessage']) ?? (error instanceof Error ? error.message : String(error)),
  }
}

/** Whether `error` is the server refusing a write because the node is read-only. */
export function isMysqlReadOnlyError(error: unknown): boolean {
  const info = mysqlErrorInfo(error)
  if (info.errno === undefined || !MYSQL_READ_ONLY_ERRNOS.has(info.errno)) return false
  return info.errno === 1836 || /read[-_ ]only/i.test(info.message)
}

/** What else a refused login may need, given the client's TLS. */
function loginHint(tls: NonNullable<MysqlErrorContext['tls']>): string {
  if (tls === 'client-certificate') return ''
  return tls === 'off'
    ? '; an account that says REQUIRE X509 also needs tls=true and a client certificate in tlsCertificateKeyFile'
    : '; an account that says REQUIRE X509 also needs a client certificate in tlsCertificateKeyFile'
}

function isServerError(info: MysqlErrorInfo): info is MysqlErrorInfo & { errno: number } {
  return info.errno !== undefined && info.errno > 0 && info.sqlState !== undefined
}

/**
 * Maps anything thrown while talking to `node` to a {@link ReplicaKitError}. ReplicaKit errors pass
 * through unchanged. The table (also in docs/errors.md):
 *
 * | native | class / code | labels |
 * |---|---|---|
 * | 1290 (read-only), 1836 | NodeStateError NOT_PRIMARY | NodeStateChange, NoWritesPerformed, RetryableWrite |
 * | ECONNREFUSED, ENOTFOUND, EHOSTUNREACH… | NetworkError NETWORK_ERROR | RetryableRead, NoWritesPerformed |
 * | connect ETIMEDOUT | TimeoutError CONNECT_TIMEOUT | RetryableRead, NoWritesPerformed |
 * | ECONNRESET, EPIPE, PROTOCOL_CONNECTION_LOST, 1053, 1927… | NetworkError NETWORK_ERROR | RetryableRead, UnknownOutcome (NoWritesPerformed in the connect phase); 1053 adds NodeStateChange |
 * | PROTOCOL_SEQUENCE_TIMEOUT | TimeoutError SOCKET_TIMEOUT | RetryableRead, UnknownOutcome |
 * | 1040 too many connections | NetworkError NETWORK_ERROR | RetryableRead, NoWritesPerformed |
 * | TLS failures (core `tlsErrorFrom`, then mysql2's `HANDSHAKE_*`: `mysql-tls.ts`) | TlsError TLS_* | none (never retried) |
 * | 1045, 1698, 1862… | ConfigError AUTHENTICATION_FAILED | none (never retried) |
 * | `AUTH_SWITCH_PLUGIN_ERROR` (e.g. an ed25519 account: mysql2 has no `client_ed25519`) | ConfigError AUTHENTICATION_FAILED | none |
 * | 1062, 1022, 1586 | OperationError DUPLICATE_KEY | none |
 * | 1213 deadlock | OperationError OPERATION_FAILED | RetryableRead, RetryableWrite |
 * | 1205 lock wait timeout | OperationError OPERATION_FAILED | RetryableRead |
 * | any other server error | OperationError OPERATION_FAILED | none |
 * | not a driver error (the caller's own) | OperationError INTERNAL | none (the client rethrows the original) |
 * | not a driver error (the caller's own) | OperationError INTERNAL | none (the client rethrows the original) |
 *
 * 1213: InnoDB rolls back the whole transaction on a deadlock, so re-running it cannot apply it twice.
 * 1205: only the statement is rolled back (`innodb_rollback_on_timeout=OFF`, the default) and the
 * transaction stays open, so a write is not marked retryable. Labels describe the failing statement:
 * statements that autocommitted earlier in the same call are not covered by `NoWritesPerformed`
 * (the caller can tell from `lastWriteToken`).
 */
export function mapMysqlError(
  error: unknown,
  node: NodeAddress | undefined,
  context: MysqlErrorContext = {},
): ReplicaKitError {
  if (isReplicaKitError(error)) return error
  const tls = tlsErrorFrom(error, node) ?? mysqlTlsError(error, node)
  if (tls !== undefined) return tls
  const where = node === undefined ? 'mysql' : `mysql node ${node}`
  const info = mysqlErrorInfo(error)
  const connecting = context.phase === MysqlErrorPhase.Connect
  const native = isServerError(info) ? info.errno : (info.code ?? info.errno)
  const detail = redactValue(redactSecrets(info.message), context.password)
  const options = (code: ErrorCode, labels: ErrorLabel[]) => ({
    code,
    labels,
    ...(node === undefined ? {} : { node }),
    nativeCode: native,
    cause: error,
  })
  const lostLabels = (): ErrorLabel[] =>
    connecting
      ? [ErrorLabel.RetryableRead, ErrorLabel.NoWritesPerformed]
      : [ErrorLabel.RetryableRead, ErrorLabel.UnknownOutcome]

  if (isServerError(info)) {
    const errno = info.errno
    if (isMysqlReadOnlyError(error)) {
      return new NodeStateError(
        `${where} is read-only (${errno}: ${detail}): it is not the primary; the statement was not applied, re-select the primary and retry`,
        options(ErrorCode.NotPrimary, [
          ErrorLabel.NodeStateChange,
          ErrorLabel.NoWritesPerformed,
          ErrorLabel.RetryableWrite,
        ]),
      )
    }
    if (AUTH_ERRNOS.has(errno)) {
      return new ConfigError(
        `${where} refused the credentials (${errno}: ${detail}): check the user name and password in the connection string${loginHint(context.tls ?? 'off')}`,
        options(ErrorCode.AuthenticationFailed, []),
      )
    }
    if (errno === 1049) {
      return new ConfigError(
        `${where} has no database named in the connection string (1049: ${detail}): create it or fix the name`,
        options(ErrorCode.UnknownDatabase, []),
      )
    }
    if (errno === 1044) {
      return new ConfigError(
        `${where} refused the user access to the database (1044: ${detail}): grant it (GRANT … ON db.* TO user) or fix the name`,
        options(ErrorCode.AuthenticationFailed, []),
      )
    }
    if (errno === 1040) {
      return new NetworkError(
        `${where} has too many connections (1040): lower maxPoolSize or raise max_connections`,
        options(ErrorCode.NetworkError, [ErrorLabel.RetryableRead, ErrorLabel.NoWritesPerformed]),
      )
    }
    if (CONNECTION_ENDED_ERRNOS.has(errno)) {
      const labels = lostLabels()
      if (errno === 1053) labels.push(ErrorLabel.NodeStateChange)
      return new NetworkError(
        `${where} ended the connection (${errno}: ${detail}): the node is shutting down or killed the session; ${connecting ? 'nothing was sent' : 'the outcome of the statement is unknown'}`,
        options(ErrorCode.NetworkError, labels),
      )
    }
    if (DUPLICATE_KEY_ERRNOS.has(errno)) {
      return new OperationError(
        `${where} rejected a duplicate key (${errno}: ${detail})`,
        options(ErrorCode.DuplicateKey, []),
      )
    }
    if (errno === 1213) {
      return new OperationError(
        `${where} rolled back the transaction after a deadlock (1213): re-run the whole transaction`,
        options(ErrorCode.OperationFailed, [ErrorLabel.RetryableRead, ErrorLabel.RetryableWrite]),
      )
    }
    if (errno === 1205) {
      return new OperationError(
        `${where} timed out waiting for a row lock (1205): the statement was rolled back but the transaction is still open; roll it back before retrying`,
        options(ErrorCode.OperationFailed, [ErrorLabel.RetryableRead]),
      )
    }
    return new OperationError(
      `${where} rejected the statement (${errno}: ${detail})`,
      options(ErrorCode.OperationFailed, []),
    )
  }

  const code = info.code
  if (code === 'AUTH_SWITCH_PLUGIN_ERROR') {
    const plugin = /plugin (\w+)/.exec(info.message)?.[1]
    return new ConfigError(
      plugin === 'client_ed25519'
        ? `${where} asks for the ed25519 authentication plugin, which ReplicaKit does not support ` +
            '(mysql2 has no client_ed25519 plugin): give the account mysql_native_password ' +
            "(ALTER USER … IDENTIFIED VIA mysql_native_password USING PASSWORD('…')) or connect as " +
            'another one'
        : `${where} asks for an authentication plugin the client cannot use (${detail}): give ` +
            'the account mysql_native_password or connect as another one',
      options(ErrorCode.AuthenticationFailed, []),
    )
  }
  if (code === 'ETIMEDOUT' && (connecting || info.syscall === 'connect')) {
    return new TimeoutError(
      `${where} did not accept a connection within connectTimeoutMS: check that it is up and reachable`,
      options(ErrorCode.ConnectTimeout, [ErrorLabel.RetryableRead, ErrorLabel.NoWritesPerformed]),
    )
  }
  if (code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
    return new TimeoutError(
      `${where} did not answer in time (${detail}): the outcome of the statement is unknown`,
      options(ErrorCode.SocketTimeout, lostLabels()),
    )
  }
  if (code !== undefined && SOCKET_CODES.has(code)) {
    const neverSent = connecting || NEVER_SENT_CODES.has(code)
    return new NetworkError(
      `${where} is unreachable or dropped the connection (${code}: ${detail}): ${neverSent ? 'nothing was sent; retry on another node' : 'the outcome of the statement is unknown'}`,
      options(
        ErrorCode.NetworkError,
        neverSent
          ? [ErrorLabel.RetryableRead, ErrorLabel.NoWritesPerformed]
          : [ErrorLabel.RetryableRead, ErrorLabel.UnknownOutcome],
      ),
    )
  }
  if (info.fatal) {
    // mysql2's own fatal errors ("Can't add new command when connection is in closed state").
    return new NetworkError(
      `${where}: the connection is no longer usable (${detail})`,
      options(ErrorCode.NetworkError, lostLabels()),
    )
  }
  // Not from the driver (the caller's own code threw): INTERNAL tells the client to rethrow the
  // original untouched.
  return new OperationError(`${where}: ${detail}`, options(ErrorCode.Internal, []))
}
