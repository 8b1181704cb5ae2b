/**
 * One member's replica-set state machine: role and term, the oplog and the data it builds, peer
 * heartbeats, elections (dry run, then votes; the most up-to-date electable member stands first),
 * oplog pulls by secondaries with a per-member lag, rollback of entries the primary never had,
 * write-concern waits, step-down and the no-op writer. Its peers are other processes, reached
 * through {@link PeerClient}.
 */
import type { Document } from 'bson'
import {
  hostOf,
  isElectable,
  majorityOf,
  type SimMemberConfig,
  type SimSetConfig,
} from './config.js'
import type { Cursors } from './cursors.js'
import { CommandError } from './errors.js'
import { PeerClient } from './peer-link.js'
import { Oplog } from './oplog.js'
import type { Effect, OplogEntry, RetryRecord, Store } from './store.js'
import { MemberPeers, type HeartbeatState } from './member-peers.js'

/** The roles a live member reports. */
export const MEMBER_ROLES = Object.freeze(['primary', 'secondary', 'arbiter'] as const)
/** A live member's role. */
export type MemberRole = (typeof MEMBER_ROLES)[number]

/** How a write-concern wait ended. */
export type ReplicationOutcome = 'satisfied' | 'timeout' | 'steppedDown'

const PULL_MAX_WAIT_MS = 200

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

interface CommitWaiter {
  readonly index: number
  readonly needed: number
  readonly resolve: (outcome: ReplicationOutcome) => void
}

/** A member of the simulated replica set (one per process). */
export class ReplicaMember {
  readonly set: SimSetConfig
  readonly config: SimMemberConfig
  readonly oplog = new Oplog()
  term = 0
  role: MemberRole
  /** Replication lag: entries are applied this long after the primary wrote them, in ms. */
  lagMS: number
  /** Writes still to apply without answering (`drop-reply`). */
  dropReplies = 0
  readonly peers: MemberPeers
  #votedFor: { term: number; name: string } | undefined
  #primaryName: string | undefined
  #lastPrimaryContactMS = Date.now()
  #lastElectionActivityMS = Date.now()
  #frozenUntilMS = 0
  #electing = false
  #stopped = false
  readonly #commitWaiters = new Set<CommitWaiter>()
  readonly #timers: NodeJS.Timeout[] = []

  constructor(set: SimSetConfig, self: string, lagMS?: number) {
    const config = set.members.find((m) => m.name === self)
    if (config === undefined) throw new Error(`no member named ${self}`)
    this.set = set
    this.config = config
    this.role = config.arbiterOnly ? 'arbiter' : 'secondary'
    this.lagMS = lagMS ?? config.delayMS
    this.peers = new MemberPeers(set, self, (m) => new PeerClient(m.host, m.peerPort))
  }

  /** Whether this member is primary now (a method, so checks after an await are re-read). */
  isPrimary(): boolean {
    return this.role === 'primary'
  }

  /** The member's data. */
  get store(): Store {
    return this.oplog.store
  }

  /** The member's open cursors. */
  get cursors(): Cursors {
    return this.oplog.cursors
  }

  /** Index of the last entry (0 when the log is empty). */
  get lastIndex(): number {
    return this.oplog.lastIndex
  }

  /** Term of the last entry (0 when the log is empty). */
  get lastTerm(): number {
    return this.oplog.lastTerm
  }

  /** Wall time of the last applied entry, in ms since the epoch (0 when none). */
  get lastWriteMS(): number {
    return this.oplog.lastWriteMS
  }

  /** The primary's `host:port` as this member knows it, if it heard from one recently. */
  get primaryHost(): string | undefined {
    if (this.role === 'primary') return hostOf(this.config)
    const primary = this.set.members.find((m) => m.name === this.#primaryName)
    const fresh = Date.now() - this.#lastPrimaryContactMS <= this.set.electionTimeoutMS
    return primary !== undefined && fresh ? hostOf(primary) : undefined
  }

  /** Starts heartbeats, the no-op writer and (data-bearing members) the oplog pull loop. */
  start(): void {
    this.#timers.push(
      setInterval(() => {
        this.#tick()
      }, this.set.heartbeatIntervalMS),
    )
    this.#timers.push(
      setInterval(
        () => {
          if (this.role === 'primary' && Date.now() - this.lastWriteMS >= this.set.noopIntervalMS) {
            this.appendEntry([{ op: 'noop' }])
          }
        },
        Math.max(50, Math.floor(this.set.noopIntervalMS / 2)),
      ),
    )
    if (!this.config.arbiterOnly) void this.#pullLoop()
  }

  /** Stops timers and loops, fails waiters, closes peer sockets. */
  stop(): void {
    this.#stopped = true
    for (const timer of this.#timers) clearInterval(timer)
    this.#becomeSecondary('shutting down')
    this.peers.close()
  }

  /** The state a heartbeat carries. */
  heartbeatState(): HeartbeatState {
    return {
      name: this.config.name,
      term: this.term,
      role: this.role,
      lastIndex: this.lastIndex,
      lastTerm: this.lastTerm,
      electable: isElectable(this.config) && Date.now() >= this.#frozenUntilMS,
    }
  }

  /** Takes in a peer's heartbeat state (from its heartbeat or its answer to ours). */
  observe(state: HeartbeatState): void {
    this.peers.heard(state)
    if (state.term > this.term) this.#adoptTerm(state.term)
    if (state.role === 'primary' && state.term >= this.term && state.name !== this.config.name) {
      this.#primaryName = state.name
      this.#lastPrimaryContactMS = Date.now()
    }
  }

  #tick(): void {
    if (this.#stopped) return
    const timeoutMS = Math.max(this.set.heartbeatIntervalMS * 2, this.set.electionTimeoutMS / 2)
    for (const peer of this.peers.all()) {
      peer.client
        .request({ type: 'hb', state: this.heartbeatState() }, timeoutMS)
        .then((reply) => {
          this.observe(reply['state'] as HeartbeatState)
        })
        .catch(() => undefined)
    }
    if (this.role === 'primary') {
      this.#lastPrimaryContactMS = Date.now()
      // A primary that cannot see a majority of voters steps down, as a real one does.
      const heard = this.config.votes + this.peers.votesHeardWithin(this.set.electionTimeoutMS)
      if (heard < majorityOf(this.set)) this.#becomeSecondary('lost contact with a majority')
    }
    this.#maybeStandForElection()
  }

  #adoptTerm(term: number): void {
    this.term = term
    if (this.role === 'primary') this.#becomeSecondary(`saw term ${term}`)
  }

  #becomeSecondary(reason: string): void {
    if (this.role === 'primary') {
      this.role = 'secondary'
      this.#primaryName = undefined
      console.log(`${this.config.name}: stepped down in term ${this.term} (${reason})`)
    }
    for (const waiter of this.#commitWaiters) waiter.resolve('steppedDown')
    this.#commitWaiters.clear()
    this.oplog.wakeAll()
  }

  #maybeStandForElection(): void {
    if (this.role !== 'secondary' || this.#electing || !this.heartbeatState().electable) return
    const now = Date.now()
    const quietSince = Math.max(this.#lastPrimaryContactMS, this.#lastElectionActivityMS)
    if (now - quietSince < this.set.electionTimeoutMS) return
    // Let a fresher (or equally fresh, higher-ranked) electable member we can hear stand first.
    if (this.peers.betterCandidateThan(this.heartbeatState(), this.set.electionTimeoutMS)) return
    void this.runElection(false)
  }

  /**
   * Stands for election: a dry run first (no term change) unless `force`, then a real vote in
   * term + 1. Resolves whether this member became primary.
   */
  async runElection(force: boolean): Promise<boolean> {
    if (this.#electing || this.config.arbiterOnly) return false
    this.#electing = true
    this.#lastElectionActivityMS = Date.now()
    try {
      if (!force && !(await this.#collectVotes(this.term + 1, true))) return false
      this.term += 1
      this.#votedFor = { term: this.term, name: this.config.name }
      this.#primaryName = undefined
      if (this.role === 'primary') this.#becomeSecondary('new election')
      const won = await this.#collectVotes(this.term, false)
      if (won) this.#becomePrimary()
      return won
    } finally {
      this.#electing = false
      this.#lastElectionActivityMS = Date.now()
    }
  }

  /** Asks every voter; resolves true as soon as a majority granted (this member included). */
  #collectVotes(term: number, dryRun: boolean): Promise<boolean> {
    const needed = majorityOf(this.set)
    let granted = this.config.votes
    if (granted >= needed) return Promise.resolve(true)
    const request = {
      type: 'vote',
      term,
      candidate: this.config.name,
      lastIndex: this.lastIndex,
      lastTerm: this.lastTerm,
      dryRun,
      force: !dryRun && this.#lastElectionForced,
    }
    const voters = this.peers.all().filter((p) => p.config.votes > 0)
    return new Promise((resolve) => {
      let answered = 0
      const finish = (): void => {
        answered += 1
        if (answered === voters.length) resolve(granted >= needed)
      }
      for (const voter of voters) {
        voter.client
          .request(request, Math.max(200, this.set.electionTimeoutMS / 2))
          .then((reply) => {
            if ((reply['term'] as number) > this.term) this.#adoptTerm(reply['term'] as number)
            if (reply['granted'] === true) granted += voter.config.votes
            if (granted >= needed && this.term === term) resolve(true)
          })
          .catch(() => undefined)
          .finally(finish)
      }
    })
  }

  #lastElectionForced = false

  /** Forced election (`elect`, step-down hand-over): voters skip the live-primary check. */
  async forceElection(): Promise<boolean> {
    this.#frozenUntilMS = 0
    this.#lastElectionForced = true
    try {
      return await this.runElection(true)
    } finally {
      this.#lastElectionForced = false
    }
  }

  /** Answers a vote request (a dry run changes nothing). */
  handleVote(request: Document): Document {
    const term = request['term'] as number
    const candidate = request['candidate'] as string
    const deny = (reason: string): Document => ({ term: this.term, granted: false, reason })
    if (term <= this.term && !(term === this.term && this.#votedFor?.name === candidate)) {
      return deny(`term ${term} is not newer than ${this.term}`)
    }
    const primaryAlive =
      this.#primaryName !== undefined &&
      this.#primaryName !== candidate &&
      Date.now() - this.#lastPrimaryContactMS < this.set.electionTimeoutMS
    if (request['force'] !== true && (primaryAlive || this.role === 'primary')) {
      return deny('a primary is alive')
    }
    if (!this.config.arbiterOnly) {
      const theirs = [request['lastTerm'] as number, request['lastIndex'] as number] as const
      if (
        theirs[0] < this.lastTerm ||
        (theirs[0] === this.lastTerm && theirs[1] < this.lastIndex)
      ) {
        return deny('candidate is behind')
      }
    }
    if (request['dryRun'] === true) return { term: this.term, granted: true }
    this.#adoptTerm(term)
    this.#votedFor = { term, name: candidate }
    this.#lastElectionActivityMS = Date.now()
    return { term: this.term, granted: true }
  }

  #becomePrimary(): void {
    this.role = 'primary'
    this.#primaryName = this.config.name
    this.#lastPrimaryContactMS = Date.now()
    this.peers.resetProgress()
    console.log(`${this.config.name}: elected primary in term ${this.term}`)
    // As on a real primary, the first entry of a term is a no-op written by the new primary.
    this.appendEntry([{ op: 'noop' }])
  }

  /** Appends an entry written on this primary (effects already applied to the store). */
  appendEntry(effects: readonly Effect[], retry?: RetryRecord): OplogEntry {
    return this.oplog.append(this.term, effects, retry)
  }

  /** Members (this one included) that hold `index`. */
  #holding(index: number): number {
    return (this.lastIndex >= index ? 1 : 0) + this.peers.holding(index)
  }

  /** Waits until `needed` data-bearing members hold `index`, the primary steps down, or timeout. */
  awaitReplication(
    index: number,
    needed: number,
    wtimeoutMS?: number,
  ): Promise<ReplicationOutcome> {
    if (this.#holding(index) >= needed) return Promise.resolve('satisfied')
    if (this.role !== 'primary') return Promise.resolve('steppedDown')
    return new Promise((resolve) => {
      const timer =
        wtimeoutMS === undefined || wtimeoutMS <= 0
          ? undefined
          : setTimeout(() => {
              done('timeout')
            }, wtimeoutMS)
      const waiter: CommitWaiter = {
        index,
        needed,
        resolve: (o) => {
          done(o)
        },
      }
      const done = (outcome: ReplicationOutcome): void => {
        clearTimeout(timer)
        this.#commitWaiters.delete(waiter)
        resolve(outcome)
      }
      this.#commitWaiters.add(waiter)
    })
  }

  #checkCommitWaiters(): void {
    for (const waiter of this.#commitWaiters) {
      if (this.#holding(waiter.index) >= waiter.needed) waiter.resolve('satisfied')
    }
  }

  /** Serves a secondary's pull: the entries after the point where its log matches ours. */
  async servePull(request: Document): Promise<Document> {
    if ((request['term'] as number) > this.term) this.#adoptTerm(request['term'] as number)
    if (this.role !== 'primary') return { notPrimary: true, term: this.term }
    const lastIndex = request['lastIndex'] as number
    const common = this.oplog.commonIndex(lastIndex, request['terms'] as number[])
    if (common === lastIndex) {
      this.peers.progressed(request['from'] as string, lastIndex)
      this.#checkCommitWaiters()
    }
    const lagMS = request['lagMS'] as number
    let entries = this.oplog.dueAfter(common, lagMS)
    if (entries.length === 0 && common === lastIndex) {
      const waitMS = Math.min(PULL_MAX_WAIT_MS, this.oplog.msUntilDue(common, lagMS))
      await this.oplog.waitForEntries(Math.max(1, waitMS))
      if (!this.isPrimary()) return { notPrimary: true, term: this.term }
      entries = this.oplog.dueAfter(common, lagMS)
    }
    return { term: this.term, common, entries }
  }

  async #pullLoop(): Promise<void> {
    while (!this.#stopped) {
      const source = this.role === 'secondary' ? this.peers.get(this.#primaryName) : undefined
      if (source === undefined) {
        await sleep(50)
        continue
      }
      try {
        const request = {
          type: 'pull',
          from: this.config.name,
          term: this.term,
          lastIndex: this.lastIndex,
          terms: this.oplog.tailTerms(),
          lagMS: this.lagMS,
        }
        const reply = await source.client.request(
          request,
          PULL_MAX_WAIT_MS + this.set.electionTimeoutMS,
        )
        const term = reply['term'] as number
        if (term > this.term) this.#adoptTerm(term)
        if (reply['notPrimary'] === true || term < this.term || this.role !== 'secondary') {
          await sleep(50)
          continue
        }
        const rolledBack = this.oplog.applyPulled(
          reply['common'] as number,
          reply['entries'] as OplogEntry[],
          this.lagMS,
        )
        if (rolledBack > 0) {
          console.log(
            `${this.config.name}: rolled back ${rolledBack} oplog entries not on the primary`,
          )
        }
      } catch {
        await sleep(50)
      }
    }
  }

  /**
   * `replSetStepDown`: waits up to `catchUpMS` for an electable secondary to hold every entry,
   * steps down for `seconds`, and asks that secondary to stand at once. Without a caught-up
   * secondary it refuses (262) unless `force`.
   */
  async stepDown(seconds: number, catchUpMS: number, force: boolean): Promise<void> {
    if (this.role !== 'primary') throw new CommandError(10107, "not primary so can't step down")
    const deadline = Date.now() + catchUpMS
    let target = this.peers.caughtUpElectable(this.lastIndex, this.set.electionTimeoutMS)
    while (target === undefined && Date.now() < deadline && this.isPrimary()) {
      await sleep(20)
      target = this.peers.caughtUpElectable(this.lastIndex, this.set.electionTimeoutMS)
    }
    if (!this.isPrimary()) throw new CommandError(10107, "not primary so can't step down")
    if (target === undefined && !force) {
      throw new CommandError(262, 'no electable secondaries caught up within the catch-up period')
    }
    this.#frozenUntilMS = Date.now() + seconds * 1000
    this.#becomeSecondary('replSetStepDown')
    target ??= this.peers.bestElectable(this.set.electionTimeoutMS)
    target?.client.request({ type: 'electNow' }, this.set.electionTimeoutMS).catch(() => undefined)
  }

  /** A snapshot for `status` and `replSetGetStatus`. */
  status(): Document {
    return {
      name: this.config.name,
      host: hostOf(this.config),
      role: this.role,
      term: this.term,
      lastIndex: this.lastIndex,
      lastWriteMS: this.lastWriteMS,
      primary: this.role === 'primary' ? this.config.name : (this.#primaryName ?? null),
      lagMS: this.lagMS,
      pid: process.pid,
    }
  }
}
