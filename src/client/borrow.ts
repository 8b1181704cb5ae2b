import type { AcquireOptions, Adapter, CallTarget, CausalToken } from '../adapter.js'
import { toReplicaKitError } from '../errors/classify.js'
import { ErrorCode, ErrorLabel } from '../errors/error-codes.js'
import { OperationError, isReplicaKitError } from '../errors/errors.js'
import type { ReplicaKitError } from '../errors/errors.js'
import type { CallScope } from '../retry/call-scope.js'
import type { AttemptContext } from '../retry/execute-with-retry.js'
import type { NodeAddress } from '../topology/node-address.js'
import { settleAsPromise } from '../util/promise.js'

/** Where a write attempt's causal token lands. @internal */
export interface WrittenToken {
  token: CausalToken | null
}

/**
 * The options of one borrow. Its bound and signal are worked out only if the adapter reads them (a
 * borrow served at once from an idle pooled connection needs neither): the signal is the call's,
 * made on first use. @internal
 */
class AcquireRequest implements AcquireOptions {
  readonly #connectTimeoutMS: number
  readonly #scope: CallScope
  #timeoutMS: number | undefined

  constructor(connectTimeoutMS: number, scope: CallScope) {
    this.#connectTimeoutMS = connectTimeoutMS
    this.#scope = scope
  }

  /** `connectTimeoutMS`, cut to what is left of the call's deadline when first read. */
  get timeoutMS(): number {
    this.#timeoutMS ??= Math.min(this.#connectTimeoutMS, this.#scope.remainingMS())
    return this.#timeoutMS
  }

  get signal(): AbortSignal {
    return this.#scope.signal
  }

  remainingMS(): number {
    return this.#scope.remainingMS()
  }
}

/**
 * A read that a read-only replica refused as a write ("not primary") was a write sent through
 * `read()`: not a failover to retry elsewhere, but a call to move to `write()`. A read with
 * `readPreference=primary` that gets "not primary" is a real step-down and keeps its error.
 */
function wroteInRead(target: CallTarget, error: ReplicaKitError): ReplicaKitError | undefined {
  const { intent } = target
  if (error.code !== ErrorCode.NotPrimary || intent.kind !== 'read') return undefined
  if (intent.readPreference.mode === 'primary') return undefined
  return new OperationError(
    `a statement in read() tried to change data on ${target.node ?? 'a replica'}, which is ` +
      `read-only (${error.message}); use write() for statements that change data`,
    {
      code: ErrorCode.OperationFailed,
      ...(error.node === undefined ? {} : { node: error.node }),
      ...(error.nativeCode === undefined ? {} : { nativeCode: error.nativeCode }),
      cause: error,
    },
  )
}

/**
 * Lends one attempt a connection and runs the caller's function on it: acquire, run, map errors,
 * release. Counts the operations in flight per node (the in-window choice reads them). @internal
 */
export class ConnectionBorrower<Conn> {
  readonly #adapter: Adapter<Conn>
  /** `connectTimeoutMS` as a bound (0 = none). */
  readonly #connectBoundMS: number
  /** Operations running per node: one counter object per node. */
  readonly #inFlight = new Map<NodeAddress, { count: number }>()

  constructor(adapter: Adapter<Conn>, connectBoundMS: number) {
    this.#adapter = adapter
    this.#connectBoundMS = connectBoundMS
  }

  /** Operations running on `address` now. */
  operationCount(address: NodeAddress): number {
    return this.#inFlight.get(address)?.count ?? 0
  }

  /**
   * Borrows a connection for `target` and runs `fn`; with `written`, also reads the write's causal
   * token into it (replica waits only). A failed borrow never wrote anything: its error carries
   * `NoWritesPerformed`. An error that is not a database error (the caller's own code threw) is
   * rethrown untouched.
   *
   * Not an `async` function: a connection lent at once (`acquire` returned it, not a promise) is
   * handed to `fn` in the same step, and the call waits on `fn`'s promise through one reaction.
   */
  run<T>(
    target: CallTarget,
    scope: CallScope,
    fn: (conn: Conn) => Promise<T>,
    written: WrittenToken | undefined,
    attempt?: Pick<AttemptContext, 'connecting' | 'sending'>,
  ): Promise<T> {
    const node = target.node
    const running = node === undefined ? undefined : this.#counter(node)
    if (running !== undefined) running.count++
    // Nothing is sent while a connection is on its way: a call ended now wrote nothing.
    attempt?.connecting()
    let acquired: Conn | Promise<Conn>
    try {
      acquired = this.#adapter.acquire(target, new AcquireRequest(this.#connectBoundMS, scope))
    } catch (error: unknown) {
      if (running !== undefined) running.count--
      return Promise.reject(this.#notLent(error, node))
    }
    if (!(acquired instanceof Promise)) {
      return this.#use(acquired, target, scope, fn, written, attempt, running)
    }
    return acquired.then(
      (conn) => this.#use(conn, target, scope, fn, written, attempt, running),
      (error: unknown) => {
        if (running !== undefined) running.count--
        throw this.#notLent(error, node)
      },
    )
  }

  /** Runs `fn` on the lent `conn`, then gives it back (destroyed after a network error). */
  #use<T>(
    conn: Conn,
    target: CallTarget,
    scope: CallScope,
    fn: (conn: Conn) => Promise<T>,
    written: WrittenToken | undefined,
    attempt: Pick<AttemptContext, 'connecting' | 'sending'> | undefined,
    running: { count: number } | undefined,
  ): Promise<T> {
    const adapter = this.#adapter
    const ended = scope.endError
    if (ended !== undefined) {
      // The call ended while the connection was on its way: the caller has its error already, so
      // this (abandoned) attempt must not start `fn`.
      adapter.release(conn, false)
      if (running !== undefined) running.count--
      return Promise.reject(ended)
    }
    attempt?.sending()
    let result = settleAsPromise(() => fn(conn))
    const replication = adapter.replication
    if (written !== undefined && replication !== undefined) {
      result = result.then(async (value) => {
        written.token = await replication.lastWriteToken(conn)
        return value
      })
    }
    return result.then(
      (value) => {
        if (running !== undefined) running.count--
        adapter.release(conn, false)
        return value
      },
      (error: unknown) => {
        if (running !== undefined) running.count--
        const mapped = this.toError(error, target.node)
        const foreign = mapped.code === ErrorCode.Internal && !isReplicaKitError(error)
        adapter.release(conn, !foreign && mapped.code === ErrorCode.NetworkError)
        throw foreign ? error : (wroteInRead(target, mapped) ?? mapped)
      },
    )
  }

  /** A borrow that lent no connection: nothing was written. */
  #notLent(error: unknown, node: NodeAddress | undefined): ReplicaKitError {
    return this.toError(error, node).withLabels(ErrorLabel.NoWritesPerformed)
  }

  /** The adapter's mapping of `error`; a mapping that itself fails gives an `INTERNAL` error. */
  toError(error: unknown, node: NodeAddress | undefined): ReplicaKitError {
    if (isReplicaKitError(error)) return error
    try {
      return this.#adapter.toError(error, node)
    } catch {
      return toReplicaKitError(error, node)
    }
  }

  #counter(node: NodeAddress): { count: number } {
    let running = this.#inFlight.get(node)
    if (running === undefined) {
      running = { count: 0 }
      this.#inFlight.set(node, running)
    }
    return running
  }
}
