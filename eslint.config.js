// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import importX from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

const DRIVERS = ['mongodb', 'mysql2', 'mysql2/*', 'cassandra-driver']

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.cluster/**',
      'coverage/**',
      // StrykerJS's reports and sandbox copies of the tree (npm run test:mutation).
      'reports/**',
      '.dependency-cruiser.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSEnumDeclaration',
          message: 'Use a frozen `as const` object and a same-name type.',
        },
      ],
      'import-x/no-cycle': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: DRIVERS, message: 'src/ is backend-neutral: drivers belong in adapters/.' },
            { group: ['**/adapters/**'], message: 'src/ never imports adapters/.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use the injected Clock (src/util/clock.ts).' },
        { name: 'setInterval', message: 'Use the injected Clock (src/util/clock.ts).' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use the injected Clock (src/util/clock.ts).' },
      ],
    },
  },
  {
    files: ['src/util/clock.ts'],
    rules: { 'no-restricted-globals': 'off', 'no-restricted-properties': 'off' },
  },
  {
    // An adapter's implementation imports only the contract (src/adapter.ts).
    files: ['adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/*', '!**/src/adapter.js'],
              message:
                'An adapter imports only src/adapter.js (its entry point may import src/index.js).',
            },
          ],
        },
      ],
    },
  },
  {
    // Entry points (index.ts, <db>-connect.ts) and the layers above the client (the mysql2-compatible
    // pool) may also import the public barrel, src/index.ts.
    files: ['adapters/*/index.ts', 'adapters/*/*-connect.ts', 'adapters/mysql/pool/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/*', '!**/src/adapter.js', '!**/src/index.js'],
              message: 'Entry points import src/index.js or src/adapter.js only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests, harnesses, scripts and benchmarks print and poke at internals.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.mjs'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Callbacks handed to read()/write() are async by contract even when they do not await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node },
  },
)
