// The DCC's Migration Control Centre receives a sealed Migration Authorisation (MAM 7.5; MAM 4; TMAD 4.39):
//   1. verify the detached CMS signature on the password file (MAM 7.5.3) with an IKI File Signing
//      certificate trusted at the time of receipt — on failure reject (MAM 4: "DCC will verify the
//      Digital Signature and shall reject the Migration Authorisation");
//   2. read the password file (MAM 7.5.2, Table 7.5.1);
//   3. decrypt the AES-256 zip with the MD5 from the password file, within hard bounds (MAM 7.5.1);
//   4. the zip entry must be the CSV named in the password file and hash to its MD5, and the password
//      file's User ID must be the MA header's;
//   5. validate the MA (MAM 7.1, 7.2) and record the receipt in the store (idempotent).
// Rejected receipts are recorded too whenever the CSV (and so its header) could be read.
// Memory is flat in the rows (issue #10): the zip entry is streamed through the hashes and the
// validator in one pass; an accepted MA is decrypted a second time to store its rows in batches; after
// a failed signature only the first KiB (the header) is decrypted.
import { createHash } from 'node:crypto';
import { constants as FS, createReadStream, promises as fs, openAsBlob } from 'node:fs';
import path from 'node:path';
import { streamSingleEntryZip, ZipError, type ZipLimits, type ZipEntryInfo } from '../lib/archive/zip.js';
import {
  BoundedProblems,
  DEFAULT_MAX_PROBLEMS,
  withSummary,
  type OmittedProblems,
} from '../core/bounded-problems.js';
import { verifyDetached, type CertificateTrust, type SignerDescription } from '../core/crypto/cms.js';
import { MA_SIGNING_ROLE, parsePasswordFile, type PasswordFile } from '../core/formats/ma/password-file.js';
import {
  MaValidator,
  readMaHeaderLeniently,
  type MaProblem,
  type MaRow,
  type MaValidationReport,
} from '../core/formats/ma/index.js';
import { parseCertificate } from '../core/pki/certificate.js';
import { confirmValidity, emptyTrustStore, type TrustStore } from '../core/pki/validity.js';
import { loadTrustStore } from '../files/trust-store.js';
import type { ReceivedMaFile, ReceivedMaRow, Store } from '../store/index.js';

/** The role the password file's signer must hold when its certificate carries one (MAM 7.5.3). */
export { MA_SIGNING_ROLE };

export type IntakeStage = 'signature' | 'password-file' | 'archive' | 'envelope' | 'validation';

export interface IntakeOptions {
  /** Trusted CA certificates: a TrustStore (src/core/pki), a CertificateTrust, or PEM/DER certificates. */
  trust: TrustStore | CertificateTrust | ReadonlyArray<Uint8Array | string>;
  /** When the file was received (default now): lateness warnings, and the store's received_at. */
  receivedAt?: Date;
  /** Time at which the signer's certificate must be valid (default receivedAt). */
  at?: Date;
  /** Where to record the receipt; none = do not record. */
  store?: Store;
  /** Archive bounds (default: DEFAULT_ZIP_LIMITS, one entry). */
  limits?: Partial<ZipLimits>;
  /**
   * With a TrustStore: require a CRL from the signer's issuer (default true, as Confirm Validity, TMAD 5.9.4:
   * without one a revoked signer would pass; a CRL present is always used).
   */
  requireCrl?: boolean;
  /** Errors kept in the result and the store (the count stays exact; the rest summarised per rule). Default 100. */
  maxErrors?: number;
  maxWarnings?: number;
  /**
   * Write the decrypted CSV into this directory, only when accepted (streamed, never held in memory):
   * mode 0600, never through a symlink, never over an existing file unless csvOutForce.
   */
  csvOutDir?: string;
  csvOutForce?: boolean;
}

export interface IntakeResult {
  outcome: 'accepted' | 'rejected';
  /** Where it failed (absent when accepted). */
  stage?: IntakeStage;
  /** Envelope problems and the MA validator's errors: the first maxErrors (default 100). */
  errors: MaProblem[];
  warnings: MaProblem[];
  /** Every error and warning found, listed or not. */
  errorCount: number;
  warningCount: number;
  /** Errors and warnings not listed, counted per rule. */
  omittedErrors: OmittedProblems[];
  omittedWarnings: OmittedProblems[];
  files: { zip: string; passwordFile: string; signature: string };
  csvFileName?: string;
  signer?: Omit<SignerDescription, 'certificate'>;
  signingTime?: Date;
  /** The MA validator's report, when the CSV was read (not after a failed signature: only its header is). */
  report?: MaValidationReport;
  /** Where the decrypted CSV was written (csvOutDir, accepted only). */
  csvWritten?: string;
  /** The store's answer, when recorded. */
  stored?: { id: number; duplicate: boolean };
  /** Why the receipt was not recorded although a store was given. */
  notStoredReason?: string;
}

/** A file could not be read at all (missing, unreadable): a usage/I-O problem, not a rejection. */
export class IntakeIoError extends Error {
  override name = 'IntakeIoError';
}

const MAX_PASSWORD_FILE = 4096;
const MAX_SIGNATURE = 256 * 1024;

/** Conventional password file and signature paths beside a zip `MA_….zip` (see ma-seal). */
export function conventionalPaths(zipPath: string): { passwordFile: string; signature: string } {
  const dir = path.dirname(zipPath);
  const stem = path.basename(zipPath).replace(/\.zip$/i, '');
  const pw = stem.startsWith('MA_') ? `MAPASSWORD_${stem.slice(3)}.csv` : `PASSWORD_${stem}.csv`;
  return { passwordFile: path.join(dir, pw), signature: path.join(dir, `${pw}.p7s`) };
}

/** Bytes of the decrypted CSV read for the header after a failed signature (MAM 7.5.3; see loose-header). */
const HEADER_BYTES = 1024;

/** Open, check, validate and record a sealed MA. Throws IntakeIoError only when a file cannot be read. */
export async function open(
  zipPath: string,
  passwordFilePath: string,
  signaturePath: string,
  opts: IntakeOptions,
): Promise<IntakeResult> {
  const receivedAt = opts.receivedAt ?? new Date();
  const at = opts.at ?? receivedAt;
  const files = { zip: zipPath, passwordFile: passwordFilePath, signature: signaturePath };
  const pwRead = await readBounded(passwordFilePath, MAX_PASSWORD_FILE, 'password file');
  const sigRead = await readBounded(signaturePath, MAX_SIGNATURE, 'signature');
  await fileSize(zipPath, 'zip'); // read later, within the archive bounds

  const maxErrors = opts.maxErrors ?? DEFAULT_MAX_PROBLEMS;
  const errors = new BoundedProblems<MaProblem>(maxErrors);
  const warnings = new BoundedProblems<MaProblem>(opts.maxWarnings ?? DEFAULT_MAX_PROBLEMS);
  let stage: IntakeStage | undefined;
  const reject = (
    s: IntakeStage,
    rule: string,
    message: string,
    field: string | null = null,
    line: number | null = null,
  ) => {
    stage ??= s;
    errors.push({ line, field, rule, message });
  };
  if (sigRead.tooLarge)
    reject(
      'signature',
      'MAM 7.5.3',
      `signature ${path.basename(signaturePath)} is ${sigRead.tooLarge} bytes; at most ${MAX_SIGNATURE} accepted`,
    );
  if (pwRead.tooLarge)
    reject(
      'password-file',
      'MAM 7.5.2 Table 7.5.1',
      `password file ${path.basename(passwordFilePath)} is ${pwRead.tooLarge} bytes; at most ${MAX_PASSWORD_FILE} accepted`,
    );
  const pwBytes = pwRead.bytes;
  const sigBytes = sigRead.bytes;

  // 1. Signature (MAM 7.5.3, MAM 4, TMAD 4.39).
  const verdict = verifyDetached(sigBytes, pwBytes, {
    trusted: toCertificateTrust(opts.trust, opts.requireCrl ?? true),
    at,
    requiredRole: MA_SIGNING_ROLE,
  });
  if (!verdict.valid) {
    for (const p of verdict.problems)
      reject(
        'signature',
        'MAM 4 / MAM 7.5.3',
        `Digital Signature on ${path.basename(signaturePath)} rejected: ${p}`,
      );
  }
  const signatureFailed = stage === 'signature';

  // 2. Password file (Table 7.5.1).
  const parsed = parsePasswordFile(pwBytes);
  let pf: PasswordFile | undefined;
  if (!parsed.ok) {
    for (const p of parsed.problems)
      reject(
        'password-file',
        p.rule,
        `${path.basename(passwordFilePath)}: ${p.message}`,
        p.field,
        p.line || null,
      );
  } else pf = parsed.value;

  // 3. Decrypt within bounds, streaming. After a failed signature only the header is read, to record
  // the rejection (never trusted): an unsigned archive gets no more of our memory or time (issue #10).
  let pass: FirstPass | undefined;
  let csvTemp: string | undefined;
  if (pf) {
    if (opts.csvOutDir && !signatureFailed) {
      await fs.mkdir(opts.csvOutDir, { recursive: true });
      const target = path.join(opts.csvOutDir, path.basename(pf.csvFileName));
      if (
        !opts.csvOutForce &&
        (await fs.lstat(target).then(
          () => true,
          () => false,
        ))
      )
        throw new IntakeIoError(`--out: '${target}' exists; pass --force to overwrite it`);
      csvTemp = path.join(opts.csvOutDir, `.${path.basename(pf.csvFileName)}.${process.pid}.part`);
    }
    try {
      pass = await readMaZip(zipPath, pf, opts.limits, (info, chunks) =>
        signatureFailed
          ? headerPass(info, chunks)
          : firstPass(info, chunks, { receivedAt, maxErrors, csvTemp }),
      );
    } catch (e) {
      if (csvTemp) await fs.rm(csvTemp, { force: true });
      if (!(e instanceof ZipError)) throw e;
      reject('archive', 'MAM 7.5.1', `${e.message} [${e.code}]`);
    }
  }

  // 4. Envelope consistency.
  const report = pass?.report;
  const header = pass ? (report?.header ?? readMaHeaderLeniently(pass.head)) : undefined;
  if (pass && pf) {
    if (pass.name !== pf.csvFileName) {
      reject(
        'envelope',
        'MAM 7.5.2 Table 7.5.1',
        `zip entry ${JSON.stringify(pass.name)} is not the CSV File Name ${JSON.stringify(pf.csvFileName)} of the password file`,
        'CSV File Name',
        2,
      );
    }
    if (pass.md5 !== undefined && pass.md5 !== pf.md5) {
      reject(
        'envelope',
        'MAM 7.5.2',
        `MD5 of ${pass.name} is ${pass.md5}, the password file says ${pf.md5}`,
        'MD5 HASH Value',
        3,
      );
    }
    if (header?.userId && header.userId !== pf.userId) {
      reject(
        'envelope',
        'MAM 7.5.2 Table 7.5.1',
        `password file User ID ${pf.userId} differs from the MA header User ID ${header.userId}`,
        'User ID',
        1,
      );
    }
    // 5. The MA itself (MAM 7.1, 7.2), validated in the same pass.
    if (report && !report.valid) {
      stage ??= 'validation';
      errors.pushAll(report.errors);
      errors.addOmitted(report.omittedErrors);
    }
  }
  if (report) {
    warnings.pushAll(report.warnings);
    warnings.addOmitted(report.omittedWarnings);
  }

  const outcome: IntakeResult['outcome'] = errors.count === 0 ? 'accepted' : 'rejected';
  let csvWritten: string | undefined;
  if (csvTemp && pass) {
    if (outcome === 'accepted') {
      csvWritten = path.join(opts.csvOutDir!, path.basename(pass.name));
      await placePrivateFile(csvTemp, csvWritten, !!opts.csvOutForce);
    } else await fs.rm(csvTemp, { force: true });
  }
  const byLine = (x: MaProblem, y: MaProblem) => (x.line ?? 0) - (y.line ?? 0);
  const result: IntakeResult = {
    outcome,
    ...(stage && outcome === 'rejected' ? { stage } : {}),
    errors: [...errors.kept],
    warnings: [...warnings.kept].sort(byLine),
    errorCount: errors.count,
    warningCount: warnings.count,
    omittedErrors: errors.omitted,
    omittedWarnings: warnings.omitted,
    files,
    ...(pass ? { csvFileName: pass.name } : pf ? { csvFileName: pf.csvFileName } : {}),
    ...(verdict.signer ? { signer: withoutCert(verdict.signer) } : {}),
    ...(verdict.signingTime ? { signingTime: verdict.signingTime } : {}),
    ...(report ? { report } : {}),
    ...(csvWritten ? { csvWritten } : {}),
  };

  if (opts.store) {
    if (!pass) {
      result.notStoredReason = 'the MA CSV could not be read, so there is no header to record';
    } else if (!header?.userId) {
      result.notStoredReason = 'the MA header holds no readable User ID';
    } else {
      // Idempotency key: the CSV's SHA-256 once the envelope is sound; for envelope rejections the
      // SHA-256 of the received package (zip, password file, signature), so a corrected resubmission
      // of the same CSV is not a duplicate.
      const envelopeOk = !errors.kept.some((e) => e.rule.startsWith('MAM 4') || e.rule.startsWith('MAM 7.5'));
      const sha256 =
        envelopeOk && pass.sha256
          ? pass.sha256
          : sha256Hex(
              Buffer.concat([
                Buffer.from('envelope-rejected\n'),
                await fileHash(zipPath),
                hashOf(pwBytes),
                hashOf(sigBytes),
              ]),
            );
      const stored: Omit<ReceivedMaFile, 'rows'> = {
        fileName: pass.name,
        sha256,
        userId: header.userId,
        smsoCode: header.smsoCode ?? null,
        commissionedByDcc: header.commissionedByDcc ?? null,
        receivedAt,
        outcome,
        errors: withSummary(errors, 'error', (rule, message) => ({ line: null, field: null, rule, message })),
        warnings: withSummary(warnings, 'warning', (rule, message) => ({
          line: null,
          field: null,
          rule,
          message,
        })),
      };
      const storeRecord = opts.store;
      if (outcome === 'accepted' && report && pf) {
        // Second pass: the rows go to the store in batches as they are decrypted again (issue #10).
        result.stored = await readMaZip(zipPath, pf, opts.limits, (_info, chunks) =>
          storeRecord.receivedMas.record({
            ...stored,
            rowCount: report.validRowCount,
            rows: rowBatches(chunks, pass.sha256!, receivedAt),
          }),
        );
      } else result.stored = await storeRecord.receivedMas.record({ ...stored, rows: [] });
    }
  }
  return result;
}

/** What one streamed read of the zip entry found. */
interface FirstPass {
  name: string;
  /** The first bytes of the CSV (for the lenient header). */
  head: Uint8Array;
  /** Absent when only the header was read. */
  md5?: string;
  sha256?: string;
  report?: MaValidationReport;
}

async function headerPass(info: ZipEntryInfo, chunks: AsyncIterable<Uint8Array>): Promise<FirstPass> {
  const parts: Uint8Array[] = [];
  let have = 0;
  for await (const c of chunks) {
    parts.push(c);
    have += c.length;
    if (have >= HEADER_BYTES) break;
  }
  return { name: info.name, head: Buffer.concat(parts).subarray(0, HEADER_BYTES) };
}

async function firstPass(
  info: ZipEntryInfo,
  chunks: AsyncIterable<Uint8Array>,
  o: { receivedAt: Date; maxErrors: number; csvTemp?: string | undefined },
): Promise<FirstPass> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  const head: Uint8Array[] = [];
  let headBytes = 0;
  const v = new MaValidator({ fileName: info.name, receivedAt: o.receivedAt, maxErrors: o.maxErrors });
  // The decrypted MA holds MPxNs: 0600 from the moment it exists (whatever the umask), never through
  // a symlink (MAM 7.5).
  const out = o.csvTemp
    ? await fs.open(o.csvTemp, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW, 0o600)
    : undefined;
  await out?.chmod(0o600);
  try {
    for await (const c of chunks) {
      md5.update(c);
      sha.update(c);
      if (headBytes < HEADER_BYTES) {
        head.push(c.subarray(0, HEADER_BYTES - headBytes));
        headBytes += Math.min(c.length, HEADER_BYTES - headBytes);
      }
      v.write(c);
      if (out) await out.write(c);
    }
  } finally {
    await out?.close();
  }
  return {
    name: info.name,
    head: Buffer.concat(head),
    md5: md5.digest('hex'),
    sha256: sha.digest('hex'),
    report: v.end(),
  };
}

/** Second pass of an accepted MA: its rows in batches, checked to be the content of the first pass. */
async function* rowBatches(
  chunks: AsyncIterable<Uint8Array>,
  sha256: string,
  receivedAt: Date,
): AsyncGenerator<ReceivedMaRow[]> {
  let batch: ReceivedMaRow[] = [];
  const sha = createHash('sha256');
  const v = new MaValidator({ receivedAt, onRow: (r) => batch.push(storeRow(r)) });
  for await (const c of chunks) {
    sha.update(c);
    v.write(c);
    if (batch.length >= ROW_BATCH) {
      yield batch;
      batch = [];
    }
  }
  v.end();
  if (sha.digest('hex') !== sha256)
    throw new Error('the MA zip changed while it was being stored: its CSV is not the one validated');
  if (batch.length > 0) yield batch;
}

/** Rows handed to the store at a time (it groups them into its own transactions). */
const ROW_BATCH = 2000;

async function readMaZip<T>(
  zipPath: string,
  pf: PasswordFile,
  limits: Partial<ZipLimits> | undefined,
  consume: (info: ZipEntryInfo, chunks: AsyncIterable<Uint8Array>) => Promise<T>,
): Promise<T> {
  const archiveName = path.basename(zipPath);
  // The password is the MD5 as the sender wrote it; the MAM does not fix its case, so also try the
  // other cases (SPEC-DECISIONS "MA password case"). Each try reads afresh.
  const candidates = [...new Set([pf.md5AsWritten, pf.md5.toLowerCase(), pf.md5.toUpperCase()])];
  const blob = await openAsBlob(zipPath);
  let last: ZipError | undefined;
  for (const password of candidates) {
    try {
      return await streamSingleEntryZip(
        blob,
        { archiveName, password, requireAes256: true, limits },
        consume,
      );
    } catch (e) {
      if (e instanceof ZipError && e.code === 'wrong-password') {
        last = e;
        continue;
      }
      throw e;
    }
  }
  throw last ?? new ZipError('wrong-password', archiveName, undefined, 'wrong password');
}

function storeRow(r: MaRow): ReceivedMaRow {
  return {
    line: r.line,
    mpan: r.mpan,
    mprn: r.mprn,
    // The week the row is for: given, or the Monday of "Migrate on" (MAM Table 7.2.3).
    migrationWeek: r.effectiveMigrationWeek,
    migrateOn: r.migrateOn,
    priority: r.priority,
    fields: r.fields,
  };
}

function withoutCert(s: SignerDescription): Omit<SignerDescription, 'certificate'> {
  const { certificate: _c, ...rest } = s;
  void _c;
  return rest;
}

/** Adapt a TrustStore (PKI module) or a list of certificates to the CMS verifier's trust interface. */
export function toCertificateTrust(
  trust: IntakeOptions['trust'],
  requireCrl: boolean,
): CertificateTrust | ReadonlyArray<Uint8Array | string> {
  if (Array.isArray(trust)) return trust as ReadonlyArray<Uint8Array | string>;
  if ('confirm' in (trust as object)) return trust as CertificateTrust;
  const store = trust as TrustStore;
  return {
    confirm(certDer, at, intermediates) {
      const extra = emptyTrustStore();
      for (const d of intermediates) {
        try {
          const c = parseCertificate(d);
          if (c.isCa && !c.selfIssued) extra.intermediates.push(c);
        } catch {
          /* an unreadable extra certificate cannot help the chain */
        }
      }
      const merged: TrustStore = {
        roots: store.roots,
        intermediates: [...store.intermediates, ...extra.intermediates],
        certificates: store.certificates,
        crls: store.crls,
      };
      const v = confirmValidity(parseCertificate(certDer), merged, at, { requireCrl });
      return { valid: v.valid, problems: v.problems.map((p) => p.message) };
    },
  };
}

/**
 * Load trusted certificates (and CRLs) from a PEM/DER file or a directory (the PKI module's
 * loadTrustStore): self-signed CAs become roots, other CAs intermediates, leaves known certificates.
 * Throws IntakeIoError when nothing usable is found.
 */
export async function loadTrust(pathOrDir: string): Promise<TrustStore> {
  let store: TrustStore;
  try {
    store = await loadTrustStore(pathOrDir);
  } catch (e) {
    throw new IntakeIoError(`cannot load trust from ${pathOrDir}: ${(e as Error).message}`);
  }
  if (store.roots.length === 0)
    throw new IntakeIoError(`no trusted root (self-signed CA) certificate found in ${pathOrDir}`);
  return store;
}

/** The size of a regular file; IntakeIoError when it is missing, unreadable or not a file. */
async function fileSize(file: string, what: string): Promise<number> {
  let st;
  try {
    st = await fs.stat(file);
  } catch (e) {
    throw new IntakeIoError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new IntakeIoError(`${what} ${file} is not a file`);
  return st.size;
}

/** Read a file of at most `max` bytes; a larger one is reported (tooLarge), not read. */
async function readBounded(
  file: string,
  max: number,
  what: string,
): Promise<{ bytes: Uint8Array; tooLarge?: number }> {
  const size = await fileSize(file, what);
  if (size > max) return { bytes: new Uint8Array(0), tooLarge: size };
  return { bytes: new Uint8Array(await fs.readFile(file)) };
}

/** SHA-256 of a file, read as a stream. */
async function fileHash(file: string): Promise<Buffer> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest();
}

function sha256Hex(b: Uint8Array): string {
  return hashOf(b).toString('hex');
}
function hashOf(b: Uint8Array): Buffer {
  return createHash('sha256').update(b).digest();
}

/**
 * Move the finished temporary file to its name: with `force` a rename (an existing file or symlink
 * is replaced, never followed); without, a hard link that fails if the name exists (atomic).
 */
async function placePrivateFile(temp: string, target: string, force: boolean): Promise<void> {
  if (force) return fs.rename(temp, target);
  try {
    await fs.link(temp, target);
  } catch (e) {
    await fs.rm(temp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new IntakeIoError(`--out: '${target}' exists; pass --force to overwrite it`);
    throw e;
  }
  await fs.rm(temp, { force: true });
}
