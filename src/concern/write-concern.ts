import { z } from 'zod'
import { ConfigError, ErrorCode } from '../errors/errors.js'

/**
 * When a write counts as done.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/read-write-concern/read-write-concern.md#write-concern
 */
export interface WriteConcern {
  /** Members that must have applied the write: a number, `'majority'`, or a tag-set mode name. */
  readonly w?: number | 'majority' | (string & Record<never, never>)
  /** Bound on waiting for `w`, in ms; 0 or absent = no bound beyond the call's deadline. */
  readonly wtimeoutMS?: number
  /** Wait for the write to be durable on disk (meaning per backend: see docs/options.md). */
  readonly journal?: boolean
}

/**
 * What a read may see.
 */
export interface ReadConcern {
  /** `local`, `majority`, `linearizable`, `available`, `snapshot`, or a backend level passed through. */
  readonly level?: string
}

/**
 * A write concern as a caller may spell it: the canonical fields, or MongoDB's wire names `j` and
 * `wtimeout` (both spellings of one field must then agree).
 */
export interface WriteConcernInput {
  readonly w?: number | string
  readonly wtimeoutMS?: number
  /** Alias of `wtimeoutMS` (MongoDB's document field). */
  readonly wtimeout?: number
  readonly journal?: boolean
  /** Alias of `journal` (MongoDB's document field). */
  readonly j?: boolean
}

/**
 * The write concern as MongoDB sends it on the wire (`{ w, wtimeout, j }`); `{}` means "the server's
 * default".
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/read-write-concern/read-write-concern.md#writeconcern
 */
export interface WriteConcernDocument {
  readonly w?: number | string
  readonly wtimeout?: number
  readonly j?: boolean
}

/**
 * The zod schema of `w`: a non-negative integer (members), or a non-empty string (`'majority'` or a
 * tag-set mode name). Shared by the option table and {@link parseWriteConcern}.
 *
 * @internal
 */
export const W_SCHEMA = z.union([
  z
    .number()
    .int('expected an integer ≥ 0 or a mode name')
    .min(0, 'expected an integer ≥ 0 or a mode name'),
  z.string().min(1, 'expected an integer ≥ 0 or a mode name'),
])

/** The zod schema of `wtimeoutMS`: a non-negative integer of ms (64-bit in MongoDB). @internal */
export const WTIMEOUT_MS_SCHEMA = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

/**
 * Turns the text of a URI `w=` into a candidate value: integer-looking text is a number (so `w=-2` is
 * rejected rather than taken as a mode name), anything else is a mode name.
 *
 * @internal
 */
export const W_FROM_URI: z.ZodType<number | string, string> = z
  .string()
  .transform((text) => (/^[+-]?\d+$/.test(text) ? Number(text) : text))

const WRITE_CONCERN_INPUT = z.strictObject({
  w: W_SCHEMA.optional(),
  wtimeoutMS: WTIMEOUT_MS_SCHEMA.optional(),
  wtimeout: WTIMEOUT_MS_SCHEMA.optional(),
  journal: z.boolean().optional(),
  j: z.boolean().optional(),
})

/**
 * Validates a write concern from untrusted input (per-call options, a document) and returns its
 * frozen canonical form (see {@link normaliseWriteConcern}).
 *
 * ```ts
 * parseWriteConcern({ w: 'majority', wtimeout: 2000 }) // { w: 'majority', wtimeoutMS: 2000 }
 * ```
 *
 * @throws ConfigError `INVALID_OPTION` naming the field (with the `ZodError` as `cause`), or
 *   `CONFLICTING_OPTIONS` for `w: 0` with `journal: true` or two spellings that disagree.
 * @see https://github.com/mongodb/specifications/blob/master/source/read-write-concern/read-write-concern.md#writeconcern
 */
export function parseWriteConcern(input: unknown): WriteConcern {
  const parsed = WRITE_CONCERN_INPUT.safeParse(input ?? {})
  if (!parsed.success) {
    throw new ConfigError(
      `invalid write concern: ${z.prettifyError(parsed.error)}; allowed: w = an integer ≥ 0, ` +
        "'majority' or a tag-set mode name, wtimeoutMS = an integer ≥ 0 (ms), journal = true or false",
      { code: ErrorCode.InvalidOption, cause: parsed.error },
    )
  }
  return normaliseWriteConcern(parsed.data)
}

/**
 * The canonical form of a write concern: `wtimeout`/`j` folded into `wtimeoutMS`/`journal`, absent
 * fields dropped, frozen. Validates like {@link parseWriteConcern} (typed input still needs its
 * ranges and the `w: 0` + `journal: true` rule checked).
 *
 * @throws ConfigError as {@link parseWriteConcern}.
 */
export function normaliseWriteConcern(input: WriteConcernInput): WriteConcern {
  const wtimeoutMS = agree('wtimeoutMS', input.wtimeoutMS, 'wtimeout', input.wtimeout)
  const journal = agree('journal', input.journal, 'j', input.j)
  const wc: WriteConcern = {
    ...(input.w !== undefined ? { w: input.w } : {}),
    ...(wtimeoutMS !== undefined ? { wtimeoutMS } : {}),
    ...(journal !== undefined ? { journal } : {}),
  }
  const problem = writeConcernProblem(wc)
  if (problem !== undefined) throw problem
  return Object.freeze(wc)
}

/**
 * The reason `wc` is invalid, or `undefined` when it is valid: `w` a negative or fractional number
 * or an empty string, `wtimeoutMS` negative, or `w: 0` with `journal: true` (an unacknowledged write
 * cannot wait for the journal). Pure.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/read-write-concern/read-write-concern.md#writeconcern
 */
export function writeConcernProblem(wc: WriteConcern): ConfigError | undefined {
  const w = W_SCHEMA.safeParse(wc.w ?? 1)
  if (!w.success) {
    return new ConfigError(
      `w=${JSON.stringify(wc.w)} is not a write concern; use an integer ≥ 0, 'majority' or a tag-set mode name`,
      { code: ErrorCode.InvalidOption, cause: w.error },
    )
  }
  const wtimeout = WTIMEOUT_MS_SCHEMA.safeParse(wc.wtimeoutMS ?? 0)
  if (!wtimeout.success) {
    return new ConfigError(
      `wtimeoutMS=${String(wc.wtimeoutMS)} is invalid; use an integer ≥ 0 (ms, 0 = no bound)`,
      { code: ErrorCode.InvalidOption, cause: wtimeout.error },
    )
  }
  if (wc.w === 0 && wc.journal === true) {
    return new ConfigError(
      'w=0 cannot be combined with journal=true: an unacknowledged write cannot wait for the journal; ' +
        'use w ≥ 1 or drop journal',
      { code: ErrorCode.ConflictingOptions },
    )
  }
  return undefined
}

/**
 * The MongoDB wire form `{ w, wtimeout, j }` of a valid write concern; `{}` for the server default.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/read-write-concern/read-write-concern.md#writeconcern
 */
export function writeConcernToWire(wc: WriteConcern): WriteConcernDocument {
  return Object.freeze({
    ...(wc.w !== undefined ? { w: wc.w } : {}),
    ...(wc.wtimeoutMS !== undefined ? { wtimeout: wc.wtimeoutMS } : {}),
    ...(wc.journal !== undefined ? { j: wc.journal } : {}),
  })
}

/**
 * Whether a write under `wc` is acknowledged: anything but `w: 0` without `journal: true`.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/read-write-concern/read-write-concern.md#unacknowledged-write-concern
 */
export function isAcknowledged(wc: WriteConcern): boolean {
  return wc.w !== 0 || wc.journal === true
}

/** Whether `wc` sets nothing, so the server's (or backend's) default applies. */
export function isServerDefaultWriteConcern(wc: WriteConcern): boolean {
  return wc.w === undefined && wc.wtimeoutMS === undefined && wc.journal === undefined
}

function agree<T>(
  name: string,
  value: T | undefined,
  alias: string,
  aliasValue: T | undefined,
): T | undefined {
  if (value !== undefined && aliasValue !== undefined && value !== aliasValue) {
    throw new ConfigError(
      `${name}=${String(value)} and ${alias}=${String(aliasValue)} disagree; give only ${name}`,
      { code: ErrorCode.ConflictingOptions },
    )
  }
  return value ?? aliasValue
}
