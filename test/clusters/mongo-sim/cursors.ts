/**
 * Open cursors of one member: a snapshot of the result taken when the cursor opened, handed out
 * in batches by `find`/`aggregate` and `getMore`, closed by exhaustion or `killCursors`.
 */
import { Long, type Document } from 'bson'
import { CommandError } from './errors.js'

/** The first batch size when the command gives none (the server's default). */
export const DEFAULT_FIRST_BATCH = 101

interface OpenCursor {
  readonly ns: string
  readonly docs: readonly Document[]
  position: number
}

function toNumber(value: unknown): number {
  if (value instanceof Long) return value.toNumber()
  if (typeof value === 'bigint') return Number(value)
  return Number(value)
}

/** The cursor registry of one member. */
export class Cursors {
  #nextId = 1
  readonly #open = new Map<number, OpenCursor>()

  /** Number of open cursors. */
  get size(): number {
    return this.#open.size
  }

  /**
   * The `cursor` sub-document for a new result: the first batch, and an id other than 0 when more
   * remains (`singleBatch` closes it at once).
   */
  open(ns: string, docs: readonly Document[], batchSize?: number, singleBatch = false): Document {
    const size = batchSize === undefined || batchSize <= 0 ? DEFAULT_FIRST_BATCH : batchSize
    const firstBatch = docs.slice(0, size)
    let id = 0
    if (!singleBatch && docs.length > size) {
      id = this.#nextId++
      this.#open.set(id, { ns, docs, position: size })
    }
    return { firstBatch, id: Long.fromNumber(id), ns }
  }

  /** The next batch of cursor `rawId` (all that remains without a positive `batchSize`). */
  getMore(rawId: unknown, ns: string, batchSize?: number): Document {
    const id = toNumber(rawId)
    const cursor = this.#open.get(id)
    if (cursor?.ns !== ns) throw new CommandError(43, `cursor id ${id} not found`)
    const end =
      batchSize === undefined || batchSize <= 0 ? cursor.docs.length : cursor.position + batchSize
    const nextBatch = cursor.docs.slice(cursor.position, end)
    cursor.position = Math.min(end, cursor.docs.length)
    const exhausted = cursor.position >= cursor.docs.length
    if (exhausted) this.#open.delete(id)
    return { nextBatch, id: Long.fromNumber(exhausted ? 0 : id), ns }
  }

  /** Closes cursors; the reply fields of `killCursors`. */
  kill(rawIds: readonly unknown[]): Document {
    const killed: Long[] = []
    const notFound: Long[] = []
    for (const raw of rawIds) {
      const id = toNumber(raw)
      ;(this.#open.delete(id) ? killed : notFound).push(Long.fromNumber(id))
    }
    return {
      cursorsKilled: killed,
      cursorsNotFound: notFound,
      cursorsAlive: [],
      cursorsUnknown: [],
    }
  }

  /** Closes every cursor (a member that rolls back or steps down keeps none). */
  clear(): void {
    this.#open.clear()
  }
}
