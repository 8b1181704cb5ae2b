/**
 * Feeds the core's topology from the driver's SDAM monitoring events: each heartbeat's `hello` reply
 * (translated by {@link helloToProbeResult}) with its round trip, each failed heartbeat as a network
 * error (or, kept as they are, a TLS failure or refused credentials), and each server the driver
 * itself marked Unknown after an application error.
 *
 * Two things a heartbeat alone cannot tell, so that a misconfigured client fails at once instead of
 * waiting for `serverSelectionTimeoutMS`, as on the backends whose probes log in:
 * - **Credentials.** The driver's monitors never authenticate (SDAM), so a heartbeat says a member is
 *   up, not that it lets this client in. With credentials, replies are held back until one
 *   connection has authenticated; once the set refused them, each answering member is pushed as
 *   refusing them (`AUTHENTICATION_FAILED`) until a connection authenticates again.
 * - **A TLS-only server with TLS off.** It closes the plain connection during the handshake, like a
 *   member that just died; one TLS `ClientHello` to the port tells them apart (`TLS_REQUIRED`).
 */
import type { MongoClient, ServerDescription } from 'mongodb'
import {
  ErrorCode,
  NetworkError,
  formatNodeAddress,
  isConfigurationRefused,
  parseNodeAddress,
  tlsError,
} from '../../src/adapter.js'
import type { NodeAddress, ProbeResult, ReplicaKitError, TopologySink } from '../../src/adapter.js'
import { mapMongoError } from './mongodb-errors.js'
import { helloToProbeResult } from './mongodb-hello.js'
import { isCutOffDuringHandshake } from './mongodb-tls-probe.js'

const DEFAULT_PORT = 27017

/** The driver's address (`host:port`) as a ReplicaKit node address (lower case, brackets for IPv6). */
export function nodeAddressOf(address: string): NodeAddress {
  const parsed = parseNodeAddress(address, DEFAULT_PORT)
  return parsed === undefined ? address.toLowerCase() : formatNodeAddress(parsed.host, parsed.port)
}

/** What the monitoring bridge tells its owner after each push (wakes waits for a primary). */
export type TopologyPushed = () => void

/** Whether the set accepts this client's credentials, as far as the bridge knows. */
export type CredentialState = 'none' | 'unverified' | 'verified' | 'refused'

/** Options of {@link bridgeDriverMonitoring}. */
export interface MonitoringBridgeOptions {
  readonly loadBalanced: boolean
  readonly onPushed?: TopologyPushed
  /** The driver authenticates its connections: hold replies back until the credentials work. */
  readonly credentials?: boolean
  /**
   * A member answered while the credentials are not known to work (unverified or refused): the
   * owner checks them (rate-limited by the owner) and reports with `credentialsAccepted`/`Refused`.
   */
  readonly onUnverified?: () => void
  /**
   * TLS is off: asks whether a member whose plain handshake was cut off answers TLS on its port
   * (once per member until it answers a heartbeat again).
   */
  readonly detectTlsOnly?: (address: NodeAddress) => Promise<boolean>
}

/** A running bridge. */
export interface MonitoringBridge {
  readonly credentials: CredentialState
  /** A connection authenticated: replies held back or replaced by the refusal are pushed. */
  credentialsAccepted(): void
  /** The set refused the credentials (`driverError` says how): every answering member refuses them. */
  credentialsRefused(driverError: unknown): void
  /** Unsubscribes from the driver's events. */
  stop(): void
}

/** The last reply of a member that answers its heartbeats. */
interface Answer {
  readonly result: ProbeResult
  readonly roundTripTimeMS: number | null
}

/**
 * Subscribes to `client`'s monitoring events and pushes what they say into `sink`. Never throws
 * into the driver's event loop.
 */
export function bridgeDriverMonitoring(
  client: MongoClient,
  sink: TopologySink,
  options: MonitoringBridgeOptions,
): MonitoringBridge {
  return new DriverMonitoringBridge(client, sink, options)
}

class DriverMonitoringBridge implements MonitoringBridge {
  readonly #client: MongoClient
  readonly #sink: TopologySink
  readonly #options: MonitoringBridgeOptions
  readonly #hello: { loadBalanced: boolean }
  #credentials: CredentialState
  #refusal: unknown = undefined
  /** Members whose last heartbeat succeeded, with their reply. */
  readonly #answers = new Map<NodeAddress, Answer>()
  /** Members found to accept only TLS, until they answer a heartbeat. */
  readonly #tlsOnly = new Map<NodeAddress, ReplicaKitError>()
  /** Members asked (or being asked) whether they speak TLS since their last answer. */
  readonly #tlsAsked = new Set<NodeAddress>()
  #stopped = false

  constructor(client: MongoClient, sink: TopologySink, options: MonitoringBridgeOptions) {
    this.#client = client
    this.#sink = sink
    this.#options = options
    this.#hello = { loadBalanced: options.loadBalanced }
    this.#credentials = options.credentials === true ? 'unverified' : 'none'
    client.on('serverHeartbeatSucceeded', this.#onSucceeded)
    client.on('serverHeartbeatFailed', this.#onFailed)
    client.on('serverDescriptionChanged', this.#onChanged)
  }

  get credentials(): CredentialState {
    return this.#credentials
  }

  credentialsAccepted(): void {
    if (this.#credentials !== 'unverified' && this.#credentials !== 'refused') return
    this.#credentials = 'verified'
    this.#refusal = undefined
    for (const [address, answer] of this.#answers) {
      this.#push(address, answer.result, answer.roundTripTimeMS)
    }
    this.#pushed()
  }

  credentialsRefused(driverError: unknown): void {
    if (this.#credentials === 'none') return
    this.#credentials = 'refused'
    this.#refusal = driverError
    for (const address of this.#answers.keys()) this.#push(address, this.#refusedAt(address))
    this.#pushed()
  }

  stop(): void {
    this.#stopped = true
    this.#client.off('serverHeartbeatSucceeded', this.#onSucceeded)
    this.#client.off('serverHeartbeatFailed', this.#onFailed)
    this.#client.off('serverDescriptionChanged', this.#onChanged)
  }

  readonly #onSucceeded = (event: {
    connectionId: string
    duration: number
    reply: Record<string, unknown>
    awaited: boolean
  }): void => {
    const address = nodeAddressOf(event.connectionId)
    // A streamed (awaited) reply waited on the server: its duration is no round trip.
    const answer: Answer = {
      result: helloToProbeResult(event.reply, this.#hello),
      roundTripTimeMS: event.awaited ? null : event.duration,
    }
    this.#answers.set(address, answer)
    this.#tlsOnly.delete(address)
    this.#tlsAsked.delete(address)
    switch (this.#credentials) {
      case 'unverified':
        this.#options.onUnverified?.()
        return
      case 'refused':
        this.#push(address, this.#refusedAt(address))
        this.#pushed()
        this.#options.onUnverified?.()
        return
      case 'none':
      case 'verified':
        this.#push(address, answer.result, answer.roundTripTimeMS)
        this.#pushed()
    }
  }

  readonly #onFailed = (event: { connectionId: string; failure: Error }): void => {
    const address = nodeAddressOf(event.connectionId)
    this.#answers.delete(address)
    const tlsOnly = this.#tlsOnly.get(address)
    this.#push(address, tlsOnly ?? heartbeatError(address, event.failure))
    this.#pushed()
    if (tlsOnly === undefined && isCutOffDuringHandshake(event.failure)) this.#askTls(address)
  }

  readonly #onChanged = (event: {
    address: string
    previousDescription: ServerDescription
    newDescription: ServerDescription
  }): void => {
    const next = event.newDescription
    // The driver marked the server Unknown after an operation failed (not-primary, network error,
    // refused credentials): the core learns it at once rather than at the next heartbeat.
    if (next.type !== 'Unknown' || event.previousDescription.type === 'Unknown') {
      if (next.type === 'LoadBalancer') {
        this.#push(nodeAddressOf(event.address), helloToProbeResult({ ok: 1 }, this.#hello))
        this.#pushed()
      }
      return
    }
    const address = nodeAddressOf(event.address)
    const cause = next.error ?? new Error('the driver marked the server Unknown')
    const error = heartbeatError(address, cause)
    if (error.code === ErrorCode.AuthenticationFailed && this.#credentials !== 'none') {
      this.credentialsRefused(cause)
      return
    }
    this.#answers.delete(address)
    this.#push(address, error)
    this.#pushed()
  }

  #askTls(address: NodeAddress): void {
    const detect = this.#options.detectTlsOnly
    if (detect === undefined || this.#tlsAsked.has(address)) return
    this.#tlsAsked.add(address)
    detect(address).then(
      (isTls) => {
        // Stale when the member answered a heartbeat meanwhile.
        if (!isTls || this.#stopped || !this.#tlsAsked.has(address)) return
        const error = tlsError(
          ErrorCode.TlsRequired,
          address,
          'it closed the plain connection during the handshake and answers TLS on that port',
        )
        this.#tlsOnly.set(address, error)
        this.#push(address, error)
        this.#pushed()
      },
      () => undefined,
    )
  }

  #refusedAt(address: NodeAddress): ReplicaKitError {
    return mapMongoError(this.#refusal, address)
  }

  #push(
    address: NodeAddress,
    outcome: ProbeResult | ReplicaKitError,
    roundTripTimeMS?: number | null,
  ): void {
    if (this.#stopped) return
    this.#sink.nodeUpdated(
      address,
      outcome,
      roundTripTimeMS === undefined ? undefined : { roundTripTimeMS },
    )
  }

  #pushed(): void {
    if (!this.#stopped) this.#options.onPushed?.()
  }
}

/**
 * A failed heartbeat as the error the core records on the node: a network error, or the TLS failure
 * or credential refusal itself (the core fails calls at once when every node refuses the client).
 */
function heartbeatError(address: NodeAddress, failure: unknown): ReplicaKitError {
  const mapped = mapMongoError(failure, address)
  if (mapped instanceof NetworkError || isConfigurationRefused(mapped)) return mapped
  return new NetworkError(`MongoDB member ${address} failed its heartbeat: ${mapped.message}`, {
    code: ErrorCode.NetworkError,
    node: address,
    cause: failure,
    ...(mapped.nativeCode === undefined ? {} : { nativeCode: mapped.nativeCode }),
  })
}
