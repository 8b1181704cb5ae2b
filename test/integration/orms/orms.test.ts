/**
 * ORM compatibility of `replicakit/mysql` on one real MariaDB 10.11 GTID cluster (three mariadbd
 * processes on loopback), shared by every ORM to save CI time: Kysely, Drizzle and Knex take the
 * mysql2-compatible pool; TypeORM (`driver`) and Sequelize (`dialectModule`) take `mysqlDriver`.
 *
 * Each ORM: CRUD through its own API, a transaction rolled back, plain reads on replicas
 * (`readPreference=secondary`), writes on the primary, and its `destroy()`/`close()` ending the pool.
 * Reads after writes are deterministic without `w`, retries or sleeps: the pool's causal reads
 * (default `causalReads=pool`) make each replica read wait for the pool's last write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kysely, MysqlDialect, sql } from 'kysely'
import { drizzle } from 'drizzle-orm/mysql2'
import { eq, sql as dsql } from 'drizzle-orm'
import { int, mysqlTable, varchar } from 'drizzle-orm/mysql-core'
import knex from 'knex'
import { DataSource, EntitySchema } from 'typeorm'
import { DataTypes, QueryTypes, Sequelize } from 'sequelize'
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { createPool, mysqlDriver } from 'replicakit/mysql'
import type { MysqlPool, MysqlPoolOptions } from 'replicakit/mysql'
import { ErrorCode } from '../../../src/index.js'
import { startMysqlCluster } from '../../clusters/mysql-cluster.js'
import {
  ORM_OPTIONS,
  appSessions,
  credentials,
  hosts,
  isEnded,
  onReplicasOnly,
  openPool,
  ready,
} from './orm-fixtures.js'
import type { MysqlCluster } from '../../clusters/mysql-cluster.js'

let cluster: MysqlCluster
const OPTIONS = ORM_OPTIONS

beforeAll(async () => {
  cluster = await startMysqlCluster({ nodes: 3 })
  const setup = createPool(`${cluster.uri}?w=3`)
  for (const orm of ['kysely', 'drizzle', 'knex', 'typeorm', 'sequelize']) {
    await setup.query(`CREATE TABLE ${orm}_items (id INT PRIMARY KEY, v VARCHAR(64), sid INT)`)
  }
  await setup.end()
})

afterAll(async () => {
  await cluster.stop()
})

describe('Kysely', () => {
  interface Db {
    kysely_items: { id: number; v: string | null; sid: number | null }
  }

  it('CRUD, rollback, reads on replicas, writes on the primary, destroy() ends the pool', async () => {
    const pool = await openPool(cluster)
    const db = new Kysely<Db>({ dialect: new MysqlDialect({ pool }) })
    await db.insertInto('kysely_items').values({ id: 1, v: 'a' }).execute()
    expect(await db.selectFrom('kysely_items').selectAll().execute()).toEqual([
      { id: 1, v: 'a', sid: null },
    ])
    await db.updateTable('kysely_items').set({ v: 'b' }).where('id', '=', 1).execute()
    expect(await db.selectFrom('kysely_items').select('v').where('id', '=', 1).execute()).toEqual([
      { v: 'b' },
    ])
    await db.deleteFrom('kysely_items').where('id', '=', 1).execute()
    expect(await db.selectFrom('kysely_items').selectAll().execute()).toEqual([])

    await expect(
      db.transaction().execute(async (tx) => {
        await tx.insertInto('kysely_items').values({ id: 2, v: 'gone' }).execute()
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(await db.selectFrom('kysely_items').selectAll().execute()).toEqual([])

    const read = async () =>
      (await sql<{ id: number }>`SELECT @@server_id AS id`.execute(db)).rows[0]!.id
    expect(await onReplicasOnly(read)).toBe(true)
    await sql`INSERT INTO kysely_items (id, sid) VALUES (3, @@server_id)`.execute(db)
    expect(await db.selectFrom('kysely_items').select('sid').execute()).toEqual([{ sid: 1 }])

    await db.destroy()
    expect(await isEnded(pool)).toBe(true)
  })
})

describe('Drizzle', () => {
  const items = mysqlTable('drizzle_items', {
    id: int('id').primaryKey(),
    v: varchar('v', { length: 64 }),
    sid: int('sid'),
  })

  it('CRUD, rollback, reads on replicas, writes on the primary, $client.end() ends the pool', async () => {
    const pool = await openPool(cluster)
    const db = drizzle({ client: pool as unknown as Pool })
    await db.insert(items).values({ id: 1, v: 'a' })
    expect(await db.select().from(items)).toEqual([{ id: 1, v: 'a', sid: null }])
    await db.update(items).set({ v: 'b' }).where(eq(items.id, 1))
    expect(await db.select({ v: items.v }).from(items).where(eq(items.id, 1))).toEqual([{ v: 'b' }])
    await db.delete(items).where(eq(items.id, 1))
    expect(await db.select().from(items)).toEqual([])

    await expect(
      db.transaction(async (tx) => {
        await tx.insert(items).values({ id: 2, v: 'gone' })
        tx.rollback()
      }),
    ).rejects.toThrow()
    expect(await db.select().from(items)).toEqual([])

    const read = async () => {
      const [rows] = (await db.execute(dsql`SELECT @@server_id AS id`)) as unknown as [
        RowDataPacket[],
      ]
      return Number(rows[0]!['id'])
    }
    expect(await onReplicasOnly(read)).toBe(true)
    await db.execute(dsql`INSERT INTO drizzle_items (id, sid) VALUES (3, @@server_id)`)
    expect(await db.select({ sid: items.sid }).from(items)).toEqual([{ sid: 1 }])

    await db.$client.end()
    expect(await isEnded(pool)).toBe(true)
  })
})

describe('Knex', () => {
  it('CRUD, rollback, reads on replicas, writes on the primary; destroy() leaves the pool to its owner', async () => {
    const pool = await openPool(cluster)
    const db = knex({ client: 'mysql2', connectionPool: pool })
    await db('knex_items').insert({ id: 1, v: 'a' })
    expect(await db('knex_items').select('id', 'v')).toEqual([{ id: 1, v: 'a' }])
    await db('knex_items').where({ id: 1 }).update({ v: 'b' })
    expect(await db('knex_items').where({ id: 1 }).first('v')).toEqual({ v: 'b' })
    await db('knex_items').where({ id: 1 }).delete()
    expect(await db('knex_items').select()).toEqual([])

    await expect(
      db.transaction(async (trx) => {
        await trx('knex_items').insert({ id: 2, v: 'gone' })
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(await db('knex_items').select()).toEqual([])

    const read = async () => {
      const [rows] = (await db.raw('SELECT @@server_id AS id')) as [RowDataPacket[]]
      return Number(rows[0]!['id'])
    }
    expect(await onReplicasOnly(read)).toBe(true)
    await db.raw('INSERT INTO knex_items (id, sid) VALUES (3, @@server_id)')
    expect(await db('knex_items').select('sid')).toEqual([{ sid: 1 }])

    // Knex does not own a pool it was given (`connectionPool`): its owner ends it.
    await db.destroy()
    expect(await isEnded(pool)).toBe(false)
    await pool.end()
    expect(await isEnded(pool)).toBe(true)
  })
})

describe('TypeORM', () => {
  interface Item {
    id: number
    v: string | null
    sid: number | null
  }
  // EntitySchemaOptions is a class in TypeORM's types, but TypeORM documents a plain object here.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  const ItemSchema = new EntitySchema<Item>({
    name: 'Item',
    tableName: 'typeorm_items',
    columns: {
      id: { type: Number, primary: true },
      v: { type: String, nullable: true },
      sid: { type: Number, nullable: true },
    },
  })

  it('CRUD, rollback, reads on replicas, writes on the primary, destroy() ends the pool', async () => {
    const pools: MysqlPool[] = []
    const ds = new DataSource({
      type: 'mariadb',
      // mysqlDriver.createPool gets TypeORM's mysql2 options: host, credentials, extra.
      driver: {
        createPool: (options: MysqlPoolOptions) => {
          const pool = mysqlDriver.createPool(options)
          pools.push(pool)
          return pool
        },
      },
      host: hosts(cluster),
      username: cluster.appUser,
      password: cluster.appPassword,
      database: 'appdb',
      entities: [ItemSchema],
      extra: OPTIONS,
    })
    await ds.initialize()
    expect(pools).toHaveLength(1)
    await ready(pools[0]!)
    const repo = ds.getRepository(ItemSchema)
    await repo.insert({ id: 1, v: 'a' })
    expect(await repo.find()).toEqual([{ id: 1, v: 'a', sid: null }])
    await repo.update({ id: 1 }, { v: 'b' })
    expect(await repo.findOneBy({ id: 1 })).toEqual({ id: 1, v: 'b', sid: null })
    await repo.delete({ id: 1 })
    expect(await repo.find()).toEqual([])

    await expect(
      ds.transaction(async (em) => {
        await em.insert(ItemSchema, { id: 2, v: 'gone' })
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(await repo.find()).toEqual([])

    const read = async () =>
      Number((await ds.query<RowDataPacket[]>('SELECT @@server_id AS id'))[0]!['id'])
    expect(await onReplicasOnly(read)).toBe(true)
    await ds.query('INSERT INTO typeorm_items (id, sid) VALUES (?, @@server_id)', [3])
    expect(await repo.find({ select: { sid: true } })).toEqual([{ sid: 1 }])

    // A duplicate key reads as mysql2's error (TypeORM's QueryFailedError copies its fields).
    const duplicate = await repo.insert({ id: 3 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(duplicate).toMatchObject({ code: 'ER_DUP_ENTRY', errno: 1062 })

    await ds.destroy()
    expect(await isEnded(pools[0]!)).toBe(true)
  })
})

describe('Sequelize', () => {
  it('CRUD, rollback, reads on replicas, writes on the primary, close() ends the pool', async () => {
    const sequelize = new Sequelize({
      dialect: 'mysql',
      dialectModule: mysqlDriver,
      host: hosts(cluster),
      username: cluster.appUser,
      password: cluster.appPassword,
      database: 'appdb',
      dialectOptions: OPTIONS,
      logging: false,
    })
    const Item = sequelize.define(
      'Item',
      {
        id: { type: DataTypes.INTEGER, primaryKey: true },
        v: { type: DataTypes.STRING(64), allowNull: true },
        sid: { type: DataTypes.INTEGER, allowNull: true },
      },
      { tableName: 'sequelize_items', timestamps: false },
    )
    const plain = async () =>
      (await Item.findAll({ order: [['id', 'ASC']] })).map((i) => i.toJSON())
    await Item.create({ id: 1, v: 'a' })
    expect(await plain()).toEqual([{ id: 1, v: 'a', sid: null }])
    await Item.update({ v: 'b' }, { where: { id: 1 } })
    expect((await Item.findByPk(1))?.toJSON()).toEqual({ id: 1, v: 'b', sid: null })
    await Item.destroy({ where: { id: 1 } })
    expect(await plain()).toEqual([])

    await expect(
      sequelize.transaction(async (transaction) => {
        await Item.create({ id: 2, v: 'gone' }, { transaction })
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(await plain()).toEqual([])

    const read = async () => {
      const rows = await sequelize.query<{ id: number }>('SELECT @@server_id AS id', {
        type: QueryTypes.SELECT,
      })
      return rows[0]!.id
    }
    expect(await onReplicasOnly(read)).toBe(true)
    await sequelize.query('INSERT INTO sequelize_items (id, sid) VALUES (?, @@server_id)', {
      replacements: [3],
    })
    expect(await plain()).toEqual([{ id: 3, v: null, sid: 1 }])

    // A duplicate key is Sequelize's UniqueConstraintError (it reads mysql2's errno and message).
    const duplicate = await Item.create({ id: 3 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(duplicate).toMatchObject({ name: 'SequelizeUniqueConstraintError' })

    await sequelize.close()
    // Every pool the driver module opened is ended: no session of the application user is left.
    await expect.poll(() => appSessions(cluster), { timeout: 20_000 }).toBe(0)
  })
})

describe('mysql2 users', () => {
  it('bring their settings: a config object with mysql2 options reaches the connections', async () => {
    const pool = await ready(
      createPool({
        host: hosts(cluster),
        ...credentials(cluster),
        ...OPTIONS,
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
      }),
    )
    const [rows] = await pool.query<RowDataPacket[]>(
      "SELECT CAST('2024-01-02 03:04:05' AS DATETIME) AS d, CAST(9007199254740993 AS UNSIGNED) AS n",
    )
    expect(rows[0]).toEqual({ d: '2024-01-02 03:04:05', n: '9007199254740993' })
    const [ok] = await pool.query<ResultSetHeader>(
      'INSERT INTO kysely_items (id, v) VALUES (10, "x")',
    )
    expect(ok.affectedRows).toBe(1)
    const duplicate = await pool.query('INSERT INTO kysely_items (id) VALUES (10)').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(duplicate).toMatchObject({
      code: 'ER_DUP_ENTRY',
      errno: 1062,
      sqlState: '23000',
      sqlMessage: expect.stringContaining('Duplicate entry') as unknown,
      replicakit: { code: ErrorCode.DuplicateKey },
    })
    await pool.end()
  })
})
