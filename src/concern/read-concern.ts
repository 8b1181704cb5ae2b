import { z } from 'zod'
import { ConfigError, ErrorCode } from '../errors/errors.js'
import type { ReadConcern } from './write-concern.js'

/**
 * The read concern levels MongoDB defines. Other strings are accepted and passed through, so a newer
 * server's level needs no new ReplicaKit.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/read-write-concern/read-write-concern.md#unknown-levels-and-additional-options-for-string-based-readconcerns
 */
export const ReadConcernLevel = {
  Local: 'local',
  Majority: 'majority',
  Linearizable: 'linearizable',
  Available: 'available',
  Snapshot: 'snapshot',
} as const

/** One of the values of {@link ReadConcernLevel}. */
export type ReadConcernLevel = (typeof ReadConcernLevel)[keyof typeof ReadConcernLevel]

/** The read concern as MongoDB sends it on the wire; `{}` means "the server's default". */
export interface ReadConcernDocument {
  readonly level?: string
}

/** The zod schema of a read concern level: any non-empty string. @internal */
export const READ_CONCERN_LEVEL_SCHEMA = z
  .string()
  .min(1, 'expected a non-empty read concern level')

const READ_CONCERN_INPUT = z.strictObject({ level: READ_CONCERN_LEVEL_SCHEMA.optional() })

/**
 * Validates a read concern from untrusted input and returns its frozen canonical form.
 *
 * ```ts
 * parseReadConcern({ level: 'majority' }) // { level: 'majority' }
 * ```
 *
 * @throws ConfigError `INVALID_OPTION` (with the `ZodError` as `cause`).
 */
export function parseReadConcern(input: unknown): ReadConcern {
  const parsed = READ_CONCERN_INPUT.safeParse(input ?? {})
  if (!parsed.success) {
    throw new ConfigError(
      `invalid read concern: ${z.prettifyError(parsed.error)}; allowed: { level?: a non-empty string, ` +
        `e.g. ${Object.values(ReadConcernLevel).join(', ')} }`,
      { code: ErrorCode.InvalidOption, cause: parsed.error },
    )
  }
  return normaliseReadConcern(parsed.data)
}

/** The canonical form of a read concern: absent level dropped, frozen. */
export function normaliseReadConcern(input: ReadConcern): ReadConcern {
  return Object.freeze(input.level !== undefined ? { level: input.level } : {})
}

/** The MongoDB wire form `{ level }` of a read concern; `{}` for the server default. */
export function readConcernToWire(rc: ReadConcern): ReadConcernDocument {
  return normaliseReadConcern(rc)
}

/** Whether `rc` sets no level, so the server's (or backend's) default applies. */
export function isServerDefaultReadConcern(rc: ReadConcern): boolean {
  return rc.level === undefined
}
