/**
 * Keeps the official driver connected and this client's credentials checked, for the MongoDB
 * adapter:
 * - The driver closes its topology when its `connect()` fails (no primary within
 *   serverSelectionTimeoutMS, refused credentials, a TLS failure), which stops its monitors and
 *   answers every later call with "Topology is closed". The connector calls `connect()` again until
 *   it works: at once after a slow failure, else after a pause that doubles up to 30 s.
 * - The driver's monitors never authenticate (SDAM), so a heartbeat proves nothing about the
 *   password. The connector checks the credentials with a `ping` on any member (read preference
 *   `nearest`: the driver authenticates a pooled connection first) and tells the monitoring bridge,
 *   which shows the members as usable, or as refusing the credentials, accordingly.
 */
import { ReadPreference } from 'mongodb'
import type { MongoClient } from 'mongodb'
import { ErrorCode } from '../../src/adapter.js'
import type { Clock } from '../../src/adapter.js'
import { mapMongoError } from './mongodb-errors.js'
import type { MonitoringBridge } from './mongodb-monitoring.js'

/** The longest wait between two attempts to connect the driver, or to check refused credentials. */
const MAX_RETRY_INTERVAL_MS = 30_000
/** The shortest such wait (with `heartbeatFrequencyMS` below it). */
const MIN_RETRY_INTERVAL_MS = 500

/** The driver's connection and credential state, for one adapter. @internal */
export class DriverConnector {
  readonly #client: MongoClient
  readonly #clock: Clock
  readonly #baseIntervalMS: number
  #bridge: MonitoringBridge | undefined
  #closed = false
  /** The driver's `connect()` succeeded once: its topology stays open until it is closed. */
  #connected = false
  /** The driver's `connect()` under way, resolving to its error or `undefined`. */
  #attempt: Promise<unknown> | undefined
  /** Wakes the pause between two connection attempts (closing, or a call wants one now). */
  #wake: (() => void) | undefined
  #verifying = false
  /** Monotonic time before which the credentials are not checked again, and the next interval. */
  #nextVerifyMS = 0
  #verifyIntervalMS: number

  constructor(client: MongoClient, clock: Clock, heartbeatFrequencyMS: number) {
    this.#client = client
    this.#clock = clock
    this.#baseIntervalMS = Math.max(heartbeatFrequencyMS, MIN_RETRY_INTERVAL_MS)
    this.#verifyIntervalMS = this.#baseIntervalMS
  }

  /** Starts connecting the driver; `bridge` hears about refused and accepted credentials. */
  start(bridge: MonitoringBridge): void {
    this.#bridge = bridge
    void this.#keepConnected()
  }

  /** A pooled connection authenticated (the driver's `connectionReady`): the credentials work. */
  readonly credentialsAccepted = (): void => {
    this.#bridge?.credentialsAccepted()
    this.#verifyIntervalMS = this.#baseIntervalMS
  }

  /**
   * Whether a call must first try the credentials again: they were refused before the driver ever
   * connected (its `connect()` authenticates once and closed its topology when refused).
   */
  get mustRetryCredentials(): boolean {
    return !this.#connected && this.#bridge?.credentials === 'refused'
  }

  /** Tries the refused credentials now rather than at the next interval; throws the driver's answer. */
  async retryCredentials(): Promise<void> {
    this.#wake?.()
    const failure = await this.#connectOnce()
    if (failure !== undefined) throw mapMongoError(failure)
  }

  /**
   * Checks the credentials with a `ping` on any member, unless a check is under way or the last one
   * failed less than its interval ago (the interval doubles, up to 30 s, while they are refused).
   */
  verifyCredentials(): void {
    if (this.#closed || this.#verifying || this.#clock.monotonicMS() < this.#nextVerifyMS) return
    this.#verifying = true
    this.#client
      .db('admin')
      .command({ ping: 1 }, { readPreference: ReadPreference.nearest })
      .then(
        () => {
          this.#bridge?.credentialsAccepted()
        },
        (error: unknown) => {
          this.#noteFailure(error)
          this.#nextVerifyMS = this.#clock.monotonicMS() + this.#verifyIntervalMS
          this.#verifyIntervalMS = Math.min(this.#verifyIntervalMS * 2, MAX_RETRY_INTERVAL_MS)
        },
      )
      .finally(() => {
        this.#verifying = false
      })
  }

  /** Stops connecting (the adapter closes the driver itself). */
  close(): void {
    this.#closed = true
    this.#wake?.()
  }

  async #keepConnected(): Promise<void> {
    let intervalMS = this.#baseIntervalMS
    while (!this.#isDone()) {
      const startedMS = this.#clock.monotonicMS()
      const failure = await this.#connectOnce()
      if (failure === undefined || this.#isDone()) return
      const waitMS = intervalMS - (this.#clock.monotonicMS() - startedMS)
      intervalMS = Math.min(intervalMS * 2, MAX_RETRY_INTERVAL_MS)
      if (waitMS > 0) await this.#sleep(waitMS)
    }
  }

  /** One `MongoClient.connect()`, or the one under way: `undefined` once connected, else its error. */
  #connectOnce(): Promise<unknown> {
    this.#attempt ??= this.#client.connect().then(
      () => {
        this.#connected = true
        this.#attempt = undefined
        return undefined
      },
      (error: unknown) => {
        this.#attempt = undefined
        this.#noteFailure(error)
        return error
      },
    )
    return this.#attempt
  }

  #noteFailure(error: unknown): void {
    if (mapMongoError(error).code === ErrorCode.AuthenticationFailed) {
      this.#bridge?.credentialsRefused(error)
    }
  }

  /** Read through a method: the fields change while a `connect()` is pending. */
  #isDone(): boolean {
    return this.#closed || this.#connected
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#wake = undefined
        resolve()
      }, ms)
      this.#wake = () => {
        this.#clock.clearTimeout(timer)
        this.#wake = undefined
        resolve()
      }
    })
  }
}
