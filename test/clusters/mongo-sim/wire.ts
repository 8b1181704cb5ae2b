/**
 * MongoDB wire-protocol framing for the simulator: the two request kinds driver 6.x/7.x sends
 * (OP_QUERY for the first handshake, OP_MSG after it) and the two reply kinds it reads (OP_REPLY,
 * OP_MSG). Pure functions over buffers: no sockets, no state.
 *
 * @see https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/
 * @see https://github.com/mongodb/specifications/blob/master/source/message/OP_MSG.md
 */
import { BSON, type Document } from 'bson'

/** The opcodes the simulator reads or writes. */
export const OP_CODES = Object.freeze({ reply: 1, query: 2004, msg: 2013 } as const)

/** OP_MSG flag bits. */
export const MSG_FLAGS = Object.freeze({
  checksumPresent: 1 << 0,
  moreToCome: 1 << 1,
  exhaustAllowed: 1 << 16,
} as const)

/** Largest message the simulator accepts (the server's `maxMessageSizeBytes`). */
export const MAX_MESSAGE_BYTES = 48_000_000

const HEADER_BYTES = 16

/** A decoded request: the command document with any document sequences folded in. */
export interface WireRequest {
  readonly requestId: number
  readonly opCode: number
  /** The command; for OP_MSG kind-1 sections become array fields (`documents`, `updates`…). */
  readonly command: Document
  /** `admin.$cmd` style namespace for OP_QUERY, `$db` for OP_MSG. */
  readonly db: string
  /** OP_MSG `moreToCome`: the client expects no reply. */
  readonly moreToCome: boolean
}

/**
 * Splits complete messages off the front of `buffer`. Returns the messages and the unconsumed
 * tail. Throws on a length that cannot be a message (the caller closes the socket).
 */
export function splitMessages(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = []
  let offset = 0
  while (buffer.length - offset >= 4) {
    const length = buffer.readInt32LE(offset)
    if (length < HEADER_BYTES || length > MAX_MESSAGE_BYTES) {
      throw new Error(`invalid message length ${length}`)
    }
    if (buffer.length - offset < length) break
    messages.push(buffer.subarray(offset, offset + length))
    offset += length
  }
  return { messages, rest: buffer.subarray(offset) }
}

function readCString(buffer: Buffer, offset: number): { value: string; end: number } {
  const end = buffer.indexOf(0, offset)
  if (end < 0) throw new Error('unterminated cstring')
  return { value: buffer.toString('utf8', offset, end), end: end + 1 }
}

function readDocument(buffer: Buffer, offset: number): { doc: Document; end: number } {
  const size = buffer.readInt32LE(offset)
  const doc = BSON.deserialize(buffer.subarray(offset, offset + size))
  return { doc, end: offset + size }
}

/** Decodes one whole OP_QUERY or OP_MSG message. Throws on any other opcode. */
export function decodeRequest(message: Buffer): WireRequest {
  const requestId = message.readInt32LE(4)
  const opCode = message.readInt32LE(12)
  if (opCode === OP_CODES.query) {
    let offset = HEADER_BYTES + 4 // flags
    const ns = readCString(message, offset)
    offset = ns.end + 8 // numberToSkip, numberToReturn
    let { doc } = readDocument(message, offset)
    // A legacy `$query` wrapper carries the command inside.
    if (typeof doc['$query'] === 'object' && doc['$query'] !== null) doc = doc['$query'] as Document
    const db = ns.value.split('.')[0] ?? 'admin'
    return { requestId, opCode, command: doc, db, moreToCome: false }
  }
  if (opCode !== OP_CODES.msg) throw new Error(`unsupported opcode ${opCode}`)
  const flags = message.readUInt32LE(HEADER_BYTES)
  const end = message.length - ((flags & MSG_FLAGS.checksumPresent) !== 0 ? 4 : 0)
  let offset = HEADER_BYTES + 4
  let body: Document | undefined
  const sequences: Record<string, Document[]> = {}
  while (offset < end) {
    const kind = message.readUInt8(offset)
    offset += 1
    if (kind === 0) {
      const read = readDocument(message, offset)
      body = read.doc
      offset = read.end
    } else if (kind === 1) {
      const sectionEnd = offset + message.readInt32LE(offset)
      const id = readCString(message, offset + 4)
      const docs: Document[] = []
      let at = id.end
      while (at < sectionEnd) {
        const read = readDocument(message, at)
        docs.push(read.doc)
        at = read.end
      }
      sequences[id.value] = docs
      offset = sectionEnd
    } else {
      throw new Error(`unsupported OP_MSG section kind ${kind}`)
    }
  }
  if (body === undefined) throw new Error('OP_MSG without a body section')
  const command: Document = { ...body, ...sequences }
  const db = typeof body['$db'] === 'string' ? body['$db'] : 'admin'
  return {
    requestId,
    opCode,
    command,
    db,
    moreToCome: (flags & MSG_FLAGS.moreToCome) !== 0,
  }
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const head = Buffer.alloc(HEADER_BYTES)
  head.writeInt32LE(length, 0)
  head.writeInt32LE(requestId, 4)
  head.writeInt32LE(responseTo, 8)
  head.writeInt32LE(opCode, 12)
  return head
}

/** Encodes an OP_REPLY carrying one document (the answer to an OP_QUERY command). */
export function encodeReply(doc: Document, requestId: number, responseTo: number): Buffer {
  const body = BSON.serialize(doc)
  const fields = Buffer.alloc(20) // responseFlags, cursorID (int64), startingFrom, numberReturned
  fields.writeInt32LE(1, 16)
  const length = HEADER_BYTES + fields.length + body.length
  return Buffer.concat([header(length, requestId, responseTo, OP_CODES.reply), fields, body])
}

/** Encodes an OP_MSG with a single body section and no flags. */
export function encodeMsg(doc: Document, requestId: number, responseTo: number): Buffer {
  const body = BSON.serialize(doc)
  const length = HEADER_BYTES + 4 + 1 + body.length
  const flagsAndKind = Buffer.alloc(5) // flags 0, section kind 0
  return Buffer.concat([header(length, requestId, responseTo, OP_CODES.msg), flagsAndKind, body])
}

/** Encodes an OP_MSG request with a body and optional document sequences (tests, peers). */
export function encodeMsgRequest(
  body: Document,
  requestId: number,
  sequences: Readonly<Record<string, readonly Document[]>> = {},
  flags = 0,
): Buffer {
  const parts: Uint8Array[] = [Buffer.from([0]), BSON.serialize(body)]
  for (const [id, docs] of Object.entries(sequences)) {
    const payload = Buffer.concat([
      Buffer.from(`${id}\0`, 'utf8'),
      ...docs.map((d) => BSON.serialize(d)),
    ])
    const size = Buffer.alloc(4)
    size.writeInt32LE(payload.length + 4, 0)
    parts.push(Buffer.from([1]), size, payload)
  }
  const flagBytes = Buffer.alloc(4)
  flagBytes.writeUInt32LE(flags, 0)
  const rest = Buffer.concat([flagBytes, ...parts])
  return Buffer.concat([header(HEADER_BYTES + rest.length, requestId, 0, OP_CODES.msg), rest])
}

/** Decodes a reply (OP_REPLY or OP_MSG) to its first document (tests). */
export function decodeReplyDocument(message: Buffer): Document {
  const opCode = message.readInt32LE(12)
  if (opCode === OP_CODES.reply) return readDocument(message, HEADER_BYTES + 20).doc
  if (opCode === OP_CODES.msg) return readDocument(message, HEADER_BYTES + 5).doc
  throw new Error(`unsupported reply opcode ${opCode}`)
}
