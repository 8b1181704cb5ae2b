/**
 * The Cassandra adapter: the driver keeps the ring and routes token-aware; ReplicaKit turns each
 * call's intent into a consistency level, a data center (an execution profile) and a bound, pushes
 * the driver's ring into the core, and maps errors. The core's retry loop owns retries.
 */
import type cassandra from 'cassandra-driver'
import type {
  AcquireOptions,
  Adapter,
  AdapterCapabilities,
  AdapterContext,
  CallIntent,
  CallTarget,
  NodeAddress,
  ReplicaKitError,
  TopologySink,
} from '../../src/adapter.js'
import {
  ConfigError,
  ErrorCode,
  NetworkError,
  TlsError,
  isReplicaKitError,
} from '../../src/adapter.js'
import { callLevels, replicationFactorOf } from './cassandra-consistency.js'
import type { CallLevels, ConsistencySettings } from './cassandra-consistency.js'
import {
  chooseLocalDataCenter,
  createDriverClient,
  discoverDataCenters,
  driverSecurity,
} from './cassandra-driver-setup.js'
import type { DriverSecurity } from './cassandra-driver-setup.js'
import { mapCassandraError } from './cassandra-errors.js'
import type { CassandraConnection } from './cassandra-handle.js'
import { CassandraHandle } from './cassandra-handle.js'
import { CassandraRingView } from './cassandra-ring-view.js'
import { profileName, routeSteps } from './cassandra-routing.js'
import type { RouteStep, RoutingSettings } from './cassandra-routing.js'
import type { HandleShared } from './cassandra-handle.js'
import { tlsRequiredError } from './cassandra-tls.js'

export type { CassandraConnection } from './cassandra-handle.js'

const CAPABILITIES: AdapterCapabilities = Object.freeze({
  discovery: 'driver',
  routing: 'driver',
  writeConcern: 'native',
  causalReads: 'none',
  electionTerms: false,
  driverRetriesWrites: false,
})

/** The connected driver and what was learned on the way. */
interface Connected {
  readonly client: cassandra.Client
  readonly profiles: ReadonlyMap<string, cassandra.ExecutionProfile>
  readonly routing: RoutingSettings
  /** What every call's handle shares. */
  readonly shared: HandleShared
}

/** The keyspace's replication, as the driver's metadata has it (`strategyOptions`). */
type Strategy = Readonly<Record<string, unknown>> | undefined

/** One intent's consistency levels and data-center steps, for a keyspace's replication and a connection. */
interface CallPlan {
  /** The metadata it was made from: a new object when the driver re-reads the keyspace. */
  readonly strategy: Strategy
  readonly connected: Connected
  readonly levels: CallLevels
  readonly steps: readonly RouteStep[]
  /** Each step's execution profile. */
  readonly profiles: readonly (cassandra.ExecutionProfile | string)[]
}

/** The Cassandra adapter of one client. */
export class CassandraAdapter implements Adapter<CassandraConnection> {
  readonly backend = 'cassandra' as const
  readonly capabilities = CAPABILITIES
  readonly #context: AdapterContext
  readonly #settings: ConsistencySettings
  /** TLS and credentials of every driver connection; the TLS files are read once, here. */
  readonly #security: DriverSecurity
  #sink: TopologySink | undefined
  #view: CassandraRingView | undefined
  #connecting: Promise<Connected> | undefined
  #connected: Connected | undefined
  #closed = false
  /**
   * Plans by intent: the core hands the same intent object to every call that overrides nothing,
   * so most calls reuse one (recomputed when the keyspace's replication factor changes).
   */
  readonly #plans = new WeakMap<CallIntent, CallPlan>()

  constructor(context: AdapterContext) {
    this.#context = context
    const { majorityConsistency, serialConsistency } = context.options
    this.#settings = { majorityConsistency, serialConsistency }
    this.#security = driverSecurity(context.options)
  }

  /** Connects the driver and pushes its ring into `sink`. */
  start(sink: TopologySink): void {
    this.#sink = sink
    this.#view = new CassandraRingView(
      sink,
      this.#context.clock,
      this.#context.options.heartbeatFrequencyMS,
    )
    this.ready().catch(() => undefined) // the first call reports the error
  }

  /**
   * Resolves once the driver is connected; rejects with a `ConfigError` (bad data center options,
   * refused credentials), a `TlsError` or a `NetworkError` (no contact point answered). A failed
   * attempt is tried again on next use.
   */
  ready(): Promise<unknown> {
    return this.#connect()
  }

  /** The call's handle: at once once the driver is connected (no promise), else once it is. */
  acquire(
    target: CallTarget,
    options: AcquireOptions,
  ): CassandraConnection | Promise<CassandraConnection> {
    const connected = this.#connected
    if (connected === undefined) {
      return this.#connect().then((now) => this.#handle(now, target, options))
    }
    return this.#handle(connected, target, options)
  }

  #handle(connected: Connected, target: CallTarget, options: AcquireOptions): CassandraConnection {
    const keyspace = this.#context.options.database
    // The driver's typings omit `strategyOptions`; it is there at run time (lib/metadata).
    const meta = keyspace === undefined ? undefined : connected.client.metadata.keyspaces[keyspace]
    const strategy = (meta as { strategyOptions?: Record<string, unknown> } | undefined)
      ?.strategyOptions
    const plan = this.#plan(target.intent, connected, strategy)
    return new CassandraHandle({
      shared: connected.shared,
      intent: target.intent,
      levels: plan.levels,
      steps: plan.steps,
      profiles: plan.profiles,
      deprioritized: target.deprioritized,
      acquire: options,
    })
  }

  /** The plan of `intent`: made once per intent, keyspace replication and connection. */
  #plan(intent: CallIntent, connected: Connected, strategy: Strategy): CallPlan {
    const known = this.#plans.get(intent)
    if (known !== undefined && known.strategy === strategy && known.connected === connected) {
      return known
    }
    const steps = routeSteps(intent, connected.routing)
    const plan: CallPlan = {
      strategy,
      connected,
      levels: callLevels(intent, this.#settings, replicationFactorOf(strategy)),
      steps,
      // A data center the ring does not have (a `dc` tag naming another) keeps its profile's name:
      // the driver refuses it as before.
      profiles: steps.map((step) => connected.profiles.get(step.dc) ?? profileName(step.dc)),
    }
    this.#plans.set(intent, plan)
    return plan
  }

  release(): void {
    // The handle borrows nothing: the driver's pools serve every statement.
  }

  toError(error: unknown, node?: NodeAddress): ReplicaKitError {
    return mapCassandraError(error, node, {
      ...(this.#context.options.password === undefined
        ? {}
        : { password: this.#context.options.password }),
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#view?.detach()
    const pending = this.#connecting
    this.#connecting = undefined
    this.#connected = undefined
    if (pending === undefined) return
    const connected = await pending.catch(() => undefined)
    await connected?.client.shutdown().catch(() => undefined)
  }

  #connect(): Promise<Connected> {
    if (this.#closed) {
      return Promise.reject(
        new NetworkError('the Cassandra adapter is closed', { code: ErrorCode.ClientClosed }),
      )
    }
    this.#connecting ??= this.#open().then(
      (connected) => {
        this.#connected = connected
        return connected
      },
      (error: unknown) => {
        this.#connecting = undefined
        const mapped = isReplicaKitError(error) ? error : this.toError(error)
        // Unreachable, or refusing this client (TLS, credentials): the seeds carry the error, so a
        // selection fails at once when every seed refuses instead of waiting out its timeout.
        if (
          mapped instanceof NetworkError ||
          mapped instanceof TlsError ||
          (mapped instanceof ConfigError && mapped.code === ErrorCode.AuthenticationFailed)
        ) {
          this.#view?.unreachable(this.#context.options.hosts, mapped)
        }
        throw mapped
      },
    )
    return this.#connecting
  }

  async #open(): Promise<Connected> {
    const options = this.#context.options
    const dataCenters = await discoverDataCenters(options, this.#security).catch((error: unknown) =>
      this.#explainHangUp(error),
    )
    const localDataCenter = chooseLocalDataCenter(options, dataCenters)
    const { client, profiles } = createDriverClient(
      options,
      this.#security,
      localDataCenter,
      dataCenters,
      (host, roundTripMS) => {
        this.#view?.noteRoundTrip(host, roundTripMS)
      },
    )
    try {
      await client.connect()
    } catch (error: unknown) {
      await client.shutdown().catch(() => undefined)
      return this.#explainHangUp(error)
    }
    if (this.#closed) {
      await client.shutdown().catch(() => undefined)
      throw new NetworkError('the Cassandra adapter was closed while connecting', {
        code: ErrorCode.ClientClosed,
      })
    }
    this.#view?.attach(client)
    return {
      client,
      profiles,
      routing: {
        localDataCenter,
        dataCenterFailover: options.dataCenterFailover,
        dataCenters,
      },
      shared: {
        client,
        socketTimeoutMS: options.socketTimeoutMS,
        mapError: (error) => this.toError(error),
        onFailover: (event) => {
          this.#sink?.dataCenterFailover?.(event)
        },
      },
    }
  }

  /**
   * Rethrows a failed connect; without `tls`, when the nodes hung up on the plain connection and
   * answer a TLS handshake, as `TLS_REQUIRED` instead.
   */
  async #explainHangUp(error: unknown): Promise<never> {
    if (!this.#context.options.tls.enabled) {
      const connectMS = this.#context.options.connectTimeoutMS
      const required = await tlsRequiredError(error, connectMS > 0 ? connectMS : 10_000)
      if (required !== undefined) throw required
    }
    throw error
  }
}

/**
 * Makes the Cassandra adapter of one client (the `createAdapter` of `replicakit/cassandra`).
 *
 * ```ts
 * import { createClient, resolveOptions } from 'replicakit'
 * import { createCassandraAdapter } from 'replicakit/cassandra'
 * const db = createClient(createCassandraAdapter, resolveOptions('cassandra://10.0.0.1/shop?localDataCenter=dc1'))
 * ```
 */
export function createCassandraAdapter(context: AdapterContext): CassandraAdapter {
  return new CassandraAdapter(context)
}
