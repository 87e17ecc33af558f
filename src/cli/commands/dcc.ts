// s1mig dcc: the DCC on the SMETS1 Migration Interface. `validate-mcf` runs the Common Validation Checks
// (TMAD 5.10, Table 5.10) on an MCF against reference data given as a JSON fixture
// (docs/dcc-reference-fixture.md) and writes the signed Migration Common Validation File.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  describePathProblem,
  parseInstant,
  printJson,
  printLines,
  requireFile,
  setExit,
} from '../io.js';
import { CertificateParseError, emptyTrustStore, parseCertificate } from '../../core/pki/index.js';
import type { OrganisationCertificate, TrustStore } from '../../core/pki/index.js';
import { MAX_UNSIGNED_LONG } from '../../core/schema/index.js';
import { MigrationFileReadError, migrationFileName } from '../../core/formats/migration-files/index.js';
import { XmlSyntaxError } from '../../lib/xml/sax.js';
import { loadPrivateKey, loadTrustStore } from '../../files/trust-store.js';
import {
  DEFAULT_LOOK_AHEAD_DAYS,
  MvfSignerError,
  inMemoryCommonValidationContext,
  parseCommonValidationFixture,
  type InstallationValidation,
} from '../../dcc/common-validation.js';
import { writeMigrationCommonValidationFile } from '../../dcc/mvf-file.js';

interface ValidateFlags {
  reference: string;
  trust?: string;
  signKey: string;
  cert: string;
  out: string;
  at?: string;
  lookAheadDays: string;
  mvfCounter?: string;
  json?: boolean;
}

async function readCert(p: string): Promise<OrganisationCertificate> {
  let buf: Buffer;
  try {
    buf = await readFile(p);
  } catch (e) {
    throw new UsageError(`--cert ${describePathProblem(p, e, 'certificate file')}`);
  }
  const text = buf.toString('latin1');
  try {
    return parseCertificate(text.includes('-----BEGIN') ? text : new Uint8Array(buf));
  } catch (e) {
    if (e instanceof CertificateParseError)
      throw new UsageError(`--cert ${p}: ${e.message}: expected a PEM or DER X.509 certificate`);
    throw e;
  }
}

async function readReference(file: string, trustOverride: string | undefined) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--reference ${describePathProblem(file, e, 'reference fixture')}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--reference ${file}: not JSON (${(e as Error).message})`);
  }
  const parsed = parseCommonValidationFixture(json);
  if (!parsed.ok)
    throw new UsageError(
      `--reference ${file}: ${parsed.error.length} problem(s): ${parsed.error.join('; ')} (see docs/dcc-reference-fixture.md)`,
    );
  const { trustStore, ...data } = parsed.value;
  const trustPath =
    trustOverride ?? (trustStore !== undefined ? path.resolve(path.dirname(file), trustStore) : undefined);
  let trust: TrustStore = emptyTrustStore();
  if (trustPath !== undefined)
    try {
      trust = await loadTrustStore(trustPath);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new UsageError(
        `${trustOverride !== undefined ? '--trust' : `--reference ${file}: trustStore`} ${
          err.code ? describePathProblem(trustPath, e, 'trust store') : err.message
        }`,
      );
    }
  return { ...data, trust };
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function sameKey(priv: KeyObject, pub: KeyObject): boolean {
  const a = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  const b = pub.export({ format: 'der', type: 'spki' });
  return Buffer.compare(a, b) === 0;
}

/** JSON-safe copy: bigint → decimal string. */
function jsonSafe(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));
}

async function validateMcf(mcfPath: string, o: ValidateFlags): Promise<void> {
  await requireFile(mcfPath, 'MCF');
  const at = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
  const lookAheadDays = Number(o.lookAheadDays);
  if (!/^\d+(\.\d+)?$/.test(o.lookAheadDays) || !Number.isFinite(lookAheadDays))
    throw new UsageError(
      `--look-ahead-days '${o.lookAheadDays}': expected a number of days ≥ 0 (TMAD 5.10.10)`,
    );
  // TMAD Table 5.7: the DCC's Migration Common Validation File Counter; default: milliseconds since 1970,
  // which only grows, so every MVF passes the receivers' 5.9.8 anti-replay check.
  const counterText = o.mvfCounter ?? String(Date.now());
  if (!/^\d{1,20}$/.test(counterText) || BigInt(counterText) > MAX_UNSIGNED_LONG)
    throw new UsageError(`--mvf-counter '${counterText}': expected a counter from 0 to 2^64-1 (Table 5.7)`);
  const mvfCounter = BigInt(counterText);
  const cert = await readCert(o.cert);
  let key: KeyObject;
  try {
    key = await loadPrivateKey(o.signKey);
  } catch (e) {
    throw new UsageError(
      `--sign-key ${(e as NodeJS.ErrnoException).code ? describePathProblem(o.signKey, e, 'key file') : (e as Error).message}`,
    );
  }
  if (!sameKey(key, cert.publicKey))
    throw new UsageError(`--sign-key ${o.signKey} is not the private key of --cert ${o.cert}`);
  const data = await readReference(o.reference, o.trust);

  // A directory (or a path ending in /) gets the TMAD 10.2 name: MVF_<ReportingPartyID>_<MCFCounter>_<MVFCounter>.xml.
  const toDirectory = o.out.endsWith('/') || o.out.endsWith(path.sep) || (await isDirectory(o.out));
  try {
    await mkdir(toDirectory ? o.out : path.dirname(path.resolve(o.out)), { recursive: true });
  } catch (e) {
    throw new UsageError(`--out ${describePathProblem(o.out, e, 'directory')}`);
  }
  const ctx = inMemoryCommonValidationContext(data);
  const results: InstallationValidation[] = [];
  const report = (r: InstallationValidation): void => {
    if (o.json) results.push(r);
    else
      for (const f of r.failures)
        printLines(
          `${mcfPath}: ${f.problem.element} (CHF ${r.chfIdentifier}): ${f.problem.message} (${f.problem.rule})`,
        );
  };
  let summary;
  try {
    summary = await writeMigrationCommonValidationFile(
      createReadStream(mcfPath),
      ctx,
      { certificate: cert, privateKey: key },
      toDirectory ? { directory: o.out, name: (h) => migrationFileName('MVF', h) } : o.out,
      { at, lookAheadDays, mvfCounter, fileName: mcfPath, onInstallation: report },
    );
  } catch (e) {
    if (e instanceof MvfSignerError) throw new UsageError(`--cert ${o.cert}: ${e.message}`);
    if (e instanceof MigrationFileReadError || e instanceof XmlSyntaxError) {
      // Not a readable MCF: Table 5.9 (5.9.1) rejects it before any Table 5.10 check; no MVF.
      const problem = `${e.message}: not a Migration Common File the checks can read (TMAD 5.9.1); no MVF written`;
      if (o.json) printJson({ mcf: mcfPath, readable: false, problem });
      else printLines(problem);
      return setExit(EXIT.INVALID);
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code) throw new UsageError(describePathProblem(err.path ?? o.out, e));
    throw e;
  }
  const passed = summary.installations - summary.failed;
  if (o.json)
    printJson(
      jsonSafe({
        mcf: mcfPath,
        mvf: summary.path,
        header: summary.mcfHeader,
        mvfCounter,
        reportingPartyId: summary.mvfHeader.reportingPartyId,
        at: at.toISOString(),
        lookAheadDays,
        installations: summary.installations,
        passed,
        failed: summary.failed,
        results: results.map((r) => ({
          index: r.index,
          chfIdentifier: r.chfIdentifier,
          passed: r.failures.length === 0,
          failedChecks: r.failures.map((f) => f.failedCheck),
          problems: r.failures.map((f) => f.problem),
          skipped: r.skipped,
        })),
      }),
    );
  else
    printLines(
      `${mcfPath}: ${summary.installations} installation(s): ${passed} passed, ${summary.failed} failed the Common Validation Checks (TMAD 5.10)`,
      `${summary.path}: MVF written, MVFCounter ${mvfCounter}, signed by ${summary.mvfHeader.reportingPartyId} (serial ${cert.serialNumber})`,
    );
  setExit(summary.failed === 0 ? EXIT.OK : EXIT.INVALID);
}

export function register(program: Command): void {
  commandGroup(program, 'dcc')
    .command('validate-mcf')
    .description(
      'Run the Common Validation Checks (TMAD 5.10, Table 5.10: 5.10.1-5.10.18) on every installation of a ' +
        'Migration Common File against reference data (a JSON fixture: docs/dcc-reference-fixture.md), and write ' +
        'the signed Migration Common Validation File (5.10(b)-(d)) with its FailedChecks. Authenticate the MCF ' +
        'first (s1mig file authenticate, Table 5.9). Exit 0 all installations passed, 1 any failed (the MVF is ' +
        'written either way) or the MCF is unreadable, 2 usage or I/O error',
    )
    .argument('<mcf>', 'the Migration Common File (XML)')
    .requiredOption(
      '--reference <fixture.json>',
      'reference data for the checks (docs/dcc-reference-fixture.md)',
    )
    .option('--trust <dir|pem>', "certificates, CAs and CRLs (default: the fixture's trustStore)")
    .requiredOption('--sign-key <pem>', "the S1SP's s1SPMigrationSigning private key (Table 5.5)")
    .requiredOption('--cert <pem>', "the S1SP's s1SPMigrationSigning Organisation Certificate")
    .requiredOption(
      '--out <MVF.xml>',
      'where to write the MVF (a directory: the TMAD 10.2 name MVF_<ReportingPartyID>_<MCFCounter>_<MVFCounter>.xml)',
    )
    .option('--at <time>', 'time of validation, ISO 8601 (default now; no offset = UTC)')
    .option(
      '--look-ahead-days <n>',
      'change-of-supplier look-ahead of 5.10.10 / 5.10.15, days',
      String(DEFAULT_LOOK_AHEAD_DAYS),
    )
    .option('--mvf-counter <n>', 'MVFCounter (Table 5.7; default: milliseconds since 1970)')
    .option('--json', 'print the result per installation as JSON')
    .action(validateMcf);
}
