import { isConfigurationRefused } from '../errors/classify.js'
import { ErrorCode } from '../errors/error-codes.js'
import {
  ClientClosedError,
  ReplicaKitError,
  TimeoutError,
  isReplicaKitError,
} from '../errors/errors.js'
import type { Clock, ClockTimer } from '../util/clock.js'
import type { NodeAddress } from './node-address.js'
import type { ProbeResult } from './node-description.js'
import { RttSampler } from './rtt-sampler.js'

/** Options of one probe call. */
export interface ProbeCallOptions {
  /** Bound on the whole probe, ms (the monitor also enforces it). */
  readonly timeoutMS: number
  /** Aborted when the probe times out or the monitor closes. */
  readonly signal: AbortSignal
}

/** Probes one node: the adapter's `probe`. Throws (rejects) when the node cannot be probed. */
export type ProbeFunction = (
  address: NodeAddress,
  options: ProbeCallOptions,
) => Promise<ProbeResult>

/** The longest wait between two probes of a node that refuses the client's credentials, ms. */
export const MAX_REFUSAL_BACKOFF_MS = 60_000

/** The minimum time between two checks of one node, ms (SDAM: 500, not configurable). */
export const MIN_HEARTBEAT_FREQUENCY_MS = 500

/** What a {@link Monitor} needs. */
export interface MonitorOptions {
  readonly address: NodeAddress
  readonly clock: Clock
  readonly probe: ProbeFunction
  /** Time from the end of one check to the start of the next, ms. */
  readonly heartbeatFrequencyMS: number
  /** No check starts sooner than this after the previous one started, ms. Default 500. */
  readonly minHeartbeatFrequencyMS?: number
  /** Bound on one probe, ms (`connectTimeoutMS`). */
  readonly timeoutMS: number
  /** Whether the node was in a known state (not Unknown); asked when a probe fails. */
  readonly isKnown: () => boolean
  readonly onStarted: () => void
  /** A probe succeeded after `durationMS`; `averageRttMS` includes it. */
  readonly onSucceeded: (result: ProbeResult, durationMS: number, averageRttMS: number) => void
  readonly onFailed: (error: ReplicaKitError, durationMS: number) => void
}

/**
 * Probes one node: every `heartbeatFrequencyMS` (counted from the end of the previous check), sooner
 * on request but never sooner than `minHeartbeatFrequencyMS` after the previous check started, and
 * once more at once after a node that was known fails a probe. A probe that outlasts `timeoutMS` is
 * aborted and reported as a `CONNECT_TIMEOUT` failure. Nothing it does throws into the event loop.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-monitoring.md#monitor-thread
 */
export class Monitor {
  readonly #options: MonitorOptions
  readonly #minGapMS: number
  /** Probes in a row that the node refused (credentials, database): the backoff grows with them. */
  #refusals = 0
  readonly #rtt = new RttSampler()
  #timer: ClockTimer | null = null
  #timerDueMS: number | null = null
  #lastCheckStartMS: number | null = null
  #checkRequested = false
  #started = false
  #closed = false
  #controller: AbortController | null = null
  #inFlight: Promise<void> | null = null

  constructor(options: MonitorOptions) {
    this.#options = options
    this.#minGapMS = options.minHeartbeatFrequencyMS ?? MIN_HEARTBEAT_FREQUENCY_MS
  }

  /** Starts the first check now. Idempotent. */
  start(): void {
    if (this.#started || this.#closed) return
    this.#started = true
    this.#runCheck()
  }

  /**
   * Asks for a check as soon as allowed: now, or `minHeartbeatFrequencyMS` after the previous check
   * started. A request during a check is served right after it, with the same spacing.
   *
   * @see https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-monitoring.md#requesting-an-immediate-check
   */
  requestCheck(): void {
    if (!this.#started || this.#closed) return
    if (this.#inFlight !== null) {
      this.#checkRequested = true
      return
    }
    const delayMS = this.#earliestDelayMS()
    const nowMS = this.#options.clock.monotonicMS()
    if (this.#timerDueMS !== null && this.#timerDueMS <= nowMS + delayMS) return
    this.#schedule(delayMS)
  }

  /** Forgets the RTT average (the node became Unknown for another reason than a probe). */
  resetRtt(): void {
    this.#rtt.reset()
  }

  /**
   * Stops for good: clears the timer, aborts a running probe; resolves when it has settled.
   * Idempotent: a second call finds no timer and no running probe (aborting one lets it go).
   */
  close(): Promise<void> {
    this.#closed = true
    this.#clearTimer()
    this.#controller?.abort(
      new ClientClosedError(`monitor of ${this.#options.address} closed`, {
        code: ErrorCode.ClientClosed,
        node: this.#options.address,
      }),
    )
    return this.#inFlight ?? Promise.resolve()
  }

  #earliestDelayMS(): number {
    if (this.#lastCheckStartMS === null) return 0
    const sinceMS = this.#options.clock.monotonicMS() - this.#lastCheckStartMS
    // A node that refuses this client's credentials or database is not asked again on request:
    // only as its backoff allows (a login attempt twice a second would flood its logs).
    const gapMS = this.#refusals > 0 ? this.#refusalDelayMS() : this.#minGapMS
    return Math.max(0, gapMS - sinceMS)
  }

  /**
   * The wait after the n-th refusal in a row: `heartbeatFrequencyMS`, doubling per refusal, at most
   * {@link MAX_REFUSAL_BACKOFF_MS} (and never less than the heartbeat).
   */
  #refusalDelayMS(): number {
    const heartbeatMS = this.#options.heartbeatFrequencyMS
    const backoffMS = heartbeatMS * 2 ** Math.max(0, this.#refusals - 1)
    return Math.max(heartbeatMS, Math.min(backoffMS, MAX_REFUSAL_BACKOFF_MS))
  }

  #schedule(delayMS: number): void {
    this.#clearTimer()
    const { clock } = this.#options
    this.#timerDueMS = clock.monotonicMS() + delayMS
    this.#timer = clock.setTimeout(() => {
      this.#timer = null
      this.#timerDueMS = null
      this.#runCheck()
    }, delayMS)
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#options.clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#timerDueMS = null
  }

  /**
   * Called by start() (once, never after close) and by the timer, which exists only between checks
   * (close clears it), so no check is running and the monitor is open here.
   */
  #runCheck(): void {
    this.#clearTimer()
    this.#inFlight = this.#check().catch(() => undefined)
  }

  async #check(): Promise<void> {
    const { clock } = this.#options
    this.#checkRequested = false
    const startMS = clock.monotonicMS()
    this.#lastCheckStartMS = startMS
    let nextDelayMS = this.#options.heartbeatFrequencyMS
    try {
      safely(() => {
        this.#options.onStarted()
      })
      const result = await this.#probeWithTimeout()
      if (this.#closed) return
      const durationMS = clock.monotonicMS() - startMS
      const averageRttMS = this.#rtt.addSample(result.roundTripTimeMS ?? durationMS)
      this.#refusals = 0
      safely(() => {
        this.#options.onSucceeded(result, durationMS, averageRttMS)
      })
    } catch (cause: unknown) {
      if (this.#closed) return
      const { wasKnown, error } = this.#reportFailure(cause, clock.monotonicMS() - startMS)
      if (isConfigurationRefused(error)) {
        // Wrong credentials or a missing database: back off instead of logging in again at once.
        this.#refusals++
        nextDelayMS = this.#refusalDelayMS()
      } else {
        this.#refusals = 0
        // SDAM: after a known node fails, check again at once instead of sleeping (one retry only:
        // the node is Unknown now, so a second failure waits the full interval).
        if (wasKnown) nextDelayMS = 0
      }
    } finally {
      this.#inFlight = null
      if (!this.#closed) {
        // A request may have arrived while the probe ran (the flag changes across the await).
        if (this.#wasCheckRequested()) {
          nextDelayMS = Math.min(nextDelayMS, this.#earliestDelayMS())
        }
        this.#schedule(nextDelayMS)
      }
    }
  }

  #wasCheckRequested(): boolean {
    return this.#checkRequested
  }

  /** Reports a failed probe; returns whether the node was known before it, and the error. */
  #reportFailure(
    cause: unknown,
    durationMS: number,
  ): { readonly wasKnown: boolean; readonly error: ReplicaKitError } {
    const { address } = this.#options
    const error = isReplicaKitError(cause)
      ? cause
      : new ReplicaKitError(`probe of ${address} failed: ${describe(cause)}`, {
          code: ErrorCode.Internal,
          node: address,
          cause,
        })
    let wasKnown = false
    safely(() => {
      wasKnown = this.#options.isKnown()
    })
    this.#rtt.reset()
    safely(() => {
      this.#options.onFailed(error, durationMS)
    })
    return { wasKnown, error }
  }

  #probeWithTimeout(): Promise<ProbeResult> {
    const { clock, address, timeoutMS, probe } = this.#options
    const controller = new AbortController()
    this.#controller = controller
    return new Promise<ProbeResult>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        const error = new TimeoutError(
          `probe of ${address} timed out after ${timeoutMS} ms (connectTimeoutMS)`,
          { code: ErrorCode.ConnectTimeout, node: address },
        )
        controller.abort(error)
      }, timeoutMS)
      const settle = (): void => {
        clock.clearTimeout(timer)
        controller.signal.removeEventListener('abort', onAbort)
        if (this.#controller === controller) this.#controller = null
      }
      const onAbort = (): void => {
        settle()
        reject(controller.signal.reason as Error)
      }
      controller.signal.addEventListener('abort', onAbort, { once: true })
      Promise.resolve()
        .then(() => probe(address, { timeoutMS, signal: controller.signal }))
        .then(
          (result) => {
            settle()
            resolve(result)
          },
          (error: unknown) => {
            settle()
            reject(error instanceof Error ? error : new Error(String(error)))
          },
        )
    })
  }
}

function safely(fn: () => void): void {
  try {
    fn()
  } catch {
    // A callback's failure must not stop monitoring; the topology reports its own errors.
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
