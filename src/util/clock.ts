/**
 * The only source of time in `src/`: injected so tests can use a fake clock. Bare `setTimeout` and
 * `Date.now` are banned in the core by lint.
 */
export interface Clock {
  /** Milliseconds since the epoch (wall clock; used for staleness and `lastUpdateTime`). */
  now(): number
  /** A monotonic millisecond reading (used for deadlines and RTT). */
  monotonicMS(): number
  /** Calls `fn` after `ms`; returns a handle for {@link Clock.clearTimeout}. The timer does not keep the process alive. */
  setTimeout(fn: () => void, ms: number): ClockTimer
  /** Cancels a timer from {@link Clock.setTimeout}. */
  clearTimeout(timer: ClockTimer): void
  /**
   * Keeps the process alive until the returned function is called (a call is pending: its timers
   * alone, being unref'd, would let the process exit in the middle of it). Optional: a fake clock
   * has nothing to keep alive.
   */
  hold?(): () => void
}

/** An opaque timer handle. */
export interface ClockTimer {
  readonly __clockTimer: true
}

/** The longest interval Node accepts, ms (2^31 - 1). */
const LONGEST_INTERVAL_MS = 2 ** 31 - 1

function noop(): void {
  // nothing: the interval exists only to keep the process alive
}

/**
 * One interval timer that never fires usefully: ref'd while any call holds it, the event loop keeps
 * running; unref'd, it keeps nothing alive. Made once: a busy period costs a `ref()`/`unref()`,
 * not a timer made and cleared.
 */
const keepAlive = {
  timer: undefined as NodeJS.Timeout | undefined,
  holds: 0,
  hold(): void {
    this.holds++
    if (this.holds > 1) return
    this.timer ??= globalThis.setInterval(noop, LONGEST_INTERVAL_MS)
    this.timer.ref()
  },
  release(): void {
    this.holds--
    if (this.holds === 0) this.timer?.unref()
  },
}

/** The real clock. Timers are `unref`ed so a forgotten one never keeps a process alive. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  monotonicMS: () => performance.now(),
  setTimeout(fn: () => void, ms: number): ClockTimer {
    const t = globalThis.setTimeout(fn, ms)
    t.unref()
    return t as unknown as ClockTimer
  },
  clearTimeout(timer: ClockTimer): void {
    globalThis.clearTimeout(timer as unknown as NodeJS.Timeout)
  },
  hold(): () => void {
    keepAlive.hold()
    let held = true
    return () => {
      if (held) keepAlive.release()
      held = false
    }
  },
})
