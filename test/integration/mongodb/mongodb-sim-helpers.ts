/**
 * Helpers for the MongoDB adapter's simulator tests: ReplicaKit clients with fast monitoring on a
 * simulated set, closed after each file, and which member served a read.
 */
import type { Document } from 'mongodb'
import { connect } from 'replicakit/mongodb'
import type { MongoConn } from 'replicakit/mongodb'
import type { ClientOptions, ReplicaKitClient } from '../../../src/index.js'
import type { MongoSim } from '../../clusters/mongo-sim.js'

/**
 * Fast failure detection: the driver's monitor polls every 500 ms and gives a silent member 1 s;
 * selection waits 5 s at most; each call has 10 s unless a test says otherwise.
 */
export const FAST: ClientOptions = {
  heartbeatFrequencyMS: 500,
  connectTimeoutMS: 1_000,
  serverSelectionTimeoutMS: 5_000,
  timeoutMS: 10_000,
  baseBackoffMS: 20,
  maxBackoffMS: 200,
  maxRetries: 5,
}

/** ReplicaKit clients opened by a test file, to close in `afterAll`. */
export class RkClients {
  readonly #clients: ReplicaKitClient<MongoConn>[] = []

  async connect(uri: string, options: ClientOptions = {}): Promise<ReplicaKitClient<MongoConn>> {
    const client = await connect(uri, { ...FAST, ...options })
    this.#clients.push(client)
    return client
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#clients.splice(0).map((c) => c.close()))
  }
}

/** `host:port` of member `name`. */
export function memberAddress(sim: MongoSim, name: string): string {
  const m = sim.members.find((x) => x.name === name)
  if (m === undefined) throw new Error(`no member ${name}`)
  return `${m.host}:${m.port}`
}

/** The member name behind `host:port`. */
export function memberName(sim: MongoSim, address: string): string | undefined {
  return sim.members.find((m) => `${m.host}:${m.port}` === address)?.name
}

/**
 * The member that serves a command routed by the handle's own read preference (`hello` answers with
 * `me`): which member the call's intent reached.
 */
export async function servedBy(conn: MongoConn): Promise<string> {
  const reply: Document = await conn.db.command(
    { hello: 1 },
    { readPreference: conn.db.readPreference },
  )
  return String(reply['me'])
}
