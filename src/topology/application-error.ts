import { ErrorCode, ErrorLabel } from '../errors/error-codes.js'
import type { ReplicaKitError } from '../errors/errors.js'
import { compareTopologyVersion } from './node-description.js'
import type { NodeDescription, TopologyVersion } from './node-description.js'
import { TopologyType } from './topology-description.js'

/**
 * When an application error happened on a connection:
 * - `connect`: opening the socket or the initial handshake (a refused or slow connection may only
 *   mean the node is overloaded, so the description is left alone);
 * - `authenticate`: the authentication step;
 * - `operation`: on an established connection.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#network-error-when-reading-or-writing
 */
export const ErrorPhase = {
  Connect: 'connect',
  Authenticate: 'authenticate',
  Operation: 'operation',
} as const

/** One of the values of {@link ErrorPhase}. */
export type ErrorPhase = (typeof ErrorPhase)[keyof typeof ErrorPhase]

/** What the caller knows about where an application error came from. */
export interface ApplicationErrorContext {
  /** The pool generation of the connection the error happened on. Default: the current one. */
  readonly generation?: number
  /** Default `'operation'`. */
  readonly phase?: ErrorPhase
  /** The node's topologyVersion carried by a state-change error (MongoDB 4.4+), if any. */
  readonly topologyVersion?: TopologyVersion | null
  /**
   * For a state-change error: whether every connection to the node is bad too, so the pool must be
   * cleared (MongoDB: a shutdown code, or a server older than 4.2). Default false.
   */
  readonly clearPoolOnStateChange?: boolean
}

/** What an application error does to the topology. */
export interface ApplicationErrorOutcome {
  /** Replace the node's description with Unknown (carrying the error). */
  readonly markUnknown: boolean
  /** Clear the node's connection pool (increment its generation). */
  readonly clearPool: boolean
  /** Ask the node's monitor for an immediate check. */
  readonly requestCheck: boolean
}

const IGNORE: ApplicationErrorOutcome = Object.freeze({
  markUnknown: false,
  clearPool: false,
  requestCheck: false,
})

/**
 * Whether an application error is stale and must change nothing: it came from a connection of an
 * older pool generation, or carries a topologyVersion not newer than the node's current one.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#error-handling-pseudocode
 */
export function isStaleApplicationError(
  current: NodeDescription,
  poolGeneration: number,
  context: ApplicationErrorContext,
): boolean {
  if (context.generation !== undefined && context.generation < poolGeneration) return true
  return compareTopologyVersion(current.topologyVersion, context.topologyVersion) >= 0
}

/** Whether `error` says the node changed role ("not writable primary", "node is recovering"). */
export function isStateChangeError(error: ReplicaKitError): boolean {
  return (
    error.labels.has(ErrorLabel.NodeStateChange) ||
    error.code === ErrorCode.NotPrimary ||
    error.code === ErrorCode.NodeRecovering
  )
}

/**
 * What a non-stale application error does, by the SDAM error-handling rules:
 * - a state change marks the node Unknown (with the error's topologyVersion) and requests a check;
 *   the pool is cleared only when `clearPoolOnStateChange`;
 * - a network error on an established connection, or any error while authenticating (including an
 *   authentication failure during connect), marks the node Unknown and clears its pool, without an
 *   immediate check (the next heartbeat or a server selection will re-check it);
 * - a timeout on an established connection, a network error while connecting, and every other
 *   error (a constraint violation, a write error, a caller's deadline) change nothing.
 * In a load-balanced topology the node is never marked Unknown.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#application-errors
 */
export function classifyApplicationError(
  error: ReplicaKitError,
  context: ApplicationErrorContext,
  topologyType: TopologyType,
): ApplicationErrorOutcome {
  const canMarkUnknown = topologyType !== TopologyType.LoadBalanced
  if (isStateChangeError(error)) {
    return Object.freeze({
      markUnknown: canMarkUnknown,
      clearPool: context.clearPoolOnStateChange === true,
      requestCheck: canMarkUnknown,
    })
  }
  const phase = context.phase ?? ErrorPhase.Operation
  const isNetwork = error.code === ErrorCode.NetworkError
  const isNetworkTimeout =
    error.code === ErrorCode.SocketTimeout || error.code === ErrorCode.ConnectTimeout
  const breaksNode =
    (phase === ErrorPhase.Operation && isNetwork) ||
    (phase === ErrorPhase.Authenticate && (isNetwork || isNetworkTimeout)) ||
    (phase !== ErrorPhase.Operation && error.code === ErrorCode.AuthenticationFailed)
  if (!breaksNode) return IGNORE
  return Object.freeze({ markUnknown: canMarkUnknown, clearPool: true, requestCheck: false })
}
