/**
 * ReplicaKit: one client that keeps database access working through node failures.
 *
 * ```ts
 * import { connect } from 'replicakit'
 *
 * const db = await connect('mysql://app:secret@10.0.0.1,10.0.0.2,10.0.0.3/shop?w=majority&wtimeoutMS=2000')
 * await db.write(conn => conn.query('INSERT INTO orders SET ?', [order]))
 * const [rows] = await db.read(conn => conn.query('SELECT * FROM orders WHERE id = ?', [id]), {
 *   readPreference: 'secondaryPreferred',
 * })
 * db.on('primaryChanged', e => console.log('primary is now', e.next))
 * await db.close()
 * ```
 *
 * @packageDocumentation
 */
export { connect, createClient } from './connect.js'
export { ReplicaKitClient } from './client/client.js'
export { Session } from './client/session.js'
export type { CallOptions } from './client/call-options.js'
export type { ClientEvents, ClientEventName } from './client/client-events.js'
export type { NodeSnapshot, TopologySnapshot } from './client/topology-snapshot.js'
export type { ClientOptions, ResolvedOptions } from './config/options.js'
export { resolveOptions } from './config/options.js'
export { redactUri } from './config/uri.js'
export {
  ReplicaKitError,
  ConfigError,
  NetworkError,
  TimeoutError,
  NodeStateError,
  ServerSelectionError,
  WriteConcernError,
  OperationError,
  ClientClosedError,
  TlsError,
  isReplicaKitError,
} from './errors/errors.js'
export type { ReplicaKitErrorOptions } from './errors/errors.js'
export { ErrorCode, ErrorLabel } from './errors/error-codes.js'
export { ReadPreferenceMode } from './selection/read-preference.js'
export type { ReadPreference } from './selection/read-preference.js'
export type { WriteConcern, ReadConcern } from './concern/write-concern.js'
export { NodeType, NodeState } from './topology/node-description.js'
export type { Tags } from './topology/node-description.js'
export { TopologyType } from './topology/topology-description.js'
export type { NodeAddress } from './topology/node-address.js'
export type { RetryEvent } from './retry/execute-with-retry.js'
export { Backend } from './backend.js'
export type {
  AcquireOptions,
  Adapter,
  AdapterCapabilities,
  AdapterContext,
  AdapterFactory,
  AdapterSessions,
  AwaitAppliedOptions,
  CallIntent,
  CallTarget,
  CausalMode,
  CausalToken,
  DataCenterFailoverEvent,
  DiscoveryMode,
  ProbeOptions,
  ReplicaWaits,
  RoutingMode,
  TopologySink,
  TopologyView,
  WriteConcernMode,
} from './adapter.js'
export type { ProbeResult } from './topology/probe-result.js'
