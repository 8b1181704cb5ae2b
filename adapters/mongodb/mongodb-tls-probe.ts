/**
 * Tells a server that accepts only TLS from one that is down, for a client with TLS off: a
 * TLS-only server (MongoDB `net.tls.mode: requireTLS`, FerretDB `--listen-tls` alone) accepts the
 * TCP connection and closes it when the plain `hello` arrives, which the driver reports as a
 * connection closed during the handshake, the same as a member that died at that moment. One TLS
 * `ClientHello` to the same port settles it: a server that answers it speaks TLS there.
 */

/** Whether a failed plain heartbeat looks like a TLS-only server: the TCP connection opened, then closed. */
export function isCutOffDuringHandshake(failure: unknown): boolean {
  if (!(failure instanceof Error) || failure.name !== 'MongoNetworkError') return false
  const cause = (failure as { cause?: unknown }).cause
  const code = (cause as NodeJS.ErrnoException | undefined)?.code
  if (code !== undefined) return code === 'ECONNRESET' || code === 'EPIPE'
  return /\bclosed\b/i.test(failure.message)
}
