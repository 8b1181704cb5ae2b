import type { NodeDescription, Tags } from '../topology/node-description.js'

/**
 * Whether a read preference tag set matches a node's tags: every key/value of `tagSet` is present
 * in `nodeTags` (`tagSet ⊆ nodeTags`). The empty tag set `{}` matches every node.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#tag_sets
 */
export function tagSetMatches(tagSet: Tags, nodeTags: Tags): boolean {
  for (const [key, value] of Object.entries(tagSet)) {
    if (!Object.hasOwn(nodeTags, key) || nodeTags[key] !== value) return false
  }
  return true
}

/**
 * Keeps the nodes that match the first tag set (in order) that matches at least one of `nodes`;
 * later tag sets are ignored. An absent or empty list keeps every node; a list of which no tag set
 * matches keeps none. End a list with `{}` to fall through to "any node".
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-selection/server-selection.md#tag_sets
 */
export function tagSetReducer(
  nodes: readonly NodeDescription[],
  tagSets: readonly Tags[] | undefined,
): NodeDescription[] {
  if (tagSets === undefined || tagSets.length === 0) return [...nodes]
  for (const tagSet of tagSets) {
    const matching = nodes.filter((node) => tagSetMatches(tagSet, node.tags))
    if (matching.length > 0) return matching
  }
  return []
}
