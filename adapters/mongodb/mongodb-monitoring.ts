/**
 * Feeds the core's topology from the driver's SDAM monitoring events: each heartbeat's `hello` reply
 * (translated by {@link helloToProbeResult}) with its round trip, each failed heartbeat as a network
 * error, and each server the driver itself marked Unknown after an application error.
 */
import type { MongoClient, ServerDescription } from 'mongodb'
import { ErrorCode, NetworkError, formatNodeAddress, parseNodeAddress } from '../../src/adapter.js'
import type { NodeAddress, TopologySink } from '../../src/adapter.js'
import { mapMongoError } from './mongodb-errors.js'
import { helloToProbeResult } from './mongodb-hello.js'

const DEFAULT_PORT = 27017

/** The driver's address (`host:port`) as a ReplicaKit node address (lower case, brackets for IPv6). */
export function nodeAddressOf(address: string): NodeAddress {
  const parsed = parseNodeAddress(address, DEFAULT_PORT)
  return parsed === undefined ? address.toLowerCase() : formatNodeAddress(parsed.host, parsed.port)
}

/** What the monitoring bridge tells its owner after each push (wakes waits for a primary). */
export type TopologyPushed = () => void

/**
 * Subscribes to `client`'s monitoring events and pushes what they say into `sink`. Returns the
 * function that unsubscribes. Never throws into the driver's event loop.
 */
export function bridgeDriverMonitoring(
  client: MongoClient,
  sink: TopologySink,
  options: { readonly loadBalanced: boolean; readonly onPushed?: TopologyPushed },
): () => void {
  const pushed = options.onPushed ?? ((): void => undefined)
  const hello = { loadBalanced: options.loadBalanced }
  const onSucceeded = (event: {
    connectionId: string
    duration: number
    reply: Record<string, unknown>
    awaited: boolean
  }): void => {
    const address = nodeAddressOf(event.connectionId)
    // A streamed (awaited) reply waited on the server: its duration is no round trip.
    sink.nodeUpdated(address, helloToProbeResult(event.reply, hello), {
      roundTripTimeMS: event.awaited ? null : event.duration,
    })
    pushed()
  }
  const onFailed = (event: { connectionId: string; failure: Error }): void => {
    const address = nodeAddressOf(event.connectionId)
    sink.nodeUpdated(address, heartbeatError(address, event.failure))
    pushed()
  }
  const onChanged = (event: {
    address: string
    previousDescription: ServerDescription
    newDescription: ServerDescription
  }): void => {
    const next = event.newDescription
    // The driver marked the server Unknown after an operation failed (not-primary, network error):
    // the core learns it at once rather than at the next heartbeat.
    if (next.type !== 'Unknown' || event.previousDescription.type === 'Unknown') {
      if (next.type === 'LoadBalancer') {
        sink.nodeUpdated(nodeAddressOf(event.address), helloToProbeResult({ ok: 1 }, hello))
        pushed()
      }
      return
    }
    const address = nodeAddressOf(event.address)
    const cause = next.error ?? new Error('the driver marked the server Unknown')
    sink.nodeUpdated(address, heartbeatError(address, cause))
    pushed()
  }
  client.on('serverHeartbeatSucceeded', onSucceeded)
  client.on('serverHeartbeatFailed', onFailed)
  client.on('serverDescriptionChanged', onChanged)
  return () => {
    client.off('serverHeartbeatSucceeded', onSucceeded)
    client.off('serverHeartbeatFailed', onFailed)
    client.off('serverDescriptionChanged', onChanged)
  }
}

/** A failed heartbeat as the error the core records on the node. */
function heartbeatError(address: NodeAddress, failure: unknown): NetworkError {
  const mapped = mapMongoError(failure, address)
  if (mapped instanceof NetworkError) return mapped
  return new NetworkError(`MongoDB member ${address} failed its heartbeat: ${mapped.message}`, {
    code: ErrorCode.NetworkError,
    node: address,
    cause: failure,
    ...(mapped.nativeCode === undefined ? {} : { nativeCode: mapped.nativeCode }),
  })
}
