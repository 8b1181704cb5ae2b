/**
 * The `replicakit/cassandra` entry point. The Cassandra adapter is not built yet: `connect()` with a
 * `cassandra://` URI fails with `UNSUPPORTED_BACKEND` (the URI itself parses and validates). This module
 * exists so the package's exports map is stable.
 */
export {}
