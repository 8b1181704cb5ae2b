/**
 * When a write counts as done.
 *
 * @see https://github.com/mongodb/specifications/blob/master/source/read-write-concern/read-write-concern.md#write-concern
 */
export interface WriteConcern {
  /** Members that must have applied the write: a number, `'majority'`, or a tag-set mode name. */
  readonly w?: number | 'majority' | string
  /** Bound on waiting for `w`, in ms; 0 or absent = no bound beyond the call's deadline. */
  readonly wtimeoutMS?: number
  /** Wait for the write to be durable on disk (meaning per backend: see docs/options.md). */
  readonly journal?: boolean
}

/**
 * What a read may see.
 */
export interface ReadConcern {
  /** `local`, `majority`, `linearizable`, `available`, `snapshot`, or a backend level passed through. */
  readonly level?: string
}
