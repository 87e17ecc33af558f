// The MCC's dormant notices (TMAD 4.29–4.32A; MAM 5, 6, 7.3, 7.4, 7.5):
// - from the SMSO inventory, every SMETS1 Installation whose meters are all Dormant (TMAD 4.29/4.30
//   "includes Dormant Meters (but no Active Meters)") gets, per Responsible Supplier, a row in the
//   firmware/configuration notice (MAM 7.3; at least 5 Working Days ahead, TMAD 4.29) and in the
//   Dormant Meter Migration Schedule (MAM 7.4; at least 15 Working Days ahead, TMAD 4.30);
// - affiliated split sites: only the electricity supplier is notified, except GroupID EA/EB/EC;
// - the supplier's response (TMAD 4.32), sealed per MAM 7.5, is opened, checked and recorded by
//   10:00 on the Thursday before the Migration Week (MAM 6), for the 4.32A gate.
import { createHash } from 'node:crypto';
import { openAsBlob, promises as fs } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { readXlsx, streamXlsxRows, writeXlsx, XlsxError } from '../lib/xlsx/xlsx.js';
import { streamSingleEntryZip, ZipError } from '../lib/archive/zip.js';
import {
  addDays,
  defaultWorkingDayCalendar,
  londonDateOf,
  migrationCycle,
  DEFAULT_DORMANT_FIRMWARE_NOTICE_WORKING_DAYS,
  DEFAULT_DORMANT_MIGRATION_NOTICE_WORKING_DAYS,
  type WorkingDayCalendar,
} from '../core/calendar/index.js';
import { GROUP_IDS, type GroupId } from '../core/ids/reference.js';
import type { SmsoInstallation, SmsoDevice } from '../core/formats/smso/inventory.js';
import type { ReferenceData } from '../core/reference/reference-data.js';
import type { DeviceCombination } from '../core/reference/registries.js';
import {
  CERTIFICATE_COLUMN_PAIRS,
  columnsOf,
  formatNoticeDate,
  noticeFileName,
  parseTable,
  rowsToCsv,
  csvToRows,
  supplierCertificateGaps,
  tableRows,
  TableReader,
  type DormantNoticeKind,
  type DormantProblem,
  type DormantResponseEntry,
  type DormantTable,
  type NoticeHeader,
  type NoticeRow,
  type DormantNoticeRecordInput,
  type DormantSide,
  type StoredDormantNotice,
} from '../core/formats/dormant/index.js';
import { parsePasswordFile } from '../core/formats/ma/password-file.js';
import { verifyDetached } from '../core/crypto/cms.js';
import type { Store } from '../store/index.js';
import { toCertificateTrust, type IntakeOptions } from './ma-intake.js';

/** TMAD 4.29, 4.30, 4.32: affiliated split sites get one notice, except these GroupIDs. */
export const AFFILIATE_EXCEPTION_GROUP_IDS: readonly GroupId[] = ['EA', 'EB', 'EC'];

/** What the MCC knows of a supplier for the header lines (MAM Tables 7.3.1, 7.4.1). */
export interface SupplierDetails {
  name: string;
  marketParticipantIds: string[];
}

/** A planned firmware version (MAM 7.3.2 "Target FW"; TMAD 4.31(e)). */
export interface FirmwareTarget {
  deviceType: 'CHF' | 'ESME' | 'GSME' | 'PPMID';
  manufacturer: string;
  model: string;
  existingFirmware: string;
  targetFirmware: string;
}

export interface DormantNoticeOptions {
  /** The Monday of the Migration Week in which the steps are scheduled. */
  week: string;
  /** When the notices are sent (decides the Responsible Supplier and the timeliness). */
  at: Date;
  smso: string;
  reference: ReferenceData;
  /** By SEC Party Signifier. */
  suppliers: ReadonlyMap<string, SupplierDetails>;
  firmwareTargets?: readonly FirmwareTarget[];
  calendar?: WorkingDayCalendar;
  /** TMAD 4.29 (default 5; docs/SPEC-DECISIONS.md). */
  firmwareNoticeWorkingDays?: number;
  /** TMAD 4.30 (default 15). */
  migrationNoticeWorkingDays?: number;
  /** "or fewer where mutually agreed" (TMAD 4.29, 4.30): send even when later than the notice period. */
  agreedShorterNotice?: boolean;
}

/** What the notice says about one of its installations, for the record (migration 010), row by row. */
export interface NoticedInstallation {
  chfDeviceId: string;
  mpan: string | null;
  mprn: string | null;
  /** The meters the supplier is notified for (G also when the gas supplier is deemed notified through it). */
  sides: DormantSide[];
  deemedGasSupplier: string | null;
  groupIds: GroupId[] | null;
  /** A re-notification: the supplier(s) the meters were assigned to before. */
  replaces?: string | null;
}

export interface PlannedNotice {
  kind: DormantNoticeKind;
  partySignifier: string;
  table: DormantTable;
  /** Parallel to table.rows. */
  installations: NoticedInstallation[];
  /** A re-notification after a change of Responsible Supplier: its sequence number in the file name. */
  renotification?: number;
}

export interface NotNotified {
  chfDeviceId: string;
  reason: string;
  rule: string;
}

export interface DormantNoticePlan {
  week: string;
  sentOn: string;
  deadlines: Record<DormantNoticeKind, string>;
  /** Notice kinds not issued because the notice period has passed (without agreedShorterNotice). */
  late: DormantNoticeKind[];
  notices: PlannedNotice[];
  /** Dormant-only installations that no notice covers, with why. */
  notNotified: NotNotified[];
  /** Gas suppliers deemed notified through their affiliated electricity supplier (TMAD 4.29, 4.30). */
  deemedNotified: { chfDeviceId: string; gasSupplier: string; electricitySupplier: string }[];
  /** Installations with an Active meter (or no meter), not dormant-only: no notice. */
  skippedActive: number;
}

/** TMAD 4.29/4.30: the installation includes Dormant Meters but no Active Meters. */
export function isDormantOnly(inst: SmsoInstallation): boolean {
  const meters = inst.devices.filter((d) => d.deviceType === 'ESME' || d.deviceType === 'GSME');
  return meters.length > 0 && meters.every((d) => d.status === 'Dormant');
}

/** The GroupIDs whose Group Device Model Combination List holds the installation's devices (TMAD 5.10.2). */
async function groupIdsOf(inst: SmsoInstallation, ref: ReferenceData): Promise<GroupId[]> {
  const model = (t: string) => {
    const d = inst.devices.find((x) => x.deviceType === t);
    return d
      ? { manufacturer: d.manufacturer, model: d.model, firmwareVersion: d.firmwareVersion }
      : undefined;
  };
  const chf = model('CHF');
  const esme = model('ESME');
  if (!chf || !esme) return [];
  const combo: DeviceCombination = { CHF: chf, ESME: esme };
  const gsme = model('GSME');
  const ppmid = model('PPMID');
  if (gsme) combo.GSME = gsme;
  if (ppmid) combo.PPMID = ppmid;
  const out: GroupId[] = [];
  for (const g of GROUP_IDS) if ((await ref.groupModelCombination(g, combo)).length > 0) out.push(g);
  return out;
}

const dev = (inst: SmsoInstallation, t: SmsoDevice['deviceType']): SmsoDevice | undefined =>
  inst.devices.find((d) => d.deviceType === t);

function firmwareRow(inst: SmsoInstallation, week: string, targets: readonly FirmwareTarget[]): NoticeRow {
  const row: NoticeRow = {
    MPAN: inst.mpan ?? '',
    MPRN: inst.mprn ?? '',
    'Not Before': formatNoticeDate('firmware', week),
    'Not After': formatNoticeDate('firmware', addDays(week, 6)),
  };
  for (const [label, type] of [
    ['CH', 'CHF'],
    ['ESME', 'ESME'],
    ['GSME', 'GSME'],
    ['PPMID', 'PPMID'],
  ] as const) {
    const d = dev(inst, type);
    const target = d
      ? targets.find(
          (t) =>
            t.deviceType === type &&
            t.manufacturer === d.manufacturer &&
            t.model === d.model &&
            t.existingFirmware === d.firmwareVersion,
        )
      : undefined;
    row[`${label} Serial Number`] = d?.serialNumber ?? '';
    row[`${label} Manufacturer`] = d?.manufacturer ?? '';
    row[`${label} Model`] = d?.model ?? '';
    row[`${label} Existing FW`] = d?.firmwareVersion ?? '';
    // No planned upgrade for this model: configuration steps only, the firmware stays (docs/SPEC-DECISIONS.md).
    row[`${label} Target FW`] = d ? (target?.targetFirmware ?? d.firmwareVersion) : '';
  }
  return row;
}

function scheduleRow(inst: SmsoInstallation, week: string): NoticeRow {
  const row: NoticeRow = Object.fromEntries(columnsOf('schedule').map((c) => [c, '']));
  row['MPAN'] = inst.mpan ?? '';
  row['MPRN'] = inst.mprn ?? '';
  row['Not before'] = formatNoticeDate('schedule', week);
  row['Not after'] = formatNoticeDate('schedule', addDays(week, 6));
  for (const t of ['CHF', 'GPF', 'ESME', 'GSME', 'IHD', 'PPMID', 'CAD'] as const)
    row[`${t} Device ID`] = dev(inst, t)?.deviceId ?? '';
  for (const [label, t] of [
    ['CH', 'CHF'],
    ['ESME', 'ESME'],
    ['GSME', 'GSME'],
    ['IHD', 'IHD'],
    ['PPMID', 'PPMID'],
  ] as const)
    row[`${label} Serial Number`] = dev(inst, t)?.serialNumber ?? '';
  return row;
}

/**
 * Plan the week's dormant notices from the SMSO inventory: who is told about which installation, and
 * whether each kind can still be sent on time. Pure apart from the reference-data look-ups.
 */
export async function planDormantNotices(
  installations: readonly SmsoInstallation[],
  o: DormantNoticeOptions,
): Promise<DormantNoticePlan> {
  const cal = o.calendar ?? defaultWorkingDayCalendar();
  const cycle = migrationCycle(o.week, {
    calendar: cal,
    dormantFirmwareNoticeWorkingDays:
      o.firmwareNoticeWorkingDays ?? DEFAULT_DORMANT_FIRMWARE_NOTICE_WORKING_DAYS,
    dormantMigrationNoticeWorkingDays:
      o.migrationNoticeWorkingDays ?? DEFAULT_DORMANT_MIGRATION_NOTICE_WORKING_DAYS,
  });
  const deadlines = { firmware: cycle.dormantFirmwareNotice, schedule: cycle.dormantMigrationNotice };
  const sentOn = londonDateOf(o.at);
  const late = (['firmware', 'schedule'] as const).filter(
    (k) => sentOn > deadlines[k] && !o.agreedShorterNotice,
  );

  const rowsBySupplier = new Map<string, { inst: SmsoInstallation; noticed: NoticedInstallation }[]>();
  const plan: DormantNoticePlan = {
    week: o.week,
    sentOn,
    deadlines,
    late: [...late],
    notices: [],
    notNotified: [],
    deemedNotified: [],
    skippedActive: 0,
  };
  for (const inst of installations) {
    if (!isDormantOnly(inst)) {
      plan.skippedActive++;
      continue;
    }
    const eSup = inst.mpan && dev(inst, 'ESME') ? await o.reference.importSupplierAt(inst.mpan, o.at) : null;
    const gSup = inst.mprn && dev(inst, 'GSME') ? await o.reference.gasSupplierAt(inst.mprn, o.at) : null;
    if (inst.mpan && dev(inst, 'ESME') && !eSup)
      plan.notNotified.push({
        chfDeviceId: inst.chfDeviceId,
        rule: 'TMAD 4.29, 4.30 (Registration Data)',
        reason: `no Import Supplier registered for MPAN ${inst.mpan} on ${sentOn}`,
      });
    if (inst.mprn && dev(inst, 'GSME') && !gSup)
      plan.notNotified.push({
        chfDeviceId: inst.chfDeviceId,
        rule: 'TMAD 4.29, 4.30 (Registration Data)',
        reason: `no Gas Supplier registered for MPRN ${inst.mprn} on ${sentOn}`,
      });
    // Per supplier told: the meters it is told for (TMAD 4.29/4.30 "Responsible Supplier(s)").
    const to = new Map<string, NoticedInstallation>();
    const tell = (sup: string, side: DormantSide, deemed: string | null, groups: GroupId[] | null) => {
      const n = to.get(sup) ?? {
        chfDeviceId: inst.chfDeviceId,
        mpan: inst.mpan ?? null,
        mprn: inst.mprn ?? null,
        sides: [],
        deemedGasSupplier: null,
        groupIds: groups,
      };
      n.sides.push(side);
      if (deemed) n.deemedGasSupplier = deemed;
      if (groups) n.groupIds = groups;
      to.set(sup, n);
    };
    let groups: GroupId[] | null = null;
    if (gSup && gSup !== eSup) {
      // TMAD 4.29/4.30: affiliated suppliers of a dormant-only split site: the electricity supplier only,
      // except GroupID EA/EB/EC. A site whose GroupID cannot be told is treated as one of those (both told).
      groups =
        eSup && (await o.reference.areAffiliates(eSup, gSup)) ? await groupIdsOf(inst, o.reference) : null;
    }
    if (eSup) tell(eSup, 'E', null, groups);
    if (gSup) {
      if (gSup === eSup) tell(eSup, 'G', null, groups);
      else if (
        groups &&
        groups.length > 0 &&
        !groups.some((g) => AFFILIATE_EXCEPTION_GROUP_IDS.includes(g))
      ) {
        plan.deemedNotified.push({
          chfDeviceId: inst.chfDeviceId,
          gasSupplier: gSup,
          electricitySupplier: eSup!,
        });
        tell(eSup!, 'G', gSup, groups);
      } else tell(gSup, 'G', null, groups);
    }
    for (const [s, noticed] of to) {
      if (!o.suppliers.has(s)) {
        plan.notNotified.push({
          chfDeviceId: inst.chfDeviceId,
          rule: 'MAM 7.3.1, 7.4.1 (Name, Market Participant ID: Mandatory)',
          reason: `supplier ${s} has no name and Market Participant IDs in the suppliers list`,
        });
        continue;
      }
      const list = rowsBySupplier.get(s) ?? [];
      list.push({ inst, noticed });
      rowsBySupplier.set(s, list);
    }
  }
  for (const [sig, insts] of [...rowsBySupplier].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const d = o.suppliers.get(sig)!;
    const header: NoticeHeader = {
      name: d.name,
      partySignifiers: [sig],
      marketParticipantIds: d.marketParticipantIds,
      smso: o.smso,
    };
    for (const kind of ['firmware', 'schedule'] as const) {
      if (late.includes(kind)) continue;
      plan.notices.push({
        kind,
        partySignifier: sig,
        table: {
          kind,
          header,
          rows: insts.map(({ inst: i }) =>
            kind === 'firmware' ? firmwareRow(i, o.week, o.firmwareTargets ?? []) : scheduleRow(i, o.week),
          ),
        },
        installations: insts.map((i) => i.noticed),
      });
    }
  }
  return plan;
}

/** Encode one notice as workbook (default) or CSV bytes. */
export async function encodeNotice(t: DormantTable, format: 'xlsx' | 'csv', at?: Date): Promise<Uint8Array> {
  const rows = tableRows(t);
  if (format === 'csv') return new TextEncoder().encode(rowsToCsv(rows));
  return writeXlsx(
    { name: t.kind === 'firmware' ? 'FW Upgrade Notification' : 'Dormant Migration Schedule', rows },
    { modified: at },
  );
}

/** Decode a notice or response (xlsx by its zip signature, else CSV) and check it against the tables. */
export async function decodeNotice(
  kind: DormantNoticeKind,
  bytes: Uint8Array,
  file: string,
): Promise<{ table: DormantTable | undefined; problems: DormantProblem[] }> {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    try {
      const { rows } = await readXlsx(bytes, file);
      return parseTable(kind, rows, file);
    } catch (e) {
      if (e instanceof XlsxError)
        return {
          table: undefined,
          problems: [
            {
              file,
              line: null,
              column: null,
              field: null,
              rule: 'MAM 7.3, 7.4 (Excel spreadsheet)',
              message: e.message,
            },
          ],
        };
      throw e;
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return {
      table: undefined,
      problems: [
        {
          file,
          line: null,
          column: null,
          field: null,
          rule: 'MAM 7.3, 7.4',
          message: 'neither a workbook (.xlsx) nor UTF-8 CSV text',
        },
      ],
    };
  }
  const csv = csvToRows(text, file);
  if (csv.problems.length > 0) return { table: undefined, problems: csv.problems };
  return parseTable(kind, csv.rows, file);
}

export interface WrittenNotice {
  kind: DormantNoticeKind;
  partySignifier: string;
  file: string;
  installations: number;
}

/** Write the plan's notices into `outDir` (never over an existing file). */
export async function writeDormantNotices(
  plan: { week: string; notices: readonly PlannedNotice[] },
  outDir: string,
  opts: { csv?: boolean; at?: Date } = {},
): Promise<WrittenNotice[]> {
  await fs.mkdir(outDir, { recursive: true });
  const out: WrittenNotice[] = [];
  for (const n of plan.notices) {
    const format = opts.csv ? 'csv' : 'xlsx';
    const file = path.join(
      outDir,
      noticeFileName(
        n.kind,
        n.partySignifier,
        n.table.header.smso,
        plan.week,
        format,
        false,
        n.renotification,
      ),
    );
    await fs.writeFile(file, await encodeNotice(n.table, format, opts.at), { flag: 'wx', mode: 0o640 });
    out.push({ kind: n.kind, partySignifier: n.partySignifier, file, installations: n.table.rows.length });
  }
  return out;
}

/**
 * The records of the notices written (migration 010): one per installation, kind and supplier told,
 * with the meters it was told for and the file (by its name). `written` is parallel to `plan.notices`.
 */
export function noticeRecords(
  plan: { week: string; notices: readonly PlannedNotice[] },
  written: readonly WrittenNotice[],
  sentAt: Date,
): DormantNoticeRecordInput[] {
  return plan.notices.flatMap((n, k) =>
    n.installations.map((i, j) => ({
      migrationWeek: plan.week,
      kind: n.kind,
      smso: n.table.header.smso,
      chfDeviceId: i.chfDeviceId,
      mpan: i.mpan,
      mprn: i.mprn,
      partySignifier: n.partySignifier,
      sides: i.sides,
      deemedGasSupplier: i.deemedGasSupplier,
      groupIds: i.groupIds,
      row: n.table.rows[j]!,
      fileName: path.basename(written[k]!.file),
      renotification: n.renotification !== undefined,
      replaces: i.replaces ?? null,
      note: null,
      sentAt,
    })),
  );
}

// ---------------------------------------------------------------------------------------------------
// A change of Responsible Supplier after a notice (TMAD 4.29, 4.30 last sentence)

export interface RenotifyOptions {
  week: string;
  /** When the Registration Data is read and the re-notifications are sent. */
  at: Date;
  reference: ReferenceData;
  suppliers: ReadonlyMap<string, SupplierDetails>;
}

export interface SupplierChange {
  chfDeviceId: string;
  kind: DormantNoticeKind;
  side: DormantSide;
  from: string;
  to: string;
  /** notified: a new file; already-notified: it had a notice for it this week; deemed: an Affiliate told for it. */
  action: 'notified' | 'already-notified' | 'deemed' | 'not-notified';
}

export interface RenotificationPlan {
  week: string;
  sentOn: string;
  /** The Migration Week has ended (its Sunday has passed): nothing is left to carry out, nothing sent. */
  ended: boolean;
  notices: PlannedNotice[];
  /** Reassignments that need no file (recorded so the new supplier's response counts, TMAD 4.32). */
  records: DormantNoticeRecordInput[];
  changes: SupplierChange[];
  notNotified: NotNotified[];
  /** Installation-kinds whose Responsible Suppliers are those already told. */
  unchanged: number;
}

/**
 * Compare the notices recorded for the week with the Registration Data at `o.at`: for each installation
 * and kind whose Responsible Supplier of a meter changed, plan a notice of the same kind (the same body
 * row, the same layout) to the new supplier, unless it was told about that installation this week
 * already (then only the reassignment is recorded). The TMAD 4.29/4.30 affiliates rule applies to the
 * new pair of suppliers as it did to the first (GroupID from the record).
 */
export async function planRenotifications(
  records: readonly StoredDormantNotice[],
  o: RenotifyOptions,
): Promise<RenotificationPlan> {
  const sentOn = londonDateOf(o.at);
  const plan: RenotificationPlan = {
    week: o.week,
    sentOn,
    ended: sentOn > addDays(o.week, 6),
    notices: [],
    records: [],
    changes: [],
    notNotified: [],
    unchanged: 0,
  };
  if (plan.ended) return plan;
  const groups = new Map<string, StoredDormantNotice[]>();
  for (const r of [...records].sort((a, b) => a.id - b.id)) {
    const k = `${r.kind}\u0000${r.chfDeviceId}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  // Per new supplier and kind: the installations to tell.
  const toTell = new Map<
    string,
    {
      kind: DormantNoticeKind;
      party: string;
      smso: string;
      items: { row: NoticeRow; noticed: NoticedInstallation }[];
    }
  >();
  for (const rows of groups.values()) {
    const first = rows[0]!;
    const current = new Map<DormantSide, string>();
    const told = new Set<string>(); // had a file for it this week, or was deemed told
    for (const r of rows) {
      for (const sd of r.sides) current.set(sd, r.partySignifier);
      if (r.fileName !== null) told.add(r.partySignifier);
      if (r.deemedGasSupplier) told.add(r.deemedGasSupplier);
    }
    const hasE = current.has('E');
    const hasG = current.has('G');
    const eNow = hasE && first.mpan ? await o.reference.importSupplierAt(first.mpan, o.at) : null;
    const gNow = hasG && first.mprn ? await o.reference.gasSupplierAt(first.mprn, o.at) : null;
    const want = new Map<DormantSide, { party: string; deemed: string | null }>();
    if (hasE) {
      if (eNow) want.set('E', { party: eNow, deemed: null });
      else
        plan.notNotified.push({
          chfDeviceId: first.chfDeviceId,
          rule: 'TMAD 4.29, 4.30 (Registration Data)',
          reason: `no Import Supplier registered for MPAN ${first.mpan} on ${sentOn}`,
        });
    }
    if (hasG) {
      const gIds = (first.groupIds ?? rows.find((r) => r.groupIds)?.groupIds ?? null) as GroupId[] | null;
      if (!gNow)
        plan.notNotified.push({
          chfDeviceId: first.chfDeviceId,
          rule: 'TMAD 4.29, 4.30 (Registration Data)',
          reason: `no Gas Supplier registered for MPRN ${first.mprn} on ${sentOn}`,
        });
      else if (eNow && gNow === eNow) want.set('G', { party: eNow, deemed: null });
      else if (
        eNow &&
        gIds &&
        gIds.length > 0 &&
        !gIds.some((g) => AFFILIATE_EXCEPTION_GROUP_IDS.includes(g)) &&
        (await o.reference.areAffiliates(eNow, gNow))
      )
        want.set('G', { party: eNow, deemed: gNow });
      else want.set('G', { party: gNow, deemed: null });
    }
    const parties = new Map<string, { sides: DormantSide[]; from: Set<string>; deemed: string | null }>();
    for (const [side, w] of want) {
      const before = current.get(side)!;
      if (before === w.party) continue;
      const p = parties.get(w.party) ?? { sides: [], from: new Set<string>(), deemed: null };
      p.sides.push(side);
      p.from.add(before);
      if (w.deemed) p.deemed = w.deemed;
      parties.set(w.party, p);
    }
    if (parties.size === 0) {
      plan.unchanged++;
      continue;
    }
    for (const [party, p] of parties) {
      const noticed: NoticedInstallation = {
        chfDeviceId: first.chfDeviceId,
        mpan: first.mpan,
        mprn: first.mprn,
        sides: p.sides,
        deemedGasSupplier: p.deemed,
        groupIds: first.groupIds as GroupId[] | null,
        replaces: [...p.from].sort().join(','),
      };
      const already = told.has(party);
      const known = o.suppliers.has(party);
      for (const side of p.sides)
        plan.changes.push({
          chfDeviceId: first.chfDeviceId,
          kind: first.kind,
          side,
          from: current.get(side)!,
          to: party,
          action: already ? 'already-notified' : !known ? 'not-notified' : p.deemed ? 'deemed' : 'notified',
        });
      if (already) {
        plan.records.push({
          migrationWeek: o.week,
          kind: first.kind,
          smso: first.smso,
          chfDeviceId: first.chfDeviceId,
          mpan: first.mpan,
          mprn: first.mprn,
          partySignifier: party,
          sides: p.sides,
          deemedGasSupplier: p.deemed,
          groupIds: first.groupIds,
          row: first.row,
          fileName: null,
          renotification: true,
          replaces: noticed.replaces!,
          note: `${party} was told about this installation for this week before (TMAD 4.29, 4.30): no second notice`,
          sentAt: o.at,
        });
        continue;
      }
      if (!known) {
        plan.notNotified.push({
          chfDeviceId: first.chfDeviceId,
          rule: 'MAM 7.3.1, 7.4.1 (Name, Market Participant ID: Mandatory)',
          reason: `new Responsible Supplier ${party} has no name and Market Participant IDs in the suppliers list`,
        });
        continue;
      }
      const key = `${first.kind}\u0000${party}\u0000${first.smso}`;
      const t = toTell.get(key) ?? { kind: first.kind, party, smso: first.smso, items: [] };
      t.items.push({ row: first.row, noticed });
      toTell.set(key, t);
    }
  }
  const sorted = [...toTell.values()].sort((a, b) =>
    a.party < b.party ? -1 : a.party > b.party ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0,
  );
  for (const t of sorted) {
    const d = o.suppliers.get(t.party)!;
    const earlier = new Set(
      records
        .filter((r) => r.renotification && r.fileName && r.kind === t.kind && r.partySignifier === t.party)
        .map((r) => r.fileName),
    );
    const cols = columnsOf(t.kind);
    plan.notices.push({
      kind: t.kind,
      partySignifier: t.party,
      table: {
        kind: t.kind,
        header: {
          name: d.name,
          partySignifiers: [t.party],
          marketParticipantIds: d.marketParticipantIds,
          smso: t.smso,
        },
        rows: t.items.map((i) => Object.fromEntries(cols.map((c) => [c, i.row[c] ?? '']))),
      },
      installations: t.items.map((i) => i.noticed),
      renotification: earlier.size + 1,
    });
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------------
// The response (TMAD 4.32; MAM 6, 7.5)

export interface ReceiveResponseOptions {
  week: string;
  trust: IntakeOptions['trust'];
  receivedAt?: Date;
  store?: Store;
  /** TMAD 4.32: the DCC "may use such information submitted after these timescales if it is practicable". */
  acceptLate?: boolean;
  requireCrl?: boolean;
}

export interface ReceiveResponseResult {
  outcome: 'accepted' | 'rejected';
  problems: DormantProblem[];
  deadline: Date;
  receivedAt: Date;
  onTime: boolean;
  fileName?: string;
  partySignifier?: string;
  installations: number;
  priority: number;
  /** Installations of GroupID EA/EB/EC need every Supplier Certificate ID (TMAD 4.32A): what each still lacks. */
  certificateGaps: { chfDeviceId: string; gaps: string[] }[];
  /** More installations with gaps than listed (the list stops at 1,000). */
  certificateGapsNotListed?: number;
  stored?: { recorded: number; duplicate: boolean };
}

const MAX_SMALL_FILE = 256 * 1024;

/** Open a sealed response (zip, password file, its signature), check it and record it (TMAD 4.32; MAM 6, 7.5). */
export async function receiveDormantResponse(
  zipPath: string,
  passwordFilePath: string,
  signaturePath: string,
  o: ReceiveResponseOptions,
): Promise<ReceiveResponseResult> {
  const receivedAt = o.receivedAt ?? new Date();
  const deadline = migrationCycle(o.week).migrationAuthorisation; // MAM 6: 10:00 on the Thursday of the week before
  const onTime = receivedAt.getTime() <= deadline.getTime();
  const zipName = path.basename(zipPath);
  const problems: DormantProblem[] = [];
  const result = (extra: Partial<ReceiveResponseResult> = {}): ReceiveResponseResult => ({
    outcome: problems.length > 0 ? 'rejected' : 'accepted',
    problems,
    deadline,
    receivedAt,
    onTime,
    installations: 0,
    priority: 0,
    certificateGaps: [],
    ...extra,
  });
  const whole = (
    file: string,
    rule: string,
    message: string,
    field: string | null = null,
    line: number | null = null,
  ) => problems.push({ file, line, column: null, field, rule, message });

  if (!onTime && !o.acceptLate)
    whole(
      zipName,
      'MAM 6; TMAD 4.32',
      `received ${receivedAt.toISOString()}, after the deadline ${deadline.toISOString()} (10:00 UK time on the Thursday of the week before the Migration Week ${o.week}): not recorded (pass the late-acceptance option to use it where practicable)`,
    );

  const [pwBytes, sigBytes] = await Promise.all([
    readSmall(passwordFilePath, MAX_SMALL_FILE),
    readSmall(signaturePath, MAX_SMALL_FILE),
  ]);
  const verdict = verifyDetached(sigBytes, pwBytes, {
    trusted: toCertificateTrust(o.trust, o.requireCrl ?? true),
    at: receivedAt,
    requiredRole: 'ikiFileSigning',
  });
  if (!verdict.valid)
    for (const p of verdict.problems)
      whole(path.basename(signaturePath), 'MAM 7.5.3', `signature on the password file rejected: ${p}`);
  const pf = parsePasswordFile(pwBytes);
  if (!pf.ok) {
    for (const p of pf.problems)
      whole(path.basename(passwordFilePath), p.rule, p.message, p.field, p.line || null);
    return result();
  }
  if (!verdict.valid) return result();

  // The spreadsheet is inflated to a private temporary file, hashed on the way (MD5 for MAM 7.5.2, SHA-256
  // to know the file again), then read from there row by row: memory does not grow with the rows.
  const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 's1mig-dormant-response-'));
  try {
    const tmp = path.join(tmpDir, 'response');
    let entryName: string;
    const md5h = createHash('md5');
    const sha = createHash('sha256');
    let head: Uint8Array = new Uint8Array(0);
    try {
      entryName = await streamSingleEntryZip(
        await openAsBlob(zipPath),
        {
          archiveName: zipName,
          password: pf.value.md5,
          requireAes256: true,
          limits: {
            maxEntryBytes: 256 * 1024 * 1024,
            maxTotalBytes: 256 * 1024 * 1024,
            maxRatio: 1000,
            ratioFloorBytes: 4 * 1024 * 1024,
          },
        },
        async (info, chunks) => {
          const out = await fs.open(tmp, 'wx', 0o600);
          try {
            for await (const c of chunks) {
              md5h.update(c);
              sha.update(c);
              if (head.length < 2) head = c.subarray(0, 2);
              await out.write(c);
            }
          } finally {
            await out.close();
          }
          return info.name;
        },
      );
    } catch (e) {
      if (!(e instanceof ZipError)) throw e;
      whole(zipName, 'MAM 7.5.1', `${e.message} [${e.code}]`);
      return result();
    }
    const md5 = md5h.digest('hex');
    const sha256 = sha.digest('hex');
    if (entryName !== pf.value.csvFileName)
      whole(
        path.basename(passwordFilePath),
        'MAM 7.5.2 Table 7.5.1',
        `zip entry ${JSON.stringify(entryName)} is not the file name ${JSON.stringify(pf.value.csvFileName)} of the password file`,
        'CSV File Name',
        2,
      );
    if (md5 !== pf.value.md5)
      whole(
        path.basename(passwordFilePath),
        'MAM 7.5.2',
        `MD5 of ${entryName} is ${md5}, the password file says ${pf.value.md5}`,
        'MD5 HASH Value',
        3,
      );

    // One pass over the rows: checked as MAM Table 7.4.2 asks and, with a store, recorded in batches in
    // one transaction that is committed only when the whole file is accepted (else nothing is recorded).
    const reader = new TableReader('schedule', entryName, MAX_PROBLEMS);
    const weekDate = formatNoticeDate('schedule', o.week);
    const gaps: ReceiveResponseResult['certificateGaps'] = [];
    let gapCount = 0;
    let priority = 0;
    let partyChecked = false;
    let pending: DormantResponseEntry[] = [];
    const onBody = (r: NoticeRow, line: number) => {
      if (r['Not before'] !== '' && r['Not before'] !== weekDate)
        reader.bad(
          line,
          3,
          'Not before',
          'MAM 6, 7.4.2',
          `'${r['Not before']}': this response is for the Migration Week starting ${weekDate}`,
        );
      const g = supplierCertificateGaps(r);
      if (g.length > 0 && gapCount++ < MAX_PROBLEMS) gaps.push({ chfDeviceId: r['CHF Device ID']!, gaps: g });
      if (r['Priority'] === 'Y') priority++;
      pending.push({
        migrationWeek: o.week,
        partySignifier: reader.header!.partySignifiers[0]!,
        chfDeviceId: r['CHF Device ID']!,
        mpan: r['MPAN'] || null,
        mprn: r['MPRN'] || null,
        priority: r['Priority'] === 'Y',
        certificates: Object.fromEntries(
          CERTIFICATE_COLUMN_PAIRS.flatMap((p) => [p.serial, p.issuer])
            .filter((c) => r[c] !== '')
            .map((c) => [c, r[c]!]),
        ),
      });
    };
    // Looked up before the transaction opens (on SQLite a query outside it would wait for it).
    const party = o.store ? await o.store.reference.data.partyOfUserId(pf.value.userId) : undefined;
    const checkParty = () => {
      if (partyChecked || !reader.header) return;
      partyChecked = true;
      if (party && !reader.header.partySignifiers.includes(party.partySignifier))
        whole(
          path.basename(passwordFilePath),
          'MAM 7.5.2 Table 7.5.1',
          `User ID ${pf.value.userId} belongs to ${party.partySignifier}, not to the response's SEC Party Signifier ${reader.header.partySignifiers.join(',')}`,
          'User ID',
          1,
        );
    };
    const readAll = async (insert: ((e: readonly DormantResponseEntry[]) => Promise<void>) | undefined) => {
      const flush = async () => {
        checkParty();
        const batch = pending;
        pending = [];
        // Once a problem is known the file will be rejected: stop writing (the transaction rolls back).
        if (insert && batch.length > 0 && problems.length === 0 && reader.problemCount === 0)
          await insert(batch);
      };
      if (head[0] === 0x50 && head[1] === 0x4b) {
        await streamXlsxRows(
          await openAsBlob(tmp),
          entryName,
          (i, cells) => {
            const row = reader.push(i, cells);
            if (row) onBody(row, i + 1);
          },
          {},
          { afterChunk: flush },
        );
      } else {
        // Not a workbook: CSV (MAM 7.3, 7.4 ask for Excel; a CSV response is small and read whole).
        const parsed = decodeCsv(await fs.readFile(tmp), entryName, reader);
        for (const [row, line] of parsed) onBody(row, line);
      }
      reader.finish();
      await flush();
    };
    const accepted = () => problems.length === 0 && reader.problemCount === 0 && reader.header !== undefined;
    let stored: ReceiveResponseResult['stored'];
    try {
      if (o.store) {
        const r = await o.store.dormantResponses.recordStream(
          { fileName: entryName, sha256, receivedAt, onTime },
          async (insert) => {
            await readAll(insert);
            return accepted();
          },
        );
        if (r.committed) stored = { recorded: r.recorded, duplicate: r.duplicate };
      } else await readAll(undefined);
    } catch (e) {
      if (!(e instanceof XlsxError)) throw e;
      reader.bad(null, null, null, 'MAM 7.3, 7.4 (Excel spreadsheet)', e.message);
    }
    problems.push(...reader.problems);
    if (reader.problemCount > reader.problems.length)
      whole(
        entryName,
        'MAM 7.4.2',
        `${reader.problemCount - reader.problems.length} more problem(s) not listed`,
      );
    if (!reader.header) return result({ fileName: entryName });
    const base = {
      fileName: entryName,
      partySignifier: reader.header.partySignifiers[0]!,
      installations: reader.bodyRows,
      priority,
      certificateGaps: gaps,
      ...(gapCount > gaps.length ? { certificateGapsNotListed: gapCount - gaps.length } : {}),
    };
    return result(problems.length > 0 ? base : { ...base, stored });
  } finally {
    await fs.rm(tmpDir, { recursive: true, force: true });
  }
}

/** At most this many problems (and certificate gaps) are listed; the rest are counted. */
const MAX_PROBLEMS = 1000;

/** A CSV response through the same table reader: its body rows with their line numbers. */
function decodeCsv(bytes: Uint8Array, file: string, reader: TableReader): [NoticeRow, number][] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    reader.bad(null, null, null, 'MAM 7.3, 7.4', 'neither a workbook (.xlsx) nor UTF-8 CSV text');
    return [];
  }
  const csv = csvToRows(text, file);
  for (const p of csv.problems) reader.bad(p.line, p.column, p.field, p.rule, p.message);
  if (csv.problems.length > 0) return [];
  const out: [NoticeRow, number][] = [];
  csv.rows.forEach((cells, i) => {
    const row = reader.push(i, cells);
    if (row) out.push([row, i + 1]);
  });
  return out;
}

async function readSmall(file: string, max: number): Promise<Uint8Array> {
  const st = await fs.stat(file);
  if (st.size > max) throw new Error(`${file}: ${st.size} bytes, at most ${max} accepted`);
  return fs.readFile(file);
}

/**
 * TMAD 4.32A for the Requesting Party: may a dormant-only installation of GroupID `groupId` proceed?
 * Only EA/EB/EC are gated; they need every required Supplier Certificate ID received, none Null.
 */
export async function dormantMigrationGate(
  store: Store,
  week: string,
  chfDeviceId: string,
  groupId: GroupId,
): Promise<{ proceed: boolean; reasons: string[] }> {
  if (!AFFILIATE_EXCEPTION_GROUP_IDS.includes(groupId)) return { proceed: true, reasons: [] };
  const r = await store.dormantResponses.inForce(week, chfDeviceId);
  if (!r)
    return {
      proceed: false,
      reasons: ['no response to the Dormant Meter Migration Schedule received (TMAD 4.32A)'],
    };
  const row: NoticeRow = { MPAN: r.mpan ?? '', MPRN: r.mprn ?? '', ...r.certificates };
  const gaps = supplierCertificateGaps(row);
  return { proceed: gaps.length === 0, reasons: gaps.map((g) => `${g} (TMAD 4.32A)`) };
}
