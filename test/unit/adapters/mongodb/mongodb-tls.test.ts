/**
 * The MongoDB adapter's TLS and credential pieces without a server: TLS failures found inside the
 * driver's wrappers, the monitoring bridge holding replies until the credentials work and pushing
 * refusals, and telling a TLS-only server from a dead one.
 */
import { EventEmitter } from 'node:events'
import type { MongoClient } from 'mongodb'
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { mapMongoError } from '../../../../adapters/mongodb/mongodb-errors.js'
import { bridgeDriverMonitoring } from '../../../../adapters/mongodb/mongodb-monitoring.js'
import type { MonitoringBridgeOptions } from '../../../../adapters/mongodb/mongodb-monitoring.js'
import { isCutOffDuringHandshake } from '../../../../adapters/mongodb/mongodb-tls-probe.js'
import { ErrorCode, NodeType, TlsError, isReplicaKitError } from '../../../../src/adapter.js'
import type { ProbeResult, ReplicaKitError, TopologySink } from '../../../../src/adapter.js'
import { canRetryRead, isConfigurationRefused } from '../../../../src/errors/classify.js'

/** A Node TLS error as `tls.connect` raises it. */
function nodeTlsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

function networkError(cause: Error): MongoNetworkError {
  return new MongoNetworkError(cause.message, { cause })
}

const PRIMARY_HELLO = { ok: 1, isWritablePrimary: true, setName: 'rs0', hosts: ['h1:27017'] }

function setup(options: Partial<MonitoringBridgeOptions> = {}): {
  client: EventEmitter
  pushed: { address: string; outcome: ProbeResult | ReplicaKitError }[]
  bridge: ReturnType<typeof bridgeDriverMonitoring>
} {
  const client = new EventEmitter()
  const pushed: { address: string; outcome: ProbeResult | ReplicaKitError }[] = []
  const sink: TopologySink = {
    nodeUpdated(address, outcome) {
      pushed.push({ address, outcome })
    },
  }
  const bridge = bridgeDriverMonitoring(client as unknown as MongoClient, sink, {
    loadBalanced: false,
    ...options,
  })
  return { client, pushed, bridge }
}

function heartbeat(client: EventEmitter, address = 'h1:27017'): void {
  client.emit('serverHeartbeatSucceeded', {
    connectionId: address,
    duration: 1,
    awaited: false,
    reply: PRIMARY_HELLO,
  })
}

function failedHeartbeat(client: EventEmitter, failure: Error, address = 'h1:27017'): void {
  client.emit('serverHeartbeatFailed', { connectionId: address, duration: 1, failure })
}

describe('mapMongoError: TLS failures inside the driver', () => {
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', ErrorCode.TlsCertificateInvalid],
    ['SELF_SIGNED_CERT_IN_CHAIN', ErrorCode.TlsCertificateInvalid],
    ['ERR_TLS_CERT_ALTNAME_INVALID', ErrorCode.TlsHostnameMismatch],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', ErrorCode.TlsHandshakeFailed],
  ])('finds %s as the cause of a MongoNetworkError', (code, expected) => {
    const e = mapMongoError(networkError(nodeTlsError(code, 'tls says no')), 'h1:27017')
    expect(e).toBeInstanceOf(TlsError)
    expect(e).toMatchObject({ code: expected, node: 'h1:27017' })
    expect(canRetryRead(e)).toBe(false)
    expect(isConfigurationRefused(e)).toBe(true)
    expect(isConfigurationRefused(e)).toBe(true)
  })

  it("finds it in a MongoServerSelectionError's server descriptions", () => {
    const cause = networkError(nodeTlsError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'bad chain'))
    const reason = { servers: new Map([['h1:27017', { error: cause }]]) }
    const selection = new MongoServerSelectionError('bad chain', reason as never)
    expect(mapMongoError(selection)).toMatchObject({ code: ErrorCode.TlsCertificateInvalid })
  })

  it('leaves other network errors alone, and counts refused credentials as a refusal', () => {
    const reset = mapMongoError(networkError(nodeTlsError('ECONNRESET', 'reset')))
    expect(reset.code).toBe(ErrorCode.NetworkError)
    expect(isConfigurationRefused(reset)).toBe(false)
    const auth = mapMongoError(
      new MongoServerError({ ok: 0, code: 18, errmsg: 'Authentication failed.' }),
    )
    expect(auth.code).toBe(ErrorCode.AuthenticationFailed)
    expect(isConfigurationRefused(auth)).toBe(true)
  })
})

describe('bridgeDriverMonitoring: credentials', () => {
  it('holds replies back until a connection authenticated, then pushes them', () => {
    const { client, pushed, bridge } = setup({ credentials: true })
    heartbeat(client)
    expect(pushed).toHaveLength(0)
    expect(bridge.credentials).toBe('unverified')
    bridge.credentialsAccepted()
    expect(pushed).toHaveLength(1)
    expect(pushed[0]!.outcome).toMatchObject({ type: NodeType.Primary })
    heartbeat(client)
    expect(pushed).toHaveLength(2)
  })

  it('asks its owner to check the credentials while they are not known to work', () => {
    let asked = 0
    const { client, bridge } = setup({
      credentials: true,
      onUnverified: () => {
        asked += 1
      },
    })
    heartbeat(client)
    expect(asked).toBe(1)
    bridge.credentialsAccepted()
    heartbeat(client)
    expect(asked).toBe(1)
  })

  it('pushes every answering member as refusing the credentials, until one connection authenticates', () => {
    const { client, pushed, bridge } = setup({ credentials: true })
    heartbeat(client, 'h1:27017')
    heartbeat(client, 'h2:27017')
    bridge.credentialsRefused(
      new MongoServerError({ ok: 0, code: 18, errmsg: 'Authentication failed.' }),
    )
    expect(pushed.map((p) => p.address)).toEqual(['h1:27017', 'h2:27017'])
    for (const p of pushed) {
      expect(p.outcome).toMatchObject({ code: ErrorCode.AuthenticationFailed, node: p.address })
    }
    heartbeat(client, 'h1:27017')
    expect(pushed[2]!.outcome).toMatchObject({ code: ErrorCode.AuthenticationFailed })
    bridge.credentialsAccepted()
    expect(pushed.slice(3).map((p) => isReplicaKitError(p.outcome))).toEqual([false, false])
  })

  it('learns the refusal from a server the driver marked Unknown after a failed authentication', () => {
    const { client, pushed, bridge } = setup({ credentials: true })
    heartbeat(client)
    client.emit('serverDescriptionChanged', {
      address: 'h1:27017',
      previousDescription: { type: 'RSPrimary' },
      newDescription: {
        type: 'Unknown',
        error: new MongoServerError({ ok: 0, code: 18, errmsg: 'Authentication failed.' }),
      },
    })
    expect(bridge.credentials).toBe('refused')
    expect(pushed[0]!.outcome).toMatchObject({ code: ErrorCode.AuthenticationFailed })
  })

  it('pushes replies at once when the driver has no credentials', () => {
    const { client, pushed, bridge } = setup()
    heartbeat(client)
    expect(pushed).toHaveLength(1)
    bridge.credentialsRefused(new Error('ignored'))
    expect(bridge.credentials).toBe('none')
  })
})

describe('bridgeDriverMonitoring: TLS', () => {
  it('keeps a failed TLS handshake as a TlsError on the node, not a network error', () => {
    const { client, pushed } = setup()
    failedHeartbeat(client, networkError(nodeTlsError('ERR_TLS_CERT_ALTNAME_INVALID', 'altname')))
    expect(pushed[0]!.outcome).toBeInstanceOf(TlsError)
    expect(pushed[0]!.outcome).toMatchObject({ code: ErrorCode.TlsHostnameMismatch })
  })

  it('asks once whether a member that cut the plain handshake speaks TLS, and says TLS_REQUIRED', async () => {
    const asked: string[] = []
    const { client, pushed } = setup({
      detectTlsOnly: (address) => {
        asked.push(address)
        return Promise.resolve(true)
      },
    })
    failedHeartbeat(client, new MongoNetworkError('connection <monitor> to h1:27017 closed'))
    expect(pushed[0]!.outcome).toMatchObject({ code: ErrorCode.NetworkError })
    await Promise.resolve()
    expect(pushed[1]!.outcome).toMatchObject({ code: ErrorCode.TlsRequired, node: 'h1:27017' })
    failedHeartbeat(client, new MongoNetworkError('connection <monitor> to h1:27017 closed'))
    expect(pushed[2]!.outcome).toMatchObject({ code: ErrorCode.TlsRequired })
    expect(asked).toEqual(['h1:27017'])
    // Answering again clears it.
    heartbeat(client)
    failedHeartbeat(client, new MongoNetworkError('connection <monitor> to h1:27017 closed'))
    expect(pushed[4]!.outcome).toMatchObject({ code: ErrorCode.NetworkError })
  })

  it('does not ask about a member that refused the TCP connection, nor report one that does not speak TLS', async () => {
    const asked: string[] = []
    const { client, pushed } = setup({
      detectTlsOnly: (address) => {
        asked.push(address)
        return Promise.resolve(false)
      },
    })
    failedHeartbeat(client, networkError(nodeTlsError('ECONNREFUSED', 'connect ECONNREFUSED')))
    expect(asked).toEqual([])
    failedHeartbeat(client, new MongoNetworkError('connection 3 to h1:27017 closed'))
    await Promise.resolve()
    expect(asked).toEqual(['h1:27017'])
    expect(
      pushed.every((p) => (p.outcome as ReplicaKitError).code === ErrorCode.NetworkError),
    ).toBe(true)
  })
})

describe('isCutOffDuringHandshake', () => {
  it('is true for a closed or reset connection, false for a refused one or a timeout', () => {
    expect(isCutOffDuringHandshake(new MongoNetworkError('connection 1 to h:1 closed'))).toBe(true)
    expect(
      isCutOffDuringHandshake(networkError(nodeTlsError('ECONNRESET', 'read ECONNRESET'))),
    ).toBe(true)
    expect(
      isCutOffDuringHandshake(networkError(nodeTlsError('ECONNREFUSED', 'connect ECONNREFUSED'))),
    ).toBe(false)
    expect(isCutOffDuringHandshake(new Error('connection closed'))).toBe(false)
  })
})
