import { NodeState, NodeType, formatNodeAddress, parseNodeAddress } from '../../src/adapter.js'
import type { NodeAddress, ProbeResult, Tags } from '../../src/adapter.js'

/** MongoDB's default port, used for member addresses that lack one. */
const DEFAULT_PORT = 27017

/** Options of {@link helloToProbeResult}. */
export interface HelloOptions {
  /** The node is reached through a load balancer (`loadBalanced=true`): its type is LoadBalancer. */
  readonly loadBalanced?: boolean
}

/**
 * Translates a MongoDB `hello` (or legacy `isMaster`) reply into a {@link ProbeResult}, following the
 * SDAM parsing rules: `ok` ≠ 1 → Unknown; `isreplicaset: true` → Ghost; `msg: "isdbgrid"` → Router;
 * with a `setName`: hidden → Other, `isWritablePrimary`/`ismaster` → Primary, `secondary` →
 * Secondary, `arbiterOnly` → Arbiter, else Other; without one → Standalone. The `electionId`
 * ObjectId becomes its 24-hex string, `lastWrite.lastWriteDate` becomes epoch ms, member addresses
 * are normalised (lower case, default port 27017). Accepts BSON values (ObjectId, Long, Date) or
 * their extended-JSON forms (`{ $oid }`, `{ $numberLong }`, `{ $date }`). Pure.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#parsing-a-hello-or-legacy-hello-response
 */
export function helloToProbeResult(
  reply: Readonly<Record<string, unknown>>,
  options: HelloOptions = {},
): ProbeResult {
  const type = helloNodeType(reply, options)
  if (type === NodeType.Unknown) return { type }
  const lastWrite = asRecord(reply['lastWrite'])
  const topologyVersion = asRecord(reply['topologyVersion'])
  const processId = topologyVersion === undefined ? undefined : hex(topologyVersion['processId'])
  const counter = topologyVersion === undefined ? undefined : num(topologyVersion['counter'])
  const hidden = reply['hidden'] === true
  const result: Record<string, unknown> = {
    type,
    state:
      type === NodeType.Other && hidden && reply['secondary'] === true
        ? NodeState.Secondary
        : undefined,
    setName: str(reply['setName']),
    setVersion: num(reply['setVersion']),
    electionId: hex(reply['electionId']),
    primary: address(reply['primary']),
    me: address(reply['me']),
    hosts: addresses(reply['hosts']),
    passives: addresses(reply['passives']),
    arbiters: addresses(reply['arbiters']),
    tags: tags(reply['tags']),
    lastWriteDate: lastWrite === undefined ? undefined : epochMS(lastWrite['lastWriteDate']),
    minWireVersion: num(reply['minWireVersion']),
    maxWireVersion: num(reply['maxWireVersion']),
    logicalSessionTimeoutMinutes: num(reply['logicalSessionTimeoutMinutes']) ?? null,
    topologyVersion:
      processId !== undefined && counter !== undefined ? { processId, counter } : undefined,
    details: { hidden, passive: reply['passive'] === true },
  }
  // Absent stays absent: a ProbeResult field is either known or missing.
  return Object.fromEntries(
    Object.entries(result).filter(([, value]) => value !== undefined),
  ) as unknown as ProbeResult
}

/**
 * The node type a `hello` reply describes (SDAM ServerType).
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md#type
 */
export function helloNodeType(
  reply: Readonly<Record<string, unknown>>,
  options: HelloOptions = {},
): NodeType {
  if (options.loadBalanced === true) return NodeType.LoadBalancer
  if (num(reply['ok']) !== 1) return NodeType.Unknown
  if (reply['isreplicaset'] === true) return NodeType.Ghost
  if (reply['msg'] === 'isdbgrid') return NodeType.Router
  if (str(reply['setName']) !== undefined) {
    if (reply['hidden'] === true) return NodeType.Other
    // `isWritablePrimary` first; the legacy `ismaster` only when it is absent.
    const writable = 'isWritablePrimary' in reply ? reply['isWritablePrimary'] : reply['ismaster']
    if (writable === true) return NodeType.Primary
    if (reply['secondary'] === true) return NodeType.Secondary
    if (reply['arbiterOnly'] === true) return NodeType.Arbiter
    return NodeType.Other
  }
  return NodeType.Standalone
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** A number from a JS number, bigint, BSON Int32/Long/Double, or `{ $numberLong | $numberInt }`. */
function num(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  const record = asRecord(value)
  if (record === undefined) return undefined
  const toNumber = record['toNumber']
  if (typeof toNumber === 'function') return Number(toNumber.call(value))
  // BSON Int32 and Double keep their number in `value`.
  const boxed = record['value']
  if (record['_bsontype'] !== undefined && typeof boxed === 'number') return boxed
  for (const key of ['$numberLong', '$numberInt', '$numberDouble']) {
    const text = record[key]
    if (typeof text === 'string') return Number(text)
  }
  return undefined
}

/** The lower-case hex of an ObjectId, a `{ $oid }`, or a hex string. */
function hex(value: unknown): string | undefined {
  if (typeof value === 'string') return value.toLowerCase()
  const record = asRecord(value)
  if (record === undefined) return undefined
  const toHexString = record['toHexString']
  if (typeof toHexString === 'function') return String(toHexString.call(value)).toLowerCase()
  const oid = record['$oid']
  return typeof oid === 'string' ? oid.toLowerCase() : undefined
}

/** Epoch ms from a Date, a number, or `{ $date }`. */
function epochMS(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'number') return value
  const date = asRecord(value)?.['$date']
  if (typeof date === 'string') return Date.parse(date)
  return num(date)
}

function address(value: unknown): NodeAddress | undefined {
  if (typeof value !== 'string') return undefined
  const parsed = parseNodeAddress(value, DEFAULT_PORT)
  return parsed === undefined ? value.toLowerCase() : formatNodeAddress(parsed.host, parsed.port)
}

function addresses(value: unknown): NodeAddress[] | undefined {
  if (!Array.isArray(value)) return undefined
  return value.map(address).filter((a): a is NodeAddress => a !== undefined)
}

function tags(value: unknown): Tags | undefined {
  const record = asRecord(value)
  if (record === undefined) return undefined
  const out: Record<string, string> = {}
  for (const [key, tag] of Object.entries(record)) if (typeof tag === 'string') out[key] = tag
  return out
}
