/**
 * The connection `fn` receives: cassandra-driver's own `execute` and `batch`, returning the
 * driver's `ResultSet`, run with the consistency level, data center and idempotence that ReplicaKit
 * chose for the call. Options the caller passes explicitly win. When the data center cannot meet
 * the level (`Unavailable`, no coordinator reachable; for reads also `ReadTimeout`), the statement
 * moves to the next allowed data center ({@link routeSteps}) and the fallback is reported.
 */
import type cassandra from 'cassandra-driver'
import type {
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
import { profileName } from './cassandra-routing.js'
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

/** What one call's handle needs from the adapter. */
export interface HandleContext {
  readonly client: cassandra.Client
  readonly intent: CallIntent
  readonly levels: CallLevels
  readonly steps: readonly RouteStep[]
  readonly deprioritized: readonly NodeAddress[]
  /** The statement's bound: what is left of the call's deadline (or the socket timeout), ms. */
  readonly boundMS: () => number | undefined
  readonly mapError: (error: unknown) => ReplicaKitError
  readonly onAnswered: (queriedHost: string, durationMS: number) => void
  readonly onFailover: (event: DataCenterFailoverEvent) => void
  readonly nowMS: () => number
}

type Run = (options: cassandra.QueryOptions) => Promise<cassandra.types.ResultSet>

/** Makes the handle of one attempt. */
export function createCassandraHandle(context: HandleContext): CassandraConnection {
  const first = context.steps[0]
  const consistency = context.levels.levels[0] ?? 'LOCAL_ONE'
  return Object.freeze({
    execute: (query: string, params?: CqlParams, options?: cassandra.QueryOptions) =>
      runStatement(context, options, (o) => context.client.execute(query, params, o)),
    batch: (
      queries: (string | { query: string; params?: CqlParams })[],
      options?: cassandra.QueryOptions,
    ) => runStatement(context, options, (o) => context.client.batch(queries, o)),
    stream: (query: string, params?: CqlParams, options?: cassandra.QueryOptions) =>
      context.client.stream(query, params, onceOptions(context, options)),
    eachRow: (
      query: string,
      params: CqlParams,
      options: cassandra.QueryOptions | undefined,
      onRow: (index: number, row: cassandra.types.Row) => void,
    ) =>
      new Promise<cassandra.types.ResultSet>((resolve, reject) => {
        context.client.eachRow(
          query,
          params ?? [],
          onceOptions(context, options),
          onRow,
          (error: Error | null | undefined, result: cassandra.types.ResultSet) => {
            if (error === null || error === undefined) resolve(result)
            else reject(error)
          },
        )
      }),
    dataCenter: first?.dc ?? '',
    consistency,
    client: context.client,
  })
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
  return statementOptions(context, step, explicit !== undefined ? undefined : required, host, given)
}

async function runStatement(
  context: HandleContext,
  given: cassandra.QueryOptions | undefined,
  run: Run,
): Promise<cassandra.types.ResultSet> {
  const { intent, levels } = context
  const explicit = given?.consistency
  const required = levels.levels[0]
  if (intent.kind === 'write' && explicit !== undefined && required !== undefined) {
    checkExplicitWriteLevel(explicit, required)
  }
  // The caller pinned a profile or a host: run exactly that, once.
  const pinned = given?.executionProfile !== undefined || given?.host !== undefined
  const tries = pinned ? [undefined] : context.steps
  const tryLevels: readonly (ConsistencyName | undefined)[] =
    explicit !== undefined ? [undefined] : levels.levels
  let firstFailure: { dc: string; error: unknown } | undefined
  let lastError: unknown
  for (const step of tries) {
    const host = step?.rack === undefined ? undefined : rackHost(context, step.dc, step.rack)
    if (step?.rack !== undefined && host === undefined) {
      lastError ??= noNodeIn(step)
      firstFailure ??= { dc: step.dc, error: lastError }
      continue
    }
    for (const level of tryLevels) {
      const options = statementOptions(context, step, level, host, given)
      const startedMS = context.nowMS()
      try {
        const result = await run(options)
        context.onAnswered(result.info.queriedHost, context.nowMS() - startedMS)
        if (firstFailure !== undefined && step !== undefined && firstFailure.dc !== step.dc) {
          context.onFailover({
            kind: intent.kind,
            from: firstFailure.dc,
            to: step.dc,
            level: level ?? levelName(explicit),
            reason: context.mapError(firstFailure.error),
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
  step: RouteStep | undefined,
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
  if (step !== undefined) options.executionProfile = profileName(step.dc)
  if (level !== undefined) options.consistency = Consistency[level]
  const bound = context.boundMS()
  if (bound !== undefined) options.readTimeout = Math.max(1, Math.floor(bound))
  if (host !== undefined) options.host = host
  // Options the caller passes explicitly win.
  return given === undefined ? options : Object.assign(options, given)
}

/** An up host of `dc` in `rack`, avoiding the call's deprioritised nodes when it can. */
function rackHost(context: HandleContext, dc: string, rack: string): cassandra.Host | undefined {
  const candidates = context.client.hosts
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
