import { describe, expect, it } from 'vitest'
import { routeSteps } from '../../../../adapters/cassandra/cassandra-routing.js'
import type { ReadPreference } from '../../../../src/adapter.js'

const RING = { localDataCenter: 'dc1', dataCenterFailover: [], dataCenters: ['dc1', 'dc2', 'dc3'] }

function read(readPreference: ReadPreference, ring = RING) {
  return routeSteps({ kind: 'read', readPreference }, ring)
}

describe('routeSteps', () => {
  it('keeps writes and primary reads in the local data center without dataCenterFailover', () => {
    expect(routeSteps({ kind: 'write', readPreference: { mode: 'primary' } }, RING)).toEqual([
      { dc: 'dc1' },
    ])
    expect(read({ mode: 'primary' })).toEqual([{ dc: 'dc1' }])
  })

  it('lets writes fall back only to the data centers of dataCenterFailover, in order', () => {
    const ring = { ...RING, dataCenterFailover: ['dc3', 'dc2'] }
    expect(routeSteps({ kind: 'write', readPreference: { mode: 'primary' } }, ring)).toEqual([
      { dc: 'dc1' },
      { dc: 'dc3' },
      { dc: 'dc2' },
    ])
  })

  it('sends a read tagged dc:dc2 to dc2 only', () => {
    expect(read({ mode: 'nearest', tags: [{ dc: 'dc2' }] })).toEqual([{ dc: 'dc2' }])
  })

  it('lets an empty tag set allow every data center, local first', () => {
    expect(read({ mode: 'secondary', tags: [{ dc: 'dc1' }, {}] })).toEqual([
      { dc: 'dc1' },
      { dc: 'dc2' },
      { dc: 'dc3' },
    ])
  })

  it('keeps a rack tag for the coordinator, and skips tag sets with other keys', () => {
    expect(read({ mode: 'nearest', tags: [{ dc: 'dc2', rack: 'r1' }, { zone: 'x' }] })).toEqual([
      { dc: 'dc2', rack: 'r1' },
    ])
  })
})
