import type { AdapterSessions, CausalToken } from '../adapter.js'

/**
 * A causally consistent session: a later read through the same session sees the session's earlier
 * writes, even on a replica (read-your-writes). How depends on the backend: MySQL remembers the
 * position (GTID) of the session's last write and makes replica reads wait for it; MongoDB uses a
 * driver session (`ClientSession`) with causal consistency. Sessions are cheap and hold no
 * connection; {@link Session.end} releases a driver session where one was started.
 *
 * ```ts
 * const session = db.startSession()
 * await db.write(conn => conn.query('INSERT INTO t VALUES (1)'), { session })
 * await db.read(conn => conn.query('SELECT * FROM t'), { session, readPreference: 'secondary' }) // sees the row
 * await session.end()
 * ```
 */
export class Session {
  #token: CausalToken | null = null
  readonly #sessions: AdapterSessions | undefined
  #native: unknown
  #ended = false

  /** @internal Use `db.startSession()`. */
  constructor(sessions?: AdapterSessions) {
    this.#sessions = sessions
  }

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

  /** The driver session behind this one (started on first use), or `undefined` when none applies. @internal */
  nativeSession(): unknown {
    if (this.#sessions === undefined || this.#ended) return undefined
    this.#native ??= this.#sessions.start()
    return this.#native
  }

  /** Ends the driver session behind this one, if any was started. Idempotent; never throws. */
  async end(): Promise<void> {
    if (this.#ended) return
    this.#ended = true
    const native: unknown = this.#native
    this.#native = undefined
    if (native !== undefined && this.#sessions !== undefined) await this.#sessions.end(native)
  }
}
