/**
 * Builds the cassandra-driver client of one ReplicaKit client: finds the ring's data centers
 * first (a control connection only), checks `localDataCenter` and `dataCenterFailover` against
 * them, then makes one execution profile per data center (the driver keeps connection pools for
 * every data center some profile makes local) with token-aware routing inside it, a retry policy
 * that never retries (the core's loop owns retries) and, if asked, speculative execution. Both
 * clients get the same {@link DriverSecurity} (TLS and credentials), made once per ReplicaKit client.
 */
import type { ConnectionOptions } from 'node:tls'
import cassandra from 'cassandra-driver'
import type { ResolvedOptions } from '../../src/adapter.js'
import { ConfigError, ErrorCode, loadTlsMaterial } from '../../src/adapter.js'
import { profileName } from './cassandra-routing.js'
import { RedactedPlainTextAuthProvider, driverSslOptions } from './cassandra-tls.js'

const { policies } = cassandra

/**
 * A retry policy that never retries: the driver hands every error back, and ReplicaKit's one
 * retry loop decides (idempotence, backoff, deadline).
 */
export class NeverRetryPolicy extends policies.retry.RetryPolicy {
  override onReadTimeout(): cassandra.policies.retry.DecisionInfo {
    return this.rethrowResult()
  }
  override onUnavailable(): cassandra.policies.retry.DecisionInfo {
    return this.rethrowResult()
  }
  override onWriteTimeout(): cassandra.policies.retry.DecisionInfo {
    return this.rethrowResult()
  }
  override onRequestError(): cassandra.policies.retry.DecisionInfo {
    return this.rethrowResult()
  }
}

/**
 * The driver's `RequestTracker` class: the driver takes only its instances (`instanceof`), while its
 * typings declare it as an interface, so the class is reached at run time.
 */
const RequestTrackerBase = (
  cassandra.tracker as unknown as { RequestTracker: new () => cassandra.tracker.RequestTracker }
).RequestTracker

/**
 * The driver's request tracker, used for one thing: each statement's round trip to the host that
 * answered it (the driver times every request on its host anyway), reported to `onRoundTrip` in
 * ms. The ring view takes round trips from here, so calls are timed without a reaction of ours.
 */
export class RoundTripTracker
  extends RequestTrackerBase
  implements cassandra.tracker.RequestTracker
{
  readonly #onRoundTrip: (host: cassandra.Host, roundTripMS: number) => void

  constructor(onRoundTrip: (host: cassandra.Host, roundTripMS: number) => void) {
    super()
    this.#onRoundTrip = onRoundTrip
  }

  override onSuccess(
    host: cassandra.Host,
    _query: string | { query: string; params?: unknown }[],
    _parameters: unknown[] | Record<string, unknown> | null,
    _executionOptions: cassandra.ExecutionOptions,
    _requestLength: number,
    _responseLength: number,
    latency: number[],
  ): void {
    this.#onRoundTrip(host, (latency[0] ?? 0) * 1000 + (latency[1] ?? 0) / 1e6)
  }
}

/** A load-balancing policy that opens no pool: the discovery client uses its control connection only. */
class ControlOnlyPolicy extends policies.loadBalancing.RoundRobinPolicy {
  override getDistance(): cassandra.types.distance {
    return cassandra.types.distance.ignored
  }
}

/** What every driver connection of one ReplicaKit client carries: TLS, credentials. */
export interface DriverSecurity {
  /** Node's `tls.connect` options (the driver's `sslOptions`); absent without `tls`. */
  readonly sslOptions?: ConnectionOptions
  /** `PlainTextAuthProvider` of the URI's user name and password; absent without a user name. */
  readonly authProvider?: cassandra.auth.AuthProvider
}

/**
 * Reads the TLS files once (`loadTlsMaterial`: a file that cannot be read or a key password that
 * does not open the key throws a `ConfigError`) and makes the auth provider.
 */
export function driverSecurity(options: ResolvedOptions): DriverSecurity {
  const material = loadTlsMaterial(options.tls)
  return {
    ...(material === undefined ? {} : { sslOptions: driverSslOptions(material) }),
    ...(options.username === undefined
      ? {}
      : {
          authProvider: new RedactedPlainTextAuthProvider(options.username, options.password ?? ''),
        }),
  }
}

/** The driver options every client of ReplicaKit shares (contact points, credentials, TLS, timeouts). */
export function baseDriverOptions(
  options: ResolvedOptions,
  security: DriverSecurity,
): cassandra.ClientOptions {
  const ports = new Set(options.hosts.map((h) => Number(h.slice(h.lastIndexOf(':') + 1))))
  const port = ports.size === 1 ? [...ports][0] : undefined
  return {
    contactPoints: options.hosts.map((h) =>
      port === undefined ? h : h.slice(0, h.lastIndexOf(':')),
    ),
    ...(port === undefined ? {} : { protocolOptions: { port } }),
    ...(options.database === undefined ? {} : { keyspace: options.database }),
    ...(security.authProvider === undefined ? {} : { authProvider: security.authProvider }),
    ...(security.sslOptions === undefined ? {} : { sslOptions: security.sslOptions }),
    socketOptions: {
      connectTimeout: options.connectTimeoutMS > 0 ? options.connectTimeoutMS : 10_000,
      // Each statement gets its own bound from the call's deadline; this is the fallback.
      readTimeout: options.socketTimeoutMS,
    },
    pooling: { heartBeatInterval: Math.min(options.heartbeatFrequencyMS, 30_000) },
    policies: {
      retry: new NeverRetryPolicy(),
      reconnection: new policies.reconnection.ExponentialReconnectionPolicy(
        options.minHeartbeatFrequencyMS,
        Math.max(options.minHeartbeatFrequencyMS, options.heartbeatFrequencyMS),
        false,
      ),
    },
  }
}

/** The ring's data centers, read over one control connection (no pools), then closed. */
export async function discoverDataCenters(
  options: ResolvedOptions,
  security: DriverSecurity,
): Promise<string[]> {
  const base = baseDriverOptions(options, security)
  const probe = new cassandra.Client({
    ...base,
    policies: { ...base.policies, loadBalancing: new ControlOnlyPolicy() },
  })
  try {
    await probe.connect()
    return [...new Set(probe.hosts.values().map((h) => h.datacenter))].sort()
  } finally {
    await probe.shutdown().catch(() => undefined)
  }
}

/**
 * Checks the data center options against the ring and returns the local data center:
 * `localDataCenter`, or the ring's only one.
 *
 * @throws ConfigError naming the option and the ring's data centers.
 */
export function chooseLocalDataCenter(
  options: ResolvedOptions,
  dataCenters: readonly string[],
): string {
  const known = dataCenters.join(', ')
  const local = options.localDataCenter ?? (dataCenters.length === 1 ? dataCenters[0] : undefined)
  if (local === undefined) {
    throw new ConfigError(
      `localDataCenter is required: the ring has several data centers (${known}); add ` +
        `?localDataCenter=<the application's data center> to the connection string`,
      { code: ErrorCode.InvalidOption },
    )
  }
  for (const [option, dc] of [
    ['localDataCenter', local],
    ...options.dataCenterFailover.map((d) => ['dataCenterFailover', d]),
  ] as const) {
    if (!dataCenters.includes(dc)) {
      throw new ConfigError(`${option}: the ring has no data center ${dc}; it has ${known}`, {
        code: ErrorCode.InvalidOption,
      })
    }
  }
  if (options.dataCenterFailover.includes(local)) {
    throw new ConfigError(
      `dataCenterFailover names the local data center ${local}; list only the others`,
      { code: ErrorCode.ConflictingOptions },
    )
  }
  return local
}

/** The application's driver client and its execution profiles. */
export interface DriverClient {
  readonly client: cassandra.Client
  /**
   * The execution profile of each data center, by name. Statements carry the profile object, not
   * its name: the driver then skips looking the name up on every statement.
   */
  readonly profiles: ReadonlyMap<string, cassandra.ExecutionProfile>
}

/**
 * The application's driver client: one execution profile per data center (token-aware, that data
 * center local), the local one also the default, speculative execution when asked for, and a
 * {@link RoundTripTracker} reporting to `onRoundTrip`.
 */
export function createDriverClient(
  options: ResolvedOptions,
  security: DriverSecurity,
  localDataCenter: string,
  dataCenters: readonly string[],
  onRoundTrip: (host: cassandra.Host, roundTripMS: number) => void,
): DriverClient {
  const base = baseDriverOptions(options, security)
  const retry = base.policies?.retry
  const profiles = new Map(
    dataCenters.map((dc) => [
      dc,
      new cassandra.ExecutionProfile(profileName(dc), {
        loadBalancing: new policies.loadBalancing.DefaultLoadBalancingPolicy({ localDc: dc }),
        ...(retry === undefined ? {} : { retry }),
      }),
    ]),
  )
  const speculative =
    options.speculativeExecutionMS > 0
      ? new policies.speculativeExecution.ConstantSpeculativeExecutionPolicy(
          options.speculativeExecutionMS,
          2,
        )
      : undefined
  const client = new cassandra.Client({
    ...base,
    localDataCenter,
    ...(options.appName === undefined ? {} : { applicationName: options.appName }),
    profiles: [...profiles.values()],
    requestTracker: new RoundTripTracker(onRoundTrip),
    policies: {
      ...base.policies,
      loadBalancing: new policies.loadBalancing.DefaultLoadBalancingPolicy({
        localDc: localDataCenter,
      }),
      ...(speculative === undefined ? {} : { speculativeExecution: speculative }),
    },
  })
  return { client, profiles }
}
