import { describe, expect, it, vi } from 'vitest'
import {
  checkAutocommit,
  isStatelessStatement,
  leavesNoSessionState,
  resetSession,
  sessionStateOf,
  watchSession,
} from '../../../../adapters/mysql/mysql-session-state.js'
import type {
  ResettableConnection,
  SessionState,
} from '../../../../adapters/mysql/mysql-session-state.js'

const PLAIN = [
  'SELECT id, k, payload FROM bench_items WHERE id = 1234',
  "INSERT INTO bench_writes (mode, payload) VALUES ('replicakit', 'abc-def')",
  'select * from orders where id = ? and total >= -1.5e3',
  '  \n\tSELECT 1',
  'SELECT a FROM t1 WHERE b IN (SELECT b FROM t2) ORDER BY a DESC LIMIT 10',
  'SELECT COUNT(*), MAX(id) FROM t GROUP BY k HAVING COUNT(*) > 1',
  "SELECT 'FOR UPDATE', \"INTO @x\", `lock` FROM t WHERE note = 'GET_LOCK(1); -- @'",
  "SELECT 'it''s' FROM t",
  'INSERT INTO t (a, b) VALUES (1, 2), (3, 4) ON DUPLICATE KEY UPDATE b = VALUES(b)',
  'insert ignore into t set a = 1, b = NOW()',
  'REPLACE INTO t (a) VALUES (1)',
  'UPDATE t SET n = n + 1 WHERE id = 7',
  'DELETE FROM t WHERE id = 7 LIMIT 1',
  'INSERT INTO t SELECT * FROM u WHERE a > 1',
  'SELECT a/2, a*3, a-1 FROM t',
]

const NOT_VOUCHED = [
  '',
  '   ',
  'BEGIN',
  'START TRANSACTION',
  'start transaction read only',
  'COMMIT',
  'SET autocommit = 0',
  'SET @x = 1',
  'SET SESSION sql_mode = ""',
  'SET NAMES utf8mb4',
  'XA START "x"',
  'LOCK TABLES t WRITE',
  'CREATE TEMPORARY TABLE tmp (a INT)',
  'USE other',
  'PREPARE s FROM "SELECT 1"',
  'CALL proc()',
  'DO GET_LOCK("x", 1)',
  'HANDLER t OPEN',
  'SELECT * FROM t FOR UPDATE',
  'SELECT * FROM t LOCK IN SHARE MODE',
  'SELECT a INTO @x FROM t',
  'SELECT a FROM t INTO OUTFILE "/tmp/x"',
  'UPDATE t SET a = 1 INTO @x',
  "SELECT GET_LOCK('x', 1)",
  "select release_lock('x')",
  'SELECT RELEASE_ALL_LOCKS()',
  "SELECT IS_USED_LOCK('x'), IS_FREE_LOCK('x')",
  'SELECT LAST_INSERT_ID()',
  'INSERT INTO t (a) VALUES (LAST_INSERT_ID(5))',
  'SELECT NEXTVAL(s)',
  'INSERT INTO t VALUES (NEXT VALUE FOR s)',
  'SELECT PREVIOUS VALUE FOR s',
  'SELECT SETVAL(s, 5), LASTVAL(s)',
  'SELECT SQL_CALC_FOUND_ROWS * FROM t',
  'SELECT FOUND_ROWS()',
  'SELECT ROW_COUNT()',
  'SELECT 1; SET @x = 1',
  'SELECT 1;',
  'SELECT @x',
  'SELECT @@autocommit',
  'SELECT a := 1',
  'SELECT 1 -- comment',
  'SELECT 1 # comment',
  'SELECT 1 /* comment */',
  '/*!40101 SET @x = 1 */ SELECT 1',
  'SELECT 1 */',
  "SELECT 'a\\'; SET @x = 1; -- '",
  "SELECT 'unterminated",
  'SELECT `unterminated',
  'SELECT naïve FROM t',
  '(SELECT 1)',
  'WITH c AS (SELECT 1) SELECT * FROM c',
  'SHOW TABLES',
  'SELECT\u0000 1',
  'SELECTED * FROM t',
]

describe('isStatelessStatement', () => {
  it.each(PLAIN)('vouches for the plain statement %j', (sql) => {
    expect(isStatelessStatement(sql)).toBe(true)
  })

  it.each(NOT_VOUCHED)('does not vouch for %j', (sql) => {
    expect(isStatelessStatement(sql)).toBe(false)
  })

  it('allows INTO only after INSERT or REPLACE', () => {
    expect(isStatelessStatement('INSERT INTO t VALUES (1)')).toBe(true)
    expect(isStatelessStatement('REPLACE into t VALUES (1)')).toBe(true)
    expect(isStatelessStatement('SELECT 1 INTO @x')).toBe(false)
    expect(isStatelessStatement('SELECT 1 INTO DUMPFILE "x"')).toBe(false)
    expect(isStatelessStatement('DELETE FROM t WHERE into_x = 1')).toBe(true) // a word, not INTO
  })

  it('takes an unterminated or backslash-escaped quoted run as not plain (NO_BACKSLASH_ESCAPES)', () => {
    expect(isStatelessStatement("SELECT 'a\\' FROM t")).toBe(false)
    expect(isStatelessStatement("SELECT 'a'' FROM t")).toBe(false)
    expect(isStatelessStatement("SELECT 'a''b' FROM t")).toBe(true)
  })
})

describe('leavesNoSessionState', () => {
  it.each(PLAIN)('accepts the plain statement %j', (sql) => {
    expect(leavesNoSessionState(sql)).toBe(true)
  })

  it.each([
    'SELECT @x',
    'SELECT @@autocommit AS autocommit',
    '/* list orders */ SELECT * FROM orders',
    'SHOW TABLES',
    'DESCRIBE orders',
    'WITH c AS (SELECT 1) SELECT * FROM c',
    '(SELECT 1) UNION (SELECT 2)',
    'SELECT 1; SELECT 2',
    'SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP "2024-01-01"',
  ])('accepts the plain read %j through statementKind', (sql) => {
    expect(leavesNoSessionState(sql)).toBe(true)
  })

  it.each([
    'BEGIN',
    'SET @x = 1',
    'SET autocommit = 0',
    'SELECT 1; SET @x = 1',
    '/* replicakit:primary */ SELECT my_function_that_sets_variables()',
    'SELECT GET_LOCK("x", 1)',
    'SELECT @x := 1',
    'SHOW VARIABLES',
    'CREATE TEMPORARY TABLE tmp (a INT)',
    'INSERT INTO t VALUES (1); BEGIN',
    "SELECT 'a\\'; BEGIN; -- '",
    '/*!40101 SET @x = 1 */ SELECT 1',
  ])('refuses %j', (sql) => {
    expect(leavesNoSessionState(sql)).toBe(false)
  })
})

/** A mysql2-like command of class `name`. */
function command(name: string, fields: Record<string, unknown> = {}): object {
  const Command = {
    [name]: class {
      readonly tag = name
    },
  }[name]
  if (Command === undefined) throw new Error('no class')
  return Object.assign(new Command(), fields)
}

function fakeCore(): { core: object; added: unknown[]; self: unknown[] } {
  const added: unknown[] = []
  const self: unknown[] = []
  const core = {
    addCommand(this: unknown, cmd: unknown): unknown {
      added.push(cmd)
      self.push(this)
      return cmd
    },
  }
  return { core, added, self }
}

describe('watchSession', () => {
  it('passes every command on to the connection, with the connection as `this`', () => {
    const { core, added, self } = fakeCore()
    watchSession(core)
    const cmd = command('Query', { sql: 'SELECT 1' })
    expect((core as { addCommand(c: unknown): unknown }).addCommand(cmd)).toBe(cmd)
    expect(added).toEqual([cmd])
    expect(self).toEqual([core])
  })

  it('installs once: a second call returns the same state', () => {
    const { core, added } = fakeCore()
    const state = watchSession(core)
    expect(watchSession(core)).toBe(state)
    expect(sessionStateOf(core)).toBe(state)
    ;(core as { addCommand(c: unknown): unknown }).addCommand(command('Ping'))
    expect(added).toHaveLength(1)
  })

  it('stays clean through plain statements, pings and prepared-statement housekeeping', () => {
    const { core } = fakeCore()
    const state = watchSession(core)
    const send = (core as { addCommand(c: unknown): unknown }).addCommand.bind(core)
    send(command('Query', { sql: 'SELECT id FROM t WHERE id = 1' }))
    send(command('Prepare', { query: 'BEGIN' })) // preparing runs nothing
    send(command('Execute', { sql: 'INSERT INTO t VALUES (?)' }))
    send(command('Execute', { statement: { query: 'SELECT ?' } }))
    send(command('CloseStatement'))
    send(command('Ping'))
    expect(state).toMatchObject({ dirty: false, unusable: false })
  })

  it.each([
    ['a statement that opens a transaction', command('Query', { sql: 'START TRANSACTION' })],
    ['an executed SET', command('Execute', { sql: 'SET @x = ?' })],
    ['a statement without SQL text', command('Execute', {})],
    ['a reset-worthy command it does not know', command('SomethingNew')],
  ])('marks the session dirty after %s', (_what, cmd) => {
    const { core } = fakeCore()
    const state = watchSession(core)
    ;(core as { addCommand(c: unknown): unknown }).addCommand(cmd)
    expect(state).toMatchObject({ dirty: true, unusable: false })
  })

  it('marks the session unusable after changeUser, even once dirty', () => {
    const { core } = fakeCore()
    const state = watchSession(core)
    const send = (core as { addCommand(c: unknown): unknown }).addCommand.bind(core)
    send(command('Query', { sql: 'SET @x = 1' }))
    send(command('ChangeUser'))
    expect(state).toMatchObject({ dirty: true, unusable: true })
  })

  it('never trusts an object it cannot hook', () => {
    const state = watchSession({})
    expect(state.unusable).toBe(true)
  })
})

describe('checkAutocommit and resetSession', () => {
  function resettable(answer: { error?: Error; rows?: unknown }): {
    core: ResettableConnection
    calls: string[]
    finishReset: (error: unknown) => void
  } {
    const calls: string[] = []
    let pending: ((error: unknown) => void) | undefined
    const core: ResettableConnection = {
      reset(callback) {
        calls.push('reset')
        pending = callback
      },
      query(sql, callback) {
        calls.push(sql)
        callback(answer.error ?? null, answer.rows)
      },
    }
    return {
      core,
      calls,
      finishReset: (error) => {
        pending?.(error)
      },
    }
  }

  it('trusts autocommit only when the session says 1', () => {
    const state: SessionState = { dirty: false, unusable: false, autocommit: false }
    checkAutocommit(resettable({ rows: [{ autocommit: 1 }] }).core, state)
    expect(state.autocommit).toBe(true)
    checkAutocommit(resettable({ rows: [{ autocommit: 0 }] }).core, state)
    expect(state.autocommit).toBe(false)
    checkAutocommit(resettable({ rows: [{ autocommit: 1 }] }).core, state)
    checkAutocommit(resettable({ error: new Error('gone') }).core, state)
    expect(state.autocommit).toBe(false)
  })

  it('queues the reset, then a fresh autocommit check, and counts the session clean from then on', () => {
    const { core, calls, finishReset } = resettable({ rows: [{ autocommit: 1 }] })
    const state: SessionState = { dirty: true, unusable: false, autocommit: true }
    const done = vi.fn()
    resetSession(core, state, done)
    expect(calls).toEqual(['reset', 'SELECT @@autocommit AS autocommit'])
    expect(state.dirty).toBe(false)
    expect(done).not.toHaveBeenCalled()
    const failure = new Error('reset failed')
    finishReset(failure)
    expect(done).toHaveBeenCalledWith(failure)
  })
})
