/**
 * The package as users get it (issue #7, item 7): `npm pack` builds `dist/` through the `prepare`
 * script, the tarball installs into a scratch project, and every entry point loads with plain
 * `node`, as ESM and through `require` (Node ≥ 20.19 loads ES modules synchronously), and
 * type-checks from a consumer's `.ts` file with the project's own `tsc`.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../clusters/mysql-node.js'

const run = promisify(execFile)
const ENTRY_POINTS = [
  'replicakit',
  'replicakit/mysql',
  'replicakit/mongodb',
  'replicakit/cassandra',
]
/** Bound for one step; packing builds with `tsc` (10–40 s on a busy two-core machine). */
const STEP_TIMEOUT_MS = 120_000

/** What `npm pack --json` reports about one tarball. */
interface PackReport {
  readonly filename: string
  readonly files: readonly { readonly path: string }[]
}

/** Runs a command in `cwd` and resolves with its stdout; rejects with its stderr in the message. */
async function sh(cwd: string, command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd,
      timeout: STEP_TIMEOUT_MS,
      maxBuffer: 16 * 2 ** 20,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    })
    return stdout
  } catch (error: unknown) {
    const e = error as { stderr?: string; stdout?: string; message: string }
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}`, {
      cause: error,
    })
  }
}

/** The files the `exports` map in package.json points at (`types` and `default` conditions). */
async function exportTargets(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, Record<string, string>>
  }
  return Object.values(manifest.exports).flatMap((conditions) =>
    ['types', 'default'].map((c) => (conditions[c] ?? '').replace(/^\.\//, '')),
  )
}

const CONSUMER_TS = `import { connect, ErrorCode, isReplicaKitError, type ReplicaKitClient } from 'replicakit'
import { connect as connectMysql, createPool, type MysqlConnection } from 'replicakit/mysql'
import * as mongodb from 'replicakit/mongodb'
import * as cassandra from 'replicakit/cassandra'

export async function insert(db: ReplicaKitClient<MysqlConnection>, k: number): Promise<number> {
  const [result] = await db.write((conn) => conn.query('INSERT INTO t (k) VALUES (?)', [k]), {
    w: 'majority',
    wtimeoutMS: 2000,
  })
  return 'affectedRows' in result ? result.affectedRows : 0
}

export function isSplitBrain(error: unknown): boolean {
  return isReplicaKitError(error) && error.code === ErrorCode.SplitBrain
}

export const entryPoints = [connect, connectMysql, createPool, mongodb, cassandra] as const

// The options are typed: an unknown one is an error (so the types are not 'any').
// @ts-expect-error notAnOption is not a client option
export const wrong = () => connect('mysql://a@h/db', { notAnOption: 1 })
`

describe('the packed package', () => {
  let work: string | undefined
  let app = ''
  let pack: PackReport

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replicakit-pack-'))
    work = dir
    app = join(dir, 'app')
    const out = await sh(REPO_ROOT, 'npm', ['pack', '--json', '--pack-destination', dir])
    const [report] = JSON.parse(out) as PackReport[]
    if (report === undefined) throw new Error(`npm pack printed no report: ${out}`)
    pack = report
    await mkdir(app)
    const manifest = { name: 'consumer', version: '0.0.0', private: true, type: 'module' }
    await writeFile(join(app, 'package.json'), JSON.stringify(manifest))
    // The dependencies come from npm's cache when they are there (CI's `npm ci` fills it).
    await sh(app, 'npm', [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      join(dir, pack.filename),
    ])
    // The optional peer driver, from the repository's own install (after `npm install`, which would
    // prune it as extraneous).
    // The drivers are optional peer dependencies: link the ones the entry points load (their own
    // dependencies resolve from the repository's node_modules, where the links point).
    for (const driver of ['mysql2', 'mongodb', 'cassandra-driver']) {
      await symlink(join(REPO_ROOT, 'node_modules', driver), join(app, 'node_modules', driver))
    }
  }, 2 * STEP_TIMEOUT_MS)

  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true })
  })

  it('ships the built entry points and their types, and no tests', async () => {
    const files = new Set(pack.files.map((f) => f.path))
    for (const target of await exportTargets()) expect(files, target).toContain(target)
    expect([...files].filter((f) => /^(test|bench|scripts|src|adapters)\//.test(f))).toEqual([])
    expect(files).toContain('package.json')
    expect(files).toContain('README.md')
  })

  it('imports every entry point as ESM with plain node', async () => {
    const script = ENTRY_POINTS.map(
      (name, i) => `import * as m${i} from '${name}'; keys['${name}'] = Object.keys(m${i})`,
    )
    const source = `const keys = {}; ${script.join('; ')}; console.log(JSON.stringify(keys))`
    const keys = JSON.parse(
      await sh(app, process.execPath, ['--input-type=module', '-e', source]),
    ) as Record<string, string[]>
    expect(keys['replicakit']).toEqual(expect.arrayContaining(['connect', 'isReplicaKitError']))
    expect(keys['replicakit/mysql']).toEqual(expect.arrayContaining(['connect', 'createPool']))
    for (const backend of ['replicakit/mongodb', 'replicakit/cassandra']) {
      expect(keys[backend]).toEqual(expect.arrayContaining(['connect', 'createAdapter']))
    }
    expect(Object.keys(keys).sort()).toEqual([...ENTRY_POINTS].sort())
  })

  it('loads every entry point through require (require(esm), Node >= 20.19)', async () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
    const requireEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19)
    const source =
      `const keys = {}; for (const name of ${JSON.stringify(ENTRY_POINTS)}) ` +
      `keys[name] = Object.keys(require(name)); console.log(JSON.stringify(keys))`
    const loaded = sh(app, process.execPath, ['--no-warnings', '-e', source])
    if (!requireEsm) {
      await expect(loaded).rejects.toThrow(/ERR_REQUIRE_ESM/)
      return
    }
    const keys = JSON.parse(await loaded) as Record<string, string[]>
    expect(keys['replicakit']).toEqual(expect.arrayContaining(['connect', 'isReplicaKitError']))
    expect(keys['replicakit/mysql']).toEqual(expect.arrayContaining(['connect', 'createPool']))
    expect(Object.keys(keys).sort()).toEqual([...ENTRY_POINTS].sort())
  })

  it(
    "type-checks a consumer's .ts file against the installed types",
    async () => {
      await writeFile(join(app, 'consumer.ts'), CONSUMER_TS)
      const tsconfig = {
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          strict: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }
      await writeFile(join(app, 'tsconfig.json'), JSON.stringify(tsconfig))
      const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
      await sh(app, process.execPath, [tsc, '-p', 'tsconfig.json'])
    },
    STEP_TIMEOUT_MS,
  )
})
