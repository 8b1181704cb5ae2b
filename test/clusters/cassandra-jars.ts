/**
 * The Cassandra server as jars: `org.apache.cassandra:cassandra-all` and its runtime dependencies,
 * resolved from Maven Central with `mvn` into a cache folder outside the repository and reused by
 * every later run (about 100 jars, 66 MB).
 *
 * @see ../../../shared/recipes/cassandra-ring.md ("Version and jars")
 */
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { withFileLock } from './file-lock.js'
import { runCommand } from './process-utils.js'

/** The Cassandra release the ring runs (5.0 is the first line that runs on JDK 17). */
export const CASSANDRA_VERSION = '5.0.6'

/** The jamm agent every Cassandra JVM loads with `-javaagent` (it arrives with the dependencies). */
export const JAMM_JAR = 'jamm-0.4.0.jar'

/** Overrides the cache folder (default `~/.cache/replicakit/cassandra-5.0.6`); jars go to `<it>/lib`. */
export const CASSANDRA_CACHE_ENV = 'REPLICAKIT_CASSANDRA_CACHE'

const MAVEN_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies'
const RESOLVE_TIMEOUT_MS = 10 * 60_000

const POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>replicakit.test</groupId>
  <artifactId>cassandra-server-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>${CASSANDRA_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`

/** Where the jars are, and whether this call had to fetch them. */
export interface CassandraJars {
  /** The folder holding every jar (`-cp "<libDir>/*"`). */
  readonly libDir: string
  /** Time spent resolving in this call, in milliseconds (0 when the cache was warm). */
  readonly resolveMS: number
}

/** The cache folder: `$REPLICAKIT_CASSANDRA_CACHE`, else `$XDG_CACHE_HOME|~/.cache` + `replicakit/cassandra-5.0.6`. */
export function cassandraCacheDir(): string {
  const override = process.env[CASSANDRA_CACHE_ENV]
  if (override !== undefined && override !== '') return resolve(override)
  const xdg = process.env['XDG_CACHE_HOME']
  const root = xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache')
  return join(root, 'replicakit', `cassandra-${CASSANDRA_VERSION}`)
}

function isComplete(libDir: string): boolean {
  return (
    existsSync(join(libDir, `cassandra-all-${CASSANDRA_VERSION}.jar`)) &&
    existsSync(join(libDir, JAMM_JAR))
  )
}

/**
 * Returns the folder of Cassandra's jars, resolving them with Maven first when the cache lacks
 * them. Two processes resolving at once take turns on a lock, and the jars land in a scratch
 * folder that is renamed into place only when complete, so a half-copied `lib` is never used.
 */
export async function ensureCassandraJars(): Promise<CassandraJars> {
  const cacheDir = cassandraCacheDir()
  const libDir = join(cacheDir, 'lib')
  if (isComplete(libDir)) return { libDir, resolveMS: 0 }
  return withFileLock(
    join(cacheDir, 'resolve.lock'),
    async () => {
      // Another process may have finished while we waited for the lock.
      if (isComplete(libDir)) return { libDir, resolveMS: 0 }
      const startedAt = performance.now()
      const scratch = join(cacheDir, `lib.partial-${process.pid}`)
      const logPath = join(cacheDir, 'resolve.log')
      await rm(scratch, { recursive: true, force: true })
      await mkdir(cacheDir, { recursive: true })
      await writeFile(join(cacheDir, 'pom.xml'), POM)
      try {
        await runCommand(
          'mvn',
          [
            '-B',
            '-q',
            '-f',
            join(cacheDir, 'pom.xml'),
            MAVEN_PLUGIN,
            `-DoutputDirectory=${scratch}`,
            '-DincludeScope=runtime',
          ],
          { logPath, timeoutMS: RESOLVE_TIMEOUT_MS },
        )
      } catch (error: unknown) {
        await rm(scratch, { recursive: true, force: true })
        const hint = `resolving cassandra-all ${CASSANDRA_VERSION} with Maven failed (is mvn installed and Maven Central reachable?)`
        throw new Error(`${hint}: ${(error as Error).message}`, { cause: error })
      }
      if (!isComplete(scratch)) {
        throw new Error(`Maven finished but ${scratch} lacks cassandra-all or ${JAMM_JAR}`)
      }
      await rm(libDir, { recursive: true, force: true })
      await rename(scratch, libDir)
      return { libDir, resolveMS: Math.round(performance.now() - startedAt) }
    },
    { what: 'the Cassandra jar cache', timeoutMS: RESOLVE_TIMEOUT_MS + 60_000 },
  )
}
