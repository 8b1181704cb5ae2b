// @ts-check
// The mutation tier (docs/testing.md "Mutation testing"). Run it through `npm run test:mutation`
// (scripts/mutation.mjs), which picks the target, links the spec suites into Stryker's temp
// folder and prints the per-file table; `REPLICAKIT_MUTATION_TARGET` selects what is mutated.
import { fileURLToPath } from 'node:url'

/** What each target mutates: the core's decision code one folder at a time, and the adapters' pure translation code. */
export const TARGETS = {
  retry: ['src/retry/**/*.ts'],
  selection: ['src/selection/**/*.ts'],
  errors: ['src/errors/**/*.ts'],
  concern: ['src/concern/**/*.ts'],
  topology: ['src/topology/**/*.ts'],
  adapters: [
    'adapters/mysql/mysql-roles.ts',
    'adapters/mysql/mysql-gtid.ts',
    'adapters/mysql/mysql-statement-kind.ts',
    'adapters/cassandra/cassandra-consistency.ts',
    'adapters/mongodb/mongodb-hello.ts',
  ],
}

const target = process.env['REPLICAKIT_MUTATION_TARGET'] ?? 'retry'
const mutate = TARGETS[/** @type {keyof typeof TARGETS} */ (target)]
if (mutate === undefined) throw new Error(`unknown mutation target ${target}`)
const out = process.env['REPLICAKIT_MUTATION_OUT'] ?? `reports/mutation/${target}`

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate,
  testRunner: 'vitest',
  // Only the unit and spec projects: integration and chaos need real servers.
  vitest: { configFile: 'scripts/mutation-vitest.config.ts' },
  checkers: ['typescript'],
  // The checker's program: no tests, so checking a mutant is cheap.
  tsconfigFile:
    target === 'adapters'
      ? 'scripts/mutation-adapters-tsconfig.json'
      : 'scripts/mutation-tsconfig.json',
  coverageAnalysis: 'perTest',
  plugins: [
    '@stryker-mutator/vitest-runner',
    '@stryker-mutator/typescript-checker',
    fileURLToPath(new URL('./mutation-error-message-ignorer.mjs', import.meta.url)),
  ],
  // Mutants in error messages are not behaviour (see mutation-error-message-ignorer.mjs).
  ignorers: ['error-messages'],
  // Two cores, shared with other work.
  concurrency: Number(process.env['REPLICAKIT_MUTATION_CONCURRENCY'] ?? 2),
  incremental: true,
  incrementalFile: `${out}/incremental.json`,
  reporters: ['progress', 'html', 'json'],
  htmlReporter: { fileName: `${out}/index.html` },
  jsonReporter: { fileName: `${out}/report.json` },
  // The sandbox is <tempDirName>/sandbox-*/, so the spec runners' `../shared/spec-tests` resolves to
  // <tempDirName>/shared, which mutation.mjs links to the real ../shared. REPLICAKIT_MUTATION_TMP
  // gives a run its own folder, so two Stryker runs at once do not share (and clean) one.
  tempDirName: process.env['REPLICAKIT_MUTATION_TMP'] ?? 'reports/mutation/.stryker-tmp',
  ignorePatterns: ['.cluster', 'dist', 'coverage', 'reports', '.ci'],
  thresholds: { high: 90, low: 85, break: null },
  // Over the test's own time: a mutant that hangs (an endless retry) ends as Timeout, which counts as detected.
  timeoutMS: 3_000,
}
