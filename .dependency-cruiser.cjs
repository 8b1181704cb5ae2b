/**
 * Import rules that ESLint cannot check: cycles counted with type imports too
 * (`import-x/no-cycle` always skips `import type`), over src/ and adapters/.
 * Run by `npm run lint` (`depcruise src adapters`).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle, type imports included: split the shared piece into a module of its own.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Count `import type` edges: a type-level cycle still ties the modules together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)(node_modules|dist|test|bench|examples)/' },
  },
}
