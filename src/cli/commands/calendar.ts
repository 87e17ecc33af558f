// s1mig calendar …: Working Days (England and Wales) and the weekly migration cycle deadlines
// (TMAD 2, 4.8, 4.29, 4.30, 4.37; MAM 4). Deadlines print as ISO 8601 with the Europe/London offset.
import type { Command } from 'commander';
import { EXIT, UsageError, commandGroup, printJson, printLines, setExit } from '../io.js';
import {
  WorkingDayCalendar,
  formatLondonIso,
  formatMigrationCycle,
  isIsoDate,
  isMonday,
  londonDateOf,
  londonOffsetMinutes,
  migrationCycle,
  migrationWeekOf,
  nonWorkingDeadlines,
  weekdayName,
  daysBetween,
  addDays,
  DEFAULT_DORMANT_FIRMWARE_NOTICE_WORKING_DAYS,
  DEFAULT_DORMANT_MIGRATION_NOTICE_WORKING_DAYS,
  type MigrationCycle,
} from '../../core/calendar/index.js';

interface CalendarOpts {
  holiday?: string[];
  notHoliday?: string[];
  oneOffs?: boolean;
  json?: boolean;
}

const MAX_RANGE_DAYS = 366 * 100;

function date(value: string, what: string): string {
  if (!isIsoDate(value))
    throw new UsageError(`${what} '${value}' is not a calendar date: expected YYYY-MM-DD`);
  return value;
}

function calendarFrom(o: CalendarOpts): WorkingDayCalendar {
  return new WorkingDayCalendar({
    extraHolidays: (o.holiday ?? []).map((d) => date(d, '--holiday')),
    removedHolidays: (o.notHoliday ?? []).map((d) => date(d, '--not-holiday')),
    oneOffDefaults: o.oneOffs !== false,
  });
}

function workingDaysOption(value: string | undefined, flag: string, dflt: number): number {
  if (value === undefined) return dflt;
  if (!/^\d{1,4}$/.test(value))
    throw new UsageError(`${flag} '${value}' is not a number of Working Days: expected a whole number ≥ 0`);
  return Number(value);
}

function withCalendarOptions(c: Command): Command {
  return c
    .option('--holiday <date...>', 'treat these dates (YYYY-MM-DD) as bank holidays too')
    .option('--not-holiday <date...>', 'treat these dates (YYYY-MM-DD) as not holidays')
    .option(
      '--no-one-offs',
      'ignore the built-in table of one-off bank holiday changes (jubilees, state funeral, …)',
    );
}

function guard<A extends unknown[]>(fn: (...a: A) => void): (...a: A) => void {
  return (...a: A) => {
    try {
      fn(...a);
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
  };
}

const ROWS: { key: Exclude<keyof MigrationCycle, 'migrationWeek'>; label: string; clause: string }[] = [
  { key: 'dailyMigrationDemand', label: 'Daily Migration Demand due', clause: 'TMAD 4.8(a)' },
  { key: 'demandCommitment', label: 'Migration Demand Commitment due', clause: 'TMAD 4.8(b)' },
  { key: 'commitmentAggregateReport', label: 'Aggregate commitment report due', clause: 'TMAD 4.8(c)' },
  { key: 'migrationAuthorisation', label: 'Migration Authorisation due', clause: 'MAM 4' },
  { key: 'mixedInstallationNotice', label: 'Mixed installation notice due', clause: 'TMAD 4.37' },
  { key: 'dormantFirmwareNotice', label: 'Dormant firmware/config notice by', clause: 'TMAD 4.29' },
  { key: 'dormantMigrationNotice', label: 'Dormant migration notice by', clause: 'TMAD 4.30' },
];

function describe(v: Date | string): string {
  if (typeof v === 'string') return `${weekdayName(v).slice(0, 3)} ${v} (end of day)`;
  const d = londonDateOf(v);
  const iso = formatLondonIso(v);
  const zone = londonOffsetMinutes(v) === 0 ? 'GMT' : 'BST';
  return `${weekdayName(d).slice(0, 3)} ${d} ${iso.slice(11, 16)} ${zone}  (${iso})`;
}

export function register(program: Command): void {
  const cal = commandGroup(program, 'calendar');

  withCalendarOptions(
    cal
      .command('week')
      .description(
        'deadlines of the migration cycle for the Migration Week starting on a Monday (Europe/London times)',
      )
      .argument('<monday>', 'the Monday that starts the Migration Week (YYYY-MM-DD)')
      .option('--json', 'print JSON')
      .option(
        '--firmware-notice-days <n>',
        `Working Days of notice before dormant firmware/configuration steps (TMAD 4.29; default ${DEFAULT_DORMANT_FIRMWARE_NOTICE_WORKING_DAYS})`,
      )
      .option(
        '--migration-notice-days <n>',
        `Working Days of notice before dormant migration (TMAD 4.30; default ${DEFAULT_DORMANT_MIGRATION_NOTICE_WORKING_DAYS})`,
      ),
  ).action(
    guard(
      (monday: string, o: CalendarOpts & { firmwareNoticeDays?: string; migrationNoticeDays?: string }) => {
        date(monday, 'Migration Week');
        if (!isMonday(monday))
          throw new UsageError(
            `Migration Week '${monday}' is a ${weekdayName(monday)}: a Migration Week starts on a Monday (TMAD 2); did you mean ${migrationWeekOf(monday)}?`,
          );
        const calendar = calendarFrom(o);
        const cycle = migrationCycle(monday, {
          calendar,
          dormantFirmwareNoticeWorkingDays: workingDaysOption(
            o.firmwareNoticeDays,
            '--firmware-notice-days',
            DEFAULT_DORMANT_FIRMWARE_NOTICE_WORKING_DAYS,
          ),
          dormantMigrationNoticeWorkingDays: workingDaysOption(
            o.migrationNoticeDays,
            '--migration-notice-days',
            DEFAULT_DORMANT_MIGRATION_NOTICE_WORKING_DAYS,
          ),
        });
        if (o.json) {
          printJson(formatMigrationCycle(cycle));
          return;
        }
        const notes = new Map(nonWorkingDeadlines(cycle, calendar).map((n) => [n.key, n.reason]));
        const lines = [
          `Migration Week: Monday ${monday} to Sunday ${addDays(monday, 6)} (deadlines in Europe/London time)`,
        ];
        const w1 = Math.max(...ROWS.map((r) => r.label.length));
        for (const r of ROWS) {
          const note = notes.get(r.key);
          lines.push(
            `  ${r.label.padEnd(w1)}  ${r.clause.padEnd(11)}  ${describe(cycle[r.key])}${note ? `  [not a Working Day: ${note}]` : ''}`,
          );
        }
        printLines(...lines);
      },
    ),
  );

  withCalendarOptions(
    cal
      .command('working-days')
      .description('list the Working Days from <from> to <to>, both inclusive')
      .argument('<from>', 'first date (YYYY-MM-DD)')
      .argument('<to>', 'last date (YYYY-MM-DD)')
      .option('--json', 'print a JSON array of dates'),
  ).action(
    guard((from: string, to: string, o: CalendarOpts) => {
      date(from, 'from');
      date(to, 'to');
      const span = daysBetween(from, to);
      if (span < 0) throw new UsageError(`<to> ${to} is before <from> ${from}`);
      if (span > MAX_RANGE_DAYS)
        throw new UsageError(`range of ${span} days is too long: at most ${MAX_RANGE_DAYS}`);
      const days = calendarFrom(o).workingDaysBetween(from, to);
      if (o.json) printJson(days);
      else if (days.length) printLines(...days);
    }),
  );

  withCalendarOptions(
    cal
      .command('is-working-day')
      .description('exit 0 if <date> is a Working Day, 1 if it is not (Saturday, Sunday or bank holiday)')
      .argument('<date>', 'date (YYYY-MM-DD)')
      .option('--json', 'print JSON'),
  ).action(
    guard((d: string, o: CalendarOpts) => {
      date(d, 'date');
      const reason = calendarFrom(o).nonWorkingReason(d);
      if (o.json) printJson({ date: d, workingDay: !reason, ...(reason ? { reason } : {}) });
      else
        printLines(
          reason ? `${d} is not a Working Day: ${reason}` : `${d} is a Working Day (${weekdayName(d)})`,
        );
      setExit(reason ? EXIT.INVALID : EXIT.OK);
    }),
  );

  withCalendarOptions(
    cal
      .command('holidays')
      .description('list the England and Wales bank holidays of a year (computed plus one-off changes)')
      .argument('<year>', 'year, e.g. 2022')
      .option('--json', 'print JSON'),
  ).action(
    guard((year: string, o: CalendarOpts) => {
      if (!/^\d{4}$/.test(year)) throw new UsageError(`year '${year}' is not a year: expected four digits`);
      const list = calendarFrom(o).holidayList(Number(year));
      if (o.json) printJson(list);
      else printLines(...list.map((h) => `${h.date}  ${weekdayName(h.date).slice(0, 3)}  ${h.name}`));
    }),
  );
}
