import type { AdapterCapabilities, CallIntent } from '../adapter.js'
import type { ReadConcern, WriteConcern } from '../concern/write-concern.js'
import type { ResolvedOptions } from '../config/options.js'
import { ErrorCode } from '../errors/error-codes.js'
import { ConfigError, OperationError } from '../errors/errors.js'
import type { ReadPreference } from '../selection/read-preference.js'
import { callReadPreference } from './call-options.js'
import type { CallOptions } from './call-options.js'

const PRIMARY: ReadPreference = Object.freeze({ mode: 'primary' })

/** Call options that only reads take. */
const READ_ONLY_OPTIONS = ['readPreference', 'readPreferenceTags', 'maxStalenessSeconds'] as const

/**
 * The intents of one client's calls (what an adapter that routes turns into driver options). A call
 * that overrides nothing shares one frozen intent per kind, so the common call builds none. @internal
 */
export class CallIntents {
  readonly #options: ResolvedOptions
  readonly #causal: AdapterCapabilities['causalReads']
  readonly #defaultRead: CallIntent
  readonly #defaultWrite: CallIntent

  constructor(options: ResolvedOptions, capabilities: AdapterCapabilities) {
    this.#options = options
    this.#causal = capabilities.causalReads
    this.#defaultRead = intent(
      'read',
      options.readPreference,
      options.writeConcern,
      options.readConcern,
      false,
    )
    this.#defaultWrite = intent('write', PRIMARY, options.writeConcern, options.readConcern, false)
  }

  /** The intent of a read with `call`'s options. */
  read(call: CallOptions): CallIntent {
    const native = this.#nativeSession(call)
    if (
      native === undefined &&
      call.readPreference === undefined &&
      call.readPreferenceTags === undefined &&
      call.maxStalenessSeconds === undefined
    ) {
      return this.#defaultRead
    }
    const rp = callReadPreference(this.#options.readPreference, call)
    return intent('read', rp, this.#options.writeConcern, this.#options.readConcern, false, native)
  }

  /**
   * The intent of a write with `call`'s options and write concern `wc`. A read preference on a write
   * is refused rather than ignored: a write always goes to the primary.
   */
  write(call: CallOptions, wc: WriteConcern): CallIntent {
    for (const name of READ_ONLY_OPTIONS) {
      if (call[name] !== undefined) {
        throw new ConfigError(
          `${name} applies to reads only: a write always goes to the primary; drop ${name} ` +
            'from this write, or use read() for a statement that only reads',
          { code: ErrorCode.InvalidOption },
        )
      }
    }
    const native = this.#nativeSession(call)
    const idempotent = call.idempotent ?? false
    if (native === undefined && wc === this.#options.writeConcern && !idempotent)
      return this.#defaultWrite
    return intent('write', PRIMARY, wc, this.#options.readConcern, idempotent, native)
  }

  /**
   * The driver session of `call.session` (causal reads `'native'`). A session on a backend without
   * causal reads is refused: it would promise read-your-writes that nothing keeps.
   */
  #nativeSession(call: CallOptions): unknown {
    const session = call.session
    if (session === undefined) return undefined
    switch (this.#causal) {
      case 'native':
        return session.nativeSession()
      case 'replica-waits':
        return undefined
      case 'none':
        throw new OperationError(
          'this backend has no causal sessions: drop the session option, and read with ' +
            'readPreference=primary after a write with w=majority for read-your-writes',
          { code: ErrorCode.NotSupported },
        )
      default: {
        const _exhaustive: never = this.#causal
        return _exhaustive
      }
    }
  }
}

function intent(
  kind: CallIntent['kind'],
  readPreference: ReadPreference,
  writeConcern: WriteConcern,
  readConcern: ReadConcern,
  idempotent: boolean,
  nativeSession?: unknown,
): CallIntent {
  return Object.freeze({
    kind,
    readPreference,
    writeConcern,
    readConcern,
    idempotent,
    ...(nativeSession === undefined ? {} : { nativeSession }),
  })
}
