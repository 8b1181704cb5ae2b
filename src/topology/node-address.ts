/**
 * A node's address as `host:port`: lower-case host, IPv6 hosts in brackets (`[::1]:27017`). Used as
 * the node's identity everywhere in the core.
 */
export type NodeAddress = string

/** The host and port of a {@link NodeAddress}. */
export interface HostPort {
  readonly host: string
  readonly port: number
}

/** Formats a host and port as a normalised {@link NodeAddress}. */
export function formatNodeAddress(host: string, port: number): NodeAddress {
  const lower = host.toLowerCase()
  const bracketed = lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower
  return `${bracketed}:${String(port)}`
}

/**
 * Splits a `host[:port]` string (IPv6 in brackets) into host and port, using `defaultPort` when the
 * port is missing. Returns `undefined` when the text is not a valid address.
 */
export function parseNodeAddress(text: string, defaultPort: number): HostPort | undefined {
  let host: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close === -1) return undefined
    host = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) return undefined
    portText = rest === '' ? undefined : rest.slice(1)
  } else {
    const colon = text.lastIndexOf(':')
    if (colon !== text.indexOf(':')) return undefined // an IPv6 literal must be bracketed
    host = colon === -1 ? text : text.slice(0, colon)
    portText = colon === -1 ? undefined : text.slice(colon + 1)
  }
  if (host === '') return undefined
  if (portText === undefined) return { host: host.toLowerCase(), port: defaultPort }
  if (!/^\d+$/.test(portText)) return undefined
  const port = Number(portText)
  if (port < 1 || port > 65535) return undefined
  return { host: host.toLowerCase(), port }
}

/** Splits a normalised {@link NodeAddress} back into host and port. */
export function splitNodeAddress(address: NodeAddress): HostPort {
  const parsed = parseNodeAddress(address, 0)
  if (parsed === undefined) throw new TypeError(`not a node address: ${address}`)
  return parsed
}
