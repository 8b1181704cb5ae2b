import { z } from 'zod'
import { ErrorCode } from '../errors/error-codes.js'
import type { ConfigError } from '../errors/errors.js'
import { IssueSink } from './issue-sink.js'
import type { OptionInput, OptionName, OptionValue } from './option-table.js'
import { OPTION_NAMES, OPTION_TABLE } from './option-table.js'
import { suggestionFor } from './suggest.js'

type TableInputs = { readonly [K in OptionName]?: OptionInput<K> }
type TableValues = { readonly [K in OptionName]?: OptionValue<K> }

/**
 * The options a program may pass to `connect`/`resolveOptions`: every option of docs/options.md under
 * its exact name (they override the URI's), plus credentials and the parsing mode.
 *
 * ```ts
 * await connect('mysql://db1,db2/shop', { password: process.env.DB_PASSWORD, w: 'majority', timeoutMS: 5000 })
 * ```
 */
export interface ClientOptions extends TableInputs {
  /** The user name; overrides the URI's. */
  readonly username?: string
  /** The password; overrides the URI's. Never shown in a message. */
  readonly password?: string
  /** The database (MySQL), auth database (MongoDB) or keyspace (Cassandra); overrides the URI's path. */
  readonly database?: string
  /**
   * `true` (default): an unknown URI option, a bad URI value or a repeated URI key is a
   * `ConfigError`. `false`: it becomes an entry of `ResolvedOptions.warnings` and is ignored (the
   * MongoDB connection string spec's behaviour). Programmatic options are always checked strictly.
   */
  readonly strict?: boolean
}

/** {@link ClientOptions} after validation. @internal */
export interface ParsedClientOptions extends TableValues {
  readonly username?: string
  readonly password?: string
  readonly database?: string
  readonly strict?: boolean
}

const EXTRA_FIELDS = {
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  database: z.string().min(1).optional(),
  strict: z.boolean().optional(),
}

const EXTRA_ALLOWED: Readonly<Record<keyof typeof EXTRA_FIELDS, string>> = {
  username: 'a non-empty string',
  password: 'a string',
  database: 'a non-empty string',
  strict: 'true or false',
}

/**
 * The zod v4 schema of {@link ClientOptions}, built from the option table: `z.strictObject`, so an
 * unknown option is an error.
 *
 * @internal
 */
export const CLIENT_OPTIONS_SCHEMA = z.strictObject({
  ...Object.fromEntries(
    OPTION_NAMES.map((name) => [name, (OPTION_TABLE[name].schema as z.ZodType).optional()]),
  ),
  ...EXTRA_FIELDS,
}) as unknown as z.ZodType<ParsedClientOptions, ClientOptions>

/**
 * Validates programmatic options. `undefined` values count as not given.
 *
 * @throws ConfigError `INVALID_OPTION` naming every bad option, its value (never a secret's) and
 *   what is allowed, with the `ZodError` as `cause`.
 * @internal
 */
export function parseClientOptions(options: unknown): ParsedClientOptions {
  if (options === undefined || options === null) return {}
  const sink = new IssueSink(true)
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw sink.error(
      ErrorCode.InvalidOption,
      'options must be an object, e.g. { w: "majority", timeoutMS: 5000 }',
    )
  }
  const record = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  )
  for (const name of [
    'password',
    ...OPTION_NAMES.filter((option) => OPTION_TABLE[option].secret),
  ]) {
    const secret: unknown = record[name]
    if (typeof secret === 'string') sink.addSecret(secret)
  }
  const parsed = CLIENT_OPTIONS_SCHEMA.safeParse(record)
  if (parsed.success) return parsed.data
  throw zodToConfigError(parsed.error, record, sink)
}

function zodToConfigError(
  error: z.ZodError,
  input: Readonly<Record<string, unknown>>,
  sink: IssueSink,
): ConfigError {
  const problems = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys
        .map((key) => `unknown option ${JSON.stringify(key)}${suggestionFor(key)}`)
        .join('; ')
    }
    const name = String(issue.path[0] ?? '')
    const isTableOption = Object.hasOwn(OPTION_TABLE, name)
    const isSecret =
      name === 'password' || (isTableOption && OPTION_TABLE[name as OptionName].secret)
    const allowed = isTableOption
      ? OPTION_TABLE[name as OptionName].allowed
      : (EXTRA_ALLOWED[name as keyof typeof EXTRA_FIELDS] as string | undefined)
    const where = issue.path.length > 1 ? ` at ${issue.path.slice(1).map(String).join('.')}` : ''
    return (
      `invalid value ${sink.show(describe(input[name]), isSecret)} for option ${name}${where} ` +
      `(${issue.message})${allowed === undefined ? '' : `; allowed: ${allowed}`}`
    )
  })
  return sink.error(ErrorCode.InvalidOption, `invalid options: ${problems.join('; ')}`, error)
}

function describe(value: unknown): string {
  if (value instanceof Map) return `Map(${String(value.size)})`
  if (typeof value === 'string') return value
  try {
    // JSON.stringify returns undefined for undefined, functions and symbols.
    const json = JSON.stringify(value) as string | undefined
    return json ?? String(value)
  } catch {
    return String(value)
  }
}
