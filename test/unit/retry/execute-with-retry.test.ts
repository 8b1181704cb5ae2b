import { describe, expect, it, vi } from 'vitest'
import { ErrorCode, ErrorLabel } from '../../../src/errors/error-codes.js'
import {
  NetworkError,
  NodeStateError,
  OperationError,
  ServerSelectionError,
  TimeoutError,
} from '../../../src/errors/errors.js'
import { CallScope, executeWithRetry } from '../../../src/retry/execute-with-retry.js'
import type {
  AttemptContext,
  RetryableCall,
  RetryEvent,
} from '../../../src/retry/execute-with-retry.js'
import { createRetryPolicy } from '../../../src/retry/retry-policy.js'
import type { RetryPolicy } from '../../../src/retry/retry-policy.js'
import type { ReplicaKitError } from '../../../src/errors/errors.js'
import { createFakeClock } from '../../fixtures/fake-clock.js'
import type { FakeClock } from '../../fixtures/fake-clock.js'

const network = (node: string): NetworkError =>
  new NetworkError(`connection reset by ${node}`, { code: ErrorCode.NetworkError, node })
const notPrimary = (node: string, ...labels: ErrorLabel[]): NodeStateError =>
  new NodeStateError(`${node} is not primary`, { code: ErrorCode.NotPrimary, node, labels })
const failed = (node: string): OperationError =>
  new OperationError(`syntax error on ${node}`, { code: ErrorCode.OperationFailed, node })

interface Harness {
  readonly clock: FakeClock
  readonly contexts: AttemptContext[]
  readonly events: RetryEvent[]
  readonly failures: Array<[string | undefined, ReplicaKitError]>
  run<T>(overrides: Partial<RetryableCall<T>>): Promise<T>
}

/**
 * `select` hands out nodes a:1, b:1, c:1, … in turn; `outcomes[i]` is what attempt i+1 does (an
 * error to throw, or a value to return). Backoff jitter is 0.5, so the first retry waits 50 ms.
 */
function harness(outcomes: unknown[], policy: Partial<RetryPolicy> = {}): Harness {
  const clock = createFakeClock()
  const contexts: AttemptContext[] = []
  const events: RetryEvent[] = []
  const failures: Array<[string | undefined, ReplicaKitError]> = []
  let attempt = 0
  const run = <T>(overrides: Partial<RetryableCall<T>>): Promise<T> =>
    executeWithRetry<T>({
      kind: 'read',
      policy: createRetryPolicy({
        maxRetries: 3,
        baseBackoffMS: 100,
        maxBackoffMS: 1_000,
        ...policy,
      }),
      deadlineMS: clock.monotonicMS() + 10_000,
      clock,
      random: () => 0.5,
      select: (ctx) => {
        contexts.push(ctx)
        return Promise.resolve(`${String.fromCharCode(96 + ctx.attempt)}:1`)
      },
      attempt: () => {
        const outcome = outcomes[attempt++]
        return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome as T)
      },
      onRetry: (event) => events.push(event),
      onAttemptFailed: (node, error) => failures.push([node, error]),
      ...overrides,
    })
  return { clock, contexts, events, failures, run }
}

/** Settles `promise` into a value the test can inspect without an unhandled rejection. */
function settle<T>(promise: Promise<T>): {
  readonly state: () => { value?: T; error?: unknown; done: boolean }
} {
  let result: { value?: T; error?: unknown; done: boolean } = { done: false }
  promise.then(
    (value) => (result = { value, done: true }),
    (error: unknown) => (result = { error, done: true }),
  )
  return { state: () => result }
}

describe('executeWithRetry: reads', () => {
  it('returns the first attempt’s result and leaves no timer behind', async () => {
    const h = harness(['rows'])
    await expect(h.run({})).resolves.toBe('rows')
    expect(h.contexts).toHaveLength(1)
    expect(h.contexts[0]?.attempt).toBe(1)
    expect(h.contexts[0]?.deprioritized).toEqual([])
    expect(h.clock.pendingTimerCount).toBe(0)
  })

  it('retries a retryable error on another node after the jittered backoff', async () => {
    const h = harness([network('a:1'), 'rows'])
    const call = settle(h.run({}))
    await h.clock.advanceAsync(49)
    expect(call.state().done).toBe(false)
    await h.clock.advanceAsync(1)
    expect(call.state()).toEqual({ value: 'rows', done: true })
    expect(h.contexts.map((c) => c.deprioritized)).toEqual([[], ['a:1']])
    expect(h.clock.pendingTimerCount).toBe(0)
  })

  it('does not retry an error no retry can fix', async () => {
    const e = failed('a:1')
    const h = harness([e, 'rows'])
    await expect(h.run({})).rejects.toBe(e)
    expect(h.contexts).toHaveLength(1)
  })

  it('does not retry when retryReads is false', async () => {
    const e = network('a:1')
    const h = harness([e, 'rows'], { retryReads: false })
    await expect(h.run({})).rejects.toBe(e)
    expect(h.contexts).toHaveLength(1)
  })

  it('makes at most maxRetries + 1 attempts and reports the last error', async () => {
    const errors = [network('a:1'), network('b:1'), network('c:1'), 'never']
    const h = harness(errors, { maxRetries: 2 })
    const call = settle(h.run({}))
    await h.clock.advanceAsync(1_000)
    expect(call.state().error).toBe(errors[2])
    expect(h.contexts).toHaveLength(3)
  })

  it('deprioritises every failed node, oldest first, in frozen contexts', async () => {
    const h = harness([network('a:1'), notPrimary('b:1'), network('c:1'), 'rows'])
    const call = settle(h.run({}))
    await h.clock.advanceAsync(1_000)
    expect(call.state().value).toBe('rows')
    expect(h.contexts.map((c) => c.deprioritized)).toEqual([
      [],
      ['a:1'],
      ['a:1', 'b:1'],
      ['a:1', 'b:1', 'c:1'],
    ])
    for (const ctx of h.contexts) {
      expect(Object.isFrozen(ctx)).toBe(true)
      expect(Object.isFrozen(ctx.deprioritized)).toBe(true)
    }
  })

  it('lists a node that fails twice only once', async () => {
    const h = harness([network('a:1'), network('a:1'), 'rows'])
    const call = settle(h.run({ select: (ctx) => (h.contexts.push(ctx), Promise.resolve('a:1')) }))
    await h.clock.advanceAsync(1_000)
    expect(call.state().value).toBe('rows')
    expect(h.contexts[2]?.deprioritized).toEqual(['a:1'])
  })

  it('emits a frozen retry event with the delay before each retry', async () => {
    const e1: ReplicaKitError = network('a:1')
    const e2: ReplicaKitError = notPrimary('b:1')
    const h = harness([e1, e2, 'rows'])
    const call = settle(h.run({}))
    await h.clock.advanceAsync(1_000)
    expect(call.state().value).toBe('rows')
    expect(h.events).toEqual([
      { attempt: 1, node: 'a:1', error: e1, delayMS: 50 },
      { attempt: 2, node: 'b:1', error: e2, delayMS: 100 },
    ])
    for (const event of h.events) expect(Object.isFrozen(event)).toBe(true)
  })

  it('reports every failed attempt to onAttemptFailed, retried or not', async () => {
    const e1: ReplicaKitError = network('a:1')
    const e2: ReplicaKitError = failed('b:1')
    const h = harness([e1, e2])
    const call = settle(h.run({}))
    await h.clock.advanceAsync(1_000)
    expect(call.state().error).toBe(e2)
    expect(h.failures).toEqual([
      ['a:1', e1],
      ['b:1', e2],
    ])
  })

  it('propagates the first selection’s error: no attempt was made', async () => {
    const e = new ServerSelectionError('no node matches readPreference=secondary', {
      code: ErrorCode.ServerSelectionTimeout,
    })
    const h = harness([])
    await expect(h.run({ select: () => Promise.reject(e) })).rejects.toBe(e)
  })

  it('reports the previous attempt’s error when a retry’s selection fails', async () => {
    const e = network('a:1')
    const h = harness([e])
    const selection = new ServerSelectionError('no node', {
      code: ErrorCode.ServerSelectionTimeout,
    })
    const select = vi.fn((ctx: AttemptContext) =>
      ctx.attempt === 1 ? Promise.resolve('a:1') : Promise.reject(selection),
    )
    const call = settle(h.run({ select }))
    await h.clock.advanceAsync(1_000)
    expect(call.state().error).toBe(e)
    expect(select).toHaveBeenCalledTimes(2)
  })
})

describe('executeWithRetry: writes', () => {
  it('never retries a non-idempotent write after a network error, and reports its outcome unknown', async () => {
    const e = network('a:1')
    const h = harness([e, 'ok'])
    const call = settle(h.run({ kind: 'write' }))
    await h.clock.advanceAsync(1_000)
    const error = call.state().error as ReplicaKitError
    expect(error.code).toBe(ErrorCode.NetworkError)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
    expect(error.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(false)
    expect(h.contexts).toHaveLength(1)
  })

  it('never retries a non-idempotent write on not-primary without NoWritesPerformed', async () => {
    const e = notPrimary('a:1')
    const h = harness([e, 'ok'])
    await expect(h.run({ kind: 'write' })).rejects.toBe(e)
    expect(h.contexts).toHaveLength(1)
  })

  it('retries a non-idempotent write whose error proves nothing was written', async () => {
    const h = harness([notPrimary('a:1', ErrorLabel.NoWritesPerformed), 'ok'])
    const call = settle(h.run({ kind: 'write' }))
    await h.clock.advanceAsync(1_000)
    expect(call.state().value).toBe('ok')
    expect(h.contexts).toHaveLength(2)
  })

  it('retries an idempotent write after a network error', async () => {
    const h = harness([network('a:1'), 'ok'])
    const call = settle(h.run({ kind: 'write', idempotent: true }))
    await h.clock.advanceAsync(1_000)
    expect(call.state().value).toBe('ok')
  })

  it('never re-runs a non-idempotent write on a RetryableWrite label whose outcome is unknown', async () => {
    // A driver's own retryable-write protocol retried inside the driver; the core never repeats it.
    const labelled = (): NetworkError =>
      new NetworkError('reset', {
        code: ErrorCode.NetworkError,
        labels: [ErrorLabel.RetryableWrite],
      })
    const h = harness([labelled(), 'ok'])
    const call = settle(h.run({ kind: 'write' }))
    await h.clock.advanceAsync(1_000)
    expect(call.state().error).toBeInstanceOf(NetworkError)
    expect((call.state().error as NetworkError).hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
    expect(h.contexts).toHaveLength(1) // one attempt, no re-run

    const idempotent = harness([labelled(), 'ok'])
    const call2 = settle(idempotent.run({ kind: 'write', idempotent: true }))
    await idempotent.clock.advanceAsync(1_000)
    expect(call2.state().value).toBe('ok')
  })

  it('retries no write when retryWrites is false', async () => {
    const e = notPrimary('a:1', ErrorLabel.NoWritesPerformed)
    const h = harness([e, 'ok'], { retryWrites: false })
    await expect(h.run({ kind: 'write', idempotent: true })).rejects.toBe(e)
  })

  it('never lets a retry’s NoWritesPerformed hide an earlier unknown outcome', async () => {
    const first = network('a:1')
    const h = harness([first, notPrimary('b:1', ErrorLabel.NoWritesPerformed)], { maxRetries: 1 })
    const call = settle(h.run({ kind: 'write', idempotent: true }))
    await h.clock.advanceAsync(1_000)
    const error = call.state().error as ReplicaKitError
    expect(error.message).toBe(first.message)
    expect(error.node).toBe('a:1')
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
  })

  it('reports the first error when every attempt proved nothing was written', async () => {
    const first = notPrimary('a:1', ErrorLabel.NoWritesPerformed)
    const h = harness([first, notPrimary('b:1', ErrorLabel.NoWritesPerformed)], { maxRetries: 1 })
    const call = settle(h.run({ kind: 'write' }))
    await h.clock.advanceAsync(1_000)
    const error = call.state().error as ReplicaKitError
    expect(error).toBe(first)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(false)
  })

  it('reports the last error that is not NoWritesPerformed', async () => {
    const middle = network('b:1')
    const outcomes = [
      notPrimary('a:1', ErrorLabel.NoWritesPerformed),
      middle,
      notPrimary('c:1', ErrorLabel.NoWritesPerformed),
    ]
    const h = harness(outcomes, { maxRetries: 2 })
    const call = settle(h.run({ kind: 'write', idempotent: true }))
    await h.clock.advanceAsync(1_000)
    expect((call.state().error as ReplicaKitError).node).toBe('b:1')
  })

  it('reports the whole write as unknown when an earlier attempt’s outcome was unknown', async () => {
    const last = failed('b:1')
    const h = harness([network('a:1'), last])
    const call = settle(h.run({ kind: 'write', idempotent: true }))
    await h.clock.advanceAsync(1_000)
    const error = call.state().error as ReplicaKitError
    expect(error.code).toBe(ErrorCode.OperationFailed)
    expect(error.message).toBe(last.message)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
  })

  it('does not label a read’s error with write outcomes', async () => {
    const e = network('a:1')
    const h = harness([e], { maxRetries: 0 })
    await expect(h.run({ kind: 'read' })).rejects.toBe(e)
    expect(e.hasLabel(ErrorLabel.UnknownOutcome)).toBe(false)
  })
})

describe('executeWithRetry: deadline and abort', () => {
  it('never sleeps past the deadline and ends with OPERATION_TIMEOUT caused by the last error', async () => {
    const h = harness([], { maxRetries: 1_000, baseBackoffMS: 100, maxBackoffMS: 1_000 })
    const errors: ReplicaKitError[] = []
    const attempt = (node: string | undefined): Promise<never> => {
      const e = network(node ?? '?')
      errors.push(e)
      return Promise.reject(e)
    }
    let endedAtMS = Number.NaN
    const call = settle(
      h.run({ attempt, random: () => 0.99, deadlineMS: 3_000 }).finally(() => {
        endedAtMS = h.clock.monotonicMS()
      }),
    )
    await h.clock.advanceAsync(10_000)
    expect(endedAtMS).toBeLessThanOrEqual(3_000)
    const { error } = call.state()
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).code).toBe(ErrorCode.OperationTimeout)
    expect((error as TimeoutError).cause).toBe(errors.at(-1))
    for (const ctx of h.contexts) expect(ctx.remainingMS()).toBeGreaterThanOrEqual(0)
    const startsMS = h.events.reduce<number[]>(
      (acc, e) => [...acc, (acc.at(-1) ?? 0) + e.delayMS],
      [],
    )
    expect(Math.max(...startsMS)).toBeLessThan(3_000)
    expect(h.events.length).toBeGreaterThan(2)
    expect(h.clock.pendingTimerCount).toBe(0)
  })

  it('gives up at once when the backoff would reach the deadline, without sleeping', async () => {
    const h = harness([network('a:1'), 'rows'])
    const call = settle(h.run({ random: () => 1, deadlineMS: 80 }))
    await h.clock.flush()
    expect(h.clock.monotonicMS()).toBe(0)
    const error = call.state().error as TimeoutError
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(h.events).toEqual([])
  })

  it('ends an attempt that outlives the deadline, reporting a write’s outcome unknown', async () => {
    const h = harness([])
    let seen: AttemptContext | undefined
    const attempt = (_node: string | undefined, ctx: AttemptContext): Promise<never> => {
      seen = ctx
      return new Promise<never>(() => undefined) // ignores the signal on purpose
    }
    const call = settle(h.run({ kind: 'write', attempt, deadlineMS: 500 }))
    await h.clock.advanceAsync(499)
    expect(call.state().done).toBe(false)
    expect(seen?.remainingMS()).toBe(1)
    await h.clock.advanceAsync(1)
    const error = call.state().error as TimeoutError
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
    expect(seen?.signal.aborted).toBe(true)
    expect((seen?.signal.reason as TimeoutError).code).toBe(ErrorCode.OperationTimeout)
  })

  it('aborts promptly mid-backoff with ABORTED caused by the last error', async () => {
    const e = network('a:1')
    const h = harness([e, 'rows'], { baseBackoffMS: 1_000 })
    const controller = new AbortController()
    const call = settle(h.run({ signal: controller.signal, random: () => 1 }))
    await h.clock.advanceAsync(100)
    expect(call.state().done).toBe(false)
    controller.abort(new Error('user cancelled'))
    await h.clock.flush()
    const error = call.state().error as TimeoutError
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.code).toBe(ErrorCode.Aborted)
    expect(error.cause).toBe(e)
    expect(h.contexts).toHaveLength(1)
    expect(h.clock.pendingTimerCount).toBe(0)
  })

  it('aborts promptly mid-selection; a write that never started proved nothing written', async () => {
    const h = harness([])
    const controller = new AbortController()
    const reason = new Error('user cancelled')
    const call = settle(
      h.run({
        kind: 'write',
        signal: controller.signal,
        select: () => new Promise<string>(() => undefined),
      }),
    )
    await h.clock.advanceAsync(100)
    controller.abort(reason)
    await h.clock.flush()
    const error = call.state().error as TimeoutError
    expect(error.code).toBe(ErrorCode.Aborted)
    expect(error.cause).toBe(reason)
    expect(error.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(true)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(false)
  })

  it('times out mid-selection with the deadline', async () => {
    const h = harness([])
    const call = settle(
      h.run({ select: () => new Promise<string>(() => undefined), deadlineMS: 300 }),
    )
    await h.clock.advanceAsync(300)
    expect((call.state().error as TimeoutError).code).toBe(ErrorCode.OperationTimeout)
  })

  it('does not start when the signal has already aborted or the deadline has passed', async () => {
    const select = vi.fn(() => Promise.resolve('a:1'))
    const h = harness(['rows'])
    await expect(h.run({ select, signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: ErrorCode.Aborted,
    })
    await expect(h.run({ select, deadlineMS: 0 })).rejects.toMatchObject({
      code: ErrorCode.OperationTimeout,
    })
    expect(select).not.toHaveBeenCalled()
    expect(h.clock.pendingTimerCount).toBe(0)
  })
})

describe('executeWithRetry: errors from the caller’s own code', () => {
  it('rethrows a TypeError from the attempt unchanged and unretried', async () => {
    const bug = new TypeError('conn.qurey is not a function')
    const h = harness([bug, 'rows'])
    await expect(h.run({})).rejects.toBe(bug)
    expect(h.contexts).toHaveLength(1)
    expect(h.failures).toEqual([])
  })

  it('rethrows a non-Error value unchanged', async () => {
    const h = harness([])
    // User code may reject with anything; the loop must hand it back as it came.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    const attempt = (): Promise<never> => Promise.reject('plain string')
    await expect(h.run({ attempt })).rejects.toBe('plain string')
  })

  it('rethrows an error thrown synchronously by select unchanged', async () => {
    const bug = new RangeError('bad index')
    const h = harness([])
    await expect(
      h.run({
        select: () => {
          throw bug
        },
      }),
    ).rejects.toBe(bug)
  })

  it('rethrows a plain Error after earlier retryable failures, unchanged', async () => {
    const bug = new Error('user code failed')
    const h = harness([network('a:1'), bug, 'rows'])
    const call = settle(h.run({}))
    await h.clock.advanceAsync(1_000)
    expect(call.state().error).toBe(bug)
    expect(h.contexts).toHaveLength(2)
  })

  it('propagates an error thrown by a hook', async () => {
    const hookBug = new Error('listener failed')
    const h = harness([network('a:1'), 'rows'])
    const call = settle(
      h.run({
        onRetry: () => {
          throw hookBug
        },
      }),
    )
    await h.clock.advanceAsync(1_000)
    expect(call.state().error).toBe(hookBug)
  })
})

describe('executeWithRetry: fixed cost', () => {
  /** Counts the AbortControllers made while `fn` runs. */
  async function countControllers(fn: () => Promise<unknown>): Promise<number> {
    const Original = globalThis.AbortController
    let made = 0
    globalThis.AbortController = class extends Original {
      constructor() {
        super()
        made++
      }
    }
    try {
      await fn()
    } finally {
      globalThis.AbortController = Original
    }
    return made
  }

  it('makes no AbortController for a call whose select and attempt never read ctx.signal', async () => {
    const h = harness(['rows'])
    expect(await countControllers(() => h.run({}))).toBe(0)
    const read = harness(['rows'])
    const made = await countControllers(() =>
      read.run({
        attempt: (_node, ctx) => Promise.resolve(ctx.signal.aborted ? 'aborted' : 'rows'),
      }),
    )
    expect(made).toBe(1)
  })

  it('takes a node that select answers at once, without a promise', async () => {
    const h = harness(['rows'])
    const attempt = vi.fn((node: string | undefined) => Promise.resolve(node))
    await expect(h.run({ select: () => 'z:1', attempt })).resolves.toBe('z:1')
    expect(attempt).toHaveBeenCalledTimes(1)
  })

  it('treats an error that select throws at once like a rejected selection', async () => {
    const e = network('a:1')
    const selection = new ServerSelectionError('no node', {
      code: ErrorCode.ServerSelectionTimeout,
    })
    const h = harness([e, 'rows'])
    const call = settle(
      h.run({
        select: (ctx) => {
          if (ctx.attempt === 1) return 'a:1'
          throw selection
        },
      }),
    )
    await h.clock.advanceAsync(1_000)
    expect(call.state().error).toBe(e) // a retry's selection failure reports the attempt's error
  })
})

describe('CallScope', () => {
  it('aborts its signal with the end error, whether the signal was read before or after the end', async () => {
    const clock = createFakeClock()
    const early = new CallScope(clock, 100)
    const signal = early.signal
    expect(signal.aborted).toBe(false)
    clock.advance(100)
    expect(signal.aborted).toBe(true)
    expect(early.endReason).toBe('deadline')
    expect(signal.reason).toBe(early.endError)
    expect((early.endError as TimeoutError).code).toBe(ErrorCode.OperationTimeout)

    const late = new CallScope(clock, clock.monotonicMS() + 100)
    clock.advance(100)
    expect(late.signal.aborted).toBe(true)
    expect(late.signal.reason).toBe(late.endError)
    expect(clock.pendingTimerCount).toBe(0)
  })

  it('ends as aborted with the given cause, at once, and rejects the race in progress', async () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, 10_000)
    const racing = settle(scope.race(new Promise<never>(() => undefined)))
    const cause = new Error('client closed')
    scope.abort(cause)
    await clock.flush()
    expect(scope.endReason).toBe('aborted')
    expect(scope.abortCause).toBe(cause)
    expect(racing.state().error).toBe(scope.endError)
    expect((scope.endError as TimeoutError).code).toBe(ErrorCode.Aborted)
    expect((scope.endError as TimeoutError).cause).toBe(cause)
    expect(clock.pendingTimerCount).toBe(0) // ending clears the deadline timer
    await expect(scope.race(Promise.resolve(1))).rejects.toBe(scope.endError)
  })

  it('follows the caller’s signal and lets go of it when disposed', () => {
    const clock = createFakeClock()
    const controller = new AbortController()
    const reason = new Error('user cancelled')
    const scope = new CallScope(clock, 10_000, controller.signal)
    controller.abort(reason)
    expect(scope.endReason).toBe('aborted')
    expect(scope.abortCause).toBe(reason)

    const other = new AbortController()
    const disposed = new CallScope(clock, 10_000, other.signal)
    disposed.dispose()
    other.abort()
    expect(disposed.endReason).toBeUndefined()
    expect(clock.pendingTimerCount).toBe(0)
  })

  it('arms no timer for an infinite deadline', () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, Number.POSITIVE_INFINITY)
    expect(clock.pendingTimerCount).toBe(0)
    expect(scope.remainingMS()).toBe(Number.POSITIVE_INFINITY)
  })

  it('is the caller’s to dispose when handed to executeWithRetry, and ends the call it serves', async () => {
    const h = harness(['rows'])
    const scope = new CallScope(h.clock, h.clock.monotonicMS() + 10_000)
    await expect(h.run({ scope, deadlineMS: scope.deadlineMS })).resolves.toBe('rows')
    expect(h.clock.pendingTimerCount).toBe(1) // still armed: not executeWithRetry's to clear
    scope.dispose()
    expect(h.clock.pendingTimerCount).toBe(0)

    const aborted = new CallScope(h.clock, h.clock.monotonicMS() + 10_000)
    const cause = new Error('closed')
    const call = settle(
      harness([]).run({
        scope: aborted,
        deadlineMS: aborted.deadlineMS,
        attempt: () => new Promise<never>(() => undefined),
      }),
    )
    await h.clock.flush()
    aborted.abort(cause)
    await h.clock.flush()
    const error = call.state().error as TimeoutError
    expect(error.code).toBe(ErrorCode.Aborted)
    expect(error.cause).toBe(cause)
    aborted.dispose()
  })
})

describe('executeWithRetry: a retry’s selection at the deadline', () => {
  it('ends with OPERATION_TIMEOUT caused by the attempt’s error, not that error alone', async () => {
    // A clock whose timers never fire: the selection gives up at the deadline before the call's
    // own deadline timer has fired (the two are due at the same time).
    let nowMS = 0
    const clock = {
      now: () => 1_700_000_000_000 + nowMS,
      monotonicMS: () => nowMS,
      setTimeout: () => ({ __clockTimer: true as const }),
      clearTimeout: () => undefined,
    }
    const e = network('a:1')
    const error = await executeWithRetry({
      kind: 'write',
      idempotent: true,
      policy: createRetryPolicy({ maxRetries: 3, baseBackoffMS: 100, maxBackoffMS: 1_000 }),
      deadlineMS: 1_000,
      clock,
      random: () => 0, // no backoff sleep
      select: (ctx) => {
        if (ctx.attempt === 1) return 'a:1'
        nowMS = 1_000
        throw new ServerSelectionError('no writable primary before the selection timeout', {
          code: ErrorCode.ServerSelectionTimeout,
        })
      },
      attempt: () => Promise.reject(e),
    }).then(
      () => undefined,
      (caughtError: unknown) => caughtError,
    )
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).code).toBe(ErrorCode.OperationTimeout)
    // The write's network error, labelled with its unknown outcome.
    expect((error as TimeoutError).cause).toMatchObject({
      code: ErrorCode.NetworkError,
      message: e.message,
    })
    expect((error as TimeoutError).hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
  })
})

describe('executeWithRetry: outcome labels when the deadline ends the call', () => {
  it('a write that failed with NoWritesPerformed and then ran out of time during backoff proved nothing written', async () => {
    const e = notPrimary('a:1', ErrorLabel.NoWritesPerformed)
    const h = harness([e, 'done'])
    const call = settle(h.run({ kind: 'write', random: () => 1, deadlineMS: 80 }))
    await h.clock.flush()
    const error = call.state().error as TimeoutError
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(error.cause).toBe(e)
    expect(error.node).toBe('a:1')
    expect(error.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(true)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(false)
  })

  it('an idempotent write whose attempt may have written ends with its outcome unknown', async () => {
    const e = network('a:1')
    const h = harness([e, 'done'])
    const call = settle(h.run({ kind: 'write', idempotent: true, random: () => 1, deadlineMS: 80 }))
    await h.clock.flush()
    const error = call.state().error as TimeoutError
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
    expect(error.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(false)
  })

  it('a read that times out carries no write-outcome label, before or during an attempt', async () => {
    const h = harness([network('a:1'), 'rows'])
    const backoff = settle(h.run({ kind: 'read', random: () => 1, deadlineMS: 80 }))
    await h.clock.flush()
    const inFlight = harness([])
    const hanging = settle(
      inFlight.run({
        kind: 'read',
        deadlineMS: 100,
        attempt: () => new Promise<never>(() => undefined),
      }),
    )
    await inFlight.clock.advanceAsync(100)
    for (const { error } of [backoff.state(), hanging.state()]) {
      expect((error as TimeoutError).code).toBe(ErrorCode.OperationTimeout)
      expect([...(error as TimeoutError).labels]).toEqual([])
    }
  })

  it('a write cut off mid-attempt after an earlier NoWritesPerformed failure is unknown', async () => {
    const first = notPrimary('a:1', ErrorLabel.NoWritesPerformed)
    let calls = 0
    const h = harness([])
    const call = settle(
      h.run({
        kind: 'write',
        deadlineMS: 1_000,
        attempt: () =>
          calls++ === 0 ? Promise.reject(first) : new Promise<never>(() => undefined),
      }),
    )
    await h.clock.advanceAsync(1_000)
    const error = call.state().error as TimeoutError
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
    expect(error.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(false)
  })
})

describe('executeWithRetry: what the attempt says of its request', () => {
  const cutOff = async (steps: (ctx: AttemptContext) => void): Promise<TimeoutError> => {
    const h = harness([])
    const call = settle(
      h.run({
        kind: 'write',
        deadlineMS: 100,
        attempt: (_node, ctx) => {
          steps(ctx)
          return new Promise<never>(() => undefined)
        },
      }),
    )
    await h.clock.advanceAsync(100)
    return call.state().error as TimeoutError
  }

  it('a write cut off while its connection was on its way wrote nothing', async () => {
    const error = await cutOff((ctx) => {
      ctx.connecting()
    })
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(error.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(true)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(false)
  })

  it('a write cut off after it said it was sending has an unknown outcome', async () => {
    const error = await cutOff((ctx) => {
      ctx.connecting()
      ctx.sending()
    })
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(error.hasLabel(ErrorLabel.UnknownOutcome)).toBe(true)
    expect(error.hasLabel(ErrorLabel.NoWritesPerformed)).toBe(false)
  })

  it('never starts the attempt when the call ended while its node was being chosen', async () => {
    const controller = new AbortController()
    const attempt = vi.fn(() => Promise.resolve('ran'))
    const h = harness([])
    const error = await h
      .run({
        kind: 'write',
        signal: controller.signal,
        select: () => {
          controller.abort(new Error('the caller gave up'))
          return 'a:1'
        },
        attempt,
      })
      .catch((e: unknown) => e)
    expect((error as TimeoutError).code).toBe(ErrorCode.Aborted)
    expect(attempt).not.toHaveBeenCalled()
  })
})

describe('executeWithRetry: a retry’s selection that throws the caller’s own error', () => {
  it('rethrows it unchanged instead of the previous attempt’s error', async () => {
    const bug = new TypeError('selector bug')
    const h = harness([network('a:1')])
    const call = settle(
      h.run({
        select: (ctx) => {
          if (ctx.attempt === 1) return 'a:1'
          throw bug
        },
      }),
    )
    await h.clock.advanceAsync(1_000)
    expect(call.state().error).toBe(bug)
  })

  it('reports the previous attempt’s error for a ReplicaKitError, with time left', async () => {
    const e = network('a:1')
    const h = harness([e])
    const selection = new ServerSelectionError('no node', {
      code: ErrorCode.ServerSelectionTimeout,
    })
    const call = settle(
      h.run({
        select: (ctx) => {
          if (ctx.attempt === 1) return 'a:1'
          throw selection
        },
      }),
    )
    await h.clock.advanceAsync(1_000)
    expect(call.state().error).toBe(e)
  })
})

describe('executeWithRetry: retry events', () => {
  it('names the failed attempt, its node and error, and the backoff', async () => {
    const e = network('a:1')
    const h = harness([e, 'rows'])
    const call = settle(h.run({}))
    await h.clock.advanceAsync(1_000)
    expect(call.state().value).toBe('rows')
    expect(h.events).toEqual([{ attempt: 1, node: 'a:1', error: e, delayMS: 50 }])
    expect(h.contexts.map((c) => [c.attempt, c.deprioritized])).toEqual([
      [1, []],
      [2, ['a:1']],
    ])
  })

  it('deprioritises the error’s node when the driver routed the attempt', async () => {
    const e = network('b:9')
    const h = harness([e, 'rows'])
    const call = settle(h.run({ select: () => undefined }))
    await h.clock.advanceAsync(1_000)
    expect(call.state().value).toBe('rows')
    expect(h.events[0]?.node).toBe('b:9')
    expect(h.failures).toEqual([['b:9', e]])
  })
})

describe('executeWithRetry: what a timed-out call says', () => {
  it('an idempotent write that failed without proof either way ends with neither outcome label', async () => {
    const e = notPrimary('a:1')
    const h = harness([e, 'done'])
    const call = settle(h.run({ kind: 'write', idempotent: true, random: () => 1, deadlineMS: 80 }))
    await h.clock.flush()
    const error = call.state().error as TimeoutError
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(error.cause).toBe(e)
    expect([...error.labels]).toEqual([])
  })

  it('names what ended the call, the attempts made and the last error', async () => {
    const h = harness([network('a:1'), 'rows'])
    const timedOut = settle(h.run({ random: () => 1, deadlineMS: 80 }))
    await h.clock.flush()
    expect((timedOut.state().error as Error).message).toMatch(
      /^read timed out: .*\(1 attempt\(s\) made\); last error: connection reset by a:1$/,
    )
    const controller = new AbortController()
    const aborted = settle(
      harness([]).run({
        kind: 'write',
        signal: controller.signal,
        select: () => new Promise<string>(() => undefined),
      }),
    )
    controller.abort(new Error('user cancelled'))
    await h.clock.flush()
    expect((aborted.state().error as Error).message).toBe(
      "write aborted by the caller's signal (0 attempt(s) made); last error: user cancelled",
    )
  })

  it('ends with OPERATION_TIMEOUT caused by the selection’s reason when the first selection gives up at the deadline', async () => {
    const h = harness([])
    // Another call's earlier deadline re-arms the clock's one deadline timer after the selection's
    // own timer is set, so the selection gives up first, at the deadline instant.
    const other = new CallScope(h.clock, 50)
    const reason = new ServerSelectionError('no node matches readPreference=secondary', {
      code: ErrorCode.ServerSelectionTimeout,
    })
    const call = settle(
      h.run({
        deadlineMS: 100,
        select: (ctx) =>
          new Promise<string>((_, reject) => {
            h.clock.setTimeout(() => {
              reject(reason)
            }, ctx.remainingMS())
          }),
      }),
    )
    await h.clock.advanceAsync(100)
    const error = call.state().error as TimeoutError
    expect(error.code).toBe(ErrorCode.OperationTimeout)
    expect(error.cause).toBe(reason)
    other.dispose()
  })
})
