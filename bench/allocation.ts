/**
 * Bytes allocated per operation, from V8's sampling heap profiler with collected objects included
 * (every allocation is a candidate for a sample, kept or not). Unlike CPU time it barely depends on
 * what else runs on the machine, so it shows where a client's per-call cost goes even on a noisy
 * host (see docs/benchmarks.md).
 */
import { Session } from 'node:inspector/promises'
import { drive } from './closed-loop.js'
import type { DriveOptions, Op } from './closed-loop.js'

/** Bytes allocated per operation, in total and by who allocated them. */
export interface AllocationProfile {
  readonly bytesPerOp: number
  /**
   * By owner: `driver` (the database drivers' packages), `replicakit` (dist/src, dist/adapters and
   * ReplicaKit's own dependencies, p-retry and zod), `other` (Node itself, the benchmark).
   */
  readonly byOwner: Readonly<Record<'driver' | 'replicakit' | 'other', number>>
}

/** One node of V8's sampling heap profile (the fields used here). */
interface SampleNode {
  readonly callFrame: { readonly url: string }
  readonly selfSize: number
  readonly children: readonly SampleNode[]
}

const DRIVERS = ['cassandra-driver', 'mongodb', 'bson', 'mysql2']
const OURS = ['/dist/src/', '/dist/adapters/', '/node_modules/p-retry/', '/node_modules/zod/']

/** Who allocated at a frame whose script is `url`. */
export function ownerOf(url: string): keyof AllocationProfile['byOwner'] {
  if (DRIVERS.some((name) => url.includes(`/node_modules/${name}/`))) return 'driver'
  if (OURS.some((part) => url.includes(part))) return 'replicakit'
  return 'other'
}

/** Sums a sampling heap profile's self sizes by owner. */
export function sumByOwner(head: SampleNode): Record<keyof AllocationProfile['byOwner'], number> {
  const sums = { driver: 0, replicakit: 0, other: 0 }
  const pending: SampleNode[] = [head]
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    sums[ownerOf(node.callFrame.url)] += node.selfSize
    pending.push(...node.children)
  }
  return sums
}

/**
 * Runs `op` for `options.durationMS` under the sampling heap profiler (one sample per
 * `intervalBytes` on average) and returns the bytes allocated per operation.
 */
export async function allocationPerOp(
  op: Op,
  options: DriveOptions,
  intervalBytes = 1024,
): Promise<AllocationProfile> {
  const session = new Session()
  session.connect()
  try {
    await session.post('HeapProfiler.enable')
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: intervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    })
    const segment = await drive(op, options)
    const { profile } = await session.post('HeapProfiler.stopSampling')
    const sums = sumByOwner(profile.head)
    const ops = Math.max(1, segment.ops)
    const per = (bytes: number): number => Math.round(bytes / ops)
    return {
      bytesPerOp: per(sums.driver + sums.replicakit + sums.other),
      byOwner: {
        driver: per(sums.driver),
        replicakit: per(sums.replicakit),
        other: per(sums.other),
      },
    }
  } finally {
    session.disconnect()
  }
}
