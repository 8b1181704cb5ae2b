import { defineConfig } from 'vitest/config'

/**
 * Four tiers, as in STYLE.md §7. Unit and spec tests need nothing running; integration and chaos
 * tests talk to real servers that their files start through `test/clusters/` (or find through
 * REPLICAKIT_*_URI), and run one file at a time because the machine has two cores.
 */
export default defineConfig({
  // `replicakit/mysql` etc. resolve to the TypeScript sources in tests (see package.json exports).
  resolve: { conditions: ['replicakit-source'] },
  ssr: { resolve: { conditions: ['replicakit-source'] } },
  test: {
    // In CI a stray `.only` fails the run instead of silently skipping everything else.
    allowOnly: !process.env['CI'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'spec',
          include: ['test/spec/**/*.spec.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
})
