/**
 * The MongoDB adapter's TLS cases (tls-suite.ts) against FerretDB 1.24, a real MongoDB-wire server
 * that nobody on this project wrote: three TLS-only servers (`--listen-tls` without a plain
 * listener), the first with SCRAM-SHA-256 authentication on as well. FerretDB cannot name a
 * TLS-only member in hello's `hosts`, so these servers are standalones, not a replica set.
 */
import { startFerretdb, type FerretdbServer } from '../../clusters/ferretdb-server.js'
import { defineTlsSuite } from './tls-suite.js'

const USER = 'rk-tls-app'
const PASSWORD = 'scram-tls-pass-5f0c'

defineTlsSuite({
  name: 'FerretDB (TLS only, standalone)',
  async start(files) {
    const started: FerretdbServer[] = []
    const stop = async (): Promise<void> => {
      await Promise.all(started.map((s) => s.stop()))
    }
    try {
      const cert = {
        certFile: files.serverCert('127.0.0.1'),
        keyFile: files.serverKey('127.0.0.1'),
      }
      // Each server is tracked as soon as it is up, so a failure of another still stops it.
      const track = async (starting: Promise<FerretdbServer>): Promise<FerretdbServer> => {
        const server = await starting
        started.push(server)
        return server
      }
      const starting = [
        track(startFerretdb({ tls: cert, auth: { username: USER, password: PASSWORD } })),
        track(startFerretdb({ tls: { certFile: files.mismatchCert, keyFile: files.mismatchKey } })),
        track(
          startFerretdb({
            tls: { ...cert, clientCaFile: files.ca, probeCertificateKeyFile: files.client },
          }),
        ),
      ] as const
      // Wait for all three before failing, so none is still starting when `stop` runs.
      await Promise.allSettled(starting)
      const [main, mismatch, clientCertificate] = await Promise.all(starting)
      return {
        main: `${main.uri}?authMechanism=SCRAM-SHA-256`,
        mismatch: mismatch.uri,
        clientCertificate: clientCertificate.uri,
        credentials: `${USER}:${PASSWORD}@`,
        members: 1,
        stop,
      }
    } catch (error: unknown) {
      await stop()
      throw error
    }
  },
})
