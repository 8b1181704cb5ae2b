/**
 * The `replicakit/mongodb` entry point. The MongoDB adapter itself is not built yet: `connect()` with a
 * `mongodb://` URI fails with `UNSUPPORTED_BACKEND`. What exists is the translation of a MongoDB
 * `hello` reply into the core's neutral probe result, which the SDAM spec suites exercise.
 *
 * ```ts
 * import { helloToProbeResult } from 'replicakit/mongodb'
 * const probe = helloToProbeResult({ ok: 1, isWritablePrimary: true, setName: 'rs0', hosts: ['a:27017'] })
 * ```
 */
export { helloToProbeResult } from './mongodb-hello.js'
