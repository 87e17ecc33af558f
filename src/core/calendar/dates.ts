// Plain calendar dates ('YYYY-MM-DD', proleptic Gregorian) and day arithmetic, with no time zone:
// a date is a day number (days since 1970-01-01). Used for Working Day arithmetic (SEC definition).

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Day of the week: 0 = Sunday … 6 = Saturday (as Date#getUTCDay). */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export const WEEKDAY_NAMES = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;

/** True for a real calendar date written as YYYY-MM-DD (e.g. 2019-02-29 is not). */
export function isIsoDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

/** Throw RangeError unless `s` is a real YYYY-MM-DD date. */
export function assertIsoDate(s: string, what = 'date'): void {
  if (typeof s !== 'string' || !isIsoDate(s))
    throw new RangeError(`${what} '${String(s)}' is not a calendar date: expected YYYY-MM-DD`);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Days since 1970-01-01 for a YYYY-MM-DD date. */
export function toDayNumber(date: string): number {
  assertIsoDate(date);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Math.round(utcMs(y, m, d) / MS_PER_DAY);
}

/** YYYY-MM-DD for a day number. */
export function fromDayNumber(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** YYYY-MM-DD from numeric parts (month 1–12). */
export function ymd(year: number, month: number, day: number): string {
  return fromDayNumber(Math.round(utcMs(year, month, day) / MS_PER_DAY));
}

function utcMs(y: number, m: number, d: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d); // setUTCFullYear, so years 0–99 are not mapped to 1900–1999
  t.setUTCHours(0, 0, 0, 0);
  return t.getTime();
}

export function addDays(date: string, n: number): string {
  return fromDayNumber(toDayNumber(date) + n);
}

export function weekday(date: string): Weekday {
  return new Date(toDayNumber(date) * MS_PER_DAY).getUTCDay() as Weekday;
}

export function weekdayName(date: string): string {
  return WEEKDAY_NAMES[weekday(date)];
}

export function isWeekend(date: string): boolean {
  const w = weekday(date);
  return w === 0 || w === 6;
}

/** Difference in days: b − a. */
export function daysBetween(a: string, b: string): number {
  return toDayNumber(b) - toDayNumber(a);
}
