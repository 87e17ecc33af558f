// Plain UTC calendar dates for the MA format (MAM Table 7.2.3: "UTC Date in YYYYMMDD format").

/** YYYYMMDD → YYYY-MM-DD when it is a real calendar date, else null. */
export function parseCompactDate(s: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  return isRealIsoDate(iso) ? iso : null;
}

export function isRealIsoDate(iso: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3])
  );
}

/** Accept YYYY-MM-DD or YYYYMMDD; return YYYY-MM-DD or null. */
export function normaliseDate(s: string): string | null {
  if (/^\d{8}$/.test(s)) return parseCompactDate(s);
  return isRealIsoDate(s) ? s : null;
}

export function toCompactDate(iso: string): string {
  return iso.replace(/-/g, '');
}

function toUtc(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(iso: string): number {
  return toUtc(iso).getUTCDay();
}

export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function addDays(iso: string, n: number): string {
  const d = toUtc(iso);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The Monday on or before the date. */
export function mondayOf(iso: string): string {
  return addDays(iso, -((weekday(iso) + 6) % 7));
}
