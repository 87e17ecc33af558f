// The planning files the Responsible Suppliers and the DCC exchange before the Migration
// Authorisations (docs/PLANNING.md): the Indicative Migration Forecast (TMAD 4.5), the Daily
// Migration Demand (TMAD 4.8(a)) and the Migration Demand Commitment (TMAD 4.8(b); Guide 4.5.3: "the
// format of the file is identical to that of the Daily Migration Demand"), plus the DCC's own inputs:
// capacity per day and SMSO (TMAD 4.11) and actual migrations (TMAD 4.14). Plain CSV, one header
// line, no quoting, UTF-8 (a BOM is ignored), LF or CRLF line ends.
import { type Problem } from '../problem.js';
import { addDays, isIsoDate, weekday, daysInMonth } from '../calendar/dates.js';
import { parseEui64, parseSmsoCode, DISTRIBUTOR_IDS } from '../ids/index.js';

export type PlanningKind = 'forecast' | 'demand' | 'commitment';

/** The clause each kind of file serves. */
export const PLANNING_CLAUSE: Readonly<Record<PlanningKind, string>> = {
  forecast: 'TMAD 4.5',
  demand: 'TMAD 4.8(a)',
  commitment: 'TMAD 4.8(b)',
};

/** The header line of each kind (docs/PLANNING.md). */
export const PLANNING_HEADER: Readonly<Record<PlanningKind, readonly string[]>> = {
  forecast: [
    'ForecastMonth',
    'SupplierId',
    'SMSO',
    'ElectricityDistributor',
    'Date',
    'IndicativeMigrationForecast',
  ],
  demand: ['MigrationWeek', 'SupplierId', 'SMSO', 'ElectricityDistributor', 'Date', 'DailyMigrationDemand'],
  commitment: [
    'MigrationWeek',
    'SupplierId',
    'SMSO',
    'ElectricityDistributor',
    'Date',
    'MigrationDemandCommitment',
  ],
};

/** The largest number of installations one row may carry (far above any day's capacity). */
export const MAX_QUANTITY = 10_000_000;
/** Months after the ForecastMonth that a forecast may cover (TMAD 4.5: "within the next six months"). */
export const FORECAST_HORIZON_MONTHS = 6;

export interface PlanningRow {
  smso: string;
  /** Distributor ID: the first two digits of the MPAN cores it serves (14 GSP Groups: 10–23). */
  distributor: string;
  date: string;
  quantity: number;
}

export interface PlanningFile {
  kind: PlanningKind;
  /** The Monday of the Migration Week (demand, commitment) or YYYY-MM (forecast). */
  period: string;
  supplierId: string;
  /** Ordered by date, SMSO, distributor. */
  rows: PlanningRow[];
}

/** A problem of a planning file: always the line, column and field (null for the whole file). */
export interface PlanningProblem extends Problem {
  file: string;
  line: number | null;
  column: number | null;
  field: string | null;
}

export type PlanningParse =
  { ok: true; file: PlanningFile; problems: [] } | { ok: false; problems: PlanningProblem[] };

/** Split a text into lines: BOM dropped, CRLF or LF; a final empty line is not a line. */
export function csvLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Whole number 0..MAX_QUANTITY written in plain digits. */
export function parseQuantity(s: string): number | undefined {
  if (!/^\d{1,8}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= MAX_QUANTITY ? n : undefined;
}

/** The dates a file of this period may carry: the 7 days of a Migration Week, or the forecast horizon. */
export function periodDates(kind: PlanningKind, period: string): { first: string; last: string } {
  if (kind !== 'forecast') return { first: period, last: addDays(period, 6) };
  const [y, m] = period.split('-').map(Number) as [number, number];
  const end = m + FORECAST_HORIZON_MONTHS;
  const ey = y + Math.floor((end - 1) / 12);
  const em = ((end - 1) % 12) + 1;
  return { first: `${period}-01`, last: `${ey}-${String(em).padStart(2, '0')}-${daysInMonth(ey, em)}` };
}

/**
 * Read a forecast, demand or commitment file. Every problem is reported (file, line, column, field,
 * rule, what was expected); a file with any problem is rejected whole (docs/PLANNING.md).
 */
export function parsePlanningFile(
  kind: PlanningKind,
  text: string,
  fileName: string,
  opts: { smsoCodes?: Readonly<Record<string, string>> } = {},
): PlanningParse {
  const rule = `${PLANNING_CLAUSE[kind]}; docs/PLANNING.md`;
  const problems: PlanningProblem[] = [];
  const problem = (
    line: number | null,
    column: number | null,
    field: string | null,
    message: string,
  ): void => {
    problems.push({ file: fileName, line, column, field, rule, message });
  };
  const header = PLANNING_HEADER[kind];
  const lines = csvLines(text);
  if (lines.length === 0) {
    problem(null, null, null, `empty file: expected the header line ${header.join(',')}`);
    return { ok: false, problems };
  }
  if (lines[0] !== header.join(',')) {
    problem(1, null, null, `header '${lines[0]!.slice(0, 200)}': expected exactly ${header.join(',')}`);
    return { ok: false, problems };
  }
  if (lines.length === 1)
    problem(null, null, null, 'no data rows: expected at least one (zero quantities are rows too)');
  let period: string | undefined;
  let supplierId: string | undefined;
  const rows: PlanningRow[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i]!;
    if (line.includes('"')) {
      problem(
        n,
        line.indexOf('"') + 1,
        null,
        'a quote: planning files are not quoted (no value contains a comma)',
      );
      continue;
    }
    const cells = line.split(',');
    if (cells.length !== header.length) {
      problem(n, null, null, `${cells.length} values: expected ${header.length} (${header.join(',')})`);
      continue;
    }
    const [p, sup, smso, dist, date, qty] = cells as [string, string, string, string, string, string];
    let bad = false;
    const at = (col: number, message: string): void => {
      bad = true;
      problem(n, col, header[col - 1]!, message);
    };
    // Column 1: the period, the same on every row.
    if (kind === 'forecast' ? !/^\d{4}-(0[1-9]|1[0-2])$/.test(p) : !(isIsoDate(p) && weekday(p) === 1))
      at(
        1,
        `'${p}': expected ${kind === 'forecast' ? 'a month YYYY-MM' : 'the Monday of a Migration Week (YYYY-MM-DD)'}`,
      );
    else if (period === undefined) period = p;
    else if (p !== period) at(1, `'${p}': every row must name the same ${header[0]} as line 2 (${period})`);
    // Column 2: the Responsible Supplier's DCC User ID, the same on every row.
    const s = parseEui64(sup);
    if (!s.ok) at(2, s.error);
    else if (supplierId === undefined) supplierId = s.value;
    else if (s.value !== supplierId)
      at(2, `'${sup}': every row must name the same SupplierId as line 2 (${supplierId})`);
    const sm = parseSmsoCode(smso, opts.smsoCodes);
    if (!sm.ok) at(3, sm.error);
    if (!/^\d{2}$/.test(dist) || !(dist in DISTRIBUTOR_IDS))
      at(4, `'${dist}': expected an Electricity Distributor ID (${Object.keys(DISTRIBUTOR_IDS).join(', ')})`);
    if (!isIsoDate(date)) at(5, `'${date}': expected a date YYYY-MM-DD`);
    else if (period !== undefined && p === period) {
      const { first, last } = periodDates(kind, period);
      if (date < first || date > last)
        at(
          5,
          `'${date}': expected a date from ${first} to ${last} (${kind === 'forecast' ? `the forecast month and the ${FORECAST_HORIZON_MONTHS} after it` : 'the Migration Week'})`,
        );
    }
    const q = parseQuantity(qty);
    if (q === undefined)
      at(6, `'${qty}': expected a whole number of installations from 0 to ${MAX_QUANTITY}`);
    if (bad) continue;
    const key = `${smso},${dist},${date}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problem(
        n,
        null,
        null,
        `SMSO ${smso}, distributor ${dist}, date ${date} already given on line ${first}: one row per day, SMSO and distributor`,
      );
      continue;
    }
    seen.set(key, n);
    rows.push({ smso, distributor: dist, date, quantity: q! });
  }
  if (problems.length > 0 || period === undefined || supplierId === undefined) return { ok: false, problems };
  rows.sort(rowOrder);
  return { ok: true, file: { kind, period, supplierId, rows }, problems: [] };
}

export function rowOrder(a: PlanningRow, b: PlanningRow): number {
  return (
    a.date.localeCompare(b.date) || a.smso.localeCompare(b.smso) || a.distributor.localeCompare(b.distributor)
  );
}

/** Write a planning file (rows in the canonical order); the inverse of parsePlanningFile. */
export function writePlanningFile(file: PlanningFile): string {
  const out = [PLANNING_HEADER[file.kind].join(',')];
  for (const r of [...file.rows].sort(rowOrder))
    out.push([file.period, file.supplierId, r.smso, r.distributor, r.date, String(r.quantity)].join(','));
  return out.join('\r\n') + '\r\n';
}

/** A file name for a planning file: <KIND>_<SupplierId plain hex>_<period>.csv. */
export function planningFileName(file: Pick<PlanningFile, 'kind' | 'period' | 'supplierId'>): string {
  const tag = { forecast: 'IMF', demand: 'DMD', commitment: 'MDC' }[file.kind];
  return `${tag}_${file.supplierId.replace(/-/g, '')}_${file.period}.csv`;
}

// --- The DCC's inputs ---------------------------------------------------------------------------

export interface CapacityRow {
  date: string;
  smso: string;
  capacity: number;
  dormant: number;
}

export const CAPACITY_HEADER = ['Date', 'SMSO', 'Capacity', 'Dormant'] as const;

/** The DCC's capacity per day and SMSO and the Dormant installations scheduled (TMAD 4.11, 4.24). */
export function parseCapacityFile(
  text: string,
  fileName: string,
  opts: { smsoCodes?: Readonly<Record<string, string>> } = {},
): { ok: true; rows: CapacityRow[] } | { ok: false; problems: PlanningProblem[] } {
  return parseTable(text, fileName, 'TMAD 4.11; docs/PLANNING.md', CAPACITY_HEADER, (c, at) => {
    const [date, smso, cap, dormant] = c as [string, string, string, string];
    if (!isIsoDate(date)) at(1, `'${date}': expected a date YYYY-MM-DD`);
    const s = parseSmsoCode(smso, opts.smsoCodes);
    if (!s.ok) at(2, s.error);
    const capacity = parseQuantity(cap);
    if (capacity === undefined) at(3, `'${cap}': expected a whole number of installations`);
    const d = dormant === '' ? 0 : parseQuantity(dormant);
    if (d === undefined)
      at(4, `'${dormant}': expected a whole number of Dormant installations (or empty for 0)`);
    return { key: `${date},${smso}`, row: { date, smso, capacity: capacity!, dormant: d! } };
  });
}

export interface ActualRow {
  supplierId: string;
  date: string;
  smso: string;
  /** Installations with a Migration Authorisation for that day (TMAD 4.14 "subject to having received"). */
  authorised: number;
  migrated: number;
}

export const ACTUALS_HEADER = ['SupplierId', 'Date', 'SMSO', 'Authorised', 'Migrated'] as const;

/** Actual migrations per supplier, day and SMSO (TMAD 4.14, 4.15). */
export function parseActualsFile(
  text: string,
  fileName: string,
  opts: { smsoCodes?: Readonly<Record<string, string>> } = {},
): { ok: true; rows: ActualRow[] } | { ok: false; problems: PlanningProblem[] } {
  return parseTable(text, fileName, 'TMAD 4.14; docs/PLANNING.md', ACTUALS_HEADER, (c, at) => {
    const [sup, date, smso, auth, mig] = c as [string, string, string, string, string];
    const s = parseEui64(sup);
    if (!s.ok) at(1, s.error);
    if (!isIsoDate(date)) at(2, `'${date}': expected a date YYYY-MM-DD`);
    const sm = parseSmsoCode(smso, opts.smsoCodes);
    if (!sm.ok) at(3, sm.error);
    const authorised = parseQuantity(auth);
    if (authorised === undefined) at(4, `'${auth}': expected a whole number of installations`);
    const migrated = parseQuantity(mig);
    if (migrated === undefined) at(5, `'${mig}': expected a whole number of installations`);
    return {
      key: `${s.ok ? s.value : sup},${date},${smso}`,
      row: { supplierId: s.ok ? s.value : sup, date, smso, authorised: authorised!, migrated: migrated! },
    };
  });
}

function parseTable<R>(
  text: string,
  fileName: string,
  rule: string,
  header: readonly string[],
  row: (cells: string[], at: (col: number, message: string) => void) => { key: string; row: R },
): { ok: true; rows: R[] } | { ok: false; problems: PlanningProblem[] } {
  const problems: PlanningProblem[] = [];
  const lines = csvLines(text);
  if (lines[0] !== header.join(',')) {
    problems.push({
      file: fileName,
      line: 1,
      column: null,
      field: null,
      rule,
      message: `header '${(lines[0] ?? '').slice(0, 200)}': expected exactly ${header.join(',')}`,
    });
    return { ok: false, problems };
  }
  const rows: R[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const cells = lines[i]!.split(',');
    if (cells.length !== header.length) {
      problems.push({
        file: fileName,
        line: n,
        column: null,
        field: null,
        rule,
        message: `${cells.length} values: expected ${header.length} (${header.join(',')})`,
      });
      continue;
    }
    let bad = false;
    const r = row(cells, (col, message) => {
      bad = true;
      problems.push({ file: fileName, line: n, column: col, field: header[col - 1]!, rule, message });
    });
    if (bad) continue;
    const first = seen.get(r.key);
    if (first !== undefined) {
      problems.push({
        file: fileName,
        line: n,
        column: null,
        field: null,
        rule,
        message: `the same ${r.key} as line ${first}: one row each`,
      });
      continue;
    }
    seen.set(r.key, n);
    rows.push(r.row);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rows };
}
