/**
 * Write commands on the primary's store: `insert`, `update`, `delete`, `findAndModify`, `create`,
 * `drop`, `dropDatabase`. Each applies its effects to the store at once (later statements of a
 * batch see earlier ones) and returns them for the oplog entry, with the reply.
 */
import { EJSON, ObjectId, type Document } from 'bson'
import { CommandError } from './errors.js'
import { cloneValue, matchesFilter, projectDocument, sortDocuments } from './query.js'
import type { Effect, Store } from './store.js'
import { applyUpdate, isOperatorUpdate, upsertDocument } from './update.js'

/** A write's reply and the effects to log. */
export interface WriteOutcome {
  readonly reply: Document
  readonly effects: readonly Effect[]
}

/** The write command names this module handles. */
export const WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'insert',
  'update',
  'delete',
  'findandmodify',
  'create',
  'drop',
  'dropdatabase',
])

class Batch {
  readonly effects: Effect[] = []
  readonly writeErrors: Document[] = []
  readonly store: Store
  readonly ns: string
  constructor(store: Store, ns: string) {
    this.store = store
    this.ns = ns
  }

  apply(effect: Effect): void {
    this.store.applyEffect(effect)
    this.effects.push(effect)
  }

  /** Runs statement `index`; false when an ordered batch must stop. */
  run(index: number, ordered: boolean, statement: () => void): boolean {
    try {
      statement()
      return true
    } catch (error: unknown) {
      if (!(error instanceof CommandError)) throw error
      this.writeErrors.push({ index, code: error.code, errmsg: error.message })
      return !ordered
    }
  }

  reply(fields: Document): Document {
    return this.writeErrors.length > 0
      ? { ...fields, writeErrors: this.writeErrors, ok: 1 }
      : { ...fields, ok: 1 }
  }
}

function sameDocument(a: Document, b: Document): boolean {
  return EJSON.stringify(a, { relaxed: false }) === EJSON.stringify(b, { relaxed: false })
}

function requireArray(command: Document, field: string): Document[] {
  const value = command[field]
  if (!Array.isArray(value)) throw new CommandError(9, `'${field}' must be an array`)
  return value as Document[]
}

function insertOne(batch: Batch, doc: Document): void {
  // The server stores `_id` first, whatever the order the client sent.
  const { _id = new ObjectId(), ...rest } = doc
  const withId: Document = { _id, ...rest }
  if (batch.store.get(batch.ns, withId['_id']) !== undefined) {
    throw new CommandError(11000, `E11000 duplicate key error collection: ${batch.ns} index: _id_`)
  }
  batch.apply({ op: 'insert', ns: batch.ns, doc: withId })
}

function matching(store: Store, ns: string, filter: Document | undefined): Document[] {
  return store.documents(ns).filter((d) => matchesFilter(d, filter))
}

function runInsert(batch: Batch, command: Document, ordered: boolean): Document {
  const docs = requireArray(command, 'documents')
  let n = 0
  for (const [i, doc] of docs.entries()) {
    if (
      !batch.run(i, ordered, () => {
        insertOne(batch, doc)
        n += 1
      })
    )
      break
  }
  return batch.reply({ n })
}

function runUpdate(batch: Batch, command: Document, ordered: boolean): Document {
  let n = 0
  let nModified = 0
  const upserted: Document[] = []
  for (const [i, statement] of requireArray(command, 'updates').entries()) {
    const ok = batch.run(i, ordered, () => {
      const { q, u, upsert, multi } = statement as {
        q?: Document
        u: unknown
        upsert?: boolean
        multi?: boolean
      }
      if (typeof u !== 'object' || u === null || Array.isArray(u)) {
        throw new CommandError(9, 'pipeline updates are not supported by the simulator')
      }
      const update = u as Document
      if (multi === true && !isOperatorUpdate(update)) {
        throw new CommandError(9, 'multi update is not supported for replacement-style update')
      }
      const found = matching(batch.store, batch.ns, q)
      const targets = multi === true ? found : found.slice(0, 1)
      if (targets.length === 0 && upsert === true) {
        const doc = upsertDocument(q, update)
        insertOne(batch, doc)
        upserted.push({ index: i, _id: doc['_id'] })
        n += 1
        return
      }
      for (const target of targets) {
        const next = applyUpdate(target, update)
        n += 1
        if (sameDocument(next, target)) continue
        nModified += 1
        batch.apply({ op: 'replace', ns: batch.ns, doc: next })
      }
    })
    if (!ok) break
  }
  return batch.reply(upserted.length > 0 ? { n, nModified, upserted } : { n, nModified })
}

function runDelete(batch: Batch, command: Document, ordered: boolean): Document {
  let n = 0
  for (const [i, statement] of requireArray(command, 'deletes').entries()) {
    const ok = batch.run(i, ordered, () => {
      const { q, limit } = statement as { q?: Document; limit?: number }
      const found = matching(batch.store, batch.ns, q)
      for (const doc of Number(limit) === 1 ? found.slice(0, 1) : found) {
        batch.apply({ op: 'delete', ns: batch.ns, id: doc['_id'] })
        n += 1
      }
    })
    if (!ok) break
  }
  return batch.reply({ n })
}

function runFindAndModify(batch: Batch, command: Document): Document {
  const query = command['query'] as Document | undefined
  const update = command['update'] as Document | undefined
  const [target] = sortDocuments(
    matching(batch.store, batch.ns, query),
    command['sort'] as Document,
  )
  const fields = command['fields'] as Document | undefined
  const shown = (doc: Document | undefined): Document | null =>
    doc === undefined ? null : projectDocument(cloneValue(doc), fields)
  if (command['remove'] === true) {
    if (target !== undefined) batch.apply({ op: 'delete', ns: batch.ns, id: target['_id'] })
    return { lastErrorObject: { n: target === undefined ? 0 : 1 }, value: shown(target), ok: 1 }
  }
  if (update === undefined)
    throw new CommandError(9, 'either an update or remove=true must be specified')
  if (target === undefined) {
    if (command['upsert'] !== true) {
      return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 }
    }
    const doc = upsertDocument(query, update)
    insertOne(batch, doc)
    const value = command['new'] === true ? shown(doc) : null
    return { lastErrorObject: { n: 1, updatedExisting: false, upserted: doc['_id'] }, value, ok: 1 }
  }
  const next = applyUpdate(target, update)
  batch.apply({ op: 'replace', ns: batch.ns, doc: next })
  const value = shown(command['new'] === true ? next : target)
  return { lastErrorObject: { n: 1, updatedExisting: true }, value, ok: 1 }
}

/** Runs write command `name` (lower-case) against `store` in database `db`. */
export function runWrite(store: Store, db: string, name: string, command: Document): WriteOutcome {
  const collection = String(Object.values(command)[0])
  const batch = new Batch(store, `${db}.${collection}`)
  const ordered = command['ordered'] !== false
  let reply: Document
  switch (name) {
    case 'insert':
      reply = runInsert(batch, command, ordered)
      break
    case 'update':
      reply = runUpdate(batch, command, ordered)
      break
    case 'delete':
      reply = runDelete(batch, command, ordered)
      break
    case 'findandmodify':
      reply = runFindAndModify(batch, command)
      break
    case 'create':
      if (store.has(batch.ns)) throw new CommandError(48, `collection ${batch.ns} already exists`)
      batch.apply({ op: 'create', ns: batch.ns })
      reply = { ok: 1 }
      break
    case 'drop':
      if (!store.has(batch.ns)) throw new CommandError(26, 'ns not found')
      batch.apply({ op: 'drop', ns: batch.ns })
      reply = { ns: batch.ns, nIndexesWas: 1, ok: 1 }
      break
    case 'dropdatabase':
      batch.apply({ op: 'dropDatabase', db })
      reply = { dropped: db, ok: 1 }
      break
    default:
      throw new CommandError(59, `no such command: '${name}'`)
  }
  return { reply, effects: batch.effects }
}
