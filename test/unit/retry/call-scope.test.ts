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
