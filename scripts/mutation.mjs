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
//   npm run test:mutation -- topology --by-file --force   one Stryker run per file of the target, merged
//   npm run test:mutation -- topology --merge     merge the per-file reports already there, run nothing
//
// Reports: reports/mutation/<target>/index.html and report.json (git-ignored), reused by the next
// run of the same target (incremental mode: only mutants whose code or covering tests changed run;
// a survivor is not re-tested against new tests, so use --force after adding some).
// REPLICAKIT_MUTATION_OUT=<folder> writes a run elsewhere (e.g. a --mutate of survivors' lines);
// REPLICAKIT_MUTATION_EXCLUDE=<globs> leaves test files out; REPLICAKIT_MUTATION_CONCURRENCY=<n>;
// REPLICAKIT_MUTATION_TMP=<folder> gives the run its own temp folder (two runs at once).
// --by-file runs each file of a target alone into reports/mutation/<target>-<file>/ and merges
// those reports into reports/mutation/<target>/report.json: a file can then be measured again by
// itself after its tests change (a big target takes over an hour on two cores), in parallel with
// other files (give each its own REPLICAKIT_MUTATION_TMP), and --merge puts the latest together.
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { basename, join, relative, resolve } from 'node:path'
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
const byFile = takeFlag('--by-file')
const mergeOnly = takeFlag('--merge')
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
  for (const target of mergeOnly ? [] : targets) {
    const runs = byFile
      ? filesOf(TARGETS[target]).map((file) => ({
          label: `${target}: ${file}`,
          extra: ['--mutate', file],
          env: { REPLICAKIT_MUTATION_OUT: fileReportDir(target, file) },
        }))
      : [{ label: target, extra: [], env: {} }]
    for (const run of runs) {
      const started = Date.now()
      console.log(`\n=== mutation: ${run.label}`)
      const result = spawnSync(
        join(ROOT, 'node_modules', '.bin', 'stryker'),
        ['run', 'scripts/mutation-stryker.config.mjs', ...args, ...run.extra],
        {
          cwd: ROOT,
          stdio: 'inherit',
          env: { ...process.env, REPLICAKIT_MUTATION_TARGET: target, ...run.env },
        },
      )
      console.log(`=== ${run.label}: ${((Date.now() - started) / 60_000).toFixed(1)} min`)
      if (result.status !== 0) failed = true
    }
  }
}
if (byFile || mergeOnly) for (const target of targets) mergeFileReports(target)

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

/** The files a target's patterns name: a pattern of every `.ts` file under a folder lists them. */
function filesOf(patterns) {
  const files = []
  for (const pattern of patterns) {
    if (!pattern.endsWith('/**/*.ts')) {
      files.push(pattern)
      continue
    }
    const dir = pattern.slice(0, -'/**/*.ts'.length)
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) {
        files.push(relative(ROOT, join(entry.parentPath, entry.name)))
      }
    }
  }
  return files.sort()
}

/** Where --by-file writes the report of one file: reports/mutation/<target>-<file name>. */
function fileReportDir(target, file) {
  return join('reports', 'mutation', `${target}-${basename(file, '.ts')}`)
}

/**
 * Puts the per-file reports of `target` together in reports/mutation/<target>/report.json: each
 * file of the target from its own report, or else from the target's last whole run.
 */
function mergeFileReports(target) {
  const out = join(ROOT, 'reports', 'mutation', target, 'report.json')
  const merged = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : undefined
  const files = { ...merged?.files }
  let base = merged
  for (const file of filesOf(TARGETS[target])) {
    const report = join(ROOT, fileReportDir(target, file), 'report.json')
    if (!existsSync(report)) continue
    const one = JSON.parse(readFileSync(report, 'utf8'))
    base ??= one
    if (one.files[file] !== undefined) {
      files[file] = one.files[file]
      console.log(`merged ${relative(ROOT, report)}`)
    }
  }
  if (base === undefined) return
  mkdirSync(join(ROOT, 'reports', 'mutation', target), { recursive: true })
  writeFileSync(out, JSON.stringify({ ...base, files }))
}

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
