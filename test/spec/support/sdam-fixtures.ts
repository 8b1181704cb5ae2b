import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { EJSON } from 'bson'
import { ErrorCode, ErrorLabel } from '../../../src/errors/error-codes.js'
import {
  NetworkError,
  NodeStateError,
  OperationError,
  TimeoutError,
} from '../../../src/errors/errors.js'
import type { ReplicaKitError } from '../../../src/errors/errors.js'
import type { ApplicationErrorContext } from '../../../src/topology/application-error.js'
import { formatNodeAddress, parseNodeAddress } from '../../../src/topology/node-address.js'
import type { NodeAddress } from '../../../src/topology/node-address.js'
import type { TopologyVersion } from '../../../src/topology/node-description.js'

/** The SDAM suites, read in place (see SOURCE.md there for commit and licence). */
const SDAM_ROOT = new URL(
  '../../../../shared/spec-tests/mongodb/server-discovery-and-monitoring/tests/',
  import.meta.url,
)

/** One SDAM test file. */
export interface SdamTest {
  readonly description: string
  readonly uri: string
  readonly phases: readonly SdamPhase[]
}

/** One phase: inputs, then the expected outcome. */
export interface SdamPhase {
  readonly description?: string
  readonly responses?: readonly (readonly [string, Record<string, unknown>])[]
  readonly applicationErrors?: readonly SdamApplicationError[]
  readonly outcome: Record<string, unknown>
}

/** A mocked application error. */
export interface SdamApplicationError {
  readonly address: string
  readonly generation?: number
  readonly maxWireVersion: number
  readonly when: 'beforeHandshakeCompletes' | 'afterHandshakeCompletes'
  readonly type: 'command' | 'network' | 'timeout'
  readonly response?: Record<string, unknown>
}

/** Every file of one SDAM suite folder (`rs`, `single`, …), sorted, parsed as relaxed EJSON. */
export function loadSdamSuite(folder: string): { name: string; test: SdamTest }[] {
  const root = fileURLToPath(new URL(`${folder}/`, SDAM_ROOT))
  return readdirSync(root)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({
      name,
      test: EJSON.parse(readFileSync(`${root}/${name}`, 'utf8'), { relaxed: true }) as SdamTest,
    }))
}

/** What the runner needs from a test's connection string. */
export interface SdamUri {
  readonly seeds: NodeAddress[]
  readonly setName?: string
  readonly directConnection?: boolean
  readonly loadBalanced?: boolean
}

/** Parses the few `mongodb://` URIs the SDAM suites use (hosts + replicaSet/directConnection/loadBalanced). */
export function parseSdamUri(uri: string): SdamUri {
  const match = /^mongodb:\/\/([^/?]+)\/?(?:\?(.*))?$/.exec(uri)
  if (match === null) throw new Error(`unsupported test uri ${uri}`)
  const seeds = (match[1] ?? '').split(',').map((text) => {
    const parsed = parseNodeAddress(text, 27017)
    if (parsed === undefined) throw new Error(`bad host ${text} in ${uri}`)
    return formatNodeAddress(parsed.host, parsed.port)
  })
  const query = new URLSearchParams(match[2] ?? '')
  const setName = query.get('replicaSet')
  const flag = (name: string): boolean | undefined =>
    query.has(name) ? query.get(name) === 'true' : undefined
  const directConnection = flag('directConnection')
  const loadBalanced = flag('loadBalanced')
  return {
    seeds,
    ...(setName === null ? {} : { setName }),
    ...(directConnection === undefined ? {} : { directConnection }),
    ...(loadBalanced === undefined ? {} : { loadBalanced }),
  }
}

/** The client wire versions the runner claims (node-mongodb-native 7: 4.2 … 8.x). */
export const SPEC_WIRE_VERSION_RANGE = Object.freeze({ min: 8, max: 25 })

const RECOVERING_CODES = new Set([11600, 11602, 13436, 189, 91])
const NOT_WRITABLE_PRIMARY_CODES = new Set([10107, 13435, 10058])
const SHUTDOWN_CODES = new Set([11600, 91])

/**
 * A mocked application error as the MongoDB adapter would map it: a ReplicaKitError plus the context
 * the topology needs (generation, phase, topologyVersion, whether the pool must be cleared).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#not-writable-primary-and-node-is-recovering
 */
export function translateApplicationError(spec: SdamApplicationError): {
  error: ReplicaKitError
  context: ApplicationErrorContext
} {
  const node = spec.address
  const phase = spec.when === 'beforeHandshakeCompletes' ? 'connect' : 'operation'
  const base = {
    ...(spec.generation === undefined ? {} : { generation: spec.generation }),
    phase,
  } as const
  if (spec.type === 'network') {
    return {
      error: new NetworkError(`connection to ${node} lost`, { code: ErrorCode.NetworkError, node }),
      context: base,
    }
  }
  if (spec.type === 'timeout') {
    return {
      error: new TimeoutError(`socket to ${node} timed out`, {
        code: ErrorCode.SocketTimeout,
        node,
      }),
      context: base,
    }
  }
  const response = spec.response ?? {}
  const code = typeof response['code'] === 'number' ? response['code'] : undefined
  const message = typeof response['errmsg'] === 'string' ? response['errmsg'] : ''
  const topologyVersion = toTopologyVersion(response['topologyVersion'])
  const context: ApplicationErrorContext = {
    ...base,
    ...(topologyVersion === undefined ? {} : { topologyVersion }),
    clearPoolOnStateChange:
      (code !== undefined && SHUTDOWN_CODES.has(code)) || spec.maxWireVersion < 8,
  }
  // Errors inside writeErrors are never state changes; only a failed command (ok: 0) is checked.
  const failed = response['ok'] !== 1
  const recovering =
    failed &&
    (code !== undefined
      ? RECOVERING_CODES.has(code)
      : message.includes('node is recovering') || message.includes('not master or secondary'))
  const notPrimary =
    failed &&
    !recovering &&
    (code !== undefined ? NOT_WRITABLE_PRIMARY_CODES.has(code) : message.includes('not master'))
  if (recovering || notPrimary) {
    const error = new NodeStateError(`${node}: ${message}`, {
      code: recovering ? ErrorCode.NodeRecovering : ErrorCode.NotPrimary,
      labels: [ErrorLabel.NodeStateChange],
      node,
      ...(code === undefined ? {} : { nativeCode: code }),
    })
    return { error, context }
  }
  const error = new OperationError(`${node}: ${message || 'write error'}`, {
    code: ErrorCode.OperationFailed,
    node,
    ...(code === undefined ? {} : { nativeCode: code }),
  })
  return { error, context }
}

/** A `{ processId: ObjectId, counter }` document as a TopologyVersion. */
export function toTopologyVersion(value: unknown): TopologyVersion | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as { processId?: { toHexString?: () => string }; counter?: unknown }
  const processId = record.processId?.toHexString?.()
  const counter = Number(record.counter)
  return processId === undefined ? undefined : { processId, counter }
}
