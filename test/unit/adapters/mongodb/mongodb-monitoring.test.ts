import { EventEmitter } from 'node:events'
import type { MongoClient } from 'mongodb'
import { MongoNetworkError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import {
  bridgeDriverMonitoring,
  nodeAddressOf,
} from '../../../../adapters/mongodb/mongodb-monitoring.js'
import { NodeType, isReplicaKitError } from '../../../../src/adapter.js'
import type { ProbeResult, ReplicaKitError, TopologySink } from '../../../../src/adapter.js'

interface Pushed {
  address: string
  outcome: ProbeResult | ReplicaKitError
  rtt: number | null | undefined
}

function setup(): { client: EventEmitter; pushed: Pushed[]; wakes: number[]; stop: () => void } {
  const client = new EventEmitter()
  const pushed: Pushed[] = []
  const wakes: number[] = []
  const sink: TopologySink = {
    nodeUpdated(address, outcome, options) {
      pushed.push({ address, outcome, rtt: options?.roundTripTimeMS })
    },
  }
  const bridge = bridgeDriverMonitoring(client as unknown as MongoClient, sink, {
    loadBalanced: false,
    onPushed: () => wakes.push(pushed.length),
  })
  return {
    client,
    pushed,
    wakes,
    stop: () => {
      bridge.stop()
    },
  }
}

describe('bridgeDriverMonitoring', () => {
  it('pushes each heartbeat reply as a probe result with its round trip', () => {
    const { client, pushed, wakes } = setup()
    client.emit('serverHeartbeatSucceeded', {
      connectionId: 'H1:27017',
      duration: 4,
      awaited: false,
      reply: {
        ok: 1,
        isWritablePrimary: true,
        setName: 'rs0',
        hosts: ['h1:27017', 'h2:27017'],
        tags: { dc: 'east' },
      },
    })
    expect(pushed).toHaveLength(1)
    expect(pushed[0]!.address).toBe('h1:27017')
    expect(pushed[0]!.rtt).toBe(4)
    expect(pushed[0]!.outcome).toMatchObject({
      type: NodeType.Primary,
      setName: 'rs0',
      hosts: ['h1:27017', 'h2:27017'],
      tags: { dc: 'east' },
    })
    expect(wakes).toEqual([1])
  })

  it('gives a streamed (awaited) heartbeat no round trip', () => {
    const { client, pushed } = setup()
    client.emit('serverHeartbeatSucceeded', {
      connectionId: 'h1:27017',
      duration: 10_000,
      awaited: true,
      reply: { ok: 1, secondary: true, setName: 'rs0' },
    })
    expect(pushed[0]!.rtt).toBeNull()
  })

  it('pushes a failed heartbeat as an error on the node', () => {
    const { client, pushed } = setup()
    client.emit('serverHeartbeatFailed', {
      connectionId: 'h2:27017',
      duration: 1,
      awaited: false,
      failure: new MongoNetworkError('refused'),
    })
    expect(isReplicaKitError(pushed[0]!.outcome)).toBe(true)
    expect((pushed[0]!.outcome as ReplicaKitError).node).toBe('h2:27017')
  })

  it('pushes a server the driver marked Unknown after an operation error, and nothing for other changes', () => {
    const { client, pushed } = setup()
    client.emit('serverDescriptionChanged', {
      address: 'h1:27017',
      previousDescription: { type: 'RSPrimary' },
      newDescription: { type: 'Unknown', error: new MongoNetworkError('reset') },
    })
    client.emit('serverDescriptionChanged', {
      address: 'h1:27017',
      previousDescription: { type: 'Unknown' },
      newDescription: { type: 'RSSecondary', error: null },
    })
    expect(pushed).toHaveLength(1)
    expect(isReplicaKitError(pushed[0]!.outcome)).toBe(true)
  })

  it('unsubscribes', () => {
    const { client, pushed, stop } = setup()
    stop()
    client.emit('serverHeartbeatFailed', { connectionId: 'h2:27017', failure: new Error('x') })
    expect(pushed).toHaveLength(0)
    expect(client.listenerCount('serverHeartbeatSucceeded')).toBe(0)
  })
})

describe('nodeAddressOf', () => {
  it('normalises the driver address', () => {
    expect(nodeAddressOf('LocalHost:27017')).toBe('localhost:27017')
    expect(nodeAddressOf('[::1]:27018')).toBe('[::1]:27018')
  })
})
