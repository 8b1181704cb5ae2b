import type { CallTarget, ReplicaWaits } from '../adapter.js'
import { awaitWriteConcern, requiredReplicaAcks } from '../concern/await-write-concern.js'
import type { WriteConcern } from '../concern/write-concern.js'
import type { AttemptContext } from '../retry/execute-with-retry.js'
import type { CallScope } from '../retry/call-scope.js'
import type { NodeAddress } from '../topology/node-address.js'
import { NodeType } from '../topology/node-description.js'
import type { Topology } from '../topology/topology.js'
import type { TopologyDescription } from '../topology/topology-description.js'
import type { ConnectionBorrower, WrittenToken } from './borrow.js'
import type { Session } from './session.js'

/**
 * The replicas that must confirm a write before it counts (see `requiredReplicaAcks`); 0 at once
 * for `w` ≤ 1, which needs no look at the description.
 * @throws WriteConcernError when `w` can never be met.
 * @internal
 */
export function replicaAcks(wc: WriteConcern, description: TopologyDescription): number {
  const w = wc.w
  if (w === undefined || (typeof w === 'number' && w <= 1)) return 0
  return requiredReplicaAcks(wc, description)
}

/**
 * The write path of a backend whose `w` the core applies by replica waits (write concern
 * `'replica-waits'`): run the write on the primary, read its causal token when `w` or a session needs
 * it, then wait in parallel until enough replicas have applied it, bounded by `wtimeoutMS` and the
 * call's deadline. @internal
 */
export class ReplicaWaitWrites<Conn> {
  readonly #borrower: ConnectionBorrower<Conn>
  readonly #replication: ReplicaWaits<Conn>
  readonly #topology: Topology

  constructor(
    borrower: ConnectionBorrower<Conn>,
    replication: ReplicaWaits<Conn>,
    topology: Topology,
  ) {
    this.#borrower = borrower
    this.#replication = replication
    this.#topology = topology
  }

  /** Refuses before anything is written when `w` can never be met (`NoWritesPerformed`). */
  checkSatisfiable(wc: WriteConcern): void {
    replicaAcks(wc, this.#topology.description)
  }

  async attempt<T>(
    target: CallTarget,
    ctx: AttemptContext,
    scope: CallScope,
    fn: (conn: Conn) => Promise<T>,
    wc: WriteConcern,
    session: Session | undefined,
  ): Promise<T> {
    const required = replicaAcks(wc, this.#topology.description)
    // The write's causal token costs a round trip: fetch it only when w or a session needs it.
    const needsToken = required > 0 || session !== undefined
    const written: WrittenToken = { token: null }
    const result = await this.#borrower.run(
      target,
      scope,
      fn,
      needsToken ? written : undefined,
      ctx,
    )
    const token = written.token
    session?.advance(token)
    // Nothing was written in this call (or the backend cannot tell): nothing to wait for.
    const primary = target.node
    if (required === 0 || token === null || primary === undefined) return result
    const bound = wc.wtimeoutMS !== undefined && wc.wtimeoutMS > 0 ? wc.wtimeoutMS : Infinity
    await awaitWriteConcern({
      replication: this.#replication,
      token,
      primary,
      required,
      replicas: replicasOf(this.#topology.description, primary),
      timeoutMS: Math.max(0, Math.min(bound, ctx.remainingMS())),
      wc,
      signal: ctx.signal,
    })
    return result
  }
}

/** Every member that may confirm a write: not the primary, not an arbiter, not known to be down. */
function replicasOf(description: TopologyDescription, primary: NodeAddress): NodeAddress[] {
  return [...description.nodes.values()]
    .filter(
      (n) => n.address !== primary && n.type !== NodeType.Arbiter && n.type !== NodeType.Unknown,
    )
    .map((n) => n.address)
}
