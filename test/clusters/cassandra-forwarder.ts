/**
 * A TCP forwarder for the hostname tests: clients connect to an address the node's certificate does
 * not name (e.g. 127.0.0.6), and the bytes go untouched to the real node (127.0.0.5), whose TLS
 * handshake then presents a certificate naming 127.0.0.5 and `localhost` only. That is what a load
 * balancer or a DNS alias in front of a node looks like to a client: the server, its certificate and
 * the TLS session are real; only the address the client checks them against differs.
 */
import { connect, createServer, type Socket } from 'node:net'

/** A running forwarder; {@link TcpForwarder.close} ends it and every connection it carries. */
export interface TcpForwarder {
  /** `host:port` to connect to. */
  readonly address: string
  close(): Promise<void>
}

/** Listens on `listenHost:port` and pipes every connection to `targetHost:port`. */
export async function startTcpForwarder(
  listenHost: string,
  targetHost: string,
  port: number,
): Promise<TcpForwarder> {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect({ host: targetHost, port })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, listenHost, () => {
      resolve()
    })
  })
  return {
    address: `${listenHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => {
          resolve()
        })
      }),
  }
}
