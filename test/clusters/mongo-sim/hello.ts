/**
 * The `hello` (and legacy `isMaster`) reply of a member, with the fields SDAM reads: role flags,
 * set membership lists, `me`, `primary`, tags, `setVersion`, `electionId` on the primary and
 * `lastWrite`. No `topologyVersion`, so the driver polls instead of streaming; no `compression`.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md
 */
import { Long, Timestamp, type Document } from 'bson'
import { electionIdOf, helloLists, hostOf } from './config.js'
import type { ReplicaMember } from './replica-member.js'
import { MAX_MESSAGE_BYTES } from './wire.js'

/** The wire version announced (MongoDB 7.0); driver 6.x and 7.x accept it. */
export const MAX_WIRE_VERSION = 21

/** Builds the hello reply for a client connection. */
export function helloReply(member: ReplicaMember, connectionId: number): Document {
  const { config, set } = member
  const isPrimary = member.role === 'primary'
  const lastWriteDate = new Date(member.lastWriteMS === 0 ? Date.now() : member.lastWriteMS)
  const reply: Document = {
    helloOk: true,
    isWritablePrimary: isPrimary,
    ismaster: isPrimary,
    secondary: member.role === 'secondary',
    ...(member.role === 'arbiter' ? { arbiterOnly: true } : {}),
    ...(config.hidden ? { hidden: true } : {}),
    ...(config.priority === 0 && !config.arbiterOnly ? { passive: true } : {}),
    setName: set.setName,
    setVersion: set.setVersion,
    ...helloLists(set),
    me: hostOf(config),
    tags: { ...config.tags },
    ...(isPrimary ? { electionId: electionIdOf(member.term) } : {}),
    lastWrite: {
      opTime: {
        ts: new Timestamp({ t: Math.floor(lastWriteDate.getTime() / 1000), i: member.lastIndex }),
        t: Long.fromNumber(member.term),
      },
      lastWriteDate,
    },
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  }
  const primary = member.primaryHost
  if (primary !== undefined) reply['primary'] = primary
  return reply
}
