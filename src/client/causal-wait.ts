import type { CausalToken, ReplicaWaits } from '../adapter.js'
import { ErrorCode, ErrorLabel } from '../errors/error-codes.js'
import { TimeoutError } from '../errors/errors.js'
import type { NodeAddress } from '../topology/node-address.js'
import { NodeType } from '../topology/node-description.js'
import type { NodeDescription } from '../topology/node-description.js'
import type { Topology } from '../topology/topology.js'

/**
 * Read-your-writes by replica waits (causal reads `'replica-waits'`): a session's read prefers a node
 * that has already applied the session's last write, and otherwise waits (bounded by
 * `causalWaitMS`) until the chosen replica has. @internal
 */
export class CausalWait {
  readonly #replication: ReplicaWaits<unknown>
  readonly #topology: Topology
  readonly #causalWaitMS: number

  constructor(replication: ReplicaWaits<unknown>, topology: Topology, causalWaitMS: number) {
    this.#replication = replication
    this.#topology = topology
    this.#causalWaitMS = causalWaitMS
  }

  /** Whether `node` has applied `token` by its last known position (a primary always has). */
  covers(node: NodeDescription, token: CausalToken): boolean {
    if (node.type === NodeType.Primary) return true
    return node.position !== null && this.#replication.positionCovers(node.position, token)
  }

  /**
   * Before a causal read on `node`: returns at once when it has the session's writes, else waits
   * until it has them. Throws `CAUSAL_WAIT_TIMEOUT` (retryable on another node) when the bound passes.
   */
  async awaitCovered(
    node: NodeAddress,
    token: CausalToken,
    signal: AbortSignal,
    remainingMS: number,
  ): Promise<void> {
    const description = this.#topology.description.nodes.get(node)
    if (description === undefined || this.covers(description, token)) return
    const timeoutMS = Math.max(0, Math.min(this.#causalWaitMS, remainingMS))
    const applied = await this.#replication.awaitApplied(node, token, { timeoutMS, signal })
    if (!applied) {
      throw new TimeoutError(
        `replica ${node} did not catch up with this session's last write within ${Math.round(timeoutMS)} ms; ` +
          'the read will be retried elsewhere. Raise causalWaitMS or read from the primary',
        { code: ErrorCode.CausalWaitTimeout, node, labels: [ErrorLabel.RetryableRead] },
      )
    }
  }
}
