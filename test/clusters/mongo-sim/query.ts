/**
 * The simulator's query subset, as pure functions over BSON-decoded documents: value comparison in
 * BSON type order, filter matching (equality, `$eq/$ne/$gt/$gte/$lt/$lte/$in/$nin/$exists`,
 * `$and/$or/$nor`, dotted paths, array membership), sort and simple projections.
 *
 * @see https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/
 */
import { CommandError } from './errors.js'
import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp, type Document } from 'bson'

/** A BSON-decoded value. */
export type Value = unknown

function isPlainObject(value: Value): value is Document {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  )
}

function asNumber(value: Value): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  if (value instanceof Long) return value.toNumber()
  if (value instanceof Int32 || value instanceof Double) return value.valueOf()
  if (value instanceof Decimal128) return Number(value.toString())
  return undefined
}

/** Rank of a value's type in the BSON comparison order. */
function typeRank(value: Value): number {
  if (value === undefined || value === null) return 1
  if (asNumber(value) !== undefined) return 2
  if (typeof value === 'string') return 3
  if (Array.isArray(value)) return 5
  if (value instanceof Binary) return 6
  if (value instanceof ObjectId) return 7
  if (typeof value === 'boolean') return 8
  if (value instanceof Date) return 9
  if (value instanceof Timestamp) return 10
  if (value instanceof RegExp) return 11
  return 4 // embedded document
}

/** Compares two BSON values in the server's order: negative, zero or positive. */
export function compareValues(a: Value, b: Value): number {
  const rank = typeRank(a) - typeRank(b)
  if (rank !== 0) return rank
  const na = asNumber(a)
  const nb = asNumber(b)
  if (na !== undefined && nb !== undefined) return na - nb
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (a instanceof ObjectId && b instanceof ObjectId)
    return a.toHexString().localeCompare(b.toHexString())
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime()
  if (a instanceof Timestamp && b instanceof Timestamp) return a.compare(b)
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
      const c = compareValues(a[i], b[i])
      if (c !== 0) return c
    }
    return a.length - b.length
  }
  if (a instanceof Binary && b instanceof Binary) {
    return Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer))
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    for (let i = 0; i < Math.min(ka.length, kb.length); i += 1) {
      const c = compareValues(a[ka[i]!], b[kb[i]!]) || ka[i]!.localeCompare(kb[i]!)
      if (c !== 0) return c
    }
    return ka.length - kb.length
  }
  return 0
}

/** BSON equality (numbers compare by value across int/long/double). */
export function valuesEqual(a: Value, b: Value): boolean {
  return typeRank(a) === typeRank(b) && compareValues(a, b) === 0
}

/**
 * The values a dotted path reaches in `doc`, expanding arrays on the way as the server does
 * (`{'a.b': 1}` matches `{a: [{b: 1}]}`). An empty list means the path is missing.
 */
export function valuesAtPath(doc: Value, path: string): Value[] {
  const [head, ...rest] = path.split('.')
  if (head === undefined) return []
  if (Array.isArray(doc)) {
    const index = /^\d+$/.test(head) ? Number(head) : undefined
    if (index !== undefined && index < doc.length) {
      return rest.length === 0 ? [doc[index]] : valuesAtPath(doc[index], rest.join('.'))
    }
    return doc.flatMap((item) => (isPlainObject(item) ? valuesAtPath(item, path) : []))
  }
  if (!isPlainObject(doc) || !(head in doc)) return []
  const value = doc[head]
  return rest.length === 0 ? [value] : valuesAtPath(value, rest.join('.'))
}

/** Candidates a condition is tested against: each value, and each element of array values. */
function candidates(values: readonly Value[]): Value[] {
  return values.flatMap((v) => (Array.isArray(v) ? [v, ...(v as Value[])] : [v]))
}

function matchesOperator(values: readonly Value[], op: string, arg: Value): boolean {
  const each = candidates(values)
  const cmp = (test: (c: number) => boolean): boolean =>
    each.some((v) => typeRank(v) === typeRank(arg) && test(compareValues(v, arg)))
  switch (op) {
    case '$eq':
      return arg === null && values.length === 0 ? true : each.some((v) => valuesEqual(v, arg))
    case '$ne':
      return !matchesOperator(values, '$eq', arg)
    case '$gt':
      return cmp((c) => c > 0)
    case '$gte':
      return cmp((c) => c >= 0)
    case '$lt':
      return cmp((c) => c < 0)
    case '$lte':
      return cmp((c) => c <= 0)
    case '$in':
      if (!Array.isArray(arg)) throw new CommandError(2, '$in needs an array')
      return arg.some((a) => matchesOperator(values, '$eq', a))
    case '$nin':
      return !matchesOperator(values, '$in', arg)
    case '$exists':
      return values.length > 0 === Boolean(arg)
    default:
      throw new CommandError(2, `unknown operator: ${op}`)
  }
}

function matchesCondition(doc: Document, path: string, condition: Value): boolean {
  const values = valuesAtPath(doc, path)
  if (isPlainObject(condition) && Object.keys(condition).some((k) => k.startsWith('$'))) {
    return Object.entries(condition).every(([op, arg]) => matchesOperator(values, op, arg))
  }
  return matchesOperator(values, '$eq', condition)
}

/** Whether `doc` matches `filter` (an empty or missing filter matches everything). */
export function matchesFilter(doc: Document, filter: Document | undefined): boolean {
  if (filter === undefined) return true
  return Object.entries(filter).every(([key, condition]) => {
    switch (key) {
      case '$and':
        return asFilters(condition, key).every((f) => matchesFilter(doc, f))
      case '$or':
        return asFilters(condition, key).some((f) => matchesFilter(doc, f))
      case '$nor':
        return !asFilters(condition, key).some((f) => matchesFilter(doc, f))
      default:
        if (key.startsWith('$')) throw new CommandError(2, `unknown top level operator: ${key}`)
        return matchesCondition(doc, key, condition)
    }
  })
}

function asFilters(value: Value, op: string): Document[] {
  if (!Array.isArray(value) || !value.every(isPlainObject)) {
    throw new CommandError(2, `${op} must be an array of objects`)
  }
  return value
}

/** Sorts a copy of `docs` by a `{field: 1 | -1}` specification. */
export function sortDocuments(docs: readonly Document[], sort: Document | undefined): Document[] {
  const keys = Object.entries(sort ?? {})
  if (keys.length === 0) return [...docs]
  return [...docs].sort((a, b) => {
    for (const [path, direction] of keys) {
      const c = compareValues(valuesAtPath(a, path)[0], valuesAtPath(b, path)[0])
      if (c !== 0) return Number(direction) < 0 ? -c : c
    }
    return 0
  })
}

/** Applies an inclusion or exclusion projection of top-level fields (`_id` kept unless 0). */
export function projectDocument(doc: Document, projection: Document | undefined): Document {
  const entries = Object.entries(projection ?? {})
  if (entries.length === 0) return doc
  const including = entries.some(([k, v]) => k !== '_id' && Boolean(v))
  const keepId = projection?.['_id'] === undefined || Boolean(projection['_id'])
  const out: Document = {}
  for (const [key, value] of Object.entries(doc)) {
    const spec = projection?.[key]
    const keep =
      key === '_id'
        ? keepId
        : including
          ? spec !== undefined && Boolean(spec)
          : spec === undefined || Boolean(spec)
    if (keep) out[key] = value
  }
  return out
}

/** A deep copy of plain objects and arrays; BSON value objects (ObjectId, Long…) are shared. */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => cloneValue(v)) as T
  if (value instanceof Date) return new Date(value.getTime()) as T
  if (!isPlainObject(value)) return value
  const out: Document = {}
  for (const [k, v] of Object.entries(value)) out[k] = cloneValue(v)
  return out as T
}

export { isPlainObject }
