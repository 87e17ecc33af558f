// The dormant notices of MAM 7.3 and 7.4 (TMAD 4.29–4.32A) as tables: four header lines (MAM Tables
// 7.3.1 / 7.4.1: "Name", "New line", "SEC Party Signifier", "New line", "Market Participant ID", "New
// line", "SMSO"), then one row naming the body columns (Tables 7.3.2 / 7.4.2) and one row per SMETS1
// Installation. The same table is written as a workbook sheet or as CSV (docs/DORMANT.md); the
// Responsible Supplier's response (TMAD 4.32) is the schedule with its yellow columns filled in and is
// read back by the same parser.
//
// Pure: rows of strings in, rows of strings out; every problem names file, row, column, field and rule.
import type { Problem } from '../../problem.js';
import { parseEui64 } from '../../ids/eui64.js';
import { parseMpan, parseMprn } from '../../ids/mpxn.js';
import { parsePartySignifier, parseSmsoCode } from '../../ids/reference.js';
import { parseSerialNumber, isNullCertificateId } from '../../ids/certificate-id.js';
import { tokenizeCsvLine, csvField } from '../ma/csv-line.js';

export type DormantNoticeKind = 'firmware' | 'schedule';

/** MAM Tables 7.3.1 and 7.4.1: the header lines, in order, each on its own line ("New line"). */
export const NOTICE_HEADER_FIELDS = ['Name', 'SEC Party Signifier', 'Market Participant ID', 'SMSO'] as const;

/** MAM Table 7.3.2: FW Upgrade Notification Body. */
export const FIRMWARE_NOTICE_COLUMNS = [
  'MPAN',
  'MPRN',
  'Not Before',
  'Not After',
  ...(['CH', 'ESME', 'GSME', 'PPMID'] as const).flatMap((d) => [
    `${d} Serial Number`,
    `${d} Manufacturer`,
    `${d} Model`,
    `${d} Existing FW`,
    `${d} Target FW`,
  ]),
] as const;

/** The certificate columns of MAM Table 7.4.2: device, party, criticality; each a Serial Number and an Issuer Name. */
export interface CertificateColumnPair {
  device: 'ESME' | 'GPF' | 'GSME';
  party: 'Supplier' | 'Network Operator';
  critical: boolean;
  serial: string;
  issuer: string;
  /** MAM Table 7.4.2 "Mandatory if MPAN/MPRN is specified" (the Supplier Certificate IDs). */
  requiredWith: 'MPAN' | 'MPRN' | null;
}

function pairsOf(
  device: CertificateColumnPair['device'],
  parties: CertificateColumnPair['party'][],
): CertificateColumnPair[] {
  return parties.flatMap((party) =>
    [true, false].map((critical) => {
      const base = `${device} ${party} Certificate Id (${critical ? 'Critical' : 'Non-Critical'})`;
      return {
        device,
        party,
        critical,
        serial: `${base} – Serial Number`,
        issuer: `${base} – Issuer Name`,
        requiredWith: party === 'Supplier' ? (device === 'ESME' ? 'MPAN' : 'MPRN') : null,
      };
    }),
  );
}

/** MAM Table 7.4.2, in table order: ESME Supplier and Network Operator, GPF the same, GSME Supplier. */
export const CERTIFICATE_COLUMN_PAIRS: readonly CertificateColumnPair[] = [
  ...pairsOf('ESME', ['Supplier', 'Network Operator']),
  ...pairsOf('GPF', ['Supplier', 'Network Operator']),
  ...pairsOf('GSME', ['Supplier']),
];

/** MAM Table 7.4.2: Dormant Meter Migration Schedule Body. */
export const SCHEDULE_COLUMNS = [
  'MPAN',
  'MPRN',
  'Not before',
  'Not after',
  'CHF Device ID',
  'GPF Device ID',
  'ESME Device ID',
  'GSME Device ID',
  'IHD Device ID',
  'PPMID Device ID',
  'CAD Device ID',
  'CH Serial Number',
  'ESME Serial Number',
  'GSME Serial Number',
  'IHD Serial Number',
  'PPMID Serial Number',
  'Priority',
  ...CERTIFICATE_COLUMN_PAIRS.flatMap((p) => [p.serial, p.issuer]),
];

/** The columns the Responsible Supplier may fill in (MAM 7.4.2 "Yellow highlighted fields"; TMAD 4.32). */
export const RESPONSE_COLUMNS: readonly string[] = [
  'Priority',
  ...CERTIFICATE_COLUMN_PAIRS.flatMap((p) => [p.serial, p.issuer]),
];

export const columnsOf = (kind: DormantNoticeKind): readonly string[] =>
  kind === 'firmware' ? FIRMWARE_NOTICE_COLUMNS : SCHEDULE_COLUMNS;

export const RULES = {
  firmware: { header: 'MAM 7.3.1 Table 7.3.1', body: 'MAM 7.3.2 Table 7.3.2' },
  schedule: { header: 'MAM 7.4.1 Table 7.4.1', body: 'MAM 7.4.2 Table 7.4.2' },
} as const;

export interface NoticeHeader {
  /** Name of the Supplier (Party). */
  name: string;
  /** 6-character SEC Party Signifiers (written separated by commas). */
  partySignifiers: string[];
  /** Market Participant IDs from Meter Registration Data: 4 characters electricity, 3 gas. */
  marketParticipantIds: string[];
  /** 3-character SMSO code. */
  smso: string;
}

/** One body row: every column of the kind, '' for empty. */
export type NoticeRow = Record<string, string>;

export interface DormantTable {
  kind: DormantNoticeKind;
  header: NoticeHeader;
  rows: NoticeRow[];
}

/** A problem in a notice or response: the file always; the 1-based row and column where a cell is at fault. */
export interface DormantProblem extends Problem {
  file: string;
  line: number | null;
  column: number | null;
  field: string | null;
}

const HEADER_ROWS = NOTICE_HEADER_FIELDS.length;
/** Row (1-based) of the column names. */
export const COLUMN_ROW = HEADER_ROWS + 1;

/** A1-style reference of a 1-based row and column (for messages). */
export function cellRef(row: number, column: number): string {
  let s = '';
  let n = column;
  while (n > 0) {
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
    n = Math.floor((n - 1) / 26);
  }
  return `${s}${row}`;
}

// ---------------------------------------------------------------------------------------------------
// Dates: MAM 7.3.2 "DDMMYYYY format" (8), MAM 7.4.2 "DD/MM/YYYY" (10).

/** YYYY-MM-DD → DDMMYYYY (firmware notice) or DD/MM/YYYY (schedule). */
export function formatNoticeDate(kind: DormantNoticeKind, iso: string): string {
  const [y, m, d] = iso.split('-');
  return kind === 'firmware' ? `${d}${m}${y}` : `${d}/${m}/${y}`;
}

/** DDMMYYYY / DD/MM/YYYY → YYYY-MM-DD, or undefined if not that format or not a real date. */
export function parseNoticeDate(kind: DormantNoticeKind, s: string): string | undefined {
  const m = (kind === 'firmware' ? /^(\d{2})(\d{2})(\d{4})$/ : /^(\d{2})\/(\d{2})\/(\d{4})$/).exec(s);
  if (!m) return undefined;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return undefined;
  return `${m[3]}-${m[2]}-${m[1]}`;
}

const DATE_FORMAT = { firmware: 'DDMMYYYY', schedule: 'DD/MM/YYYY' } as const;
const DATE_COLUMNS = {
  firmware: { from: 'Not Before', to: 'Not After' },
  schedule: { from: 'Not before', to: 'Not after' },
} as const;
export const dateColumnsOf = (kind: DormantNoticeKind) => DATE_COLUMNS[kind];

// ---------------------------------------------------------------------------------------------------
// Writing

/** The table as rows of cells: the four header lines, the column names, the body rows. */
export function tableRows(t: DormantTable): string[][] {
  const h = t.header;
  const cols = columnsOf(t.kind);
  return [
    ['Name', h.name],
    ['SEC Party Signifier', h.partySignifiers.join(',')],
    ['Market Participant ID', h.marketParticipantIds.join(',')],
    ['SMSO', h.smso],
    [...cols],
    ...t.rows.map((r) => cols.map((c) => r[c] ?? '')),
  ];
}

/** Rows of cells as CSV (RFC 4180; CR LF line ends; trailing empty cells kept so every body row has every column). */
export function rowsToCsv(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  return rows.map((r) => r.map((v) => csvField(v)).join(',') + '\r\n').join('');
}

/** CSV text → rows of cells; problems name the line. */
export function csvToRows(text: string, file: string): { rows: string[][]; problems: DormantProblem[] } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const rows: string[][] = [];
  const problems: DormantProblem[] = [];
  lines.forEach((l, i) => {
    const line = l.endsWith('\r') ? l.slice(0, -1) : l;
    const r = tokenizeCsvLine(line);
    if (!r.ok) {
      problems.push({
        file,
        line: i + 1,
        column: null,
        field: null,
        rule: 'RFC 4180 (MAM 7.1)',
        message: `column ${r.column}: ${r.message}`,
      });
      rows.push([]);
    } else rows.push(r.fields.map((f) => f.value));
  });
  return { rows, problems };
}

// ---------------------------------------------------------------------------------------------------
// Reading

export interface ParseTableResult {
  table: DormantTable | undefined;
  problems: DormantProblem[];
}

/**
 * Read a notice or response table from rows of cells (a sheet or a CSV), checking the header lines,
 * the column names and every body cell. `table` is undefined when the layout itself is wrong (a header
 * line or a column missing or misnamed); cell problems are reported with the table.
 */
export function parseTable(
  kind: DormantNoticeKind,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  file: string,
): ParseTableResult {
  const reader = new TableReader(kind, file);
  const body: NoticeRow[] = [];
  rows.forEach((r, i) => {
    const row = reader.push(i, r);
    if (row) body.push(row);
  });
  reader.finish();
  return {
    table: reader.header ? { kind, header: reader.header, rows: body } : undefined,
    problems: reader.problems,
  };
}

/**
 * parseTable one row at a time, for a sheet streamed row by row (streamXlsxRows): `push` the rows in
 * increasing order (rows left out are empty), `finish` at the end. Holds the header and the problems
 * (at most `maxProblems`; `problemCount` counts them all), never the body rows.
 */
export class TableReader {
  readonly problems: DormantProblem[] = [];
  problemCount = 0;
  /** The header lines, once the column names row has been read and the layout is right. */
  header: NoticeHeader | undefined;
  /** Body rows read (empty lines not counted). */
  bodyRows = 0;
  private readonly rules: (typeof RULES)[DormantNoticeKind];
  private readonly cols: readonly string[];
  private readonly headRows: string[][] = [];
  private layoutDone = false;
  private layoutOk = false;

  constructor(
    readonly kind: DormantNoticeKind,
    readonly file: string,
    private readonly maxProblems = Infinity,
  ) {
    this.rules = RULES[kind];
    this.cols = columnsOf(kind);
  }

  bad(row: number | null, column: number | null, field: string | null, rule: string, message: string): void {
    this.problemCount++;
    if (this.problems.length >= this.maxProblems) return;
    this.problems.push({
      file: this.file,
      line: row,
      column,
      field,
      rule,
      message: row !== null && column !== null ? `${cellRef(row, column)}: ${message}` : message,
    });
  }

  /** Row `index` (0-based) of the sheet; returns its body row when it is one (checked; problems noted). */
  push(index: number, raw: ReadonlyArray<string>): NoticeRow | undefined {
    if (!this.layoutDone) {
      while (this.headRows.length < Math.min(index, COLUMN_ROW)) this.headRows.push([]);
      if (index < COLUMN_ROW) {
        this.headRows.push([...raw]);
        if (index === COLUMN_ROW - 1) this.layout();
        return undefined;
      }
      this.layout();
    }
    if (!this.layoutOk) return undefined;
    const r = index + 1;
    if (raw.every((v) => v === '')) return undefined; // an empty line (e.g. left by a spreadsheet) is no installation
    const cols = this.cols;
    const row: NoticeRow = {};
    for (let i = 0; i < cols.length; i++) row[cols[i]!] = (raw[i] ?? '').trim();
    for (let c = cols.length + 1; c <= raw.length; c++)
      if ((raw[c - 1] ?? '') !== '')
        this.bad(
          r,
          c,
          null,
          this.rules.body,
          `'${raw[c - 1]}': expected nothing after the last column '${cols[cols.length - 1]}'`,
        );
    checkRow(this.kind, row, r, (column, message, rule = this.rules.body) =>
      this.bad(r, cols.indexOf(column) + 1, column, rule, message),
    );
    this.bodyRows++;
    return row;
  }

  /** The end of the sheet: a sheet shorter than the header is checked as if the rest were empty. */
  finish(): void {
    if (!this.layoutDone) {
      while (this.headRows.length < COLUMN_ROW) this.headRows.push([]);
      this.layout();
    }
  }

  private layout(): void {
    this.layoutDone = true;
    const rows = this.headRows;
    const rules = this.rules;
    const bad = this.bad.bind(this);
    const cell = (r: number, c: number): string => rows[r - 1]?.[c - 1] ?? '';
    let labelsOk = true;

    // Header lines.
    const values: string[] = [];
    NOTICE_HEADER_FIELDS.forEach((label, i) => {
      const r = i + 1;
      if (cell(r, 1) !== label) {
        labelsOk = false;
        bad(
          r,
          1,
          label,
          rules.header,
          `'${cell(r, 1)}': expected the header line '${label}' (row ${r}, column A; its value in column B)`,
        );
      }
      values.push(cell(r, 2).trim());
      for (let c = 3; c <= (rows[r - 1]?.length ?? 0); c++)
        if (cell(r, c) !== '')
          bad(r, c, label, rules.header, `'${cell(r, c)}': expected nothing after the ${label} value`);
    });
    const [name, sigs, mpids, smso] = values as [string, string, string, string];
    if (name === '') bad(1, 2, 'Name', rules.header, 'empty: expected the name of the Supplier (Mandatory)');
    const partySignifiers = splitList(sigs);
    if (partySignifiers.length === 0)
      bad(
        2,
        2,
        'SEC Party Signifier',
        rules.header,
        'empty: expected 6-character SEC Party Signifiers separated by commas (Mandatory)',
      );
    for (const s of partySignifiers) {
      const p = parsePartySignifier(s);
      if (!p.ok)
        bad(
          2,
          2,
          'SEC Party Signifier',
          rules.header,
          `${p.error} (6-character SEC Party Signifiers separated by commas)`,
        );
    }
    const marketParticipantIds = splitList(mpids);
    if (marketParticipantIds.length === 0)
      bad(
        3,
        2,
        'Market Participant ID',
        rules.header,
        'empty: expected Market Participant IDs separated by commas (Mandatory)',
      );
    for (const m of marketParticipantIds)
      if (!/^[A-Z0-9]{3,4}$/.test(m))
        bad(
          3,
          2,
          'Market Participant ID',
          rules.header,
          `'${m}': expected a Market Participant ID of 3 (gas) or 4 (electricity) characters`,
        );
    const sm = parseSmsoCode(smso);
    if (!sm.ok) bad(4, 2, 'SMSO', rules.header, `${sm.error} (3-character SMSO code in upper case)`);

    // Column names.
    const cols = this.cols;
    let layoutOk = labelsOk;
    cols.forEach((name, i) => {
      if (cell(COLUMN_ROW, i + 1) !== name) {
        layoutOk = false;
        bad(
          COLUMN_ROW,
          i + 1,
          name,
          rules.body,
          `'${cell(COLUMN_ROW, i + 1)}': expected the column '${name}' (column ${i + 1} of ${cols.length})`,
        );
      }
    });
    for (let c = cols.length + 1; c <= (rows[COLUMN_ROW - 1]?.length ?? 0); c++)
      if (cell(COLUMN_ROW, c) !== '') {
        layoutOk = false;
        bad(
          COLUMN_ROW,
          c,
          null,
          rules.body,
          `'${cell(COLUMN_ROW, c)}': expected no column after '${cols[cols.length - 1]}'`,
        );
      }
    this.layoutOk = layoutOk;
    if (layoutOk) this.header = { name, partySignifiers, marketParticipantIds, smso };
  }
}

function splitList(s: string): string[] {
  return s === '' ? [] : s.split(',').map((x) => x.trim());
}

type Report = (column: string, message: string, rule?: string) => void;

function checkRow(kind: DormantNoticeKind, row: NoticeRow, _r: number, bad: Report): void {
  const mpan = row['MPAN']!;
  const mprn = row['MPRN']!;
  if (mpan !== '') {
    const p = parseMpan(mpan);
    if (!p.ok) bad('MPAN', `${p.error} (ESME Meter Point)`);
  }
  if (mprn !== '') {
    const p = parseMprn(mprn);
    if (!p.ok) bad('MPRN', `${p.error} (GSME Meter Point)`);
    else if (mprn.startsWith('0')) bad('MPRN', `'${mprn}': MPRN values must have any leading zeros trimmed`);
  }
  if (mpan === '' && mprn === '')
    bad('MPAN', "empty, and so is MPRN: expected the installation's MPAN and/or MPRN (TMAD 4.31(b))");
  const { from, to } = DATE_COLUMNS[kind];
  const fmt = DATE_FORMAT[kind];
  const start = row[from]!;
  const end = row[to]!;
  const s = parseNoticeDate(kind, start);
  if (start === '')
    bad(
      from,
      `empty: expected the date from which the activities are scheduled, ${fmt} (Mandatory; TMAD 4.31(a))`,
    );
  else if (!s) bad(from, `'${start}': expected a date in ${fmt} format`);
  const e = end === '' ? undefined : parseNoticeDate(kind, end);
  if (end === '') {
    if (kind === 'schedule') bad(to, `empty: expected a date in ${fmt} format (Mandatory)`);
  } else if (!e) bad(to, `'${end}': expected a date in ${fmt} format`);
  else if (s && e < s) bad(to, `'${end}' is before ${from} '${start}': expected a date on or after it`);

  if (kind === 'firmware') return;
  for (const c of SCHEDULE_COLUMNS.filter((x) => x.endsWith('Device ID'))) {
    const v = row[c]!;
    if (v === '') {
      if (c === 'CHF Device ID')
        bad(c, 'empty: expected the CHF Device ID in EUI-64 format (Mandatory; TMAD 4.31(c))');
      continue;
    }
    const id = parseEui64(v);
    if (!id.ok || id.value !== v)
      bad(
        c,
        id.ok
          ? `'${v}': expected the canonical form ${id.value}`
          : `${id.error}: expected a Device ID in EUI-64 format (eight upper-case hex octets joined by hyphens)`,
      );
  }
  if (row['Priority'] !== '' && row['Priority'] !== 'Y')
    bad('Priority', `'${row['Priority']}': expected Y or empty (TMAD 4.32)`);
  for (const p of CERTIFICATE_COLUMN_PAIRS) {
    const serial = row[p.serial]!;
    const issuer = row[p.issuer]!;
    if (serial !== '') {
      const sn = parseSerialNumber(serial);
      if (!sn.ok) bad(p.serial, `${sn.error} (X509SerialNumber as set out in TMAD 10.1)`);
      if (issuer === '')
        bad(p.issuer, `empty: expected the X509IssuerName (Mandatory if Serial Number is specified)`);
    } else if (issuer !== '')
      bad(p.serial, `empty while '${p.issuer}' is given: expected the X509SerialNumber of that certificate`);
  }
}

// ---------------------------------------------------------------------------------------------------
// TMAD 4.32A

/** The Supplier Certificate ID columns the installation's meters require (MAM 7.4.2 "Mandatory if MPAN/MPRN is specified"). */
export function requiredSupplierCertificates(row: NoticeRow): CertificateColumnPair[] {
  return CERTIFICATE_COLUMN_PAIRS.filter(
    (p) =>
      (p.requiredWith === 'MPAN' && row['MPAN'] !== '') || (p.requiredWith === 'MPRN' && row['MPRN'] !== ''),
  );
}

/**
 * TMAD 4.32A: for GroupID EA/EB/EC a dormant-only installation may proceed only when every required
 * Supplier Certificate ID has been received and none is the Null Certificate ID. Returns what is
 * missing or Null (empty = may proceed).
 */
export function supplierCertificateGaps(row: NoticeRow): string[] {
  const gaps: string[] = [];
  for (const p of requiredSupplierCertificates(row)) {
    const serial = row[p.serial] ?? '';
    const issuer = row[p.issuer] ?? '';
    const label = p.serial.replace(/ – Serial Number$/, '');
    if (serial === '' || issuer === '') gaps.push(`${label}: not received`);
    else if (isNullCertificateId({ serialNumber: serial, issuerName: issuer }))
      gaps.push(`${label}: the Null Certificate ID`);
  }
  return gaps;
}

// ---------------------------------------------------------------------------------------------------
// File names (MAM 7.3.4, 7.4.4 name the templates only: docs/SPEC-DECISIONS.md)

export const FILE_STEM = {
  firmware: 'SMETS1_Dormant_Meter_Firmware_Upgrade_Schedule_Notification',
  schedule: 'SMETS1_Dormant_Meter_Migration_Schedule_Notification',
} as const;

/**
 * `<stem>_<Party Signifier>_<SMSO>_<Migration Week YYYYMMDD>[_Renotification<NN>][_Response].<ext>`: a
 * re-notification after a change of Responsible Supplier (TMAD 4.29, 4.30) carries its sequence number
 * for that supplier, kind and week, so it never takes the name of a notice sent before.
 */
export function noticeFileName(
  kind: DormantNoticeKind,
  partySignifier: string,
  smso: string,
  week: string,
  ext: 'xlsx' | 'csv',
  response = false,
  renotification?: number,
): string {
  const re = renotification === undefined ? '' : `_Renotification${String(renotification).padStart(2, '0')}`;
  return `${FILE_STEM[kind]}_${partySignifier}_${smso}_${week.replaceAll('-', '')}${re}${response ? '_Response' : ''}.${ext}`;
}

/** The response's name for a schedule of our naming (`…[_RenotificationNN].xlsx` → `…_Response.xlsx`), else undefined. */
export function responseFileNameFor(scheduleFileName: string): string | undefined {
  const m = new RegExp(
    `^(${FILE_STEM.schedule}_[A-Z0-9]{1,8}_[A-Z0-9]{3}_\\d{8}(?:_Renotification\\d{2,})?)\\.(?:xlsx|csv)$`,
  ).exec(scheduleFileName);
  return m ? `${m[1]}_Response.xlsx` : undefined;
}
