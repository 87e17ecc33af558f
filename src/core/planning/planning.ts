// The MCC's planning rules over what it has recorded (pure: records in, decisions out).
// TMAD 4.5, 4.6 (forecasts), 4.8–4.11 (demand, commitments, scaling), 4.14, 4.15 (actuals).
import { addDays, daysBetween } from '../calendar/dates.js';
import { londonTime } from '../calendar/london.js';
import { allocateMsm, largestRemainder, DEFAULT_DMIN } from './msm.js';
import type { ActualRow, CapacityRow, PlanningRow } from './files.js';
import type { PlanningRecord } from './repository.js';

// --- Daily Migration Demand (TMAD 4.8(a), 4.9) --------------------------------------------------

export type DemandSource =
  | { status: 'on-time'; recordId: number; fileName: string; receivedAt: Date }
  | { status: 'reused'; fromWeek: string; recordId: number; fileName: string } // TMAD 4.9
  | { status: 'none' }; // Guide 4.5.2 / MSM 30: no demand ever notified -> zero

export interface EffectiveDemand {
  supplierId: string;
  source: DemandSource;
  /** Late uploads for this week: recorded and ignored (Guide 4.5.2). */
  lateIgnored: { recordId: number; fileName: string; receivedAt: Date }[];
  /** Rows dated in this Migration Week (a reused demand is moved to the same weekdays). */
  rows: PlanningRow[];
}

/**
 * The demand the DCC uses for `week` for one supplier: the latest on-time accepted upload for that
 * week (TMAD 4.8(a)); else the most recent previously notified one, moved to the same weekdays
 * (TMAD 4.9); else none, i.e. zero (Guide 4.5.2, MSM 30). `records` are that supplier's demand
 * records in any order.
 */
export function effectiveDemand(
  supplierId: string,
  week: string,
  records: readonly PlanningRecord[],
): EffectiveDemand {
  const mine = records
    .filter((r) => r.kind === 'demand' && r.supplierId === supplierId && r.outcome === 'accepted')
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
  const thisWeek = mine.filter((r) => r.period === week);
  const lateIgnored = thisWeek
    .filter((r) => !r.onTime)
    .map((r) => ({ recordId: r.id, fileName: r.fileName, receivedAt: r.at }));
  const onTime = thisWeek.filter((r) => r.onTime);
  const latest = onTime[onTime.length - 1];
  if (latest)
    return {
      supplierId,
      source: { status: 'on-time', recordId: latest.id, fileName: latest.fileName, receivedAt: latest.at },
      lateIgnored,
      rows: latest.rows,
    };
  // TMAD 4.9: the most recent earlier Migration Week with an on-time demand, its latest upload.
  const earlier = mine.filter((r) => r.onTime && r.period < week);
  earlier.sort((a, b) => a.period.localeCompare(b.period) || a.at.getTime() - b.at.getTime() || a.id - b.id);
  const prev = earlier[earlier.length - 1];
  if (prev) {
    const shift = daysBetween(prev.period, week);
    return {
      supplierId,
      source: { status: 'reused', fromWeek: prev.period, recordId: prev.id, fileName: prev.fileName },
      lateIgnored,
      rows: prev.rows.map((r) => ({ ...r, date: addDays(r.date, shift) })),
    };
  }
  return { supplierId, source: { status: 'none' }, lateIgnored, rows: [] };
}

// --- Migration Demand Commitments (TMAD 4.8(b), 4.10, 4.11) -------------------------------------

export interface DayPool {
  date: string;
  smso: string;
  capacity: number | null; // null: not constrained (no capacity given)
  dormant: number;
  dormantAllocated: number;
  scaled: boolean;
  minimumApplied: number | null;
  demand: number;
  committed: number;
}

export interface SupplierCommitment {
  supplierId: string;
  rows: PlanningRow[];
  /** True when any day was scaled below demand (TMAD 4.11). */
  scaled: boolean;
}

export interface CommitmentPlan {
  pools: DayPool[];
  commitments: SupplierCommitment[];
}

/**
 * Commitments for every supplier: per day and SMSO, scale by the MSM where capacity is given
 * (TMAD 4.11), else commitment = demand (4.8(b)); each supplier's daily commitment is split back
 * over its Electricity Distributors in proportion to its demand (largest remainder, ties by
 * distributor ID), so no distributor's commitment exceeds its demand.
 */
export function planCommitments(
  demands: readonly EffectiveDemand[],
  capacity: readonly CapacityRow[],
  opts: { dmin?: number } = {},
): CommitmentPlan {
  const cap = new Map(capacity.map((c) => [`${c.date},${c.smso}`, c]));
  // (date, smso) -> supplier -> rows
  const pools = new Map<string, Map<string, PlanningRow[]>>();
  for (const d of demands)
    for (const r of d.rows) {
      const k = `${r.date},${r.smso}`;
      let p = pools.get(k);
      if (!p) pools.set(k, (p = new Map<string, PlanningRow[]>()));
      let rs = p.get(d.supplierId);
      if (!rs) p.set(d.supplierId, (rs = []));
      rs.push(r);
    }
  const out = new Map<string, SupplierCommitment>(
    [...demands]
      .sort((a, b) => a.supplierId.localeCompare(b.supplierId))
      .map((d) => [d.supplierId, { supplierId: d.supplierId, rows: [], scaled: false }]),
  );
  const dayPools: DayPool[] = [];
  for (const k of [...pools.keys()].sort()) {
    const [date, smso] = k.split(',') as [string, string];
    const bySupplier = pools.get(k)!;
    const c = cap.get(k);
    const demandsHere = [...bySupplier].map(([supplierId, rows]) => ({
      supplierId,
      demand: rows.reduce((s, r) => s + r.quantity, 0),
    }));
    const total = demandsHere.reduce((s, d) => s + d.demand, 0);
    const res = c
      ? allocateMsm({
          capacity: c.capacity,
          dormant: c.dormant,
          dmin: opts.dmin ?? DEFAULT_DMIN,
          demands: demandsHere,
        })
      : undefined;
    const committedOf = new Map(
      res
        ? res.allocations.map((a) => [a.supplierId, a.commitment])
        : demandsHere.map((d) => [d.supplierId, d.demand]),
    );
    let committedTotal = 0;
    for (const [supplierId, rows] of bySupplier) {
      const committed = committedOf.get(supplierId)!;
      committedTotal += committed;
      const sorted = [...rows].sort((a, b) => a.distributor.localeCompare(b.distributor));
      const demandTotal = sorted.reduce((s, r) => s + r.quantity, 0);
      const split =
        committed === demandTotal
          ? sorted.map((r) => r.quantity)
          : largestRemainder(
              committed,
              sorted.map((r) => r.quantity),
            );
      const sc = out.get(supplierId)!;
      if (committed < demandTotal) sc.scaled = true;
      sorted.forEach((r, i) => sc.rows.push({ ...r, quantity: split[i]! }));
    }
    dayPools.push({
      date,
      smso,
      capacity: c ? c.capacity : null,
      dormant: c ? c.dormant : 0,
      dormantAllocated: res ? res.dormantAllocated : 0,
      scaled: res ? res.scaled : false,
      minimumApplied: res && res.scaled ? res.minimumApplied : null,
      demand: total,
      committed: committedTotal,
    });
  }
  for (const sc of out.values())
    sc.rows.sort(
      (a, b) =>
        a.date.localeCompare(b.date) ||
        a.smso.localeCompare(b.smso) ||
        a.distributor.localeCompare(b.distributor),
    );
  return { pools: dayPools, commitments: [...out.values()] };
}

/** TMAD 4.10: a supplier whose commitment was not confirmed by the deadline: commitment = demand. */
export function deemedCommitment(d: EffectiveDemand): SupplierCommitment {
  return { supplierId: d.supplierId, rows: d.rows.map((r) => ({ ...r })), scaled: false };
}

// --- Aggregate reports (TMAD 4.8(c), 4.6) -------------------------------------------------------

export interface AggregateRow {
  date: string;
  smso: string;
  distributor: string;
  quantity: number;
}

export const COMMITMENT_REPORT_HEADER = [
  'MigrationWeek',
  'Date',
  'SMSO',
  'ElectricityDistributor',
  'MigrationDemandCommitment',
] as const;
export const FORECAST_REPORT_HEADER = [
  'ForecastMonth',
  'Date',
  'SMSO',
  'IndicativeMigrationForecast',
  'Suppliers',
] as const;

/** TMAD 4.8(c): the sum of all commitments by day, SMSO and Electricity Distributor. */
export function aggregateCommitments(commitments: readonly SupplierCommitment[]): AggregateRow[] {
  const sums = new Map<string, number>();
  for (const c of commitments)
    for (const r of c.rows) {
      const k = `${r.date},${r.smso},${r.distributor}`;
      sums.set(k, (sums.get(k) ?? 0) + r.quantity);
    }
  return [...sums.keys()].sort().map((k) => {
    const [date, smso, distributor] = k.split(',') as [string, string, string];
    return { date, smso, distributor, quantity: sums.get(k)! };
  });
}

export function writeCommitmentReport(week: string, rows: readonly AggregateRow[]): string {
  return (
    [
      COMMITMENT_REPORT_HEADER.join(','),
      ...rows.map((r) => [week, r.date, r.smso, r.distributor, r.quantity].join(',')),
    ].join('\r\n') + '\r\n'
  );
}

// --- Indicative Migration Forecasts (TMAD 4.5, 4.6) ---------------------------------------------

/** TMAD 4.5: by the end of the 20th day of the month (a calendar day, Europe/London). */
export function forecastDeadline(month: string): Date {
  return new Date(londonTime(`${month}-21`, '00:00').getTime() - 1);
}

/** TMAD 4.6: the DCC's summary report by the end of the month (Europe/London). */
export function forecastReportDeadline(month: string): Date {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return new Date(londonTime(`${next}-01`, '00:00').getTime() - 1);
}

export type ForecastStatus = 'on-time' | 'late' | 'missing';

export interface ForecastReport {
  month: string;
  suppliers: {
    supplierId: string;
    status: ForecastStatus;
    recordId: number | null;
    receivedAt: Date | null;
  }[];
  /** Per day per SMSO (TMAD 4.6), summed over the suppliers' latest forecasts. */
  rows: { date: string; smso: string; quantity: number; suppliers: number }[];
}

/**
 * TMAD 4.6: the aggregate of every supplier's latest forecast for `month`. A forecast after the 20th
 * is flagged late but still counted (the report informs planning; docs/SPEC-DECISIONS.md); a known
 * supplier with none is flagged missing.
 */
export function forecastReport(
  month: string,
  suppliers: readonly string[],
  records: readonly PlanningRecord[],
): ForecastReport {
  const out: ForecastReport = { month, suppliers: [], rows: [] };
  const sums = new Map<string, { quantity: number; suppliers: Set<string> }>();
  for (const supplierId of [...suppliers].sort()) {
    const mine = records
      .filter(
        (r) =>
          r.kind === 'forecast' &&
          r.period === month &&
          r.supplierId === supplierId &&
          r.outcome === 'accepted',
      )
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
    const onTime = mine.filter((r) => r.onTime);
    const use = onTime[onTime.length - 1] ?? mine[mine.length - 1];
    if (!use) {
      out.suppliers.push({ supplierId, status: 'missing', recordId: null, receivedAt: null });
      continue;
    }
    out.suppliers.push({
      supplierId,
      status: use.onTime ? 'on-time' : 'late',
      recordId: use.id,
      receivedAt: use.at,
    });
    for (const r of use.rows) {
      const k = `${r.date},${r.smso}`;
      let s = sums.get(k);
      if (!s) sums.set(k, (s = { quantity: 0, suppliers: new Set<string>() }));
      s.quantity += r.quantity;
      s.suppliers.add(supplierId);
    }
  }
  out.rows = [...sums.keys()].sort().map((k) => {
    const [date, smso] = k.split(',') as [string, string];
    const s = sums.get(k)!;
    return { date, smso, quantity: s.quantity, suppliers: s.suppliers.size };
  });
  return out;
}

export function writeForecastReport(r: ForecastReport): string {
  return (
    [
      FORECAST_REPORT_HEADER.join(','),
      ...r.rows.map((x) => [r.month, x.date, x.smso, x.quantity, x.suppliers].join(',')),
    ].join('\r\n') + '\r\n'
  );
}

// --- Actuals against commitments (TMAD 4.14, 4.15) ----------------------------------------------

/** "Materially less" (TMAD 4.14) as a fraction of what could be migrated (configurable). */
export const DEFAULT_MATERIAL_SHORTFALL = 0.1;

export interface ActualCheck {
  supplierId: string;
  date: string;
  smso: string;
  committed: number;
  authorised: number;
  migrated: number;
  /** min(committed, authorised): TMAD 4.14 is "subject to having received the necessary MA". */
  expected: number;
  /** TMAD 4.14: notify the supplier (migrated materially less than expected). */
  notify: boolean;
  /** TMAD 4.15: migrated beyond the commitment, all covered by MAs. */
  excessAllowed: number;
  /** Migrated beyond the MAs received: never allowed (TMAD 4.15 "where a MA has been submitted"). */
  unauthorised: number;
  message: string;
}

/**
 * Compare actual migrations with commitments (summed over distributors) per supplier, day and SMSO.
 * `threshold` is the fraction of `expected` a shortfall must exceed to be material.
 */
export function checkActuals(
  commitments: readonly SupplierCommitment[],
  actuals: readonly ActualRow[],
  threshold = DEFAULT_MATERIAL_SHORTFALL,
): ActualCheck[] {
  const committed = new Map<string, number>();
  for (const c of commitments)
    for (const r of c.rows) {
      const k = `${c.supplierId},${r.date},${r.smso}`;
      committed.set(k, (committed.get(k) ?? 0) + r.quantity);
    }
  const actual = new Map(actuals.map((a) => [`${a.supplierId},${a.date},${a.smso}`, a]));
  const keys = [...new Set([...committed.keys(), ...actual.keys()])].sort();
  return keys.map((k) => {
    const [supplierId, date, smso] = k.split(',') as [string, string, string];
    const c = committed.get(k) ?? 0;
    const a = actual.get(k);
    const authorised = a?.authorised ?? 0;
    const migrated = a?.migrated ?? 0;
    const expected = Math.min(c, authorised);
    const shortfall = expected - migrated;
    const notify = shortfall > 0 && shortfall > threshold * expected;
    const unauthorised = Math.max(0, migrated - authorised);
    const excessAllowed = Math.max(0, Math.min(migrated, authorised) - c);
    const parts: string[] = [];
    if (notify)
      parts.push(
        `TMAD 4.14: migrated ${migrated} of ${expected} expected (committed ${c}, ${authorised} authorised): ${shortfall} short, more than ${Math.round(threshold * 100)}%: notify the supplier`,
      );
    else if (authorised < c)
      parts.push(`TMAD 4.14: ${authorised} authorised of ${c} committed (subject to MAs)`);
    if (excessAllowed > 0) parts.push(`TMAD 4.15: ${excessAllowed} beyond the commitment, covered by MAs`);
    if (unauthorised > 0) parts.push(`TMAD 4.15: ${unauthorised} migrated without a Migration Authorisation`);
    return {
      supplierId,
      date,
      smso,
      committed: c,
      authorised,
      migrated,
      expected,
      notify,
      excessAllowed,
      unauthorised,
      message: parts.join('; ') || 'as committed',
    };
  });
}
