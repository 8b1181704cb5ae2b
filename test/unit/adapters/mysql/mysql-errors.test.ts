import { describe, expect, it } from 'vitest'
import {
  ConfigError,
  ErrorCode,
  ErrorLabel,
  NetworkError,
  NodeStateError,
  OperationError,
  TimeoutError,
  isReplicaKitError,
} from '../../../../src/adapter.js'
import {
  isMysqlReadOnlyError,
  mapMysqlError,
  mysqlErrorInfo,
} from '../../../../adapters/mysql/mysql-errors.js'

const NODE = '127.0.0.1:3307'

/** A server error as mysql2 builds it (Error + code, errno, sqlState, sqlMessage). */
function serverError(errno: number, code: string, sqlMessage: string, sqlState = 'HY000'): Error {
  return Object.assign(new Error(sqlMessage), { code, errno, sqlState, sqlMessage, fatal: false })
}

/** A socket error as mysql2 passes it on (Node's error + `fatal`). */
function socketError(code: string, syscall: string, errno = -1): Error {
  return Object.assign(new Error(`${syscall} ${code} 127.0.0.1:3307`), {
    code,
    errno,
    syscall,
    fatal: true,
  })
}

const R = ErrorLabel
const READ_ONLY_1290 = serverError(
  1290,
  'ER_OPTION_PREVENTS_STATEMENT',
  'The MariaDB server is running with the --read-only option so it cannot execute this statement',
)

describe('mapMysqlError', () => {
  it.each([
    [
      '1290 read-only',
      READ_ONLY_1290,
      {},
      NodeStateError,
      ErrorCode.NotPrimary,
      [R.NodeStateChange, R.NoWritesPerformed, R.RetryableWrite],
      1290,
    ],
    [
      '1290 MySQL super-read-only',
      serverError(
        1290,
        'ER_OPTION_PREVENTS_STATEMENT',
        'The MySQL server is running with the --super-read-only option so it cannot execute this statement',
      ),
      {},
      NodeStateError,
      ErrorCode.NotPrimary,
      [R.NodeStateChange, R.NoWritesPerformed, R.RetryableWrite],
      1290,
    ],
    [
      '1836 read-only mode',
      serverError(1836, 'ER_READ_ONLY_MODE', 'Running in read-only mode'),
      {},
      NodeStateError,
      ErrorCode.NotPrimary,
      [R.NodeStateChange, R.NoWritesPerformed, R.RetryableWrite],
      1836,
    ],
    [
      '1290 for another option',
      serverError(
        1290,
        'ER_OPTION_PREVENTS_STATEMENT',
        'The MariaDB server is running with the --secure-file-priv option so it cannot execute this statement',
      ),
      {},
      OperationError,
      ErrorCode.OperationFailed,
      [],
      1290,
    ],
    [
      'ECONNREFUSED',
      socketError('ECONNREFUSED', 'connect', -111),
      {},
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.NoWritesPerformed],
      'ECONNREFUSED',
    ],
    [
      'ENOTFOUND',
      socketError('ENOTFOUND', 'getaddrinfo'),
      {},
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.NoWritesPerformed],
      'ENOTFOUND',
    ],
    [
      'ECONNRESET after sending',
      socketError('ECONNRESET', 'read', -104),
      {},
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.UnknownOutcome],
      'ECONNRESET',
    ],
    [
      'ECONNRESET while connecting',
      socketError('ECONNRESET', 'read', -104),
      { phase: 'connect' as const },
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.NoWritesPerformed],
      'ECONNRESET',
    ],
    [
      'EPIPE',
      socketError('EPIPE', 'write', -32),
      {},
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.UnknownOutcome],
      'EPIPE',
    ],
    [
      'PROTOCOL_CONNECTION_LOST',
      Object.assign(new Error('Connection lost: The server closed the connection.'), {
        code: 'PROTOCOL_CONNECTION_LOST',
        fatal: true,
      }),
      {},
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.UnknownOutcome],
      'PROTOCOL_CONNECTION_LOST',
    ],
    [
      'connect ETIMEDOUT (mysql2 connectTimeout)',
      Object.assign(new Error('connect ETIMEDOUT'), {
        code: 'ETIMEDOUT',
        errorno: 'ETIMEDOUT',
        syscall: 'connect',
        fatal: true,
      }),
      {},
      TimeoutError,
      ErrorCode.ConnectTimeout,
      [R.RetryableRead, R.NoWritesPerformed],
      'ETIMEDOUT',
    ],
    [
      'ETIMEDOUT on an open socket',
      socketError('ETIMEDOUT', 'read', -110),
      {},
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.UnknownOutcome],
      'ETIMEDOUT',
    ],
    [
      'PROTOCOL_SEQUENCE_TIMEOUT',
      Object.assign(new Error('Query inactivity timeout'), {
        code: 'PROTOCOL_SEQUENCE_TIMEOUT',
        fatal: true,
      }),
      {},
      TimeoutError,
      ErrorCode.SocketTimeout,
      [R.RetryableRead, R.UnknownOutcome],
      'PROTOCOL_SEQUENCE_TIMEOUT',
    ],
    [
      '1053 shutdown',
      serverError(1053, 'ER_SERVER_SHUTDOWN', 'Server shutdown in progress', '08S01'),
      {},
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.UnknownOutcome, R.NodeStateChange],
      1053,
    ],
    [
      '1927 connection killed (MariaDB)',
      serverError(1927, 'ER_UNKNOWN_ERROR', 'Connection was killed', '70100'),
      {},
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.UnknownOutcome],
      1927,
    ],
    [
      '1040 too many connections',
      serverError(1040, 'ER_CON_COUNT_ERROR', 'Too many connections', '08004'),
      {},
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.NoWritesPerformed],
      1040,
    ],
    [
      '1045 access denied',
      serverError(
        1045,
        'ER_ACCESS_DENIED_ERROR',
        "Access denied for user 'app'@'localhost' (using password: YES)",
        '28000',
      ),
      {},
      ConfigError,
      ErrorCode.AuthenticationFailed,
      [],
      1045,
    ],
    [
      '1062 duplicate key',
      serverError(1062, 'ER_DUP_ENTRY', "Duplicate entry '7' for key 'PRIMARY'", '23000'),
      {},
      OperationError,
      ErrorCode.DuplicateKey,
      [],
      1062,
    ],
    [
      '1213 deadlock',
      serverError(
        1213,
        'ER_LOCK_DEADLOCK',
        'Deadlock found when trying to get lock; try restarting transaction',
        '40001',
      ),
      {},
      OperationError,
      ErrorCode.OperationFailed,
      [R.RetryableRead, R.RetryableWrite],
      1213,
    ],
    [
      '1205 lock wait timeout',
      serverError(
        1205,
        'ER_LOCK_WAIT_TIMEOUT',
        'Lock wait timeout exceeded; try restarting transaction',
      ),
      {},
      OperationError,
      ErrorCode.OperationFailed,
      [R.RetryableRead],
      1205,
    ],
    [
      '1064 syntax',
      serverError(
        1064,
        'ER_PARSE_ERROR',
        "You have an error in your SQL syntax; check the manual near 'SELEC 1' at line 1",
        '42000',
      ),
      {},
      OperationError,
      ErrorCode.OperationFailed,
      [],
      1064,
    ],
    [
      '1146 no such table',
      serverError(1146, 'ER_NO_SUCH_TABLE', "Table 'appdb.nope' doesn't exist", '42S02'),
      {},
      OperationError,
      ErrorCode.OperationFailed,
      [],
      1146,
    ],
    [
      'mysql2 closed-state error',
      Object.assign(new Error("Can't add new command when connection is in closed state"), {
        fatal: true,
      }),
      {},
      NetworkError,
      ErrorCode.NetworkError,
      [R.RetryableRead, R.UnknownOutcome],
      undefined,
    ],
  ])('%s', (_name, error, context, errorClass, code, labels, nativeCode) => {
    const mapped = mapMysqlError(error, NODE, context)
    expect(mapped).toBeInstanceOf(errorClass)
    expect(isReplicaKitError(mapped)).toBe(true)
    expect(mapped.code).toBe(code)
    expect([...mapped.labels].sort()).toEqual([...labels].sort())
    expect(mapped.nativeCode).toBe(nativeCode)
    expect(mapped.node).toBe(NODE)
    expect(mapped.cause).toBe(error)
    expect(mapped.message).toContain(NODE)
  })

  it('hands back a non-driver error (the caller’s own) as INTERNAL so the client can rethrow it', () => {
    const mine = new TypeError('cannot read properties of undefined')
    const mapped = mapMysqlError(mine, NODE)
    expect(mapped.code).toBe(ErrorCode.Internal)
    expect(mapped.cause).toBe(mine)
  })

  it('passes ReplicaKit errors through unchanged', () => {
    const first = mapMysqlError(READ_ONLY_1290, NODE)
    expect(mapMysqlError(first, '10.0.0.9:3306')).toBe(first)
  })

  it('says what to do', () => {
    expect(mapMysqlError(READ_ONLY_1290, NODE).message).toMatch(
      /not the primary.*re-select the primary/,
    )
    expect(
      mapMysqlError(serverError(1045, 'ER_ACCESS_DENIED_ERROR', 'Access denied', '28000'), NODE)
        .message,
    ).toMatch(/check the user name and password/)
  })

  it('keeps MySQL’s "(using password: YES)" in an access-denied message, balanced', () => {
    const mapped = mapMysqlError(
      serverError(
        1045,
        'ER_ACCESS_DENIED_ERROR',
        "Access denied for user 'app'@'localhost' (using password: YES)",
        '28000',
      ),
      NODE,
      { password: 's3cr3t-pw' },
    )
    expect(mapped.message).toContain(
      "(1045: Access denied for user 'app'@'localhost' (using password: YES)):",
    )
  })

  it('never carries the password, in URI form or verbatim', () => {
    const leaky = Object.assign(
      new Error(
        'cannot connect to mysql://app:s3cr3t-pw@127.0.0.1:3307/appdb (password s3cr3t-pw)',
      ),
      { code: 'ECONNREFUSED', fatal: true },
    )
    const mapped = mapMysqlError(leaky, NODE, { password: 's3cr3t-pw' })
    expect(mapped.message).not.toContain('s3cr3t-pw')
    expect(mapped.message).toContain('app:*****@')
  })
})

describe('isMysqlReadOnlyError', () => {
  it('matches read-only refusals only', () => {
    expect(isMysqlReadOnlyError(READ_ONLY_1290)).toBe(true)
    expect(
      isMysqlReadOnlyError(serverError(1836, 'ER_READ_ONLY_MODE', 'Running in read-only mode')),
    ).toBe(true)
    expect(isMysqlReadOnlyError(serverError(1062, 'ER_DUP_ENTRY', 'dup'))).toBe(false)
    expect(isMysqlReadOnlyError(new Error('read-only'))).toBe(false)
  })
})

describe('mysqlErrorInfo', () => {
  it('reads the mysql2 fields and tolerates non-errors', () => {
    expect(mysqlErrorInfo(READ_ONLY_1290)).toMatchObject({
      errno: 1290,
      sqlState: 'HY000',
      fatal: false,
    })
    expect(mysqlErrorInfo('boom')).toMatchObject({
      errno: undefined,
      code: undefined,
      message: 'boom',
    })
  })
})
