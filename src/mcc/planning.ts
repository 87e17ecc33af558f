// The DCC's Migration Control Centre: the planning cycle of a Migration Week (TMAD 4.5–4.15; Guide
// 4.5). Receives Indicative Migration Forecasts (4.5) and Daily Migration Demands (4.8(a)), issues
// Migration Demand Commitments scaled by the MSM (4.8(b), 4.11) with the aggregate report (4.8(c)),
// deems commitments it did not issue in time (4.10), reports forecasts (4.6), and checks actual
// migrations against commitments (4.14, 4.15). Every record goes through the store, append-only.
import { createHash } from 'node:crypto';
import {
  addDays,
  formatLondonIso,
  isMonday,
  migrationCycle,
  type MigrationCycle,
} from '../core/calendar/index.js';
import { parseEui64 } from '../core/ids/index.js';
import {
  csvLines,
  parsePlanningFile,
  planningFileName,
  writePlanningFile,
  type ActualRow,
  type CapacityRow,
  type PlanningKind,
  type PlanningProblem,
  type PlanningRow,
} from '../core/planning/files.js';
import {
  aggregateCommitments,
  checkActuals,
  deemedCommitment,
  effectiveDemand,
  forecastDeadline,
  forecastReport,
  forecastReportDeadline,
  planCommitments,
  writeCommitmentReport,
  writeForecastReport,
  type ActualCheck,
  type AggregateRow,
  type CommitmentPlan,
  type EffectiveDemand,
  type ForecastReport,
  type SupplierCommitment,
} from '../core/planning/planning.js';
import type { PlanningRecord, Store } from '../store/index.js';

export interface Receipt {
  recordId: number;
  kind: 'forecast' | 'demand';
  fileName: string;
  outcome: 'accepted' | 'rejected';
  supplierId: string | null;
  period: string | null;
  receivedAt: Date;
  deadline: Date | null;
  /** TMAD 4.8(a) / Guide 4.5.2: a late demand is recorded and ignored; a late forecast flagged (4.5). */
  onTime: boolean;
  rows: number;
  problems: PlanningProblem[];
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** The deadline of a received planning file: 4.8(a) for a demand, the 20th (4.5) for a forecast. */
export function receiptDeadline(kind: 'forecast' | 'demand', period: string): Date {
  return kind === 'demand' ? migrationCycle(period).dailyMigrationDemand : forecastDeadline(period);
}

/**
 * Record a received forecast or demand file. A file with any problem is recorded as rejected with
 * every problem; an accepted one is never replaced (later uploads are new records).
 */
export async function receivePlanningFile(
  store: Store,
  kind: 'forecast' | 'demand',
  bytes: Uint8Array,
  fileName: string,
  receivedAt: Date,
): Promise<Receipt> {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const parsed = parsePlanningFile(kind, text, fileName);
  const base = { kind, fileName, sha256: sha256(bytes), at: receivedAt, details: {} };
  if (!parsed.ok) {
    // Who sent it and for which period, when line 2 says so validly (so that `mcc cycle` can show it).
    const lenient = leniently(kind, text);
    const recordId = await store.planning.record({
      ...base,
      supplierId: lenient.supplierId,
      period: lenient.period ?? '',
      onTime: false,
      outcome: 'rejected',
      problems: parsed.problems,
      rows: [],
    });
    return {
      recordId,
      kind,
      fileName,
      outcome: 'rejected',
      supplierId: lenient.supplierId,
      period: lenient.period,
      receivedAt,
      deadline: null,
      onTime: false,
      rows: 0,
      problems: parsed.problems,
    };
  }
  const f = parsed.file;
  const deadline = receiptDeadline(kind, f.period);
  const onTime = receivedAt.getTime() <= deadline.getTime();
  const recordId = await store.planning.record({
    ...base,
    supplierId: f.supplierId,
    period: f.period,
    onTime,
    outcome: 'accepted',
    problems: [],
    rows: f.rows,
    details: { deadline: deadline.toISOString() },
  });
  return {
    recordId,
    kind,
    fileName,
    outcome: 'accepted',
    supplierId: f.supplierId,
    period: f.period,
    receivedAt,
    deadline,
    onTime,
    rows: f.rows.length,
    problems: [],
  };
}

function leniently(
  kind: 'forecast' | 'demand',
  text: string,
): { supplierId: string | null; period: string | null } {
  const cells = (csvLines(text)[1] ?? '').split(',');
  const id = parseEui64(cells[1] ?? '');
  const p = cells[0] ?? '';
  const period = kind === 'forecast' ? /^\d{4}-(0[1-9]|1[0-2])$/.test(p) : isMonday(p);
  return { supplierId: id.ok ? id.value : null, period: period ? p : null };
}

/** Every supplier the MCC knows (any planning record), with the demand it uses for `week`. */
export async function demandsFor(store: Store, week: string): Promise<EffectiveDemand[]> {
  const suppliers = await store.planning.suppliers();
  const demands = await store.planning.list({ kind: 'demand' });
  return suppliers.map((s) => effectiveDemand(s, week, demands));
}

export interface CommitOutcome {
  week: string;
  issuedAt: Date;
  cycle: MigrationCycle;
  /** TMAD 4.10: issued after the 4.8(b) deadline, so every commitment is deemed equal to demand. */
  deemed: boolean;
  /** TMAD 4.8(c): the aggregate report was issued by 17:00. */
  reportOnTime: boolean;
  plan: CommitmentPlan;
  demands: EffectiveDemand[];
  files: { supplierId: string; fileName: string; text: string; recordId: number }[];
  report: { fileName: string; text: string; rows: AggregateRow[]; recordId: number };
}

export class PlanningError extends Error {
  override name = 'PlanningError';
}

/**
 * Issue the Migration Demand Commitments of `week` (TMAD 4.8(b)) and the aggregate report (4.8(c)).
 * Capacity rows outside the week are ignored; a day and SMSO without capacity is not constrained.
 * Refuses a week already committed (a commitment, once issued, stands).
 */
export async function commitWeek(
  store: Store,
  week: string,
  capacity: readonly CapacityRow[],
  issuedAt: Date,
  opts: { dmin?: number } = {},
): Promise<CommitOutcome> {
  const cycle = migrationCycle(week);
  const existing = await store.planning.list({ kind: 'commitment', period: week });
  if (existing.length > 0)
    throw new PlanningError(
      `Migration Week ${week} already has ${existing.length} Migration Demand Commitment(s) (first record ${existing[0]!.id}): a commitment, once issued, stands (TMAD 4.8(b))`,
    );
  // Commitments answer the demands notified by the 4.8(a) deadline: issued earlier, they would
  // ignore uploads that are still on time.
  if (issuedAt.getTime() <= cycle.dailyMigrationDemand.getTime())
    throw new PlanningError(
      `Migration Week ${week}: Daily Migration Demands are due until ${formatLondonIso(cycle.dailyMigrationDemand)} (TMAD 4.8(a)); commitments can be issued only after that`,
    );
  const last = addDays(week, 6);
  const demands = await demandsFor(store, week);
  const deemed = issuedAt.getTime() > cycle.demandCommitment.getTime();
  const plan: CommitmentPlan = deemed
    ? { pools: [], commitments: demands.map(deemedCommitment) } // TMAD 4.10
    : planCommitments(
        demands,
        capacity.filter((c) => c.date >= week && c.date <= last),
        opts,
      );
  const files: CommitOutcome['files'] = [];
  for (const c of plan.commitments) {
    const file = { kind: 'commitment' as const, period: week, supplierId: c.supplierId, rows: c.rows };
    const text = writePlanningFile(file);
    const fileName = planningFileName(file);
    const d = demands.find((x) => x.supplierId === c.supplierId)!;
    const recordId = await store.planning.record({
      kind: 'commitment',
      supplierId: c.supplierId,
      period: week,
      fileName,
      sha256: sha256(text),
      at: issuedAt,
      onTime: !deemed,
      outcome: deemed ? 'deemed' : 'issued',
      problems: [],
      rows: c.rows,
      details: { scaled: c.scaled, demandSource: d.source, dmin: opts.dmin ?? null },
    });
    files.push({ supplierId: c.supplierId, fileName, text, recordId });
  }
  const rows = aggregateCommitments(plan.commitments);
  const reportText = writeCommitmentReport(week, rows);
  const reportName = `MDC_AGGREGATE_${week}.csv`;
  const reportOnTime = issuedAt.getTime() <= cycle.commitmentAggregateReport.getTime();
  const reportId = await store.planning.record({
    kind: 'commitment-report',
    supplierId: null,
    period: week,
    fileName: reportName,
    sha256: sha256(reportText),
    at: issuedAt,
    onTime: reportOnTime,
    outcome: 'issued',
    problems: [],
    rows: rows.map((r) => ({ ...r })),
    details: { pools: plan.pools },
  });
  return {
    week,
    issuedAt,
    cycle,
    deemed,
    reportOnTime,
    plan,
    demands,
    files,
    report: { fileName: reportName, text: reportText, rows, recordId: reportId },
  };
}

export type CommitmentState =
  | { status: 'issued' | 'deemed'; recordId: number; issuedAt: Date } // deemed: issued after 4.8(b)
  | { status: 'pending' } // before the 4.8(b) deadline, none issued yet
  | { status: 'deemed-not-issued' }; // TMAD 4.10: none issued by the deadline

export interface SupplierWeek {
  supplierId: string;
  demand: EffectiveDemand['source'];
  lateDemands: EffectiveDemand['lateIgnored'];
  rejectedDemands: number;
  demandTotal: number;
  commitment: CommitmentState;
  commitmentTotal: number | null;
  commitmentRows: PlanningRow[] | null;
}

export interface WeekStatus {
  week: string;
  at: Date;
  cycle: MigrationCycle;
  suppliers: SupplierWeek[];
  report: {
    status: 'issued' | 'late' | 'pending' | 'missing';
    recordId: number | null;
    issuedAt: Date | null;
  };
}

/** The commitments that hold for `week` at `at`: issued ones, else deemed equal to demand (4.10). */
export async function commitmentsFor(store: Store, week: string, at: Date): Promise<SupplierCommitment[]> {
  const st = await weekStatus(store, week, at);
  return st.suppliers
    .filter((s) => s.commitmentRows !== null)
    .map((s) => ({ supplierId: s.supplierId, rows: s.commitmentRows!, scaled: false }));
}

/** Where every supplier stands for `week` at `at` (what arrived, what is late, what was deemed). */
export async function weekStatus(store: Store, week: string, at: Date): Promise<WeekStatus> {
  const cycle = migrationCycle(week);
  const demands = await demandsFor(store, week);
  const commitments = await store.planning.list({ kind: 'commitment', period: week });
  const reports = await store.planning.list({ kind: 'commitment-report', period: week });
  const rejected = (await store.planning.list({ kind: 'demand', period: week })).filter(
    (r) => r.outcome === 'rejected',
  );
  const pastDeadline = at.getTime() > cycle.demandCommitment.getTime();
  const total = (rows: readonly PlanningRow[]): number => rows.reduce((s, r) => s + r.quantity, 0);
  const suppliers = demands.map((d): SupplierWeek => {
    const c: PlanningRecord | undefined = commitments.find((x) => x.supplierId === d.supplierId);
    let commitment: CommitmentState;
    let rows: PlanningRow[] | null;
    if (c) {
      commitment = { status: c.outcome === 'deemed' ? 'deemed' : 'issued', recordId: c.id, issuedAt: c.at };
      rows = c.rows;
    } else if (pastDeadline) {
      commitment = { status: 'deemed-not-issued' };
      rows = d.rows;
    } else {
      commitment = { status: 'pending' };
      rows = null;
    }
    return {
      supplierId: d.supplierId,
      demand: d.source,
      lateDemands: d.lateIgnored,
      rejectedDemands: rejected.filter((r) => r.supplierId === d.supplierId).length,
      demandTotal: total(d.rows),
      commitment,
      commitmentTotal: rows ? total(rows) : null,
      commitmentRows: rows,
    };
  });
  const rep = reports[0];
  const report: WeekStatus['report'] = rep
    ? { status: rep.onTime ? 'issued' : 'late', recordId: rep.id, issuedAt: rep.at }
    : {
        status: at.getTime() > cycle.commitmentAggregateReport.getTime() ? 'missing' : 'pending',
        recordId: null,
        issuedAt: null,
      };
  return { week, at, cycle, suppliers, report };
}

/** TMAD 4.6: the aggregate forecast report for `month`, recorded; late or missing forecasts flagged. */
export async function issueForecastReport(
  store: Store,
  month: string,
  issuedAt: Date,
): Promise<{ report: ForecastReport; text: string; fileName: string; onTime: boolean; recordId: number }> {
  const suppliers = await store.planning.suppliers();
  const report = forecastReport(
    month,
    suppliers,
    await store.planning.list({ kind: 'forecast', period: month }),
  );
  const text = writeForecastReport(report);
  const fileName = `IMF_AGGREGATE_${month}.csv`;
  const onTime = issuedAt.getTime() <= forecastReportDeadline(month).getTime();
  const recordId = await store.planning.record({
    kind: 'forecast-report',
    supplierId: null,
    period: month,
    fileName,
    sha256: sha256(text),
    at: issuedAt,
    onTime,
    outcome: 'issued',
    problems: [],
    rows: [],
    details: { suppliers: report.suppliers, rows: report.rows },
  });
  return { report, text, fileName, onTime, recordId };
}

/** TMAD 4.14, 4.15: actual migrations of `week` against the commitments that hold at `at`. */
export async function checkWeekActuals(
  store: Store,
  week: string,
  actuals: readonly ActualRow[],
  at: Date,
  threshold?: number,
): Promise<{ checks: ActualCheck[]; outsideWeek: ActualRow[] }> {
  const last = addDays(week, 6);
  const inWeek = actuals.filter((a) => a.date >= week && a.date <= last);
  const outsideWeek = actuals.filter((a) => a.date < week || a.date > last);
  return { checks: checkActuals(await commitmentsFor(store, week, at), inWeek, threshold), outsideWeek };
}

export type { PlanningKind };
