import { z } from 'zod'
import { ConfigError, ErrorCode } from '../errors/errors.js'
import type { ReadPreference, ReadPreferenceMode } from '../selection/read-preference.js'
import type { Tags } from '../topology/node-description.js'
import type { WriteConcern } from '../concern/write-concern.js'
import { suggestionFor } from '../config/suggest.js'
import { Session } from './session.js'

/** Options of one `read` or `write` call; each overrides the client's default for this call only. */
export interface CallOptions {
  /** Where a read may go (a mode or a whole read preference). Reads only. Default: the client's. */
  readonly readPreference?: ReadPreferenceMode | ReadPreference
  /** Tag sets tried in order, `{}` matching any node. Reads only. */
  readonly readPreferenceTags?: readonly Tags[]
  /** Skip replicas staler than this, in seconds (≥ 90). Reads only. */
  readonly maxStalenessSeconds?: number
  /** Members that must apply a write before it counts as done: a number or `'majority'`. Writes only. */
  readonly w?: number | 'majority'
  /** Bound on waiting for `w`, in ms. Writes only. */
  readonly wtimeoutMS?: number
  /** Wait for durability on disk (see docs/options.md for what it means per backend). Writes only. */
  readonly journal?: boolean
  /** The write is safe to run twice, so it may be retried after an unknown outcome. Writes only. */
  readonly idempotent?: boolean
  /** The whole call's deadline, in ms (selection, attempts, backoff, write concern). Default: `timeoutMS`. */
  readonly timeoutMS?: number
  /** Aborts the call. */
  readonly signal?: AbortSignal
  /** A causally consistent session: reads see the session's earlier writes. */
  readonly session?: Session
}

const TAGS = z.record(z.string(), z.string())
const MODE = z.enum(['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'])

const CALL_OPTIONS = z.strictObject({
  readPreference: z
    .union([
      MODE,
      z.strictObject({
        mode: MODE,
        tags: z.array(TAGS).optional(),
        maxStalenessSeconds: z.number().optional(),
      }),
    ])
    .optional(),
  readPreferenceTags: z.array(TAGS).optional(),
  maxStalenessSeconds: z.number().optional(),
  w: z.union([z.number().int().min(0), z.literal('majority')]).optional(),
  wtimeoutMS: z.number().int().min(0).optional(),
  journal: z.boolean().optional(),
  idempotent: z.boolean().optional(),
  timeoutMS: z.number().int().positive().optional(),
  signal: z.instanceof(AbortSignal).optional(),
  session: z.instanceof(Session).optional(),
})

/** The options of a call given none. @internal */
export const NO_CALL_OPTIONS: CallOptions = Object.freeze({})

const MODES: ReadonlySet<unknown> = new Set(MODE.options)

/**
 * Whether `options` certainly passes {@link CALL_OPTIONS}, decided without zod for the common
 * shapes: a plain object whose every key is one the schema knows, with a value of the simple
 * kinds below (or `undefined`). Anything else (a read preference object, tag sets, an unknown key,
 * a doubtful value) returns `false` and is left to zod, which either accepts it or names the
 * problem. So this never accepts what zod would refuse; a unit test checks that on many shapes.
 */
function isPlainCallOptions(options: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(options)
  if (prototype !== Object.prototype && prototype !== null) return false
  for (const key in options) {
    const value: unknown = (options as Record<string, unknown>)[key]
    if (value === undefined) {
      if (!(key in CALL_OPTIONS.shape)) return false
      continue
    }
    switch (key) {
      case 'readPreference':
        if (!MODES.has(value)) return false
        break
      case 'timeoutMS':
        if (!Number.isSafeInteger(value) || (value as number) <= 0) return false
        break
      case 'wtimeoutMS':
        if (!Number.isSafeInteger(value) || (value as number) < 0) return false
        break
      case 'w':
        if (value !== 'majority' && (!Number.isSafeInteger(value) || (value as number) < 0))
          return false
        break
      case 'maxStalenessSeconds':
        if (!Number.isFinite(value)) return false
        break
      case 'journal':
      case 'idempotent':
        if (typeof value !== 'boolean') return false
        break
      case 'signal':
        if (!(value instanceof AbortSignal)) return false
        break
      case 'session':
        if (!(value instanceof Session)) return false
        break
      default:
        return false
    }
  }
  return true
}

/**
 * Validates one call's options; a bad one is a `ConfigError` naming it. The common shapes are
 * checked by hand (a zod parse costs microseconds per call); zod decides the rest and words the error.
 * @internal
 */
export function parseCallOptions(options: CallOptions | undefined): CallOptions {
  if (options === undefined) return NO_CALL_OPTIONS
  // Callers without types may pass anything: check the shape before trusting it.
  if (typeof options === 'object' && (options as unknown) !== null && isPlainCallOptions(options)) {
    return options
  }
  const parsed = CALL_OPTIONS.safeParse(options)
  if (!parsed.success) {
    throw new ConfigError(`invalid call option: ${describeProblems(parsed.error)}`, {
      code: ErrorCode.InvalidOption,
      cause: parsed.error,
    })
  }
  return options
}

const CALL_OPTION_NAMES: readonly string[] = Object.keys(CALL_OPTIONS.shape)

/** zod's wording of the problems, with a "did you mean …?" for each unknown key. */
function describeProblems(error: z.ZodError): string {
  const unknown = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.path.length === 0 ? issue.keys : [],
  )
  const others = error.issues.filter(
    (issue) => !(issue.code === 'unrecognized_keys' && issue.path.length === 0),
  )
  return [
    ...unknown.map((key) => {
      const hint = suggestionFor(key, CALL_OPTION_NAMES)
      return `unknown option ${JSON.stringify(key)}${hint === '' ? `; a call takes ${CALL_OPTION_NAMES.join(', ')}` : hint}`
    }),
    ...(others.length === 0 ? [] : [z.prettifyError(new z.ZodError(others))]),
  ].join('; ')
}

/** The read preference one call uses: the call's overrides on top of the client's default. @internal */
export function callReadPreference(base: ReadPreference, options: CallOptions): ReadPreference {
  const rp = options.readPreference
  const start: ReadPreference = rp === undefined ? base : typeof rp === 'string' ? { mode: rp } : rp
  const tags = options.readPreferenceTags ?? (rp === undefined ? base.tags : start.tags)
  const maxStalenessSeconds =
    options.maxStalenessSeconds ??
    (rp === undefined ? base.maxStalenessSeconds : start.maxStalenessSeconds)
  return {
    mode: start.mode,
    ...(tags !== undefined ? { tags } : {}),
    ...(maxStalenessSeconds !== undefined ? { maxStalenessSeconds } : {}),
  }
}

/** The write concern one call uses (`base` itself when the call overrides nothing). @internal */
export function callWriteConcern(base: WriteConcern, options: CallOptions): WriteConcern {
  if (
    options.w === undefined &&
    options.wtimeoutMS === undefined &&
    options.journal === undefined
  ) {
    return base
  }
  return {
    ...base,
    ...(options.w !== undefined ? { w: options.w } : {}),
    ...(options.wtimeoutMS !== undefined ? { wtimeoutMS: options.wtimeoutMS } : {}),
    ...(options.journal !== undefined ? { journal: options.journal } : {}),
  }
}
