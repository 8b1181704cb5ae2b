/**
 * Classifies SQL text for routing: a plain read may go wherever the read preference allows, anything
 * else must run on the primary. Pure: a small lexer (comments, strings, quoted identifiers,
 * executable comments) and keyword rules, no SQL parser. When in doubt the answer is `write`, the
 * safe side: a read sent to the primary is merely slower, a write sent to a replica fails or, on a
 * replica that is not read-only, diverges it.
 *
 * @see https://mariadb.com/kb/en/comment-syntax/
 * @see https://dev.mysql.com/doc/refman/8.0/en/select.html (locking reads, `INTO`)
 */

/** Where a statement may run: `read` = any node the read preference allows, `write` = the primary. */
export const StatementKind = {
  Read: 'read',
  Write: 'write',
} as const

/** One of the values of {@link StatementKind}. */
export type StatementKind = (typeof StatementKind)[keyof typeof StatementKind]

/**
 * A comment that sends any statement to the primary: `/* replicakit:primary *\/ SELECT …`. For reads
 * whose side effects the classifier cannot see (stored functions that write) or that must see the
 * latest data.
 */
export const FORCE_PRIMARY_HINT = 'replicakit:primary'

/**
 * Functions that change state or depend on the session that ran an earlier statement: a `SELECT`
 * calling one is routed to the primary.
 */
const PRIMARY_FUNCTIONS: ReadonlySet<string> = new Set([
  // User-level locks live on one server and one session.
  'GET_LOCK',
  'RELEASE_LOCK',
  'RELEASE_ALL_LOCKS',
  'IS_FREE_LOCK',
  'IS_USED_LOCK',
  // Sequences (MariaDB): NEXTVAL/SETVAL write; LASTVAL is per session.
  'NEXTVAL',
  'SETVAL',
  'LASTVAL',
  // Results of the session's previous statement.
  'LAST_INSERT_ID',
  'FOUND_ROWS',
  'ROW_COUNT',
])

/**
 * System variables that hold the session's last statement's results, like the functions above:
 * `SELECT @@last_insert_id` on a replica would read another session's value.
 */
const PRIMARY_VARIABLES: ReadonlySet<string> = new Set([
  'last_insert_id',
  'identity',
  'insert_id',
  'warning_count',
  'error_count',
])

/** What may follow `SHOW` (after `FULL`/`EXTENDED`) and only describes schema objects. */
const SCHEMA_SHOW_WORDS: ReadonlySet<string> = new Set([
  'TABLES',
  'COLUMNS',
  'FIELDS',
  'INDEX',
  'INDEXES',
  'KEYS',
  'DATABASES',
  'SCHEMAS',
  'TRIGGERS',
  'EVENTS',
  'CHARACTER',
  'CHARSET',
  'COLLATION',
  'CREATE',
])

/** Words that start a statement `EXPLAIN`/`ANALYZE` can wrap. */
const EXPLAINABLE_WORDS: ReadonlySet<string> = new Set([
  'SELECT',
  'WITH',
  'TABLE',
  'VALUES',
  'UPDATE',
  'DELETE',
  'INSERT',
  'REPLACE',
])

const READ_STARTS: ReadonlySet<string> = new Set(['SELECT', 'TABLE', 'VALUES'])
const WRITE_STARTS: ReadonlySet<string> = new Set(['UPDATE', 'DELETE', 'INSERT', 'REPLACE'])

/** A lexical token: `word` (keyword or bare name, upper-cased), `punct`, or an opaque literal. */
interface Token {
  readonly type: 'word' | 'punct' | 'literal'
  readonly text: string
}

/**
 * Whether `sql` is a plain read (`read`) or must run on the primary (`write`).
 *
 * `read`: `SELECT`, `WITH … SELECT`, `TABLE`, `VALUES`, a parenthesised `SELECT`/`UNION`, `SHOW` of
 * schema objects (tables, columns, indexes, `CREATE …`, databases, table status, triggers, events,
 * routines' status, character sets, collations), `DESCRIBE`/`DESC`, and `EXPLAIN`/`ANALYZE` of a read.
 * Several statements separated by `;` are a read only if every one is.
 *
 * `write`: everything else, including a `SELECT` with a locking clause (`FOR UPDATE`, `FOR SHARE`,
 * `LOCK IN SHARE MODE`), `INTO` (`OUTFILE`, `DUMPFILE`, variables), `SQL_CALC_FOUND_ROWS`, a `:=`
 * assignment, `NEXT VALUE FOR`/`PREVIOUS VALUE FOR`, a call to a lock, sequence or
 * previous-statement function ({@link PRIMARY_FUNCTIONS}), other `SHOW` forms (warnings, status,
 * variables, process list, replication: the answer depends on the node or session), `EXPLAIN` of a
 * write, any statement carrying the {@link FORCE_PRIMARY_HINT} comment, and anything unrecognised or
 * empty. Executable comments (`/*! … *\/`, `/*M! … *\/`) are read as SQL, since the server runs them.
 *
 * A `SELECT` that calls a stored function with side effects cannot be recognised: mark it with
 * `/* replicakit:primary *\/`.
 *
 * ```ts
 * statementKind('/* list *\/ SELECT * FROM orders') // 'read'
 * statementKind('SELECT * FROM orders FOR UPDATE')  // 'write'
 * ```
 */
export function statementKind(sql: string): StatementKind {
  const { tokens, forcePrimary } = tokenize(sql)
  if (forcePrimary) return StatementKind.Write
  const statements: Token[][] = [[]]
  for (const token of tokens) {
    if (token.type === 'punct' && token.text === ';') statements.push([])
    else statements[statements.length - 1]?.push(token)
  }
  const nonEmpty = statements.filter((s) => s.length > 0)
  if (nonEmpty.length === 0) return StatementKind.Write
  return nonEmpty.every((s) => kindOf(s) === StatementKind.Read)
    ? StatementKind.Read
    : StatementKind.Write
}

/** The kind of one statement (no `;` inside). */
function kindOf(tokens: readonly Token[]): StatementKind {
  let i = 0
  while (isPunct(tokens[i], '(')) i++
  const first = tokens[i]
  if (first?.type !== 'word') return StatementKind.Write
  const rest = tokens.slice(i + 1)
  let base: StatementKind
  if (READ_STARTS.has(first.text)) base = StatementKind.Read
  else if (first.text === 'WITH') base = withKind(rest)
  else if (first.text === 'SHOW') base = showKind(rest)
  else if (first.text === 'EXPLAIN' || first.text === 'DESCRIBE' || first.text === 'DESC') {
    base = explainKind(rest, true)
  } else if (first.text === 'ANALYZE') base = explainKind(rest, false)
  else base = StatementKind.Write
  return base === StatementKind.Read && hasPrimaryOnlyClause(tokens) ? StatementKind.Write : base
}

/** `WITH [RECURSIVE] cte AS (…), … <main>`: the kind of the main statement (first word at depth 0). */
function withKind(tokens: readonly Token[]): StatementKind {
  let depth = 0
  for (const token of tokens) {
    if (token.type === 'punct') {
      if (token.text === '(') depth++
      else if (token.text === ')') depth--
    } else if (token.type === 'word' && depth === 0) {
      if (READ_STARTS.has(token.text)) return StatementKind.Read
      if (WRITE_STARTS.has(token.text)) return StatementKind.Write
    }
  }
  return StatementKind.Write
}

/** `SHOW …`: a read only when it describes schema objects. */
function showKind(tokens: readonly Token[]): StatementKind {
  const words = tokens.filter((t) => t.type === 'word').map((t) => t.text)
  let i = 0
  while (words[i] === 'FULL' || words[i] === 'EXTENDED') i++
  const word = words[i]
  const next = words[i + 1]
  if (word === undefined) return StatementKind.Write
  if (SCHEMA_SHOW_WORDS.has(word)) return StatementKind.Read
  if (word === 'TABLE' && next === 'STATUS') return StatementKind.Read
  if ((word === 'FUNCTION' || word === 'PROCEDURE') && (next === 'STATUS' || next === 'CODE')) {
    return StatementKind.Read
  }
  return StatementKind.Write
}

/**
 * `EXPLAIN`/`DESCRIBE`/`ANALYZE [options] <statement>` has the kind of the statement (`EXPLAIN
 * ANALYZE` and MariaDB `ANALYZE` run it). `EXPLAIN t`/`DESCRIBE t [col]` (`describesTables`) read a
 * table's columns; MariaDB `ANALYZE TABLE` writes statistics.
 */
function explainKind(tokens: readonly Token[], describesTables: boolean): StatementKind {
  let i = 0
  for (;;) {
    const word = tokens[i]?.type === 'word' ? tokens[i]?.text : undefined
    if (word === 'EXTENDED' || word === 'PARTITIONS' || word === 'ANALYZE') i++
    else if (word === 'FORMAT' && isPunct(tokens[i + 1], '=')) i += 3
    else break
  }
  const next = tokens[i]
  if (next === undefined) return StatementKind.Write
  // MariaDB `ANALYZE TABLE t` updates statistics (binlogged); MySQL `EXPLAIN TABLE t` explains a read.
  if (!describesTables && isWord(next, 'TABLE')) return StatementKind.Write
  if (isPunct(next, '(') || (next.type === 'word' && EXPLAINABLE_WORDS.has(next.text))) {
    return kindOf(tokens.slice(i))
  }
  // EXPLAIN FOR CONNECTION n describes a session on one server.
  if (next.type === 'word' && next.text === 'FOR') return StatementKind.Write
  return describesTables ? StatementKind.Read : StatementKind.Write
}

/** Whether a read-looking statement locks rows, assigns, writes a file or calls a primary-only function. */
function hasPrimaryOnlyClause(tokens: readonly Token[]): boolean {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]
    if (token === undefined) continue
    if (token.type === 'punct') {
      if (token.text === ':=') return true
      continue
    }
    if (token.type !== 'word') continue
    const next = tokens[i + 1]
    const nextWord = next?.type === 'word' ? next.text : undefined
    switch (token.text) {
      case 'INTO':
      case 'SQL_CALC_FOUND_ROWS':
        return true
      case 'FOR':
        if (nextWord === 'UPDATE' || nextWord === 'SHARE') return true
        break
      case 'LOCK':
        if (nextWord === 'IN') return true
        break
      case 'NEXT':
      case 'PREVIOUS':
        if (nextWord === 'VALUE' && isWord(tokens[i + 2], 'FOR')) return true
        break
      default:
        if (PRIMARY_FUNCTIONS.has(token.text) && isPunct(next, '(')) return true
    }
  }
  return false
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.type === 'punct' && token.text === text
}

function isWord(token: Token | undefined, text: string): boolean {
  return token?.type === 'word' && token.text === text
}

const WORD_CHAR = /[\p{L}\p{N}_$]/u
const SPACE = /\s/u

/**
 * Splits `sql` into tokens, dropping comments and whitespace. Strings and quoted identifiers become
 * opaque literals (their content never matches a keyword); `@var`/`@@var` are literals too. The
 * inside of an executable comment is tokenized like any SQL.
 */
function tokenize(sql: string): { tokens: Token[]; forcePrimary: boolean } {
  const tokens: Token[] = []
  let forcePrimary = false
  let openExecutable = 0
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql.charAt(i)
    const next = sql.charAt(i + 1)
    if (SPACE.test(c)) {
      i++
    } else if (c === '#' || (c === '-' && next === '-' && isCommentDashEnd(sql.charAt(i + 2)))) {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? n : end + 1
    } else if (c === '/' && next === '*') {
      const executable = /^\/\*(M?)!(\d*)/.exec(sql.slice(i, i + 12))
      if (executable !== null) {
        openExecutable++
        i += executable[0].length
        continue
      }
      const end = sql.indexOf('*/', i + 2)
      const body = sql.slice(i + 2, end === -1 ? n : end)
      if (body.trim().toLowerCase() === FORCE_PRIMARY_HINT) forcePrimary = true
      i = end === -1 ? n : end + 2
    } else if (c === '*' && next === '/' && openExecutable > 0) {
      openExecutable--
      i += 2
    } else if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i, c)
      tokens.push({ type: 'literal', text: c })
    } else if (c === '@') {
      i++
      const system = sql.charAt(i) === '@'
      if (system) i++
      const quote = sql.charAt(i)
      const start = i
      if (quote === "'" || quote === '"' || quote === '`') i = skipQuoted(sql, i, quote)
      else while (i < n && (WORD_CHAR.test(sql.charAt(i)) || sql.charAt(i) === '.')) i++
      const name = sql
        .slice(start, i)
        .toLowerCase()
        .replace(/^session\./, '')
      if (system && PRIMARY_VARIABLES.has(name)) forcePrimary = true
      tokens.push({ type: 'literal', text: '@' })
    } else if (WORD_CHAR.test(c)) {
      const start = i
      while (i < n && WORD_CHAR.test(sql.charAt(i))) i++
      tokens.push({ type: 'word', text: sql.slice(start, i).toUpperCase() })
    } else if (c === ':' && next === '=') {
      tokens.push({ type: 'punct', text: ':=' })
      i += 2
    } else {
      tokens.push({ type: 'punct', text: c })
      i++
    }
  }
  return { tokens, forcePrimary }
}

/** `--` starts a comment only when followed by whitespace, a control character or the end. */
function isCommentDashEnd(c: string): boolean {
  return c === '' || SPACE.test(c) || c.charCodeAt(0) < 32
}

/** Returns the index after the quoted run starting at `start` (backslash escapes, doubled quotes). */
function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1
  while (i < sql.length) {
    const c = sql.charAt(i)
    if (c === '\\' && quote !== '`') {
      i += 2
    } else if (c === quote) {
      if (sql.charAt(i + 1) === quote) i += 2
      else return i + 1
    } else {
      i++
    }
  }
  return sql.length
}
