// Plain UTC calendar dates for the MA format (MAM Table 7.2.3: "UTC Date in YYYYMMDD format"). Day
// arithmetic (addDays, weekday, the Monday of a week) is core/calendar's.
import { isIsoDate } from '../../calendar/index.js';

/** YYYYMMDD → YYYY-MM-DD when it is a real calendar date, else null. */
export function parseCompactDate(s: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  return isIsoDate(iso) ? iso : null;
}

/** Accept YYYY-MM-DD or YYYYMMDD; return YYYY-MM-DD or null. */
export function normaliseDate(s: string): string | null {
  if (/^\d{8}$/.test(s)) return parseCompactDate(s);
  return isIsoDate(s) ? s : null;
}

export function toCompactDate(iso: string): string {
  return iso.replace(/-/g, '');
}
