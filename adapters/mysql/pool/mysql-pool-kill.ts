/**
 * `KILL [QUERY|CONNECTION] <id>` sent through the mysql2-compatible pool. A server id
 * (`CONNECTION_ID()`, mysql2's `threadId`) names a session on one node only, and ids repeat across
 * nodes, so the pool runs the `KILL` only where a session of this pool that carries the id lives:
 * a pool connection bound to one physical session (see `MysqlPoolConnection.threadId`). An id the
 * pool does not hold, or holds on two nodes at once, is refused before anything is sent.
 */
import type { FieldPacket, QueryResult } from 'mysql2/promise'
import { ErrorCode, OperationError } from '../../../src/index.js'
import { formatNodeAddress } from '../../../src/adapter.js'
import type { MysqlConnection } from '../mysql-adapter.js'
import { coreOf } from '../mysql-sockets.js'
import type { PoolContext, Statement } from './mysql-pool-statement.js'

/** `KILL [HARD|SOFT] [QUERY|CONNECTION] <id>` (not `KILL QUERY ID <query id>`, not `KILL USER`). */
const KILL = /^\s*kill\s+(?:(?:hard|soft)\s+)?(?:(query|connection)\s+)?(\d+)\s*;?\s*$/i
const KILL_ANY = /^\s*kill\b/i

/** What a `KILL` statement names. */
export interface KillStatement {
  readonly what: 'query' | 'connection'
  readonly threadId: number
}

/**
 * The `KILL` a statement is, `null` for a `KILL` form the pool cannot route (`KILL QUERY ID`,
 * `KILL USER`, a placeholder), or `undefined` for any other statement.
 */
export function parseKill(text: string): KillStatement | null | undefined {
  if (!KILL_ANY.test(text)) return undefined
  const match = KILL.exec(text)
  if (match === null) return null
  return {
    what: match[1]?.toLowerCase() === 'query' ? 'query' : 'connection',
    threadId: Number(match[2]),
  }
}

function refuse(message: string): OperationError {
  return new OperationError(message, { code: ErrorCode.NotSupported })
}

/**
 * Runs a `KILL` on the node of the pool session that carries its id. Refuses (`NOT_SUPPORTED`,
 * nothing sent) an id no bound session of this pool has, an id two of them have (on two nodes), and
 * a session whose node is no longer the primary (bound sessions live on the primary).
 */
export async function runKill(
  context: PoolContext,
  statement: Statement,
  kill: KillStatement | null,
): Promise<[QueryResult, FieldPacket[]]> {
  if (kill === null) {
    throw refuse(
      `the pool routes KILL [QUERY|CONNECTION] <id> only, with a literal id: ${statement.text.trim()}`,
    )
  }
  const holders = context.leases.withThreadId(kill.threadId)
  const nodes = [...new Set(holders.map((lease) => lease.node))]
  if (nodes.length === 0) {
    throw refuse(
      `KILL ${kill.what.toUpperCase()} ${String(kill.threadId)}: no connection of this pool holds a session ` +
        'with that id, so the pool cannot tell which node it is on (ids repeat across nodes). Take the ' +
        "id from a pool connection's threadId (or SELECT CONNECTION_ID() on that connection)",
    )
  }
  if (nodes.length > 1) {
    throw refuse(
      `KILL ${kill.what.toUpperCase()} ${String(kill.threadId)}: sessions with that id are open on ` +
        `${nodes.join(' and ')}; refusing to guess which one to kill`,
    )
  }
  const node = nodes[0]
  const primary = context.client.topology().primary
  if (node !== primary) {
    throw refuse(
      `KILL ${kill.what.toUpperCase()} ${String(kill.threadId)}: the session is on ${node ?? '?'}, ` +
        `which is no longer the primary (${primary ?? 'none known'}); it cannot be reached through the pool`,
    )
  }
  const sql = `KILL ${kill.what.toUpperCase()} ${String(kill.threadId)}`
  return context.leases.outside(() =>
    context.client.write((conn: MysqlConnection) => {
      // The primary may have changed since the check: never send the id to another node.
      const config = (coreOf(conn) as { config?: { host?: string; port?: number } } | undefined)
        ?.config
      const on =
        config === undefined ? undefined : formatNodeAddress(config.host ?? '', config.port ?? 0)
      if (on !== undefined && on !== node) {
        return Promise.reject(
          refuse(
            `KILL ${kill.what.toUpperCase()} ${String(kill.threadId)}: the session is on ${node}, the primary is now ${on}`,
          ),
        )
      }
      return conn.query(sql)
    }),
  )
}
