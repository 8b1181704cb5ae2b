/**
 * The sockets under the MySQL adapter's mysql2 connections: one registry that creates every socket
 * (so `close()` can cut them all, even mid-handshake or on a hung node), the `socketTimeoutMS`
 * watch, and the few mysql2 internals the adapter reads.
 */
import { isIP, connect as netConnect } from 'node:net'
import type { Socket } from 'node:net'
import type { Connection } from 'mysql2/promise'
import { splitNodeAddress } from '../../src/adapter.js'
import type { NodeAddress } from '../../src/adapter.js'
import { KEEP_ALIVE_INITIAL_DELAY_MS } from './mysql-config.js'

/** The mysql2 internals the adapter touches (the core connection behind a promise wrapper). @internal */
export interface CoreConnection {
  readonly stream?: {
    destroy(error?: Error): void
    readonly destroyed?: boolean
    setTimeout?(ms: number): unknown
    on?(event: 'timeout', listener: () => void): unknown
  }
  /** The command in flight (a reply is owed), `null`/`undefined` when idle. */
  readonly _command?: unknown
  /** Set from the server handshake. */
  readonly _isMariaDB?: boolean
  readonly _fatalError?: unknown
  readonly _protocolError?: unknown
  readonly _closing?: boolean
  on?(event: 'error', listener: () => void): unknown
}

/** The core mysql2 connection behind a promise connection. @internal */
export function coreOf(conn: Connection): CoreConnection | undefined {
  return (conn as unknown as { connection?: CoreConnection }).connection
}

/** Whether a connection can no longer be reused (a fatal error, closing, or a dead socket). */
export function isBrokenConnection(conn: Connection): boolean {
  const core = coreOf(conn)
  return (
    core === undefined ||
    core._fatalError != null ||
    core._protocolError != null ||
    core._closing === true ||
    core.stream?.destroyed === true
  )
}

/**
 * Destroys a connection and its socket at once. mysql2's `destroy()` only half-closes (FIN), which
 * leaves the socket open while a hung server never answers.
 */
export function destroyConnection(conn: Connection): void {
  try {
    conn.destroy()
  } finally {
    coreOf(conn)?.stream?.destroy()
  }
}

/** Creates, tracks and finally cuts every socket of one adapter. */
export class SocketRegistry {
  readonly #sockets = new Set<Socket>()
  readonly #watched = new WeakSet<object>()
  #closed = false

  /**
   * A mysql2 `stream` factory for `node`; `onSocket` sees each socket as it is made. A socket to an
   * IP address carries it as `_host`, the name Node's TLS checks the server certificate against when
   * no `servername` is given (mysql2 gives none for an IP; `net` sets `_host` only for names, and Node
   * then falls back to `localhost`, which let any certificate naming localhost pass for any IP).
   */
  factory(node: NodeAddress, onSocket?: (socket: Socket) => void): () => Socket {
    const { host, port } = splitNodeAddress(node)
    return () => {
      const socket = netConnect({
        host,
        port,
        noDelay: true,
        keepAlive: true,
        keepAliveInitialDelay: KEEP_ALIVE_INITIAL_DELAY_MS,
      })
      if (isIP(host) !== 0) (socket as Socket & { _host?: string })._host = host
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
      if (this.#closed) socket.destroy()
      onSocket?.(socket)
      return socket
    }
  }

  /**
   * Applies `socketTimeoutMS` (0 = none) to `conn`'s socket, once: a socket that owes a reply and
   * stays silent that long is cut, which fails the statement with SOCKET_TIMEOUT. An idle or quiet
   * borrowed connection is left alone (only a pending command counts), and so is one for which
   * `isExempt` says its wait has its own bound.
   */
  watch(conn: Connection, timeoutMS: number, isExempt: (core: object) => boolean): void {
    const core = coreOf(conn)
    const stream = core?.stream
    if (timeoutMS <= 0 || core === undefined || stream === undefined || this.#watched.has(core))
      return
    this.#watched.add(core)
    stream.setTimeout?.(timeoutMS)
    stream.on?.('timeout', () => {
      if (core._command == null || isExempt(core)) return
      const error = new Error(`no reply within socketTimeoutMS=${timeoutMS} ms`)
      stream.destroy(Object.assign(error, { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }))
    })
  }

  /** Cuts every socket, and any made later. */
  destroyAll(): void {
    this.#closed = true
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
  }

  /** Sockets not yet destroyed. */
  get openCount(): number {
    return [...this.#sockets].filter((s) => !s.destroyed).length
  }
}
