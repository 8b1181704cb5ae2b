import { describe, expect, it } from 'vitest'
import { allocationPerOp, ownerOf, sumByOwner } from '../../../bench/allocation.js'

describe('ownerOf', () => {
  it('tells the drivers, ReplicaKit (with its own dependencies) and the rest apart', () => {
    expect(ownerOf('file:///p/node_modules/cassandra-driver/lib/client.js')).toBe('driver')
    expect(ownerOf('file:///p/node_modules/mongodb/lib/cursor.js')).toBe('driver')
    expect(ownerOf('file:///p/node_modules/mysql2/lib/connection.js')).toBe('driver')
    expect(ownerOf('file:///p/dist/src/client/client.js')).toBe('replicakit')
    expect(ownerOf('file:///p/dist/adapters/cassandra/cassandra-handle.js')).toBe('replicakit')
    expect(ownerOf('file:///p/node_modules/p-retry/index.js')).toBe('replicakit')
    expect(ownerOf('node:internal/timers')).toBe('other')
    expect(ownerOf('file:///p/bench/closed-loop.ts')).toBe('other')
  })
})

describe('sumByOwner', () => {
  it('adds every node of the profile tree to its owner', () => {
    const leaf = (url: string, selfSize: number) => ({ callFrame: { url }, selfSize, children: [] })
    const head = {
      callFrame: { url: '' },
      selfSize: 0,
      children: [
        {
          callFrame: { url: 'file:///p/dist/src/client/client.js' },
          selfSize: 100,
          children: [leaf('file:///p/node_modules/mysql2/x.js', 40), leaf('node:net', 2)],
        },
        leaf('file:///p/node_modules/p-retry/index.js', 7),
      ],
    }
    expect(sumByOwner(head)).toEqual({ driver: 40, replicakit: 107, other: 2 })
  })
})

describe('allocationPerOp', () => {
  it('sees an operation that allocates about 8 KB more than another', async () => {
    let kept: unknown
    const options = { rows: 10, concurrency: 2, writeRatio: 0, durationMS: 200, seed: 1 }
    const light = await allocationPerOp(() => Promise.resolve(), options)
    const heavy = await allocationPerOp(() => {
      kept = new Array<number>(1_000).fill(0) // 8 000 bytes of elements, on the heap
      return Promise.resolve(kept)
    }, options)
    expect(heavy.bytesPerOp - light.bytesPerOp).toBeGreaterThan(6_000)
    expect(heavy.bytesPerOp - light.bytesPerOp).toBeLessThan(12_000)
  })
})
