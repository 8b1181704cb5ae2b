/**
 * MongoDB read-write-concern spec suite: `connection-string` (through `resolveOptions`) and
 * `document` (through the concern helpers). The `operation` folder is the unified test format and
 * needs a real MongoDB server; its tests are listed as skipped.
 *
 * @see https://github.com/mongodb/specifications/tree/master/source/read-write-concern/tests
 */
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../src/config/options.js'
import {
  isServerDefaultReadConcern,
  parseReadConcern,
  readConcernToWire,
} from '../../src/concern/read-concern.js'
import type { WriteConcern } from '../../src/concern/write-concern.js'
import {
  isAcknowledged,
  isServerDefaultWriteConcern,
  parseWriteConcern,
  writeConcernToWire,
} from '../../src/concern/write-concern.js'
import { ConfigError } from '../../src/errors/errors.js'
import { readSpecFolder } from './connection-string-runner.js'

interface UriCase {
  readonly description: string
  readonly uri: string
  readonly valid: boolean
  readonly warning: boolean | null
  readonly writeConcern?: Readonly<Record<string, unknown>>
  readonly readConcern?: Readonly<Record<string, unknown>>
}

interface DocumentCase {
  readonly description: string
  readonly valid: boolean
  readonly writeConcern?: Readonly<Record<string, unknown>>
  readonly writeConcernDocument?: Readonly<Record<string, unknown>> | null
  readonly readConcern?: Readonly<Record<string, unknown>>
  readonly readConcernDocument?: Readonly<Record<string, unknown>> | null
  readonly isServerDefault: boolean | null
  readonly isAcknowledged?: boolean | null
}

describe('connection-string', () => {
  for (const [file, tests] of readSpecFolder('read-write-concern/tests/connection-string/')) {
    describe(file, () => {
      for (const testCase of tests as readonly UriCase[]) {
        it(testCase.description, () => {
          if (!testCase.valid) {
            expect(() => resolveOptions(testCase.uri)).toThrow(ConfigError)
            // The uri-options spec asks lenient parsers to warn about and ignore a bad single value
            // (e.g. w=-2); a conflict (w=0&journal=true) is an error in both modes.
            let warnings: readonly string[] = []
            try {
              warnings = resolveOptions(testCase.uri, { strict: false }).warnings
            } catch (error: unknown) {
              expect(error).toBeInstanceOf(ConfigError)
              return
            }
            expect(warnings.length).toBeGreaterThan(0)
            return
          }
          const resolved = resolveOptions(testCase.uri)
          expect(resolveOptions(testCase.uri, { strict: false }).warnings).toEqual([])
          if (testCase.writeConcern !== undefined)
            expect(resolved.writeConcern).toEqual(testCase.writeConcern)
          if (testCase.readConcern !== undefined)
            expect(resolved.readConcern).toEqual(testCase.readConcern)
        })
      }
    })
  }
})

describe('document', () => {
  for (const [file, tests] of readSpecFolder('read-write-concern/tests/document/')) {
    describe(file, () => {
      for (const testCase of tests as readonly DocumentCase[]) {
        it(testCase.description, () => {
          if (testCase.writeConcern !== undefined)
            checkWriteConcern(testCase, testCase.writeConcern)
          if (testCase.readConcern !== undefined) checkReadConcern(testCase, testCase.readConcern)
          expect(testCase.writeConcern ?? testCase.readConcern).toBeDefined()
        })
      }
    })
  }
})

function checkWriteConcern(testCase: DocumentCase, input: Readonly<Record<string, unknown>>): void {
  if (!testCase.valid) {
    expect(() => parseWriteConcern(input)).toThrow(ConfigError)
    // The spec still defines acknowledgement for an invalid concern (w:0 + j:true is acknowledged).
    if (testCase.isAcknowledged != null)
      expect(isAcknowledged(input as WriteConcern)).toBe(testCase.isAcknowledged)
    return
  }
  const wc = parseWriteConcern(input)
  expect(writeConcernToWire(wc)).toEqual(testCase.writeConcernDocument)
  expect(isServerDefaultWriteConcern(wc)).toBe(testCase.isServerDefault)
  expect(isAcknowledged(wc)).toBe(testCase.isAcknowledged)
}

function checkReadConcern(testCase: DocumentCase, input: Readonly<Record<string, unknown>>): void {
  if (!testCase.valid) {
    expect(() => parseReadConcern(input)).toThrow(ConfigError)
    return
  }
  const rc = parseReadConcern(input)
  expect(readConcernToWire(rc)).toEqual(testCase.readConcernDocument)
  expect(isServerDefaultReadConcern(rc)).toBe(testCase.isServerDefault)
}

describe('operation', () => {
  for (const [file, tests] of readSpecFolder('read-write-concern/tests/operation/')) {
    describe(file, () => {
      for (const testCase of tests as readonly { description: string }[]) {
        it.skip(`${testCase.description} [skip: unified test format, needs a real MongoDB server]`, () =>
          undefined)
      }
    })
  }
})
