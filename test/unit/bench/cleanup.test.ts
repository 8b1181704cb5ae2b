import { describe, expect, it } from 'vitest'
import { CleanupStack } from '../../../bench/cleanup.js'

describe('CleanupStack', () => {
  it('runs steps newest first and each only once', async () => {
    const order: string[] = []
    const stack = new CleanupStack()
    stack.push('cluster', () => {
      order.push('cluster')
      return Promise.resolve()
    })
    stack.push('haproxy', () => {
      order.push('haproxy')
      return Promise.resolve()
    })
    expect(await stack.runAll()).toEqual([])
    expect(await stack.runAll()).toEqual([])
    expect(order).toEqual(['haproxy', 'cluster'])
  })

  it('keeps going after a failing step and reports it', async () => {
    const order: string[] = []
    const stack = new CleanupStack()
    stack.push('a', () => {
      order.push('a')
      return Promise.resolve()
    })
    stack.push('b', () => Promise.reject(new Error('nope')))
    expect(await stack.runAll()).toEqual(['b: nope'])
    expect(order).toEqual(['a'])
  })

  it('shares one run between concurrent callers (signal handler and finally)', async () => {
    let runs = 0
    const stack = new CleanupStack()
    stack.push('x', async () => {
      runs += 1
      await new Promise((resolve) => setTimeout(resolve, 10))
    })
    await Promise.all([stack.runAll(), stack.runAll()])
    expect(runs).toBe(1)
  })

  it('lets a step run early and then skips it', async () => {
    let runs = 0
    const stack = new CleanupStack()
    const now = stack.push('x', () => {
      runs += 1
      return Promise.resolve()
    })
    await now()
    expect(stack.size).toBe(0)
    await stack.runAll()
    expect(runs).toBe(1)
  })
})
