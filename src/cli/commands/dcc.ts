// s1mig dcc: the DCC on the SMETS1 Migration Interface. `validate-mcf` runs the Common Validation Checks
// (TMAD 5.10, Table 5.10) on an MCF against reference data given as a JSON fixture
// (docs/dcc-reference-fixture.md) and writes the signed Migration Common Validation File.
import { readSigner } from '../signing-files.js';
import { type KeyObject } from 'node:crypto';
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
  jsonSafe,
  parseCounter,
} from '../io.js';
import { emptyTrustStore } from '../../core/pki/index.js';
import type { OrganisationCertificate, TrustStore } from '../../core/pki/index.js';
import { MigrationFileReadError } from '../../core/formats/migration-files/index.js';
import { XmlSyntaxError } from '../../lib/xml/sax.js';
import { loadTrustStore } from '../../files/trust-store.js';
import {
  DEFAULT_LOOK_AHEAD_DAYS,
  MvfSignerError,
  inMemoryCommonValidationContext,
  parseCommonValidationFixture,
  type InstallationValidation,
} from '../../dcc/common-validation.js';
import { mvfSignerEntityId, type CommonValidationContext } from '../../dcc/common-validation.js';
import { runCommonValidation, type CommonValidationRun } from '../../dcc/common-validation-run.js';
import { EARLY_VALIDATION_AUTHENTICATOR, earlyValidate } from '../../dcc/early-validation.js';
import type { IntakeVerdict } from '../../dcc/intake.js';
import { mvfRecipients } from '../../dcc/routing.js';
import { MissingRegistryError, storeCommonValidationContext } from '../../dcc/store-context.js';
import { MailboxError } from '../../files/mailbox.js';
import { openStore, type Store } from '../../store/index.js';

interface ValidateFlags {
  reference?: string;
  mailboxes?: string;
  s1sp?: string;
  dco?: string;
  requireCrl?: boolean;
  trust?: string;
  signKey: string;
  cert: string;
  out: string;
  at?: string;
  lookAheadDays: string;
  mvfCounter?: string;
  json?: boolean;
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

interface Prepared {
  at: Date;
  lookAheadDays: number;
  mvfCounter: bigint;
  cert: OrganisationCertificate;
  key: KeyObject;
  toDirectory: boolean;
}

async function prepare(mcfPath: string, o: ValidateFlags): Promise<Prepared> {
  await requireFile(mcfPath, 'MCF');
  const at = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
  const lookAheadDays = Number(o.lookAheadDays);
  if (!/^\d+(\.\d+)?$/.test(o.lookAheadDays) || !Number.isFinite(lookAheadDays))
    throw new UsageError(
      `--look-ahead-days '${o.lookAheadDays}': expected a number of days ≥ 0 (TMAD 5.10.10)`,
    );
  // TMAD Table 5.7: the DCC's Migration Common Validation File Counter; default: milliseconds since 1970,
  // which only grows, so every MVF passes the receivers' 5.9.8 anti-replay check.
  const mvfCounter = parseCounter(o.mvfCounter ?? String(Date.now()), '--mvf-counter');
  const { key, cert } = await readSigner(o.signKey, o.cert, { key: '--sign-key' });
  // A directory (or a path ending in /) gets the TMAD 10.2 name: MVF_<ReportingPartyID>_<MCFCounter>_<MVFCounter>.xml.
  const toDirectory = o.out.endsWith('/') || o.out.endsWith(path.sep) || (await isDirectory(o.out));
  try {
    await mkdir(toDirectory ? o.out : path.dirname(path.resolve(o.out)), { recursive: true });
  } catch (e) {
    throw new UsageError(`--out ${describePathProblem(o.out, e, 'directory')}`);
  }
  return { at, lookAheadDays, mvfCounter, cert, key, toDirectory };
}

/** The reference data of the checks: the fixture when --reference is given, else the store's registries. */
async function referenceContext(
  o: ValidateFlags,
  at: Date,
  store: Store | undefined,
): Promise<{ ctx: CommonValidationContext; source: string; close: () => Promise<void> }> {
  if (o.reference !== undefined) {
    const data = await readReference(o.reference, o.trust);
    if (o.requireCrl === false) data.confirmValidityOptions = { requireCrl: false };
    return { ctx: inMemoryCommonValidationContext(data), source: o.reference, close: async () => {} };
  }
  const s = store ?? (await openStore());
  // The store stays open while the checks run: they read the Registration Data per window.
  const close = async (): Promise<void> => {
    if (!store) await s.close();
  };
  try {
    const ctx = await storeCommonValidationContext(s.reference, {
      at,
      location: s.location,
      ...(o.requireCrl === false ? { confirmValidityOptions: { requireCrl: false } } : {}),
    });
    return { ctx, source: s.location, close };
  } catch (e) {
    await close();
    if (e instanceof MissingRegistryError) throw new UsageError(e.message);
    throw e;
  }
}

function reporter(mcfPath: string, o: ValidateFlags, results: InstallationValidation[]) {
  return (r: InstallationValidation): void => {
    if (o.json) results.push(r);
    else
      for (const f of r.failures)
        printLines(
          `${mcfPath}: ${f.problem.element} (CHF ${r.chfIdentifier}): ${f.problem.message} (${f.problem.rule})`,
        );
  };
}

/** Run the checks; a fault of the MCF or the signer becomes a printed problem or a usage error. */
async function runChecks(
  mcfPath: string,
  o: ValidateFlags,
  run: () => Promise<CommonValidationRun>,
): Promise<CommonValidationRun | undefined> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof MvfSignerError) throw new UsageError(`--cert ${o.cert}: ${e.message}`);
    if (e instanceof MailboxError) throw new UsageError(`--mailboxes ${o.mailboxes}: ${e.message}`);
    if (e instanceof MigrationFileReadError || e instanceof XmlSyntaxError) {
      // Not a readable MCF: Table 5.9 (5.9.1) rejects it before any Table 5.10 check; no MVF.
      const problem = `${e.message}: not a Migration Common File the checks can read (TMAD 5.9.1); no MVF written`;
      if (o.json) printJson({ mcf: mcfPath, readable: false, problem });
      else printLines(problem);
      setExit(EXIT.INVALID);
      return undefined;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code) throw new UsageError(describePathProblem(err.path ?? o.out, e));
    throw e;
  }
}

function printRun(
  mcfPath: string,
  o: ValidateFlags,
  p: Prepared,
  summary: CommonValidationRun,
  results: InstallationValidation[],
  source: string,
  extra: Record<string, unknown> = {},
): void {
  const passed = summary.installations - summary.failed;
  if (o.json)
    printJson(
      jsonSafe({
        mcf: mcfPath,
        mvf: summary.path,
        reference: source,
        header: summary.mcfHeader,
        mvfCounter: p.mvfCounter,
        reportingPartyId: summary.mvfHeader.reportingPartyId,
        at: p.at.toISOString(),
        lookAheadDays: p.lookAheadDays,
        installations: summary.installations,
        passed,
        failed: summary.failed,
        ...extra,
        delivered: summary.delivered.map((d) => ({
          file: d.file,
          role: d.to.role,
          party: d.to.party,
          path: d.path,
        })),
        unrouted: summary.unrouted,
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
  else {
    printLines(
      `${mcfPath}: ${summary.installations} installation(s): ${passed} passed, ${summary.failed} failed the Common Validation Checks (TMAD 5.10; reference data: ${source})`,
      `${summary.path}: MVF written, MVFCounter ${p.mvfCounter}, signed by ${summary.mvfHeader.reportingPartyId} (serial ${p.cert.serialNumber})`,
    );
    for (const d of summary.delivered)
      printLines(`${d.file} delivered to ${d.to.role} ${d.to.party}: ${d.path}`);
    for (const u of summary.unrouted)
      printLines(
        `installation ${u.installation} (CHF ${u.chf}): no Responsible Supplier to send the MCF to (TMAD 5.10(a)): ${u.reason}`,
      );
  }
  setExit(summary.failed === 0 ? EXIT.OK : EXIT.INVALID);
}

async function validateMcf(mcfPath: string, o: ValidateFlags): Promise<void> {
  if (o.trust !== undefined && o.reference === undefined)
    throw new UsageError(
      "--trust goes with --reference: without it the certificates are the store's (s1mig ref import certificates <dir>)",
    );
  const p = await prepare(mcfPath, o);
  const { ctx, source, close } = await referenceContext(o, p.at, undefined);
  try {
    await validateWith(mcfPath, o, p, ctx, source);
  } finally {
    await close();
  }
}

async function validateWith(
  mcfPath: string,
  o: ValidateFlags,
  p: Awaited<ReturnType<typeof prepare>>,
  ctx: CommonValidationContext,
  source: string,
): Promise<void> {
  const results: InstallationValidation[] = [];
  const signer = { certificate: p.cert, privateKey: p.key };
  // TMAD 5.10(a), (d): the relevant S1SP is the MVF's signer (its Entity ID, the ReportingPartyID) unless named.
  const parties = { s1sp: o.s1sp ?? mvfSignerEntityId(p.cert), dco: o.dco ?? 'DCO' };
  const summary = await runChecks(mcfPath, o, () =>
    runCommonValidation(
      mcfPath,
      path.basename(mcfPath),
      ctx,
      signer,
      p.toDirectory ? { directory: o.out } : o.out,
      {
        at: p.at,
        lookAheadDays: p.lookAheadDays,
        mvfCounter: p.mvfCounter,
        fileName: mcfPath,
        onInstallation: reporter(mcfPath, o, results),
      },
      o.mailboxes === undefined
        ? undefined
        : {
            root: o.mailboxes,
            mcfTo: (h, routing) => routing.recipients(h, parties),
            mvfTo: (h) => mvfRecipients(h, parties),
          },
    ),
  );
  if (summary) printRun(mcfPath, o, p, summary, results, source);
}

interface EarlyFlags extends ValidateFlags {
  smso: string;
}

async function earlyValidateMcf(mcfPath: string, o: EarlyFlags): Promise<void> {
  if (!/^[A-Z]{3}$/.test(o.smso))
    throw new UsageError(`--smso '${o.smso}': expected an SMSO code of three upper-case letters (MAM 7.2.2)`);
  const p = await prepare(mcfPath, o);
  const store = await openStore();
  try {
    const { ctx, source } = await referenceContext(o, p.at, store);
    let trust: TrustStore;
    if (o.trust !== undefined)
      try {
        trust = await loadTrustStore(o.trust);
      } catch (e) {
        throw new UsageError(`--trust ${describePathProblem(o.trust, e, 'trust store')}`);
      }
    else trust = await store.reference.data.trustStore();
    const results: InstallationValidation[] = [];
    let verdict: IntakeVerdict | undefined;
    const summary = await runChecks(mcfPath, o, async () => {
      const r = await earlyValidate(
        mcfPath,
        ctx,
        { certificate: p.cert, privateKey: p.key },
        p.toDirectory ? { directory: o.out } : o.out,
        store,
        {
          trust,
          at: p.at,
          lookAheadDays: p.lookAheadDays,
          mvfCounter: p.mvfCounter,
          fileName: mcfPath,
          onInstallation: reporter(mcfPath, o, results),
          smso: o.smso,
          ...(o.requireCrl === false ? { requireCrl: false } : {}),
          ...(o.mailboxes !== undefined ? { mailboxes: o.mailboxes } : {}),
        },
      );
      verdict = r.verdict;
      if (!r.run) throw new EarlyRejected();
      return r.run;
    }).catch((e: unknown) => {
      if (e instanceof EarlyRejected) return undefined;
      throw e;
    });
    const v = verdict;
    if (!summary) {
      if (v) {
        const problems = v.accepted
          ? [
              `${v.fileType ?? 'the file'} is not a Migration Common File: early validation checks MCFs only (TMAD 4.2)`,
            ]
          : v.problems.map((q) => `${q.step}: ${q.message} (${q.rule})`);
        if (o.json) printJson({ mcf: mcfPath, authenticated: v.accepted, problems, verdict: v });
        else
          printLines(
            `${mcfPath}: REJECTED by early validation, Table 5.9 (TMAD 4.2); no MVF written`,
            ...problems,
          );
        setExit(EXIT.INVALID);
      }
      return;
    }
    printRun(mcfPath, o, p, summary, results, source, {
      earlyValidation: {
        smso: o.smso,
        authenticator: EARLY_VALIDATION_AUTHENTICATOR,
        alreadyAccepted: v?.alreadyAccepted !== undefined,
      },
    });
  } finally {
    await store.close();
  }
}

class EarlyRejected extends Error {}

function validationOptions(cmd: Command, what: string): Command {
  return cmd
    .argument('<mcf>', 'the Migration Common File (XML)')
    .option(
      '--reference <fixture.json>',
      "reference data as a JSON fixture (docs/dcc-reference-fixture.md); default: the store's registries (s1mig ref import)",
    )
    .option('--trust <dir|pem>', `certificates, CAs and CRLs (default: the fixture's trustStore${what})`)
    .option('--no-require-crl', "Confirm Validity (5.10.5-5.10.7) without requiring the issuer's CRL")
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
    .option('--json', 'print the result per installation as JSON');
}

export function register(program: Command): void {
  const dcc = commandGroup(program, 'dcc');
  validationOptions(
    dcc
      .command('validate-mcf')
      .description(
        'Run the Common Validation Checks (TMAD 5.10, Table 5.10: 5.10.1-5.10.18) on every installation of a ' +
          "Migration Common File against the store's reference data (or a JSON fixture), and write the signed " +
          'Migration Common Validation File (5.10(b)-(d)) with its FailedChecks; with --mailboxes, deliver the MCF ' +
          "(5.10(a)) and the MVF (5.10(d)) to the parties' mailboxes (docs/MAILBOXES.md). Authenticate the MCF first " +
          '(s1mig file authenticate, Table 5.9). Exit 0 all installations passed, 1 any failed (the MVF is written ' +
          'either way) or the MCF is unreadable, 2 usage or I/O error or a missing registry',
      ),
    '',
  )
    .option(
      '--mailboxes <root>',
      'deliver the MCF and the MVF into the party mailboxes under <root> (TMAD 5.10(a), (d))',
    )
    .option(
      '--s1sp <id>',
      "the relevant S1SP's mailbox (default: the signer's Entity ID, the ReportingPartyID)",
    )
    .option('--dco <id>', "the relevant DCO's mailbox", 'DCO')
    .action(validateMcf);
  validationOptions(
    dcc
      .command('early-validate')
      .description(
        'Early validation of an MCF submitted by an SMSO (TMAD 4.2): the Table 5.9 authentication as the DCC, with ' +
          `its own Stored Counters (authenticator '${EARLY_VALIDATION_AUTHENTICATOR}'), then the same Common ` +
          "Validation Checks and the same signed MVF as validate-mcf; with --mailboxes the MVF goes to the SMSO's " +
          'mailbox only. Exit 0 all passed, 1 rejected by Table 5.9 or any installation failed, 2 usage or I/O error',
      ),
    " or the store's certificates registry",
  )
    .requiredOption('--smso <code>', 'the SMSO that submitted the MCF (three letters, MAM 7.2.2)')
    .option('--mailboxes <root>', "deliver the MVF into the SMSO's mailbox under <root>")
    .action(earlyValidateMcf);
}
