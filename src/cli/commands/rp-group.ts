// s1mig rp build-group-files: the Requesting Party's MGF and MEF for an MCF whose MVF came back
// (TMAD 5.12(b), (c), (f), (g); Group Specific Requirements 12–16). Thin: parse options, call
// src/requesting-party/group-files.ts, print.
import { readSigner } from '../signing-files.js';
import { mkdir } from 'node:fs/promises';
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
import {
  GroupFilesInputError,
  GroupFilesSignerError,
  WAN_CONTACT_DAYS,
  buildGroupFiles,
  type InputProblem,
} from '../../requesting-party/group-files.js';

interface Flags {
  mcf: string;
  mvf: string;
  handover: string;
  inventory: string;
  chfDetails?: string;
  key: string;
  cert: string;
  out: string;
  at?: string;
  mgfCounter?: string;
  mefCounter?: string;
  json?: boolean;
}

/** `file:line:column: element: field: message (rule)`, each part only when known. */
const describe = (p: InputProblem): string =>
  [
    p.file !== undefined
      ? [p.file, p.line, p.column].filter((x) => x !== undefined && x !== null).join(':')
      : '',
    p.element ?? '',
    p.field ?? '',
    `${p.message} (${p.rule})`,
  ]
    .filter((x) => x !== '')
    .join(': ');

async function build(o: Flags): Promise<void> {
  for (const [f, what] of [
    [o.mcf, 'MCF'],
    [o.mvf, 'MVF'],
    [o.handover, 'hand-over file'],
    [o.inventory, 'SMSO inventory'],
    ...(o.chfDetails !== undefined ? [[o.chfDetails, 'CHF details'] as const] : []),
  ] as const)
    await requireFile(f, what);
  const at = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
  // TMAD 5.6 / Table 5.7: the counters only grow; default milliseconds since 1970.
  const now = BigInt(Date.now());
  const mgfCounter = o.mgfCounter === undefined ? now : parseCounter(o.mgfCounter, '--mgf-counter');
  const mefCounter = o.mefCounter === undefined ? now : parseCounter(o.mefCounter, '--mef-counter');
  const { key, cert } = await readSigner(o.key, o.cert);
  try {
    await mkdir(o.out, { recursive: true });
  } catch (e) {
    throw new UsageError(`--out ${describePathProblem(o.out, e, 'directory')}`);
  }
  let r;
  try {
    r = await buildGroupFiles(
      {
        mcf: o.mcf,
        mvf: o.mvf,
        handover: o.handover,
        inventory: o.inventory,
        ...(o.chfDetails !== undefined ? { chfDetails: o.chfDetails } : {}),
        out: o.out,
      },
      { certificate: cert, privateKey: key },
      { mgfCounter, mefCounter, at },
    );
  } catch (e) {
    if (e instanceof GroupFilesSignerError) throw new UsageError(`--cert ${o.cert}: ${e.message}`);
    if (e instanceof GroupFilesInputError) {
      if (o.json) printJson({ built: false, problems: e.problems });
      else printLines(...e.problems.map(describe), 'no MGF or MEF written');
      return setExit(EXIT.INVALID);
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code) throw new UsageError(describePathProblem(err.path ?? o.out, e));
    throw e;
  }
  const { plan } = r;
  if (o.json)
    printJson(
      jsonSafe({
        built: r.mef !== undefined,
        groupId: plan.groupId,
        header: r.mcfHeader,
        at: at.toISOString(),
        wanContactDays: WAN_CONTACT_DAYS,
        mgf: r.mgf ?? null,
        mef: r.mef ?? null,
        mgfRequired: plan.requirements.mgf !== null,
        installations: plan.included.length + plan.excluded.length,
        included: plan.included.map((i) => i.chfIdentifier),
        excluded: plan.excluded,
      }),
    );
  else {
    for (const x of plan.excluded)
      for (const p of x.reasons) printLines(`${o.mcf}: held back CHF ${x.chfIdentifier}: ${describe(p)}`);
    printLines(
      `${o.mcf}: GroupID ${plan.groupId}: ${plan.included.length} installation(s) go on, ${plan.excluded.length} held back (TMAD 5.12)`,
      ...(r.mgf ? [`${r.mgf.path}: MGF written, MGFCounter ${r.mgf.header.mgfCounter}`] : []),
      ...(plan.requirements.mgf === null
        ? [`no MGF: not required for GroupID ${plan.groupId} (TMAD 16.15)`]
        : []),
      ...(r.mef
        ? [`${r.mef.path}: MEF written, MEFCounter ${r.mef.header.mefCounter}`]
        : ['no MGF or MEF written: no installation goes on']),
    );
  }
  setExit(plan.excluded.length === 0 && r.mef ? EXIT.OK : EXIT.INVALID);
}

export function register(program: Command): void {
  commandGroup(program, 'rp')
    .command('build-group-files')
    .description(
      "Build the Requesting Party's signed Migration Group File (where the GroupID requires one) and Migration " +
        'Group Encrypted File (TMAD 5.12(f), (g); 12-16) for the installations of an MCF whose MVF shows no ' +
        'FailedCheck (5.12(b)) and whose CHF had WAN contact in the last 7 days (5.12(c)), from the SMSO hand-over ' +
        'file. Every installation held back is listed with its reasons. Authenticate the MVF first (s1mig file ' +
        'authenticate --as requesting-party). Exit 0 all installations go on, 1 any held back or bad input, 2 usage',
    )
    .requiredOption('--mcf <file>', 'the signed Migration Common File')
    .requiredOption('--mvf <file>', "the DCC's Migration Common Validation File for it")
    .requiredOption('--handover <jsonl>', "the SMSO's hand-over file (docs/SMSO.md)")
    .requiredOption('--inventory <csv>', 'the SMSO inventory CSV (last WAN contact, serial numbers)')
    .option(
      '--chf-details <csv>',
      'CHF SIM and certificate details for the MGF (docs/RP-GROUP-FILES.md): IMSI, IPAddr, PreviousAPN, ...',
    )
    .requiredOption(
      '--key <pem>',
      "the Requesting Party's requestingPartyFileSigning private key (Table 5.5)",
    )
    .requiredOption('--cert <pem>', "the Requesting Party's requestingPartyFileSigning certificate")
    .requiredOption('--out <dir>', 'output directory (files named per TMAD 10.2; never overwritten)')
    .option('--at <time>', 'time of the 5.12(c) check, ISO 8601 (default now; no offset = UTC)')
    .option('--mgf-counter <n>', 'MGFCounter (TMAD 5.6, Table 5.7; default milliseconds since 1970)')
    .option('--mef-counter <n>', 'MEFCounter (TMAD 5.6, Table 5.7; default milliseconds since 1970)')
    .option('--json', 'print the result as JSON')
    .action(build);
}
