// s1mig rp: the Requesting Party. `rp build-mcf` reads the week's valid MAs from the store, the SMSO's
// inventory CSV and the reference data, runs the gates (src/requesting-party/gates.ts), writes one signed
// MCF per GroupID and Supplier Party (TMAD 5.6, 5.8, 10.2), records every installation's outcome and
// prints how many went where and why. `rp outcomes` shows the recorded outcomes.
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
