// s1mig cp (commissioning-party): the Commissioning Party (TMAD 6, 8; docs/COMMISSIONING-PARTY.md).
// Parses, calls src/commissioning-party with the DCC's side of Commissioning Requests (src/dcc) over
// the store, prints.
import path from 'node:path';
import type { Command } from 'commander';
import {
  commandGroup,
  escapeForTerminal,
  jsonSafe,
  parseInstant,
  printJson,
  printLines,
  requireFile,
  UsageError,
  EXIT,
} from '../io.js';
import { readCertificateFile, readSigner } from '../signing-files.js';
import { configuration } from '../../config.js';
import { loadTrustStore } from '../../files/trust-store.js';
import { openStore, type Store } from '../../store/index.js';
import {
  MAX_COF_WAIT_MINUTES,
  receiveFiles,
  resumeInstallations,
  status,
  tick,
  type CommissioningPartyOptions,
  type ReceiveResult,
} from '../../commissioning-party/index.js';
import {
  commissioningRegistrationOf,
  dccCommissioningRequestPort,
} from '../../dcc/commissioning-requests.js';
import type { TrustStore } from '../../core/pki/index.js';

interface CommonOpts {
  trust?: string;
  cert?: string;
  key?: string;
  requestCert?: string;
  out?: string;
  held?: string;
  discardTo?: string;
  mailboxes?: string;
  batchMinutes?: string;
  requireCrl?: boolean;
  at?: string;
  json?: boolean;
  incidentResolved?: boolean;
}

function withCommon(c: Command): Command {
  return c
    .option('--trust <dir|pem>', 'certificates, CAs and CRLs (default S1MIG_TRUST)')
    .option(
      '--cert <pem>',
      "the Commissioning Party's commissioningPartyFileSigning certificate (signs COFs, Table 5.5)",
    )
    .option('--key <pem>', 'its private key')
    .option(
      '--request-cert <pem>',
      'the commissioningPartyXmlSigning certificate the DCC verifies Commissioning Requests with (Table 5.5)',
    )
    .option('--out <dir>', 'where COFs are written', './data/commissioning-party/out')
    .option('--held <dir>', 'where held MCFs are kept (TMAD 6.2)', './data/commissioning-party/held')
    .option('--discard-to <dir>', 'move discarded files here (TMAD 5.9, 6.1, 6.3)')
    .option(
      '--mailboxes <root>',
      'deliver COFs to the Requesting Party and Supplier mailboxes (docs/MAILBOXES.md)',
    )
    .option(
      '--batch-minutes <n>',
      `hold outcomes up to n minutes to batch COFs (0-${MAX_COF_WAIT_MINUTES}, TMAD 6.4)`,
      '0',
    )
    .option('--no-require-crl', "Confirm Validity (5.9.4) without requiring the issuer's CRL")
    .option('--json', 'print JSON');
}

function batchMinutes(v: string | undefined): number {
  const n = Number(v ?? '0');
  if (!/^\d+$/.test(v ?? '0') || n > MAX_COF_WAIT_MINUTES)
    throw new UsageError(
      `--batch-minutes '${v}': expected a whole number of minutes 0-${MAX_COF_WAIT_MINUTES} (TMAD 6.4)`,
    );
  return n;
}

async function partyOptions(o: CommonOpts, store: Store, now: Date): Promise<CommissioningPartyOptions> {
  const trustPath = o.trust ?? configuration().trust;
  if (!trustPath) throw new UsageError('--trust <dir|pem> is required (or set S1MIG_TRUST)');
  const trust: TrustStore = await loadTrustStore(trustPath).catch((e: Error) => {
    throw new UsageError(`--trust ${trustPath}: ${e.message}`);
  });
  if (!o.cert || !o.key || !o.requestCert)
    throw new UsageError('--cert, --key and --request-cert are required');
  const { key, cert } = await readSigner(o.key, o.cert);
  const requestSigner = await readCertificateFile(o.requestCert, '--request-cert');
  const data = store.reference.data;
  const partyOf = async (u: string) => (await data.partyOfUserId(u))?.partySignifier;
  return {
    trust,
    now,
    ...(o.requireCrl === false ? { requireCrl: false } : {}),
    fileSigner: { certificate: cert, privateKey: key },
    requestSigner,
    dcc: dccCommissioningRequestPort({
      inventory: store.smartMeteringInventory,
      registration: commissioningRegistrationOf(data),
      now: () => now,
    }),
    heldDir: path.resolve(o.held ?? './data/commissioning-party/held'),
    outDir: path.resolve(o.out ?? './data/commissioning-party/out'),
    ...(o.discardTo ? { discardTo: o.discardTo } : {}),
    ...(o.mailboxes ? { mailboxes: o.mailboxes } : {}),
    batchMinutes: batchMinutes(o.batchMinutes),
    supplierPartyOf: partyOf,
  };
}

const repos = (store: Store) => ({
  counters: store.counters,
  incidents: store.incidents,
  acceptedFiles: store.acceptedFiles,
  cp: store.commissioningParty,
});

function human(r: ReceiveResult): string[] {
  const lines = [
    `${r.file}: ${r.outcome}${r.fileType ? ` (${r.fileType})` : ''}${r.rule ? ` — ${r.rule}` : ''}${r.reason ? `: ${r.reason}` : ''}`,
  ];
  if (r.incidentId) lines.push(`  Incident ${r.incidentId}`);
  if (r.disposition) lines.push(`  ${r.disposition}`);
  for (const i of r.installations ?? [])
    lines.push(
      `  CHF ${i.chf}: ${i.state}, ${i.requests.length} request(s)` +
        (i.failedChecks.length
          ? `, FailedCheck ${i.failedChecks.map((f) => `${f.failedStepNumber} ${f.supportingData?.errorCode ?? ''}`.trim()).join(', ')}`
          : ''),
    );
  for (const c of r.cofs ?? [])
    lines.push(
      `  COF ${c.path} (${c.installations} installation(s))${c.delivered.map((d) => ` → ${d.path}`).join('')}`,
    );
  return lines;
}

export function register(program: Command): void {
  const g = commandGroup(program, 'cp').alias('commissioning-party');
  withCommon(
    g
      .command('receive <files...>')
      .description(
        'Receive MCFs and SCFs (TMAD 6.1): Table 5.9, hold MCFs (6.2), for SCFs the checks of 6.3(a)-(c), the Table 6.3 ' +
          'Commissioning Requests to the DCC (TMAD 8) and the signed COF (6.3(d), 6.4). Give an MCF before its SCFs.',
      )
      .option('--at <time>', 'the time of receipt (ISO 8601; no offset = UTC; default now)'),
  ).action(async (files: string[], o: CommonOpts) => {
    const now = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
    for (const f of files) await requireFile(f, 'signed XML file');
    const store = await openStore();
    try {
      const opts = await partyOptions(o, store, now);
      const results = await receiveFiles(files, opts, repos(store), (r) => {
        if (!o.json) printLines(...human(r).map(escapeForTerminal));
        else if (files.length > 1) process.stdout.write(JSON.stringify(jsonSafe(r)) + '\n');
      });
      if (o.json && files.length === 1) printJson(jsonSafe(results[0]));
      if (results.some((r) => r.outcome === 'rejected' || r.outcome === 'discarded'))
        process.exitCode = EXIT.INVALID;
    } finally {
      await store.close();
    }
  });
  withCommon(
    g
      .command('tick')
      .description(
        'Move the clock to --at: send the COFs that are due (TMAD 6.4) and discard MCFs held 60 days (6.2)',
      )
      .requiredOption('--at <time>', 'the time (ISO 8601; no offset = UTC)'),
  ).action(async (o: CommonOpts) => {
    const now = parseInstant(o.at!, '--at');
    const store = await openStore();
    try {
      const r = await tick(await partyOptions(o, store, now), repos(store));
      if (o.json) printJson(jsonSafe(r));
      else
        printLines(
          ...[
            `${r.cofs.length} COF(s) sent, ${r.expired.length} MCF(s) discarded after 60 days (TMAD 6.2)`,
            ...r.cofs.map((c) => `  COF ${c.path} (${c.installations} installation(s))`),
            ...r.expired.map((e) => `  MCF ${e.fileName} received ${e.receivedAt}`),
          ].map(escapeForTerminal),
        );
    } finally {
      await store.close();
    }
  });
  withCommon(
    g
      .command('resume <chf...>')
      .description(
        'TMAD 8.6: resume halted installations (by CHF Device ID) once their Incident is resolved: the request ' +
          'that had the error Response is submitted again, then the ones after it; the outcome goes in a COF (6.4)',
      )
      .option('--incident-resolved', 'confirm the Incident that halted them is resolved (TMAD 8.6; required)')
      .option('--at <time>', 'the time (ISO 8601; no offset = UTC; default now)'),
  ).action(async (chfs: string[], o: CommonOpts) => {
    if (!o.incidentResolved)
      throw new UsageError(
        'TMAD 8.6: a halted installation resumes only "until and unless that incident is resolved": give --incident-resolved',
      );
    const now = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
    const store = await openStore();
    try {
      const results = await resumeInstallations(chfs, await partyOptions(o, store, now), repos(store));
      if (o.json) printJson(jsonSafe(results));
      else
        for (const r of results)
          printLines(
            ...[
              r.problem
                ? `CHF ${r.chf}: not resumed: ${r.problem}`
                : `CHF ${r.chf}: resumed at ${r.resumedAt}: ${r.installation!.state}, ${r.installation!.requests.length} request(s) in all` +
                  (r.installation!.failedChecks.length
                    ? `, FailedCheck ${r.installation!.failedChecks.map((f) => `${f.failedStepNumber} ${f.supportingData?.errorCode ?? ''}`.trim()).join(', ')}`
                    : ''),
              ...(r.cofs ?? []).map((c) => `  COF ${c.path} (${c.installations} installation(s))`),
            ].map(escapeForTerminal),
          );
      if (results.some((r) => r.problem)) process.exitCode = EXIT.INVALID;
    } finally {
      await store.close();
    }
  });
  g.command('status')
    .description(
      'The MCFs held (TMAD 6.2), their installations by state, and the outcomes waiting for a COF (6.4)',
    )
    .option('--all', 'include discarded MCFs')
    .option('--batch-minutes <n>', 'the batching in use (for the next COF due time)', '0')
    .option('--json', 'print JSON')
    .action(async (o: { all?: boolean; batchMinutes?: string; json?: boolean }) => {
      const store = await openStore();
      try {
        const s = await status({ batchMinutes: batchMinutes(o.batchMinutes) }, repos(store), !!o.all);
        if (o.json) printJson(s);
        else
          printLines(
            ...[
              `${s.mcfs.length} MCF(s); ${s.pendingOutcomes} outcome(s) waiting for a COF${s.nextCofDue ? `, due by ${s.nextCofDue}` : ''}`,
              ...s.mcfs.map(
                (m) =>
                  `  ${m.fileName} GroupID ${m.groupId} received ${m.receivedAt}, ${m.discardedAt ? `discarded ${m.discardedAt} (${m.discardReason})` : `held until ${m.holdUntil}`}: ` +
                  Object.entries(m.installations)
                    .filter(([, n]) => n > 0)
                    .map(([k, n]) => `${n} ${k}`)
                    .join(', '),
              ),
            ].map(escapeForTerminal),
          );
      } finally {
        await store.close();
      }
    });
}
