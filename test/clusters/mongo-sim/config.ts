/**
 * The replica-set configuration every member process receives (JSON on its command line), and the
 * derived views of it: voters, majority, hosts lists, election ids.
 */
import { ObjectId } from 'bson'

/** One member of the simulated set. */
export interface SimMemberConfig {
  /** `m1`, `m2`… */
  readonly name: string
  readonly host: string
  /** The port clients (the driver) dial. */
  readonly port: number
  /** The port of the peer protocol (heartbeats, votes, replication, control). */
  readonly peerPort: number
  readonly arbiterOnly: boolean
  readonly hidden: boolean
  /** 0 = never primary. */
  readonly priority: number
  /** 1 or 0. */
  readonly votes: number
  readonly tags: Readonly<Record<string, string>>
  /** `secondaryDelaySecs` in ms: the member applies each entry this long after it was written. */
  readonly delayMS: number
}

/**
 * TLS on every member's client port (Node `tls.createServer`): the port then accepts only TLS. The
 * peer port (heartbeats, votes, replication, the harness's control requests) stays plain.
 */
export interface SimTlsConfig {
  /** Server certificate (PEM) for the members' host, e.g. `serverCert('127.0.0.1')`. */
  readonly certFile: string
  readonly keyFile: string
  /** Require a client certificate signed by this CA (`requestCert` + `rejectUnauthorized`). */
  readonly clientCaFile?: string
}

/** The whole set's configuration and timing. */
export interface SimSetConfig {
  readonly setName: string
  readonly setVersion: number
  readonly members: readonly SimMemberConfig[]
  /** How long without a primary before an election, in ms. */
  readonly electionTimeoutMS: number
  readonly heartbeatIntervalMS: number
  /** The primary writes a no-op entry this often, so `lastWriteDate` advances on an idle set. */
  readonly noopIntervalMS: number
  /** TLS on the client ports; absent = plain TCP. */
  readonly tls?: SimTlsConfig
}

/** What one member process is started with. */
export interface MemberProcessConfig {
  readonly set: SimSetConfig
  /** This member's name. */
  readonly self: string
  /** Replication lag to start with, in ms (default: the member's `delayMS`). */
  readonly lagMS?: number
}

/** `host:port` as clients dial it (and as hello's `me` must say). */
export function hostOf(member: SimMemberConfig): string {
  return `${member.host}:${member.port}`
}

/** Whether the member can ever be elected. */
export function isElectable(member: SimMemberConfig): boolean {
  return !member.arbiterOnly && member.priority > 0 && member.votes > 0
}

/** Votes needed to win an election, and the member count behind `w: 'majority'`. */
export function majorityOf(set: SimSetConfig): number {
  const votes = set.members.reduce((sum, m) => sum + m.votes, 0)
  return Math.floor(votes / 2) + 1
}

/** hello's `hosts`, `passives` and `arbiters` lists. */
export function helloLists(set: SimSetConfig): {
  hosts: string[]
  passives: string[]
  arbiters: string[]
} {
  const visible = set.members.filter((m) => !m.hidden)
  return {
    hosts: visible.filter((m) => !m.arbiterOnly && m.priority > 0).map(hostOf),
    passives: visible.filter((m) => !m.arbiterOnly && m.priority === 0).map(hostOf),
    arbiters: visible.filter((m) => m.arbiterOnly).map(hostOf),
  }
}

/** The electionId of a term, as protocol version 1 servers make it (`7fffffff` + term). */
export function electionIdOf(term: number): ObjectId {
  return new ObjectId(`7fffffff${term.toString(16).padStart(16, '0')}`)
}
