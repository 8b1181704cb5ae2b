/**
 * Tells a server that accepts only TLS from one that is down, for a client with TLS off: a
 * TLS-only server (MongoDB `net.tls.mode: requireTLS`, FerretDB `--listen-tls` alone) accepts the
 * TCP connection and closes it when the plain `hello` arrives, which the driver reports as a
 * connection closed during the handshake, the same as a member that died at that moment. One TLS
 * `ClientHello` to the same port settles it: a server that answers it speaks TLS there.
 */
import { isIP } from 'node:net'
import { connect as tlsConnect } from 'node:tls'

/** Whether a failed plain heartbeat looks like a TLS-only server: the TCP connection opened, then closed. */
export function isCutOffDuringHandshake(failure: unknown): boolean {
  if (!(failure instanceof Error) || failure.name !== 'MongoNetworkError') return false
  const cause = (failure as { cause?: unknown }).cause
  const code = (cause as NodeJS.ErrnoException | undefined)?.code
  if (code !== undefined) return code === 'ECONNRESET' || code === 'EPIPE'
  return /\bclosed\b/i.test(failure.message)
}

/**
 * Opens one TLS connection to `host:port` (no certificate check: nothing is sent but the
 * handshake, and the socket is closed at once) and resolves `true` when the server answers in TLS
 * (the handshake completes, or the server sends a TLS alert such as "certificate required"),
 * `false` when it does not (reset, plain bytes, no answer within `timeoutMS`). Never rejects.
 */
export function speaksTls(host: string, port: number, timeoutMS: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      rejectUnauthorized: false,
      ...(isIP(host) === 0 ? { servername: host } : {}),
    })
    let settled = false
    const done = (answer: boolean): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => {
      done(false)
    }, timeoutMS)
    timer.unref()
    socket.once('secureConnect', () => {
      done(true)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      // An alert is the server speaking TLS; a wrong version number is plain bytes coming back.
      done(/^ERR_SSL_.*ALERT/.test(error.code ?? ''))
    })
    socket.once('close', () => {
      done(false)
    })
  })
}
