import { describe, expect, it } from 'vitest'
import { NodeState, NodeType } from '../../../../src/adapter.js'
import {
  MysqlFlavour,
  classifyMysqlNode,
  detectMysqlFlavour,
  parseMysqlVersion,
  readOnlyBypassPrivileges,
  replicaHostAddresses,
  replicaHostsSql,
  replicaStatusSql,
  summariseReplication,
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
