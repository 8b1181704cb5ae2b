/**
 * The client-facing listener of a member: frames requests off each socket, answers them in order
 * (OP_REPLY to OP_QUERY, OP_MSG to OP_MSG), sends nothing for `moreToCome`, and closes the socket
 * instead of answering when a `drop-reply` fault consumes the write. With TLS configured the port
 * accepts only TLS (and, with a client CA, only clients whose certificate it signed).
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import type { SimTlsConfig } from './config.js'
import { runCommand } from './commands.js'
import type { ReplicaMember } from './replica-member.js'
import { decodeRequest, encodeMsg, encodeReply, OP_CODES, splitMessages } from './wire.js'

let nextConnectionId = 1
let nextResponseId = 1

/** Whether the socket is gone (a function, so a check after an await is not narrowed away). */
function isClosed(socket: Socket): boolean {
  return socket.destroyed
}

function serveSocket(member: ReplicaMember, socket: Socket): void {
  const connectionId = nextConnectionId++
  let pending = Buffer.alloc(0)
  // One request at a time per connection, in arrival order, as a server does.
  let queue = Promise.resolve()
  socket.setNoDelay(true)
  socket.on('error', () => undefined)
  socket.on('data', (chunk: Buffer) => {
    let messages: Buffer[]
    try {
      const split = splitMessages(pending.length === 0 ? chunk : Buffer.concat([pending, chunk]))
      messages = split.messages
      pending = Buffer.from(split.rest)
    } catch {
      socket.destroy()
      return
    }
    for (const message of messages) {
      queue = queue
        .then(async () => {
          if (socket.destroyed) return
          const request = decodeRequest(message)
          const result = await runCommand(member, request.db, request.command, connectionId)
          if ('drop' in result) {
            socket.destroy()
            return
          }
          if (request.moreToCome || isClosed(socket)) return
          const responseId = nextResponseId++
          socket.write(
            request.opCode === OP_CODES.query
              ? encodeReply(result.reply, responseId, request.requestId)
              : encodeMsg(result.reply, responseId, request.requestId),
          )
        })
        .catch(() => {
          socket.destroy()
        })
    }
  })
}

/** Listens for driver connections on `host:port` (TLS when `tls` is given); resolves once listening. */
export async function serveClients(
  member: ReplicaMember,
  host: string,
  port: number,
  tls?: SimTlsConfig,
): Promise<Server> {
  const onSocket = (socket: Socket): void => {
    serveSocket(member, socket)
  }
  const server =
    tls === undefined
      ? createServer(onSocket)
      : createTlsServer(
          {
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
            ...(tls.clientCaFile === undefined
              ? {}
              : {
                  ca: readFileSync(tls.clientCaFile),
                  requestCert: true,
                  rejectUnauthorized: true,
                }),
          },
          onSocket,
        )
  // A plain client, or a client certificate refused: Node closes that socket; nothing else to do.
  server.on('tlsClientError', () => undefined)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}
