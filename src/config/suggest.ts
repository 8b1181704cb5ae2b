import { OPTION_NAMES, OPTION_TABLE } from './option-table.js'

const CANDIDATES: readonly [string, string][] = OPTION_NAMES.flatMap((name) =>
  [name, ...OPTION_TABLE[name].aliases].map((key): [string, string] => [key.toLowerCase(), name]),
)

/**
 * The option name closest to an unknown `key` (edit distance ≤ 2, case-insensitive), for a
 * "did you mean …?" hint, or `undefined`.
 *
 * @internal
 */
export function closestOptionName(key: string): string | undefined {
  return closestName(key, CANDIDATES)
}

/**
 * The name among `candidates` closest to an unknown `key` (edit distance ≤ 2, case-insensitive), or
 * `undefined`. Each candidate is `[name as compared (lower case), name to suggest]`.
 *
 * @internal
 */
export function closestName(
  key: string,
  candidates: Iterable<readonly [string, string]>,
): string | undefined {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestDistance = 3
  for (const [candidate, name] of candidates) {
    const distance = editDistance(lower, candidate, bestDistance)
    if (distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  return best
}

/**
 * `; did you mean X?` for an unknown key, or `''`: X is the closest option name, or the closest of
 * `names` when given (e.g. the options of a call).
 *
 * @internal
 */
export function suggestionFor(key: string, names?: readonly string[]): string {
  const name =
    names === undefined
      ? closestOptionName(key)
      : closestName(
          key,
          names.map((candidate) => [candidate.toLowerCase(), candidate] as const),
        )
  return name === undefined ? '' : `; did you mean ${name}?`
}

/** Levenshtein distance of `a` and `b`, giving up (returning `limit`) once it reaches `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      )
      current.push(value)
      rowMin = Math.min(rowMin, value)
    }
    if (rowMin >= limit) return limit
    previous = current
  }
  return Math.min(previous[b.length] ?? limit, limit)
}
