#!/usr/bin/env node
// The whole test suite, as `npm test` runs it: typecheck, lint, then the vitest tiers one after the
// other (unit + spec need nothing running; integration and chaos start real servers themselves).
// Prints one summary line per tier and, last, the plain line CI reads: "N passed, M failed, K skipped".
//
//   node scripts/test.mjs                 everything
//   node scripts/test.mjs --only spec     one tier (unit | spec | integration | chaos)
//   node scripts/test.mjs --no-static     skip typecheck and lint (they still run in CI)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const args = process.argv.slice(2)
const onlyIndex = args.indexOf('--only')
const only = onlyIndex === -1 ? undefined : args[onlyIndex + 1]
const runStatic = only === undefined && !args.includes('--no-static')
const TIERS = ['unit', 'spec', 'integration', 'chaos']
if (only !== undefined && !TIERS.includes(only)) {
  console.error(`unknown tier "${only}": use one of ${TIERS.join(', ')}`)
  process.exit(2)
}

// The Cassandra ring is started by the first test file that needs it and shared by every tier:
// this script holds the run's lease on it and releases it after the last tier, which stops a ring
// the run started (test/clusters/cassandra-shared.ts). An outer holder, if any, keeps that role.
const holdsCassandraLease = !process.env.REPLICAKIT_TEST_RUN_HOLDER
if (holdsCassandraLease) process.env.REPLICAKIT_TEST_RUN_HOLDER = String(process.pid)

const totals = { passed: 0, failed: 0, skipped: 0 }
const lines = []
let broken = false

function run(label, command, commandArgs) {
  console.log(`\n=== ${label}: ${command} ${commandArgs.join(' ')}`)
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', env: process.env })
  return result.status ?? 1
}

if (runStatic) {
  for (const [label, script] of [
    ['typecheck', 'typecheck'],
    ['lint', 'lint'],
  ]) {
    const status = run(label, 'npm', ['run', '--silent', script])
    if (status === 0) {
      totals.passed += 1
      lines.push(`${label}: ok`)
    } else {
      totals.failed += 1
      broken = true
      lines.push(`${label}: FAILED (exit ${status})`)
    }
  }
}

// unit and spec share one vitest run; the servers-backed tiers each get their own.
const groups = only !== undefined ? [[only]] : [['unit', 'spec'], ['integration'], ['chaos']]
const dir = mkdtempSync(join(tmpdir(), 'replicakit-test-'))
try {
  for (const projects of groups) {
    const out = join(dir, `${projects.join('-')}.json`)
    const projectArgs = projects.flatMap((p) => ['--project', p])
    const status = run(projects.join('+'), 'npx', [
      'vitest',
      'run',
      ...projectArgs,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${out}`,
      '--passWithNoTests',
    ])
    let report
    try {
      report = JSON.parse(readFileSync(out, 'utf8'))
    } catch {
      broken = true
      totals.failed += 1
      lines.push(`${projects.join('+')}: FAILED (vitest exited ${status} and wrote no report)`)
      continue
    }
    if (status !== 0) broken = true
    const failedBefore = totals.failed
    const perProject = new Map(projects.map((p) => [p, { passed: 0, failed: 0, skipped: 0 }]))
    for (const file of report.testResults ?? []) {
      const project = projectOf(file.name, projects)
      const counts = perProject.get(project)
      let failedHere = 0
      for (const test of file.assertionResults ?? []) {
        if (test.status === 'passed') counts.passed += 1
        else if (test.status === 'failed') failedHere += 1
        else counts.skipped += 1 // skipped, pending, todo
      }
      // A file that failed without a failed test (it did not load, or a beforeAll/afterAll hook
      // threw and its tests were never run) is a failure all the same, never a skip.
      if (failedHere === 0 && file.status === 'failed') failedHere = 1
      counts.failed += failedHere
    }
    for (const [project, c] of perProject) {
      totals.passed += c.passed
      totals.failed += c.failed
      totals.skipped += c.skipped
      lines.push(`${project}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`)
      if (c.failed > 0) broken = true
    }
    // vitest failed the run with no failed test (an unhandled error or rejection during the run):
    // a failure all the same, counted so that the last line never reads "0 failed".
    if (status !== 0 && totals.failed === failedBefore) {
      totals.failed += 1
      lines.push(`${projects.join('+')}: FAILED (vitest exited ${status}: unhandled errors, see above)`)
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
  const ringState = join(import.meta.dirname, '..', '.cluster', 'cassandra', 'state.json')
  if (holdsCassandraLease && existsSync(ringState)) {
    const release = ['run', '--silent', 'cluster', '--', 'release', 'cassandra']
    spawnSync('npm', [...release, '--holder', String(process.pid)], { stdio: 'inherit' })
  }
}

console.log('\n=== summary')
for (const line of lines) console.log(line)
if (only === undefined) {
  console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
}
process.exit(broken || totals.failed > 0 ? 1 : 0)

function projectOf(fileName, projects) {
  for (const p of projects) if (fileName.includes(`/test/${p}/`)) return p
  return projects[0]
}
