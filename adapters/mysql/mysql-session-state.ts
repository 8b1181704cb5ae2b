/**
 * Session hygiene of pooled MySQL connections: which borrowed connections must be reset
 * (`COM_RESET_CONNECTION`) before anyone else borrows them.
 *
 * Resetting every connection on release costs a round trip per call, and mysql2 then clears its
 * prepared-statement cache (about 90 µs of CPU each time). Most borrows need no reset: a point read
 * or a single autocommit insert leaves nothing behind in the session. So every command sent on a
 * pooled connection is looked at as it is queued (one hook per physical connection), and the
 * connection is marked dirty unless the command is known to leave no session state:
 *
 * - clean: pings, prepared-statement housekeeping (prepare, close), statements
 *   {@link isStatelessStatement} accepts (one plain `SELECT`, `INSERT`, `REPLACE`, `UPDATE` or
 *   `DELETE`), and plain reads as `statementKind` sees them (`SHOW TABLES`, `WITH … SELECT`, a
 *   commented `SELECT`, …);
 * - dirty, so reset before the next borrow: everything else — `BEGIN`/`START TRANSACTION`/`XA`,
 *   `SET` (session or user variables, `autocommit`), `LOCK TABLES`, `GET_LOCK()`, sequences,
 *   temporary tables, `USE`, `PREPARE`, `CALL`, a locking read, several statements at once, a
 *   text with a backslash, a statement marked `/* replicakit:primary *\/`, anything not recognised;
 * - destroyed instead: after `changeUser` (a reset keeps the other user) or a replication command.
 *
 * Both rules assume autocommit: a session whose `@@autocommit` is not known to be 1 (checked when
 * the connection is made and after each reset: the server default and `init_connect` decide it) is
 * always reset, since there every statement opens a transaction.
 *
 * What is guaranteed: no borrower gets a connection on which another borrower left an open
 * transaction, session or user variables, named or table locks, temporary tables or another
 * default schema. What is not: session state changed inside a stored function or trigger that a
 * plain statement runs (mark such a statement with `/* replicakit:primary *\/`, which makes it
 * dirty), and `LAST_INSERT_ID()`/`ROW_COUNT()`/`FOUND_ROWS()`/`@@last_gtid`, which describe the
 * session's previous statement (read the result of your own statement instead). Prepared
 * statements stay prepared across borrows, as in a plain mysql2 pool.
 */
import { statementKind, StatementKind } from './mysql-statement-kind.js'

/** What must happen to a connection before its next borrower. */
export interface SessionState {
  /** Something sent since the last reset may have left session state: reset before reuse. */
  dirty: boolean
  /** The session cannot be cleaned by a reset (another user): destroy it. */
  unusable: boolean
  /** The session's autocommit is known to be on (checked once per connection). */
  autocommit: boolean
}

/** The mysql2 internals the hook touches. */
interface HookableConnection {
  addCommand(command: unknown): unknown
}

/** The mysql2 core connection calls that clean and check a session. */
export interface ResettableConnection {
  reset(callback: (error: unknown) => void): unknown
  query(sql: string, callback: (error: unknown, rows: unknown) => void): unknown
}

/** The parts of a mysql2 command the hook reads. */
interface CommandLike {
  readonly constructor?: { readonly name?: string }
  readonly sql?: unknown
  readonly statement?: { readonly query?: unknown }
}

const STATES = new WeakMap<object, SessionState>()

/** Protocol commands that leave no session state (mysql2 command class names). */
const CLEAN_COMMANDS: ReadonlySet<string> = new Set([
  'Ping',
  'Prepare',
  'CloseStatement',
  'ResetConnection',
])

/** Protocol commands after which a reset is not enough. */
const UNUSABLE_COMMANDS: ReadonlySet<string> = new Set([
  'ChangeUser',
  'RegisterSlave',
  'BinlogDump',
])

/**
 * Starts watching the commands sent on `core` (a mysql2 core connection), once; returns its state.
 * The hook wraps the connection's own `addCommand` (every command goes through it) and costs one
 * scan of the statement text per query.
 */
export function watchSession(core: object): SessionState {
  let state = STATES.get(core)
  if (state !== undefined) return state
  state = { dirty: false, unusable: false, autocommit: false }
  STATES.set(core, state)
  const hookable = core as Partial<HookableConnection>
  const addCommand = hookable.addCommand
  if (typeof addCommand !== 'function') {
    // Not a mysql2 connection we know: never trust it to be clean.
    state.unusable = true
    return state
  }
  const watched = state
  hookable.addCommand = function (this: unknown, command: unknown): unknown {
    noteCommand(watched, command as CommandLike)
    return addCommand.call(this, command)
  }
  return state
}

/**
 * Queues `SELECT @@autocommit` on `core`: until its answer says autocommit is on, the session
 * counts as needing a reset. Queued before anything a borrower sends, so the answer is in by the
 * time that borrower's own statements have answered.
 */
export function checkAutocommit(core: ResettableConnection, state: SessionState): void {
  state.autocommit = false
  core.query('SELECT @@autocommit AS autocommit', (error: unknown, rows: unknown) => {
    const row = Array.isArray(rows) ? (rows[0] as Record<string, unknown> | undefined) : undefined
    state.autocommit = error == null && Number(row?.['autocommit']) === 1
  })
}

/**
 * Queues `COM_RESET_CONNECTION` on `core` (an open transaction is rolled back; session and user
 * variables, locks, temporary tables and prepared statements go), then a fresh autocommit check
 * (the reset takes the server's current defaults). `done` gets the reset's error, if any. The
 * session counts as clean from now on: whatever is queued after the reset runs after it and is
 * judged on its own.
 */
export function resetSession(
  core: ResettableConnection,
  state: SessionState,
  done: (error: unknown) => void,
): void {
  state.dirty = false
  core.reset(done)
  checkAutocommit(core, state)
}

/** The state of a connection {@link watchSession} watches, if it does. */
export function sessionStateOf(core: object): SessionState | undefined {
  return STATES.get(core)
}

function noteCommand(state: SessionState, command: CommandLike): void {
  const name = command.constructor?.name ?? ''
  if (state.dirty) {
    // Already due for a reset: only a command a reset cannot undo still matters.
    if (UNUSABLE_COMMANDS.has(name)) state.unusable = true
    return
  }
  if (name === 'Query' || name === 'Execute') {
    const sql = typeof command.sql === 'string' ? command.sql : command.statement?.query
    if (typeof sql !== 'string' || !leavesNoSessionState(sql)) state.dirty = true
    return
  }
  if (CLEAN_COMMANDS.has(name)) return
  state.dirty = true
  if (UNUSABLE_COMMANDS.has(name)) state.unusable = true
}

/** Remembered answers of the slow path (statement texts repeat: templates, constant queries). */
/**
 * Answers of the slow path, per statement text: only texts without quoted literals (templates of
 * prepared statements, constant queries), which repeat, and which hold no value (a password in
 * `SET PASSWORD = '…'` is never kept).
 */
const KNOWN = new Map<string, boolean>()
const KNOWN_LIMIT = 512

/**
 * Whether running `sql` with autocommit on leaves the session as it was (apart from the
 * previous-statement functions). First {@link isStatelessStatement}, a one-pass scan; then, for
 * what it cannot vouch for, `statementKind` (a plain read qualifies). A text with a backslash is
 * never vouched for: whether `\'` ends a string depends on the server's `NO_BACKSLASH_ESCAPES`.
 */
export function leavesNoSessionState(sql: string): boolean {
  if (isStatelessStatement(sql)) return true
  const known = KNOWN.get(sql)
  if (known !== undefined) return known
  const clean = !sql.includes('\\') && statementKind(sql) === StatementKind.Read
  if (!sql.includes("'") && !sql.includes('"')) {
    if (KNOWN.size >= KNOWN_LIMIT) KNOWN.clear()
    KNOWN.set(sql, clean)
  }
  return clean
}

/** Words that may leave state in the session, by length (see {@link isStatelessStatement}). */
const STATEFUL_WORDS: readonly (readonly string[] | undefined)[] = wordsByLength([
  // Locking clauses (FOR UPDATE / FOR SHARE, LOCK IN SHARE MODE): not worth understanding here.
  'FOR',
  'LOCK',
  // Files and variables as targets (INTO is allowed after INSERT and REPLACE only).
  'INTO',
  'OUTFILE',
  'DUMPFILE',
  // State the session keeps: FOUND_ROWS, sequences' LASTVAL, LAST_INSERT_ID(expr), named locks.
  'SQL_CALC_FOUND_ROWS',
  'NEXT',
  'PREVIOUS',
  'NEXTVAL',
  'SETVAL',
  'LASTVAL',
  'LAST_INSERT_ID',
  'FOUND_ROWS',
  'ROW_COUNT',
  'GET_LOCK',
  'RELEASE_LOCK',
  'RELEASE_ALL_LOCKS',
  'IS_FREE_LOCK',
  'IS_USED_LOCK',
])

/** What a statement's first word allows: 0 = not a plain statement, 1 = `INTO` refused, 2 = allowed. */
const STARTS: readonly (readonly [string, 1 | 2])[] = [
  ['SELECT', 1],
  ['UPDATE', 1],
  ['DELETE', 1],
  ['INSERT', 2],
  ['REPLACE', 2],
]

/**
 * A fast, conservative check that `sql` is one plain statement that leaves no session state under
 * autocommit. One pass, no allocation:
 *
 * - the first word is `SELECT`, `INSERT`, `REPLACE`, `UPDATE` or `DELETE` (nothing before it but
 *   whitespace);
 * - outside quoted runs there is only printable ASCII and no `;` (one statement), `#`, `--`, `/*`
 *   or `*\/` (comments, executable ones included), `@` (variables), `:` (`:=`) or backslash;
 * - no unquoted word is one of the {@link STATEFUL_WORDS} (`INTO` only after `INSERT`/`REPLACE`);
 * - a quoted run (`'…'`, `"…"` or `` `…` ``, a doubled quote inside) may hold anything;
 * - there is no backslash at all: whether `\'` ends a string depends on the server's
 *   `NO_BACKSLASH_ESCAPES`, so neither reading is trusted.
 *
 * `false` means "not sure", never "stateful".
 */
export function isStatelessStatement(sql: string): boolean {
  // Whether `\'` ends a quoted run depends on the server's NO_BACKSLASH_ESCAPES: refuse both readings.
  if (sql.includes('\\')) return false
  const n = sql.length
  let start: 0 | 1 | 2 = 0
  let i = 0
  while (i < n) {
    const c = sql.charCodeAt(i)
    const kind = c < 0x80 ? CHAR_KINDS[c] : FORBIDDEN
    if (kind === WORD) {
      const from = i
      do i++
      while (i < n && CHAR_KINDS[sql.charCodeAt(i)] === WORD)
      if (start === 0) {
        start = startOf(sql, from, i)
        if (start === 0) return false
      } else if (isStatefulWord(sql, from, i, start)) {
        return false
      }
    } else if (kind === SPACE) {
      i++
    } else if (start === 0 || kind === FORBIDDEN) {
      return false
    } else if (kind === QUOTE) {
      // ' " `: the run ends at the next lone quote of its kind (a doubled one continues it).
      const quote = c === 0x27 ? "'" : c === 0x22 ? '"' : '`'
      let close = sql.indexOf(quote, i + 1)
      while (close !== -1 && sql.charCodeAt(close + 1) === c) close = sql.indexOf(quote, close + 2)
      if (close === -1) return false
      i = close + 1
    } else {
      if (kind === COMMENT_START) {
        const next = i + 1 < n ? sql.charCodeAt(i + 1) : 0
        if (c === 0x2d ? next === 0x2d : c === 0x2f ? next === 0x2a : next === 0x2f) return false
      }
      i++
    }
  }
  return start !== 0
}

const FORBIDDEN = 0
const WORD = 1
const SPACE = 2
const QUOTE = 3
const PUNCTUATION = 4
/** `-`, `/`, `*`: a comment starts or ends if the next character is `-`, `*`, `/` respectively. */
const COMMENT_START = 5

/**
 * The kind of each ASCII character outside quoted runs: `[A-Za-z0-9_$]` make words; control
 * characters other than tab, CR and LF, and `; # @ : \\` are forbidden (several statements,
 * comments, variables, assignments, escapes); other printable ASCII is punctuation.
 */
const CHAR_KINDS: Uint8Array = (() => {
  const kinds = new Uint8Array(128)
  for (let c = 0x21; c < 0x7f; c++) kinds[c] = PUNCTUATION
  for (const c of '0123456789_$') kinds[c.charCodeAt(0)] = WORD
  for (let c = 0x41; c <= 0x5a; c++) kinds[c] = kinds[c + 0x20] = WORD
  for (const c of ' \t\n\r') kinds[c.charCodeAt(0)] = SPACE
  for (const c of `'"\``) kinds[c.charCodeAt(0)] = QUOTE
  for (const c of ';#@:\\') kinds[c.charCodeAt(0)] = FORBIDDEN
  for (const c of '-/*') kinds[c.charCodeAt(0)] = COMMENT_START
  return kinds
})()

function startOf(sql: string, from: number, to: number): 0 | 1 | 2 {
  for (const [word, kind] of STARTS) {
    if (isWord(sql, from, to, word)) return kind
  }
  return 0
}

function isStatefulWord(sql: string, from: number, to: number, start: 1 | 2): boolean {
  const candidates = STATEFUL_WORDS[to - from]
  if (candidates === undefined) return false
  for (const word of candidates) {
    if (isWord(sql, from, to, word)) return word !== 'INTO' || start === 1
  }
  return false
}

/**
 * Whether `sql[from, to)` is `word` (upper-case letters and `_`) in any case. `& 0xdf` upper-cases
 * an ASCII letter and maps no other word character onto a letter or `_`.
 */
function isWord(sql: string, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false
  for (let k = 0; k < word.length; k++) {
    if ((sql.charCodeAt(from + k) & 0xdf) !== word.charCodeAt(k)) return false
  }
  return true
}

function wordsByLength(words: readonly string[]): (readonly string[] | undefined)[] {
  const byLength: string[][] = []
  for (const word of words) (byLength[word.length] ??= []).push(word)
  return byLength
}
