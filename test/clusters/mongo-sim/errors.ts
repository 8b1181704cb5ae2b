/**
 * Server error codes the simulator answers with, and the error replies built from them.
 *
 * @see https://github.com/mongodb/mongo/blob/master/src/mongo/base/error_codes.yml
 */
import type { Document } from 'bson'

/** Code → codeName for every code the simulator sends. */
export const CODE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  2: 'BadValue',
  9: 'FailedToParse',
  11: 'UserNotFound',
  14: 'TypeMismatch',
  26: 'NamespaceNotFound',
  28: 'PathNotViable',
  43: 'CursorNotFound',
  48: 'NamespaceExists',
  59: 'CommandNotFound',
  64: 'WriteConcernFailed',
  66: 'ImmutableField',
  91: 'ShutdownInProgress',
  115: 'CommandNotSupported',
  125: 'CommandFailed',
  189: 'PrimarySteppedDown',
  262: 'ExceededTimeLimit',
  10107: 'NotWritablePrimary',
  11000: 'DuplicateKey',
  11602: 'InterruptedDueToReplStateChange',
  13435: 'NotPrimaryNoSecondaryOk',
  13436: 'NotPrimaryOrSecondary',
})

/** Codes whose replies carry the `RetryableWriteError` label (the driver adds none itself). */
export const RETRYABLE_WRITE_CODES: ReadonlySet<number> = new Set([
  6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436,
])

/** An error a command handler throws; the server turns it into `{ok: 0, code, …}`. */
export class CommandError extends Error {
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

/** The `{ok: 0}` reply for a code, labelled `RetryableWriteError` when `isWrite` and the code is one. */
export function errorReply(code: number, message: string, isWrite = false): Document {
  const reply: Document = { ok: 0, errmsg: message, code, codeName: CODE_NAMES[code] ?? 'Error' }
  if (isWrite && RETRYABLE_WRITE_CODES.has(code)) reply['errorLabels'] = ['RetryableWriteError']
  return reply
}
