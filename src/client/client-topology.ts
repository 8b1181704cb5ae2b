import type { Adapter, TopologySink } from '../adapter.js'
import type { ResolvedOptions } from '../config/options.js'
import type { ProbeResult, Tags } from '../topology/node-description.js'
import { Topology } from '../topology/topology.js'
import type { Clock } from '../util/clock.js'

/**
 * The topology of one client: monitored by the core's probes (discovery `'probe'`) or fed by the
 * driver through {@link topologySink} (discovery `'driver'`). Not started. @internal
 */
export function createClientTopology(
  options: ResolvedOptions,
  adapter: Adapter,
  clock: Clock,
): Topology {
  const probe =
    adapter.capabilities.discovery === 'probe' ? adapter.probe?.bind(adapter) : undefined
  return new Topology({
    seeds: [...options.hosts],
    clock,
    ...(probe === undefined
      ? {}
      : {
          probe: async (address, probeOptions) =>
            withNodeTags(await probe(address, probeOptions), options.nodeTags.get(address)),
        }),
    options: {
      heartbeatFrequencyMS: options.heartbeatFrequencyMS,
      minHeartbeatFrequencyMS: options.minHeartbeatFrequencyMS,
      // A probe is always bounded: with connectTimeoutMS=0 ("no bound") it gets the default 10 s.
      connectTimeoutMS: options.connectTimeoutMS > 0 ? options.connectTimeoutMS : 10_000,
      directConnection: options.directConnection,
      // Backends without an election term cannot order two writable nodes: refuse instead.
      primaryConflict: adapter.capabilities.electionTerms ? 'sdam' : 'refuse',
      ...(options.replicaSet !== undefined ? { setName: options.replicaSet } : {}),
    },
  })
}

/** Where a driver-discovery adapter pushes its driver's view (node tags added as for probes). @internal */
export function topologySink(
  topology: Topology,
  options: ResolvedOptions,
  onFailover?: TopologySink['dataCenterFailover'],
): TopologySink {
  return {
    dataCenterFailover(event) {
      try {
        onFailover?.(event)
      } catch {
        // The sink never throws into the adapter.
      }
    },
    nodeUpdated(address, outcome, sinkOptions) {
      try {
        const withTags =
          outcome instanceof Error ? outcome : withNodeTags(outcome, options.nodeTags.get(address))
        topology.applyProbeOutcome(address, withTags, sinkOptions ?? {})
      } catch {
        // The sink never throws into the driver's event handlers.
      }
    },
  }
}

/**
 * Adds the tags the user configured for a node (`nodeTags`) to what its probe reported; configured
 * tags win. Backends whose servers carry no tags (MySQL) get all theirs this way.
 */
function withNodeTags(probe: ProbeResult, tags: Tags | undefined): ProbeResult {
  return tags === undefined ? probe : { ...probe, tags: { ...probe.tags, ...tags } }
}
