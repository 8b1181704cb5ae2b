/**
 * The session operations of a pool connection beyond statements: `ping`, `changeUser`, and the
 * `config` view ORMs read.
 */
import { ErrorCode, OperationError } from '../../../src/index.js'
import type { MysqlConnection } from '../mysql-adapter.js'
import { defer } from './mysql-pool-query.js'
import type { PoolContext } from './mysql-pool-query.js'
import { toMysqlPoolError } from './mysql-pool-error.js'
import type { MysqlPoolError } from './mysql-pool-error.js'
import type { PrimaryLease } from './mysql-pool-lease.js'

/** mysql2's `changeUser` options. */
export interface ChangeUserOptions {
  readonly user?: string
  readonly password?: string
  readonly database?: string
  readonly charset?: string
}

/** What `connection.config` shows: mysql2's field names, and the mysql2 options passed through. */
export interface ConnectionConfigView {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
  readonly [option: string]: unknown
}

/** Calls a node-style callback with the outcome of `done`, on a fresh stack. @internal */
export function settle(
  done: Promise<unknown>,
  callback: (error: MysqlPoolError | null) => void,
): void {
  done.then(
    () => {
      defer(() => {
        callback(null)
      })
    },
    (error: unknown) => {
      defer(() => {
        callback(error as MysqlPoolError)
      })
    },
  )
}

/** Pings on `lease`'s session when it holds one, else on a node the read preference allows. @internal */
export async function pingOn(context: PoolContext, lease: PrimaryLease | undefined): Promise<void> {
  const ping = (conn: MysqlConnection) => conn.ping()
  try {
    if (lease?.threadId != null)
      await context.leases.within(lease, () => context.client.write(ping))
    else await context.leases.outside(() => context.client.read(ping))
  } catch (error: unknown) {
    throw toMysqlPoolError(error)
  }
}

/** Accepts a `changeUser` that changes nothing; refuses the rest (`NOT_SUPPORTED`). @internal */
export function checkChangeUser(context: PoolContext, options: ChangeUserOptions): Promise<void> {
  const current = context.client.options
  const changes: string[] = []
  if (options.user !== undefined && options.user !== (current.username ?? '')) changes.push('user')
  if (options.password !== undefined && options.password !== (current.password ?? '')) {
    changes.push('password')
  }
  if (options.database !== undefined && options.database !== (current.database ?? '')) {
    changes.push('database')
  }
  if (options.charset !== undefined) changes.push('charset')
  if (changes.length === 0) return Promise.resolve()
  return Promise.reject(
    toMysqlPoolError(
      new OperationError(
        `changeUser cannot change ${changes.join(', ')} on a pool connection: its statements run on ` +
          'pooled sessions of several nodes, shared with the rest of the pool. Create a pool with ' +
          'those settings instead',
        { code: ErrorCode.NotSupported },
      ),
    ),
  )
}
