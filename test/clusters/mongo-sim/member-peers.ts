/**
 * A member's view of its peers: the client to each, when it last heard from them and what they
 * said (heartbeat state), and, on the primary, how far each has replicated (`matchIndex`).
 */
import type { SimMemberConfig, SimSetConfig } from './config.js'
import type { PeerClient } from './peer-link.js'

/** What a heartbeat (and its answer) carries. */
export interface HeartbeatState {
  readonly name: string
  readonly term: number
  readonly role: string
  readonly lastIndex: number
  readonly lastTerm: number
  /** Could stand for election now (priority > 0, not an arbiter, not frozen). */
  readonly electable: boolean
}

/** One peer as this member sees it. */
export interface PeerView {
  readonly config: SimMemberConfig
  readonly client: PeerClient
  readonly order: number
  lastHeardMS: number
  state: HeartbeatState | undefined
  /** Highest index the peer is known to hold (primary only; reset on election). */
  matchIndex: number
}

/** Positive when `a` is the better candidate: newer last entry, then priority, then member order. */
function compareCandidates(
  a: HeartbeatState,
  aConfig: SimMemberConfig,
  aOrder: number,
  b: HeartbeatState,
  bConfig: SimMemberConfig,
  bOrder: number,
): number {
  return (
    a.lastTerm - b.lastTerm ||
    a.lastIndex - b.lastIndex ||
    aConfig.priority - bConfig.priority ||
    bOrder - aOrder
  )
}

/** The peers of one member. */
export class MemberPeers {
  readonly #peers: PeerView[]
  readonly #self: SimMemberConfig
  readonly #selfOrder: number

  constructor(set: SimSetConfig, self: string, connect: (member: SimMemberConfig) => PeerClient) {
    this.#selfOrder = set.members.findIndex((m) => m.name === self)
    this.#self = set.members[this.#selfOrder]!
    this.#peers = set.members
      .map((config, order) => ({ config, order }))
      .filter(({ config }) => config.name !== self)
      .map(({ config, order }) => ({
        config,
        order,
        client: connect(config),
        lastHeardMS: 0,
        state: undefined,
        matchIndex: 0,
      }))
  }

  /** Every peer. */
  all(): PeerView[] {
    return this.#peers
  }

  /** The peer named `name`, if any. */
  get(name: string | undefined): PeerView | undefined {
    return this.#peers.find((p) => p.config.name === name)
  }

  /** Records a heartbeat state heard now. */
  heard(state: HeartbeatState): void {
    const peer = this.get(state.name)
    if (peer === undefined) return
    peer.lastHeardMS = Date.now()
    peer.state = state
  }

  #fresh(withinMS: number): PeerView[] {
    const now = Date.now()
    return this.#peers.filter((p) => p.state !== undefined && now - p.lastHeardMS <= withinMS)
  }

  /** Votes of the peers heard from within `withinMS`. */
  votesHeardWithin(withinMS: number): number {
    return this.#fresh(withinMS).reduce((sum, p) => sum + p.config.votes, 0)
  }

  /** Whether an electable peer heard within `withinMS` would make a better primary than `me`. */
  betterCandidateThan(me: HeartbeatState, withinMS: number): boolean {
    return this.#fresh(withinMS).some(
      (p) =>
        p.state!.electable &&
        compareCandidates(p.state!, p.config, p.order, me, this.#self, this.#selfOrder) > 0,
    )
  }

  /** Forgets replication progress (a new primary learns it from the next pulls). */
  resetProgress(): void {
    for (const peer of this.#peers) peer.matchIndex = 0
  }

  /** Records that `name` holds every entry up to `index`. */
  progressed(name: string, index: number): void {
    const peer = this.get(name)
    if (peer !== undefined) peer.matchIndex = index
  }

  /** Data-bearing peers known to hold `index`. */
  holding(index: number): number {
    return this.#peers.filter((p) => !p.config.arbiterOnly && p.matchIndex >= index).length
  }

  /** An electable peer, heard recently, holding every entry up to `index`. */
  caughtUpElectable(index: number, withinMS: number): PeerView | undefined {
    return this.#fresh(withinMS)
      .filter((p) => p.state!.electable && p.matchIndex >= index)
      .sort((a, b) => b.config.priority - a.config.priority || a.order - b.order)[0]
  }

  /** The best electable peer heard recently, by its last heartbeat. */
  bestElectable(withinMS: number): PeerView | undefined {
    return this.#fresh(withinMS)
      .filter((p) => p.state!.electable)
      .sort((a, b) =>
        compareCandidates(b.state!, b.config, b.order, a.state!, a.config, a.order),
      )[0]
  }

  /** Closes every peer client. */
  close(): void {
    for (const peer of this.#peers) peer.client.close()
  }
}
