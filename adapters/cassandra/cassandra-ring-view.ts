/**
 * The ring as the driver sees it, pushed into the core: every host becomes a `Peer` node with `dc`
 * and `rack` tags and its version in `details`; host events (`hostAdd`, `hostUp`, `hostDown`,
 * `hostRemove`) update it; round trips come from the statements' own timings, as the driver's
 * request tracker reports them (no second probe loop).
 */
import type cassandra from 'cassandra-driver'
import type {
  Clock,
  NodeAddress,
  ProbeResult,
  ReplicaKitError,
  TopologySink,
} from '../../src/adapter.js'
import {
  ErrorCode,
  ErrorLabel,
  NetworkError,
  NodeType,
  formatNodeAddress,
  parseNodeAddress,
} from '../../src/adapter.js'

/** The CQL port when an address carries none. */
const CQL_PORT = 9042

/** The node address of a driver host (`127.0.0.1:9042` → `127.0.0.1:9042`, normalised). */
export function hostAddress(host: Pick<cassandra.Host, 'address'>): NodeAddress {
  const parsed = parseNodeAddress(host.address, CQL_PORT)
  return parsed === undefined ? host.address : formatNodeAddress(parsed.host, parsed.port)
}

/** The driver's facts about one host, in the words of a probe. */
export function describeHost(
  host: Pick<cassandra.Host, 'datacenter' | 'rack' | 'cassandraVersion' | 'hostId'>,
  ring: readonly NodeAddress[],
): ProbeResult {
  return {
    type: NodeType.Peer,
    hosts: ring,
    tags: { dc: host.datacenter, rack: host.rack },
    details: {
      version: host.cassandraVersion,
      dataCenter: host.datacenter,
      rack: host.rack,
      hostId: host.hostId.toString(),
    },
  }
}

/** Pushes the driver's ring into a sink, and keeps it current. */
export class CassandraRingView {
  readonly #sink: TopologySink
  readonly #clock: Clock
  readonly #sampleEveryMS: number
  /** When each host's last round trip was pushed (monotonic ms); a host the driver drops goes with it. */
  readonly #lastSample = new WeakMap<cassandra.Host, number>()
  #client: cassandra.Client | undefined
  readonly #listeners: [string, (host: cassandra.Host) => void][] = []

  constructor(sink: TopologySink, clock: Clock, sampleEveryMS: number) {
    this.#sink = sink
    this.#clock = clock
    this.#sampleEveryMS = sampleEveryMS
  }

  /** Follows `client`'s host events and pushes every host it knows now. */
  attach(client: cassandra.Client): void {
    this.#client = client
    const refreshAll = (): void => {
      this.pushAll()
    }
    const down = (host: cassandra.Host): void => {
      this.#pushDown(host)
    }
    const up = (host: cassandra.Host): void => {
      this.#push(host)
    }
    this.#listeners.push(['hostAdd', refreshAll], ['hostRemove', refreshAll])
    this.#listeners.push(['hostUp', up], ['hostDown', down])
    for (const [event, listener] of this.#listeners) client.on(event, listener)
    this.pushAll()
  }

  /** Stops following the driver's events. */
  detach(): void {
    const client = this.#client
    if (client === undefined) return
    for (const [event, listener] of this.#listeners) client.off(event, listener)
    this.#listeners.length = 0
    this.#client = undefined
  }

  /** Pushes every host the driver knows. */
  pushAll(): void {
    const client = this.#client
    if (client === undefined) return
    for (const host of client.hosts.values()) {
      if (host.isUp()) this.#push(host)
      else this.#pushDown(host)
    }
  }

  /** Tells the seeds that the ring could not be reached, or refused this client (TLS, credentials). */
  unreachable(seeds: readonly NodeAddress[], error: ReplicaKitError): void {
    for (const seed of seeds) this.#sink.nodeUpdated(seed, error)
  }

  /**
   * Records one statement's round trip to the host that answered it (the driver's own timing, see
   * `RoundTripTracker`): pushed at most once per `sampleEveryMS` per node, so calls do not rebuild
   * the topology each time.
   */
  noteRoundTrip(host: cassandra.Host, roundTripMS: number): void {
    if (this.#client === undefined) return
    const now = this.#clock.monotonicMS()
    // Keyed by the driver's host: the address is formatted only when a sample is taken.
    const last = this.#lastSample.get(host)
    if (last !== undefined && now - last < this.#sampleEveryMS) return
    this.#lastSample.set(host, now)
    if (!host.isUp()) return
    this.#sink.nodeUpdated(hostAddress(host), describeHost(host, this.#ring()), {
      roundTripTimeMS: roundTripMS,
    })
  }

  #ring(): NodeAddress[] {
    return (this.#client?.hosts.values() ?? []).map(hostAddress)
  }

  #push(host: cassandra.Host): void {
    this.#sink.nodeUpdated(hostAddress(host), describeHost(host, this.#ring()))
  }

  #pushDown(host: cassandra.Host): void {
    const address = hostAddress(host)
    this.#sink.nodeUpdated(
      address,
      new NetworkError(
        `the driver marked ${address} (${host.datacenter}/${host.rack}) down; it reconnects ` +
          'on its own, and other nodes serve meanwhile',
        { code: ErrorCode.NetworkError, node: address, labels: [ErrorLabel.NoWritesPerformed] },
      ),
    )
  }
}
