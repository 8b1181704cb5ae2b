/**
 * One mysql2 connection outside a pool (the probes' links, the TLS_REQUIRED check), opened like
 * mysql2/promise's `createConnection` but with an `error` listener that stays: mysql2/promise listens
 * with `once`, so a second error on a connection that already failed (a socket that fails to shut
 * down after a broken TLS handshake: `shutdown EINVAL`) reached the process as an uncaught exception.
 * The first error still rejects; later ones are the connection's last words and are dropped, as the
 * pool does for its idle connections (mysql-connections.ts).
 */
import mysqlCore from 'mysql2'
import type { ConnectionOptions } from 'mysql2'
import type { Connection } from 'mysql2/promise'

/** Opens a connection; resolves with its promise wrapper once connected, rejects on the first error. */
export function openMysqlConnection(options: ConnectionOptions): Promise<Connection> {
  const core = mysqlCore.createConnection(options)
  return new Promise<Connection>((resolve, reject) => {
    core.on('error', (error: Error) => {
      reject(error)
    })
    core.once('connect', () => {
      resolve(core.promise())
    })
  })
}
