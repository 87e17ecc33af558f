// Stage `mcc-plan` (MCC): the planning cycle of the run's Migration Week with the MCC planning code
// (src/core/planning): each Responsible Supplier's Daily Migration Demand from its authorised
// installations (TMAD 4.8(a)), spread over the week's Working Days per SMSO and Electricity
// Distributor; the Migration Demand Commitments (TMAD 4.8(b); the Migration Scaling Methodology of
// 4.11 where the SMSO's daily capacity is short of the demand) and the aggregate report (4.8(c)).
// Each installation is then commenced on the first day its supplier's commitment has room for it, or
// is not committed this week.
import { addDays, defaultWorkingDayCalendar, migrationCycle } from '../../core/calendar/index.js';
import {
  planningFileName,
  writePlanningFile,
  type CapacityRow,
  type PlanningRow,
} from '../../core/planning/files.js';
import {
  aggregateCommitments,
  planCommitments,
  writeCommitmentReport,
  type EffectiveDemand,
} from '../../core/planning/planning.js';
import type { WeekStage } from './engine.js';

const HOUR = 3_600_000;

/** The distributor of an MPAN: its first two digits (docs/PLANNING.md). */
const distributorOf = (mpan: unknown): string =>
  typeof mpan === 'string' && mpan.length >= 2 ? mpan.slice(0, 2) : '00';

export function planStage(opts: { capacityShare: number }): WeekStage {
  return {
    name: 'mcc-plan',
    party: 'MCC',
    takes: ['authorised'],
    batchSize: Infinity,
    // TMAD 4.8(b): commitments are issued after the 4.8(a) deadline, by 10:00 on the next Tuesday.
    at: (week) => new Date(migrationCycle(week).dailyMigrationDemand.getTime() + HOUR),
    async run(ctx, batch) {
      const week = ctx.migrationWeek;
      const cal = defaultWorkingDayCalendar();
      const days = Array.from({ length: 7 }, (_, i) => addDays(week, i)).filter((d) => cal.isWorkingDay(d));
      const demandAt = new Date(migrationCycle(week).dailyMigrationDemand.getTime() - 24 * HOUR);
      // supplier -> smso,distributor -> installations (in id order)
      const groups = new Map<string, Map<string, typeof batch>>();
      for (const i of batch) {
        const k = `${i.smso},${distributorOf(i.detail.mpan)}`;
        let s = groups.get(i.supplier);
        if (!s) groups.set(i.supplier, (s = new Map<string, typeof batch>()));
        let l = s.get(k);
        if (!l) s.set(k, (l = []));
        l.push(i);
      }
      const events: Awaited<ReturnType<WeekStage['run']>>['events'] = [];
      const demands: EffectiveDemand[] = [];
      const perDay = (n: number, d: number): number =>
        Math.floor(n / days.length) + (d < n % days.length ? 1 : 0);
      for (const supplierId of [...groups.keys()].sort()) {
        const rows: PlanningRow[] = [];
        for (const [k, list] of [...groups.get(supplierId)!.entries()].sort()) {
          const [smso, distributor] = k.split(',') as [string, string];
          days.forEach((date, d) => rows.push({ smso, distributor, date, quantity: perDay(list.length, d) }));
        }
        const file = { kind: 'demand' as const, period: week, supplierId, rows };
        const name = planningFileName(file);
        const w = await ctx.writeFile(`mcc/demand/${name}`, writePlanningFile(file));
        events.push({
          at: demandAt,
          party: 'Supplier',
          groupId: null,
          installationId: null,
          outcome: 'demand-notified',
          file: `mcc/demand/${name}`,
          sha256: w.sha256,
        });
        demands.push({
          supplierId,
          source: { status: 'on-time', recordId: 0, fileName: name, receivedAt: demandAt },
          lateIgnored: [],
          rows,
        });
      }
      // The SMSOs' capacity: capacityShare of the demand per day and SMSO (1: no scaling).
      const demandPerDay = new Map<string, number>();
      for (const d of demands)
        for (const r of d.rows)
          demandPerDay.set(
            `${r.date},${r.smso}`,
            (demandPerDay.get(`${r.date},${r.smso}`) ?? 0) + r.quantity,
          );
      const capacity: CapacityRow[] = [...demandPerDay.entries()].map(([k, n]) => {
        const [date, smso] = k.split(',') as [string, string];
        return { date, smso, capacity: Math.floor(n * opts.capacityShare), dormant: 0 };
      });
      const plan = planCommitments(demands, capacity);
      for (const c of plan.commitments) {
        const file = { kind: 'commitment' as const, period: week, supplierId: c.supplierId, rows: c.rows };
        const rel = `mcc/commitment/${planningFileName(file)}`;
        const w = await ctx.writeFile(rel, writePlanningFile(file));
        events.push({
          party: 'MCC',
          groupId: null,
          installationId: null,
          outcome: c.scaled ? 'commitment-scaled' : 'commitment-issued',
          file: rel,
          sha256: w.sha256,
        });
      }
      const reportRel = `mcc/commitment/MDC_AGGREGATE_${week}.csv`;
      const report = await ctx.writeFile(
        reportRel,
        writeCommitmentReport(week, aggregateCommitments(plan.commitments)),
      );
      events.push({
        party: 'MCC',
        groupId: null,
        installationId: null,
        outcome: 'aggregate-report-issued',
        file: reportRel,
        sha256: report.sha256,
      });
      // Commence each installation on the first day with room in its supplier's commitment.
      const room = new Map<string, number>();
      for (const c of plan.commitments)
        for (const r of c.rows) room.set(`${c.supplierId},${r.smso},${r.distributor},${r.date}`, r.quantity);
      const changes: Awaited<ReturnType<WeekStage['run']>>['changes'] = [];
      for (const i of batch) {
        const key = `${i.supplier},${i.smso},${distributorOf(i.detail.mpan)}`;
        const day = days.find((d) => (room.get(`${key},${d}`) ?? 0) > 0);
        if (day === undefined) {
          changes.push({
            installationId: i.installationId,
            state: 'not-committed',
            failedStep: 'mcc-plan',
            detail: { ...i.detail },
          });
          events.push({
            party: 'MCC',
            groupId: i.groupId,
            installationId: i.installationId,
            outcome: 'not-committed',
            step: 'TMAD 4.11',
          });
          continue;
        }
        room.set(`${key},${day}`, room.get(`${key},${day}`)! - 1);
        changes.push({
          installationId: i.installationId,
          state: 'commenced',
          detail: { ...i.detail, migrateOn: day },
        });
        events.push({
          party: 'MCC',
          groupId: i.groupId,
          installationId: i.installationId,
          outcome: 'commenced',
          detail: { migrateOn: day },
        });
      }
      return { changes, events };
    },
  };
}
