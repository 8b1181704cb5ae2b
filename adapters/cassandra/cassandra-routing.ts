/**
 * Where a call's statements may run: the data centers, in order, and a coordinator when a `rack`
 * tag demands one. Pure functions; the handle turns each step into an execution profile (one per
 * data center) and, for a rack, the driver's `host` option.
 */
import type { CallIntent, Tags } from '../../src/adapter.js'

/** One place to try: a data center, and the rack its coordinator must be in (if a tag says so). */
export interface RouteStep {
  readonly dc: string
  readonly rack?: string
}

/** What the routing of a client knows and was told. */
export interface RoutingSettings {
  /** `localDataCenter` (or the ring's only data center). */
  readonly localDataCenter: string
  /** `dataCenterFailover`: where writes and primary reads may go when the local DC cannot serve. */
  readonly dataCenterFailover: readonly string[]
  /** Every data center of the ring, in the driver's order. */
  readonly dataCenters: readonly string[]
}

/**
 * The places a call tries, in order (no duplicates):
 * - writes and `primary` reads: the local data center, then `dataCenterFailover`;
 * - other reads without tag sets: the same;
 * - other reads with tag sets: each tag set in order; `dc:X` names a data center, `rack:R` a rack
 *   (in that data center, or in the local one, then any); `{}` allows every data center (local
 *   first, then `dataCenterFailover`, then the rest). A tag set with other keys matches nothing,
 *   since ring nodes carry only `dc` and `rack`.
 */
export function routeSteps(
  intent: Pick<CallIntent, 'kind' | 'readPreference'>,
  settings: RoutingSettings,
): readonly RouteStep[] {
  const steps: RouteStep[] = []
  const add = (step: RouteStep): void => {
    if (!steps.some((s) => s.dc === step.dc && s.rack === step.rack)) steps.push(step)
  }
  const failoverOrder = [settings.localDataCenter, ...settings.dataCenterFailover]
  const tags = intent.readPreference.tags
  if (intent.kind === 'write' || intent.readPreference.mode === 'primary' || tags === undefined) {
    for (const dc of failoverOrder) add({ dc })
    return steps
  }
  for (const tagSet of tags) {
    for (const step of stepsOfTagSet(tagSet, settings, failoverOrder)) add(step)
  }
  return steps
}

function stepsOfTagSet(
  tagSet: Tags,
  settings: RoutingSettings,
  failoverOrder: readonly string[],
): RouteStep[] {
  const keys = Object.keys(tagSet)
  if (keys.some((key) => key !== 'dc' && key !== 'rack')) return []
  const dc = tagSet['dc']
  const rack = tagSet['rack']
  const dcs =
    dc !== undefined
      ? [dc]
      : [...new Set([...failoverOrder, ...settings.dataCenters])].filter((name) =>
          settings.dataCenters.includes(name),
        )
  return dcs.map((name) => (rack === undefined ? { dc: name } : { dc: name, rack }))
}

/** The name of the execution profile that makes data center `dc` local. */
export function profileName(dc: string): string {
  return `replicakit:dc:${dc}`
}
