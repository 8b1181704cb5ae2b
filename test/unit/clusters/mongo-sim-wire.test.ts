/** The simulator's wire framing and oplog rollback, without sockets. */
import { BSON } from 'bson'
import { describe, expect, it } from 'vitest'
import { Oplog } from '../../clusters/mongo-sim/oplog.js'
import {
  decodeReplyDocument,
  decodeRequest,
  encodeMsg,
  encodeMsgRequest,
  encodeReply,
  MSG_FLAGS,
  OP_CODES,
  splitMessages,
} from '../../clusters/mongo-sim/wire.js'

function opQuery(ns: string, query: Record<string, unknown>): Buffer {
  const body = Buffer.concat([
    Buffer.alloc(4), // flags
    Buffer.from(`${ns}\0`),
    Buffer.alloc(8), // numberToSkip, numberToReturn
    BSON.serialize(query),
  ])
  const head = Buffer.alloc(16)
  head.writeInt32LE(16 + body.length, 0)
  head.writeInt32LE(7, 4)
  head.writeInt32LE(OP_CODES.query, 12)
  return Buffer.concat([head, body])
}

describe('wire framing', () => {
  it('decodes the OP_QUERY handshake and answers it with an OP_REPLY', () => {
    const request = decodeRequest(opQuery('admin.$cmd', { isMaster: 1, helloOk: true }))
    expect(request).toMatchObject({ requestId: 7, db: 'admin', moreToCome: false })
    expect(request.command).toEqual({ isMaster: 1, helloOk: true })
    const reply = encodeReply({ ok: 1 }, 1, 7)
    expect(reply.readInt32LE(8)).toBe(7)
    expect(reply.readInt32LE(12)).toBe(OP_CODES.reply)
    expect(decodeReplyDocument(reply)).toEqual({ ok: 1 })
  })

  it('folds OP_MSG document sequences into the command and reads moreToCome', () => {
    const message = encodeMsgRequest(
      { insert: 'c', $db: 'app' },
      9,
      { documents: [{ a: 1 }, { a: 2 }] },
      MSG_FLAGS.moreToCome,
    )
    const request = decodeRequest(message)
    expect(request.db).toBe('app')
    expect(request.moreToCome).toBe(true)
    expect(request.command).toEqual({ insert: 'c', $db: 'app', documents: [{ a: 1 }, { a: 2 }] })
    expect(decodeReplyDocument(encodeMsg({ ok: 1, n: 2 }, 1, 9))).toEqual({ ok: 1, n: 2 })
  })

  it('splits a stream into whole messages and keeps the partial tail', () => {
    const a = encodeMsgRequest({ ping: 1, $db: 'admin' }, 1)
    const b = encodeMsgRequest({ ping: 1, $db: 'admin' }, 2)
    const stream = Buffer.concat([a, b.subarray(0, 10)])
    const { messages, rest } = splitMessages(stream)
    expect(messages).toHaveLength(1)
    expect(rest).toHaveLength(10)
    expect(() => splitMessages(Buffer.from([1, 0, 0, 0]))).toThrow(/invalid message length/)
  })
})

describe('Oplog', () => {
  it('rolls back entries the primary does not share and replays the rest', () => {
    const primary = new Oplog()
    const old = new Oplog()
    for (const log of [primary, old]) {
      log.append(1, [{ op: 'insert', ns: 'app.c', doc: { _id: 1 } }])
    }
    old.append(1, [{ op: 'insert', ns: 'app.c', doc: { _id: 2 } }], { key: 'k:1', reply: { n: 1 } })
    primary.append(2, [{ op: 'insert', ns: 'app.c', doc: { _id: 3 } }])
    const common = primary.commonIndex(old.lastIndex, old.tailTerms())
    expect(common).toBe(1)
    const rolledBack = old.applyPulled(common, primary.dueAfter(common, 0), 0)
    expect(rolledBack).toBe(1)
    expect(old.store.documents('app.c').map((d) => d['_id'])).toEqual([1, 3])
    expect(old.store.retryReply('k:1')).toBeUndefined()
    expect(old.lastTerm).toBe(2)
  })
})
