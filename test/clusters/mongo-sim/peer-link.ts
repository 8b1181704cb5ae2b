/**
 * The peer protocol between member processes (and from the harness to a member): a TCP stream of
 * BSON documents (each starts with its own length), requests `{id, type, …}` and replies
 * `{id, reply}`. BSON rather than JSON so documents keep their types (ObjectId, Date, Long).
 */
import { BSON, type Document } from 'bson'
import { createConnection, createServer, type Server, type Socket } from 'node:net'

/** Handles one request; the resolved document is sent back as `reply`. */
export type PeerHandler = (request: Document) => Promise<Document> | Document

function readDocuments(socket: Socket, onDocument: (doc: Document) => void): void {
  let pending: Buffer = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    while (pending.length >= 4) {
      const size = pending.readInt32LE(0)
      if (size < 5 || size > 64 * 1024 * 1024) {
        socket.destroy()
        return
      }
      if (pending.length < size) break
      const doc = BSON.deserialize(pending.subarray(0, size))
      pending = pending.subarray(size)
      onDocument(doc)
    }
  })
}

/** Serves the peer protocol on `host:port`; resolves once listening. */
export async function servePeers(
  host: string,
  port: number,
  handler: PeerHandler,
): Promise<Server> {
  const server = createServer((socket) => {
    socket.setNoDelay(true)
    socket.on('error', () => undefined)
    readDocuments(socket, (request) => {
      void Promise.resolve()
        .then(() => handler(request))
        .then(
          (reply) => ({ id: request['id'] as number, reply }),
          (error: unknown) => ({ id: request['id'] as number, error: String(error) }),
        )
        .then((answer) => {
          if (!socket.destroyed) socket.write(BSON.serialize(answer))
        })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}

interface Pending {
  readonly resolve: (doc: Document) => void
  readonly reject: (error: Error) => void
  readonly timer: NodeJS.Timeout
}

/** A client of one peer: one lazily (re)connected socket, requests matched to replies by id. */
export class PeerClient {
  readonly #host: string
  readonly #port: number
  #socket: Socket | undefined
  #nextId = 1
  readonly #pending = new Map<number, Pending>()

  constructor(host: string, port: number) {
    this.#host = host
    this.#port = port
  }

  #connect(): Socket {
    if (this.#socket !== undefined && !this.#socket.destroyed) return this.#socket
    const socket = createConnection({ host: this.#host, port: this.#port })
    socket.setNoDelay(true)
    socket.on('error', () => undefined)
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = undefined
      this.#failAll(new Error(`peer ${this.#host}:${this.#port} closed the connection`))
    })
    readDocuments(socket, (answer) => {
      const pending = this.#pending.get(answer['id'] as number)
      if (pending === undefined) return // answered after its timeout
      this.#pending.delete(answer['id'] as number)
      clearTimeout(pending.timer)
      if (typeof answer['error'] === 'string') pending.reject(new Error(answer['error']))
      else pending.resolve(answer['reply'] as Document)
    })
    this.#socket = socket
    return socket
  }

  #failAll(error: Error): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer)
      this.#pending.delete(id)
      pending.reject(error)
    }
  }

  /** Sends a request; rejects when the peer does not answer within `timeoutMS`. */
  request(message: Document, timeoutMS: number): Promise<Document> {
    const id = this.#nextId++
    const socket = this.#connect()
    return new Promise<Document>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(
          new Error(
            `peer ${this.#host}:${this.#port} did not answer ${String(message['type'])} in ${timeoutMS} ms`,
          ),
        )
      }, timeoutMS)
      this.#pending.set(id, { resolve, reject, timer })
      socket.write(BSON.serialize({ ...message, id }))
    })
  }

  /** Closes the socket and fails what is in flight. */
  close(): void {
    this.#socket?.destroy()
    this.#socket = undefined
    this.#failAll(new Error('peer client closed'))
  }
}
