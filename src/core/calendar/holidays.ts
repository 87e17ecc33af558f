// Bank holidays in England and Wales, for the SEC definition of Working Day (any day other than a
// Saturday, a Sunday, Christmas Day, Good Friday or a bank holiday in England and Wales; shared/spec
// README decision "Working Day"). The regular holidays are computed; one-off changes made by Royal
// Proclamation are a table that callers may extend or trim.
import { addDays, assertIsoDate, weekday, ymd, daysInMonth } from './dates.js';

export interface Holiday {
  /** YYYY-MM-DD */
  readonly date: string;
  readonly name: string;
}

/** Easter Sunday (Gregorian) by the anonymous computus (Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  assertYear(year);
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return ymd(year, month, day);
}

function assertYear(year: number): void {
  if (!Number.isInteger(year) || year < 1583 || year > 9999)
    throw new RangeError(`year ${year} is outside the Gregorian range this calendar supports (1583–9999)`);
}

function firstMonday(year: number, month: number): string {
  const first = ymd(year, month, 1);
  return addDays(first, (8 - weekday(first)) % 7);
}

function lastMonday(year: number, month: number): string {
  const last = ymd(year, month, daysInMonth(year, month));
  return addDays(last, -((weekday(last) + 6) % 7));
}

/**
 * The regular England and Wales bank holidays of a year under the Banking and Financial Dealings
 * Act 1971 pattern in force since 1978 (early May bank holiday from 1978), with substitute days when
 * New Year's Day, Christmas Day or Boxing Day falls on a weekend. One-off changes are not included.
 */
export function regularBankHolidays(year: number): Holiday[] {
  assertYear(year);
  const out: Holiday[] = [];
  // New Year's Day; substitute the following Monday if it falls on a weekend.
  const ny = ymd(year, 1, 1);
  const nyw = weekday(ny);
  out.push({ date: nyw === 6 ? addDays(ny, 2) : nyw === 0 ? addDays(ny, 1) : ny, name: "New Year's Day" });
  const easter = easterSunday(year);
  out.push({ date: addDays(easter, -2), name: 'Good Friday' });
  out.push({ date: addDays(easter, 1), name: 'Easter Monday' });
  out.push({ date: firstMonday(year, 5), name: 'Early May bank holiday' });
  out.push({ date: lastMonday(year, 5), name: 'Spring bank holiday' });
  out.push({ date: lastMonday(year, 8), name: 'Summer bank holiday' });
  // Christmas Day and Boxing Day with substitutes: a weekend day moves to the next weekday that is
  // not already a holiday (Sat 25 → Mon 27 + Tue 28; Sun 25 → Mon 26 Boxing Day + Tue 27; Fri 25 →
  // Boxing Day Mon 28).
  const xmas = ymd(year, 12, 25);
  const boxing = ymd(year, 12, 26);
  const xw = weekday(xmas);
  if (xw === 6) {
    out.push({ date: addDays(xmas, 2), name: 'Christmas Day (substitute day)' });
    out.push({ date: addDays(xmas, 3), name: 'Boxing Day (substitute day)' });
  } else if (xw === 0) {
    out.push({ date: boxing, name: 'Boxing Day' });
    out.push({ date: addDays(xmas, 2), name: 'Christmas Day (substitute day)' });
  } else if (xw === 5) {
    out.push({ date: xmas, name: 'Christmas Day' });
    out.push({ date: addDays(xmas, 3), name: 'Boxing Day (substitute day)' });
  } else {
    out.push({ date: xmas, name: 'Christmas Day' });
    out.push({ date: boxing, name: 'Boxing Day' });
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

export interface OneOffChange {
  readonly date: string;
  /** 'add': an extra bank holiday; 'remove': a regular holiday that did not happen on that date. */
  readonly kind: 'add' | 'remove';
  readonly name: string;
}

/**
 * Known one-off changes to the England and Wales bank holidays (Royal Proclamations), shipped as
 * defaults. A moved holiday is a 'remove' of the computed date plus an 'add' of the new one.
 */
export const DEFAULT_ONE_OFF_CHANGES: readonly OneOffChange[] = Object.freeze([
  { date: '1995-05-01', kind: 'remove', name: 'Early May bank holiday (moved to 8 May for VE Day 50)' },
  { date: '1995-05-08', kind: 'add', name: 'Early May bank holiday (VE Day)' },
  { date: '1999-12-31', kind: 'add', name: 'Millennium Celebrations' },
  { date: '2002-05-27', kind: 'remove', name: 'Spring bank holiday (moved to 4 June)' },
  { date: '2002-06-03', kind: 'add', name: 'Golden Jubilee bank holiday' },
  { date: '2002-06-04', kind: 'add', name: 'Spring bank holiday' },
  { date: '2011-04-29', kind: 'add', name: 'Royal wedding' },
  { date: '2012-05-28', kind: 'remove', name: 'Spring bank holiday (moved to 4 June)' },
  { date: '2012-06-04', kind: 'add', name: 'Spring bank holiday' },
  { date: '2012-06-05', kind: 'add', name: 'Diamond Jubilee bank holiday' },
  { date: '2020-05-04', kind: 'remove', name: 'Early May bank holiday (moved to 8 May for VE Day 75)' },
  { date: '2020-05-08', kind: 'add', name: 'Early May bank holiday (VE Day)' },
  { date: '2022-05-30', kind: 'remove', name: 'Spring bank holiday (moved to 2 June)' },
  { date: '2022-06-02', kind: 'add', name: 'Spring bank holiday' },
  { date: '2022-06-03', kind: 'add', name: 'Platinum Jubilee bank holiday' },
  { date: '2022-09-19', kind: 'add', name: 'Bank Holiday for the State Funeral of Queen Elizabeth II' },
  { date: '2023-05-08', kind: 'add', name: 'Bank holiday for the coronation of King Charles III' },
] as OneOffChange[]);

export function assertHolidayDates(dates: readonly string[], what: string): void {
  for (const d of dates) assertIsoDate(d, what);
}
