/**
 * One member's oplog and the data built from it: appending on the primary, choosing what a
 * secondary's pull gets (from the last entry both logs share, once due under the lag), applying
 * pulled entries, and rolling back entries the primary does not have by truncating and replaying.
 */
import { Cursors } from './cursors.js'
import { Store, type Effect, type OplogEntry, type RetryRecord } from './store.js'

/** Entries handed out per pull at most. */
const PULL_BATCH = 500
/** Terms of the log's tail a pull carries, to find the last entry both logs share. */
const TERMS_SENT = 64

/** The oplog, store and cursors of one member. */
export class Oplog {
  readonly entries: OplogEntry[] = []
  readonly store = new Store()
  readonly cursors = new Cursors()
  readonly #waiters = new Set<() => void>()

  /** Index of the last entry (0 when the log is empty). */
  get lastIndex(): number {
    return this.entries.length
  }

  /** Term of the last entry (0 when the log is empty). */
  get lastTerm(): number {
    return this.entries.at(-1)?.term ?? 0
  }

  /** Wall time of the last entry, in ms since the epoch (0 when none). */
  get lastWriteMS(): number {
    return this.entries.at(-1)?.wallMS ?? 0
  }

  /** Appends an entry written here as primary (its effects are already in the store). */
  append(term: number, effects: readonly Effect[], retry?: RetryRecord): OplogEntry {
    const entry: OplogEntry = {
      index: this.lastIndex + 1,
      term,
      wallMS: Math.max(Date.now(), this.lastWriteMS),
      effects,
      ...(retry === undefined ? {} : { retry }),
    }
    this.entries.push(entry)
    this.store.recordRetry(retry)
    this.wakeAll()
    return entry
  }

  /** Releases every pull waiting for entries. */
  wakeAll(): void {
    for (const wake of this.#waiters) wake()
  }

  /** Resolves when an entry is appended, `wakeAll` is called, or after `ms`. */
  waitForEntries(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.#waiters.add(wake)
    })
  }

  /** The terms of the last entries, as a pull sends them. */
  tailTerms(): number[] {
    return this.entries.slice(-TERMS_SENT).map((e) => e.term)
  }

  /** The last index where a log whose tail ending at `lastIndex` has `terms` matches this one. */
  commonIndex(lastIndex: number, terms: readonly number[]): number {
    const first = lastIndex - terms.length + 1
    for (let index = lastIndex; index >= first && index > 0; index -= 1) {
      if (this.entries[index - 1]?.term === terms[index - first]) return index
    }
    // No match within the tail sent: the caller resynchronises from the start.
    return 0
  }

  /** Entries after `common` written at least `lagMS` ago, in order (one batch). */
  dueAfter(common: number, lagMS: number): OplogEntry[] {
    const cutoff = Date.now() - lagMS
    const out: OplogEntry[] = []
    for (const entry of this.entries.slice(common, common + PULL_BATCH)) {
      if (entry.wallMS > cutoff) break
      out.push(entry)
    }
    return out
  }

  /** How long until the entry after `common` is due under `lagMS` (Infinity when there is none). */
  msUntilDue(common: number, lagMS: number): number {
    const next = this.entries[common]
    return next === undefined ? Infinity : next.wallMS + lagMS - Date.now()
  }

  /**
   * Applies a pull's answer: rolls back to `common` if this log holds more, then appends the
   * entries that continue it and are due under `lagMS` now. Returns how many entries were rolled back.
   */
  applyPulled(common: number, entries: readonly OplogEntry[], lagMS: number): number {
    let rolledBack = 0
    if (common < this.lastIndex) {
      rolledBack = this.lastIndex - common
      this.entries.length = common
      this.store.rebuild(this.entries)
      this.cursors.clear()
    }
    // The lag may have changed while the pull was in flight: apply only what is due now.
    const cutoff = Date.now() - lagMS
    for (const entry of entries) {
      if (entry.index !== this.lastIndex + 1 || entry.wallMS > cutoff) break
      this.entries.push(entry)
      this.store.applyEntry(entry)
    }
    return rolledBack
  }
}
