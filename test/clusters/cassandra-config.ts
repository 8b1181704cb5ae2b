/**
 * The fixed shape of the test ring and each node's files and JVM command line: `cassandra.yaml`
 * with every directory explicit, `cassandra-rackdc.properties`, a logback config, and the java
 * options of Cassandra 5.0's `conf/jvm*-server.options` for JDK 17.
 *
 * @see ../../../shared/recipes/cassandra-ring.md ("Per node", "The java command line")
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { JAMM_JAR } from './cassandra-jars.js'
import { ensureTlsFiles } from './tls-certs.js'

/**
 * Client-to-node TLS of a node (Cassandra's `client_encryption_options`), with the test
 * certificates of `tls-certs.ts`: the node's own `server-<address>` certificate and the test CA.
 */
export interface NodeClientTls {
  /** `optional: true`: plain and TLS clients share the CQL port; `false`: TLS only. */
  readonly optional: boolean
  /** `require_client_auth`: a client must present a certificate signed by the test CA. */
  readonly requireClientAuth: boolean
}

/** Where one node sits in the ring; the same on every run. */
export interface CassandraNodeLayout {
  /** `node1` … `node4`. */
  readonly name: string
  /** Its own loopback address (Linux routes all of 127.0.0.0/8 to `lo`). */
  readonly host: string
  readonly dc: string
  readonly rack: string
  /** Its single Murmur3 token (`num_tokens: 1`), as a decimal string. */
  readonly token: string
  /** Local JMX port (`cassandra.jmx.local.port`); distinct per node, always bound on 127.0.0.1. */
  readonly jmxPort: number
  /** `cluster_name`; {@link CLUSTER_NAME} when absent. */
  readonly clusterName?: string
  /** The seed (`host:7000`); {@link SEED} when absent. */
  readonly seed?: string
  /** Client-to-node TLS; plain only when absent (a node recorded by an older harness). */
  readonly clientTls?: NodeClientTls
  /**
   * `authenticator: PasswordAuthenticator`; the default superuser `cassandra`/`cassandra` is made
   * as soon as CQL is up (`-Dcassandra.superuser_setup_delay_ms=0`).
   */
  readonly passwordAuth?: boolean
}

/** CQL port, the same on every node (they differ by address). */
export const CQL_PORT = 9042
/** Gossip / internode port, the same on every node. */
export const STORAGE_PORT = 7000
/** `cluster_name` in every node's yaml. */
export const CLUSTER_NAME = 'replicakit-test'
/** The data center the tests treat as local. */
export const LOCAL_DC = 'dc1'

const NODE_COUNT = 4
const DC_OF = Object.freeze(['dc1', 'dc1', 'dc1', 'dc2'] as const)

/** Four evenly spaced Murmur3 tokens: -2^63 + i * 2^62. */
function tokenOf(index: number): string {
  return (-(2n ** 63n) + BigInt(index) * 2n ** 62n).toString()
}

/**
 * The shared ring's TLS: optional, so the plain clients of every existing test and TLS clients
 * (`tls=true&tlsCAFile=…`) both connect on 9042; no client certificate asked for.
 */
export const SHARED_RING_CLIENT_TLS: NodeClientTls = Object.freeze({
  optional: true,
  requireClientAuth: false,
})

/**
 * The ring every test shares: `dc1` = node1–node3 on 127.0.0.1–3, `dc2` = node4 on 127.0.0.4,
 * all `rack1`; node1 is the only seed; client TLS optional. Changing a node's dc or rack needs its
 * data wiped, so the shape is fixed.
 */
export const RING_LAYOUT: readonly CassandraNodeLayout[] = Object.freeze(
  Array.from({ length: NODE_COUNT }, (_, i) =>
    Object.freeze({
      name: `node${i + 1}`,
      host: `127.0.0.${i + 1}`,
      dc: DC_OF[i] ?? 'dc1',
      rack: 'rack1',
      token: tokenOf(i),
      jmxPort: 7199 + 100 * i,
      clientTls: SHARED_RING_CLIENT_TLS,
    }),
  ),
)

/** The seed every node gossips with first. */
export const SEED = `${RING_LAYOUT[0]?.host ?? '127.0.0.1'}:${STORAGE_PORT}`

/** The secure node's address: its certificate is `server-127.0.0.5` of `tls-certs.ts`. */
export const SECURE_HOST = '127.0.0.5'

/**
 * The secure node: a one-node cluster of its own (`replicakit-secure`, seed itself, its own data)
 * on 127.0.0.5 for what needs the server to insist: TLS only (`optional: false`), a client
 * certificate signed by the test CA (`require_client_auth`), and `PasswordAuthenticator`.
 */
export const SECURE_LAYOUT: readonly CassandraNodeLayout[] = Object.freeze([
  Object.freeze({
    name: 'secure1',
    host: SECURE_HOST,
    dc: LOCAL_DC,
    rack: 'rack1',
    token: '0',
    jmxPort: 7599,
    clusterName: 'replicakit-secure',
    seed: `${SECURE_HOST}:${STORAGE_PORT}`,
    clientTls: Object.freeze({ optional: false, requireClientAuth: true }),
    passwordAuth: true,
  }),
])

/** The node's folders and files under its directory. */
export function nodePaths(dir: string) {
  return {
    conf: join(dir, 'conf'),
    yaml: join(dir, 'conf', 'cassandra.yaml'),
    rackdc: join(dir, 'conf', 'cassandra-rackdc.properties'),
    logback: join(dir, 'conf', 'logback.xml'),
    data: join(dir, 'data'),
    commitlog: join(dir, 'commitlog'),
    savedCaches: join(dir, 'saved_caches'),
    hints: join(dir, 'hints'),
    cdcRaw: join(dir, 'cdc_raw'),
    logs: join(dir, 'logs'),
    tmp: join(dir, 'tmp'),
    /** stdout + stderr of the JVM, where logback writes too (appended across restarts). */
    log: join(dir, 'logs', 'cassandra.log'),
    /** The node's private key and certificate, PEM (`PEMBasedSslContextFactory`'s keystore). */
    keystore: join(dir, 'conf', 'keystore.pem'),
    /** The test CA, PEM (client certificates are checked against it). */
    truststore: join(dir, 'conf', 'truststore.pem'),
  } as const
}

/** The `cassandra.yaml` of one node (every key exists in 5.0's `Config`; unknown keys abort startup). */
export function cassandraYaml(node: CassandraNodeLayout, dir: string): string {
  const p = nodePaths(dir)
  return `cluster_name: '${node.clusterName ?? CLUSTER_NAME}'
num_tokens: 1
initial_token: ${node.token}
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: GossipingPropertyFileSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "${node.seed ?? SEED}"
listen_address: ${node.host}
rpc_address: ${node.host}
storage_port: ${STORAGE_PORT}
native_transport_port: ${CQL_PORT}
auto_bootstrap: false
data_file_directories:
  - ${p.data}
commitlog_directory: ${p.commitlog}
saved_caches_directory: ${p.savedCaches}
hints_directory: ${p.hints}
cdc_raw_directory: ${p.cdcRaw}
commitlog_sync: periodic
commitlog_sync_period: 10000ms
auto_snapshot: false
memtable_heap_space: 64MiB
key_cache_size: 8MiB
file_cache_size: 32MiB
concurrent_compactors: 1
write_request_timeout: 2000ms
read_request_timeout: 5000ms
phi_convict_threshold: 8
${node.passwordAuth === true ? 'authenticator: PasswordAuthenticator\n' : ''}${clientTlsYaml(node.clientTls, p)}`
}

/**
 * `client_encryption_options` with Cassandra 5.0's `PEMBasedSslContextFactory`: PEM files as they
 * come from openssl (an unencrypted PKCS#8 key needs no password), no keytool or PKCS12 step.
 */
function clientTlsYaml(tls: NodeClientTls | undefined, p: ReturnType<typeof nodePaths>): string {
  if (tls === undefined) return ''
  return `client_encryption_options:
  enabled: true
  optional: ${tls.optional}
  ssl_context_factory:
    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
  keystore: ${p.keystore}
  truststore: ${p.truststore}
  require_client_auth: ${tls.requireClientAuth}
`
}

/** Logback: INFO to stdout, which the harness appends to `logs/cassandra.log`. */
const LOGBACK = `<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder>
      <pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern>
    </encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="STDOUT" />
  </root>
</configuration>
`

/**
 * Creates the node's folders and writes its config files (overwriting older ones): the yaml, the
 * rack file, logback, and with client TLS its keystore (`server-<host>` key + certificate) and
 * truststore (the test CA), made first if needed by `ensureTlsFiles()`.
 */
export async function writeNodeConfig(node: CassandraNodeLayout, dir: string): Promise<void> {
  const p = nodePaths(dir)
  for (const folder of [p.conf, p.data, p.commitlog, p.savedCaches, p.hints, p.cdcRaw, p.logs]) {
    await mkdir(folder, { recursive: true })
  }
  await mkdir(p.tmp, { recursive: true })
  await writeFile(p.yaml, cassandraYaml(node, dir))
  await writeFile(p.rackdc, `dc=${node.dc}\nrack=${node.rack}\n`)
  await writeFile(p.logback, LOGBACK)
  if (node.clientTls !== undefined) {
    const tls = await ensureTlsFiles()
    const key = await readFile(tls.serverKey(node.host), 'utf8')
    const cert = await readFile(tls.serverCert(node.host), 'utf8')
    await writeFile(p.keystore, `${key}${cert}`, { mode: 0o600 })
    await copyFile(tls.ca, p.truststore)
  }
}

const GENERAL_OPTIONS = [
  '-Xms512M',
  '-Xmx512M',
  '-ea',
  '-da:net.openhft...',
  '-XX:+UseThreadPriorities',
  '-XX:+HeapDumpOnOutOfMemoryError',
  '-Xss256k',
  '-XX:+UseTLAB',
  '-XX:+ResizeTLAB',
  '-XX:+PerfDisableSharedMem',
  '-Djava.net.preferIPv4Stack=true',
  '-Dchronicle.analytics.disable=true',
  '-XX:+ExitOnOutOfMemoryError',
]

const G1_OPTIONS = [
  '-XX:+UseG1GC',
  '-XX:+ParallelRefProcEnabled',
  '-XX:MaxTenuringThreshold=1',
  '-XX:G1RSetUpdatingPauseTimePercent=5',
  '-XX:MaxGCPauseMillis=300',
  '-XX:InitiatingHeapOccupancyPercent=70',
]

/** 5.0's `conf/jvm17-server.options`, plus the full-JDK flags of `bin/cassandra.in.sh`. */
const JDK17_OPTIONS = [
  '-Djdk.attach.allowAttachSelf=true',
  ...[
    'java.base/jdk.internal.misc',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.management/com.sun.jmx.remote.security',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
    'java.base/java.lang.ref',
    'jdk.unsupported/sun.misc',
    'jdk.attach/sun.tools.attach',
    'jdk.compiler/com.sun.tools.javac.file',
  ].flatMap((p) => ['--add-exports', `${p}=ALL-UNNAMED`]),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.lang.reflect',
    'java.base/java.lang',
    'java.base/java.util',
    'java.base/java.nio',
    'jdk.compiler/com.sun.tools.javac',
  ].flatMap((p) => ['--add-opens', `${p}=ALL-UNNAMED`]),
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dio.netty.allocator.useCacheForAllThreads=true',
  '-Dio.netty.allocator.maxOrder=11',
]

/** The `java` binary: `$JAVA_HOME/bin/java` when set, else `java` from PATH. */
export function javaBinary(): string {
  const home = process.env['JAVA_HOME']
  return home !== undefined && home !== '' ? join(home, 'bin', 'java') : 'java'
}

/** The recipe's java arguments for one node (`java <these>`), `CassandraDaemon` in the foreground. */
export function cassandraJavaArgs(
  node: CassandraNodeLayout,
  dir: string,
  libDir: string,
): string[] {
  const p = nodePaths(dir)
  return [
    ...GENERAL_OPTIONS,
    ...G1_OPTIONS,
    ...JDK17_OPTIONS,
    `-javaagent:${join(libDir, JAMM_JAR)}`,
    `-Dcassandra.config=file://${p.yaml}`,
    `-Dcassandra-rackdc.properties=file://${p.rackdc}`,
    `-Dcassandra.storagedir=${dir}`,
    `-Dcassandra.logdir=${p.logs}`,
    `-Dlogback.configurationFile=${p.logback}`,
    '-Dcassandra-foreground=yes',
    `-Dcassandra.jmx.local.port=${node.jmxPort}`,
    '-Dcom.sun.management.jmxremote.authenticate=false',
    `-Djava.io.tmpdir=${p.tmp}`,
    `-Djna.tmpdir=${p.tmp}`,
    // Test speed-ups from the recipe; never -Dcassandra.unsafesystem (kill/restart tests).
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.ring_delay_ms=5000',
    ...(node.passwordAuth === true ? ['-Dcassandra.superuser_setup_delay_ms=0'] : []),
    '-cp',
    `${p.conf}:${join(libDir, '*')}`,
    'org.apache.cassandra.service.CassandraDaemon',
  ]
}
