/**
 * The connection `fn` receives: cassandra-driver's own `execute` and `batch`, returning the
 * driver's `ResultSet`, run with the consistency level, data center and idempotence that ReplicaKit
 * chose for the call. Options the caller passes explicitly win. When the data center cannot meet
 * the level (`Unavailable`, no coordinator reachable; for reads also `ReadTimeout`), the statement
 * moves to the next allowed data center ({@link routeSteps}) and the fallback is reported.
 */
import type cassandra from 'cassandra-driver'
import type {
  AcquireOptions,
  CallIntent,
  DataCenterFailoverEvent,
  NodeAddress,
  ReplicaKitError,
} from '../../src/adapter.js'
import { ErrorCode, ErrorLabel, NetworkError } from '../../src/adapter.js'
import type { CallLevels, ConsistencyName } from './cassandra-consistency.js'
import { Consistency, checkExplicitWriteLevel } from './cassandra-consistency.js'
import { CqlErrorCode } from './cassandra-errors.js'
import type { RouteStep } from './cassandra-routing.js'
import { hostAddress } from './cassandra-ring-view.js'

/** A statement's parameters, as the driver takes them. */
export type CqlParams = cassandra.ArrayOrObject | undefined

/** What `fn` gets in `db.read(fn)` / `db.write(fn)` on Cassandra. */
export interface CassandraConnection {
  /** The driver's `client.execute`, with ReplicaKit's consistency, data center and bound. */
  execute(
    query: string,
    params?: CqlParams,
    options?: cassandra.QueryOptions,
  ): Promise<cassandra.types.ResultSet>
  /** The driver's `client.batch`, likewise (never moved to another data center after a timeout). */
  batch(
    queries: (string | { query: string; params?: CqlParams })[],
    options?: cassandra.QueryOptions,
  ): Promise<cassandra.types.ResultSet>
  /**
   * The driver's `client.stream`, with the call's consistency, data center and bound. Rows arrive
   * as they are paged in, so a stream is never moved to another data center or run again: it goes
   * to the call's first data center at the call's first level.
   */
  stream(
    query: string,
    params?: CqlParams,
    options?: cassandra.QueryOptions,
  ): ReturnType<cassandra.Client['stream']>
  /**
   * The driver's `client.eachRow` as a promise: `onRow` gets each row as it arrives; resolves with
   * the last page's result when every row is in. Like {@link CassandraConnection.stream}, sent once,
   * to the call's first data center at its first level.
   */
  eachRow(
    query: string,
    params: CqlParams,
    options: cassandra.QueryOptions | undefined,
    onRow: (index: number, row: cassandra.types.Row) => void,
  ): Promise<cassandra.types.ResultSet>
  /** The data center the call's first statement goes to. */
  readonly dataCenter: string
  /** The consistency level ReplicaKit chose for the call (before any fallback). */
  readonly consistency: ConsistencyName
  /** The driver client itself, for what the handle does not wrap (metadata, `stream`, `eachRow`). */
  readonly client: cassandra.Client
}

/** What every handle of one connected driver shares (made once per connection, not per call). */
export interface HandleShared {
  readonly client: cassandra.Client
  /** `socketTimeoutMS` (0 = none): a statement's bound when the call has no deadline. */
  readonly socketTimeoutMS: number
  readonly mapError: (error: unknown) => ReplicaKitError
  readonly onFailover: (event: DataCenterFailoverEvent) => void
}

/** What one call's handle needs from the adapter. */
export interface HandleContext {
  readonly shared: HandleShared
  readonly intent: CallIntent
  readonly levels: CallLevels
  readonly steps: readonly RouteStep[]
  /**
   * The execution profile of each step's data center, in the order of `steps` (its name for a data
   * center the ring does not have, which the driver refuses).
   */
  readonly profiles: readonly (cassandra.ExecutionProfile | string)[]
  readonly deprioritized: readonly NodeAddress[]
  /** The attempt's acquire options: what is left of the call's deadline. */
  readonly acquire: AcquireOptions
}

/** The statement's bound: what is left of the call's deadline, else the socket timeout, in ms. */
function boundMS(context: HandleContext): number | undefined {
  const remaining = context.acquire.remainingMS?.() ?? Infinity
  const socketMS = context.shared.socketTimeoutMS
  const bound = Math.min(remaining, socketMS > 0 ? socketMS : Infinity)
  return Number.isFinite(bound) ? bound : undefined
}

type Run = (options: cassandra.QueryOptions) => Promise<cassandra.types.ResultSet>

/**
 * The handle of one attempt. Its methods are on the prototype (a handle is made per call: no
 * closures of its own), so call them on the handle (`conn.execute(…)`), as the driver's own.
 */
export class CassandraHandle implements CassandraConnection {
  readonly dataCenter: string
  readonly consistency: ConsistencyName
  readonly client: cassandra.Client
  readonly #context: HandleContext

  constructor(context: HandleContext) {
    this.#context = context
    this.dataCenter = context.steps[0]?.dc ?? ''
    this.consistency = context.levels.levels[0] ?? 'LOCAL_ONE'
    this.client = context.shared.client
  }

  execute(
    query: string,
    params?: CqlParams,
    options?: cassandra.QueryOptions,
  ): Promise<cassandra.types.ResultSet> {
    const { client } = this
    return runStatement(this.#context, options, (o) => client.execute(query, params, o))
  }

  batch(
    queries: (string | { query: string; params?: CqlParams })[],
    options?: cassandra.QueryOptions,
  ): Promise<cassandra.types.ResultSet> {
    const { client } = this
    return runStatement(this.#context, options, (o) => client.batch(queries, o))
  }

  stream(
    query: string,
    params?: CqlParams,
    options?: cassandra.QueryOptions,
  ): ReturnType<cassandra.Client['stream']> {
    return this.client.stream(query, params, onceOptions(this.#context, options))
  }

  eachRow(
    query: string,
    params: CqlParams,
    options: cassandra.QueryOptions | undefined,
    onRow: (index: number, row: cassandra.types.Row) => void,
  ): Promise<cassandra.types.ResultSet> {
    const once = onceOptions(this.#context, options)
    return new Promise<cassandra.types.ResultSet>((resolve, reject) => {
      this.client.eachRow(
        query,
        params ?? [],
        once,
        onRow,
        (error: Error | null | undefined, result: cassandra.types.ResultSet) => {
          if (error === null || error === undefined) resolve(result)
          else reject(error)
        },
      )
    })
  }
}

/** The options of a statement sent once (stream, eachRow): the call's first data center and level. */
function onceOptions(
  context: HandleContext,
  given: cassandra.QueryOptions | undefined,
): cassandra.QueryOptions {
  const explicit = given?.consistency
  const required = context.levels.levels[0]
  if (context.intent.kind === 'write' && explicit !== undefined && required !== undefined) {
    checkExplicitWriteLevel(explicit, required)
  }
  const pinned = given?.executionProfile !== undefined || given?.host !== undefined
  const step = pinned ? undefined : context.steps[0]
  const host = step?.rack === undefined ? undefined : rackHost(context, step.dc, step.rack)
  const profile = step === undefined ? undefined : context.profiles[0]
  return statementOptions(
    context,
    profile,
    explicit !== undefined ? undefined : required,
    host,
    given,
  )
}

/**
 * Runs one statement: in each allowed data center in turn, at each level the call allows there,
 * until one answers. A statement with one place and one level to try (most: no rack tag, no
 * fallback data center, one level) is the driver's promise itself (see docs/benchmarks.md).
 */
function runStatement(
  context: HandleContext,
  given: cassandra.QueryOptions | undefined,
  run: Run,
): Promise<cassandra.types.ResultSet> {
  const explicit = given?.consistency
  const required = context.levels.levels[0]
  if (context.intent.kind === 'write' && explicit !== undefined && required !== undefined) {
    try {
      checkExplicitWriteLevel(explicit, required)
    } catch (error: unknown) {
      return rejected(error)
    }
  }
  // The caller pinned a profile or a host: run exactly that, once.
  const pinned = given?.executionProfile !== undefined || given?.host !== undefined
  const tries = pinned ? PINNED : context.steps
  const tryLevels = explicit !== undefined ? CALLERS_LEVEL : context.levels.levels
  const only = tries.length === 1 && tryLevels.length === 1 ? tries[0] : null
  if (only === null || only?.rack !== undefined)
    return runSteps(context, given, run, tries, tryLevels)
  // One try: the driver's own promise is the statement's (an error is the statement's error: there
  // is nowhere else to go).
  const profile = only === undefined ? undefined : context.profiles[0]
  try {
    return run(statementOptions(context, profile, tryLevels[0], undefined, given))
  } catch (error: unknown) {
    return rejected(error)
  }
}

/** A promise rejected with exactly what was thrown: a sync throw reaches the caller as a rejection. */
function rejected(error: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what was caught, unchanged
  return Promise.reject(error)
}

/** The tries of a statement whose caller pinned a profile or a host: one, as given. */
const PINNED: readonly (RouteStep | undefined)[] = [undefined]
/** The levels of a statement whose caller gave a consistency: theirs only. */
const CALLERS_LEVEL: readonly (ConsistencyName | undefined)[] = [undefined]

/** The loop of {@link runStatement}: data centers in order, levels in order within each. */
async function runSteps(
  context: HandleContext,
  given: cassandra.QueryOptions | undefined,
  run: Run,
  tries: readonly (RouteStep | undefined)[],
  tryLevels: readonly (ConsistencyName | undefined)[],
): Promise<cassandra.types.ResultSet> {
  const { intent, shared } = context
  const explicit = given?.consistency
  const pinned = tries === PINNED
  let firstFailure: { dc: string; error: unknown } | undefined
  let lastError: unknown
  for (let i = 0; i < tries.length; i++) {
    const step = tries[i]
    const profile = step === undefined ? undefined : context.profiles[i]
    const host = step?.rack === undefined ? undefined : rackHost(context, step.dc, step.rack)
    if (step?.rack !== undefined && host === undefined) {
      lastError ??= noNodeIn(step)
      firstFailure ??= { dc: step.dc, error: lastError }
      continue
    }
    for (const level of tryLevels) {
      const options = statementOptions(context, profile, level, host, given)
      try {
        const result = await run(options)
        if (firstFailure !== undefined && step !== undefined && firstFailure.dc !== step.dc) {
          shared.onFailover({
            kind: intent.kind,
            from: firstFailure.dc,
            to: step.dc,
            level: level ?? levelName(explicit),
            reason: shared.mapError(firstFailure.error),
          })
        }
        return result
      } catch (error: unknown) {
        lastError = error
        const next = nextMove(error, intent.kind)
        if (next === 'stop' || pinned) throw error
        if (step !== undefined) firstFailure ??= { dc: step.dc, error }
        if (next === 'next-dc') break
      }
    }
  }
  throw lastError
}

/** What a failure in one data center allows: a weaker level there, the next data center, or nothing. */
function nextMove(error: unknown, kind: CallIntent['kind']): 'next-level' | 'next-dc' | 'stop' {
  const shape = error as { name?: unknown; code?: unknown }
  if (shape.name === 'NoHostAvailableError') return 'next-dc'
  if (shape.name !== 'ResponseError') return 'stop'
  if (shape.code === CqlErrorCode.Unavailable) return 'next-level'
  if (kind === 'read' && shape.code === CqlErrorCode.ReadTimeout) return 'next-level'
  return 'stop'
}

function statementOptions(
  context: HandleContext,
  profile: cassandra.ExecutionProfile | string | undefined,
  level: ConsistencyName | undefined,
  host: cassandra.Host | undefined,
  given: cassandra.QueryOptions | undefined,
): cassandra.QueryOptions {
  // Built field by field, not by spreading: this runs for every statement (see docs/benchmarks.md).
  const options: cassandra.QueryOptions = {
    serialConsistency: Consistency[context.levels.serial],
    // Reads are idempotent by nature (speculative execution may send them twice).
    isIdempotent: context.intent.kind === 'read' || context.intent.idempotent,
  }
  if (profile !== undefined) options.executionProfile = profile
  if (level !== undefined) options.consistency = Consistency[level]
  const bound = boundMS(context)
  if (bound !== undefined) options.readTimeout = Math.max(1, Math.floor(bound))
  if (host !== undefined) options.host = host
  // Options the caller passes explicitly win.
  return given === undefined ? options : Object.assign(options, given)
}

/** An up host of `dc` in `rack`, avoiding the call's deprioritised nodes when it can. */
function rackHost(context: HandleContext, dc: string, rack: string): cassandra.Host | undefined {
  const candidates = context.shared.client.hosts
    .values()
    .filter((h) => h.datacenter === dc && h.rack === rack && h.isUp())
  const fresh = candidates.filter((h) => !context.deprioritized.includes(hostAddress(h)))
  const pool = fresh.length > 0 ? fresh : candidates
  return pool[Math.floor(Math.random() * pool.length)]
}

function noNodeIn(step: RouteStep): ReplicaKitError {
  return new NetworkError(
    `no node of data center ${step.dc} in rack ${step.rack ?? '?'} is up; ` +
      'it is skipped (check the nodes, or add a tag set that allows others)',
    {
      code: ErrorCode.NetworkError,
      labels: [ErrorLabel.NoWritesPerformed, ErrorLabel.RetryableRead],
    },
  )
}

function levelName(value: number | undefined): string {
  if (value === undefined) return 'default'
  return Object.entries(Consistency).find(([, code]) => code === value)?.[0] ?? String(value)
}
