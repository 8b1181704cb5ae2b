/**
 * MongoDB uri-options spec suite (all files), run against `parseConnectionString`. The TLS cases name
 * `ca.pem`/`cert.pem` only as strings: ReplicaKit does not read TLS files at configuration time (the
 * adapter does when it connects), so no placeholder files are needed.
 *
 * @see https://github.com/mongodb/specifications/tree/master/source/uri-options/tests
 */
import { runConnectionStringSuite } from './connection-string-runner.js'

runConnectionStringSuite('uri-options/tests/')
