#!/usr/bin/env node
// The mutation tier: StrykerJS (vitest runner over the unit and spec projects, TypeScript checker,
// per-test coverage, incremental) on the core's decision code or the adapters' pure translation
// code. Not part of `npm test`: a full run takes tens of minutes. See docs/testing.md.
//
//   npm run test:mutation                         core: src/retry, selection, errors, concern, topology (one run each)
//   npm run test:mutation -- adapters             the adapters' pure translation code
//   npm run test:mutation -- retry selection      some of the core's folders
//   npm run test:mutation -- retry --mutate src/retry/call-scope.ts   anything after the targets goes to Stryker
//   npm run test:mutation -- --report             print the tables of the last runs, run nothing
//   npm run test:mutation -- retry --survivors    also list the surviving mutants
//
// Reports: reports/mutation/<target>/index.html and report.json (git-ignored), reused by the next
// run of the same target (incremental mode: only mutants whose code or covering tests changed run;
// a survivor is not re-tested against new tests, so use --force after adding some).
// REPLICAKIT_MUTATION_OUT=<folder> writes a run elsewhere (e.g. a --mutate of survivors' lines);
// REPLICAKIT_MUTATION_EXCLUDE=<globs> leaves test files out; REPLICAKIT_MUTATION_CONCURRENCY=<n>;
// REPLICAKIT_MUTATION_TMP=<folder> gives the run its own temp folder (two runs at once).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { TARGETS } from './mutation-stryker.config.mjs'

const ROOT = resolve(import.meta.dirname, '..')
const CORE = ['retry', 'selection', 'errors', 'concern', 'topology']
const args = process.argv.slice(2)
const targets = []
while (args.length > 0 && (args[0] === 'core' || Object.hasOwn(TARGETS, args[0]))) {
  const name = args.shift()
  targets.push(...(name === 'core' ? CORE : [name]))
}
const reportOnly = takeFlag('--report')
const showSurvivors = takeFlag('--survivors')
if (targets.length === 0) targets.push(...CORE)

let failed = false
if (!reportOnly) {
  // Stryker copies the tree to <temp folder>/sandbox-*/ (reports/mutation/.stryker-tmp, or
  // REPLICAKIT_MUTATION_TMP, as in mutation-stryker.config.mjs); the spec runners read
  // ../shared/spec-tests relative to the tree, so that folder needs a `shared` next to the sandboxes.
  const tmp = resolve(
    ROOT,
    process.env['REPLICAKIT_MUTATION_TMP'] ?? 'reports/mutation/.stryker-tmp',
  )
  mkdirSync(tmp, { recursive: true })
  const link = join(tmp, 'shared')
  if (!existsSync(link)) symlinkSync(resolve(ROOT, '..', 'shared'), link)
  for (const target of targets) {
    const started = Date.now()
    console.log(`\n=== mutation: ${target}`)
    const result = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'stryker'),
      ['run', 'scripts/mutation-stryker.config.mjs', ...args],
      { cwd: ROOT, stdio: 'inherit', env: { ...process.env, REPLICAKIT_MUTATION_TARGET: target } },
    )
    console.log(`=== ${target}: ${((Date.now() - started) / 60_000).toFixed(1)} min`)
    if (result.status !== 0) failed = true
  }
}

const rows = []
for (const target of targets) {
  const file = join(ROOT, 'reports', 'mutation', target, 'report.json')
  if (!existsSync(file)) {
    console.log(`no report for ${target} (${relative(ROOT, file)})`)
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  const totals = count([])
  for (const [name, { mutants }] of Object.entries(report.files).sort()) {
    const c = count(mutants)
    rows.push(row(name, c))
    for (const key of Object.keys(totals)) totals[key] += c[key]
    if (showSurvivors) {
      for (const m of mutants) {
        if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue
        const at = `${name}:${m.location.start.line}:${m.location.start.column}`
        console.log(`${m.status} ${at} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`)
      }
    }
  }
  rows.push(row(`**${target}**`, totals))
}
if (rows.length > 0) {
  console.log('\n| file | score | killed | timeout | survived | no coverage | ignored |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  for (const line of rows) console.log(line)
}
process.exit(failed ? 1 : 0)

function takeFlag(flag) {
  const at = args.indexOf(flag)
  if (at === -1) return false
  args.splice(at, 1)
  return true
}

function count(mutants) {
  const c = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0 }
  for (const m of mutants) if (m.status in c) c[m.status] += 1
  return c
}

function row(name, c) {
  const detected = c.Killed + c.Timeout
  const valid = detected + c.Survived + c.NoCoverage
  const score = valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)} %`
  return `| ${name} | ${score} | ${c.Killed} | ${c.Timeout} | ${c.Survived} | ${c.NoCoverage} | ${c.Ignored} |`
}
