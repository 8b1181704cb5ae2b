import { describe, expect, it } from 'vitest'
import { NodeState, NodeType } from '../../../../src/adapter.js'
import {
  MysqlFlavour,
  classifyMysqlNode,
  detectMysqlFlavour,
  isOn,
  isReadOnly,
  isSourceLost,
  numberOrNull,
  parseMysqlVersion,
  readOnlyBypassPrivileges,
  replicaHostAddresses,
  replicaHostsSql,
  replicaStatusSql,
  summariseReplication,
  text,
} from '../../../../adapters/mysql/mysql-roles.js'
import type { MysqlReplicationSummary } from '../../../../adapters/mysql/mysql-roles.js'

const HEALTHY: MysqlReplicationSummary = summariseReplication([
  {
    Master_Host: '127.0.0.1',
    Master_Port: 3307,
    Slave_IO_Running: 'Yes',
    Slave_SQL_Running: 'Yes',
    Last_IO_Error: '',
    Last_SQL_Error: '',
    Seconds_Behind_Master: 0,
  },
])

describe('classifyMysqlNode (the role table)', () => {
  it.each([
    [
      'writable, no replication',
      false,
      summariseReplication([]),
      NodeType.Primary,
      NodeState.Primary,
    ],
    ['read-only, both threads running', true, HEALTHY, NodeType.Secondary, NodeState.Secondary],
    [
      'read-only, IO connecting to a lost source, SQL applying cleanly (stays readable)',
      true,
      { ...HEALTHY, ioRunning: 'Connecting', healthy: false },
      NodeType.Secondary,
      NodeState.Secondary,
    ],
    [
      'read-only, IO connecting with a connection error (2003)',
      true,
      {
        ...HEALTHY,
        ioRunning: 'Connecting',
        lastIoErrno: 2003,
        lastIoError: "Can't connect",
        healthy: false,
      },
      NodeType.Secondary,
      NodeState.Secondary,
    ],
    [
      'read-only, IO stopped by a stream error (1236: diverged)',
      true,
      { ...HEALTHY, ioRunning: 'No', lastIoErrno: 1236, lastIoError: 'fatal', healthy: false },
      NodeType.Other,
      NodeState.Recovering,
    ],
    [
      'read-only, source lost and the SQL thread stopped too',
      true,
      { ...HEALTHY, ioRunning: 'Connecting', sqlRunning: 'No', healthy: false },
      NodeType.Other,
      NodeState.Recovering,
    ],
    [
      'read-only, source lost and a SQL error',
      true,
      { ...HEALTHY, ioRunning: 'Connecting', lastSqlError: 'Duplicate entry', healthy: false },
      NodeType.Other,
      NodeState.Recovering,
    ],
    [
      'read-only, SQL stopped on purpose (lagging, still readable)',
      true,
      { ...HEALTHY, sqlRunning: 'No', healthy: false },
      NodeType.Secondary,
      NodeState.Secondary,
    ],
    [
      'read-only, SQL stopped by an error',
      true,
      { ...HEALTHY, sqlRunning: 'No', lastSqlError: 'Duplicate entry', healthy: false },
      NodeType.Other,
      NodeState.Recovering,
    ],
    [
      'writable and replicating (a second primary claim)',
      false,
      HEALTHY,
      NodeType.Primary,
      NodeState.Primary,
    ],
    [
      'writable and replication broken (a second primary claim)',
      false,
      { ...HEALTHY, healthy: false },
      NodeType.Primary,
      NodeState.Primary,
    ],
    [
      'read-only, delayed',
      true,
      { ...HEALTHY, sqlDelaySeconds: 60 },
      NodeType.Other,
      NodeState.Secondary,
    ],
    [
      'read-only, not replicating',
      true,
      summariseReplication([]),
      NodeType.Other,
      NodeState.Startup,
    ],
    ['writable, status unreadable', false, null, NodeType.Primary, NodeState.Primary],
    ['read-only, status unreadable', true, null, NodeType.Other, NodeState.Recovering],
  ])('%s → %s/%s', (_name, readOnly, replication, type, state) => {
    expect(classifyMysqlNode(readOnly, replication)).toMatchObject({ type, state })
  })

  it('warns about a lost source with a fixed text (no event storm from changing warnings)', () => {
    const lost = { ...HEALTHY, ioRunning: 'Connecting', healthy: false }
    const role = classifyMysqlNode(true, lost)
    expect(role.warnings.join()).toMatch(
      /source 127\.0\.0\.1:3307 unreachable.*maxStalenessSeconds/,
    )
    expect(classifyMysqlNode(true, lost).warnings).toEqual(role.warnings)
  })
})

describe('summariseReplication', () => {
  it('reads both column spellings', () => {
    const old = summariseReplication([
      {
        Master_Host: 'a',
        Master_Port: 1,
        Slave_IO_Running: 'Yes',
        Slave_SQL_Running: 'Yes',
        Seconds_Behind_Master: 4,
        Gtid_IO_Pos: '0-1-2',
      },
    ])
    const neu = summariseReplication([
      {
        Source_Host: 'a',
        Source_Port: 1,
        Replica_IO_Running: 'Yes',
        Replica_SQL_Running: 'Yes',
        Seconds_Behind_Source: 4,
        Retrieved_Gtid_Set: '0-1-2',
      },
    ])
    expect(neu).toEqual(old)
    expect(old).toMatchObject({
      configured: true,
      source: 'a:1',
      secondsBehindSource: 4,
      receivedGtids: '0-1-2',
      healthy: true,
    })
  })

  it('a row without a source host (after RESET SLAVE) is not replication', () => {
    expect(summariseReplication([{ Master_Host: '', Slave_IO_Running: 'No' }]).configured).toBe(
      false,
    )
  })

  it('every channel must be healthy', () => {
    const rows = [
      { Source_Host: 'a', Source_Port: 1, Replica_IO_Running: 'Yes', Replica_SQL_Running: 'Yes' },
      {
        Source_Host: 'b',
        Source_Port: 2,
        Replica_IO_Running: 'No',
        Replica_SQL_Running: 'Yes',
        Channel_Name: 'b',
      },
    ]
    expect(summariseReplication(rows)).toMatchObject({ channels: 2, healthy: false, source: 'a:1' })
  })
})

describe('flavour and version', () => {
  it('detects MariaDB from version or version_comment', () => {
    expect(detectMysqlFlavour({ version: '10.11.19-MariaDB-0+deb12u1-log' })).toBe(
      MysqlFlavour.MariaDB,
    )
    expect(
      detectMysqlFlavour({ version: '10.6.4', version_comment: 'mariadb.org binary distribution' }),
    ).toBe(MysqlFlavour.MariaDB)
    expect(
      detectMysqlFlavour({ version: '8.0.36', version_comment: 'MySQL Community Server - GPL' }),
    ).toBe(MysqlFlavour.MySQL)
  })

  it('parses versions', () => {
    expect(parseMysqlVersion('10.11.19-MariaDB-log')).toEqual([10, 11, 19])
    expect(parseMysqlVersion(undefined)).toEqual([0, 0, 0])
  })

  it('uses SHOW REPLICA STATUS from MariaDB 10.5.1 and MySQL 8.0.22, SHOW SLAVE STATUS before', () => {
    expect(replicaStatusSql(MysqlFlavour.MariaDB, '10.5.1-MariaDB')).toBe('SHOW REPLICA STATUS')
    expect(replicaStatusSql(MysqlFlavour.MariaDB, '10.4.30-MariaDB')).toBe('SHOW SLAVE STATUS')
    expect(replicaStatusSql(MysqlFlavour.MySQL, '8.0.22')).toBe('SHOW REPLICA STATUS')
    expect(replicaStatusSql(MysqlFlavour.MySQL, '8.0.21')).toBe('SHOW SLAVE STATUS')
    expect(replicaHostsSql(MysqlFlavour.MySQL, '8.4.0')).toBe('SHOW REPLICAS')
    expect(replicaHostsSql(MysqlFlavour.MySQL, '5.7.44')).toBe('SHOW SLAVE HOSTS')
    expect(replicaHostsSql(MysqlFlavour.MariaDB, '10.11.19-MariaDB')).toBe('SHOW SLAVE HOSTS')
  })
})

describe('readOnlyBypassPrivileges', () => {
  it('finds global bypass privileges only', () => {
    const grants = [
      'GRANT USAGE ON *.* TO `app`@`%`',
      'GRANT SUPER, READ_ONLY ADMIN ON `appdb`.* TO `app`@`%`', // not global: ignored
      'GRANT `admin_role` TO `app`@`%`', // role grants are not expanded
      'GRANT SLAVE MONITOR, READ_ONLY ADMIN ON *.* TO `app`@`%`',
    ]
    expect(readOnlyBypassPrivileges(grants, MysqlFlavour.MariaDB)).toEqual(['READ_ONLY ADMIN'])
    expect(readOnlyBypassPrivileges(grants, MysqlFlavour.MySQL)).toEqual([])
    expect(
      readOnlyBypassPrivileges(["GRANT CONNECTION_ADMIN ON *.* TO 'app'@'%'"], MysqlFlavour.MySQL),
    ).toEqual(['CONNECTION_ADMIN'])
  })
})

describe('replicaHostAddresses', () => {
  it('formats reported hosts and skips rows without one', () => {
    expect(
      replicaHostAddresses([
        { Server_id: 2, Host: '127.0.0.1', Port: 3308, Master_id: 1 },
        { Server_id: 3, Host: '', Port: 3309, Master_id: 1 },
        { Server_Id: 4, Host: 'DB4.Example', Port: 3306, Source_Id: 1 },
      ]),
    ).toEqual(['127.0.0.1:3308', 'db4.example:3306'])
  })
})

describe('classifyMysqlNode: which roles warn (the table\'s "warned" rows, and only those)', () => {
  const lost = { ...HEALTHY, ioRunning: 'Connecting', healthy: false }
  it.each([
    ['writable, no replication', false, summariseReplication([]), false],
    ['read-only, not replicating yet', true, summariseReplication([]), false],
    ['read-only, healthy', true, HEALTHY, false],
    ['read-only, delayed', true, { ...HEALTHY, sqlDelaySeconds: 60 }, false],
    [
      'read-only, replication broken',
      true,
      { ...HEALTHY, ioRunning: 'No', lastIoErrno: 1236, lastIoError: 'fatal', healthy: false },
      false,
    ],
    ['read-only, applier paused', true, { ...HEALTHY, sqlRunning: 'No', healthy: false }, true],
    ['read-only, source lost', true, lost, true],
    ['writable and replicating', false, HEALTHY, true],
    ['writable, status unreadable', false, null, true],
    ['read-only, status unreadable', true, null, true],
  ])('%s → warned: %s', (_name, readOnly, replication, warned) => {
    expect(classifyMysqlNode(readOnly, replication).warnings.length > 0).toBe(warned)
  })

  it('names what to do: the missing privilege, the source, the stopped thread', () => {
    expect(classifyMysqlNode(true, null).warnings.join()).toMatch(/SLAVE MONITOR/)
    expect(classifyMysqlNode(false, null).warnings.join()).toMatch(/SLAVE MONITOR/)
    expect(classifyMysqlNode(false, HEALTHY).warnings.join()).toMatch(
      /127\.0\.0\.1:3307 is writable.*read_only=ON/,
    )
    expect(
      classifyMysqlNode(true, { ...HEALTHY, sqlRunning: 'No', healthy: false }).warnings.join(),
    ).toMatch(/SQL thread is stopped/)
    expect(classifyMysqlNode(true, lost).warnings.join()).toMatch(/IO thread Connecting/)
    expect(
      classifyMysqlNode(true, {
        ...lost,
        ioRunning: 'No',
        lastIoErrno: 2003,
        lastIoError: 'x',
      }).warnings.join(),
    ).toMatch(/IO thread No/)
  })
})

describe('classifyMysqlNode from SHOW REPLICA STATUS rows', () => {
  const row = {
    Source_Host: 'db1',
    Source_Port: 3306,
    Replica_IO_Running: 'Yes',
    Replica_SQL_Running: 'Yes',
    Last_IO_Errno: 0,
    Last_IO_Error: '',
    Last_SQL_Error: '',
    Seconds_Behind_Source: 0,
    SQL_Delay: 0,
  }
  const role = (...rows: Record<string, unknown>[]): [string, string] => {
    const r = classifyMysqlNode(true, summariseReplication(rows))
    return [r.type, r.state]
  }

  it.each([
    ['both threads running', [row], NodeType.Secondary, NodeState.Secondary],
    [
      'SQL thread stopped on purpose',
      [{ ...row, Replica_SQL_Running: 'No', Seconds_Behind_Source: null }],
      NodeType.Secondary,
      NodeState.Secondary,
    ],
    [
      'SQL thread stopped by an error',
      [{ ...row, Replica_SQL_Running: 'No', Last_SQL_Error: 'Duplicate entry' }],
      NodeType.Other,
      NodeState.Recovering,
    ],
    [
      'SQL thread running but an SQL error reported',
      [{ ...row, Last_SQL_Error: 'Duplicate entry' }],
      NodeType.Other,
      NodeState.Recovering,
    ],
    [
      'IO thread running with an error and the SQL thread stopped',
      [{ ...row, Replica_SQL_Running: 'No', Last_IO_Errno: 1236, Last_IO_Error: 'fatal' }],
      NodeType.Other,
      NodeState.Recovering,
    ],
    [
      'IO thread running but an IO error reported',
      [{ ...row, Last_IO_Errno: 1236, Last_IO_Error: 'fatal' }],
      NodeType.Other,
      NodeState.Recovering,
    ],
    [
      'IO thread stopped by a connection error (2003), SQL applying',
      [{ ...row, Replica_IO_Running: 'No', Last_IO_Errno: 2003, Last_IO_Error: "Can't connect" }],
      NodeType.Secondary,
      NodeState.Secondary,
    ],
    [
      'IO thread stopped, no error, SQL applying',
      [{ ...row, Replica_IO_Running: 'No' }],
      NodeType.Secondary,
      NodeState.Secondary,
    ],
    [
      'IO thread connecting, SQL applying, on one of two channels',
      [row, { ...row, Source_Host: 'db9', Replica_IO_Running: 'Connecting', Channel_Name: 'b' }],
      NodeType.Other,
      NodeState.Recovering,
    ],
    [
      'IO thread connecting on the first of two channels',
      [
        { ...row, Replica_IO_Running: 'Connecting' },
        { ...row, Source_Host: 'db9' },
      ],
      NodeType.Other,
      NodeState.Recovering,
    ],
    [
      'both threads stopped, no error',
      [{ ...row, Replica_IO_Running: 'No', Replica_SQL_Running: 'No' }],
      NodeType.Other,
      NodeState.Recovering,
    ],
    ['delayed', [{ ...row, SQL_Delay: 3600 }], NodeType.Other, NodeState.Secondary],
    [
      'error columns NULL',
      [{ ...row, Last_IO_Error: null, Last_SQL_Error: null }],
      NodeType.Secondary,
      NodeState.Secondary,
    ],
  ])('%s → %s/%s', (_name, rows, type, state) => {
    expect(role(...rows)).toEqual([type, state])
  })
})

describe('summariseReplication: health', () => {
  const row = {
    Master_Host: 'db1',
    Master_Port: 3306,
    Slave_IO_Running: 'Yes',
    Slave_SQL_Running: 'Yes',
    Last_IO_Error: '',
    Last_SQL_Error: '',
  }

  it.each([
    ['both threads running, no error', row, true],
    ['SQL thread stopped', { ...row, Slave_SQL_Running: 'No' }, false],
    ['IO thread connecting', { ...row, Slave_IO_Running: 'Connecting' }, false],
    ['an IO error', { ...row, Last_IO_Error: 'error reconnecting to master' }, false],
    ['an SQL error', { ...row, Last_SQL_Error: 'Duplicate entry' }, false],
  ])('%s → healthy: %s', (_name, r, healthy) => {
    expect(summariseReplication([r]).healthy).toBe(healthy)
  })

  it('is not healthy replication when nothing replicates', () => {
    expect(summariseReplication([])).toMatchObject({
      configured: false,
      healthy: false,
      channels: 0,
      source: null,
    })
  })

  it('treats a NULL source host as no replication', () => {
    expect(summariseReplication([{ ...row, Master_Host: null }]).configured).toBe(false)
  })

  it('reads an unknown lag (NULL) as unknown, the default port when none is reported', () => {
    expect(
      summariseReplication([{ ...row, Master_Port: null, Seconds_Behind_Master: null }]),
    ).toMatchObject({ source: 'db1:3306', secondsBehindSource: null, sqlDelaySeconds: 0 })
  })
})

describe('isSourceLost', () => {
  const lost = { ...HEALTHY, ioRunning: 'Connecting', healthy: false }
  it.each([
    ['IO connecting, no error', lost, true],
    ['IO stopped, no error', { ...lost, ioRunning: 'No' }, true],
    [
      'IO stopped by access denied (1045)',
      { ...lost, ioRunning: 'No', lastIoErrno: 1045, lastIoError: 'denied' },
      true,
    ],
    [
      'IO stopped by a broken stream (1236)',
      { ...lost, ioRunning: 'No', lastIoErrno: 1236, lastIoError: 'fatal' },
      false,
    ],
    ['IO error without a number', { ...lost, lastIoErrno: null, lastIoError: 'fatal' }, false],
    ['IO running', HEALTHY, false],
    ['SQL thread stopped', { ...lost, sqlRunning: 'No' }, false],
    ['SQL error', { ...lost, lastSqlError: 'Duplicate entry' }, false],
    ['two channels', { ...lost, channels: 2 }, false],
    ['not replicating', summariseReplication([]), false],
  ])('%s → %s', (_name, replication, expected) => {
    expect(isSourceLost(replication)).toBe(expected)
  })
})

describe('isReadOnly', () => {
  it.each([
    [{ read_only: 'OFF', super_read_only: 'OFF' }, false],
    [{ read_only: 'ON', super_read_only: 'OFF' }, true],
    [{ read_only: 'OFF', super_read_only: 'ON' }, true],
    [{ read_only: '1' }, true],
    [{ read_only: '0' }, false],
    [{ read_only: 'on' }, true],
    [{ read_only: null }, false],
    [{}, false],
  ])('%j → %s', (variables, expected) => {
    expect(isReadOnly(variables)).toBe(expected)
  })
})

describe('column values as mysql2 returns them', () => {
  it.each([
    [null, ''],
    [undefined, ''],
    ['Yes', 'Yes'],
    [3306, '3306'],
    [1n, '1'],
    [18446744073709551615n, '18446744073709551615'],
    [true, 'true'],
    [Buffer.from('0-1-5'), '0-1-5'],
    [{ a: 1 }, '{"a":1}'],
    [[1, 2], '[1,2]'],
  ])('text(%s) → %j', (value, expected) => {
    expect(text(value)).toBe(expected)
  })

  it.each([
    [null, null],
    [undefined, null],
    ['', null],
    ['12', 12],
    [12, 12],
    [12n, 12],
    ['abc', null],
    ['0', 0],
  ])('numberOrNull(%s) → %j', (value, expected) => {
    expect(numberOrNull(value)).toBe(expected)
  })

  it('reads a boolean variable given as a number or a bigint (SELECT @@read_only)', () => {
    expect(isOn(text(1))).toBe(true)
    expect(isOn(text(1n))).toBe(true)
    expect(isOn(text(0n))).toBe(false)
  })
})

describe('readOnlyBypassPrivileges: every bypass privilege, per flavour', () => {
  const on = (privileges: string): string => `GRANT ${privileges} ON *.* TO \`app\`@\`%\``
  it.each([
    [MysqlFlavour.MariaDB, on('ALL PRIVILEGES'), ['ALL PRIVILEGES']],
    [MysqlFlavour.MariaDB, on('ALL'), ['ALL']],
    [MysqlFlavour.MariaDB, on('SUPER'), ['SUPER']],
    [MysqlFlavour.MariaDB, on('READ_ONLY ADMIN'), ['READ_ONLY ADMIN']],
    [MysqlFlavour.MariaDB, on('CONNECTION_ADMIN'), []],
    [MysqlFlavour.MySQL, on('ALL PRIVILEGES'), ['ALL PRIVILEGES']],
    [MysqlFlavour.MySQL, on('ALL'), ['ALL']],
    [MysqlFlavour.MySQL, on('SUPER'), ['SUPER']],
    [MysqlFlavour.MySQL, on('CONNECTION_ADMIN'), ['CONNECTION_ADMIN']],
    [MysqlFlavour.MySQL, on('READ_ONLY ADMIN'), []],
    [MysqlFlavour.MariaDB, on('SELECT, INSERT, super'), ['SUPER']],
    [MysqlFlavour.MariaDB, on('SELECT,READ_ONLY  ADMIN'), ['READ_ONLY ADMIN']],
    [MysqlFlavour.MariaDB, 'GRANT SUPER ON `*`.`*` TO `app`@`%`', ['SUPER']],
    [MysqlFlavour.MariaDB, 'GRANT SUPER ON appdb.* TO `app`@`%`', []],
    [MysqlFlavour.MariaDB, "GRANT PROXY ON ''@'%' TO 'app'@'%'", []],
  ])('%s: %s → %j', (flavour, grant, expected) => {
    expect(readOnlyBypassPrivileges([grant], flavour)).toEqual(expected)
  })

  it('lists each privilege once over several lines', () => {
    expect(
      readOnlyBypassPrivileges([on('SUPER'), on('SUPER, RELOAD')], MysqlFlavour.MySQL),
    ).toEqual(['SUPER'])
  })
})

describe('replicaHostAddresses: rows without a usable port', () => {
  it('skips a replica that reports no port, or port 0', () => {
    expect(
      replicaHostAddresses([
        { Server_id: 2, Host: 'db2', Port: 0 },
        { Server_id: 3, Host: 'db3', Port: null },
        { Server_id: 4, Host: 'db4', Port: '3306' },
      ]),
    ).toEqual(['db4:3306'])
  })
})
