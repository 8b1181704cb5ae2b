import type { Adapter } from '../adapter.js'

/**
 * Checks that an adapter has the parts its capabilities name (a programmer error in the adapter
 * otherwise, found when the client is built rather than at the first call that needs the part).
 * @throws TypeError naming the missing part.
 * @internal
 */
export function assertAdapterShape(adapter: Adapter): void {
  const c = adapter.capabilities
  const missing: string[] = []
  if (c.discovery === 'probe' && adapter.probe === undefined)
    missing.push("probe (discovery 'probe')")
  if (c.discovery === 'driver' && adapter.start === undefined)
    missing.push("start (discovery 'driver')")
  if (c.writeConcern === 'replica-waits' && adapter.replication === undefined)
    missing.push("replication (writeConcern 'replica-waits')")
  if (c.causalReads === 'replica-waits' && adapter.replication === undefined)
    missing.push("replication (causalReads 'replica-waits')")
  if (c.causalReads === 'native' && adapter.sessions === undefined)
    missing.push("sessions (causalReads 'native')")
  if (missing.length > 0) {
    throw new TypeError(
      `the ${adapter.backend} adapter lacks what its capabilities name: ${missing.join(', ')}`,
    )
  }
}
