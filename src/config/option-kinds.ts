import { z } from 'zod'
import type { Backend } from '../backend.js'
import type { Tags } from '../topology/node-description.js'

/**
 * Where a resolved option lands in `ResolvedOptions`:
 * - `core`: a top-level field of the same name (defaults filled);
 * - `readPreference`, `writeConcern`, `readConcern`, `tls`: folded into that object;
 * - `mongodb`: kept verbatim in `backendOptions` for 1:1 translation to the MongoDB driver;
 * - `none`: accepted for connection-string compatibility, validated, and then has no effect.
 *
 */
export type OptionGroup =
  'core' | 'readPreference' | 'writeConcern' | 'readConcern' | 'tls' | 'mongodb' | 'none'

/**
 * What a repeated URI key means: `last` = a warning (lenient) or an error (strict), last value wins;
 * `list` = every occurrence is one element, in order; `once` = an error in both modes; `agree` = every
 * occurrence (aliases included) must have the same value, else an error in both modes.
 *
 */
export type RepeatRule = 'last' | 'list' | 'once' | 'agree'

/** The unit of a numeric option, as shown in docs/options.md. */
export type OptionUnit = 'ms' | 'seconds' | 'count' | 'level'

/**
 * One row of the option table: everything ReplicaKit knows about one option.
 *
 * @typeParam In - the programmatic value type (what `ClientOptions` accepts)
 * @typeParam Out - the validated value type
 * @typeParam D - the default's type (`undefined` when the option has none)
 * @typeParam G - the {@link OptionGroup}
 */
export interface OptionRow<
  In = unknown,
  Out = unknown,
  D = unknown,
  G extends OptionGroup = OptionGroup,
> {
  /** Validates and normalises a programmatic value (and a URI value after {@link OptionRow.fromUri}). */
  readonly schema: z.ZodType<Out, In>
  /** Turns the text of one URI occurrence into a candidate programmatic value (or list element). */
  readonly fromUri: z.ZodType<unknown, string>
  /** For `list` rows: turns the elements of every occurrence into one candidate value. */
  readonly collect: (elements: readonly unknown[]) => unknown
  readonly default: D
  /** What values are allowed, in words (error messages and docs). */
  readonly allowed: string
  readonly unit: OptionUnit | undefined
  /** The backends that honour the option (empty: accepted, no effect). */
  readonly backends: readonly Backend[]
  readonly group: G
  readonly repeat: RepeatRule
  /** The value is a secret: never shown in a message, a warning or `JSON.stringify`. */
  readonly secret: boolean
  /** Other URI key names for the option (compared case-insensitively, like the name). */
  readonly aliases: readonly string[]
  /** What the option means (one or two sentences; docs/options.md). */
  readonly description: string
}

/** The fields every row builder takes (`T`: the value type). */
export interface RowSpec<T> {
  readonly default?: T
  readonly backends: readonly Backend[]
  readonly group: OptionGroup
  readonly description: string
  readonly unit?: OptionUnit
  readonly repeat?: RepeatRule
  readonly secret?: boolean
  readonly aliases?: readonly string[]
  /** Overrides the builder's wording of the allowed values. */
  readonly allowed?: string
}

/** The default's type of a row spec: `undefined` when it has none. */
export type DefaultOf<S> = S extends { readonly default: infer X } ? X : undefined

const INT32_MAX = 2_147_483_647
const INTEGER_TEXT = /^[+-]?\d+$/

function row<In, Out, D, G extends OptionGroup>(
  spec: RowSpec<unknown> & { readonly group: G },
  parts: {
    schema: z.ZodType<Out, In>
    fromUri: z.ZodType<unknown, string>
    allowed: string
    collect?: (elements: readonly unknown[]) => unknown
  },
): OptionRow<In, Out, D, G> {
  return Object.freeze({
    schema: parts.schema,
    fromUri: parts.fromUri,
    collect: parts.collect ?? ((elements: readonly unknown[]) => elements[elements.length - 1]),
    default: spec.default as D,
    allowed: spec.allowed ?? parts.allowed,
    unit: spec.unit,
    backends: Object.freeze([...spec.backends]),
    group: spec.group,
    repeat: spec.repeat ?? 'last',
    secret: spec.secret ?? false,
    aliases: Object.freeze([...(spec.aliases ?? [])]),
    description: spec.description,
  })
}

/** An integer option within `[min, max]` (max defaults to 2^31-1, as the URI options spec says). */
export function integer<
  const S extends RowSpec<number> & { readonly min: number; readonly max?: number },
>(spec: S): OptionRow<number, number, DefaultOf<S>, S['group']> {
  const max = spec.max ?? INT32_MAX
  const allowed =
    spec.max === undefined
      ? `an integer ≥ ${String(spec.min)}`
      : `an integer from ${String(spec.min)} to ${String(max)}`
  return row(spec, {
    schema: z.number().int().min(spec.min).max(max),
    fromUri: z.string().regex(INTEGER_TEXT, 'expected an integer').transform(Number),
    allowed,
  })
}

/** A `true`/`false` option (URI values compared case-insensitively). */
export function boolean<const S extends RowSpec<boolean>>(
  spec: S,
): OptionRow<boolean, boolean, DefaultOf<S>, S['group']> {
  return row(spec, {
    schema: z.boolean(),
    fromUri: z
      .string()
      .transform((text) => text.toLowerCase())
      .pipe(z.enum(['true', 'false'], { error: 'expected true or false' }))
      .transform((text) => text === 'true'),
    allowed: 'true or false',
  })
}

/** A non-empty string option, optionally restricted by `pattern`. */
export function text<const S extends RowSpec<string> & { readonly pattern?: RegExp }>(
  spec: S,
): OptionRow<string, string, DefaultOf<S>, S['group']> {
  const base = z.string().min(1, 'expected a non-empty string')
  return row(spec, {
    schema:
      spec.pattern === undefined
        ? base
        : base.regex(spec.pattern, `expected ${spec.allowed ?? 'a valid value'}`),
    fromUri: z.string(),
    allowed: 'a non-empty string',
  })
}

/**
 * One of a closed set of strings. URI values are matched case-insensitively and canonicalised;
 * programmatic values must be spelled exactly.
 *
 */
export function oneOf<
  const V extends readonly [string, ...string[]],
  const S extends RowSpec<V[number]>,
>(values: V, spec: S): OptionRow<V[number], V[number], DefaultOf<S>, S['group']> {
  const byLowerCase = new Map(values.map((value) => [value.toLowerCase(), value]))
  return row(spec, {
    schema: z.enum(values),
    fromUri: z.string().transform((value) => byLowerCase.get(value.toLowerCase()) ?? value),
    allowed: `one of ${values.join(', ')}`,
  })
}

/** The zod schema of a tag set or key/value map: string keys (non-empty) to string values. */
export const TAGS_SCHEMA = z.record(z.string().min(1, 'expected a non-empty key'), z.string())

/**
 * Parses `k1:v1,k2:v2` (the connection string spec's "key value pairs"): split on `,`, then each on its
 * first `:` (so a value may hold `:`, never `,`). `''` is the empty map when `allowEmpty`.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/connection-string/connection-string-spec.md#values
 */
export function keyValuesFromText(allowEmpty: boolean): z.ZodType<Tags, string> {
  return z.string().transform((textValue, ctx): Tags => {
    if (textValue === '') {
      if (allowEmpty) return {}
      ctx.addIssue({ code: 'custom', message: 'expected key:value pairs, got an empty value' })
      return z.NEVER
    }
    const pairs: Record<string, string> = {}
    for (const pair of textValue.split(',')) {
      const colon = pair.indexOf(':')
      if (colon <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected key:value pairs separated by "," (a value cannot hold ",")',
        })
        return z.NEVER
      }
      pairs[pair.slice(0, colon)] = pair.slice(colon + 1)
    }
    return pairs
  })
}

/** A `key:value,…` map option such as `authMechanismProperties`. */
export function keyValues<const G extends OptionGroup>(
  spec: RowSpec<never> & { readonly group: G },
): OptionRow<Readonly<Record<string, string>>, Readonly<Record<string, string>>, undefined, G> {
  return row(spec, {
    schema: TAGS_SCHEMA,
    fromUri: keyValuesFromText(false),
    allowed: 'key:value pairs, e.g. k1:v1,k2:v2',
  })
}

/** An ordered list of tag sets, one per URI occurrence (`readPreferenceTags`). `''` is `{}`. */
export function tagSets<const G extends OptionGroup>(
  spec: RowSpec<never> & { readonly group: G },
): OptionRow<readonly Tags[], readonly Tags[], undefined, G> {
  return row(
    { ...spec, repeat: 'list' },
    {
      schema: z.array(TAGS_SCHEMA).readonly(),
      fromUri: keyValuesFromText(true),
      allowed:
        'a tag set such as dc:ny,rack:1 (repeat the key for more tag sets; empty = any node)',
      collect: (elements) => [...elements],
    },
  )
}

/** A comma-separated list whose elements come from `values` (`compressors`). */
export function stringList<
  const V extends readonly [string, ...string[]],
  const G extends OptionGroup,
>(
  values: V,
  spec: RowSpec<never> & { readonly group: G },
): OptionRow<readonly V[number][], readonly V[number][], undefined, G> {
  return row(spec, {
    schema: z.array(z.enum(values)).min(1).readonly(),
    fromUri: z.string().transform((value) => value.split(',').map((item) => item.trim())),
    allowed: `a comma-separated list of ${values.join(', ')}`,
  })
}

/** Any row of any type: what the table's rows are checked against. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOptionRow = OptionRow<any, any>

/** A row whose schema and URI conversion are written by hand (`w`, `nodeTags`). */
export function custom<const S extends CustomSpec>(
  spec: S,
): OptionRow<z.input<S['schema']>, z.output<S['schema']>, DefaultOf<S>, S['group']> {
  return row(spec, spec) as OptionRow<
    z.input<S['schema']>,
    z.output<S['schema']>,
    DefaultOf<S>,
    S['group']
  >
}

/** What {@link custom} takes: a row spec with its own schema and URI conversion. */
export interface CustomSpec extends RowSpec<unknown> {
  readonly schema: z.ZodType
  readonly fromUri: z.ZodType<unknown, string>
  readonly allowed: string
  readonly collect?: (elements: readonly unknown[]) => unknown
}
