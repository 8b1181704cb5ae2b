import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { EJSON } from 'bson'

/**
 * The vendored MongoDB spec suites, read in place (never copied into the repo; see SOURCE.md there
 * for the commit and licence).
 */
export const MONGODB_SPEC_ROOT = new URL('../../../../shared/spec-tests/mongodb/', import.meta.url)

/** One spec file: its path relative to the suite folder, and its parsed (relaxed EJSON) content. */
export interface SpecFile<T> {
  readonly name: string
  readonly content: T
}

/**
 * Every `.json` file under `folder` (relative to {@link MONGODB_SPEC_ROOT}), recursively, sorted by
 * path, parsed with relaxed Extended JSON (`$numberLong` becomes a number).
 */
export function loadSpecFiles<T>(folder: string): SpecFile<T>[] {
  const root = fileURLToPath(
    new URL(folder.endsWith('/') ? folder : `${folder}/`, MONGODB_SPEC_ROOT),
  )
  const names = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.split('\\').join('/'))
    .sort()
  return names.map((name) => ({
    name,
    content: EJSON.parse(readFileSync(`${root}/${name}`, 'utf8'), { relaxed: true }) as T,
  }))
}

/** The number of `.json` files directly or indirectly under `folder` (for skip-named tests). */
export function countSpecFiles(folder: string): number {
  const root = fileURLToPath(
    new URL(folder.endsWith('/') ? folder : `${folder}/`, MONGODB_SPEC_ROOT),
  )
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.json'))
    .length
}
