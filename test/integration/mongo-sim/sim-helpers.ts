/**
 * Helpers for the simulator tests: driver clients that are closed after each file, direct reads
 * from one member, and the server descriptions the driver's SDAM currently holds.
 */
import { MongoClient, type MongoClientOptions, type ServerDescription } from 'mongodb'
import type { MongoSim } from '../../clusters/mongo-sim.js'

/** Clients opened by a test file, to close in `afterAll`. */
export class ClientPool {
  readonly #clients: MongoClient[] = []

  /** A client for `uri`, not yet connected (to subscribe to its events first). */
  create(uri: string, options: MongoClientOptions = {}): MongoClient {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 15_000, ...options })
    this.#clients.push(client)
    return client
  }

  /** A connected client for `uri`. */
  async connect(uri: string, options: MongoClientOptions = {}): Promise<MongoClient> {
    const client = this.create(uri, options)
    await client.connect()
    return client
  }

  /** Closes every client. */
  async closeAll(): Promise<void> {
    await Promise.all(this.#clients.splice(0).map((c) => c.close().catch(() => undefined)))
  }
}

/** Latest server description per address, kept up to date from SDAM events. */
export function trackServers(client: MongoClient): Map<string, ServerDescription> {
  const servers = new Map<string, ServerDescription>()
  client.on('serverDescriptionChanged', (event) => {
    servers.set(event.address, event.newDescription)
  })
  return servers
}

/** `host:port` of member `name`. */
export function addressOf(sim: MongoSim, name: string): string {
  const member = sim.members.find((m) => m.name === name)!
  return `${member.host}:${member.port}`
}

/** Documents of `app.<collection>` matching `filter`, read directly from member `name`. */
export async function readFrom(
  pool: ClientPool,
  sim: MongoSim,
  name: string,
  collection: string,
  filter: Record<string, unknown> = {},
): Promise<unknown[]> {
  const client = await pool.connect(`mongodb://${addressOf(sim, name)}/?directConnection=true`)
  try {
    return await client.db('app').collection(collection).find(filter).toArray()
  } finally {
    await client.close()
  }
}
