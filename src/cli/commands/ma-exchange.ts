// s1mig ma seal / ma open: MAM 7.5 secure exchange of Migration Authorisations.
//   seal (Responsible Supplier): AES-256 zip (password = MD5 of the CSV), password file, detached signature.
//   open (DCC Migration Control Centre): verify signature (MAM 4: reject on failure), decrypt (bounded),
//   check MD5 and names, validate the MA, record the receipt.
import { loadPrivateKey } from '../../core/pki/trust-store-loader.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, UsageError, commandGroup, parseInstant, printJson, printLines, setExit } from '../io.js';
import { seal, SealError } from '../../supplier/ma-seal.js';
import { conventionalPaths, IntakeIoError, loadTrust, open, type IntakeResult } from '../../mcc/ma-intake.js';
import { openStore, type Store } from '../../store/index.js';
import type { MaProblem } from '../../core/formats/ma/index.js';

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
  store?: boolean;
  requireCrl?: boolean;
  maxBytes?: string;
  maxRatio?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const ma = commandGroup(program, 'ma');

  ma.command('seal')
    .description(
      'Seal an MA CSV for sending to the DCC (MAM 7.5): AES-256 zip with the MD5 of the CSV as password, ' +
        'the MAPASSWORD_… password file (Table 7.5.1) and its detached CMS signature (<password file>.p7s)',
    )
    .argument('<ma.csv>', 'the Migration Authorisation CSV (MA_<SMSO>_<UserID>_<YYYYMMDD>_<HHMMSS>.csv)')
    .requiredOption('--key <pem>', 'private key (PEM) of the IKI File Signing certificate')
    .requiredOption('--cert <pem>', 'IKI File Signing certificate (PEM)')
    .option('--out <dir>', 'output directory (default: beside the CSV)')
    .option('--at <ISO>', 'signing time (default: now)')
    .option('--allow-invalid', 'seal even if the MA does not validate (testing only)')
    .option('--json', 'print the result as JSON')
    .action(async (csv: string, o: SealOpts) => {
      let key;
      try {
        key = await loadPrivateKey(o.key);
      } catch (e) {
        throw new UsageError(`--key ${o.key}: ${(e as Error).message}`);
      }
      const cert = await readText(o.cert, '--cert');
      try {
        const r = await seal(csv, {
          key,
          cert,
          ...(o.out ? { outDir: o.out } : {}),
          ...(o.at ? { at: parseInstant(o.at, '--at') } : {}),
          ...(o.allowInvalid ? { allowInvalid: true } : {}),
        });
        if (o.json)
          printJson({
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
            r.zipPath,
            r.passwordFilePath,
            r.signaturePath,
            ...r.warnings.map((w) => `warning: ${problemText(w)}`),
          );
        setExit(EXIT.OK);
      } catch (e) {
        if (e instanceof SealError) {
          if (o.json) printJson({ sealed: false, reason: e.message, errors: e.errors });
          else {
            process.stderr.write(`s1mig: ${e.message}\n`);
            for (const p of e.errors) process.stderr.write(`  ${problemText(p)}\n`);
          }
          setExit(e.errors.length > 0 ? EXIT.INVALID : EXIT.USAGE);
          return;
        }
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError((e as Error).message);
        throw e;
      }
    });

  ma.command('open')
    .description(
      'Open a sealed MA as the DCC (MAM 7.5, MAM 4): verify the signature on the password file, decrypt the ' +
        'zip (bounded), check the MD5 and names, validate the MA and record it in the store. Exit 0 accepted, 1 rejected',
    )
    .argument('<zip>', 'the encrypted MA zip')
    .option('--password-file <f>', 'password file (default: MAPASSWORD_… beside the zip)')
    .option('--signature <f>', 'detached CMS signature of the password file (default: <password file>.p7s)')
    .requiredOption('--trust <dir|pem>', 'trusted CA certificates (and CRLs): a PEM file or a directory')
    .option('--received-at <ISO>', 'when the DCC received the file (default: now)')
    .option('--at <ISO>', "time at which the signer's certificate must be valid (default: --received-at)")
    .option('--out <dir>', 'write the decrypted CSV here (only when accepted)')
    .option('--no-store', 'do not record the receipt in the store')
    .option('--require-crl', "require a CRL from the signer's issuing CA")
    .option('--max-bytes <n>', 'maximum uncompressed size of the CSV (default 536870912)')
    .option('--max-ratio <n>', 'maximum compression ratio (default 200)')
    .option('--json', 'print the result as JSON')
    .action(async (zip: string, o: OpenOpts) => {
      const conv = conventionalPaths(zip);
      const receivedAt = o.receivedAt ? parseInstant(o.receivedAt, '--received-at') : new Date();
      const at = o.at ? parseInstant(o.at, '--at') : receivedAt;
      const maxBytes = o.maxBytes ? positiveInt(o.maxBytes, '--max-bytes') : undefined;
      const maxRatio = o.maxRatio ? positiveInt(o.maxRatio, '--max-ratio') : undefined;
      let store: Store | undefined;
      try {
        const trust = await loadTrust(o.trust).catch((e: unknown) => {
          throw new UsageError(`--trust ${o.trust}: ${(e as Error).message}`);
        });
        if (o.store !== false) store = await openStore();
        const r = await open(zip, o.passwordFile ?? conv.passwordFile, o.signature ?? conv.signature, {
          trust,
          receivedAt,
          at,
          ...(store ? { store } : {}),
          ...(o.requireCrl ? { requireCrl: true } : {}),
          limits: {
            ...(maxBytes ? { maxEntryBytes: maxBytes, maxTotalBytes: maxBytes } : {}),
            ...(maxRatio ? { maxRatio } : {}),
          },
        });
        let written: string | undefined;
        if (o.out && r.outcome === 'accepted' && r.csv && r.csvFileName) {
          await fs.mkdir(o.out, { recursive: true });
          written = path.join(o.out, path.basename(r.csvFileName));
          await fs.writeFile(written, r.csv);
        }
        report(r, o.json ?? false, written);
        setExit(r.outcome === 'accepted' ? EXIT.OK : EXIT.INVALID);
      } catch (e) {
        if (e instanceof IntakeIoError) throw new UsageError(e.message);
        throw e;
      } finally {
        await store?.close();
      }
    });
}

function report(r: IntakeResult, json: boolean, written: string | undefined): void {
  const rows = r.report?.authorisation?.rows.length;
  if (json) {
    printJson({
      file: r.csvFileName ?? path.basename(r.files.zip),
      files: r.files,
      outcome: r.outcome,
      valid: r.outcome === 'accepted',
      ...(r.stage ? { stage: r.stage } : {}),
      errors: r.errors,
      warnings: r.warnings,
      ...(r.signer ? { signer: r.signer } : {}),
      ...(r.signingTime ? { signingTime: r.signingTime.toISOString() } : {}),
      ...(r.report?.authorisation ? { header: r.report.authorisation.header, rows } : {}),
      stored: r.stored ?? null,
      ...(r.notStoredReason ? { notStoredReason: r.notStoredReason } : {}),
      ...(written ? { csv: written } : {}),
    });
    return;
  }
  const name = r.csvFileName ?? path.basename(r.files.zip);
  const lines: string[] = [];
  if (r.outcome === 'accepted') lines.push(`${name}: ACCEPTED (${rows ?? 0} row(s))`);
  else lines.push(`${name}: REJECTED at ${r.stage ?? 'unknown stage'} (${r.errors.length} error(s))`);
  if (r.signer) lines.push(`signer: serial ${r.signer.serialNumber} issued by ${r.signer.issuerName}`);
  for (const e of r.errors) lines.push(`error: ${problemText(e)}`);
  for (const w of r.warnings) lines.push(`warning: ${problemText(w)}`);
  if (r.stored)
    lines.push(`stored: id ${r.stored.id}${r.stored.duplicate ? ' (duplicate: already received)' : ''}`);
  else if (r.notStoredReason) lines.push(`not stored: ${r.notStoredReason}`);
  if (written) lines.push(`csv: ${written}`);
  printLines(...lines);
}

function problemText(p: MaProblem): string {
  const where = [p.line !== null ? `line ${p.line}` : null, p.field ? `field ${p.field}` : null]
    .filter(Boolean)
    .join(', ');
  return `${where ? where + ': ' : ''}${p.message} (${p.rule})`;
}

async function readText(file: string, flag: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${flag} ${file}: ${(e as Error).message}`);
  }
}

function positiveInt(v: string, flag: string): number {
  if (!/^\d{1,15}$/.test(v) || Number(v) <= 0)
    throw new UsageError(`${flag} '${v}' must be a positive whole number`);
  return Number(v);
}
