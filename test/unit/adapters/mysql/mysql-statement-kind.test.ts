import { describe, expect, it } from 'vitest'
import {
  FORCE_PRIMARY_HINT,
  StatementKind,
  statementKind,
} from '../../../../adapters/mysql/mysql-statement-kind.js'

describe('statementKind: plain reads', () => {
  it.each([
    'SELECT 1',
    'select * from orders where id = ?',
    '  \n\tSELECT 1',
    'SELECT @@server_id',
    'SELECT @x',
    'SELECT * FROM t WHERE note = "FOR UPDATE"',
    "SELECT 'INTO', 'LOCK IN SHARE MODE', 'get_lock(1)' FROM dual",
    'SELECT `into`, `for` FROM t',
    'SELECT `get_lock`(1)',
    'SELECT a FROM t1 UNION SELECT a FROM t2',
    '(SELECT a FROM t1) UNION (SELECT a FROM t2) ORDER BY a',
    '((SELECT 1))',
    'WITH cte AS (SELECT 1 AS x) SELECT * FROM cte',
    'with recursive r (n) as (select 1 union all select n + 1 from r where n < 5) select * from r',
    'WITH a AS (SELECT 1), b AS (SELECT 2) SELECT * FROM a, b',
    'TABLE orders',
    'VALUES ROW(1, 2), ROW(3, 4)',
    'SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP "2024-01-01"',
    'SELECT SLEEP(0), UUID(), NOW(), CONNECTION_ID()',
    'SELECT MASTER_GTID_WAIT("0-1-5", 1)',
    'SELECT lastval_of_something FROM t',
    'SELECT 1;',
    'SELECT 1; SELECT 2',
    'SELECT /*+ MAX_EXECUTION_TIME(1000) */ * FROM t',
    'SELECT /*!40001 SQL_NO_CACHE */ * FROM t',
    'SELECT 1 -- FOR UPDATE\n',
    'SELECT 1 # INTO OUTFILE "x"',
    'SELECT 1 /* FOR UPDATE */',
    'SELECT "it\\"s FOR UPDATE" FROM t',
    "SELECT 'it''s INTO' FROM t",
    'SELECT a-- 1\nFROM t',
    'SELECT é FROM t',
  ])('%s → read', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Read)
  })
})

describe('statementKind: leading comments and whitespace', () => {
  it.each([
    '/* list orders */ SELECT * FROM orders',
    '-- a comment\nSELECT 1',
    '--\nSELECT 1',
    '# hash comment\nSELECT 1',
    '/* a */ /* b */\n -- c\n SELECT 1',
    '/* multi\nline */SELECT 1',
  ])('%s → read', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Read)
  })

  it('treats an executable comment as the SQL the server runs', () => {
    expect(statementKind('/*!40101 SET NAMES utf8 */')).toBe(StatementKind.Write)
    expect(statementKind('/*M!100100 DELETE FROM t */')).toBe(StatementKind.Write)
    expect(statementKind('/*! SELECT 1 */')).toBe(StatementKind.Read)
  })
})

describe('statementKind: SHOW, DESCRIBE, EXPLAIN, ANALYZE', () => {
  it.each([
    'SHOW TABLES',
    'SHOW FULL TABLES FROM appdb',
    'SHOW COLUMNS FROM orders',
    'SHOW FULL COLUMNS FROM orders',
    'SHOW FIELDS FROM orders',
    'SHOW INDEX FROM orders',
    'SHOW KEYS FROM orders',
    'SHOW CREATE TABLE orders',
    'SHOW CREATE VIEW v',
    'SHOW DATABASES',
    'SHOW TABLE STATUS LIKE "orders"',
    'SHOW TRIGGERS',
    'SHOW FUNCTION STATUS',
    'SHOW PROCEDURE CODE p',
    'SHOW CHARACTER SET',
    'SHOW COLLATION',
    'DESCRIBE orders',
    'DESC orders id',
    'EXPLAIN orders',
    'EXPLAIN SELECT * FROM orders',
    'EXPLAIN FORMAT=JSON SELECT * FROM orders',
    'EXPLAIN EXTENDED SELECT 1',
    'EXPLAIN ANALYZE SELECT * FROM orders',
    'ANALYZE SELECT * FROM orders',
    'ANALYZE FORMAT=JSON SELECT 1',
    'EXPLAIN (SELECT 1) UNION (SELECT 2)',
    'EXPLAIN TABLE orders',
  ])('%s → read', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Read)
  })

  it.each([
    'SHOW WARNINGS',
    'SHOW ERRORS',
    'SHOW COUNT(*) WARNINGS',
    'SHOW STATUS',
    'SHOW SESSION STATUS',
    'SHOW GLOBAL VARIABLES',
    'SHOW VARIABLES LIKE "read_only"',
    'SHOW PROCESSLIST',
    'SHOW FULL PROCESSLIST',
    'SHOW MASTER STATUS',
    'SHOW SLAVE STATUS',
    'SHOW REPLICA STATUS',
    'SHOW BINARY LOGS',
    'SHOW BINLOG EVENTS',
    'SHOW ENGINE INNODB STATUS',
    'SHOW PROFILES',
    'SHOW TABLE',
    'SHOW',
    'EXPLAIN UPDATE orders SET v = 1',
    'EXPLAIN ANALYZE DELETE FROM orders',
    'EXPLAIN FOR CONNECTION 12',
    'EXPLAIN SELECT * FROM orders FOR UPDATE',
    'ANALYZE TABLE orders',
    'ANALYZE NO_WRITE_TO_BINLOG TABLE orders',
    'ANALYZE UPDATE orders SET v = 1',
    'EXPLAIN',
  ])('%s → write', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Write)
  })
})

describe('statementKind: locking and side effects send a SELECT to the primary', () => {
  it.each([
    'SELECT * FROM orders WHERE id = 1 FOR UPDATE',
    'SELECT * FROM orders FOR UPDATE NOWAIT',
    'SELECT * FROM orders FOR UPDATE SKIP LOCKED',
    'select * from orders for update of orders',
    'SELECT * FROM orders FOR SHARE',
    'SELECT * FROM orders LOCK IN SHARE MODE',
    'SELECT * FROM orders\nFOR\n  UPDATE',
    'SELECT * FROM orders /* x */ FOR /* y */ UPDATE',
    '(SELECT * FROM t FOR UPDATE)',
    'SELECT * FROM (SELECT * FROM t FOR UPDATE) x',
    'WITH c AS (SELECT * FROM t FOR UPDATE) SELECT * FROM c',
    'SELECT a INTO @a FROM t',
    'SELECT * FROM t INTO OUTFILE "/tmp/x"',
    'SELECT * INTO DUMPFILE "/tmp/x" FROM t',
    'SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1',
    'SELECT FOUND_ROWS()',
    'SELECT LAST_INSERT_ID()',
    'SELECT ROW_COUNT()',
    'SELECT @@last_insert_id',
    'SELECT @@IDENTITY',
    'SELECT @@session.last_insert_id',
    'SELECT @@warning_count, @@error_count',
    'SELECT GET_LOCK("job", 10)',
    'SELECT get_lock ("job", 10)',
    'SELECT RELEASE_LOCK("job")',
    'SELECT RELEASE_ALL_LOCKS()',
    'SELECT IS_USED_LOCK("job")',
    'SELECT IS_FREE_LOCK("job")',
    'SELECT NEXTVAL(seq)',
    'SELECT SETVAL(seq, 10)',
    'SELECT LASTVAL(seq)',
    'SELECT NEXT VALUE FOR seq',
    'SELECT PREVIOUS VALUE FOR seq',
    'SELECT @x := 1',
    'SELECT @rank := @rank + 1 FROM t',
    'SELECT 1; DELETE FROM t',
    'SELECT 1; SELECT 2 FOR UPDATE',
  ])('%s → write', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Write)
  })
})

describe('statementKind: writes, DDL, session and transaction control', () => {
  it.each([
    'INSERT INTO orders VALUES (1)',
    'insert into orders select * from staging',
    'REPLACE INTO orders VALUES (1)',
    'UPDATE orders SET v = 1',
    'DELETE FROM orders',
    'WITH old AS (SELECT id FROM t) DELETE FROM t WHERE id IN (SELECT id FROM old)',
    'WITH c AS (SELECT 1) UPDATE t SET v = 1',
    'WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c',
    'WITH c AS (SELECT 1)',
    'CREATE TABLE t (id INT)',
    'CREATE TEMPORARY TABLE t (id INT)',
    'ALTER TABLE t ADD COLUMN v INT',
    'DROP TABLE t',
    'TRUNCATE t',
    'RENAME TABLE a TO b',
    'BEGIN',
    'START TRANSACTION',
    'START TRANSACTION READ ONLY',
    'COMMIT',
    'ROLLBACK',
    'SAVEPOINT sp1',
    'RELEASE SAVEPOINT sp1',
    'XA START "x"',
    'SET autocommit = 0',
    'SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    'SET @x = 1',
    'SET NAMES utf8mb4',
    'USE appdb',
    'LOCK TABLES t READ',
    'UNLOCK TABLES',
    'CALL proc()',
    'DO GET_LOCK("x", 1)',
    'HANDLER t OPEN',
    'LOAD DATA INFILE "x" INTO TABLE t',
    'GRANT SELECT ON *.* TO u',
    'FLUSH TABLES',
    'KILL 12',
    'PREPARE s FROM "SELECT 1"',
    'EXECUTE s',
    'CHECKSUM TABLE t',
    'HELP "select"',
    'OPTIMIZE TABLE t',
  ])('%s → write', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Write)
  })
})

describe('statementKind: unknown input is a write (the safe side)', () => {
  it.each([
    '',
    '   ',
    ';',
    ' ; ; ',
    '-- only a comment',
    '/* only a comment */',
    '/* unterminated SELECT 1',
    '"SELECT 1"',
    '`SELECT`',
    '?',
    '(',
    'SELEC 1',
    'select1',
  ])('%j → write', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Write)
  })

  it('does not hang or throw on unterminated strings and identifiers', () => {
    expect(statementKind("SELECT 'abc")).toBe(StatementKind.Read)
    expect(statementKind('SELECT `abc')).toBe(StatementKind.Read)
    expect(statementKind('SELECT "a\\')).toBe(StatementKind.Read)
  })
})

describe('statementKind: forcing the primary', () => {
  it.each([
    `/* ${FORCE_PRIMARY_HINT} */ SELECT 1`,
    `/*${FORCE_PRIMARY_HINT}*/SELECT 1`,
    `SELECT 1 /* REPLICAKIT:PRIMARY */`,
    `SELECT my_function_that_writes() /* ${FORCE_PRIMARY_HINT} */ FROM t`,
  ])('%s → write', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Write)
  })

  it('ignores the hint inside a string or a line comment', () => {
    expect(statementKind(`SELECT '/* ${FORCE_PRIMARY_HINT} */'`)).toBe(StatementKind.Read)
    expect(statementKind(`SELECT 1 -- /* ${FORCE_PRIMARY_HINT} */`)).toBe(StatementKind.Read)
  })
})

describe('statementKind, statement by statement as documented', () => {
  it.each([
    'SHOW TABLES',
    'SHOW FULL TABLES',
    'SHOW COLUMNS FROM t',
    'SHOW FULL FIELDS FROM t',
    'SHOW INDEX FROM t',
    'SHOW INDEXES FROM t',
    'SHOW KEYS FROM t',
    'SHOW DATABASES',
    'SHOW SCHEMAS',
    'SHOW TRIGGERS',
    'SHOW EVENTS',
    'SHOW CHARACTER SET',
    'SHOW CHARSET',
    'SHOW COLLATION',
    'SHOW CREATE TABLE t',
    'SHOW TABLE STATUS',
    'SHOW PROCEDURE STATUS',
    'SHOW FUNCTION STATUS',
    'SHOW EXTENDED COLUMNS FROM t',
    'EXPLAIN SELECT 1',
    'EXPLAIN WITH a AS (SELECT 1) SELECT * FROM a',
    'EXPLAIN TABLE t',
    'EXPLAIN VALUES ROW(1)',
    'ANALYZE SELECT 1',
    'EXPLAIN FORMAT=JSON SELECT 1',
    'EXPLAIN EXTENDED SELECT 1',
    'EXPLAIN t',
    'DESCRIBE t',
    'DESC t',
    'SELECT 1; SELECT 2',
    '(SELECT 1) UNION (SELECT 2)',
    '((SELECT 1))',
    'WITH a AS (SELECT 1) SELECT * FROM a',
    'TABLE t',
    'VALUES ROW(1)',
    '/*! SELECT 1 */',
    '/*M! SELECT 1 */',
    '-- c\nSELECT 1',
    '# c\nSELECT 1',
    'SELECT "a;b"',
    'SELECT `for` FROM t',
    'SELECT value FROM t',
    'SELECT * FROM t WHERE a = "FOR UPDATE"',
    'SELECT a.value FROM t',
  ])('routes %j to any node (read)', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Read)
  })

  it.each([
    'SHOW WARNINGS',
    'SHOW STATUS',
    'SHOW VARIABLES',
    'SHOW PROCESSLIST',
    'SHOW SLAVE STATUS',
    'EXPLAIN UPDATE t SET a=1',
    'EXPLAIN DELETE FROM t',
    'EXPLAIN INSERT INTO t VALUES (1)',
    'EXPLAIN REPLACE INTO t VALUES (1)',
    'ANALYZE DELETE FROM t',
    'ANALYZE TABLE t',
    'SELECT 1; DELETE FROM t',
    ';',
    '',
    'SELECT NEXT VALUE FOR s',
    'SELECT PREVIOUS VALUE FOR s',
    'SELECT NEXTVAL(s)',
    'SELECT LAST_INSERT_ID()',
    'SELECT GET_LOCK("a",1)',
    'SELECT FOUND_ROWS()',
    'SELECT ROW_COUNT()',
    'SELECT @a := 1',
    'SELECT 1 INTO @a',
    'SELECT SQL_CALC_FOUND_ROWS * FROM t',
    'SELECT * FROM t LOCK IN SHARE MODE',
    'SELECT * FROM t FOR SHARE',
    'SELECT * FROM t FOR UPDATE',
    'WITH a AS (SELECT 1) DELETE FROM t',
    '/*!40101 DELETE FROM t */',
    '/* replicakit:primary */ SELECT 1',
    "SELECT 'x' FROM t FOR UPDATE",
    'SELECT RELEASE_LOCK("a")',
    'SELECT RELEASE_ALL_LOCKS()',
    'SELECT IS_FREE_LOCK("a")',
    'SELECT IS_USED_LOCK("a")',
    'SELECT SETVAL(s, 5)',
    'SELECT LASTVAL(s)',
  ])('routes %j to the primary (write)', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Write)
  })
})

describe('statementKind: operators, placeholders and names that look like keywords', () => {
  it.each([
    'SELECT * FROM t WHERE a >= 1 AND b <= 2 AND c != 3 AND d <=> NULL',
    'SELECT * FROM orders WHERE id = :id AND status = :status',
    'SELECT a / b, a * b, COUNT(*) FROM t',
    'SELECT 5--2',
    'SELECT a- 1, a -  1 FROM t',
    'SELECT row_count, found_rows FROM stats',
    'SELECT id FROM t WHERE last_insert_id > 0',
    'SELECT t.lock, t.next, t.previous FROM t',
    'SELECT next value FROM t',
    'SELECT @into, @for, @lock FROM dual',
    'SELECT @@session.sql_mode, @@global.read_only',
    'SELECT @\'my var\', @`other var`, @"third"',
    'SELECT \'\', "" FROM t',
    'SELECT 1; --',
    'SELECT 1;-- done',
    'SELECT 1 /* unterminated',
  ])('%j → read', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Read)
  })

  it.each([
    // Arithmetic is not a comment: the locking clause after it still counts.
    'SELECT a- 1 FROM t FOR UPDATE',
    'SELECT a -  1 FROM t FOR UPDATE',
    'SELECT 1--1 FROM t FOR UPDATE',
    'SELECT a / b FROM t FOR UPDATE',
    'SELECT COUNT(*) FROM t FOR UPDATE',
    'SELECT a*b FROM t FOR UPDATE',
    // Strings and quoted names end where they end.
    "SELECT '' FROM t FOR UPDATE",
    'SELECT "" FROM t FOR UPDATE',
    "SELECT 'a''b', 'c' FROM t FOR UPDATE",
    'SELECT 1 AS `dir\\` FROM t FOR UPDATE',
    "SELECT @'my var', 1 FROM t FOR UPDATE",
    'SELECT @`v` FROM t FOR UPDATE',
    'SELECT @@session.sql_mode FROM t FOR UPDATE',
    // Comments end where they end.
    '/*/ SELECT 1 */',
    '/* a *//* b */ DELETE FROM t',
    'SELECT 1 /* replicakit:primary',
  ])('%j → write', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Write)
  })

  it('starts a `--` comment at a control character, as MySQL does', () => {
    expect(statementKind('SELECT 1 --\u0001FOR UPDATE')).toBe(StatementKind.Read)
    expect(statementKind('SELECT 1 --\tFOR UPDATE')).toBe(StatementKind.Read)
  })
})

describe('statementKind: executable comments anywhere in the text', () => {
  it.each([
    ['SELECT * FROM t /*!50000 FOR UPDATE */', StatementKind.Write],
    ['SELECT 1; /*!40101 DELETE FROM t */', StatementKind.Write],
    ['SELECT 1 /*!99999 , 2 */ FROM t', StatementKind.Read],
    ['SELECT /*M!100301 1, */ 2 FROM t', StatementKind.Read],
    ['/*!40101 SELECT 1 */ UNION /*!40101 SELECT 2 */', StatementKind.Read],
    ['EXPLAIN /*!50000 EXTENDED */ DELETE FROM t', StatementKind.Write],
    ['EXPLAIN /*!50000 FORMAT=JSON */ DELETE FROM t', StatementKind.Write],
    ['EXPLAIN /*!50000 FORMAT=JSON */ SELECT 1', StatementKind.Read],
    ['/*!50000 SELECT 2*LAST_INSERT_ID() */', StatementKind.Write],
    ['/*!50000 SELECT 1 */ FOR UPDATE', StatementKind.Write],
    // A plain comment that mentions one is not one (comments do not nest).
    ['/* see /*!40101 */ SELECT 1', StatementKind.Read],
    ['/* old: /*!1 DELETE FROM t */ SELECT 1', StatementKind.Read],
  ])('%j → %s', (sql, kind) => {
    expect(statementKind(sql)).toBe(kind)
  })
})

describe('statementKind: the statement EXPLAIN, ANALYZE and WITH wrap decides', () => {
  it.each([
    'ANALYZE (SELECT 1) UNION (SELECT 2)',
    'ANALYZE VALUES ROW(1)',
    'ANALYZE WITH a AS (SELECT 1) SELECT * FROM a',
    'EXPLAIN PARTITIONS SELECT * FROM t',
    'EXPLAIN EXTENDED orders',
  ])('%j → read', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Read)
  })

  it.each([
    'EXPLAIN INSERT t VALUES (1)',
    'EXPLAIN REPLACE t VALUES (1)',
    'EXPLAIN INSERT t SELECT * FROM s',
    'EXPLAIN WITH c AS (SELECT 1) DELETE FROM t',
    'EXPLAIN EXTENDED DELETE FROM t',
    'EXPLAIN PARTITIONS UPDATE t SET a = 1',
    'ANALYZE FORMAT=JSON DELETE FROM t',
    'WITH c AS (SELECT 1) INSERT t (a) VALUES (1)',
    'WITH c AS (SELECT 1) INSERT t SELECT * FROM c',
    'WITH c AS (SELECT 1) REPLACE t SELECT * FROM c',
    'WITH c AS (SELECT 1) REPLACE t (a) VALUES (1)',
  ])('%j → write', (sql) => {
    expect(statementKind(sql)).toBe(StatementKind.Write)
  })

  it.each(['SHOW FUNCTION f', 'SHOW PROCEDURE', 'SHOW FULL', 'SHOW EXTENDED'])(
    'unrecognised %j → write',
    (sql) => {
      expect(statementKind(sql)).toBe(StatementKind.Write)
    },
  )
})
