/**
 * The MongoDB adapter's TLS cases (tls-suite.ts) against the wire-protocol simulator with TLS on its
 * client ports (Node `tls.createServer`): a three-member replica set with the right certificate,
 * whose members the driver discovers and monitors over TLS, and one-member sets with a mismatched
 * certificate and with a required client certificate.
 */
import { startMongoSim, type MongoSim } from '../../clusters/mongo-sim.js'
import { defineTlsSuite } from './tls-suite.js'

defineTlsSuite({
  name: 'the simulator (three-member replica set)',
  async start(files) {
    const started: MongoSim[] = []
    const stop = async (): Promise<void> => {
      await Promise.all(started.map((s) => s.stop()))
    }
    try {
      const cert = {
        certFile: files.serverCert('127.0.0.1'),
        keyFile: files.serverKey('127.0.0.1'),
      }
      const main = await startMongoSim({ members: 3, tls: cert })
      started.push(main)
      const mismatch = await startMongoSim({
        members: 1,
        tls: { certFile: files.mismatchCert, keyFile: files.mismatchKey },
      })
      started.push(mismatch)
      const clientCertificate = await startMongoSim({
        members: 1,
        tls: { ...cert, clientCaFile: files.ca },
      })
      started.push(clientCertificate)
      return {
        main: main.uri,
        mismatch: mismatch.uri,
        clientCertificate: clientCertificate.uri,
        credentials: '',
        members: 3,
        stop,
      }
    } catch (error: unknown) {
      await stop()
      throw error
    }
  },
})
