/**
 * The MongoDB adapter: the official `mongodb` driver in replica-set mode discovers the members,
 * routes each call by its read preference, applies write and read concern on the server and makes
 * its own single retryable-write retry; ReplicaKit adds retries with backoff under one deadline,
 * typed errors and the unified topology, fed from the driver's monitoring events. TLS material is
 * read once (`loadTlsMaterial`) and handed to the driver, which uses it on every socket; a TLS
 * failure or refused credentials on every member fails calls at once (docs/mongodb.md).
 */
import { MongoClient } from 'mongodb'
import type { ClientSession, Db } from 'mongodb'
import {
  Backend,
  ConfigError,
  ErrorCode,
  ErrorLabel,
  NetworkError,
  NodeType,
  ReplicaKitError,
  ServerSelectionError,
  TlsError,
  isConfigurationRefused,
  loadTlsMaterial,
  parseNodeAddress,
  speaksTls,
} from '../../src/adapter.js'
import type {
  AcquireOptions,
  Adapter,
  AdapterCapabilities,
  AdapterContext,
  AdapterSessions,
  CallIntent,
  CallTarget,
  NodeAddress,
  TopologySink,
} from '../../src/adapter.js'
import { DriverConnector } from './mongodb-connector.js'
import { mapMongoError } from './mongodb-errors.js'
import { bridgeDriverMonitoring } from './mongodb-monitoring.js'
import type { MonitoringBridge } from './mongodb-monitoring.js'
import { intentDbOptions, toMongoClientConfig } from './mongodb-options.js'
import { PrimaryWaiters } from './mongodb-primary-wait.js'

/**
 * What `fn` gets in `db.read(fn)` / `db.write(fn)` on MongoDB: the driver's own `Db`, set up with the
 * call's read preference (tags, max staleness), write concern and read concern, and the call's
 * driver session when it has a ReplicaKit `session`.
 *
 * ```ts
 * await db.write(({ db }) => db.collection('orders').insertOne(order))
 * const s = db.startSession()
 * await db.write(({ db, session }) => db.collection('orders').insertOne(order, { session }), { session: s })
 * await db.read(({ db, session }) => db.collection('orders').findOne({ _id: id }, { session }),
 *   { session: s, readPreference: 'secondary' }) // sees the insert (causal consistency)
 * ```
 */
export interface MongoConn {
  /** The call's database (the URI's path, else `test`), with the call's concerns and read preference. */
  readonly db: Db
  /**
   * The call's `ClientSession` (causally consistent) when the call has a `session`, else `undefined`.
   * Pass it to each operation (`{ session }`) for read-your-writes.
   */
  readonly session: ClientSession | undefined
  /** Another database with the same read preference and concerns. */
  readonly useDb: (name: string) => Db
}

/** Node types a write can go to (the driver's writable server types). */
const WRITABLE_TYPES: ReadonlySet<string> = new Set<string>([
  NodeType.Primary,
  NodeType.Standalone,
  NodeType.Router,
  NodeType.LoadBalancer,
])

/** MongoDB's default port. */
const DEFAULT_PORT = 27017

/** What the MongoDB adapter does itself and what it leaves to the core. */
export const MONGODB_CAPABILITIES: AdapterCapabilities = Object.freeze({
  discovery: 'driver',
  routing: 'driver',
  writeConcern: 'native',
  causalReads: 'native',
  electionTerms: true,
  driverRetriesWrites: true,
})

/**
 * Creates the MongoDB adapter (an `AdapterFactory`). The driver's client is built from the resolved
 * options ({@link toMongoClientConfig}) and connects when the client calls `start`.
 */
export function createMongodbAdapter(context: AdapterContext): Adapter<MongoConn> {
  return new MongodbAdapter(context)
}

class MongodbAdapter implements Adapter<MongoConn> {
  readonly backend = Backend.MongoDB
  readonly capabilities = MONGODB_CAPABILITIES
  readonly sessions: AdapterSessions
  readonly #context: AdapterContext
  readonly #client: MongoClient
  readonly #database: string | undefined
  /** One handle per intent: calls that override nothing share the client's two default intents. */
  readonly #handles = new WeakMap<CallIntent, MongoConn>()
  readonly #waiters: PrimaryWaiters
  readonly #connector: DriverConnector
  #bridge: MonitoringBridge | undefined
  #closed = false

  constructor(context: AdapterContext) {
    this.#context = context
    // Files read once; an unreadable file or a wrong key password is a ConfigError from connect().
    const config = toMongoClientConfig(context.options, loadTlsMaterial(context.options.tls))
    try {
      this.#client = new MongoClient(config.uri, config.options)
    } catch (error: unknown) {
      // The driver refused an option ReplicaKit accepted: name it rather than fail later.
      throw new ConfigError(
        `the mongodb driver refused the options: ${error instanceof Error ? error.message : String(error)}`,
        { code: ErrorCode.InvalidOption, cause: error },
      )
    }
    this.#database = context.options.database
    this.#connector = new DriverConnector(
      this.#client,
      context.clock,
      context.options.heartbeatFrequencyMS,
    )
    // A write stops waiting for a primary when the members refuse this client's configuration.
    this.#waiters = new PrimaryWaiters(
      context.clock,
      () => this.#hasPrimary() || this.#refusedByAll() !== undefined,
    )
    const client = this.#client
    this.sessions = {
      start: () => client.startSession({ causalConsistency: true }),
      end: async (native) => {
        await (native as ClientSession).endSession().catch(() => undefined)
      },
    }
  }

  start(sink: TopologySink): void {
    if (this.#closed) return
    const options = this.#context.options
    const client = this.#client
    const credentials = client.options.credentials !== undefined && !options.loadBalanced
    const probeTimeoutMS = options.connectTimeoutMS > 0 ? options.connectTimeoutMS : 10_000
    this.#bridge = bridgeDriverMonitoring(client, sink, {
      loadBalanced: options.loadBalanced,
      onPushed: () => {
        this.#waiters.wake()
      },
      credentials,
      onUnverified: () => {
        this.#connector.verifyCredentials()
      },
      ...(options.tls.enabled
        ? {}
        : {
            detectTlsOnly: (address: NodeAddress) => {
              const parsed = parseNodeAddress(address, DEFAULT_PORT)
              if (parsed === undefined) return Promise.resolve(false)
              return speaksTls(parsed.host, parsed.port, probeTimeoutMS)
            },
          }),
    })
    // A pooled connection authenticated: the credentials work.
    if (credentials) client.on('connectionReady', this.#connector.credentialsAccepted)
    this.#connector.start(this.#bridge)
  }

  async acquire(target: CallTarget, options: AcquireOptions): Promise<MongoConn> {
    if (this.#closed) {
      throw new ReplicaKitError('the MongoDB adapter is closed', { code: ErrorCode.ClientClosed })
    }
    const intent = target.intent
    // Every member failed the TLS handshake: no wait heals that (the monitors keep checking).
    this.#throwIfTlsRefused()
    if (this.#connector.mustRetryCredentials) await this.#connector.retryCredentials()
    // A write waits here, not inside the driver, until a primary is known: a write still queued in
    // the driver's server selection when the call's deadline passes would run later, unseen. With
    // refused credentials it goes on to the driver, which tries them again and fails at once.
    if (intent.kind === 'write' && !this.#hasPrimary() && this.#refusedByAll() === undefined) {
      await this.#awaitPrimary(options)
      this.#throwIfTlsRefused()
    }
    const session = intent.nativeSession as ClientSession | undefined
    if (session === undefined) {
      let handle = this.#handles.get(intent)
      if (handle === undefined) {
        handle = this.#handle(intent, undefined)
        this.#handles.set(intent, handle)
      }
      return handle
    }
    return this.#handle(intent, session)
  }

  release(): void {
    // The driver pools its connections: nothing to give back.
  }

  toError(error: unknown, node?: NodeAddress): ReplicaKitError {
    const mapped = mapMongoError(error, node)
    if (mapped.code !== ErrorCode.ClientClosed || this.#closed) return mapped
    // Not this adapter's close(): the driver closed its topology after a failed connect() and is
    // being connected again (DriverConnector). Nothing was sent; another attempt may succeed.
    return new NetworkError(
      `the mongodb driver is reconnecting after a failed connect: ${mapped.message}`,
      {
        code: ErrorCode.NetworkError,
        labels: [ErrorLabel.NoWritesPerformed],
        cause: error,
        ...(node === undefined ? {} : { node }),
      },
    )
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#bridge?.stop()
    this.#connector.close()
    this.#client.off('connectionReady', this.#connector.credentialsAccepted)
    this.#waiters.closeAll()
    await this.#client.close().catch(() => undefined)
  }

  #handle(intent: CallIntent, session: ClientSession | undefined): MongoConn {
    const client = this.#client
    const dbOptions = intentDbOptions(intent)
    return Object.freeze({
      db: client.db(this.#database, dbOptions),
      session,
      useDb: (name: string) => client.db(name, dbOptions),
    })
  }

  /**
   * The error every member of the core's topology refuses this client with (a TLS failure or
   * refused credentials), or `undefined` while any member answers or has not been tried.
   */
  #refusedByAll(): ReplicaKitError | undefined {
    let refusal: ReplicaKitError | undefined
    for (const node of this.#context.topology.description.nodes.values()) {
      const error = node.error
      if (error === null) return undefined
      if (refusal === undefined && isConfigurationRefused(error)) refusal = error
    }
    return refusal
  }

  #throwIfTlsRefused(): void {
    const refusal = this.#refusedByAll()
    if (refusal instanceof TlsError) throw refusal
  }

  #hasPrimary(): boolean {
    for (const node of this.#context.topology.description.nodes.values()) {
      if (WRITABLE_TYPES.has(node.type)) return true
    }
    return false
  }

  async #awaitPrimary(options: AcquireOptions): Promise<void> {
    const boundMS = Math.min(
      this.#context.options.serverSelectionTimeoutMS,
      options.remainingMS?.() ?? options.timeoutMS,
    )
    const found = await this.#waiters.wait(boundMS, options.signal)
    if (found) return
    throw new ServerSelectionError(
      `no MongoDB primary within ${String(Math.round(boundMS))} ms; the write was not sent ` +
        '(check the replica set: an election may be under way, or a majority is down)',
      { code: ErrorCode.ServerSelectionTimeout, labels: [ErrorLabel.NoWritesPerformed] },
    )
  }
}
