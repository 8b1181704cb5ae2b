/**
 * TLS and authentication for the MySQL harness: a node's server certificate (copied into the node's
 * own directory, so one node can be switched to another certificate with `FLUSH SSL`), the
 * `mariadbd` flags that turn TLS on, and the accounts the TLS tests log in as.
 *
 * Replication between the nodes stays plain TCP: only client connections are under test.
 *
 * @see https://mariadb.com/kb/en/securing-connections-for-client-and-server/
 * @see https://mariadb.com/kb/en/authentication-plugin-ed25519/
 */
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { TlsFiles } from './tls-certs.js'
import type { AdminConnections, MysqlNodeState } from './mysql-node.js'

/** Where a TLS node keeps its certificate, key and the CA it trusts for client certificates. */
export interface MysqlNodeTls {
  /** `<node dir>/tls/server.pem`: the server certificate `--ssl-cert` names. */
  readonly cert: string
  /** `<node dir>/tls/server.key`: its key (`--ssl-key`). */
  readonly key: string
  /** `<node dir>/tls/ca.pem`: the CA client certificates must be signed by (`--ssl-ca`). */
  readonly ca: string
}

/** Which certificate a TLS node presents. */
export const MYSQL_SERVER_CERTIFICATES = Object.freeze(['own', 'mismatch', 'other-ip'] as const)
/**
 * `own`: signed by the test CA for the node's address (`IP:127.0.0.1`, `DNS:localhost`);
 * `mismatch`: signed by the test CA but naming only `wrong.invalid`; `other-ip`: the certificate of
 * another loopback address (`IP:127.0.0.2`, `DNS:localhost` for a node on 127.0.0.1), which only a
 * check of the IP address itself refuses.
 */
export type MysqlServerCertificate = (typeof MYSQL_SERVER_CERTIFICATES)[number]

/** One account of a TLS cluster. */
export interface MysqlAccount {
  readonly user: string
  readonly password: string
}

/**
 * The accounts a TLS cluster has besides the application user, each with the application user's
 * grants (so the ReplicaKit monitor can probe as it):
 */
export interface MysqlTlsAccounts {
  /** `REQUIRE SSL`: any TLS connection, no client certificate. */
  readonly requireSsl: MysqlAccount
  /** `REQUIRE X509`: TLS with a client certificate signed by the test CA. */
  readonly requireX509: MysqlAccount
  /** `IDENTIFIED VIA mysql_native_password`, no TLS requirement. */
  readonly nativePassword: MysqlAccount
  /** `IDENTIFIED VIA ed25519` (the `auth_ed25519` server plugin). */
  readonly ed25519: MysqlAccount
}

/** The file names inside a node's `tls/` folder. */
export function nodeTlsPaths(nodeDir: string): MysqlNodeTls {
  const dir = join(nodeDir, 'tls')
  return { cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), ca: join(dir, 'ca.pem') }
}

/**
 * Copies the certificate `which` for `node` (and the test CA) into the node's `tls/` folder. The
 * server reads them at start and on `FLUSH SSL`.
 */
export async function installServerCertificate(
  node: MysqlNodeState,
  files: TlsFiles,
  which: MysqlServerCertificate,
): Promise<MysqlNodeTls> {
  const paths = nodeTlsPaths(node.dir)
  await mkdir(join(node.dir, 'tls'), { recursive: true })
  const other = node.host === '127.0.0.2' ? '127.0.0.1' : '127.0.0.2'
  const [cert, key] =
    which === 'own'
      ? [files.serverCert(node.host), files.serverKey(node.host)]
      : which === 'other-ip'
        ? [files.serverCert(other), files.serverKey(other)]
        : [files.mismatchCert, files.mismatchKey]
  await copyFile(cert, paths.cert)
  await copyFile(key, paths.key)
  await copyFile(files.ca, paths.ca)
  return paths
}

/**
 * The `mariadbd` flags of a TLS node: its certificate, key and client CA, and the `ed25519`
 * authentication plugin (loaded at every start, so a node rebuilt from a snapshot has it too).
 * TLS is offered, not required: plain clients still connect unless `require_secure_transport` is
 * on or their account says `REQUIRE SSL`.
 */
export function tlsServerArgs(tls: MysqlNodeTls): string[] {
  return [
    `--ssl-cert=${tls.cert}`,
    `--ssl-key=${tls.key}`,
    `--ssl-ca=${tls.ca}`,
    '--plugin-load-add=auth_ed25519',
  ]
}

/**
 * Creates the {@link MysqlTlsAccounts} on the primary (they replicate), with the application
 * user's grants on `database`. `subject` is not required: any certificate the CA signed will do.
 */
export async function createTlsAccounts(
  admin: AdminConnections,
  primary: MysqlNodeState,
  database: string,
  accounts: MysqlTlsAccounts,
): Promise<void> {
  const dml = 'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX'
  const { requireSsl, requireX509, nativePassword, ed25519 } = accounts
  const create: [string, unknown[]][] = [
    [`CREATE USER ?@'%' IDENTIFIED BY ? REQUIRE SSL`, [requireSsl.user, requireSsl.password]],
    [`CREATE USER ?@'%' IDENTIFIED BY ? REQUIRE X509`, [requireX509.user, requireX509.password]],
    [
      `CREATE USER ?@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD(?)`,
      [nativePassword.user, nativePassword.password],
    ],
    [
      `CREATE USER ?@'%' IDENTIFIED VIA ed25519 USING PASSWORD(?)`,
      [ed25519.user, ed25519.password],
    ],
  ]
  for (const [sql, values] of create) await admin.query(primary, sql, values)
  for (const { user } of [requireSsl, requireX509, nativePassword, ed25519]) {
    await admin.query(primary, `GRANT ${dml} ON \`${database}\`.* TO ?@'%'`, [user])
    await admin.query(
      primary,
      `GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION MASTER ADMIN ON *.* TO ?@'%'`,
      [user],
    )
  }
}
