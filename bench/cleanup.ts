/**
 * A stack of teardown steps shared by the benchmark's `finally` and its signal handler, so a
 * cluster or HAProxy started by the run is stopped exactly once whichever way the run ends.
 */

/** Teardown steps run last-in first-out, each at most once. */
export class CleanupStack {
  readonly #steps: { name: string; run: () => Promise<void> }[] = []
  #running: Promise<string[]> | undefined

  /** Registers a step; returns a function that runs it now (and removes it from the stack). */
  push(name: string, run: () => Promise<void>): () => Promise<void> {
    const step = { name, run }
    this.#steps.push(step)
    return async () => {
      const index = this.#steps.indexOf(step)
      if (index < 0) return
      this.#steps.splice(index, 1)
      await run()
    }
  }

  /** Number of steps not run yet. */
  get size(): number {
    return this.#steps.length
  }

  /**
   * Runs every remaining step, newest first; a failing step does not stop the others. Resolves with
   * one message per failure. Concurrent calls share one run.
   */
  runAll(): Promise<string[]> {
    this.#running ??= (async () => {
      const failures: string[] = []
      while (this.#steps.length > 0) {
        const step = this.#steps.pop()!
        try {
          await step.run()
        } catch (error: unknown) {
          failures.push(`${step.name}: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
      return failures
    })().finally(() => {
      this.#running = undefined
    })
    return this.#running
  }
}
