import { describe, expect, it } from 'vitest'
import { ErrorCode, ErrorLabel } from '../../../src/errors/error-codes.js'
import {
  NetworkError,
  NodeStateError,
  OperationError,
  ReplicaKitError,
  TimeoutError,
} from '../../../src/errors/errors.js'
import {
  ErrorPhase,
  classifyApplicationError,
  isStaleApplicationError,
} from '../../../src/topology/application-error.js'
import { NodeType, createNodeDescription } from '../../../src/topology/node-description.js'
import { TopologyType } from '../../../src/topology/topology-description.js'

const network = new NetworkError('reset', { code: ErrorCode.NetworkError })
const timeout = new TimeoutError('slow', { code: ErrorCode.SocketTimeout })
const auth = new ReplicaKitError('denied', { code: ErrorCode.AuthenticationFailed })
const notPrimary = new NodeStateError('read only', {
  code: ErrorCode.NotPrimary,
  labels: [ErrorLabel.NodeStateChange],
})
const duplicate = new OperationError('dup', { code: ErrorCode.DuplicateKey })
const rs = TopologyType.ReplicaSetWithPrimary

describe('classifyApplicationError', () => {
  it('marks a node Unknown and requests a check on a state change, clearing the pool only if asked', () => {
    expect(classifyApplicationError(notPrimary, {}, rs)).toEqual({
      markUnknown: true,
      clearPool: false,
      requestCheck: true,
    })
    expect(
      classifyApplicationError(notPrimary, { clearPoolOnStateChange: true }, rs).clearPool,
    ).toBe(true)
  })

  it('marks a node Unknown and clears its pool on a network error during an operation', () => {
    expect(classifyApplicationError(network, {}, rs)).toEqual({
      markUnknown: true,
      clearPool: true,
      requestCheck: false,
    })
  })

  it('ignores a timeout during an operation and network trouble while connecting', () => {
    const ignored = { markUnknown: false, clearPool: false, requestCheck: false }
    expect(classifyApplicationError(timeout, {}, rs)).toEqual(ignored)
    expect(classifyApplicationError(network, { phase: ErrorPhase.Connect }, rs)).toEqual(ignored)
    expect(classifyApplicationError(timeout, { phase: ErrorPhase.Connect }, rs)).toEqual(ignored)
  })

  it('marks a node Unknown on any failure while authenticating', () => {
    for (const error of [network, timeout, auth]) {
      expect(
        classifyApplicationError(error, { phase: ErrorPhase.Authenticate }, rs).markUnknown,
      ).toBe(true)
    }
    expect(classifyApplicationError(auth, { phase: ErrorPhase.Connect }, rs).markUnknown).toBe(true)
  })

  it('ignores errors that say nothing about the node', () => {
    expect(classifyApplicationError(duplicate, {}, rs).markUnknown).toBe(false)
  })

  it('never marks a load balancer Unknown', () => {
    const outcome = classifyApplicationError(network, {}, TopologyType.LoadBalanced)
    expect([outcome.markUnknown, outcome.clearPool]).toEqual([false, true])
  })
})

describe('isStaleApplicationError', () => {
  const node = createNodeDescription(
    'a:1',
    { type: NodeType.Primary, setName: 'rs', topologyVersion: { processId: 'p', counter: 2 } },
    { rttMS: 1, now: 0 },
  )

  it('is stale when it comes from an older pool generation', () => {
    expect(isStaleApplicationError(node, 3, { generation: 2 })).toBe(true)
    expect(isStaleApplicationError(node, 3, { generation: 3 })).toBe(false)
    expect(isStaleApplicationError(node, 3, {})).toBe(false)
  })

  it('is stale when its topologyVersion is not newer than the node', () => {
    expect(
      isStaleApplicationError(node, 0, { topologyVersion: { processId: 'p', counter: 2 } }),
    ).toBe(true)
    expect(
      isStaleApplicationError(node, 0, { topologyVersion: { processId: 'p', counter: 3 } }),
    ).toBe(false)
    expect(
      isStaleApplicationError(node, 0, { topologyVersion: { processId: 'q', counter: 0 } }),
    ).toBe(false)
  })
})
