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

  it.each<[string, ReplicaKitError]>([
    [
      'a NodeStateChange label on any code',
      new OperationError('read only', {
        code: ErrorCode.OperationFailed,
        labels: [ErrorLabel.NodeStateChange],
      }),
    ],
    [
      'a NOT_PRIMARY code without the label',
      new NodeStateError('demoted', { code: ErrorCode.NotPrimary }),
    ],
    [
      'a NODE_RECOVERING code without the label',
      new NodeStateError('recovering', { code: ErrorCode.NodeRecovering }),
    ],
  ])('takes %s for a state change', (_what, error) => {
    expect(classifyApplicationError(error, {}, rs)).toEqual({
      markUnknown: true,
      clearPool: false,
      requestCheck: true,
    })
  })

  it('marks a node Unknown and clears its pool on a connect timeout while authenticating', () => {
    const connectTimeout = new TimeoutError('slow handshake', { code: ErrorCode.ConnectTimeout })
    expect(
      classifyApplicationError(connectTimeout, { phase: ErrorPhase.Authenticate }, rs),
    ).toEqual({
      markUnknown: true,
      clearPool: true,
      requestCheck: false,
    })
  })

  it('ignores, while authenticating, an error that is neither network trouble nor refused credentials', () => {
    const ignored = { markUnknown: false, clearPool: false, requestCheck: false }
    for (const error of [
      duplicate,
      new OperationError('bad', { code: ErrorCode.OperationFailed }),
    ]) {
      expect(classifyApplicationError(error, { phase: ErrorPhase.Authenticate }, rs)).toEqual(
        ignored,
      )
    }
  })

  it('ignores refused credentials on an established connection', () => {
    expect(classifyApplicationError(auth, {}, rs)).toEqual({
      markUnknown: false,
      clearPool: false,
      requestCheck: false,
    })
    expect(classifyApplicationError(auth, { phase: ErrorPhase.Operation }, rs).clearPool).toBe(
      false,
    )
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
