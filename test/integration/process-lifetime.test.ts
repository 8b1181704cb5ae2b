/**
 * A pending call keeps the process alive until it settles, and an idle client does not: scripts run
 * as child processes (plain node with the TypeScript sources) against an address where nothing
 * listens, so every call waits for a node that never comes.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const SOURCE = join(REPO, 'src', 'index.ts')
const URI = 'mysql://app:pw@127.0.0.1:1/appdb?serverSelectionTimeoutMS=1500&timeoutMS=1500'
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replicakit-lifetime-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Runs `source` as an ES module; resolves with its exit code and output (bounded at 60 s). */
async function run(name: string, source: string): Promise<{ code: number | null; out: string }> {
  const file = join(dir, name)
  await writeFile(file, source)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(guard)
      resolve({ code, out })
    })
  })
}

describe('process lifetime', () => {
  it('keeps a main().then() script alive until the call fails, running its catch and finally', async () => {
    const { code, out } = await run(
      'pending-then.mts',
      `import { connect } from ${JSON.stringify(SOURCE)}
async function main() {
  const db = await connect(${JSON.stringify(URI)})
  try {
    await db.read((c) => c.query('SELECT 1'))
    console.log('resolved')
  } finally {
    await db.close()
    console.log('finally ran')
  }
}
main().then(() => console.log('done'), (e) => { console.log('caught', e.code); process.exitCode = 3 })
`,
    )
    expect(out).toContain('finally ran')
    expect(out).toMatch(/caught (OPERATION_TIMEOUT|SERVER_SELECTION_TIMEOUT)/)
    expect(code).toBe(3)
  })

  it('keeps a top-level-await script alive until the call fails', async () => {
    const { code, out } = await run(
      'pending-tla.mts',
      `import { connect } from ${JSON.stringify(SOURCE)}
const db = await connect(${JSON.stringify(URI)})
try {
  await db.write((c) => c.query('SELECT 1'))
} catch (e) {
  console.log('caught', e.code)
} finally {
  await db.close()
}
`,
    )
    expect(out).toMatch(/caught (OPERATION_TIMEOUT|SERVER_SELECTION_TIMEOUT)/)
    expect(code).toBe(0)
  })

  it('lets a script with an idle client exit by itself', async () => {
    const { code, out } = await run(
      'idle.mts',
      `import { connect } from ${JSON.stringify(SOURCE)}
const db = await connect(${JSON.stringify(URI)})
console.log('connected', db.topology().nodes.length)
`,
    )
    expect(out).toContain('connected 1')
    expect(code).toBe(0)
  })
})
