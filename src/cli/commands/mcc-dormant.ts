// s1mig mcc dormant …: the MCC's dormant notices (TMAD 4.29–4.32A; MAM 5, 6, 7.3, 7.4, 7.5;
// docs/DORMANT.md): write the week's firmware/configuration notices and Dormant Meter Migration
// Schedules from an SMSO inventory, and receive the suppliers' sealed responses into the store.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  describePathProblem,
  escapeForTerminal,
  parseInstant,
  printJson,
  printLines,
  setExit,
} from '../io.js';
import { formatLondonIso, isMonday } from '../../core/calendar/index.js';
import { parsePartySignifier, parseSmsoCode } from '../../core/ids/index.js';
import { parseSmsoInventoryCsv } from '../../core/formats/smso/inventory.js';
import { tokenizeCsvLine } from '../../core/formats/ma/csv-line.js';
import type { DormantProblem } from '../../core/formats/dormant/index.js';
import { openStore } from '../../store/index.js';
import { loadTrust, IntakeIoError } from '../../mcc/ma-intake.js';
import {
  noticeRecords,
  planDormantNotices,
  planRenotifications,
  receiveDormantResponse,
  writeDormantNotices,
  type FirmwareTarget,
  type SupplierDetails,
} from '../../mcc/dormant-notices.js';

function readText(file: string, what: string): string {
  try {
    if (!statSync(file).isFile()) throw new UsageError(`${file}: not a regular file, expected ${what}`);
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(describePathProblem(file, e, what));
  }
}

const problemLine = (
  p:
    | DormantProblem
    | {
        file: string;
        line: number | null;
        column: number | null;
        field: string | null;
        rule: string;
        message: string;
      },
): string =>
  escapeForTerminal(
    `  ${p.file}${p.line !== null ? `:${p.line}` : ''}${p.column !== null ? `:${p.column}` : ''}${p.field ? ` ${p.field}` : ''}: ${p.message} (${p.rule})`,
  );

/** A small CSV with a fixed header (docs/DORMANT.md): records as arrays, problems as usage errors. */
function readSmallCsv(file: string, header: readonly string[], what: string): string[][] {
  const lines = readText(file, what)
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const bad: string[] = [];
  const rows: string[][] = [];
  lines.forEach((l, i) => {
    const t = tokenizeCsvLine(l);
    if (!t.ok) bad.push(`  ${file}:${i + 1}:${t.column}: ${t.message}`);
    else if (i === 0) {
      if (t.fields.map((f) => f.value).join(',') !== header.join(','))
        bad.push(`  ${file}:1: expected the header line ${header.join(',')}`);
    } else if (t.fields.length !== header.length)
      bad.push(
        `  ${file}:${i + 1}: ${t.fields.length} fields, expected ${header.length} (${header.join(',')})`,
      );
    else rows.push(t.fields.map((f) => f.value));
  });
  if (lines.length === 0) bad.push(`  ${file}: empty, expected the header line ${header.join(',')}`);
  if (bad.length > 0)
    throw new UsageError(
      escapeForTerminal(`${file}: not a valid ${what} (docs/DORMANT.md)\n${bad.join('\n')}`),
    );
  return rows;
}

function suppliersFrom(file: string): Map<string, SupplierDetails> {
  const m = new Map<string, SupplierDetails>();
  readSmallCsv(file, ['Party Signifier', 'Name', 'Market Participant IDs'], 'suppliers CSV').forEach(
    ([sig, name, ids], i) => {
      const p = parsePartySignifier(sig!);
      if (!p.ok) throw new UsageError(escapeForTerminal(`${file}:${i + 2}: Party Signifier: ${p.error}`));
      const list = ids!.split(/[\s,;]+/).filter((x) => x !== '');
      m.set(sig!, { name: name!, marketParticipantIds: list });
    },
  );
  return m;
}

function targetsFrom(file: string | undefined): FirmwareTarget[] {
  if (file === undefined) return [];
  const types = ['CHF', 'ESME', 'GSME', 'PPMID'];
  return readSmallCsv(
    file,
    ['Device Type', 'Manufacturer', 'Model', 'Existing FW', 'Target FW'],
    'firmware targets CSV',
  ).map((r, i) => {
    if (!types.includes(r[0]!))
      throw new UsageError(
        escapeForTerminal(`${file}:${i + 2}: Device Type '${r[0]}': expected one of ${types.join(', ')}`),
      );
    return {
      deviceType: r[0] as FirmwareTarget['deviceType'],
      manufacturer: r[1]!,
      model: r[2]!,
      existingFirmware: r[3]!,
      targetFirmware: r[4]!,
    };
  });
}

function days(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,3}$/.test(v)) throw new UsageError(`${flag} '${v}': expected a whole number of Working Days`);
  return Number(v);
}

function monday(v: string): string {
  if (!isMonday(v))
    throw new UsageError(`--week '${v}': expected the Monday of a Migration Week (TMAD 2), YYYY-MM-DD`);
  return v;
}

interface NoticesOpts {
  week: string;
  inventory: string;
  out: string;
  smso: string;
  suppliers: string;
  targets?: string;
  csv?: boolean;
  at?: string;
  firmwareNoticeDays?: string;
  migrationNoticeDays?: string;
  agreedShorterNotice?: boolean;
  json?: boolean;
}

interface RenotifyOpts {
  week: string;
  suppliers: string;
  out: string;
  csv?: boolean;
  at?: string;
  json?: boolean;
}

interface ReceiveOpts {
  week: string;
  trust: string;
  passwordFile?: string;
  signature?: string;
  receivedAt?: string;
  acceptLate?: boolean;
  requireCrl?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const dormant = commandGroup(program, 'mcc')
    .command('dormant')
    .description('Dormant notices and responses (TMAD 4.29–4.32A; MAM 5, 6, 7.3, 7.4, 7.5; docs/DORMANT.md)');

  dormant
    .command('notices')
    .description(
      "Write the Migration Week's firmware/configuration notices (MAM 7.3; at least 5 Working Days ahead, TMAD 4.29) and " +
        'Dormant Meter Migration Schedules (MAM 7.4; at least 15 Working Days ahead, TMAD 4.30) as .xlsx (or CSV), one per ' +
        'Responsible Supplier, for every installation of the inventory whose meters are all Dormant; affiliated split sites ' +
        "go to the electricity supplier only, except GroupID EA/EB/EC. Suppliers come from the store's Registration Data. " +
        'Exit 0 all written, 1 a notice kind too late or an installation not notified, 2 usage or I/O error',
    )
    .requiredOption('--week <Monday>', 'the Monday of the Migration Week (YYYY-MM-DD)')
    .requiredOption('--inventory <csv>', 'the SMSO inventory CSV (docs/SMSO.md)')
    .requiredOption('--smso <code>', 'the SMSO code of the inventory (header line SMSO)')
    .requiredOption(
      '--suppliers <csv>',
      'Party Signifier,Name,Market Participant IDs (header lines Name and Market Participant ID)',
    )
    .requiredOption('--out <dir>', 'output directory (existing files are never overwritten)')
    .option(
      '--targets <csv>',
      'Device Type,Manufacturer,Model,Existing FW,Target FW (MAM 7.3.2 Target FW; default: no upgrade)',
    )
    .option('--csv', 'write CSV instead of .xlsx')
    .option('--at <instant>', 'when the notices are sent (default now; no offset = UTC)')
    .option('--firmware-notice-days <n>', 'TMAD 4.29 notice in Working Days (default 5)')
    .option('--migration-notice-days <n>', 'TMAD 4.30 notice in Working Days (default 15)')
    .option(
      '--agreed-shorter-notice',
      'TMAD 4.29/4.30 "or fewer where mutually agreed": write even after the notice day',
    )
    .option('--json', 'print JSON')
    .action(async (o: NoticesOpts) => {
      const week = monday(o.week);
      const smso = parseSmsoCode(o.smso);
      if (!smso.ok) throw new UsageError(`--smso: ${smso.error}`);
      const at = o.at === undefined ? new Date() : parseInstant(o.at, '--at');
      const inv = parseSmsoInventoryCsv(
        readText(o.inventory, 'SMSO inventory CSV'),
        path.basename(o.inventory),
      );
      if (inv.problems.length > 0)
        throw new UsageError(
          `${escapeForTerminal(o.inventory)}: ${inv.problems.length} problem(s); no notice written\n${inv.problems.slice(0, 50).map(problemLine).join('\n')}`,
        );
      const suppliers = suppliersFrom(o.suppliers);
      const firmwareTargets = targetsFrom(o.targets);
      const store = await openStore();
      try {
        const plan = await planDormantNotices(inv.installations, {
          week,
          at,
          smso: smso.value,
          reference: store.reference.data,
          suppliers,
          firmwareTargets,
          firmwareNoticeWorkingDays: days(o.firmwareNoticeDays, '--firmware-notice-days'),
          migrationNoticeWorkingDays: days(o.migrationNoticeDays, '--migration-notice-days'),
          agreedShorterNotice: o.agreedShorterNotice === true,
        });
        let written;
        try {
          written = await writeDormantNotices(plan, o.out, { csv: o.csv === true, at });
        } catch (e) {
          throw new UsageError(describePathProblem(o.out, e, 'output directory'));
        }
        // TMAD 4.29, 4.30: who was told about which installation, for `mcc dormant renotify` (migration 010).
        const recorded = await store.dormantNotices.record(noticeRecords(plan, written, at));
        if (o.json) printJson({ ...plan, notices: undefined, written, recorded });
        else
          printLines(
            `Migration Week ${week}: notices sent on ${plan.sentOn}; due by ${plan.deadlines.firmware} (firmware/configuration, TMAD 4.29) and ${plan.deadlines.schedule} (migration schedule, TMAD 4.30)`,
            ...plan.late.map(
              (k) =>
                `LATE: the ${k === 'firmware' ? 'firmware/configuration notice' : 'migration schedule'} was due by ${plan.deadlines[k]}: not written (TMAD ${k === 'firmware' ? '4.29' : '4.30'}; --agreed-shorter-notice if agreed)`,
            ),
            ...written.map(
              (w) =>
                `${escapeForTerminal(w.file)}: ${w.installations} installation(s) for ${w.partySignifier}`,
            ),
            ...plan.deemedNotified.map(
              (d) =>
                `${d.chfDeviceId}: ${d.gasSupplier} deemed notified through its Affiliate ${d.electricitySupplier} (TMAD 4.29, 4.30)`,
            ),
            ...plan.notNotified.map(
              (n) => `NOT NOTIFIED ${n.chfDeviceId}: ${escapeForTerminal(n.reason)} (${n.rule})`,
            ),
            `${plan.skippedActive} installation(s) with an Active meter: no dormant notice`,
          );
        if (plan.late.length > 0 || plan.notNotified.length > 0) setExit(EXIT.INVALID);
      } finally {
        await store.close();
      }
    });

  dormant
    .command('renotify')
    .description(
      'After a change of Responsible Supplier (TMAD 4.29, 4.30: "take reasonable steps to notify the new Responsible ' +
        "Supplier prior to carrying them out\"): compare the week's recorded notices with the store's Registration Data at " +
        '--at and send each new Responsible Supplier the same notices (same layout; file name with _RenotificationNN) for ' +
        'the installations that changed; a supplier already told about an installation this week is not told again. The ' +
        "new supplier may respond (TMAD 4.32); the replaced supplier's response no longer counts for those meters (4.32A). " +
        'Exit 0 done (also when nothing changed), 1 a new supplier could not be notified, 2 usage or I/O error',
    )
    .requiredOption('--week <Monday>', 'the Monday of the Migration Week (YYYY-MM-DD)')
    .requiredOption(
      '--suppliers <csv>',
      'Party Signifier,Name,Market Participant IDs (header lines Name and Market Participant ID)',
    )
    .requiredOption('--out <dir>', 'output directory (existing files are never overwritten)')
    .option('--csv', 'write CSV instead of .xlsx')
    .option(
      '--at <instant>',
      'when the Registration Data is read and the notices sent (default now; no offset = UTC)',
    )
    .option('--json', 'print JSON')
    .action(async (o: RenotifyOpts) => {
      const week = monday(o.week);
      const at = o.at === undefined ? new Date() : parseInstant(o.at, '--at');
      const suppliers = suppliersFrom(o.suppliers);
      const store = await openStore();
      try {
        const records = await store.dormantNotices.list(week);
        const plan = await planRenotifications(records, {
          week,
          at,
          reference: store.reference.data,
          suppliers,
        });
        if (plan.ended)
          throw new UsageError(
            `--at ${at.toISOString()}: the Migration Week ${week} has ended, its steps are carried out (TMAD 4.29, 4.30: "prior to carrying them out"); nothing sent`,
          );
        let written;
        try {
          written = await writeDormantNotices(plan, o.out, { csv: o.csv === true, at });
        } catch (e) {
          throw new UsageError(describePathProblem(o.out, e, 'output directory'));
        }
        const recorded = await store.dormantNotices.record([
          ...noticeRecords(plan, written, at),
          ...plan.records,
        ]);
        if (o.json)
          printJson({
            week,
            sentOn: plan.sentOn,
            noticesRecorded: records.length,
            changes: plan.changes,
            written,
            notNotified: plan.notNotified,
            unchanged: plan.unchanged,
            recorded,
          });
        else
          printLines(
            `Migration Week ${week}: ${records.length} notice record(s) compared with the Registration Data on ${plan.sentOn}`,
            ...plan.changes.map(
              (c) =>
                `${c.chfDeviceId} ${c.kind} ${c.side === 'E' ? 'electricity' : 'gas'}: ${c.from} → ${c.to}: ${c.action === 'notified' ? 'notified' : c.action === 'deemed' ? `notified (gas supplier deemed notified through its Affiliate ${c.to})` : c.action === 'already-notified' ? 'already notified this week: no second notice' : 'NOT NOTIFIED'}`,
            ),
            ...written.map(
              (w) =>
                `${escapeForTerminal(w.file)}: ${w.installations} installation(s) for ${w.partySignifier} (re-notification, TMAD ${w.kind === 'firmware' ? '4.29' : '4.30'})`,
            ),
            ...plan.notNotified.map(
              (n) => `NOT NOTIFIED ${n.chfDeviceId}: ${escapeForTerminal(n.reason)} (${n.rule})`,
            ),
            `${plan.unchanged} installation notice(s) with the same Responsible Suppliers: nothing to send`,
          );
        if (plan.notNotified.length > 0) setExit(EXIT.INVALID);
      } finally {
        await store.close();
      }
    });

  dormant
    .command('receive')
    .description(
      "Receive a Responsible Supplier's sealed response to the Dormant Meter Migration Schedule (TMAD 4.32; MAM 6, 7.5): " +
        'verify the signature on the password file, open the AES-256 zip with the MD5 it names, check the workbook ' +
        'against MAM Table 7.4.2 and record the priority flags and Certificate IDs per installation (for the TMAD 4.32A ' +
        'gate). Due by 10:00 UK time on the Thursday before the Migration Week. Exit 0 recorded, 1 rejected, 2 usage or I/O error',
    )
    .argument('<zip>', 'the encrypted response zip')
    .requiredOption('--week <Monday>', 'the Monday of the Migration Week')
    .requiredOption('--trust <dir|pem>', 'trusted CA certificates (and CRLs): a PEM file or a directory')
    .option('--password-file <f>', 'password file (default: PASSWORD_<zip stem>.csv beside the zip)')
    .option('--signature <f>', 'signature of the password file (default: <password file>.p7s)')
    .option('--received-at <instant>', 'when it arrived (default now; no offset = UTC)')
    .option('--accept-late', 'TMAD 4.32: use a late response (recorded as late)')
    .option('--no-require-crl', "accept a signer whose issuing CA's CRL is not in --trust")
    .option('--json', 'print JSON')
    .action(async (zip: string, o: ReceiveOpts) => {
      const week = monday(o.week);
      const receivedAt =
        o.receivedAt === undefined ? new Date() : parseInstant(o.receivedAt, '--received-at');
      const stem = path.basename(zip).replace(/\.zip$/i, '');
      const passwordFile = o.passwordFile ?? path.join(path.dirname(zip), `PASSWORD_${stem}.csv`);
      const signature = o.signature ?? `${passwordFile}.p7s`;
      for (const [f, what] of [
        [zip, 'response zip'],
        [passwordFile, 'password file'],
        [signature, 'signature'],
      ] as const)
        readText(f, what);
      let trust;
      try {
        trust = await loadTrust(o.trust);
      } catch (e) {
        throw new UsageError(`--trust: ${escapeForTerminal((e as IntakeIoError).message)}`);
      }
      const store = await openStore();
      try {
        let r;
        try {
          r = await receiveDormantResponse(zip, passwordFile, signature, {
            week,
            trust,
            receivedAt,
            store,
            acceptLate: o.acceptLate === true,
            requireCrl: o.requireCrl !== false,
          });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code || /bytes, at most/.test((e as Error).message))
            throw new UsageError(escapeForTerminal((e as Error).message));
          throw e;
        }
        if (o.json)
          printJson({
            ...r,
            deadline: formatLondonIso(r.deadline),
            receivedAt: formatLondonIso(r.receivedAt),
          });
        else if (r.outcome === 'rejected')
          printLines(
            `${escapeForTerminal(zip)}: REJECTED, ${r.problems.length} problem(s); nothing recorded`,
            ...r.problems.map(problemLine),
          );
        else
          printLines(
            `${escapeForTerminal(zip)}: ${r.onTime ? 'ACCEPTED' : 'ACCEPTED LATE'}: ${r.installations} installation(s) of ${r.partySignifier}, ${r.priority} priority, ${r.stored?.duplicate ? 'already recorded' : `${r.stored?.recorded ?? 0} recorded`}; due ${formatLondonIso(r.deadline)} (MAM 6)`,
            ...r.certificateGaps.map(
              (g) => `  ${g.chfDeviceId}: for GroupID EA/EB/EC still needs ${g.gaps.join('; ')} (TMAD 4.32A)`,
            ),
          );
        if (r.outcome === 'rejected') setExit(EXIT.INVALID);
      } finally {
        await store.close();
      }
    });
}
