import { z } from 'zod'
import { SMALLEST_MAX_STALENESS_SECONDS } from '../selection/max-staleness.js'
import { parseNodeAddress } from '../topology/node-address.js'
import type { Tags } from '../topology/node-description.js'
import { keyValuesFromText, TAGS_SCHEMA } from './option-kinds.js'

/** `nodeTags` in code: `{ 'host:port': tags }` or a `Map`; becomes a `Map`. @internal */
export const NODE_TAGS_SCHEMA = z
  .union([z.map(z.string(), TAGS_SCHEMA), z.record(z.string(), TAGS_SCHEMA)])
  .transform(
    (value): ReadonlyMap<string, Tags> =>
      new Map(value instanceof Map ? value : Object.entries(value)),
  )
  .refine((map) => [...map.keys()].every((key) => parseNodeAddress(key, 1) !== undefined), {
    message: 'expected host[:port] keys',
  })

/** One URI `nodeTags=host:port/key:value,…` occurrence as an `[address, tags]` pair. @internal */
export const NODE_TAGS_FROM_URI = z.string().transform((textValue, ctx): [string, Tags] => {
  const slash = textValue.indexOf('/')
  const tags = keyValuesFromText(true).safeParse(textValue.slice(slash + 1))
  if (slash <= 0 || !tags.success) {
    ctx.addIssue({ code: 'custom', message: 'expected host:port/key:value,key:value' })
    return z.NEVER
  }
  return [textValue.slice(0, slash), tags.data]
})

/** `maxStalenessSeconds`: -1 (no bound) or at least 90 (the heartbeat bound is checked later). @internal */
export const MAX_STALENESS_SCHEMA = z
  .number()
  .int()
  .refine((seconds) => seconds === -1 || seconds >= SMALLEST_MAX_STALENESS_SECONDS, {
    message: `expected -1 or an integer ≥ ${String(SMALLEST_MAX_STALENESS_SECONDS)}`,
  })

/** URI text of an integer option. @internal */
export const INTEGER_FROM_URI = z
  .string()
  .regex(/^[+-]?\d+$/, 'expected an integer')
  .transform(Number)

/** Merges `nodeTags` occurrences; tags of a repeated address are combined. @internal */
export function mergeNodeTags(elements: readonly unknown[]): Record<string, Tags> {
  const merged: Record<string, Tags> = {}
  for (const [address, tags] of elements as readonly [string, Tags][]) {
    merged[address] = { ...merged[address], ...tags }
  }
  return merged
}
