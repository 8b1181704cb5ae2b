import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../src/util/clock.js'

/** Ref'd timers: what keeps the event loop (and so the process) running. */
function refTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
}

describe('systemClock.hold', () => {
  it('keeps the process alive while any hold is held, and lets go with the last release', () => {
    const before = refTimers()
    const hold = (): (() => void) => {
      if (systemClock.hold === undefined) throw new Error('the system clock can hold')
      return systemClock.hold()
    }
    const first = hold()
    expect(refTimers()).toBe(before + 1)
    const second = hold()
    expect(refTimers()).toBe(before + 1) // one timer for every hold
    first()
    first() // releasing twice counts once
    expect(refTimers()).toBe(before + 1)
    second()
    expect(refTimers()).toBe(before)
    const again = hold()
    expect(refTimers()).toBe(before + 1)
    again()
    expect(refTimers()).toBe(before)
  })
})
