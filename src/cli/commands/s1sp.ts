// s1mig s1sp receive | tick | commission | status: the S1SP's file handling (TMAD 5.22-5.26, 5.28;
// 12-16). Thin: parse options, call src/s1sp/file-handling.ts, print. `receive` and `tick` do not
// commission: S1SP Viable Installations wait (their group information sealed); `commission` runs TMAD
// 5.27 on them against the simulated devices of a generated estate with the DCO
// (src/orchestrator/s1sp-commissioning.ts) and writes the SCFs (5.28).
import path from 'node:path';
import type { Command } from 'commander';
import type { KeyObject } from 'node:crypto';
import {
  EXIT,
  UsageError,
  commandGroup,
  describePathProblem,
  escapeForTerminal,
  jsonPerFile,
  jsonSafe,
  parseInstant,
  printJson,
  printLines,
  requireFile,
  setExit,
} from '../io.js';
import { readPrivateKeyFile, readSigner } from '../signing-files.js';
import { loadTrustStore } from '../../files/trust-store.js';
import { openStore, type Store } from '../../store/index.js';
import { configuration } from '../../config.js';
import type { TrustStore } from '../../core/pki/index.js';
import { requiredSigningRole } from '../../core/pki/roles.js';
import {
  S1spFileHandling,
  type ReceiptReport,
  type S1spFileHandlingOptions,
  type TickReport,
} from '../../s1sp/file-handling.js';
import {
  EstateCommissioningError,
  estateCommissioning,
  faultRulesOf,
} from '../../orchestrator/s1sp-commissioning.js';

interface Common {
  at?: string;
  json?: boolean;
  trust?: string;
  groupKey?: string[];
  state?: string;
  discardTo?: string;
  signKey?: string;
  cert?: string;
  scfDir?: string;
  mailboxes?: string;
  batchSize?: string;
  requireCrl?: boolean;
}

async function handling(
  o: Common,
  store: Store,
  extra: Partial<S1spFileHandlingOptions> = {},
): Promise<S1spFileHandling> {
  let trust: TrustStore;
  if (o.trust !== undefined)
    try {
      trust = await loadTrustStore(o.trust);
    } catch (e) {
      throw new UsageError(`--trust ${describePathProblem(o.trust, e, 'trust store')}`);
    }
  else trust = await store.reference.data.trustStore();
  const groupKeys: KeyObject[] = [];
  for (const k of o.groupKey ?? []) groupKeys.push(await readPrivateKeyFile(k, '--group-key'));
  if ((o.signKey === undefined) !== (o.cert === undefined))
    throw new UsageError(
      '--sign-key and --cert go together (the s1SPMigrationSigning key and certificate, Table 5.5)',
    );
  const signer =
    o.signKey !== undefined && o.cert !== undefined
      ? await readSigner(o.signKey, o.cert, { key: '--sign-key', cert: '--cert' })
      : undefined;
  if (signer && signer.cert.role !== requiredSigningRole('SCF'))
    throw new UsageError(
      `--cert ${o.cert}: not an S1SP certificate (Table 5.5: SCFs are signed in the s1SPMigrationSigning role)`,
    );
  const batch = o.batchSize !== undefined ? Number(o.batchSize) : undefined;
  if (batch !== undefined && (!Number.isSafeInteger(batch) || batch < 1))
    throw new UsageError(`--batch-size '${o.batchSize}': expected a whole number of installations ≥ 1`);
  const state = o.state ?? path.join('data', 's1sp');
  return new S1spFileHandling({
    store,
    trust,
    groupKeys,
    sealPassphrase: configuration().keyPassphrase,
    heldDir: path.join(state, 'held'),
    scfDir: o.scfDir ?? path.join(state, 'scf'),
    ...(o.discardTo !== undefined ? { discardTo: o.discardTo } : {}),
    ...(signer ? { signer } : {}),
    ...(o.mailboxes !== undefined ? { mailboxes: o.mailboxes } : {}),
    ...(batch !== undefined ? { batchSize: batch } : {}),
    ...(o.requireCrl === false ? { requireCrl: false } : {}),
    ...extra,
  });
}

function printTick(t: TickReport): void {
  for (const d of t.discarded) printLines(escapeForTerminal(`${d.set}: DISCARDED: ${d.reason}`));
  for (const p of t.processed)
    printLines(
      escapeForTerminal(
        `${p.set}: Table 5.25: ${p.viable} S1SP Viable Installation(s), ${p.failed} failed; ${p.commissioned} commissioned (TMAD 5.27: \`s1mig s1sp commission\`)`,
      ),
    );
  for (const s of t.scfs)
    printLines(
      escapeForTerminal(
        `${s.path}: SCF ${s.scfCounter} for ${s.set}: ${s.installations} installation(s), ${s.failed} failed`,
      ),
      ...s.delivered.map((d) => escapeForTerminal(`  delivered to ${d.to.role}/${d.to.party}: ${d.path}`)),
    );
  for (const p of t.problems) printLines(escapeForTerminal(`${p.set}: ${p.message} (${p.rule})`));
}

const reportJson = (r: ReceiptReport) =>
  jsonSafe({
    file: r.file,
    accepted: r.accepted,
    fileType: r.fileType,
    set: r.set,
    problem: r.problem,
    disposition: r.disposition,
    incidentId: r.incidentId,
    failedStep: r.verdict.failedStep,
    problems: r.verdict.problems,
  });

async function receive(files: string[], o: Common): Promise<void> {
  for (const f of files) await requireFile(f, 'migration file');
  const now = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
  const store = await openStore();
  try {
    const h = await handling(o, store);
    const out = o.json ? jsonPerFile(files.length + 1) : undefined;
    const { reports, tick } = await h.receive(files, now, async (r) => {
      if (out) return out(reportJson(r));
      const what = r.accepted ? 'RECEIVED' : 'REFUSED';
      printLines(
        escapeForTerminal(
          `${r.file}: ${what}${r.fileType ? ` ${r.fileType}` : ''}${r.set ? ` for ${r.set}` : ''}` +
            (r.verdict.accepted
              ? ''
              : `: ${r.verdict.problems[0]?.message ?? ''} (TMAD ${r.verdict.failedStep})`) +
            (r.problem ? `: ${r.problem.message} (${r.problem.rule})` : '') +
            (r.disposition ? `; ${r.disposition}` : ''),
        ),
      );
    });
    if (out) await out(jsonSafe({ tick }));
    else printTick(tick);
    setExit(reports.every((r) => r.accepted) && tick.problems.length === 0 ? EXIT.OK : EXIT.INVALID);
  } finally {
    await store.close();
  }
}

async function tick(o: Common): Promise<void> {
  if (o.at === undefined)
    throw new UsageError('--at <time> is required (TMAD 5.24, 5.28 run on a given clock)');
  const now = parseInstant(o.at, '--at');
  const store = await openStore();
  try {
    const t = await (await handling(o, store)).tick(now);
    if (o.json) printJson(jsonSafe(t));
    else {
      printTick(t);
      if (!t.discarded.length && !t.scfs.length && !t.problems.length) printLines('nothing due');
    }
    setExit(t.problems.length ? EXIT.INVALID : EXIT.OK);
  } finally {
    await store.close();
  }
}

interface CommissionOpts extends Common {
  estate?: string;
  faults?: string;
}

async function commission(o: CommissionOpts): Promise<void> {
  const now = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
  if (!o.estate)
    throw new UsageError('--estate <dir> is required (an estate written by `s1mig estate generate`)');
  let faults;
  try {
    faults = faultRulesOf(
      (o.faults ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    );
  } catch (e) {
    throw new UsageError(`--faults: ${(e as Error).message}`);
  }
  const store = await openStore();
  try {
    // The S1SP Viable Installations waiting (TMAD 5.25): only their devices are simulated.
    const chfs = new Set<string>();
    for (const set of await store.s1sp.listSets())
      for (const i of await store.s1sp.installations(set.id))
        if (i.state === 'viable') chfs.add(i.chfIdentifier);
    let parts;
    try {
      parts = await estateCommissioning({
        store,
        estateDir: o.estate,
        passphrase: configuration().keyPassphrase,
        now: () => now,
        faults,
        chfs,
      });
    } catch (e) {
      if (e instanceof EstateCommissioningError) throw new UsageError(`--estate: ${e.message}`);
      throw e;
    }
    const h = await handling(o, store, parts);
    const t = await h.commissionWaiting(now);
    if (o.json) printJson(jsonSafe({ viable: chfs.size, ...t }));
    else {
      printLines(escapeForTerminal(`${chfs.size} S1SP Viable Installation(s) waiting (TMAD 5.25)`));
      printTick(t);
    }
    setExit(t.problems.length ? EXIT.INVALID : EXIT.OK);
  } finally {
    await store.close();
  }
}

async function status(o: Common): Promise<void> {
  const now = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
  const store = await openStore();
  try {
    const h = new S1spFileHandling({
      store,
      trust: { certificates: [], crls: [] } as unknown as TrustStore,
      groupKeys: [],
      sealPassphrase: undefined,
      heldDir: '',
      scfDir: '',
    });
    const s = await h.status(now);
    if (o.json) printJson(s);
    else if (s.length === 0) printLines('no S1SP Required File Set');
    else
      for (const x of s)
        printLines(
          escapeForTerminal(
            `${x.set}: ${x.state}${x.timerDeadline ? `, 24-hour timer ends ${x.timerDeadline}` : ', timer not started (no MVF)'}${x.overdue ? ' (OVERDUE: run tick)' : ''}; files ${x.files.map((f) => f.fileType).join(', ') || 'none'}; installations ${JSON.stringify(x.installations)}; ${x.unsent} awaiting an SCF; sealed group information ${x.sealedGroupInformation}${x.closeReason ? `; ${x.closeReason}` : ''}`,
          ),
        );
  } finally {
    await store.close();
  }
}

const CLI_NOTE =
  'It does not commission (TMAD 5.27): S1SP Viable Installations are recorded and wait, their decrypted group information sealed, until `s1mig s1sp commission`; only Table 5.25 failures go out in SCFs.';

function addCommon(c: Command, signing: boolean): Command {
  c.option('--state <dir>', 'where the S1SP keeps held files and SCFs (default data/s1sp)')
    .option('--trust <dir|pem>', 'trust store for Table 5.9 (default: the certificates of the store)')
    .option(
      '--group-key <pem...>',
      "the S1SP's group private keys (TMAD 5.1(a), 5.4), chosen by Key Identifier",
    )
    .option('--discard-to <dir>', 'move rejected files here with their verdict (TMAD 5.9, 5.23)')
    .option('--batch-size <n>', 'installations per SCF (TMAD 5.28; default 1000)')
    .option('--no-require-crl', 'accept a signer whose issuer has no CRL in the trust store (warning)')
    .option('--json', 'print JSON (receive: JSON Lines, one object per file, then the tick)');
  if (signing)
    c.option('--sign-key <pem>', "the S1SP's s1SPMigrationSigning private key (Table 5.5) for SCFs")
      .option('--cert <pem>', "the S1SP's s1SPMigrationSigning certificate")
      .option('--scf-dir <dir>', 'where SCFs are written (default <state>/scf)')
      .option('--mailboxes <root>', 'deliver each SCF per TMAD 5.28 (docs/MAILBOXES.md)');
  return c;
}

export function register(program: Command): void {
  const g = commandGroup(program, 's1sp');
  addCommon(
    g
      .command('receive <files...>')
      .description(
        'Receive MCF, MVF, MGF and MEF files as the S1SP: Table 5.9 (TMAD 5.22), decryption and schema check of ' +
          'EncryptedS1SPGroupInformation (5.23), the S1SP Required File Set (12.4, 13.6, 14.5, 15.4, 16.4) with the ' +
          '24-hour timer from its first MVF (5.24), Table 5.25 on a complete set, SCFs when due (5.28). ' +
          CLI_NOTE +
          ' Exit 0 every file used, 1 any refused, 2 usage',
      )
      .option('--at <time>', 'the time of receipt, ISO 8601 (default now)'),
    true,
  ).action(receive);
  addCommon(
    g
      .command('tick')
      .description(
        'Run the S1SP timers at --at: discard incomplete S1SP Required File Sets 24 hours after their first MVF ' +
          '(TMAD 5.24); write the SCFs that are due (5.28: a full batch, or an outcome 55 minutes old). ' +
          CLI_NOTE,
      )
      .option('--at <time>', 'the time, ISO 8601 (required)'),
    true,
  ).action(tick);
  addCommon(
    g
      .command('commission')
      .description(
        'TMAD 5.27: commission every S1SP Viable Installation waiting in the store (after `s1sp receive`), the steps ' +
          "of its GroupID's table (Appendices A-C) against the simulated SMETS1 devices of the estate given, the DCO " +
          '(keys from <estate>/group-keys, its sets from `dco receive` in the same store) answering what only it can; ' +
          'an Installation Rollback on a Critical failure; then the SCFs (5.28). Exit 0 done, 1 any SCF not written, 2 usage',
      )
      .requiredOption(
        '--estate <dir>',
        'the estate directory (manifest.json, group-keys/, requesting-party/)',
      )
      .option(
        '--faults <list>',
        'fault rules of the simulated devices, comma-separated CODE[.SUBSTEP][@RATE|@chf=ID] (docs/S1SP-COMMISSIONING.md)',
      )
      .option('--at <time>', 'the time, ISO 8601 (default now)'),
    true,
  ).action(commission);
  g.command('status')
    .description('The S1SP Required File Sets: files held, timer, installations by state, what awaits an SCF')
    .option('--at <time>', 'the time to judge the timers at (default now)')
    .option('--json', 'print JSON')
    .action(status);
}
