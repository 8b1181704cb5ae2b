import { describe, expect, it } from 'vitest'
import { CallScope } from '../../../src/retry/call-scope.js'
import { createFakeClock } from '../../fixtures/fake-clock.js'

describe('CallScope deadlines (one timer per clock)', () => {
  it('watches many scopes with one timer, and ends each at its own deadline', () => {
    const clock = createFakeClock()
    const scopes = [300, 100, 200, 100, 400].map((ms) => new CallScope(clock, ms))
    expect(clock.pendingTimerCount).toBe(1)
    expect(clock.nextTimerDelayMS()).toBe(100)
    clock.advance(99)
    expect(scopes.map((s) => s.endReason)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
    clock.advance(1)
    expect(scopes.map((s) => s.endReason)).toEqual([
      undefined,
      'deadline',
      undefined,
      'deadline',
      undefined,
    ])
    clock.advance(100)
    expect(scopes[2]?.endReason).toBe('deadline')
    expect(scopes[0]?.endReason).toBeUndefined()
    clock.advance(200)
    expect(scopes.every((s) => s.endReason === 'deadline')).toBe(true)
    expect(clock.pendingTimerCount).toBe(0)
  })

  it('moves the timer earlier for a scope that ends before all the others', () => {
    const clock = createFakeClock()
    const late = new CallScope(clock, 1_000)
    const early = new CallScope(clock, 50)
    expect(clock.pendingTimerCount).toBe(1)
    expect(clock.nextTimerDelayMS()).toBe(50)
    clock.advance(50)
    expect(early.endReason).toBe('deadline')
    expect(late.endReason).toBeUndefined()
    expect(clock.nextTimerDelayMS()).toBe(950)
    clock.advance(950)
    expect(late.endReason).toBe('deadline')
  })

  it('leaves the timer set while scopes live, and clears it when the last one is disposed', () => {
    const clock = createFakeClock()
    const a = new CallScope(clock, 100)
    const b = new CallScope(clock, 200)
    a.dispose()
    expect(clock.pendingTimerCount).toBe(1) // set for a's deadline: it will find nothing due
    clock.advance(100)
    expect(a.endReason).toBeUndefined()
    expect(b.endReason).toBeUndefined()
    expect(clock.nextTimerDelayMS()).toBe(100)
    b.dispose()
    expect(clock.pendingTimerCount).toBe(0)
    clock.advance(1_000)
    expect(b.endReason).toBeUndefined()
  })

  it('never ends a disposed scope, and disposing twice is harmless', () => {
    const clock = createFakeClock()
    const kept = new CallScope(clock, 100)
    const gone = new CallScope(clock, 100)
    gone.dispose()
    gone.dispose()
    clock.advance(100)
    expect(gone.endReason).toBeUndefined()
    expect(kept.endReason).toBe('deadline')
  })

  it('keeps clocks apart', () => {
    const one = createFakeClock()
    const two = createFakeClock()
    const a = new CallScope(one, 100)
    const b = new CallScope(two, 100)
    one.advance(100)
    expect(a.endReason).toBe('deadline')
    expect(b.endReason).toBeUndefined()
    expect(two.pendingTimerCount).toBe(1)
    b.dispose()
  })

  it('ends at once a scope whose deadline has already passed, and arms nothing for it', () => {
    const clock = createFakeClock()
    clock.advance(500)
    const past = new CallScope(clock, 500)
    expect(past.endReason).toBe('deadline')
    expect(clock.pendingTimerCount).toBe(0)
  })
})

describe('CallScope end state', () => {
  it('throwIfEnded() does nothing while the call runs and throws the end error once it has ended', () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, 100)
    expect(() => {
      scope.throwIfEnded()
    }).not.toThrow()
    clock.advance(100)
    expect(() => {
      scope.throwIfEnded()
    }).toThrow(scope.endError)
    expect(scope.endError?.code).toBe('OPERATION_TIMEOUT')
  })

  it('abort() after the deadline is a no-op: the call stays timed out, with no abort cause', () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, 100)
    const signal = scope.signal
    clock.advance(100)
    const timedOut = scope.endError
    scope.abort(new Error('closed'))
    expect(scope.endReason).toBe('deadline')
    expect(scope.endError).toBe(timedOut)
    expect(scope.abortCause).toBeUndefined()
    expect(signal.reason).toBe(timedOut)
  })

  it('abort() ends the call as ABORTED with the given cause, once', () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, 100)
    const closed = new Error('closed')
    scope.abort(closed)
    scope.abort(new Error('again'))
    expect(scope.endReason).toBe('aborted')
    expect(scope.abortCause).toBe(closed)
    expect(scope.endError?.code).toBe('ABORTED')
    expect(scope.endError?.cause).toBe(closed)
    expect(scope.signal.aborted).toBe(true)
    expect(scope.signal.reason).toBe(scope.endError)
    expect(clock.pendingTimerCount).toBe(0)
  })

  it("ends at once, as ABORTED, a scope whose caller's signal has already aborted", () => {
    const clock = createFakeClock()
    const controller = new AbortController()
    const reason = new Error('caller gave up')
    controller.abort(reason)
    const scope = new CallScope(clock, 100, controller.signal)
    expect(scope.endReason).toBe('aborted')
    expect(scope.abortCause).toBe(reason)
    expect(clock.pendingTimerCount).toBe(0)
  })

  it("stops listening to the caller's signal once disposed", () => {
    const clock = createFakeClock()
    const controller = new AbortController()
    const scope = new CallScope(clock, 100, controller.signal)
    scope.dispose()
    controller.abort(new Error('late'))
    expect(scope.endReason).toBeUndefined()
  })

  it('never times out with an infinite deadline, and arms no timer', () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, Number.POSITIVE_INFINITY)
    expect(clock.pendingTimerCount).toBe(0)
    expect(scope.remainingMS()).toBe(Number.POSITIVE_INFINITY)
    clock.advance(1e9)
    expect(scope.endReason).toBeUndefined()
  })

  it('counts the remaining time down to 0 and no lower', () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, clock.monotonicMS() + 100)
    clock.advance(40)
    expect(scope.remainingMS()).toBe(60)
    clock.advance(100)
    expect(scope.remainingMS()).toBe(0)
  })

  it('race() rejects at once once ended, and with the end error when the call ends meanwhile', async () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, 100)
    const pending = scope.race(new Promise<never>(() => undefined))
    clock.advance(100)
    await expect(pending).rejects.toBe(scope.endError)
    await expect(scope.race(Promise.resolve(1))).rejects.toBe(scope.endError)
  })

  it('race() settles with the promise while the call runs', async () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, 100)
    await expect(scope.race(Promise.resolve(7))).resolves.toBe(7)
    const failure = new Error('attempt failed')
    await expect(scope.race(Promise.reject(failure))).rejects.toBe(failure)
    clock.advance(100)
    expect(scope.endReason).toBe('deadline')
  })

  it('race() passes the promise’s own rejection through onRejected, and not one that comes after the end', async () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, 100)
    const seen: unknown[] = []
    const mapped = new Error('mapped')
    const onRejected = (error: unknown): unknown => {
      seen.push(error)
      return mapped
    }
    await expect(scope.race(Promise.resolve(3), onRejected)).resolves.toBe(3)
    const failure = new Error('attempt failed')
    await expect(scope.race(Promise.reject(failure), onRejected)).rejects.toBe(mapped)
    expect(seen).toEqual([failure])
    let fail: (error: Error) => void = () => undefined
    const late = scope.race(
      new Promise<never>((_, reject) => {
        fail = reject
      }),
      onRejected,
    )
    clock.advance(100)
    await expect(late).rejects.toBe(scope.endError)
    fail(new Error('too late'))
    await Promise.resolve()
    expect(seen).toEqual([failure])
  })

  it('race() rejects with what onRejected throws rather than staying pending', async () => {
    const clock = createFakeClock()
    const scope = new CallScope(clock, 100)
    const thrown = new Error('the mapping failed')
    const raced = scope.race(Promise.reject(new Error('attempt failed')), () => {
      throw thrown
    })
    await expect(raced).rejects.toBe(thrown)
  })
})
