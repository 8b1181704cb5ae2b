/**
 * The mysql2 internals the MySQL adapter reads, in one place. mysql2's public API has no way to tell
 * whether a pool has an idle connection, whether a connection is broken, which server flavour it
 * talks to, or to watch the commands sent on a connection (session hygiene), so the adapter reads
 * these private fields. They are pinned: package.json allows only the mysql2 range tested here, and
 * `test/unit/adapters/mysql/mysql-internals.test.ts` fails loudly when an installed mysql2 lacks one.
 */
import type { Pool } from 'mysql2/promise'

/** The mysql2 version range these internals were checked against (package.json peer range). */
export const MYSQL2_TESTED_RANGE = '~3.24.0'

/** Private fields of a mysql2 core pool (`promisePool.pool`). */
export const POOL_FIELDS = ['_closed', '_freeConnections'] as const
/** Private fields and methods of a mysql2 core connection (`promiseConnection.connection`). */
export const CONNECTION_FIELDS = [
  'stream',
  '_command',
  '_fatalError',
  '_protocolError',
  'addCommand',
] as const
/** Set only once a connection closes (so checked in mysql2's source, not on a live object). */
export const CLOSING_FIELD = '_closing'
/** Set from the server's handshake (true for MariaDB). */
export const HANDSHAKE_FIELDS = ['_isMariaDB'] as const

/** What the acquire fast path needs to know of a pool. */
export interface PoolState {
  readonly closed: boolean
  /** Connections waiting in the pool, ready to lend at once. */
  readonly idleConnections: number
}

interface CorePoolState {
  readonly _closed?: boolean
  readonly _freeConnections?: { readonly length: number }
}

/** Reads a pool's state from its mysql2 internals ({@link POOL_FIELDS}). */
export function readPoolState(pool: Pool): PoolState {
  const core = pool.pool as unknown as CorePoolState
  return { closed: core._closed === true, idleConnections: core._freeConnections?.length ?? 0 }
}

/** The names in `fields` that `target` lacks (own or inherited), for the internals test. */
export function missingFields(target: object, fields: readonly string[]): string[] {
  return fields.filter((field) => !(field in target))
}
