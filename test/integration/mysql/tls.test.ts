/**
 * TLS on a real MariaDB 10.11 cluster (three mariadbd on loopback, TLS offered with certificates of
 * the harness's test CA): what is verified, what each failure is called, and that the monitor's probe
 * connections use TLS as well as the calls' connections. Nothing here is mocked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { connect, createPool } from 'replicakit/mysql'
import type { MysqlConnection, MysqlPool } from 'replicakit/mysql'
import type { ReplicaKitClient } from '../../../src/client/client.js'
import type { ClientOptions } from '../../../src/config/options.js'
import { ErrorCode } from '../../../src/errors/errors.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import type { MysqlCluster, MysqlServerCertificate } from '../../clusters/mysql-cluster.js'
import { ensureTlsFiles } from '../../clusters/tls-certs.js'
import type { TlsFiles } from '../../clusters/tls-certs.js'
import { caught } from '../../fixtures/caught.js'

let cluster: MysqlCluster
let files: TlsFiles
const clients: ReplicaKitClient<MysqlConnection>[] = []
const pools: MysqlPool[] = []

beforeAll(async () => {
  files = await ensureTlsFiles()
  cluster = await startMysqlCluster({ nodes: 3, tls: true })
})

afterAll(async () => {
  await Promise.all([...clients.splice(0).map((c) => c.close()), ...pools.map((p) => p.end())])
  await cluster.stop()
})

/**
 * A client on `uri` plus `query`, collecting its `warning` events. The selection bound is longer
 * than the test's own timeout: a failure that waited for it instead of failing at once would show.
 */
async function open(query: string, uri = cluster.uri, options: ClientOptions = {}) {
  const db = await connect(`${uri}?${query}`, {
    heartbeatFrequencyMS: 500,
    serverSelectionTimeoutMS: 120_000,
    timeoutMS: 120_000,
    ...options,
  })
  clients.push(db)
  const warnings: string[] = []
  db.on('warning', (w) => warnings.push(w.message))
  return { db, warnings }
}

/** The verified TLS options with the test CA. */
function verified(): string {
  return `tls=true&tlsCAFile=${files.ca}`
}

async function sslCipher(conn: MysqlConnection): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
  return String(rows[0]!['Value'])
}

async function ready(db: ReplicaKitClient<MysqlConnection>): Promise<void> {
  await expect
    .poll(
      () =>
        db
          .topology()
          .nodes.map((n) => n.state)
          .sort(),
      { timeout: 20_000 },
    )
    .toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY'])
}

/** Every node presents `which` certificate while `run` runs, then its own again. */
async function withCertificates(which: MysqlServerCertificate, run: () => Promise<void>) {
  const names = cluster.nodes.map((n) => n.name)
  await Promise.all(names.map((n) => cluster.useServerCertificate(n, which)))
  try {
    await run()
  } finally {
    await Promise.all(names.map((n) => cluster.useServerCertificate(n, 'own')))
  }
}

describe('TLS with the right CA', () => {
  it('runs writes and replica reads on encrypted connections, with no warning', async () => {
    const { db, warnings } = await open(verified())
    await ready(db)
    expect(await db.write((c) => sslCipher(c))).not.toBe('')
    expect(await db.read((c) => sslCipher(c), { readPreference: 'secondary' })).not.toBe('')
    expect(warnings).toEqual([])
  })

  it('probes over TLS too: an account that says REQUIRE SSL is discovered on every node, and its monitor connections sit on nodes no call touched', async () => {
    const account = cluster.tlsAccounts.requireSsl
    const { db } = await open(verified(), cluster.uriFor(account))
    // Only the monitor talks to the nodes here, and the server admits this account over TLS only.
    await ready(db)
    for (const node of cluster.nodes) {
      const rows = await cluster.adminQuery(
        node.name,
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?',
        [account.user],
      )
      expect(Number(rows[0]!['n'])).toBeGreaterThan(0)
    }
    // The same account without TLS is refused, and the error says to turn TLS on.
    const { db: plain } = await open('', cluster.uriFor(account))
    const error = await caught(plain.connect())
    expect(error.code).toBe(ErrorCode.TlsRequired)
    expect(error.message).toContain('tls=true')
  })

  it('serves the mysql2-compatible pool (createPool) over TLS', async () => {
    const pool = createPool(`${cluster.uri}?${verified()}`, { heartbeatFrequencyMS: 500 })
    pools.push(pool)
    const [rows] = await pool.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
    expect(String(rows[0]!['Value'])).not.toBe('')
  })
})

describe('certificates that do not verify', () => {
  it('fails connect() and calls at once with TLS_CERTIFICATE_INVALID for a wrong CA', async () => {
    const { db } = await open(`tls=true&tlsCAFile=${files.wrongCa}`)
    const error = await caught(db.connect())
    expect(error.code).toBe(ErrorCode.TlsCertificateInvalid)
    expect(error.message).toMatch(/could not be verified/)
    expect(error.message).toContain('tlsCAFile')
    expect((await caught(db.read((c) => c.query('SELECT 1')))).code).toBe(
      ErrorCode.TlsCertificateInvalid,
    )
  })

  it('accepts the wrong CA with tlsAllowInvalidCertificates=true and warns that verification is off', async () => {
    const { db, warnings } = await open(
      `tls=true&tlsCAFile=${files.wrongCa}&tlsAllowInvalidCertificates=true`,
    )
    expect(await db.write((c) => sslCipher(c))).not.toBe('')
    expect(warnings.join('\n')).toMatch(/certificate verification is off/)
  })
})

describe('host names', () => {
  it('checks an IP host against the certificate: a valid certificate for another address (that also names localhost) fails with TLS_HOSTNAME_MISMATCH', async () => {
    await withCertificates('other-ip', async () => {
      const { db } = await open(verified())
      const error = await caught(db.connect())
      expect(error.code).toBe(ErrorCode.TlsHostnameMismatch)
      expect(error.message).toContain('tlsAllowInvalidHostnames')
    })
  })

  it('fails with TLS_HOSTNAME_MISMATCH for a certificate naming another host, and works with tlsAllowInvalidHostnames=true and a warning', async () => {
    await withCertificates('mismatch', async () => {
      const { db } = await open(verified())
      expect((await caught(db.connect())).code).toBe(ErrorCode.TlsHostnameMismatch)
      const relaxed = await open(`${verified()}&tlsAllowInvalidHostnames=true`)
      expect(await relaxed.db.write((c) => sslCipher(c))).not.toBe('')
      expect(relaxed.warnings.join('\n')).toMatch(/hostname verification is off/)
      // The chain is still verified: a wrong CA fails even with host names unchecked.
      const wrongCa = await open(
        `tls=true&tlsCAFile=${files.wrongCa}&tlsAllowInvalidHostnames=true`,
      )
      expect((await caught(wrongCa.db.connect())).code).toBe(ErrorCode.TlsCertificateInvalid)
    })
  })
})

describe('servers that refuse plain connections', () => {
  it('with require_secure_transport on: TLS_REQUIRED saying to set tls=true for a plain client, a wrong password still AUTHENTICATION_FAILED, a TLS client served', async () => {
    await cluster.setRequireSecureTransport(true)
    try {
      const { db } = await open('')
      const error = await caught(db.connect())
      expect(error.code).toBe(ErrorCode.TlsRequired)
      expect(error.message).toContain('tls=true')
      const wrong = await open('', cluster.uriFor({ user: cluster.appUser, password: 'nope' }))
      expect((await caught(wrong.db.connect())).code).toBe(ErrorCode.AuthenticationFailed)
      const { db: secure } = await open(verified())
      expect(await secure.write((c) => sslCipher(c))).not.toBe('')
    } finally {
      await cluster.setRequireSecureTransport(false)
    }
  })
})

describe('a server without TLS', () => {
  it('fails a tls=true client with TLS_HANDSHAKE_FAILED', async () => {
    const plainCluster = await startMysqlCluster({ nodes: 1 })
    try {
      const { db } = await open(verified(), plainCluster.uri)
      const error = await caught(db.connect())
      expect(error.code).toBe(ErrorCode.TlsHandshakeFailed)
      expect(error.message).toMatch(/offers no TLS/)
    } finally {
      await plainCluster.stop()
    }
  })
})
