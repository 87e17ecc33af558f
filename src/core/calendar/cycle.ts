// The weekly migration cycle for one Migration Week (TMAD 2 "Migration Week", 4.8, 4.29, 4.30, 4.37;
// MAM 4; Guide 4.5 "the 6 week migration cycle"). Deadlines are Europe/London wall-clock times.
import { addDays, assertIsoDate, isIsoDate, weekday, weekdayName } from './dates.js';
import { formatLondonIso, londonDateOf, londonTime } from './london.js';
import {
  defaultWorkingDayCalendar,
  latestNoticeDay,
  type NoticeOptions,
  WorkingDayCalendar,
} from './working-days.js';

/** TMAD 4.29 as designated (7.2X): 5 Working Days before dormant firmware/configuration steps (README: configurable). */
export const DEFAULT_DORMANT_FIRMWARE_NOTICE_WORKING_DAYS = 5;
/** TMAD 4.30: 15 Working Days before dormant migration. */
export const DEFAULT_DORMANT_MIGRATION_NOTICE_WORKING_DAYS = 15;

export interface MigrationCycle {
  /** The Monday that starts the Migration Week (YYYY-MM-DD). */
  migrationWeek: string;
  /** TMAD 4.8(a): 10:00 on the Tuesday three weeks and six days before the Migration Week. */
  dailyMigrationDemand: Date;
  /** TMAD 4.8(b): 10:00 on the following Tuesday. */
  demandCommitment: Date;
  /** TMAD 4.8(c): 17:00 on that same following Tuesday. */
  commitmentAggregateReport: Date;
  /** MAM 4: 10:00 on the Thursday of the week before the Migration Week. */
  migrationAuthorisation: Date;
  /** TMAD 4.37: 23:59 on the Thursday that falls three days before the Migration Week. */
  mixedInstallationNotice: Date;
  /** TMAD 4.29: latest day to notify dormant firmware/configuration steps starting on the Monday. */
  dormantFirmwareNotice: string;
  /** TMAD 4.30: latest day to notify a dormant migration starting on the Monday. */
  dormantMigrationNotice: string;
}

export interface MigrationCycleOptions {
  calendar?: WorkingDayCalendar;
  dormantFirmwareNoticeWorkingDays?: number;
  dormantMigrationNoticeWorkingDays?: number;
  /** How the notice days are chosen (default: a Working Day). */
  noticeOn?: NoticeOptions['noticeOn'];
}

/** True if `date` is a real YYYY-MM-DD date that is a Monday (false for anything else). */
export function isMonday(date: string): boolean {
  return typeof date === 'string' && isIsoDate(date) && weekday(date) === 1;
}

/** The Monday that starts the (Monday-to-Sunday) week containing `date` (TMAD 2 "Migration Week"). */
export function migrationWeekOf(date: string): string {
  assertIsoDate(date);
  return addDays(date, -((weekday(date) + 6) % 7));
}

/** Days before the Migration Week's Monday on which each named-weekday deadline falls. */
export const CYCLE_OFFSETS = Object.freeze({
  dailyMigrationDemand: -27, // TMAD 4.8(a): 3 weeks 6 days before the Monday = a Tuesday
  demandCommitment: -20, // TMAD 4.8(b): the following Tuesday
  commitmentAggregateReport: -20, // TMAD 4.8(c): that same Tuesday
  migrationAuthorisation: -4, // MAM 4: Thursday of the preceding week
  mixedInstallationNotice: -4, // TMAD 4.37: the Thursday "three days prior" (Fri, Sat, Sun in between)
});

/**
 * The deadlines of the cycle whose Migration Week starts on Monday `migrationWeek`. Deadlines fall
 * on the weekday the texts name even if that day is not a Working Day (docs/SPEC-DECISIONS.md; see
 * nonWorkingDeadlines). Throws RangeError if `migrationWeek` is not a date or not a Monday.
 */
export function migrationCycle(migrationWeek: string, opts: MigrationCycleOptions = {}): MigrationCycle {
  assertIsoDate(migrationWeek, 'Migration Week');
  if (!isMonday(migrationWeek))
    throw new RangeError(
      `Migration Week '${migrationWeek}' is a ${weekdayName(migrationWeek)}: a Migration Week starts on a Monday (TMAD 2); that week's Monday is ${migrationWeekOf(migrationWeek)}`,
    );
  const cal = opts.calendar ?? defaultWorkingDayCalendar();
  const fw = opts.dormantFirmwareNoticeWorkingDays ?? DEFAULT_DORMANT_FIRMWARE_NOTICE_WORKING_DAYS;
  const mw = opts.dormantMigrationNoticeWorkingDays ?? DEFAULT_DORMANT_MIGRATION_NOTICE_WORKING_DAYS;
  const day = (k: keyof typeof CYCLE_OFFSETS): string => addDays(migrationWeek, CYCLE_OFFSETS[k]);
  const notice = { noticeOn: opts.noticeOn };
  return {
    migrationWeek,
    dailyMigrationDemand: londonTime(day('dailyMigrationDemand'), '10:00'),
    demandCommitment: londonTime(day('demandCommitment'), '10:00'),
    commitmentAggregateReport: londonTime(day('commitmentAggregateReport'), '17:00'),
    migrationAuthorisation: londonTime(day('migrationAuthorisation'), '10:00'),
    mixedInstallationNotice: londonTime(day('mixedInstallationNotice'), '23:59'),
    dormantFirmwareNotice: latestNoticeDay(migrationWeek, fw, cal, notice),
    dormantMigrationNotice: latestNoticeDay(migrationWeek, mw, cal, notice),
  };
}

/** The cycle as JSON-ready strings: instants as ISO 8601 with the London offset, dates as YYYY-MM-DD. */
export function formatMigrationCycle(c: MigrationCycle): Record<keyof MigrationCycle, string> {
  return {
    // The start of the Migration Week (TMAD 2): 00:00 UK time on its Monday.
    migrationWeek: formatLondonIso(londonTime(c.migrationWeek, '00:00')),
    dailyMigrationDemand: formatLondonIso(c.dailyMigrationDemand),
    demandCommitment: formatLondonIso(c.demandCommitment),
    commitmentAggregateReport: formatLondonIso(c.commitmentAggregateReport),
    migrationAuthorisation: formatLondonIso(c.migrationAuthorisation),
    mixedInstallationNotice: formatLondonIso(c.mixedInstallationNotice),
    dormantFirmwareNotice: c.dormantFirmwareNotice,
    dormantMigrationNotice: c.dormantMigrationNotice,
  };
}

/** The cycle's deadlines and notice days that fall on a non-Working Day, with the reason (for warnings). */
export function nonWorkingDeadlines(
  c: MigrationCycle,
  cal: WorkingDayCalendar = defaultWorkingDayCalendar(),
): { key: keyof MigrationCycle; date: string; reason: string }[] {
  const out: { key: keyof MigrationCycle; date: string; reason: string }[] = [];
  for (const [key, v] of Object.entries(c) as [keyof MigrationCycle, string | Date][]) {
    if (key === 'migrationWeek') continue;
    const date = v instanceof Date ? londonDateOf(v) : v;
    const reason = cal.nonWorkingReason(date);
    if (reason) out.push({ key, date, reason });
  }
  return out;
}
