/**
 * MongoDB connection-string spec suite (all 8 files), run against `parseConnectionString`.
 *
 * @see https://github.com/mongodb/specifications/tree/master/source/connection-string/tests
 */
import { runConnectionStringSuite } from './connection-string-runner.js'

runConnectionStringSuite('connection-string/tests/')
