/**
 * Entry point of one member process:
 * `node --import tsx test/clusters/mongo-sim/member.ts '<MemberProcessConfig JSON>'`.
 * Serves the driver on the member's port and the peer protocol (heartbeats, votes, oplog pulls,
 * and the harness's control requests) on its peer port; exits on SIGTERM or a `shutdown` request.
 */
import type { Document } from 'bson'
import type { Server } from 'node:net'
import { serveClients } from './client-server.js'
import type { MemberProcessConfig } from './config.js'
import type { HeartbeatState } from './member-peers.js'
import { servePeers } from './peer-link.js'
import { ReplicaMember } from './replica-member.js'

const config = JSON.parse(process.argv[2] ?? '{}') as MemberProcessConfig
const member = new ReplicaMember(config.set, config.self, config.lagMS)
const servers: Server[] = []

function shutdown(): void {
  member.stop()
  for (const server of servers) server.close()
  // Open client sockets would keep the process up; the harness wants it gone.
  setTimeout(() => process.exit(0), 50).unref()
}

async function handlePeer(request: Document): Promise<Document> {
  switch (request['type']) {
    case 'hb':
      member.observe(request['state'] as HeartbeatState)
      return { state: member.heartbeatState() }
    case 'vote':
      return member.handleVote(request)
    case 'pull':
      return member.servePull(request)
    case 'electNow':
      void member.forceElection()
      return {}
    // Control requests from the harness.
    case 'status':
      return member.status()
    case 'elect':
      return { elected: await member.forceElection() }
    case 'stepDown':
      await member.stepDown(
        Number(request['seconds'] ?? 10),
        Number(request['catchUpMS'] ?? 2000),
        request['force'] === true,
      )
      return {}
    case 'setLag':
      member.lagMS = Number(request['lagMS'])
      return {}
    case 'dropReply':
      member.dropReplies = Number(request['count'] ?? 1)
      return {}
    case 'shutdown':
      setImmediate(shutdown)
      return {}
    default:
      throw new Error(`unknown peer request ${String(request['type'])}`)
  }
}

process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
const self = member.config
servers.push(await serveClients(member, self.host, self.port, config.set.tls))
servers.push(await servePeers(self.host, self.peerPort, handlePeer))
member.start()
console.log(
  `${self.name}: listening on ${self.host}:${self.port}${config.set.tls === undefined ? '' : ' (TLS)'} ` +
    `(peers ${self.peerPort}), pid ${process.pid}`,
)
