import { REDACTED } from '../util/redact.js'
import type { ResolvedOptions } from './resolved-options.js'

const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/** A `Map` that throws on every write, so a frozen object's map is frozen too. */
class FrozenMap<K, V> extends Map<K, V> {
  #sealed = false

  constructor(entries: Iterable<readonly [K, V]>) {
    super()
    for (const [key, value] of entries) super.set(key, value)
    this.#sealed = true
  }

  override set(key: K, value: V): this {
    if (this.#sealed) throw new TypeError('ResolvedOptions are frozen')
    return super.set(key, value)
  }

  override delete(): boolean {
    throw new TypeError('ResolvedOptions are frozen')
  }

  override clear(): void {
    throw new TypeError('ResolvedOptions are frozen')
  }
}

function deepFreeze<T>(value: T): T {
  if (value instanceof Map) {
    return Object.freeze(
      new FrozenMap([...value].map(([k, v]) => [k, deepFreeze(v)] as const)),
    ) as T
  }
  if (typeof value !== 'object' || value === null) return value
  // Also into frozen containers: zod freezes `.readonly()` arrays but not their elements.
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  return Object.freeze(value)
}

function freezeEntries<T extends object>(value: T): T {
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) copy[key] = deepFreeze(item)
  return copy as T
}

/** A plain, secret-free copy of `options` (what `JSON.stringify` and `util.inspect` show). */
function publicView(options: ResolvedOptions): Record<string, unknown> {
  return {
    ...options,
    ...(options.password !== undefined ? { password: REDACTED } : {}),
    tls: {
      ...options.tls,
      ...(options.tls.certificateKeyFilePassword !== undefined
        ? { certificateKeyFilePassword: REDACTED }
        : {}),
    },
    backendOptions: {
      ...options.backendOptions,
      ...(options.backendOptions.proxyPassword !== undefined ? { proxyPassword: REDACTED } : {}),
    },
    nodeTags: Object.fromEntries(options.nodeTags),
  }
}

/**
 * Deep-freezes resolved options (maps included) and gives them a `toJSON` and a `util.inspect` view
 * that show secrets as `*****`, so logging them never leaks a password.
 *
 * @internal
 */
export function freezeResolved(options: ResolvedOptions): ResolvedOptions {
  const frozen = freezeEntries(options)
  Object.defineProperty(frozen, 'toJSON', { value: () => publicView(frozen), enumerable: false })
  Object.defineProperty(frozen, INSPECT, { value: () => publicView(frozen), enumerable: false })
  return Object.freeze(frozen)
}
