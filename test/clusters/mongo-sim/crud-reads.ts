/**
 * Read commands on one member's store: `find`, `getMore`, `killCursors`, `count`, `distinct`, a
 * minimal `aggregate` (`$match`, `$sort`, `$skip`, `$limit`, `$project`, `$count` and `$group` with
 * `$sum`, enough for the driver's `countDocuments`), and the catalogue commands `listCollections`,
 * `listDatabases`, `listIndexes`, `createIndexes` (a no-op: only `_id` is indexed).
 */
import type { Document } from 'bson'
import type { Cursors } from './cursors.js'
import { CommandError } from './errors.js'
import {
  cloneValue,
  matchesFilter,
  projectDocument,
  sortDocuments,
  valuesAtPath,
  valuesEqual,
} from './query.js'
import type { Store } from './store.js'

/** The read command names this module handles (lower-case). */
export const READ_COMMANDS: ReadonlySet<string> = new Set([
  'find',
  'getmore',
  'killcursors',
  'count',
  'distinct',
  'aggregate',
  'listcollections',
  'listdatabases',
  'listindexes',
  'createindexes',
])

function positive(value: unknown): number | undefined {
  const n = Number(value)
  return Number.isFinite(n) && n !== 0 ? Math.abs(n) : undefined
}

function snapshot(store: Store, ns: string, filter: unknown): Document[] {
  return store
    .documents(ns)
    .filter((d) => matchesFilter(d, filter as Document | undefined))
    .map((d) => cloneValue(d))
}

function group(docs: readonly Document[], spec: Document): Document[] {
  const { _id: key, ...accumulators } = spec
  const groups = new Map<string, { id: unknown; values: Document }>()
  for (const doc of docs) {
    const id =
      typeof key === 'string' && key.startsWith('$')
        ? (valuesAtPath(doc, key.slice(1))[0] ?? null)
        : key
    const existing = [...groups.values()].find((g) => valuesEqual(g.id, id))
    const entry: { id: unknown; values: Document } = existing ?? { id, values: {} }
    if (existing === undefined) groups.set(String(groups.size), entry)
    for (const [field, acc] of Object.entries(accumulators)) {
      const sum = (acc as Document | undefined)?.['$sum']
      if (sum === undefined) throw new CommandError(2, `unsupported accumulator in $group.${field}`)
      const add =
        typeof sum === 'string' && sum.startsWith('$')
          ? Number(valuesAtPath(doc, sum.slice(1))[0] ?? 0)
          : Number(sum)
      entry.values[field] = Number(entry.values[field] ?? 0) + add
    }
  }
  return [...groups.values()].map((g) => ({ _id: g.id, ...g.values }))
}

function runPipeline(docs: Document[], pipeline: readonly Document[]): Document[] {
  let out = docs
  for (const stage of pipeline) {
    const [name = '(empty)', arg] = Object.entries(stage)[0] ?? []
    switch (name) {
      case '$match':
        out = out.filter((d) => matchesFilter(d, arg as Document))
        break
      case '$sort':
        out = sortDocuments(out, arg as Document)
        break
      case '$skip':
        out = out.slice(Number(arg))
        break
      case '$limit':
        out = out.slice(0, Number(arg))
        break
      case '$project':
        out = out.map((d) => projectDocument(d, arg as Document))
        break
      case '$count':
        out = out.length === 0 ? [] : [{ [String(arg)]: out.length }]
        break
      case '$group':
        out = group(out, arg as Document)
        break
      default:
        throw new CommandError(2, `unsupported aggregation stage ${name}`)
    }
  }
  return out
}

/** Runs read command `name` (lower-case) against `store` in database `db`. */
export function runRead(
  store: Store,
  cursors: Cursors,
  db: string,
  name: string,
  command: Document,
): Document {
  const target = Object.values(command)[0]
  const ns = `${db}.${String(target)}`
  const batchSize = command['batchSize'] as number | undefined
  switch (name) {
    case 'find': {
      let docs = sortDocuments(snapshot(store, ns, command['filter']), command['sort'] as Document)
      docs = docs.slice(Number(command['skip'] ?? 0))
      const limit = positive(command['limit'])
      if (limit !== undefined) docs = docs.slice(0, limit)
      docs = docs.map((d) => projectDocument(d, command['projection'] as Document))
      const single = command['singleBatch'] === true || Number(command['limit']) < 0
      return { cursor: cursors.open(ns, docs, batchSize, single), ok: 1 }
    }
    case 'getmore':
      return {
        cursor: cursors.getMore(target, `${db}.${String(command['collection'])}`, batchSize),
        ok: 1,
      }
    case 'killcursors':
      return { ...cursors.kill((command['cursors'] as unknown[] | undefined) ?? []), ok: 1 }
    case 'count': {
      let n = snapshot(store, ns, command['query']).length - Number(command['skip'] ?? 0)
      const limit = positive(command['limit'])
      if (limit !== undefined) n = Math.min(n, limit)
      return { n: Math.max(0, n), ok: 1 }
    }
    case 'distinct': {
      const values: unknown[] = []
      for (const doc of snapshot(store, ns, command['query'])) {
        for (const v of valuesAtPath(doc, String(command['key'])).flat()) {
          if (!values.some((seen) => valuesEqual(seen, v))) values.push(v)
        }
      }
      return { values, ok: 1 }
    }
    case 'aggregate': {
      if (typeof target !== 'string')
        throw new CommandError(2, 'collection-less aggregate is not supported')
      const pipeline = (command['pipeline'] as Document[] | undefined) ?? []
      const docs = runPipeline(snapshot(store, ns, undefined), pipeline)
      const size = (command['cursor'] as Document | undefined)?.['batchSize'] as number | undefined
      return { cursor: cursors.open(ns, docs, size), ok: 1 }
    }
    case 'listcollections': {
      const docs = store
        .namespaces()
        .filter((n) => n.startsWith(`${db}.`))
        .map((n) => ({
          name: n.slice(db.length + 1),
          type: 'collection',
          options: {},
          info: { readOnly: false },
        }))
        .filter((d) => matchesFilter(d, command['filter'] as Document | undefined))
      return { cursor: cursors.open(`${db}.$cmd.listCollections`, docs, batchSize), ok: 1 }
    }
    case 'listdatabases': {
      const names = [...new Set(store.namespaces().map((n) => n.split('.')[0] ?? ''))]
      const databases = names.map((name) => ({ name, sizeOnDisk: 0, empty: false }))
      return { databases, totalSize: 0, ok: 1 }
    }
    case 'listindexes':
      if (!store.has(ns)) throw new CommandError(26, `ns does not exist: ${ns}`)
      return {
        cursor: cursors.open(ns, [{ v: 2, key: { _id: 1 }, name: '_id_' }], batchSize),
        ok: 1,
      }
    case 'createindexes':
      return {
        numIndexesBefore: 1,
        numIndexesAfter: 1,
        note: 'the simulator indexes only _id',
        ok: 1,
      }
    default:
      throw new CommandError(59, `no such command: '${name}'`)
  }
}
