// The certificate and private key files a signing command is given (`--cert`, `--key`): read, parsed
// and checked to belong together, with the problems in plain words (no OpenSSL codes). Kept out of
// io.ts so that commands which sign nothing do not load the certificate parser.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CertificateParseError, parseCertificate, type OrganisationCertificate } from '../core/pki/index.js';
import { loadPrivateKey } from '../files/trust-store.js';
import { describePathProblem, UsageError } from './io.js';

/** A PEM or DER X.509 certificate file given as `flag` (default --cert). */
export async function readCertificateFile(file: string, flag = '--cert'): Promise<OrganisationCertificate> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new UsageError(`${flag} ${describePathProblem(file, e, 'certificate file')}`);
  }
  const text = buf.toString('latin1');
  try {
    return parseCertificate(text.includes('-----BEGIN') ? text : new Uint8Array(buf));
  } catch (e) {
    if (e instanceof CertificateParseError)
      throw new UsageError(`${flag} ${file}: ${e.message}: expected a PEM or DER X.509 certificate`);
    throw e;
  }
}

/** A private key file given as `flag` (encrypted keys open with S1MIG_KEY_PASSPHRASE). */
export async function readPrivateKeyFile(file: string, flag = '--key'): Promise<KeyObject> {
  try {
    return await loadPrivateKey(file);
  } catch (e) {
    throw new UsageError(
      `${flag} ${(e as NodeJS.ErrnoException).code ? describePathProblem(file, e, 'key file') : (e as Error).message}`,
    );
  }
}

/** The signing key and its certificate, refused unless the key is the certificate's private key. */
export async function readSigner(
  keyFile: string,
  certFile: string,
  flags: { key?: string; cert?: string } = {},
): Promise<{ key: KeyObject; cert: OrganisationCertificate }> {
  const keyFlag = flags.key ?? '--key';
  const certFlag = flags.cert ?? '--cert';
  const cert = await readCertificateFile(certFile, certFlag);
  const key = await readPrivateKeyFile(keyFile, keyFlag);
  const a = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const b = cert.publicKey.export({ format: 'der', type: 'spki' });
  if (Buffer.compare(a, b) !== 0)
    throw new UsageError(`${keyFlag} ${keyFile} is not the private key of ${certFlag} ${certFile}`);
  return { key, cert };
}
