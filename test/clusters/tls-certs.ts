/**
 * Throwaway TLS material for the test clusters, made with `openssl` (Debian's package) once per
 * checkout and reused until it nears expiry, in the git-ignored `.cluster/tls/`:
 *
 * - `ca.pem`/`ca.key`: the test CA every server and client certificate is signed by;
 * - `wrong-ca.pem`: a second CA that signed nothing here (for the "wrong CA" tests);
 * - `server-127.0.0.N.pem`/`.key` (N = 1…8): a server certificate per loopback address, named for
 *   that address and `localhost` (subject alternative names `IP:127.0.0.N`, `DNS:localhost`);
 * - `mismatch.pem`/`.key`: signed by the CA but named only `wrong.invalid` (hostname tests);
 * - `client.pem`: a client certificate and its key in one PEM (MongoDB's `tlsCertificateKeyFile`
 *   form), `client-cert.pem`/`client.key` the same two apart;
 * - `client-encrypted.pem`: the same certificate with its key encrypted by
 *   {@link CLIENT_KEY_PASSWORD} (for `tlsCertificateKeyFilePassword`).
 *
 * Nothing here is a secret: it is made on the machine and trusts nothing outside the tests.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { withFileLock } from './file-lock.js'
import { runCommand } from './process-utils.js'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** The folder of the test certificates. */
export const TLS_DIR = join(REPO_ROOT, '.cluster', 'tls')

/** The password of the key in `client-encrypted.pem`. */
export const CLIENT_KEY_PASSWORD = 'client-key-secret-8d1f'

/** The client certificate's subject (MariaDB `REQUIRE SUBJECT`, Cassandra's and FerretDB's logs). */
export const CLIENT_SUBJECT = '/CN=replicakit-client/O=ReplicaKit Tests'

/** Loopback addresses with a server certificate of their own. */
export const SERVER_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`)

/** Validity of every certificate; re-made when less than {@link RENEW_BEFORE_DAYS} remain. */
const VALID_DAYS = 30
const RENEW_BEFORE_DAYS = 7
const OPENSSL_TIMEOUT_MS = 60_000
/** Written last: the set is complete when it exists. Holds the expiry time (ms since epoch). */
const MARKER = 'complete.json'

/** Paths of the test TLS files. */
export interface TlsFiles {
  readonly dir: string
  readonly ca: string
  readonly caKey: string
  readonly wrongCa: string
  /** Server certificate (PEM) for a loopback address, e.g. `serverCert('127.0.0.1')`. */
  serverCert(address: string): string
  serverKey(address: string): string
  readonly mismatchCert: string
  readonly mismatchKey: string
  /** Certificate and key in one file. */
  readonly client: string
  readonly clientCert: string
  readonly clientKey: string
  /** Certificate and encrypted key ({@link CLIENT_KEY_PASSWORD}) in one file. */
  readonly clientEncrypted: string
}

/** The file paths (whether or not they were made yet). */
export function tlsFiles(dir = TLS_DIR): TlsFiles {
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    wrongCa: join(dir, 'wrong-ca.pem'),
    serverCert: (address) => join(dir, `server-${address}.pem`),
    serverKey: (address) => join(dir, `server-${address}.key`),
    mismatchCert: join(dir, 'mismatch.pem'),
    mismatchKey: join(dir, 'mismatch.key'),
    client: join(dir, 'client.pem'),
    clientCert: join(dir, 'client-cert.pem'),
    clientKey: join(dir, 'client.key'),
    clientEncrypted: join(dir, 'client-encrypted.pem'),
  }
}

/**
 * Makes the test certificates unless a complete, unexpired set is there, and returns their paths.
 * Safe to call from several processes at once (a file lock), and cheap when the set exists.
 */
export async function ensureTlsFiles(dir = TLS_DIR): Promise<TlsFiles> {
  const files = tlsFiles(dir)
  if (await isFresh(dir)) return files
  return withFileLock(
    `${dir}.lock`,
    async () => {
      if (await isFresh(dir)) return files
      await rm(dir, { recursive: true, force: true })
      await mkdir(dir, { recursive: true })
      await makeAll(files)
      const expires = Date.now() + VALID_DAYS * 86_400_000
      await writeFile(join(dir, MARKER), JSON.stringify({ expires }))
      return files
    },
    { what: 'the test TLS certificates', timeoutMS: 120_000 },
  )
}

async function isFresh(dir: string): Promise<boolean> {
  const marker = join(dir, MARKER)
  if (!existsSync(marker)) return false
  try {
    const { expires } = JSON.parse(await readFile(marker, 'utf8')) as { expires: number }
    return expires - Date.now() > RENEW_BEFORE_DAYS * 86_400_000
  } catch {
    return false
  }
}

async function makeAll(files: TlsFiles): Promise<void> {
  const log = join(files.dir, 'openssl.log')
  const openssl = (args: readonly string[]): Promise<void> =>
    runCommand('openssl', args, { logPath: log, timeoutMS: OPENSSL_TIMEOUT_MS })
  const makeCa = async (cert: string, key: string, name: string): Promise<void> => {
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      String(VALID_DAYS),
      '-subj',
      `/CN=${name}/O=ReplicaKit Tests`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ])
  }
  /** A certificate signed by the test CA; `names` are subject alternative names, `usage` the EKU. */
  const makeSigned = async (
    cert: string,
    key: string,
    subject: string,
    names: string,
    usage: 'serverAuth' | 'clientAuth',
  ): Promise<void> => {
    const csr = `${key}.csr`
    const ext = `${key}.ext`
    await openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      csr,
      '-subj',
      subject,
    ])
    await writeFile(
      ext,
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
        `extendedKeyUsage=${usage}\n${names === '' ? '' : `subjectAltName=${names}\n`}`,
    )
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      files.ca,
      '-CAkey',
      files.caKey,
      '-CAcreateserial',
      '-out',
      cert,
      '-days',
      String(VALID_DAYS),
      '-extfile',
      ext,
    ])
    await rm(csr)
    await rm(ext)
  }

  await makeCa(files.ca, files.caKey, 'ReplicaKit Test CA')
  const wrongCaKey = join(files.dir, 'wrong-ca.key')
  await makeCa(files.wrongCa, wrongCaKey, 'ReplicaKit Wrong CA')
  for (const address of SERVER_ADDRESSES) {
    await makeSigned(
      files.serverCert(address),
      files.serverKey(address),
      `/CN=${address}/O=ReplicaKit Tests`,
      `IP:${address},DNS:localhost`,
      'serverAuth',
    )
  }
  await makeSigned(
    files.mismatchCert,
    files.mismatchKey,
    '/CN=wrong.invalid/O=ReplicaKit Tests',
    'DNS:wrong.invalid',
    'serverAuth',
  )
  await makeSigned(files.clientCert, files.clientKey, CLIENT_SUBJECT, '', 'clientAuth')
  const cert = await readFile(files.clientCert, 'utf8')
  await writeFile(files.client, cert + (await readFile(files.clientKey, 'utf8')))
  const encryptedKey = join(files.dir, 'client-encrypted.key')
  await openssl([
    'pkey',
    '-in',
    files.clientKey,
    '-aes256',
    '-passout',
    `pass:${CLIENT_KEY_PASSWORD}`,
    '-out',
    encryptedKey,
  ])
  await writeFile(files.clientEncrypted, cert + (await readFile(encryptedKey, 'utf8')))
  await rm(encryptedKey)
}
