import type { Scheme } from './scheme.js'
import { SCHEMES } from './scheme.js'

/**
 * Why `w` cannot be used with `scheme`, or `undefined` when it can: a string other than `majority`
 * is a tag-set mode name, which only MongoDB defines (`settings.getLastErrorModes`); MySQL, MariaDB
 * and Cassandra have nothing to look it up in. `show` quotes the value for the message.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/read-write-concern/read-write-concern.md#writeconcern
 * @internal
 */
export function wProblemFor(
  w: unknown,
  scheme: Scheme,
  show: (text: string) => string,
): string | undefined {
  if (typeof w !== 'string' || w === 'majority' || SCHEMES[scheme].backend === 'mongodb') {
    return undefined
  }
  return (
    `invalid value ${show(w)} for option w: ${scheme}:// takes an integer ≥ 0 or majority ` +
    '(tag-set mode names are MongoDB only)'
  )
}
