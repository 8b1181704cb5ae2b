/** A listener of one event type. */
export type Listener<E> = (event: E) => void

/** Options of a {@link TypedEmitter}. */
export interface TypedEmitterOptions<Events extends object> {
  /**
   * Called when a listener throws. The emitter never lets a listener's error escape into the code
   * that emitted (a monitor's timer, for example). Default: the error is dropped.
   */
  readonly onListenerError?: (error: unknown, event: keyof Events) => void
}

interface Registration {
  readonly listener: Listener<never>
  readonly once: boolean
}

/**
 * A small event emitter typed by an event map (`{ eventName: EventClass }`). Listeners run
 * synchronously in registration order; one that throws does not stop the others.
 *
 * ```ts
 * const emitter = new TypedEmitter<TopologyEvents>()
 * emitter.on('primaryChanged', (e) => console.log(e.previous, '→', e.next))
 * ```
 */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Registration[]>()
  readonly #onListenerError: ((error: unknown, event: keyof Events) => void) | undefined

  constructor(options: TypedEmitterOptions<Events> = {}) {
    this.#onListenerError = options.onListenerError
  }

  /** Calls `listener` on every `event`. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.#add(event, listener, false)
  }

  /** Calls `listener` on the next `event` only. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.#add(event, listener, true)
  }

  /** Removes one registration of `listener` for `event` (the most recent one). */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const registrations = this.#listeners.get(event)
    if (registrations === undefined) return this
    const index = registrations.findLastIndex((r) => r.listener === listener)
    if (index !== -1) registrations.splice(index, 1)
    if (registrations.length === 0) this.#listeners.delete(event)
    return this
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0
  }

  /** Removes every listener (of `event`, or of all events). */
  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.#listeners.clear()
    else this.#listeners.delete(event)
    return this
  }

  /** Calls the listeners of `event` with `payload`. Never throws. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const registrations = this.#listeners.get(event)
    if (registrations === undefined) return
    // Copy: a listener may add or remove listeners while we iterate.
    for (const registration of [...registrations]) {
      if (registration.once) this.off(event, registration.listener as Listener<Events[K]>)
      try {
        ;(registration.listener as Listener<Events[K]>)(payload)
      } catch (error: unknown) {
        this.#reportListenerError(error, event)
      }
    }
  }

  #add<K extends keyof Events>(event: K, listener: Listener<Events[K]>, once: boolean): this {
    const registrations = this.#listeners.get(event) ?? []
    registrations.push({ listener, once })
    this.#listeners.set(event, registrations)
    return this
  }

  #reportListenerError(error: unknown, event: keyof Events): void {
    try {
      this.#onListenerError?.(error, event)
    } catch {
      // The error hook itself failed: nothing sensible is left to do, and emit must not throw.
    }
  }
}
