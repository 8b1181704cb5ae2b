/**
 * The shared runner of the MongoDB `connection-string` and `uri-options` spec suites (they use one
 * format). Each case runs twice: leniently (`strict: false`, the spec's warn-and-ignore behaviour,
 * whose warnings, hosts, auth and options are compared with the file) and strictly (ReplicaKit's
 * default), where every case the spec marks `warning: true` must be a `ConfigError`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OPTION_BY_URI_KEY } from '../../src/config/option-table.js'
import { resolveOptions } from '../../src/config/options.js'
import { parseConnectionString } from '../../src/config/uri.js'
import type { ConnectionString } from '../../src/config/uri.js'
import { ConfigError } from '../../src/errors/errors.js'

/** Where the vendored spec files are read in place (never copied into the repo). */
export const SPEC_ROOT = new URL('../../../shared/spec-tests/mongodb/', import.meta.url)

interface SpecHost {
  readonly type: string
  readonly host: string
  readonly port: number | null
}

interface SpecCase {
  readonly description: string
  readonly uri: string
  readonly valid: boolean
  readonly warning: boolean | null
  readonly hosts: readonly SpecHost[] | null
  readonly auth: {
    readonly username: string | null
    readonly password: string | null
    readonly db: string | null
  } | null
  readonly options: Readonly<Record<string, unknown>> | null
}

/** The parsed `tests` array of every `*.json` file of a spec folder, sorted by file name. */
export function readSpecFolder(
  folder: string,
): readonly (readonly [file: string, tests: readonly unknown[]])[] {
  const dir = new URL(folder, SPEC_ROOT)
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const content = JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as { tests: unknown[] }
      return [name, content.tests] as const
    })
}

/**
 * Registers one `describe` per file and one test per case, named after the spec's description.
 * Every case runs (none is skipped): `mongodb+srv` URIs are parsed and validated (only
 * `resolveOptions` refuses them, as there is no SRV lookup), and percent-encoded unix socket paths
 * are a host kind of the parser.
 */
export function runConnectionStringSuite(folder: string): void {
  for (const [file, tests] of readSpecFolder(folder)) {
    describe(file, () => {
      for (const testCase of tests as readonly SpecCase[]) {
        it(testCase.description, () => {
          runCase(testCase)
        })
      }
    })
  }
}

function runCase(testCase: SpecCase): void {
  const { uri } = testCase
  if (!testCase.valid) {
    expect(() => parseConnectionString(uri, { strict: false })).toThrow(ConfigError)
    expect(() => parseConnectionString(uri)).toThrow(ConfigError)
    return
  }
  const lenient = parseConnectionString(uri, { strict: false })
  if (testCase.warning === true) {
    expect(lenient.warnings.length).toBeGreaterThan(0)
    expect(() => parseConnectionString(uri)).toThrow(ConfigError)
  } else {
    expect(lenient.warnings).toEqual([])
    expect(parseConnectionString(uri)).toEqual(lenient)
  }
  if (testCase.hosts !== null) {
    expect(
      lenient.hosts.map((h) => ({ type: h.kind, host: h.host, port: h.port ?? null })),
    ).toEqual(testCase.hosts)
  }
  if (testCase.auth !== null) {
    expect({
      username: lenient.username ?? null,
      password: lenient.password ?? null,
      db: lenient.database ?? null,
    }).toEqual(testCase.auth)
  }
  for (const [key, expected] of Object.entries(testCase.options ?? {})) {
    expect(optionValue(lenient, key), `option ${key}`).toEqual(expected)
  }
  // What parses must also resolve (SRV and unix sockets excepted: those are refused at resolution).
  const resolvable =
    lenient.scheme !== 'mongodb+srv' && lenient.hosts.every((h) => h.kind !== 'unix')
  if (resolvable) expect(resolveOptions(uri, { strict: false }).warnings).toEqual(lenient.warnings)
}

function optionValue(cs: ConnectionString, specKey: string): unknown {
  const name = OPTION_BY_URI_KEY.get(specKey.toLowerCase())
  expect(name, `option ${specKey} is in the option table`).toBeDefined()
  return name === undefined ? undefined : cs.options[name]
}
