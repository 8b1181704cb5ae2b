import { describe, expect, it } from 'vitest'
import { ConfigError, ErrorCode } from '../../../../src/adapter.js'
import {
  checkDriverOptions,
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
    expect(
      toMysqlConnectionOptions(settings, '10.0.0.2:3307', { connectTimeoutMS: 500 }).connectTimeout,
    ).toBe(500)
  })

  it("passes the adapter's one ssl object on, the same object for every connection and pool", () => {
    const ssl = { rejectUnauthorized: true, verifyIdentity: true }
    expect(toMysqlConnectionOptions(settings, 'db:3306', { ssl }).ssl).toBe(ssl)
    expect(toMysqlPoolOptions(settings, 'db:3306', ssl).ssl).toBe(ssl)
    expect(toMysqlConnectionOptions(settings, 'db:3306')).not.toHaveProperty('ssl')
  })

  it('refuses driverOptions.ssl: TLS comes from the tls options only', () => {
    const call = () => {
      checkDriverOptions({ ...settings, driverOptions: { ssl: { ca: 'x' } } })
    }
    expect(call).toThrow(ConfigError)
    expect(call).toThrow(/driverOptions\.ssl .*tls options/)
    expect(() => {
      checkDriverOptions({ ...settings, driverOptions: { dateStrings: true } })
    }).not.toThrow()
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
