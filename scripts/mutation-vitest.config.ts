import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * The vitest configuration of the mutation tier (scripts/mutation-stryker.config.mjs): the unit and
 * spec projects of the repository's vitest.config.ts and nothing else (Stryker's vitest runner runs
 * every project of the configuration it is given, and integration and chaos need real servers).
 * Keep the aliases and the two projects in step with vitest.config.ts.
 */
const root = fileURLToPath(new URL('../', import.meta.url))
/** Test files left out of the run, comma-separated globs (e.g. a suite that is red while being rewritten). */
const exclude = (process.env['REPLICAKIT_MUTATION_EXCLUDE'] ?? '').split(',').filter(Boolean)

export default defineConfig({
  root,
  resolve: {
    alias: [
      { find: /^replicakit$/, replacement: `${root}src/index.ts` },
      {
        find: /^replicakit\/(mysql|mongodb|cassandra)$/,
        replacement: `${root}adapters/$1/index.ts`,
      },
    ],
  },
  test: {
    // Stryker switches mutants through a global, not by reloading modules: reusing the worker's
    // module cache across test files makes each mutant's run several times cheaper.
    isolate: false,
    exclude: ['**/node_modules/**', ...exclude],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 },
      },
      {
        extends: true,
        test: { name: 'spec', include: ['test/spec/**/*.spec.test.ts'], testTimeout: 10_000 },
      },
    ],
  },
})
