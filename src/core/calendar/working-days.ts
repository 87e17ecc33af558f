// The Working Day calendar (SEC definition: not a Saturday, Sunday or bank holiday in England and
// Wales) and Working Day arithmetic for notice periods (TMAD 4.29, 4.30).
import { addDays, assertIsoDate, isWeekend, toDayNumber, weekdayName } from './dates.js';
import { DEFAULT_ONE_OFF_CHANGES, type Holiday, type OneOffChange, regularBankHolidays } from './holidays.js';

export interface WorkingDayCalendarOptions {
  /** Extra non-Working Days (YYYY-MM-DD), e.g. a newly proclaimed bank holiday. */
  extraHolidays?: readonly string[];
  /** Dates that are NOT holidays even if computed or in the one-off table (YYYY-MM-DD). */
  removedHolidays?: readonly string[];
  /** Apply DEFAULT_ONE_OFF_CHANGES (default true). */
  oneOffDefaults?: boolean;
}

export class WorkingDayCalendar {
  private readonly extra: ReadonlyMap<string, string>;
  private readonly removed: ReadonlySet<string>;
  private readonly byYear = new Map<number, Holiday[]>();
  private readonly lookup = new Map<string, string>();
  private readonly loadedYears = new Set<number>();

  constructor(opts: WorkingDayCalendarOptions = {}) {
    const extra = new Map<string, string>();
    const removed = new Set<string>();
    const changes: OneOffChange[] = opts.oneOffDefaults === false ? [] : [...DEFAULT_ONE_OFF_CHANGES];
    for (const c of changes) {
      if (c.kind === 'add') extra.set(c.date, c.name);
      else removed.add(c.date);
    }
    for (const d of opts.extraHolidays ?? []) {
      assertIsoDate(d, 'extra holiday');
      extra.set(d, 'Additional holiday (configured)');
      removed.delete(d);
    }
    for (const d of opts.removedHolidays ?? []) {
      assertIsoDate(d, 'removed holiday');
      removed.add(d);
      extra.delete(d);
    }
    this.extra = extra;
    this.removed = removed;
  }

  /** The England and Wales holidays of `year` (sorted YYYY-MM-DD), after one-off changes and configuration. */
  holidays(year: number): string[] {
    return this.holidayList(year).map((h) => h.date);
  }

  /** As holidays(), with names. */
  holidayList(year: number): Holiday[] {
    let list = this.byYear.get(year);
    if (!list) {
      const prefix = `${String(year).padStart(4, '0')}-`;
      const all = regularBankHolidays(year).filter((h) => !this.removed.has(h.date));
      for (const [date, name] of this.extra)
        if (date.startsWith(prefix) && !all.some((h) => h.date === date)) all.push({ date, name });
      list = all.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
      this.byYear.set(year, list);
    }
    return [...list];
  }

  /** The holiday's name if `date` is a holiday in this calendar, else undefined. */
  holidayName(date: string): string | undefined {
    assertIsoDate(date);
    const year = Number(date.slice(0, 4));
    if (!this.loadedYears.has(year)) {
      for (const h of this.holidayList(year)) this.lookup.set(h.date, h.name);
      this.loadedYears.add(year);
    }
    return this.lookup.get(date);
  }

  isHoliday(date: string): boolean {
    return this.holidayName(date) !== undefined;
  }

  /** SEC Working Day: not a Saturday, Sunday or holiday. Throws RangeError on a malformed date. */
  isWorkingDay(date: string): boolean {
    assertIsoDate(date);
    return !isWeekend(date) && !this.isHoliday(date);
  }

  /** Why `date` is not a Working Day ('Saturday', 'Sunday' or the holiday's name), or undefined if it is one. */
  nonWorkingReason(date: string): string | undefined {
    assertIsoDate(date);
    const name = this.holidayName(date);
    if (name) return name;
    return isWeekend(date) ? weekdayName(date) : undefined;
  }

  /**
   * The n-th Working Day after `date` (n > 0), before it (n < 0), or `date` itself (n = 0). `date`
   * need not be a Working Day: it is never counted.
   */
  addWorkingDays(date: string, n: number): string {
    assertIsoDate(date);
    if (!Number.isInteger(n)) throw new RangeError(`number of Working Days must be an integer, got ${n}`);
    const step = n < 0 ? -1 : 1;
    let d = date;
    for (let left = Math.abs(n); left > 0;) {
      d = addDays(d, step);
      if (this.isWorkingDay(d)) left--;
    }
    return d;
  }

  /** The first Working Day strictly after `date`. */
  nextWorkingDay(date: string): string {
    return this.addWorkingDays(date, 1);
  }

  /** The last Working Day strictly before `date`. */
  previousWorkingDay(date: string): string {
    return this.addWorkingDays(date, -1);
  }

  /** `date` if it is a Working Day, else the next one. */
  workingDayOnOrAfter(date: string): string {
    return this.isWorkingDay(date) ? date : this.nextWorkingDay(date);
  }

  /** `date` if it is a Working Day, else the previous one. */
  workingDayOnOrBefore(date: string): string {
    return this.isWorkingDay(date) ? date : this.previousWorkingDay(date);
  }

  /** Working Days from `from` to `to`, both inclusive, in order (empty if to < from). */
  workingDaysBetween(from: string, to: string): string[] {
    assertIsoDate(from, 'from');
    assertIsoDate(to, 'to');
    const out: string[] = [];
    const last = toDayNumber(to);
    for (let d = from; toDayNumber(d) <= last; d = addDays(d, 1)) if (this.isWorkingDay(d)) out.push(d);
    return out;
  }

  /** Number of Working Days d with from < d ≤ to (0 if to ≤ from). */
  countWorkingDays(from: string, to: string): number {
    return from >= to ? 0 : this.workingDaysBetween(addDays(from, 1), to).length;
  }
}

let defaultCalendar: WorkingDayCalendar | undefined;
/** A shared calendar with the default one-off table. */
export function defaultWorkingDayCalendar(): WorkingDayCalendar {
  return (defaultCalendar ??= new WorkingDayCalendar());
}

export interface NoticeOptions {
  /**
   * 'working-day' (default): the notice day must be a Working Day, as a notice sent on a Saturday,
   * Sunday or holiday only counts from the next Working Day. 'any-day': the literal latest calendar
   * day D with addWorkingDays(D, N) ≤ S, which may be a weekend or holiday.
   */
  noticeOn?: 'working-day' | 'any-day';
}

/**
 * TMAD 4.29 / 4.30: the latest day on which a notice can be given so that it is "at least N Working
 * Days before" step day S, meaning S is on or after the N-th Working Day after the notice day
 * (addWorkingDays(notice, N) ≤ S). By default the result is a Working Day (see NoticeOptions and
 * docs/SPEC-DECISIONS.md); with noticeOn 'any-day' it is the literal latest calendar day.
 */
export function latestNoticeDay(
  stepDay: string,
  workingDays: number,
  cal: WorkingDayCalendar = defaultWorkingDayCalendar(),
  opts: NoticeOptions = {},
): string {
  assertIsoDate(stepDay, 'step day');
  if (!Number.isInteger(workingDays) || workingDays < 0)
    throw new RangeError(`notice period must be a whole number of Working Days ≥ 0, got ${workingDays}`);
  // w(k) = the k-th Working Day counting back from S inclusive. addWorkingDays(D, N) ≤ S ⇔ D < w(N).
  const w = (k: number): string =>
    cal.isWorkingDay(stepDay) ? cal.addWorkingDays(stepDay, -(k - 1)) : cal.addWorkingDays(stepDay, -k);
  if ((opts.noticeOn ?? 'working-day') === 'any-day')
    return workingDays === 0 ? stepDay : addDays(w(workingDays), -1);
  return w(workingDays + 1); // the latest Working Day strictly before w(N)
}
