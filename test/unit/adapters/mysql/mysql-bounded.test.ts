import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { bounded, runDetachableWait } from '../../../../adapters/mysql/mysql-bounded.js'
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

describe('runDetachableWait', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const setup = (signal?: AbortSignal) => {
    const releases: boolean[] = []
    const options = {
      clock: systemClock,
      timeoutMS: 500,
      graceMS: 1_000,
      abortGraceMS: 250,
      signal,
      release: (destroy: boolean) => releases.push(destroy),
      abortError: () => new Error('aborted'),
      mapError: (e: unknown) => ({ error: new Error(`mapped:${String(e)}`), destroy: true }),
    }
    return { releases, options }
  }

  it('resolves with the statement and returns the connection to the pool', async () => {
    const { releases, options } = setup()
    await expect(runDetachableWait(options, () => Promise.resolve(0))).resolves.toBe(0)
    expect(releases).toEqual([false])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('gives up on a silent node after the server bound plus grace, cutting the connection once', async () => {
    const { releases, options } = setup()
    const statement = deferred<number>()
    const result = runDetachableWait(options, () => statement.promise)
    vi.advanceTimersByTime(1_499)
    expect(releases).toEqual([])
    vi.advanceTimersByTime(1)
    await expect(result).resolves.toBe('hung')
    statement.reject(new Error('PROTOCOL_CONNECTION_LOST'))
    await Promise.resolve()
    expect(releases).toEqual([true])
  })

  it('on abort rejects at once; a statement that ends within the grace keeps its connection', async () => {
    const controller = new AbortController()
    const { releases, options } = setup(controller.signal)
    const statement = deferred<number>()
    const result = runDetachableWait(options, () => statement.promise)
    controller.abort()
    await expect(result).rejects.toThrow('aborted')
    statement.resolve(0)
    await Promise.resolve()
    await Promise.resolve()
    expect(releases).toEqual([false])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('on abort cuts the connection when the statement outlives the grace', async () => {
    const controller = new AbortController()
    const { releases, options } = setup(controller.signal)
    const result = runDetachableWait(options, () => new Promise<number>(() => undefined))
    controller.abort()
    await expect(result).rejects.toThrow('aborted')
    vi.advanceTimersByTime(250)
    expect(releases).toEqual([true])
  })

  it('maps a failed statement and destroys the connection when told', async () => {
    const { releases, options } = setup()
    const result = runDetachableWait(options, () => Promise.reject(new Error('1305')))
    await expect(result).rejects.toThrow('mapped:Error: 1305')
    expect(releases).toEqual([true])
  })
})
