import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ErrorCode, ErrorLabel } from '../../../src/errors/error-codes.js'

const DOC = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')

/** The first cell of every table row, without its backticks. */
const FIRST_CELLS = new Set(
  DOC.split('\n')
    .filter((line) => /^\|\s*`/.test(line))
    .map((line) => line.slice(2, line.indexOf('|', 2)).trim().replaceAll('`', '')),
)
const CODE_ROW = /^\|\s*`([A-Z_]+)`\s*\|/
const CODE_ROWS = DOC.split('\n').filter((line) => CODE_ROW.test(line))

describe('docs/errors.md', () => {
  it.for(Object.values(ErrorCode))('has a row for the code %s', (code) => {
    expect(FIRST_CELLS.has(code)).toBe(true)
  })

  it.for(Object.values(ErrorLabel))('has a row for the label %s', (label) => {
    expect(FIRST_CELLS.has(label)).toBe(true)
  })

  it('documents no code that does not exist', () => {
    const known = new Set<string>(Object.values(ErrorCode))
    const documented = CODE_ROWS.map((line) => CODE_ROW.exec(line)?.[1] ?? '')
    expect(documented.filter((code) => !known.has(code))).toEqual([])
    expect(documented).toHaveLength(known.size)
  })

  it('fills every column of the code table', () => {
    for (const row of CODE_ROWS) {
      const cells = row.split('|').slice(1, -1)
      expect(cells, row).toHaveLength(5)
      for (const cell of cells) expect(cell.trim(), row).not.toBe('')
    }
  })
})
