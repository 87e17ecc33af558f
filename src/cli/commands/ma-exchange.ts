// s1mig ma seal / ma open: MAM 7.5 secure exchange of Migration Authorisations.
//   seal (Responsible Supplier): AES-256 zip (password = MD5 of the CSV), password file, detached signature.
//   open (DCC Migration Control Centre): verify signature (MAM 4: reject on failure), decrypt (bounded),
//   check MD5 and names, validate the MA, record the receipt.
import type { KeyObject } from 'node:crypto';
import { KEY_PASSPHRASE_ENV, loadPrivateKey } from '../../files/trust-store.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  parseInstant,
  printErrLines,
  jsonPerFile,
  printLines,
  setExit,
} from '../io.js';
import { seal, SealError } from '../../supplier/ma-seal.js';
import { conventionalPaths, IntakeIoError, loadTrust, open, type IntakeResult } from '../../mcc/ma-intake.js';
import { openStore, type Store } from '../../store/index.js';
import type { MaProblem } from '../../core/formats/ma/index.js';
import { omittedSummary } from '../../core/bounded-problems.js';
import {
  checkInputFile,
  escapeControls,
  fileKind,
  isPasswordFileName,
  readHead,
  readInputFile,
  shellQuote,
  shown,
} from '../ma-files.js';
import { configuration } from '../../config.js';

interface SealOpts {
  key: string;
  cert: string;
  out?: string;
  at?: string;
  allowInvalid?: boolean;
  json?: boolean;
}

interface OpenOpts {
  passwordFile?: string;
  signature?: string;
  trust: string;
  receivedAt?: string;
  at?: string;
  out?: string;
  force?: boolean;
  store?: boolean;
  requireCrl?: boolean;
  maxBytes?: string;
  maxRatio?: string;
  maxErrors: string;
  json?: boolean;
}

export function register(program: Command): void {
  const ma = commandGroup(program, 'ma');

  ma.command('seal')
    .description(
      'Seal MA CSVs for sending to the DCC (MAM 7.5): for each, an AES-256 zip with the MD5 of the CSV as password, ' +
        'the MAPASSWORD_… password file (Table 7.5.1) and its detached CMS signature (<password file>.p7s). ' +
        'Sealing a CSV again rewrites its three files. Exit 0 all sealed, 1 any CSV invalid, 2 usage or I/O error',
    )
    .argument('<ma.csv...>', 'Migration Authorisation CSVs (MA_<SMSO>_<UserID>_<YYYYMMDD>_<HHMMSS>.csv)')
    .requiredOption('--key <pem>', 'private key (PEM) of the IKI File Signing certificate')
    .requiredOption('--cert <pem>', 'IKI File Signing certificate (PEM)')
    .option('--out <dir>', 'output directory (default: beside each CSV)')
    .option('--at <ISO>', 'signing time (default: now)')
    .option('--allow-invalid', 'seal even if the MA does not validate (testing only)')
    .option(
      '--json',
      'print the result as JSON (JSON Lines, one object per CSV as it is sealed, for several)',
    )
    .action(async (csvs: string[], o: SealOpts) => {
      const at = o.at ? parseInstant(o.at, '--at') : undefined;
      for (const csv of csvs) await checkSealInput(csv);
      const key = await loadSigningKey(o.key);
      const cert = await readText(o.cert, '--cert', 'the IKI File Signing certificate (PEM)');
      const emitSealJson = jsonPerFile(csvs.length);
      let invalid = false;
      for (const csv of csvs) {
        try {
          const r = await seal(csv, {
            key,
            cert,
            ...(o.out ? { outDir: o.out } : {}),
            ...(at ? { at } : {}),
            ...(o.allowInvalid ? { allowInvalid: true } : {}),
          });
          if (o.json)
            await emitSealJson({
              zip: r.zipPath,
              passwordFile: r.passwordFilePath,
              signature: r.signaturePath,
              csvFileName: r.csvFileName,
              userId: r.userId,
              errors: r.errors,
              warnings: r.warnings,
            });
          else
            printLines(
              ...[r.zipPath, r.passwordFilePath, r.signaturePath].map(shown),
              ...r.warnings.map((w) => `warning: ${problemText(w)}`),
            );
        } catch (e) {
          if (e instanceof SealError) {
            // A key or certificate problem is the same for every CSV: a usage error.
            if (e.errors.length === 0) throw new UsageError(escapeControls(e.message));
            invalid = true;
            if (o.json) await emitSealJson({ file: csv, sealed: false, reason: e.message, errors: e.errors });
            else {
              printErrLines(`s1mig: ${shown(csv)}: ${escapeControls(e.message)}`);
              for (const p of e.errors) printErrLines(`  ${problemText(p)}`);
            }
            continue;
          }
          const code = (e as NodeJS.ErrnoException).code;
          if (code)
            throw new UsageError(
              `cannot seal '${shown(csv)}'${o.out ? ` into --out '${shown(o.out)}'` : ''} (${code}: ${escapeControls((e as Error).message)})`,
            );
          throw e;
        }
      }
      setExit(invalid ? EXIT.INVALID : EXIT.OK);
    });

  ma.command('open')
    .description(
      'Open sealed MAs as the DCC (MAM 7.5, MAM 4): verify the signature on the password file (with the CRL of ' +
        "the signer's issuing CA, required unless --no-require-crl), decrypt the zip (bounded), check the MD5 and " +
        'names, validate the MA and record it in the store. Exit 0 all accepted, 1 any rejected, 2 usage or I/O error',
    )
    .argument('<zip...>', 'the encrypted MA zips (MA_….zip, as written by `s1mig ma seal`)')
    .option('--password-file <f>', 'password file (default: MAPASSWORD_… beside the zip); one zip only')
    .option(
      '--signature <f>',
      'detached CMS signature of the password file (default: <password file>.p7s, beside the password file); one zip only',
    )
    .requiredOption('--trust <dir|pem>', 'trusted CA certificates (and CRLs): a PEM file or a directory')
    .option('--received-at <ISO>', 'when the DCC received the file (default: now)')
    .option('--at <ISO>', "time at which the signer's certificate must be valid (default: --received-at)")
    .option(
      '--out <dir>',
      'write the decrypted CSV here (only when accepted), mode 0600; an existing file is not overwritten without --force',
    )
    .option('--force', 'with --out: replace an existing decrypted CSV')
    .option('--no-store', 'do not record the receipt in the store')
    .option(
      '--no-require-crl',
      "accept the signer's certificate when no CRL of its issuer is available (revocation then unchecked)",
    )
    .option('--max-bytes <n>', 'maximum uncompressed size of the CSV (default 536870912)')
    .option('--max-ratio <n>', 'maximum compression ratio (default 200)')
    .option(
      '--max-errors <n>',
      'list (and store) at most this many errors and warnings of a zip; the rest are counted per rule',
      '100',
    )
    .option(
      '--json',
      'print the result as JSON (JSON Lines, one object per zip as it is decided, for several)',
    )
    .action(async (zips: string[], o: OpenOpts) => {
      if (zips.length > 1 && (o.passwordFile || o.signature))
        throw new UsageError(
          '--password-file and --signature name the files of one zip: give one zip with them, or none to use the files beside each zip',
        );
      const receivedAt = o.receivedAt ? parseInstant(o.receivedAt, '--received-at') : new Date();
      const at = o.at ? parseInstant(o.at, '--at') : receivedAt;
      const maxBytes = o.maxBytes ? positiveInt(o.maxBytes, '--max-bytes') : undefined;
      const maxRatio = o.maxRatio ? positiveInt(o.maxRatio, '--max-ratio') : undefined;
      const requireCrl = o.requireCrl !== false;
      const maxErrors = positiveInt(o.maxErrors, '--max-errors');
      const jobs: Array<{ zip: string; passwordFile: string; signature: string }> = [];
      for (const zip of zips) {
        await checkOpenInput(zip);
        const conv = conventionalPaths(zip);
        const passwordFile = o.passwordFile ?? conv.passwordFile;
        // The signature defaults to <password file>.p7s beside the password file (MAM 7.5.3; see ma seal).
        const signature = o.signature ?? (o.passwordFile ? `${o.passwordFile}.p7s` : conv.signature);
        await checkInputFile(
          passwordFile,
          'password file',
          'the MAPASSWORD_….csv written by `s1mig ma seal`',
        );
        await checkInputFile(signature, 'signature', 'the detached signature <password file>.p7s');
        jobs.push({ zip, passwordFile, signature });
      }
      const trust = await loadTrust(o.trust).catch((e: unknown) => {
        throw new UsageError(`--trust ${shown(o.trust)}: ${escapeControls((e as Error).message)}`);
      });
      let store: Store | undefined;
      const emitJson = jsonPerFile(jobs.length);
      let allAccepted = true;
      try {
        if (o.store !== false) store = await openStore();
        for (const job of jobs) {
          const r = await open(job.zip, job.passwordFile, job.signature, {
            trust,
            receivedAt,
            at,
            ...(store ? { store } : {}),
            requireCrl,
            maxErrors,
            ...(o.out ? { csvOutDir: o.out, csvOutForce: !!o.force } : {}),
            limits: {
              ...(maxBytes ? { maxEntryBytes: maxBytes, maxTotalBytes: maxBytes } : {}),
              ...(maxRatio ? { maxRatio } : {}),
            },
          });
          if (!requireCrl && r.signer && !hasCrlFor(trust, r.signer.issuerName))
            r.warnings.push({
              line: null,
              field: null,
              rule: 'TMAD 5.9.4',
              message: `no CRL of '${r.signer.issuerName}' in --trust: revocation of the signer was not checked (--no-require-crl)`,
            });
          const written = r.csvWritten;
          // An idempotent receipt: name the earlier file whose content this repeats (MAM 7.2).
          const first = r.stored?.duplicate && store ? await store.receivedMas.get(r.stored.id) : undefined;
          const duplicateOf = first ? { fileName: first.fileName, receivedAt: first.receivedAt } : undefined;
          if (o.json) await emitJson(reportJson(r, written, duplicateOf));
          else report(r, written, duplicateOf);
          if (r.outcome !== 'accepted') allAccepted = false;
        }
        setExit(allAccepted ? EXIT.OK : EXIT.INVALID);
      } catch (e) {
        if (e instanceof IntakeIoError) throw new UsageError(escapeControls(e.message));
        throw e;
      } finally {
        await store?.close();
      }
    });
}

/** `ma seal` takes the CSV: name a zip, a password file or a signature for what it is. */
async function checkSealInput(csv: string): Promise<void> {
  await checkInputFile(csv, 'Migration Authorisation CSV', 'the MA_….csv file to seal');
  const name = path.basename(csv);
  const kind = fileKind(await readHead(csv));
  if (kind.kind === 'zip')
    throw new UsageError(
      `'${shown(csv)}' is a zip archive, already sealed: \`ma seal\` expects the MA_….csv (to open a sealed MA: \`s1mig ma open ${shellQuote(csv)}\`)`,
    );
  if (isPasswordFileName(name) || /\.p7s$/i.test(name))
    throw new UsageError(
      `'${shown(csv)}' is ${/\.p7s$/i.test(name) ? 'a signature' : 'a password file'} written by \`ma seal\`: \`ma seal\` expects the MA_….csv`,
    );
  if (kind.kind === 'binary')
    throw new UsageError(
      `'${shown(csv)}' is a binary file (${kind.detail}): \`ma seal\` expects the MA_….csv text file`,
    );
}

/** `ma open` takes the zip: a CSV, password file or signature given instead gets a pointer to the zip. */
async function checkOpenInput(zip: string): Promise<void> {
  await checkInputFile(zip, 'zip', 'the encrypted MA_….zip written by `s1mig ma seal`');
  const kind = fileKind(await readHead(zip));
  if (kind.kind === 'zip') return;
  const dir = path.dirname(zip);
  const name = path.basename(zip);
  let stem = name.replace(/\.p7s$/i, '').replace(/\.csv$/i, '');
  if (/^MAPASSWORD_/i.test(stem)) stem = `MA_${stem.slice('MAPASSWORD_'.length)}`;
  const guess = path.join(dir, `${stem}.zip`);
  const what = /\.p7s$/i.test(name)
    ? 'the signature'
    : isPasswordFileName(name)
      ? 'the password file'
      : /\.csv$/i.test(name)
        ? 'the CSV'
        : 'not a zip archive';
  const hint = (await fs
    .stat(guess)
    .then((s) => s.isFile())
    .catch(() => false))
    ? `: did you mean \`s1mig ma open ${shellQuote(guess)}\`?`
    : '';
  throw new UsageError(
    `ma open expects the encrypted MA_….zip, not ${what === 'not a zip archive' ? `'${shown(zip)}' (not a zip archive)` : `${what} '${shown(zip)}'`}${hint}`,
  );
}

/** Whether the trust store holds a CRL issued by this issuer name. */
function hasCrlFor(trust: Awaited<ReturnType<typeof loadTrust>>, issuerName: string): boolean {
  return trust.crls.some((c) => c.issuerName === issuerName);
}

/** The signing key: missing file, directory and wrong passphrase said plainly (no OpenSSL codes). */
async function loadSigningKey(file: string): Promise<KeyObject> {
  await checkInputFile(file, '--key', 'the private key PEM of the IKI File Signing certificate');
  const text = await fs.readFile(file, 'latin1');
  try {
    return await loadPrivateKey(file);
  } catch {
    if (text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
      if (configuration().keyPassphrase === undefined)
        throw new UsageError(
          `--key ${shown(file)}: the key is encrypted: set ${KEY_PASSPHRASE_ENV} to its passphrase`,
        );
      throw new UsageError(
        `--key ${shown(file)}: cannot decrypt the key: the passphrase in ${KEY_PASSPHRASE_ENV} is wrong (or the key is damaged)`,
      );
    }
    if (/-----BEGIN CERTIFICATE-----/.test(text))
      throw new UsageError(
        `--key ${shown(file)} is a certificate: expected the private key (…key.pem); the certificate goes to --cert`,
      );
    if (!text.includes('-----BEGIN'))
      throw new UsageError(
        `--key ${shown(file)}: not a PEM private key (no -----BEGIN … PRIVATE KEY----- line)`,
      );
    throw new UsageError(`--key ${shown(file)}: not a readable private key (expected PKCS#8 PEM)`);
  }
}

interface DuplicateOf {
  fileName: string;
  receivedAt: Date;
}

function reportJson(r: IntakeResult, written: string | undefined, duplicateOf?: DuplicateOf): unknown {
  const rows = r.report?.validRowCount;
  return {
    file: r.csvFileName ?? path.basename(r.files.zip),
    files: r.files,
    outcome: r.outcome,
    valid: r.outcome === 'accepted',
    ...(r.stage ? { stage: r.stage } : {}),
    errors: r.errors,
    warnings: r.warnings,
    ...(r.errorCount > r.errors.length
      ? {
          errorCount: r.errorCount,
          moreErrors: r.errorCount - r.errors.length,
          omittedErrors: r.omittedErrors,
        }
      : {}),
    ...(r.warningCount > r.warnings.length
      ? { warningCount: r.warningCount, omittedWarnings: r.omittedWarnings }
      : {}),
    ...(r.signer ? { signer: r.signer } : {}),
    ...(r.signingTime ? { signingTime: r.signingTime.toISOString() } : {}),
    ...(r.report?.valid && r.report.header ? { header: r.report.header, rows } : {}),
    stored: r.stored ? { ...r.stored, ...(duplicateOf ? { duplicateOf } : {}) } : null,
    ...(r.notStoredReason ? { notStoredReason: r.notStoredReason } : {}),
    ...(written ? { csv: written } : {}),
  };
}

function report(r: IntakeResult, written: string | undefined, duplicateOf?: DuplicateOf): void {
  const rows = r.report?.validRowCount;
  const name = r.csvFileName ?? path.basename(r.files.zip);
  const lines: string[] = [];
  if (r.outcome === 'accepted') lines.push(`${name}: ACCEPTED (${rows ?? 0} row(s))`);
  else lines.push(`${name}: REJECTED at ${r.stage ?? 'unknown stage'} (${r.errorCount} error(s))`);
  if (r.signer) lines.push(`signer: serial ${r.signer.serialNumber} issued by ${r.signer.issuerName}`);
  for (const e of r.errors) lines.push(`error: ${problemText(e)}`);
  for (const l of omittedSummary(r.omittedErrors, 'error')) lines.push(`error: … ${l} (--max-errors)`);
  if (r.errors.some((e) => /no CRL from /.test(e.message)))
    lines.push(
      "hint: put the CRL of the signer's issuing CA into --trust (s1mig pki init writes issuing-ca.crl.pem), " +
        'or pass --no-require-crl to accept without checking revocation',
    );
  for (const w of r.warnings) lines.push(`warning: ${problemText(w)}`);
  for (const l of omittedSummary(r.omittedWarnings, 'warning')) lines.push(`warning: … ${l} (--max-errors)`);
  if (r.stored)
    lines.push(
      `stored: id ${r.stored.id}` +
        (!r.stored.duplicate
          ? ''
          : duplicateOf
            ? ` (duplicate: the same CSV content was received as ${duplicateOf.fileName} at ${duplicateOf.receivedAt.toISOString()}; nothing new stored)`
            : ' (duplicate: already received)'),
    );
  else if (r.notStoredReason) lines.push(`not stored: ${r.notStoredReason}`);
  if (written) lines.push(`csv: ${written}`);
  printLines(...lines);
}

function problemText(p: MaProblem): string {
  const where = [p.line !== null ? `line ${p.line}` : null, p.field ? `field ${p.field}` : null]
    .filter(Boolean)
    .join(', ');
  return escapeControls(`${where ? where + ': ' : ''}${p.message} (${p.rule})`);
}

async function readText(file: string, flag: string, expected: string): Promise<string> {
  return (await readInputFile(file, flag, expected)).toString('utf8');
}

function positiveInt(v: string, flag: string): number {
  if (!/^\d{1,15}$/.test(v) || Number(v) <= 0)
    throw new UsageError(`${flag} '${v}' must be a positive whole number`);
  return Number(v);
}
