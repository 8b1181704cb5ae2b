import type { CausalToken, ReplicaWaits } from '../adapter.js'
import { ErrorCode, WriteConcernError } from '../errors/errors.js'
import type { NodeAddress } from '../topology/node-address.js'
import { NodeType } from '../topology/node-description.js'
import type { TopologyDescription } from '../topology/topology-description.js'
import type { WriteConcern } from './write-concern.js'

/**
 * How many members beyond the primary must confirm a write for `w`, given the set's members. Pure.
 * `w:'majority'` counts every data-bearing member the topology knows (down ones included: they are
 * still members). Throws `WriteConcernError` (WRITE_CONCERN_UNSATISFIABLE) when `w` can never be met,
 * so the caller can refuse *before* writing.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/read-write-concern/read-write-concern.md#write-concern
 * @internal
 */
export function requiredReplicaAcks(wc: WriteConcern, description: TopologyDescription): number {
  const w = wc.w ?? 1
  const dataBearing = [...description.nodes.values()].filter(
    (n) => n.type !== NodeType.Arbiter,
  ).length
  if (typeof w === 'number') {
    if (w <= 1) return 0
    if (w > dataBearing) {
      throw new WriteConcernError(
        `w=${w} cannot be met: the set has ${dataBearing} data-bearing members; ` +
          'lower w or add replicas',
        { code: ErrorCode.WriteConcernUnsatisfiable, labels: ['NoWritesPerformed'] },
      )
    }
    return w - 1
  }
  if (w === 'majority') return Math.floor(dataBearing / 2)
  throw new WriteConcernError(
    `w="${w}" (a tag-set write concern) is not supported on this backend; use a number or "majority"`,
    { code: ErrorCode.WriteConcernUnsatisfiable, labels: ['NoWritesPerformed'] },
  )
}

/** What {@link awaitWriteConcern} needs. @internal */
export interface AwaitWriteConcernRequest {
  readonly replication: Pick<ReplicaWaits<unknown>, 'awaitApplied'>
  readonly token: CausalToken
  readonly primary: NodeAddress
  readonly required: number
  /** Replicas that may confirm (every non-primary, non-arbiter member not known to be down). */
  readonly replicas: readonly NodeAddress[]
  readonly timeoutMS: number
  readonly wc: WriteConcern
  readonly signal: AbortSignal
}

/**
 * Waits, in parallel, until `required` replicas have applied `token`, bounded by `timeoutMS`. Throws
 * `WriteConcernError` (WRITE_CONCERN_TIMEOUT) when that many cannot confirm in time. The write stays on
 * the primary either way: it is never rolled back. Outstanding waits are aborted once the outcome is known.
 * @internal
 */
export async function awaitWriteConcern(request: AwaitWriteConcernRequest): Promise<void> {
  const { required, replicas } = request
  if (required <= 0) return
  const stop = new AbortController()
  const onAbort = (): void => {
    stop.abort(request.signal.reason)
  }
  request.signal.addEventListener('abort', onAbort, { once: true })
  let confirmed = 0
  let finished = 0
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (): void => {
        reject(
          new WriteConcernError(
            `write applied on primary ${request.primary} but only ${confirmed} of the ${required} ` +
              `replica confirmations that w=${String(request.wc.w)} needs arrived within ` +
              `${Math.round(request.timeoutMS)} ms; it is not rolled back. Check replica health and lag, or raise wtimeoutMS`,
            { code: ErrorCode.WriteConcernTimeout, node: request.primary },
          ),
        )
      }
      if (replicas.length < required) {
        fail()
        return
      }
      for (const node of replicas) {
        request.replication
          .awaitApplied(node, request.token, { timeoutMS: request.timeoutMS, signal: stop.signal })
          .then(
            (applied) => {
              if (applied) confirmed += 1
            },
            () => undefined, // an unreachable replica simply does not confirm
          )
          .finally(() => {
            finished += 1
            if (confirmed >= required) resolve()
            else if (confirmed + (replicas.length - finished) < required) fail()
          })
      }
    })
  } finally {
    request.signal.removeEventListener('abort', onAbort)
    stop.abort()
  }
}
