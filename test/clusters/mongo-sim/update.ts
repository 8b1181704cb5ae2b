/**
 * The simulator's update subset, as pure functions: replacement documents and the operators
 * `$set`, `$inc`, `$unset`, `$setOnInsert`, `$push`, on top-level and dotted paths; upsert seeds
 * built from a filter's equality conditions.
 */
import { ObjectId, type Document } from 'bson'
import { CommandError } from './errors.js'
import { cloneValue, isPlainObject, valuesEqual, type Value } from './query.js'

const OPERATORS = new Set(['$set', '$inc', '$unset', '$setOnInsert', '$push'])

/** Whether `update` is an operator update (`{$set: …}`) rather than a replacement document. */
export function isOperatorUpdate(update: Document): boolean {
  return Object.keys(update).some((k) => k.startsWith('$'))
}

function parentOf(doc: Document, path: string, create: boolean): [Document, string] | undefined {
  const parts = path.split('.')
  const last = parts.pop()!
  let node: Document = doc
  for (const part of parts) {
    const next = node[part]
    if (isPlainObject(next)) node = next
    else if (next === undefined && create) {
      const child: Document = {}
      node[part] = child
      node = child
    } else if (next === undefined) return undefined
    else throw new CommandError(28, `cannot create field '${part}' in a non-object value`)
  }
  return [node, last]
}

function setPath(doc: Document, path: string, value: Value): void {
  const [parent, key] = parentOf(doc, path, true)!
  parent[key] = value
}

function add(a: Value, b: Value, path: string): Value {
  if (typeof b !== 'number') throw new CommandError(14, `cannot $inc ${path} by a non-number`)
  if (a === undefined) return b
  if (typeof a !== 'number') throw new CommandError(14, `cannot apply $inc to non-numeric ${path}`)
  return a + b
}

/**
 * Returns a new document: `doc` with `update` applied. `isInsert` enables `$setOnInsert`. The
 * `_id` may not change (error 66, as on the server).
 */
export function applyUpdate(doc: Document, update: Document, isInsert = false): Document {
  const out = cloneValue(doc)
  if (!isOperatorUpdate(update)) {
    if ('_id' in update && !valuesEqual(update['_id'], doc['_id'])) {
      throw new CommandError(66, "the (immutable) field '_id' was found to have been altered")
    }
    return { _id: doc['_id'], ...update }
  }
  for (const [op, fields] of Object.entries(update)) {
    if (!OPERATORS.has(op)) throw new CommandError(9, `unknown modifier: ${op}`)
    if (!isPlainObject(fields)) throw new CommandError(9, `modifier ${op} needs a document`)
    for (const [path, value] of Object.entries(fields)) {
      if (
        path === '_id' &&
        op !== '$setOnInsert' &&
        !(op === '$set' && valuesEqual(value, doc['_id']))
      ) {
        throw new CommandError(
          66,
          "performing an update on the path '_id' would modify the immutable field '_id'",
        )
      }
      switch (op) {
        case '$set':
          setPath(out, path, cloneValue(value))
          break
        case '$setOnInsert':
          if (isInsert) setPath(out, path, cloneValue(value))
          break
        case '$inc': {
          const [parent, key] = parentOf(out, path, true)!
          parent[key] = add(parent[key], value, path)
          break
        }
        case '$unset': {
          const found = parentOf(out, path, false)
          if (found !== undefined) Reflect.deleteProperty(found[0], found[1])
          break
        }
        case '$push': {
          const [parent, key] = parentOf(out, path, true)!
          const current = parent[key] ?? []
          if (!Array.isArray(current)) throw new CommandError(2, `${path} is not an array`)
          parent[key] = [...(current as Value[]), cloneValue(value)]
          break
        }
        default:
          throw new CommandError(9, `unknown modifier: ${op}`)
      }
    }
  }
  return out
}

/**
 * The document an upsert inserts: the filter's equality fields (top-level and `$eq`), then the
 * update (with `$setOnInsert`), and a new ObjectId `_id` if neither gave one.
 */
export function upsertDocument(filter: Document | undefined, update: Document): Document {
  const seed: Document = {}
  for (const [key, condition] of Object.entries(filter ?? {})) {
    if (key.startsWith('$')) continue
    if (isPlainObject(condition) && Object.keys(condition).some((k) => k.startsWith('$'))) {
      if ('$eq' in condition) setPath(seed, key, condition['$eq'])
    } else setPath(seed, key, condition)
  }
  const base = isOperatorUpdate(update) ? applyUpdate(seed, update, true) : { ...update }
  if (base['_id'] === undefined) base['_id'] = seed['_id'] ?? new ObjectId()
  const { _id, ...rest } = base
  return { _id, ...rest }
}
