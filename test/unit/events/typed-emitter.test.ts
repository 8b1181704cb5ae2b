import { describe, expect, it, vi } from 'vitest'
import { PrimaryChangedEvent, TopologyChangedEvent } from '../../../src/events/events.js'
import type { TopologyEvents } from '../../../src/events/events.js'
import { TypedEmitter } from '../../../src/events/typed-emitter.js'
import { createTopologyDescription } from '../../../src/topology/topology-description.js'

describe('TypedEmitter', () => {
  it('calls listeners in order with the payload', () => {
    const emitter = new TypedEmitter<TopologyEvents>()
    const seen: string[] = []
    emitter.on('primaryChanged', (e) => seen.push(`1:${String(e.next)}`))
    emitter.on('primaryChanged', (e) => seen.push(`2:${String(e.previous)}`))
    emitter.emit('primaryChanged', new PrimaryChangedEvent('a:1', 'b:1'))
    expect(seen).toEqual(['1:b:1', '2:a:1'])
  })

  it('calls a once listener only once, and off removes a listener', () => {
    const emitter = new TypedEmitter<TopologyEvents>()
    const once = vi.fn()
    const always = vi.fn()
    emitter.once('primaryChanged', once)
    emitter.on('primaryChanged', always)
    emitter.emit('primaryChanged', new PrimaryChangedEvent(null, 'a:1'))
    emitter.off('primaryChanged', always)
    emitter.emit('primaryChanged', new PrimaryChangedEvent('a:1', null))
    expect([once.mock.calls.length, always.mock.calls.length]).toEqual([1, 1])
    expect(emitter.listenerCount('primaryChanged')).toBe(0)
  })

  it('keeps calling the other listeners when one throws, and reports the error', () => {
    const onListenerError = vi.fn()
    const emitter = new TypedEmitter<TopologyEvents>({ onListenerError })
    const after = vi.fn()
    emitter.on('primaryChanged', () => {
      throw new Error('listener bug')
    })
    emitter.on('primaryChanged', after)
    expect(() => {
      emitter.emit('primaryChanged', new PrimaryChangedEvent(null, 'a:1'))
    }).not.toThrow()
    expect(after).toHaveBeenCalledOnce()
    expect(onListenerError).toHaveBeenCalledWith(expect.any(Error), 'primaryChanged')
  })

  it('never throws even when the error hook throws', () => {
    const emitter = new TypedEmitter<TopologyEvents>({
      onListenerError: () => {
        throw new Error('hook bug')
      },
    })
    emitter.on('primaryChanged', () => {
      throw new Error('listener bug')
    })
    expect(() => {
      emitter.emit('primaryChanged', new PrimaryChangedEvent(null, null))
    }).not.toThrow()
  })
})

describe('events', () => {
  it('carry previous and next', () => {
    const previous = createTopologyDescription({ seeds: ['a:1'] })
    const next = createTopologyDescription({ seeds: ['b:1'] })
    const event = new TopologyChangedEvent(previous, next)
    expect([event.name, event.previous, event.next]).toEqual([
      'topologyChanged',
      previous,
      next,
    ])
  })
})
