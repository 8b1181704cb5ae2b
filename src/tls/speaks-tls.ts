import { isIP } from 'node:net'
import { connect as tlsConnect } from 'node:tls'

/**
 * Whether `host:port` speaks TLS: one `ClientHello` (no certificate checked, nothing sent after the
 * handshake, the socket closed at once) that the server finishes or answers with a TLS alert (e.g.
 * "certificate required"). `false` on a reset, a close, a plain-text answer or no answer within
 * `timeoutMS`; never rejects. Adapters use it to tell a TLS-only server, which just hangs up on a
 * plain client, from one that is down (`TLS_REQUIRED` instead of a network error).
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
      socket.destroy()
      resolve(answer)
    }
    // The socket's own idle timer: no timer of ours outlives it.
    socket.setTimeout(timeoutMS, () => {
      done(false)
    })
    socket.once('secureConnect', () => {
      done(true)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      // An alert is the server speaking TLS; a wrong version number is plain bytes coming back.
      done(/^ERR_SSL_.*_ALERT_/.test(error.code ?? ''))
    })
    socket.once('close', () => {
      done(false)
    })
  })
}
