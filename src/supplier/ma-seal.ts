// The Responsible Supplier's side of MAM 7.5 secure file exchange for a Migration Authorisation:
//   7.5.1 zip the MA CSV with WinZip AES-256, password = MD5 of the CSV (32 hex, lower case);
//   7.5.2 write the password file (Table 7.5.1) `MAPASSWORD_<SMSO>_<UserID>_<YYYYMMDD>_<HHMMSS>.csv`;
//   7.5.3 sign the password file (TMAD 4.39: IKI File Signing Key) → detached CMS `<password file>.p7s`.
// The password is written only into the password file; it is never returned, logged or printed.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, openAsBlob, promises as fs } from 'node:fs';
import { Writable } from 'node:stream';
import path from 'node:path';
import { writeEncryptedZipStream } from '../lib/archive/zip.js';
import { BoundedProblems, withSummary } from '../core/bounded-problems.js';
import { describe, pemCertificates, signDetached } from '../core/crypto/cms.js';
import { MA_SIGNING_ROLE, passwordFileNameFor, writePasswordFile } from '../core/formats/ma/password-file.js';
import {
  readMaHeaderLeniently,
  validateMaStream,
  type MaProblem,
  type MaValidationReport,
} from '../core/formats/ma/index.js';

/** Role a certificate must carry (when it carries one) to sign MA password files (MAM 7.5.3). */
export { MA_SIGNING_ROLE };

export interface SealOptions {
  /** Signing key (IKI File Signing Key): a KeyObject or PEM text. */
  key: KeyObject | string;
  /** The key's certificate: PEM text or DER. */
  cert: string | Uint8Array;
  /** Output directory (default: the CSV's directory). */
  outDir?: string;
  /** Signing time and zip entry time (default: now). */
  at?: Date;
  /** Seal even if the MA does not validate (for testing the receiving side). Default false. */
  allowInvalid?: boolean;
}

export interface SealResult {
  zipPath: string;
  passwordFilePath: string;
  signaturePath: string;
  csvFileName: string;
  userId: string;
  /** Validation findings for the CSV (sealing refuses errors unless allowInvalid). */
  errors: MaProblem[];
  warnings: MaProblem[];
}

/** The CSV would be rejected, or the key/certificate cannot sign it. */
export class SealError extends Error {
  override name = 'SealError';
  constructor(
    message: string,
    readonly errors: MaProblem[] = [],
  ) {
    super(message);
  }
}

/** Conventional names of the three files for an MA CSV name (MAM 7.5; SPEC-DECISIONS). */
export function sealedFileNames(csvFileName: string): {
  zip: string;
  passwordFile: string;
  signature: string;
} {
  const stem = csvFileName.replace(/\.csv$/i, '');
  const passwordFile = passwordFileNameFor(csvFileName);
  return { zip: `${stem}.zip`, passwordFile, signature: `${passwordFile}.p7s` };
}

/** Seal an MA CSV (MAM 7.5.1–7.5.3): writes the zip, the password file and its detached signature. */
export async function seal(csvPath: string, opts: SealOptions): Promise<SealResult> {
  const at = opts.at ?? new Date();
  const csvFileName = path.basename(csvPath);

  // One streamed pass: the MD5 (the password, MAM 7.5.2) and the validation; memory flat in the rows.
  const md5 = createHash('md5');
  let head: Buffer | undefined;
  const report = await validateMaStream(
    (async function* () {
      for await (const c of createReadStream(csvPath)) {
        const chunk = c as Buffer;
        head ??= chunk.subarray(0, 1024);
        md5.update(chunk);
        yield chunk;
      }
    })(),
    { fileName: csvFileName },
  );
  if (!report.valid && !opts.allowInvalid) {
    throw new SealError(
      `${csvFileName} is not a valid Migration Authorisation (${report.errorCount} error(s)); not sealed`,
      withSummary(bounded(report), 'error', (rule, message) => ({ line: null, field: null, rule, message })),
    );
  }
  const userId = report.header?.userId ?? readMaHeaderLeniently(head ?? new Uint8Array(0))?.userId;
  if (!userId)
    throw new SealError(`${csvFileName}: line 1 holds no User ID (MAM 7.2.2), needed for the password file`);

  const key = typeof opts.key === 'string' ? createPrivateKey(opts.key) : opts.key;
  const certDer = typeof opts.cert === 'string' ? pemCertificates(opts.cert)[0] : opts.cert;
  if (!certDer) throw new SealError('no certificate found in the --cert input');
  checkSigner(certDer, key, at);

  const outDir = opts.outDir ?? path.dirname(csvPath);
  await fs.mkdir(outDir, { recursive: true });
  const names = sealedFileNames(csvFileName);
  const password = md5.digest('hex'); // MAM 7.5.2: 32 hex digits, lower case
  const passwordFile = writePasswordFile({ userId, csvFileName, md5: password });
  const signature = signDetached(passwordFile, key, certDer, { signingTime: at });

  const zipPath = path.join(outDir, names.zip);
  const passwordFilePath = path.join(outDir, names.passwordFile);
  const signaturePath = path.join(outDir, names.signature);
  const zipTmp = `${zipPath}.${process.pid}.tmp`;
  try {
    await writeEncryptedZipStream(
      csvFileName,
      await openAsBlob(csvPath),
      password,
      Writable.toWeb(createWriteStream(zipTmp, { mode: 0o640 })) as WritableStream<Uint8Array>,
      { lastModDate: at },
    );
    await fs.rename(zipTmp, zipPath);
  } catch (e) {
    await fs.rm(zipTmp, { force: true });
    throw e;
  }
  await writeAtomically(passwordFilePath, passwordFile);
  await writeAtomically(signaturePath, signature);
  return {
    zipPath,
    passwordFilePath,
    signaturePath,
    csvFileName,
    userId,
    errors: report.errors,
    warnings: report.warnings,
  };
}

/** The report's errors as a bounded list (kept + omitted counts) for the summary. */
function bounded(report: MaValidationReport): BoundedProblems<MaProblem> {
  const b = new BoundedProblems<MaProblem>(report.errors.length);
  b.pushAll(report.errors);
  b.addOmitted(report.omittedErrors);
  return b;
}

/** The signer must hold the key, be valid at `at` and (when it names roles) be an IKI File Signing certificate (MAM 7.5.3). */
export function checkSigner(certDer: Uint8Array, key: KeyObject, at: Date): void {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certDer);
  } catch (e) {
    throw new SealError(`certificate unreadable: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (key.type !== 'private') throw new SealError('--key must be a private key');
  if (!x509.checkPrivateKey(key)) throw new SealError('the private key does not match the certificate');
  if (at < new Date(x509.validFrom) || at > new Date(x509.validTo)) {
    throw new SealError(
      `signing certificate is not valid at ${at.toISOString()} (valid ${x509.validFrom} to ${x509.validTo})`,
    );
  }
  const roles = describe(certDer).roles;
  if (roles.length > 0 && !roles.includes(MA_SIGNING_ROLE)) {
    throw new SealError(
      `signing certificate has role ${roles.join(', ')}; MAM 7.5.3 needs an IKI File Signing certificate (${MA_SIGNING_ROLE})`,
    );
  }
}

async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, data, { mode: 0o640 });
  await fs.rename(tmp, file);
}
