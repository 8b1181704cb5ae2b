/**
 * The stable error codes of ReplicaKit. A code never changes meaning once released; `docs/errors.md`
 * lists every one with what to do about it.
 */
export const ErrorCode = {
  /** The connection string cannot be parsed. */
  InvalidUri: 'INVALID_URI',
  /** An option has a wrong type or value, or is unknown. */
  InvalidOption: 'INVALID_OPTION',
  /** Two options contradict each other. */
  ConflictingOptions: 'CONFLICTING_OPTIONS',
  /** The URI scheme names a backend this build cannot serve. */
  UnsupportedBackend: 'UNSUPPORTED_BACKEND',
  /** The backend's driver package (a peer dependency) is not installed. */
  DriverMissing: 'DRIVER_MISSING',
  /** A socket could not be opened or was lost. */
  NetworkError: 'NETWORK_ERROR',
  /** The server refused the credentials. */
  AuthenticationFailed: 'AUTHENTICATION_FAILED',
  /** The server's TLS certificate could not be verified against the trusted CAs (`tlsCAFile`). */
  TlsCertificateInvalid: 'TLS_CERTIFICATE_INVALID',
  /** The server's TLS certificate is valid but does not name the host connected to. */
  TlsHostnameMismatch: 'TLS_HOSTNAME_MISMATCH',
  /** The server accepts only TLS connections and the client connected without TLS. */
  TlsRequired: 'TLS_REQUIRED',
  /** The TLS handshake failed otherwise (no TLS on that port, client certificate refused, no common protocol). */
  TlsHandshakeFailed: 'TLS_HANDSHAKE_FAILED',
  /** The database (MySQL schema, Cassandra keyspace) named in the connection string does not exist. */
  UnknownDatabase: 'UNKNOWN_DATABASE',
  /** The call's deadline (`timeoutMS`) passed before it finished. */
  OperationTimeout: 'OPERATION_TIMEOUT',
  /** Opening a connection took longer than `connectTimeoutMS`. */
  ConnectTimeout: 'CONNECT_TIMEOUT',
  /** A socket read took longer than `socketTimeoutMS`. */
  SocketTimeout: 'SOCKET_TIMEOUT',
  /** The caller's `AbortSignal` fired. */
  Aborted: 'ABORTED',
  /** The node is no longer the primary (it was demoted, or is read-only). */
  NotPrimary: 'NOT_PRIMARY',
  /** The node is recovering, starting up or otherwise not serving. */
  NodeRecovering: 'NODE_RECOVERING',
  /** No node matching the read preference (or no primary) was found within `serverSelectionTimeoutMS`. */
  ServerSelectionTimeout: 'SERVER_SELECTION_TIMEOUT',
  /** More than one node claims to be writable: writes are refused until an operator fixes it. */
  SplitBrain: 'SPLIT_BRAIN',
  /** The write happened on the primary but `w` was not met within `wtimeoutMS`. */
  WriteConcernTimeout: 'WRITE_CONCERN_TIMEOUT',
  /** The write concern can never be met by this cluster (e.g. `w` larger than the members). */
  WriteConcernUnsatisfiable: 'WRITE_CONCERN_UNSATISFIABLE',
  /** Too few replicas are alive for the consistency level (Cassandra `Unavailable`); nothing was written. */
  ReplicasUnavailable: 'REPLICAS_UNAVAILABLE',
  /** Replicas did not answer the coordinator in time (Cassandra `ReadTimeout`/`WriteTimeout`). */
  ReplicaTimeout: 'REPLICA_TIMEOUT',
  /** A read could not reach the caller's causal position within its bound. */
  CausalWaitTimeout: 'CAUSAL_WAIT_TIMEOUT',
  /** The server rejected the operation (syntax, constraint, permission, …). */
  OperationFailed: 'OPERATION_FAILED',
  /** A unique key was violated. */
  DuplicateKey: 'DUPLICATE_KEY',
  /** The operation is not available on this backend or topology. */
  NotSupported: 'NOT_SUPPORTED',
  /** The client was closed. */
  ClientClosed: 'CLIENT_CLOSED',
  /** A bug in ReplicaKit: please report it. */
  Internal: 'INTERNAL',
} as const

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/**
 * Labels attached to an error that say what may be done about it.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/retryable-writes/retryable-writes.md
 */
export const ErrorLabel = {
  /** A read that failed with this error may be retried on another node. */
  RetryableRead: 'RetryableRead',
  /** A write that failed with this error may be retried (the backend protects against doubles). */
  RetryableWrite: 'RetryableWrite',
  /** The server proved that nothing was written. */
  NoWritesPerformed: 'NoWritesPerformed',
  /** The node changed state (stepped down, went read-only, is recovering): re-probe it. */
  NodeStateChange: 'NodeStateChange',
  /** The write may or may not have been applied. */
  UnknownOutcome: 'UnknownOutcome',
} as const

/** One of the values of {@link ErrorLabel}. */
export type ErrorLabel = (typeof ErrorLabel)[keyof typeof ErrorLabel]
