import type { CausalToken } from '../adapter.js'

/**
 * A causally consistent session: it remembers the position of the caller's last write, so a later
 * read through the same session sees it, even on a replica (read-your-writes). Sessions are cheap,
 * hold no connection, and need no closing.
 *
 * ```ts
 * const session = db.startSession()
 * await db.write(conn => conn.query('INSERT INTO t VALUES (1)'), { session })
 * await db.read(conn => conn.query('SELECT * FROM t'), { session, readPreference: 'secondary' }) // sees the row
 * ```
 */
export class Session {
  #token: CausalToken | null = null

  /** The position of the last write made through this session, or `null` before the first. */
  get token(): CausalToken | null {
    return this.#token
  }

  /**
   * Moves the session's position to `token` (after a write, or to carry causality from another
   * session or process). @internal
   */
  advance(token: CausalToken | null): void {
    if (token !== null) this.#token = token
  }
}
