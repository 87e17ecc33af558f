// s1mig mcc …: the DCC's Migration Control Centre planning cycle (TMAD 4.5–4.15; Guide 4.5):
// receive forecasts and demands, issue commitments and the aggregate reports, check actuals, and
// show where every supplier stands for a Migration Week. docs/PLANNING.md describes the files.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  describePathProblem,
  parseInstant,
  printJson,
  printLines,
  setExit,
} from '../io.js';
import {
  addDays,
  formatLondonIso,
  formatMigrationCycle,
  isMonday,
  migrationWeekOf,
} from '../../core/calendar/index.js';
import { parseSmsoCode } from '../../core/ids/index.js';
import {
  parseActualsFile,
  parseCapacityFile,
  parseQuantity,
  type CapacityRow,
  type PlanningProblem,
} from '../../core/planning/files.js';
import { DEFAULT_DMIN } from '../../core/planning/msm.js';
import { DEFAULT_MATERIAL_SHORTFALL } from '../../core/planning/planning.js';
import { openStore } from '../../store/index.js';
import { configuration } from '../../config.js';
import {
  PlanningError,
  checkWeekActuals,
  commitWeek,
  issueForecastReport,
  receivePlanningFile,
  weekStatus,
  type Receipt,
} from '../../mcc/planning.js';

function monday(v: string): string {
  if (!isMonday(v))
    throw new UsageError(
      `'${v}' is not the Monday of a Migration Week (TMAD 2): expected YYYY-MM-DD on a Monday${/^\d{4}-\d{2}-\d{2}$/.test(v) ? `, e.g. ${safeWeekOf(v)}` : ''}`,
    );
  return v;
}

function safeWeekOf(v: string): string {
  try {
    return migrationWeekOf(v);
  } catch {
    return '2027-02-01';
  }
}

function readInput(file: string, what: string): Buffer {
  try {
    if (!statSync(file).isFile()) throw new UsageError(`${file}: not a regular file, expected a ${what}`);
    return readFileSync(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(describePathProblem(file, e, what));
  }
}

function writeOut(dir: string, name: string, text: string): string {
  try {
    mkdirSync(dir, { recursive: true });
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  } catch (e) {
    throw new UsageError(describePathProblem(dir, e, 'directory'));
  }
}

const problemLine = (p: PlanningProblem): string =>
  `  ${p.file}${p.line !== null ? `:${p.line}` : ''}${p.column !== null ? `:${p.column}` : ''}${p.field ? ` ${p.field}` : ''}: ${p.message} (${p.rule})`;

/** --capacity: a capacity CSV file, or SMSO=capacity[:dormant] pairs applied to every day of the week. */
function capacityFrom(spec: string | undefined, week: string): CapacityRow[] {
  if (spec === undefined) return [];
  if (/^[A-Z]{3}=/.test(spec)) {
    const rows: CapacityRow[] = [];
    for (const part of spec.split(',')) {
      const m = /^([A-Z]{3})=(\d+)(?::(\d+))?$/.exec(part);
      const smso = m ? parseSmsoCode(m[1]!) : undefined;
      const cap = m ? parseQuantity(m[2]!) : undefined;
      const dormant = m?.[3] === undefined ? 0 : parseQuantity(m[3]);
      if (!m || !smso?.ok || cap === undefined || dormant === undefined)
        throw new UsageError(
          `--capacity '${part}': expected SMSO=capacity[:dormant] (e.g. CGI=5000:200,TRL=3000)${smso && !smso.ok ? `: ${smso.error}` : ''} (TMAD 4.11)`,
        );
      for (let d = 0; d < 7; d++) rows.push({ date: addDays(week, d), smso: m[1]!, capacity: cap, dormant });
    }
    return rows;
  }
  const r = parseCapacityFile(readInput(spec, 'capacity CSV').toString('utf8'), spec);
  if (!r.ok)
    throw new UsageError(
      `${spec}: ${r.problems.length} problem(s)\n${r.problems.map(problemLine).join('\n')}`,
    );
  return r.rows;
}

/** DMIN (TMAD 4.11; Guide 4.5.3): --dmin, else S1MIG_DMIN, else the default. */
function dminFrom(v: string | undefined): number | undefined {
  const fromEnv = v === undefined ? configuration().dmin : undefined;
  const text = v ?? fromEnv;
  if (text === undefined) return undefined;
  const n = parseQuantity(text);
  if (n === undefined)
    throw new UsageError(
      `${fromEnv === undefined ? '--dmin' : 'S1MIG_DMIN'} '${text}': expected a whole number of installations per supplier per day (TMAD 4.11)`,
    );
  return n;
}

function thresholdFrom(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+(\.\d+)?%?$/.test(v) || !(n >= 0 && n <= 1))
    throw new UsageError(`--threshold '${v}': expected a fraction from 0 to 1 (e.g. 0.1 = 10%)`);
  return n;
}

const when = (v: string | undefined, flag: string): Date =>
  v === undefined ? new Date() : parseInstant(v, flag);
const london = (d: Date | null): string | null => (d === null ? null : formatLondonIso(d));

function receiveCommand(group: Command, kind: 'forecast' | 'demand', clause: string, what: string): void {
  group
    .command('receive')
    .description(
      `Record a received ${what} CSV (${clause}; docs/PLANNING.md): every problem is named (file, line, column, field, rule); ` +
        `on time = by its deadline${kind === 'demand' ? ' (10:00 Europe/London on the Tuesday 3 weeks 6 days before the Migration Week): a late one is recorded and ignored' : ' (the 20th of the month, Europe/London): a late one is flagged'}`,
    )
    .argument('<file>', `the ${what} CSV`)
    .option('--received-at <instant>', 'when it arrived (ISO 8601; default now; no offset = UTC)')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { receivedAt?: string; json?: boolean }) => {
      const at = when(o.receivedAt, '--received-at');
      const bytes = readInput(file, `${what} CSV`);
      const store = await openStore();
      let r: Receipt;
      try {
        r = await receivePlanningFile(store, kind, bytes, path.basename(file), at);
      } finally {
        await store.close();
      }
      if (o.json) printJson({ ...r, receivedAt: london(r.receivedAt), deadline: london(r.deadline) });
      else if (r.outcome === 'rejected')
        printLines(
          `${file}: REJECTED (record ${r.recordId}), ${r.problems.length} problem(s)`,
          ...r.problems.map(problemLine),
        );
      else
        printLines(
          `${file}: ${r.onTime ? 'ACCEPTED' : `LATE: recorded and ${kind === 'demand' ? 'ignored' : 'flagged'}`} (record ${r.recordId}): ${what} of ${r.supplierId} for ${r.period}, ${r.rows} rows, received ${london(r.receivedAt)}, due ${london(r.deadline)} (${clause})`,
        );
      if (r.outcome === 'rejected' || !r.onTime) setExit(EXIT.INVALID);
    });
}

export function register(program: Command): void {
  const mcc = commandGroup(program, 'mcc');

  receiveCommand(
    mcc.command('demand').description('Daily Migration Demands (TMAD 4.8(a), 4.9)'),
    'demand',
    'TMAD 4.8(a)',
    'Daily Migration Demand',
  );
  const forecast = mcc.command('forecast').description('Indicative Migration Forecasts (TMAD 4.5, 4.6)');
  receiveCommand(forecast, 'forecast', 'TMAD 4.5', 'Indicative Migration Forecast');
  forecast
    .command('report')
    .description(
      'The DCC aggregate forecast report for a month (TMAD 4.6): per day per SMSO over every supplier; late (after the 20th) and missing forecasts flagged',
    )
    .argument('<month>', 'YYYY-MM')
    .option('--out <dir>', 'write IMF_AGGREGATE_<month>.csv there')
    .option('--issued-at <instant>', 'when the report is issued (default now); due by the end of the month')
    .option('--json', 'print JSON')
    .action(async (month: string, o: { out?: string; issuedAt?: string; json?: boolean }) => {
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
        throw new UsageError(`'${month}' is not a month: expected YYYY-MM`);
      const at = when(o.issuedAt, '--issued-at');
      const store = await openStore();
      try {
        const r = await issueForecastReport(store, month, at);
        const written = o.out !== undefined ? writeOut(o.out, r.fileName, r.text) : null;
        if (o.json)
          printJson({
            month,
            recordId: r.recordId,
            onTime: r.onTime,
            file: written,
            suppliers: r.report.suppliers.map((s) => ({ ...s, receivedAt: london(s.receivedAt) })),
            rows: r.report.rows,
          });
        else
          printLines(
            `Indicative Migration Forecast report ${month} (TMAD 4.6), record ${r.recordId}${r.onTime ? '' : ' — LATE (after the end of the month)'}${written ? `: ${written}` : ''}`,
            ...r.report.suppliers.map(
              (s) => `  ${s.supplierId} ${s.status}${s.receivedAt ? ` (${london(s.receivedAt)})` : ''}`,
            ),
            ...(written ? [] : r.text.trimEnd().split('\r\n')),
          );
        if (r.report.suppliers.some((s) => s.status !== 'on-time')) setExit(EXIT.INVALID);
      } finally {
        await store.close();
      }
    });

  mcc
    .command('commit')
    .description(
      'Issue the Migration Demand Commitments of a Migration Week (TMAD 4.8(b)): equal to demand unless capacity forces the ' +
        'Migration Scaling Methodology (4.11: dormant first, DMIN per supplier per day, the rest demand-weighted); after the 10:00 ' +
        'Tuesday deadline every commitment is deemed equal to demand (4.10); writes one MDC file per supplier and the aggregate report ' +
        'by day, SMSO and Electricity Distributor (4.8(c), due 17:00)',
    )
    .argument('<monday>', 'the Monday of the Migration Week (YYYY-MM-DD)')
    .option(
      '--capacity <file-or-list>',
      'capacity: a CSV (Date,SMSO,Capacity,Dormant) or SMSO=capacity[:dormant],… for every day; a day and SMSO not given is not constrained',
    )
    .option(
      '--dmin <n>',
      `the flat minimum per Active Supplier per day (default: S1MIG_DMIN, else ${DEFAULT_DMIN}; TMAD 4.11)`,
    )
    .option('--out <dir>', 'write the commitment files and the aggregate report there')
    .option('--issued-at <instant>', 'when they are issued (default now)')
    .option('--json', 'print JSON')
    .action(
      async (
        w: string,
        o: { capacity?: string; dmin?: string; out?: string; issuedAt?: string; json?: boolean },
      ) => {
        const week = monday(w);
        const capacity = capacityFrom(o.capacity, week);
        const dmin = dminFrom(o.dmin);
        const at = when(o.issuedAt, '--issued-at');
        const store = await openStore();
        try {
          const r = await commitWeek(store, week, capacity, at, dmin === undefined ? {} : { dmin }).catch(
            (e: unknown) => {
              if (e instanceof PlanningError) throw new UsageError(e.message);
              throw e;
            },
          );
          const written: string[] = [];
          if (o.out !== undefined) {
            for (const f of r.files) written.push(writeOut(o.out, f.fileName, f.text));
            written.push(writeOut(o.out, r.report.fileName, r.report.text));
          }
          if (o.json)
            printJson({
              week,
              issuedAt: london(r.issuedAt),
              deemed: r.deemed,
              reportOnTime: r.reportOnTime,
              deadlines: formatMigrationCycle(r.cycle),
              pools: r.plan.pools,
              suppliers: r.plan.commitments.map((c) => {
                const d = r.demands.find((x) => x.supplierId === c.supplierId)!;
                return {
                  supplierId: c.supplierId,
                  demandSource: d.source,
                  demand: d.rows.reduce((s, x) => s + x.quantity, 0),
                  commitment: c.rows.reduce((s, x) => s + x.quantity, 0),
                  scaled: c.scaled,
                  rows: c.rows,
                };
              }),
              report: r.report.rows,
              files: written,
            });
          else
            printLines(
              `Migration Demand Commitments for ${week}${r.deemed ? ' — issued after the deadline: DEEMED equal to demand (TMAD 4.10)' : ''}`,
              ...r.plan.pools
                .filter((p) => p.scaled)
                .map(
                  (p) =>
                    `  scaled ${p.date} ${p.smso}: capacity ${p.capacity}, dormant ${p.dormantAllocated}, demand ${p.demand} -> ${p.committed} (minimum ${p.minimumApplied}; TMAD 4.11)`,
                ),
              ...r.plan.commitments.map((c) => {
                const d = r.demands.find((x) => x.supplierId === c.supplierId)!;
                const dem = d.rows.reduce((s, x) => s + x.quantity, 0);
                const com = c.rows.reduce((s, x) => s + x.quantity, 0);
                return `  ${c.supplierId}: demand ${dem} (${d.source.status === 'reused' ? `reused from ${d.source.fromWeek}, TMAD 4.9` : d.source.status === 'none' ? 'none ever: zero' : 'on time'}), commitment ${com}${c.scaled ? ' (scaled)' : ''}`;
              }),
              `  aggregate report (TMAD 4.8(c)) ${r.reportOnTime ? 'on time' : 'LATE (after 17:00)'}`,
              ...written.map((f) => `  wrote ${f}`),
            );
        } finally {
          await store.close();
        }
      },
    );

  mcc
    .command('actuals')
    .description(
      'Check actual migrations against the commitments of a Migration Week (TMAD 4.14, 4.15): a supplier is notified when materially ' +
        'fewer are migrated than committed (and authorised); migrations beyond the commitment are allowed where MAs exist',
    )
    .argument('<monday>', 'the Monday of the Migration Week')
    .argument('<actuals>', 'CSV: SupplierId,Date,SMSO,Authorised,Migrated')
    .option(
      '--threshold <fraction>',
      `a shortfall is material above this fraction (default ${DEFAULT_MATERIAL_SHORTFALL})`,
    )
    .option(
      '--at <instant>',
      'as at (default now): decides whether unissued commitments are deemed (TMAD 4.10)',
    )
    .option('--json', 'print JSON')
    .action(async (w: string, file: string, o: { threshold?: string; at?: string; json?: boolean }) => {
      const week = monday(w);
      const threshold = thresholdFrom(o.threshold);
      const at = when(o.at, '--at');
      const parsed = parseActualsFile(readInput(file, 'actuals CSV').toString('utf8'), path.basename(file));
      if (!parsed.ok) {
        if (o.json) printJson({ ok: false, problems: parsed.problems });
        else
          printLines(
            `${file}: REJECTED, ${parsed.problems.length} problem(s)`,
            ...parsed.problems.map(problemLine),
          );
        setExit(EXIT.INVALID);
        return;
      }
      const store = await openStore();
      try {
        const r = await checkWeekActuals(store, week, parsed.rows, at, threshold);
        if (o.json) printJson({ ok: true, week, ...r });
        else
          printLines(
            `Actuals for ${week} (TMAD 4.14, 4.15)`,
            ...r.checks.map(
              (c) =>
                `  ${c.notify ? 'NOTIFY ' : '       '}${c.supplierId} ${c.date} ${c.smso}: committed ${c.committed}, authorised ${c.authorised}, migrated ${c.migrated}: ${c.message}`,
            ),
            ...r.outsideWeek.map((a) => `  ignored: ${a.supplierId} ${a.date} is outside the Migration Week`),
          );
        if (r.checks.some((c) => c.notify || c.unauthorised > 0)) setExit(EXIT.INVALID);
      } finally {
        await store.close();
      }
    });

  mcc
    .command('cycle')
    .description(
      'Where every supplier stands for a Migration Week: the deadlines, the demand used (on time, late and ignored, reused per ' +
        'TMAD 4.9, none = zero), the commitment (issued, pending, deemed per 4.10) and the aggregate report (4.8(c))',
    )
    .argument('<monday>', 'the Monday of the Migration Week')
    .option('--at <instant>', 'as at (default now)')
    .option('--json', 'print JSON')
    .action(async (w: string, o: { at?: string; json?: boolean }) => {
      const week = monday(w);
      const at = when(o.at, '--at');
      const store = await openStore();
      try {
        const s = await weekStatus(store, week, at);
        if (o.json)
          printJson({
            week,
            at: london(at),
            deadlines: formatMigrationCycle(s.cycle),
            report: { ...s.report, issuedAt: london(s.report.issuedAt) },
            suppliers: s.suppliers.map((x) => ({
              ...x,
              lateDemands: x.lateDemands.map((l) => ({ ...l, receivedAt: london(l.receivedAt) })),
              commitment:
                'issuedAt' in x.commitment
                  ? { ...x.commitment, issuedAt: london(x.commitment.issuedAt) }
                  : x.commitment,
            })),
          });
        else {
          const c = formatMigrationCycle(s.cycle);
          printLines(
            `Migration Week ${week} as at ${london(at)}`,
            `  demand due ${c.dailyMigrationDemand} (TMAD 4.8(a)); commitments due ${c.demandCommitment} (4.8(b)); report due ${c.commitmentAggregateReport} (4.8(c))`,
            `  aggregate report: ${s.report.status}`,
            ...(s.suppliers.length === 0 ? ['  no suppliers known'] : []),
            ...s.suppliers.map((x) => {
              const d =
                x.demand.status === 'on-time'
                  ? `demand ${x.demandTotal} on time`
                  : x.demand.status === 'reused'
                    ? `no demand: reused ${x.demandTotal} from ${x.demand.fromWeek} (TMAD 4.9)`
                    : 'no demand ever: zero';
              const late = x.lateDemands.length ? `, ${x.lateDemands.length} late ignored` : '';
              const bad = x.rejectedDemands ? `, ${x.rejectedDemands} rejected` : '';
              const com =
                x.commitment.status === 'pending'
                  ? 'commitment pending'
                  : x.commitment.status === 'deemed-not-issued'
                    ? `commitment not issued: deemed ${x.commitmentTotal} (TMAD 4.10)`
                    : `commitment ${x.commitment.status} ${x.commitmentTotal}`;
              return `  ${x.supplierId}: ${d}${late}${bad}; ${com}`;
            }),
          );
        }
      } finally {
        await store.close();
      }
    });
}
