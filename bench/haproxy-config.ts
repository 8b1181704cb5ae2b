/**
 * Pure pieces of the HAProxy comparison: the MySQL wire packets of the role check, the
 * configuration file, and the parser of the runtime API's `show servers state`.
 *
 * How HAProxy finds the primary here. `option mysql-check` only logs in (or, without a user, reads
 * the greeting): every live MariaDB passes it, primary or replica, so it cannot pick the writable
 * node. Instead each backend lists every node and runs a `tcp-check` that speaks the MySQL protocol
 * itself: read the greeting, log in as a password-less user (HAProxy cannot answer the per-connection
 * password scramble, which is why `mysql-check` also needs such a user), send
 * `SELECT IF(@@global.read_only,'REPLICA','PRIMARY')`, and expect `PRIMARY` (write backend) or
 * `REPLICA` (read backend). `min-recv` makes a mismatch conclusive at once instead of waiting for
 * `timeout check`.
 *
 * @see https://docs.haproxy.org/2.6/configuration.html#4.2-tcp-check%20expect
 * @see https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_response.html
 */

/** The label the check query returns on a writable node. */
export const PRIMARY_LABEL = 'PRIMARY'
/** The label the check query returns on a read-only node (same length as {@link PRIMARY_LABEL}). */
export const REPLICA_LABEL = 'REPLICA'
/** The role check's query; its one column is aliased so the labels appear only in the row. */
export const ROLE_QUERY = `SELECT IF(@@global.read_only,'${REPLICA_LABEL}','${PRIMARY_LABEL}') AS r`

/** HAProxy's default health-check timing, as the issue fixes it: `inter 2s fall 3 rise 2`. */
export const DEFAULT_CHECK_TIMING = Object.freeze({ interMS: 2000, fall: 3, rise: 2 })

/** Health-check timing of every server line. */
export interface CheckTiming {
  /** Interval between checks, in ms (`inter`). */
  readonly interMS: number
  /** Consecutive failures that mark a server DOWN (`fall`). */
  readonly fall: number
  /** Consecutive successes that mark a server UP again (`rise`). */
  readonly rise: number
}

/** One MySQL node behind the proxy. */
export interface BackendNode {
  readonly name: string
  readonly host: string
  readonly port: number
}

/** Everything {@link buildHaproxyConfig} needs. */
export interface HaproxyConfigOptions {
  readonly nodes: readonly BackendNode[]
  /** Loopback port of the write frontend (→ the node that answers `PRIMARY`). */
  readonly writePort: number
  /** Loopback port of the read frontend (→ nodes that answer `REPLICA`, round robin). */
  readonly readPort: number
  /** Path of the runtime API socket (`show servers state`). */
  readonly statsSocket: string
  /** The password-less MySQL user the check logs in as. */
  readonly checkUser: string
  /** Default {@link DEFAULT_CHECK_TIMING}. */
  readonly timing?: CheckTiming
  /** `nbthread`; default 1 (the machine has two cores and three servers). */
  readonly threads?: number
}

/** Frames a MySQL protocol packet: 3-byte little-endian length, sequence id, payload. */
export function mysqlPacket(sequenceId: number, payload: Uint8Array): Buffer {
  if (payload.length >= 0xffffff) throw new RangeError('payload too large for one packet')
  const header = Buffer.alloc(4)
  header.writeUIntLE(payload.length, 0, 3)
  header.writeUInt8(sequenceId & 0xff, 3)
  return Buffer.concat([header, payload])
}

// CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION; no CLIENT_DEPRECATE_EOF,
// so the server answers with classic EOF packets and the response length is fixed.
const CHECK_CAPABILITIES = 0x0001 | 0x0200 | 0x8000
const UTF8_GENERAL_CI = 0x21

/** HandshakeResponse41 for `user` with an empty password (auth response of length 0), sequence 1. */
export function loginPacket(user: string): Buffer {
  const fixed = Buffer.alloc(32) // capabilities, max packet size, charset, 23 reserved bytes
  fixed.writeUInt32LE(CHECK_CAPABILITIES, 0)
  fixed.writeUInt32LE(0x01000000, 4)
  fixed.writeUInt8(UTF8_GENERAL_CI, 8)
  const name = Buffer.from(`${user}\0`, 'utf8')
  return mysqlPacket(1, Buffer.concat([fixed, name, Buffer.from([0])]))
}

/** COM_QUERY with `sql`, sequence 0. */
export function queryPacket(sql: string): Buffer {
  return mysqlPacket(0, Buffer.concat([Buffer.from([0x03]), Buffer.from(sql, 'utf8')]))
}

/** COM_QUIT, so the server does not log an aborted connection. */
export function quitPacket(): Buffer {
  return mysqlPacket(0, Buffer.from([0x01]))
}

/**
 * Bytes the server sends for {@link ROLE_QUERY} up to and including the row: column count (5),
 * column definition for a one-letter alias (4 + 23), EOF (9), the row (4 + 1 + label).
 */
export function roleResponseBytes(): number {
  return 5 + (4 + 23) + 9 + (4 + 1 + PRIMARY_LABEL.length)
}

/** The `tcp-check` rules that pass only on a node answering `label` to {@link ROLE_QUERY}. */
export function roleCheckRules(checkUser: string, label: string): string[] {
  return [
    'option tcp-check',
    'tcp-check connect',
    // Greeting: protocol version 10 right after the 4-byte header.
    'tcp-check expect min-recv 5 binary 0a',
    `tcp-check send-binary ${loginPacket(checkUser).toString('hex')}`,
    // OK packet (0x00) with sequence id 2; an ERR (0xff) fails here.
    'tcp-check expect min-recv 5 rbinary ^.{6}0200',
    `tcp-check send-binary ${queryPacket(ROLE_QUERY).toString('hex')}`,
    `tcp-check expect min-recv ${roleResponseBytes()} string ${label}`,
    `tcp-check send-binary ${quitPacket().toString('hex')}`,
  ]
}

/** The HAProxy configuration: TCP mode, a write frontend and a read frontend on loopback. */
export function buildHaproxyConfig(options: HaproxyConfigOptions): string {
  const timing = options.timing ?? DEFAULT_CHECK_TIMING
  const serverDefaults =
    `default-server inter ${timing.interMS}ms fall ${timing.fall} rise ${timing.rise}` +
    ' on-marked-down shutdown-sessions'
  const servers = options.nodes.map((n) => `server ${n.name} ${n.host}:${n.port} check`)
  const indent = (lines: readonly string[]): string => lines.map((l) => `    ${l}`).join('\n')
  return `${[
    'global',
    indent([
      `nbthread ${options.threads ?? 1}`,
      'maxconn 2000',
      `stats socket ${options.statsSocket} mode 600 level admin`,
    ]),
    'defaults',
    indent([
      'mode tcp',
      'timeout connect 1s',
      'timeout client 60s',
      'timeout server 60s',
      'timeout check 1s',
      // A failed connection is retried on another server (favourable to HAProxy in a failover).
      'retries 2',
      'option redispatch 1',
    ]),
    'frontend mysql_write',
    indent([`bind 127.0.0.1:${options.writePort}`, 'default_backend primary']),
    'backend primary',
    indent([...roleCheckRules(options.checkUser, PRIMARY_LABEL), serverDefaults, ...servers]),
    'frontend mysql_read',
    indent([`bind 127.0.0.1:${options.readPort}`, 'default_backend replicas']),
    'backend replicas',
    indent([
      'balance roundrobin',
      ...roleCheckRules(options.checkUser, REPLICA_LABEL),
      serverDefaults,
      ...servers,
    ]),
  ].join('\n')}\n`
}

/** One server's state from the runtime API. */
export interface ServerState {
  readonly backend: string
  readonly server: string
  /** `srv_op_state` 2 (running). */
  readonly isUp: boolean
}

/**
 * Parses `show servers state` (format version 1: a version line, a `#` header naming the columns,
 * then one space-separated line per server).
 */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split('\n').map((l) => l.trim())
  const header = lines.find((l) => l.startsWith('#'))
  if (header === undefined) return []
  const columns = header.slice(1).trim().split(/\s+/)
  const at = (name: string): number => {
    const index = columns.indexOf(name)
    if (index < 0) throw new Error(`show servers state has no ${name} column`)
    return index
  }
  const backend = at('be_name')
  const server = at('srv_name')
  const opState = at('srv_op_state')
  return lines
    .filter((l) => l !== '' && !l.startsWith('#') && l.includes(' '))
    .map((l) => l.split(/\s+/))
    .map((f) => ({
      backend: f[backend] ?? '',
      server: f[server] ?? '',
      isUp: f[opState] === '2',
    }))
}

/** Names of the servers UP in `backend`, sorted. */
export function upServers(states: readonly ServerState[], backend: string): string[] {
  return states
    .filter((s) => s.backend === backend && s.isUp)
    .map((s) => s.server)
    .sort()
}
