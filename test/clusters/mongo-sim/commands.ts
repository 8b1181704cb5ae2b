/**
 * Command dispatch for client connections: hello, admin and session commands, reads (refused on
 * a non-primary without a secondary read preference) and writes (refused on a non-primary with
 * NotWritablePrimary + `RetryableWriteError`; answered from the retryable-write table when the
 * `(lsid, txnNumber)` was applied before; logged, replicated and held until the write concern).
 */
import { Binary, type Document } from 'bson'
import { majorityOf } from './config.js'
import { READ_COMMANDS, runRead } from './crud-reads.js'
import { runWrite, WRITE_COMMANDS } from './crud-writes.js'
import { CommandError, errorReply } from './errors.js'
import { helloReply } from './hello.js'
import type { ReplicaMember } from './replica-member.js'
import type { RetryRecord } from './store.js'

/** What the connection does with a command: answer it, or close the socket (`drop-reply`). */
export type CommandResult = { readonly reply: Document } | { readonly drop: true }

const WRITE_CONCERN_FAILED = Object.freeze({
  code: 64,
  codeName: 'WriteConcernFailed',
  errmsg: 'waiting for replication timed out',
  errInfo: { wtimeout: true },
})

function retryKey(command: Document): string | undefined {
  const lsid = command['lsid'] as Document | undefined
  const txnNumber = command['txnNumber']
  if (lsid === undefined || txnNumber === undefined) return undefined
  const id = lsid['id']
  const hex = id instanceof Binary ? Buffer.from(id.buffer).toString('hex') : String(id)
  return `${hex}:${String(txnNumber)}`
}

function secondaryOk(command: Document): boolean {
  const mode = (command['$readPreference'] as Document | undefined)?.['mode']
  return typeof mode === 'string' && mode !== 'primary'
}

async function awaitWriteConcern(
  member: ReplicaMember,
  index: number,
  reply: Document,
  command: Document,
): Promise<Document> {
  const concern = (command['writeConcern'] as Document | undefined) ?? {}
  const w = concern['w'] ?? 'majority'
  const dataBearing = member.set.members.filter((m) => !m.arbiterOnly).length
  let needed: number
  if (w === 'majority') needed = Math.min(majorityOf(member.set), dataBearing)
  else if (typeof w === 'number') needed = w
  else
    return {
      ...reply,
      writeConcernError: {
        code: 79,
        codeName: 'UnknownReplWriteConcern',
        errmsg: `unrecognized write concern mode: ${String(w)}`,
      },
    }
  if (needed > dataBearing) {
    return {
      ...reply,
      writeConcernError: {
        code: 100,
        codeName: 'UnsatisfiableWriteConcern',
        errmsg: 'Not enough data-bearing nodes',
      },
    }
  }
  const wtimeout = Number(concern['wtimeout'] ?? 0)
  const outcome = await member.awaitReplication(
    index,
    Math.max(needed, 1),
    wtimeout > 0 ? wtimeout : undefined,
  )
  if (outcome === 'satisfied') return reply
  if (outcome === 'timeout') return { ...reply, writeConcernError: { ...WRITE_CONCERN_FAILED } }
  return {
    ...reply,
    writeConcernError: {
      code: 11602,
      codeName: 'InterruptedDueToReplStateChange',
      errmsg: 'operation was interrupted',
    },
    errorLabels: ['RetryableWriteError'],
  }
}

async function runWriteCommand(
  member: ReplicaMember,
  db: string,
  name: string,
  command: Document,
): Promise<CommandResult> {
  if (member.role !== 'primary') {
    return { reply: errorReply(10107, 'not primary', true) }
  }
  const key = retryKey(command)
  const remembered = key === undefined ? undefined : member.store.retryReply(key)
  if (remembered !== undefined) {
    return { reply: await awaitWriteConcern(member, member.lastIndex, remembered, command) }
  }
  const { reply, effects } = runWrite(member.store, db, name, command)
  let index = member.lastIndex
  if (effects.length > 0 || key !== undefined) {
    const retry: RetryRecord | undefined = key === undefined ? undefined : { key, reply }
    index = member.appendEntry(effects, retry).index
  }
  if (member.dropReplies > 0) {
    member.dropReplies -= 1
    return { drop: true }
  }
  return { reply: await awaitWriteConcern(member, index, reply, command) }
}

async function runAdmin(
  member: ReplicaMember,
  name: string,
  command: Document,
  connectionId: number,
): Promise<Document | undefined> {
  switch (name) {
    case 'hello':
    case 'ismaster':
      return helloReply(member, connectionId)
    case 'ping':
    case 'endsessions':
    case 'killallsessions':
    case 'refreshsessions':
      return { ok: 1 }
    case 'buildinfo':
      return {
        version: '7.0.0',
        versionArray: [7, 0, 0, 0],
        gitVersion: 'replicakit-sim',
        bits: 64,
        maxBsonObjectSize: 16 * 1024 * 1024,
        ok: 1,
      }
    case 'getparameter':
      return { featureCompatibilityVersion: { version: '7.0' }, ok: 1 }
    case 'connectionstatus':
      return { authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }
    case 'replsetgetstatus':
      return {
        set: member.set.setName,
        myState: member.role === 'primary' ? 1 : member.role === 'arbiter' ? 7 : 2,
        term: member.term,
        self: member.status(),
        ok: 1,
      }
    case 'replsetstepdown': {
      const seconds = Number(command['replSetStepDown'] ?? 60)
      const catchUpMS = Number(command['secondaryCatchUpPeriodSecs'] ?? 10) * 1000
      await member.stepDown(seconds, Math.min(catchUpMS, seconds * 1000), command['force'] === true)
      return { ok: 1 }
    }
    case 'replsetstepup':
      return (await member.forceElection()) ? { ok: 1 } : errorReply(125, 'election failed')
    default:
      return undefined
  }
}

/** Runs one client command on `member`. */
export async function runCommand(
  member: ReplicaMember,
  db: string,
  command: Document,
  connectionId: number,
): Promise<CommandResult> {
  const name = (Object.keys(command)[0] ?? '').toLowerCase()
  const isWrite = WRITE_COMMANDS.has(name)
  try {
    const admin = await runAdmin(member, name, command, connectionId)
    if (admin !== undefined) return { reply: admin }
    if (isWrite) return await runWriteCommand(member, db, name, command)
    if (READ_COMMANDS.has(name)) {
      if (member.role === 'arbiter') return { reply: errorReply(13436, 'node is an arbiter') }
      if (
        member.role !== 'primary' &&
        !secondaryOk(command) &&
        name !== 'getmore' &&
        name !== 'killcursors'
      ) {
        return { reply: errorReply(13435, 'not primary and secondaryOk=false') }
      }
      return { reply: runRead(member.store, member.cursors, db, name, command) }
    }
    return { reply: errorReply(59, `no such command: '${name}'`) }
  } catch (error: unknown) {
    if (error instanceof CommandError)
      return { reply: errorReply(error.code, error.message, isWrite) }
    return { reply: errorReply(1, `internal error: ${String(error)}`) }
  }
}
