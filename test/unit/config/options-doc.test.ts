import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OPTION_NAMES, OPTION_TABLE } from '../../../src/config/option-table.js'
import { END_MARKER, formattedOptionsDoc, OPTIONS_DOC, START_MARKER } from './options-doc.js'

const doc = readFileSync(OPTIONS_DOC, 'utf8')

describe('docs/options.md', () => {
  it('holds the table rendered from the option table (regenerate: npx tsx test/unit/config/options-doc.ts --write)', async () => {
    expect(doc).toContain(START_MARKER)
    expect(doc).toContain(END_MARKER)
    expect(doc).toBe(await formattedOptionsDoc(doc))
  })

  it.each(OPTION_NAMES)('documents %s with its allowed values and description', (name) => {
    const row = OPTION_TABLE[name]
    const line = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``))
    expect(line).toBeDefined()
    expect(line).toContain(row.allowed.replaceAll('|', '\\|'))
    expect(line).toContain(row.description.replaceAll('|', '\\|'))
    if (
      typeof row.default === 'number' ||
      typeof row.default === 'boolean' ||
      typeof row.default === 'string'
    ) {
      expect(line).toContain(`\`${String(row.default)}\``)
    }
  })
})
