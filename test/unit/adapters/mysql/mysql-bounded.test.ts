import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { bounded } from '../../../../adapters/mysql/mysql-bounded.js'
import { systemClock } from '../../../../src/util/clock.js'

function deferred<T>(): {
  promise: Promise<T>
  resolve: (v: T) => void
  reject: (e: unknown) => void
} {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('bounded', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const handlers = (calls: string[]) => ({
    timeoutError: () => new Error('timed out'),
    abortError: () => new Error('aborted'),
    cancel: () => calls.push('cancel'),
    late: (v: string) => calls.push(`late:${v}`),
    mapError: (e: unknown) => new Error(`mapped:${String(e)}`),
  })

  it('resolves with the work and leaves no timer behind', async () => {
    const calls: string[] = []
    await expect(
      bounded(systemClock, { timeoutMS: 100 }, handlers(calls), () => Promise.resolve('ok')),
    ).resolves.toBe('ok')
    expect(vi.getTimerCount()).toBe(0)
    expect(calls).toEqual([])
  })

  it('rejects on the bound, cancels once, and hands a late value to `late`', async () => {
    const calls: string[] = []
    const work = deferred<string>()
    const result = bounded(systemClock, { timeoutMS: 100 }, handlers(calls), () => work.promise)
    vi.advanceTimersByTime(100)
    await expect(result).rejects.toThrow('timed out')
    work.resolve('conn')
    await Promise.resolve()
    expect(calls).toEqual(['cancel', 'late:conn'])
  })

  it('rejects at once on abort, before or during the work', async () => {
    const calls: string[] = []
    const controller = new AbortController()
    const work = deferred<string>()
    const result = bounded(
      systemClock,
      { timeoutMS: 1_000, signal: controller.signal },
      handlers(calls),
      () => work.promise,
    )
    controller.abort()
    await expect(result).rejects.toThrow('aborted')
    expect(vi.getTimerCount()).toBe(0)
    const pre = bounded(
      systemClock,
      { timeoutMS: 1_000, signal: controller.signal },
      handlers(calls),
      () => Promise.resolve('x'),
    )
    await expect(pre).rejects.toThrow('aborted')
    expect(calls).toEqual(['cancel', 'cancel'])
  })

  it('maps the work’s own rejection', async () => {
    const calls: string[] = []
    const result = bounded(systemClock, { timeoutMS: 100 }, handlers(calls), () =>
      Promise.reject(new Error('ECONNREFUSED')),
    )
    await expect(result).rejects.toThrow('mapped:Error: ECONNREFUSED')
  })
})
