/**
 * Renders the option reference table of docs/options.md from the option table, so the docs cannot
 * drift: `options-doc.test.ts` fails when the file differs. Regenerate with
 * `npx tsx test/unit/config/options-doc.ts --write`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import type { AnyOptionRow } from '../../../src/config/option-kinds.js'
import { OPTION_NAMES, OPTION_TABLE } from '../../../src/config/option-table.js'

/** docs/options.md, resolved from this file. */
export const OPTIONS_DOC = new URL('../../../docs/options.md', import.meta.url)
export const START_MARKER =
  '<!-- option-table:start (generated from src/config/option-table.ts) -->'
export const END_MARKER = '<!-- option-table:end -->'

const GROUP_TEXT: Readonly<Record<AnyOptionRow['group'], string>> = {
  core: 'top level',
  readPreference: '`readPreference`',
  writeConcern: '`writeConcern`',
  readConcern: '`readConcern`',
  tls: '`tls`',
  mongodb: '`backendOptions` (MongoDB only)',
  none: '— (no effect)',
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

function defaultText(row: AnyOptionRow): string {
  const value: unknown = row.default
  if (value === undefined) return '—'
  if (value instanceof Map) return value.size === 0 ? 'none' : 'see text'
  return `\`${JSON.stringify(value).replaceAll('"', '')}\``
}

function backendsText(row: AnyOptionRow): string {
  if (row.backends.length === 0) return 'none (accepted, ignored)'
  if (row.backends.length === 3) return 'all'
  return row.backends.join(', ')
}

/** The markdown table: one row per option, in table order. */
export function renderOptionTable(): string {
  const lines = [
    '| Option | Allowed values | Default | Unit | Backends | In `ResolvedOptions` | Meaning |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const name of OPTION_NAMES) {
    const row: AnyOptionRow = OPTION_TABLE[name]
    const aliases =
      row.aliases.length === 0 ? '' : ` (alias ${row.aliases.map((a) => `\`${a}\``).join(', ')})`
    const secret = row.secret ? ' Secret: never shown.' : ''
    lines.push(
      `| \`${name}\`${aliases} | ${cell(row.allowed)} | ${defaultText(row)} | ${row.unit ?? ''} | ` +
        `${backendsText(row)} | ${GROUP_TEXT[row.group]} | ${cell(row.description)}${secret} |`,
    )
  }
  return lines.join('\n')
}

/** docs/options.md with the generated block replaced by a fresh rendering. */
export function renderOptionsDoc(current: string): string {
  const start = current.indexOf(START_MARKER)
  const end = current.indexOf(END_MARKER)
  if (start === -1 || end < start) throw new Error('docs/options.md lacks the option-table markers')
  return `${current.slice(0, start + START_MARKER.length)}\n\n${renderOptionTable()}\n\n${current.slice(end)}`
}

/** {@link renderOptionsDoc}, formatted by prettier as the repository's files are. */
export async function formattedOptionsDoc(current: string): Promise<string> {
  const config = await resolveConfig(fileURLToPath(OPTIONS_DOC))
  return format(renderOptionsDoc(current), { ...config, parser: 'markdown' })
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(OPTIONS_DOC, await formattedOptionsDoc(readFileSync(OPTIONS_DOC, 'utf8')))
}
