import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, ErrorCode } from '../../../../src/adapter.js'
import {
  probeConnectTimeoutMS,
  quoteHeartbeatTable,
  toMysqlConnectionOptions,
  toMysqlPoolOptions,
} from '../../../../adapters/mysql/mysql-config.js'

const settings = {
  username: 'app',
  password: 'pw',
  database: 'shop',
  connectTimeoutMS: 2000,
  maxPoolSize: 7,
  tls: { enabled: false },
}

describe('toMysqlPoolOptions', () => {
  it('maps credentials, bounds and pool size for one node', () => {
    expect(toMysqlPoolOptions(settings, '10.0.0.2:3307')).toMatchObject({
      host: '10.0.0.2',
      port: 3307,
      user: 'app',
      password: 'pw',
      database: 'shop',
      connectTimeout: 2000,
      connectionLimit: 7,
      enableKeepAlive: true,
      waitForConnections: true,
      queueLimit: 0,
      multipleStatements: false,
    })
  })

  it('unbrackets IPv6 hosts and omits what was not given', () => {
    const options = toMysqlPoolOptions({ connectTimeoutMS: 10, maxPoolSize: 1 }, '[::1]:3306')
    expect(options.host).toBe('::1')
    expect(options).not.toHaveProperty('user')
    expect(options).not.toHaveProperty('password')
    expect(options).not.toHaveProperty('ssl')
  })
})

describe('timeouts and idle connections', () => {
  it('connectTimeoutMS=0 means no connect timer; a probe is then bounded by its own timeout', () => {
    expect(
      toMysqlConnectionOptions({ ...settings, connectTimeoutMS: 0 }, 'db:3306').connectTimeout,
    ).toBe(0)
    expect(probeConnectTimeoutMS(0, 800)).toBe(800)
    expect(probeConnectTimeoutMS(500, 800)).toBe(500)
    expect(probeConnectTimeoutMS(10_000, 800)).toBe(800)
  })

  it('maxIdleTimeMS reaps idle connections beyond minPoolSize; 0 keeps them', () => {
    const reaping = toMysqlPoolOptions(
      { ...settings, minPoolSize: 2, maxIdleTimeMS: 30_000 },
      'db:3306',
    )
    expect(reaping).toMatchObject({ maxIdle: 2, idleTimeout: 30_000 })
    const keeping = toMysqlPoolOptions({ ...settings, maxIdleTimeMS: 0 }, 'db:3306')
    expect(keeping).not.toHaveProperty('maxIdle')
    expect(keeping).not.toHaveProperty('idleTimeout')
  })
})

describe('toMysqlConnectionOptions', () => {
  it('lets a probe use a smaller connect bound', () => {
    expect(toMysqlConnectionOptions(settings, '10.0.0.2:3307', 500).connectTimeout).toBe(500)
  })

  it('reads TLS files and relaxes checks only when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rk-mysql-tls-'))
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM')
    writeFileSync(join(dir, 'client.pem'), 'CLIENT PEM')
    const ssl = toMysqlConnectionOptions(
      {
        ...settings,
        tls: {
          enabled: true,
          caFile: join(dir, 'ca.pem'),
          certificateKeyFile: join(dir, 'client.pem'),
          allowInvalidHostnames: true,
        },
      },
      'db:3306',
    ).ssl as Record<string, unknown>
    expect(ssl).toMatchObject({
      ca: 'CA PEM',
      cert: 'CLIENT PEM',
      key: 'CLIENT PEM',
      rejectUnauthorized: true,
    })
    expect(typeof ssl['checkServerIdentity']).toBe('function')
    const strict = toMysqlConnectionOptions({ ...settings, tls: { enabled: true } }, 'db:3306').ssl
    expect(strict).toEqual({ rejectUnauthorized: true })
  })

  it('names a missing TLS file in a ConfigError', () => {
    const call = () =>
      toMysqlConnectionOptions(
        { ...settings, tls: { enabled: true, caFile: '/nope/ca.pem' } },
        'db:3306',
      )
    expect(call).toThrow(ConfigError)
    expect(call).toThrow(/tlsCAFile file \/nope\/ca\.pem/)
  })
})

describe('quoteHeartbeatTable', () => {
  it('quotes table and schema.table', () => {
    expect(quoteHeartbeatTable('heartbeat')).toBe('`heartbeat`')
    expect(quoteHeartbeatTable('ops.rk_heartbeat')).toBe('`ops`.`rk_heartbeat`')
  })

  it('rejects anything but plain identifiers', () => {
    for (const bad of ['a;DROP TABLE x', 'a.b.c', '`x`', '', 'a b']) {
      try {
        quoteHeartbeatTable(bad)
        expect.unreachable(`accepted ${bad}`)
      } catch (error: unknown) {
        expect(error).toBeInstanceOf(ConfigError)
        expect((error as ConfigError).code).toBe(ErrorCode.InvalidOption)
      }
    }
  })
})
