// Europe/London wall-clock times ↔ instants, using the ICU time-zone data in Node's Intl (no tz
// library). Deadlines in the TMAD and MAM are UK times (shared/spec README decision "time zone").
import { assertIsoDate } from './dates.js';

export const LONDON_TZ = 'Europe/London';

const fmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON_TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockAt(ms: number): WallClock {
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(ms)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return {
    year: p.year!,
    month: p.month!,
    day: p.day!,
    hour: p.hour! % 24,
    minute: p.minute!,
    second: p.second!,
  };
}

function wallAsUtcMs(w: WallClock): number {
  const t = new Date(0);
  t.setUTCFullYear(w.year, w.month - 1, w.day);
  t.setUTCHours(w.hour, w.minute, w.second, 0);
  return t.getTime();
}

/** The UTC offset of Europe/London at an instant, in minutes (0 in GMT, 60 in BST). */
export function londonOffsetMinutes(d: Date): number {
  const ms = d.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid Date');
  const whole = Math.floor(ms / 1000) * 1000;
  return Math.round((wallAsUtcMs(wallClockAt(whole)) - whole) / 60_000);
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/**
 * The instant at which the Europe/London wall clock shows `hhmm` ('HH:MM' or 'HH:MM:SS') on `date`.
 * At the autumn change an ambiguous time resolves to the earlier instant (BST); at the spring change
 * a time that does not exist moves forward by the gap (01:30 → 02:30 BST), as Temporal's
 * 'compatible' disambiguation does. Throws RangeError on a malformed date or time.
 */
export function londonTime(date: string, hhmm: string): Date {
  assertIsoDate(date);
  const m = HHMM.exec(hhmm);
  if (!m)
    throw new RangeError(`time '${hhmm}' is not a wall-clock time: expected HH:MM or HH:MM:SS (24-hour)`);
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const wall = wallAsUtcMs({
    year: y,
    month: mo,
    day: d,
    hour: Number(m[1]),
    minute: Number(m[2]),
    second: Number(m[3] ?? 0),
  });
  const before = londonOffsetMinutes(new Date(wall - 86_400_000)) * 60_000;
  const after = londonOffsetMinutes(new Date(wall + 86_400_000)) * 60_000;
  const candidates = [...new Set([wall - before, wall - after])].sort((a, b) => a - b);
  const valid = candidates.filter((t) => wallAsUtcMs(wallClockAt(t)) === wall);
  if (valid.length > 0) return new Date(valid[0]!);
  return new Date(wall - before); // in the spring gap: the offset before the change, i.e. forward by the gap
}

function pad(n: number, w = 2): string {
  return String(Math.abs(n)).padStart(w, '0');
}

/** ISO 8601 with the Europe/London offset, e.g. `2019-08-01T10:00:00+01:00` (milliseconds only if non-zero). */
export function formatLondonIso(d: Date): string {
  const ms = d.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid Date');
  const w = wallClockAt(ms);
  const off = londonOffsetMinutes(d);
  const frac = ((ms % 1000) + 1000) % 1000;
  const sign = off < 0 ? '-' : '+';
  return (
    `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}` +
    (frac ? `.${pad(frac, 3)}` : '') +
    `${sign}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`
  );
}

/** The Europe/London calendar date (YYYY-MM-DD) of an instant. */
export function londonDateOf(d: Date): string {
  const w = wallClockAt(d.getTime());
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}
