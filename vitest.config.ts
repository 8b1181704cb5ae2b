import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * Four tiers, as in STYLE.md §7. Unit and spec tests need nothing running; integration and chaos
 * tests talk to real servers that their files start through `test/clusters/` (or find through
 * REPLICAKIT_*_URI), and run one file at a time because the machine has two cores.
 */
export default defineConfig({
  // `replicakit` and `replicakit/<backend>` resolve to the TypeScript sources in tests, as the
  // `replicakit-source` export condition does for tsx (see package.json exports).
  resolve: {
    alias: [
      { find: /^replicakit$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      {
        find: /^replicakit\/(mysql|mongodb|cassandra)$/,
        replacement: fileURLToPath(new URL('./adapters/$1/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    // In CI a stray `.only` fails the run instead of silently skipping everything else.
    allowOnly: !process.env['CI'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'spec',
          include: ['test/spec/**/*.spec.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Holds this run's lease on the shared Cassandra ring (test/clusters/cassandra-shared.ts).
          globalSetup: ['test/setup/cassandra-ring.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          // Holds this run's lease on the shared Cassandra ring (test/clusters/cassandra-shared.ts).
          globalSetup: ['test/setup/cassandra-ring.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
})
