// s1mig rp: the Requesting Party. `rp build-mcf` reads the week's valid MAs from the store, the SMSO's
// inventory CSV and the reference data, runs the gates (src/requesting-party/gates.ts), writes one signed
// MCF per GroupID and Supplier Party (TMAD 5.6, 5.8, 10.2), records every installation's outcome and
// prints how many went where and why. `rp outcomes` shows the recorded outcomes. `rp stop` records a
// Responsible Supplier's stop request (TMAD 4.23, 4.23A) and `rp stops` lists them.
import { readSigner } from '../signing-files.js';
import type { KeyObject } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
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
import { escapeControls } from '../ma-files.js';
import { openStore } from '../../store/index.js';
import { parseSmsoInventoryCsv } from '../../core/formats/smso/inventory.js';
import { isIsoDate } from '../../core/calendar/dates.js';
import { weekday } from '../../core/calendar/dates.js';
import { DEFAULT_SMSO_CODES, parseSmsoCode } from '../../core/ids/reference.js';
import { parseEui64 } from '../../core/ids/eui64.js';
import { parseMpan, parseMprn } from '../../core/ids/mpxn.js';
import { McfWriteError, buildAndRecordMcfs } from '../../requesting-party/index.js';

const MAX_INPUT_BYTES = 1024 * 1024 * 1024;

function dayArg(v: string, flag: string, monday: boolean): string {
  if (!isIsoDate(v)) throw new UsageError(`${flag} '${escapeControls(v)}': expected a date YYYY-MM-DD`);
  if (monday && weekday(v) !== 1)
    throw new UsageError(`${flag} ${v} is not a Monday: a Migration Week is given by its Monday (MAM 7.2.3)`);
  return v;
}

export function register(program: Command): void {
  const rp = commandGroup(program, 'rp');

  rp.command('build-mcf')
    .description(
      "Build the week's Migration Common Files (TMAD 4.16-4.48, 5.6, 5.8, 10.2): the valid MAs in the store, the SMSO's " +
        'inventory CSV and the reference data go through the Requesting Party gates; one MCF per GroupID, Supplier Party, ' +
        'ToBeCommissionedByDCC and Migrate-on day, signed with the requestingPartyFileSigning key and named per Table 10.2. ' +
        'The stop requests recorded with `rp stop` (TMAD 4.23, 4.23A) and the responses to the Dormant Meter Migration ' +
        'Schedule stored by `mcc dormant receive` (4.32, 4.32A) are honoured. ' +
        'Every installation held back or refused is recorded with its clause and reason. Exit 0 done, 1 bad inventory, 2 usage.',
    )
    .requiredOption('--week <monday>', 'the Migration Week, its Monday YYYY-MM-DD')
    .requiredOption('--inventory <csv>', "the SMSO's inventory CSV (docs/SMSO.md)")
    .requiredOption('--smso <code>', `SMSO code (${Object.keys(DEFAULT_SMSO_CODES).join(', ')})`)
    .requiredOption('--key <pem>', "the Requesting Party's requestingPartyFileSigning private key (PEM)")
    .requiredOption('--cert <pem>', 'its Organisation Certificate (gives the RequestingPartyID)')
    .requiredOption(
      '--out <dir>',
      'directory for the signed MCFs (created; existing files are never replaced)',
    )
    .option('--day <date>', 'build only for this day of the week (YYYY-MM-DD): others are held (MAM 7.2.3)')
    .option('--at <iso>', 'the time the reference data is read at (default now)')
    .option('--json', 'print the summary, the files and every outcome as JSON')
    .action(
      async (o: {
        week: string;
        inventory: string;
        smso: string;
        key: string;
        cert: string;
        out: string;
        day?: string;
        at?: string;
        json?: boolean;
      }) => {
        const week = dayArg(o.week, '--week', true);
        const day = o.day !== undefined ? dayArg(o.day, '--day', false) : undefined;
        if (day !== undefined && (day < week || day > addDaysIso(week, 6)))
          throw new UsageError(`--day ${day} is not in the Migration Week starting ${week}`);
        const sm = parseSmsoCode(o.smso, DEFAULT_SMSO_CODES);
        if (!sm.ok) throw new UsageError(`--smso ${sm.error} (MAM 7.2.2)`);
        const smso = sm.value;
        const at = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
        const signer = await loadSigner(o.key, o.cert);

        const size = await requireFile(o.inventory, 'inventory CSV');
        if (size > MAX_INPUT_BYTES)
          throw new UsageError(`${o.inventory}: larger than ${MAX_INPUT_BYTES} bytes`);
        const text = await readFile(o.inventory, 'utf8');
        const inv = parseSmsoInventoryCsv(text, o.inventory);
        if (inv.problems.length > 0) {
          if (o.json) printJson({ ok: false, problems: inv.problems });
          else
            printLines(
              ...inv.problems.map((p) =>
                escapeControls(
                  `${p.file}:${p.line ?? ''}${p.column !== null ? `:${p.column}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message} (${p.rule})`,
                ),
              ),
              `${o.inventory}: ${inv.problems.length} problem(s); no MCF built`,
            );
          setExit(EXIT.INVALID);
          return;
        }
        try {
          await mkdir(o.out, { recursive: true });
        } catch (e) {
          throw new UsageError(describePathProblem(o.out, e, 'output directory'));
        }

        const store = await openStore();
        try {
          let run;
          try {
            run = await buildAndRecordMcfs(store, {
              week,
              ...(day !== undefined ? { day } : {}),
              smso,
              inventory: inv.installations,
              signer,
              outDir: o.out,
              at,
            });
          } catch (e) {
            if (e instanceof McfWriteError) throw new UsageError(e.message);
            throw e;
          }
          const { runId, plan, files, summary: s } = run;
          if (o.json)
            printJson({
              runId,
              week,
              smso,
              requestingPartyId: signer.requestingPartyId,
              ...s,
              files: files.map((f) => ({ ...f, mcfCounter: f.mcfCounter.toString() })),
              outcomes: plan.outcomes.map((x) => ({
                ...x,
                mcfFile: x.mcf === null ? null : files[x.mcf]!.name,
              })),
            });
          else
            printLines(
              `${s.installations} installation(s) of SMSO ${smso} for the week of ${week}: ${s.included} in ${files.length} MCF(s), ${s.held} held back, ${s.refused} refused`,
              ...files.map(
                (f) =>
                  `  ${f.file}: GroupID ${f.groupId}, ${f.installations} installation(s), Supplier Signifier '${f.supplierSignifier}', ToBeCommissionedByDCC ${f.toBeCommissionedByDcc}${f.migrateOn ? `, Migrate on ${f.migrateOn}` : ''}`,
              ),
              ...Object.entries(s.byRule)
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(
                  ([rule, n]) =>
                    `  ${rule}: ${n.held ? `${n.held} held back` : ''}${n.held && n.refused ? ', ' : ''}${n.refused ? `${n.refused} refused` : ''}`,
                ),
              `run ${runId}: outcomes recorded (${store.location}); \`s1mig rp outcomes --run ${runId}\` lists them`,
            );
        } finally {
          await store.close();
        }
      },
    );

  registerStop(rp);

  rp.command('outcomes')
    .description('The recorded outcome of each installation of `rp build-mcf` runs, with clause and reason')
    .option('--run <id>', 'only this run')
    .option('--smso <code>', 'only this SMSO')
    .option('--chf <eui64>', 'only this installation (CHF Device ID)')
    .option('--week <monday>', 'only this Migration Week')
    .option('--limit <n>', 'at most this many (newest)', '1000')
    .option('--json', 'print JSON')
    .action(
      async (o: {
        run?: string;
        smso?: string;
        chf?: string;
        week?: string;
        limit: string;
        json?: boolean;
      }) => {
        const limit = Number(o.limit);
        if (!/^\d+$/.test(o.limit) || !Number.isSafeInteger(limit))
          throw new UsageError(`--limit '${escapeControls(o.limit)}': expected a whole number`);
        const store = await openStore();
        try {
          const rows = await store.rpOutcomes.list({
            ...(o.run !== undefined ? { runId: o.run } : {}),
            ...(o.smso !== undefined ? { smso: o.smso } : {}),
            ...(o.chf !== undefined ? { chfDeviceId: o.chf } : {}),
            ...(o.week !== undefined ? { migrationWeek: o.week } : {}),
            limit,
          });
          if (o.json)
            printJson(
              rows.map((r) => ({ ...r, mcfCounter: r.mcfCounter === null ? null : String(r.mcfCounter) })),
            );
          else
            printLines(
              ...rows.map((r) =>
                escapeControls(
                  `${r.chfDeviceId} ${r.outcome}${r.groupId ? ` ${r.groupId}` : ''}${r.mcfFile ? ` ${r.mcfFile}` : ''}${r.rule ? `: ${r.reason} (${r.rule})` : ''}`,
                ),
              ),
              `${rows.length} outcome(s)`,
            );
        } finally {
          await store.close();
        }
      },
    );
}

function registerStop(rp: Command): void {
  rp.command('stop')
    .description(
      "Record a Responsible Supplier's request not to start the Migration of an installation (TMAD 4.23; GroupID DA: " +
        '4.23A, which also halts its other DA installations due the same day). Every later `rp build-mcf` holds the ' +
        'installation back with the reason, unless the sender is not the Responsible Supplier of an Active Meter of it, ' +
        'or an MA of the same organisation received after the request authorises it again. Exit 0 recorded, 2 usage.',
    )
    .requiredOption(
      '--from <user-id>',
      "the Responsible Supplier's DCC User ID (EUI-64, as in its MA header)",
    )
    .option('--chf <device-id>', 'the installation by its CHF Device ID (EUI-64)')
    .option('--mpxn <mpan|mprn>', 'the installation by its MPAN (13 digits) or its MPRN (1 to 10 digits)')
    .option('--at <iso>', 'when the request was received (default now)')
    .option('--note <text>', 'why, as the supplier said (kept with the request)')
    .option('--json', 'print the recorded request as JSON')
    .action(
      async (o: {
        from: string;
        chf?: string;
        mpxn?: string;
        at?: string;
        note?: string;
        json?: boolean;
      }) => {
        const from = parseEui64(o.from);
        if (!from.ok)
          throw new UsageError(
            `--from '${escapeControls(o.from)}': ${from.error} (expected the supplier's User ID, EUI-64)`,
          );
        if ((o.chf === undefined) === (o.mpxn === undefined))
          throw new UsageError(
            'name the installation with exactly one of --chf <device-id> or --mpxn <mpan|mprn> (TMAD 4.23)',
          );
        let chfDeviceId: string | null = null;
        let mpan: string | null = null;
        let mprn: string | null = null;
        if (o.chf !== undefined) {
          const c = parseEui64(o.chf);
          if (!c.ok)
            throw new UsageError(
              `--chf '${escapeControls(o.chf)}': ${c.error} (expected a CHF Device ID, EUI-64)`,
            );
          chfDeviceId = c.value;
        } else if (o.mpxn!.length === 13) {
          const m = parseMpan(o.mpxn!);
          if (!m.ok) throw new UsageError(`--mpxn: ${escapeControls(m.error)}`);
          mpan = m.value.value;
        } else {
          const m = parseMprn(o.mpxn!);
          if (!m.ok) throw new UsageError(`--mpxn: ${escapeControls(m.error)} (or an MPAN of 13 digits)`);
          mprn = m.value.replace(/^0+(?=\d)/, '');
        }
        const requestedAt = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
        const store = await openStore();
        try {
          const r = await store.stopRequests.record({
            userId: from.value,
            requestedAt,
            chfDeviceId,
            mpan,
            mprn,
            note: o.note ?? null,
          });
          if (o.json) printJson({ ...r, requestedAt: r.requestedAt.toISOString() });
          else
            printLines(
              escapeControls(
                `stop request #${r.id} from ${r.userId} for ${describeTarget(r)} recorded (received ${r.requestedAt.toISOString()}); the next \`rp build-mcf\` holds it back (TMAD 4.23, 4.23A)`,
              ),
            );
        } finally {
          await store.close();
        }
      },
    );

  rp.command('stops')
    .description('The recorded stop requests (TMAD 4.23, 4.23A), oldest first')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const store = await openStore();
      try {
        const rows = await store.stopRequests.list();
        if (o.json) printJson(rows.map((r) => ({ ...r, requestedAt: r.requestedAt.toISOString() })));
        else
          printLines(
            ...rows.map((r) =>
              escapeControls(
                `#${r.id} ${r.requestedAt.toISOString()} from ${r.userId}: ${describeTarget(r)}${r.note ? ` (${r.note})` : ''}`,
              ),
            ),
            `${rows.length} stop request(s)`,
          );
      } finally {
        await store.close();
      }
    });
}

function describeTarget(r: { chfDeviceId: string | null; mpan: string | null; mprn: string | null }): string {
  return r.chfDeviceId !== null
    ? `CHF ${r.chfDeviceId}`
    : r.mpan !== null
      ? `MPAN ${r.mpan}`
      : `MPRN ${r.mprn}`;
}

function addDaysIso(d: string, n: number): string {
  const t = new Date(`${d}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

async function loadSigner(
  keyPath: string,
  certPath: string,
): Promise<{ privateKey: KeyObject; issuerName: string; serialNumber: string; requestingPartyId: string }> {
  const { key: privateKey, cert } = await readSigner(keyPath, certPath);
  if (cert.role !== 'requestingPartyFileSigning')
    throw new UsageError(
      `--cert ${certPath}: its Remote Party Role is ${cert.role ?? 'none'}: an MCF is signed with a requestingPartyFileSigning certificate (TMAD Table 5.5)`,
    );
  if (!cert.entityId)
    throw new UsageError(
      `--cert ${certPath}: no Entity Identifier (User ID): it gives the RequestingPartyID`,
    );
  return {
    privateKey,
    issuerName: cert.issuerName,
    serialNumber: cert.serialNumber,
    requestingPartyId: cert.entityId,
  };
}
