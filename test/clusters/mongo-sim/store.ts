/**
 * One member's data: in-memory collections rebuilt from its oplog, and the retryable-write table
 * the oplog carries. The oplog holds effects (whole documents by `_id`), not commands, so replaying
 * it on any member gives the same data; rolling back is truncating the log and replaying it.
 */
import { EJSON, type Document } from 'bson'
import { cloneValue, type Value } from './query.js'

/** One change to the data, as the oplog records it. */
export type Effect =
  | { readonly op: 'insert'; readonly ns: string; readonly doc: Document }
  | { readonly op: 'replace'; readonly ns: string; readonly doc: Document }
  | { readonly op: 'delete'; readonly ns: string; readonly id: Value }
  | { readonly op: 'create'; readonly ns: string }
  | { readonly op: 'drop'; readonly ns: string }
  | { readonly op: 'dropDatabase'; readonly db: string }
  | { readonly op: 'noop' }

/** What a retried write answers with: the reply the first attempt produced. */
export interface RetryRecord {
  /** `<lsid id hex>:<txnNumber>`. */
  readonly key: string
  readonly reply: Document
}

/** One oplog entry: the effects of one write command, in log order. */
export interface OplogEntry {
  /** 1-based position in the log. */
  readonly index: number
  /** The election term of the primary that wrote it. */
  readonly term: number
  /** Wall-clock time on the primary, in ms since the epoch (`lastWrite.lastWriteDate`). */
  readonly wallMS: number
  readonly effects: readonly Effect[]
  readonly retry?: RetryRecord
}

/** The key a document is stored under: its `_id` in canonical Extended JSON. */
export function idKey(id: Value): string {
  return EJSON.stringify({ id }, { relaxed: false })
}

/** In-memory collections (`db.coll` → `_id` key → document), in insertion order. */
export class Store {
  readonly #collections = new Map<string, Map<string, Document>>()
  readonly #retries = new Map<string, Document>()

  /** Namespaces (`db.coll`) that exist. */
  namespaces(): string[] {
    return [...this.#collections.keys()]
  }

  /** Whether the collection exists. */
  has(ns: string): boolean {
    return this.#collections.has(ns)
  }

  /** The documents of a collection (live objects: callers copy before handing them out). */
  documents(ns: string): Document[] {
    return [...(this.#collections.get(ns)?.values() ?? [])]
  }

  /** The document with this `_id`, if any. */
  get(ns: string, id: Value): Document | undefined {
    return this.#collections.get(ns)?.get(idKey(id))
  }

  /** The reply a write under this retry key produced, if it was applied. */
  retryReply(key: string): Document | undefined {
    return this.#retries.get(key)
  }

  #collection(ns: string): Map<string, Document> {
    let docs = this.#collections.get(ns)
    if (docs === undefined) {
      docs = new Map()
      this.#collections.set(ns, docs)
    }
    return docs
  }

  /** Applies one effect. */
  applyEffect(effect: Effect): void {
    switch (effect.op) {
      case 'insert':
      case 'replace':
        this.#collection(effect.ns).set(idKey(effect.doc['_id']), cloneValue(effect.doc))
        break
      case 'delete':
        this.#collections.get(effect.ns)?.delete(idKey(effect.id))
        break
      case 'create':
        this.#collection(effect.ns)
        break
      case 'drop':
        this.#collections.delete(effect.ns)
        break
      case 'dropDatabase':
        for (const ns of this.namespaces()) {
          if (ns.startsWith(`${effect.db}.`)) this.#collections.delete(ns)
        }
        break
      case 'noop':
        break
      default: {
        const _exhaustive: never = effect
        throw new Error(`unknown effect ${JSON.stringify(_exhaustive)}`)
      }
    }
  }

  /** Applies a replicated entry: its effects and its retry record. */
  applyEntry(entry: OplogEntry): void {
    for (const effect of entry.effects) this.applyEffect(effect)
    this.recordRetry(entry.retry)
  }

  /** Remembers a retry record (the primary does this when it writes the entry). */
  recordRetry(retry: RetryRecord | undefined): void {
    if (retry !== undefined) this.#retries.set(retry.key, retry.reply)
  }

  /** Drops everything and replays `entries` (initial sync, rollback). */
  rebuild(entries: readonly OplogEntry[]): void {
    this.#collections.clear()
    this.#retries.clear()
    for (const entry of entries) this.applyEntry(entry)
  }
}
