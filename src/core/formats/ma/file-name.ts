// MA file name (MAM 7.2.1): MA_<SMSO>_<User ID>_<YYYYMMDD>_<HHMMSS>.csv, e.g.
// MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv. The timestamp is UTC (spec README: file
// contents and names in UTC). The format cell of Table 7.2.1 is garbled; the example decides.
import type { Eui64 } from '../../ids/index.js';

const FILE_NAME =
  /^MA_([A-Z]{3})_([0-9A-F]{2}(?:-[0-9A-F]{2}){7})_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})\.csv$/;

export function maFileName(smsoCode: string, userId: Eui64, at: Date): string {
  const iso = at.toISOString(); // 2019-04-07T18:25:03.000Z
  const date = iso.slice(0, 10).replace(/-/g, '');
  const time = iso.slice(11, 19).replace(/:/g, '');
  return `MA_${smsoCode}_${userId}_${date}_${time}.csv`;
}

export function parseMaFileName(name: string): { smsoCode: string; userId: Eui64; at: Date } | null {
  const m = FILE_NAME.exec(name);
  if (!m) return null;
  const [, smso, userId, y, mo, d, h, mi, s] = m as unknown as string[];
  const at = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (
    at.getUTCFullYear() !== Number(y) ||
    at.getUTCMonth() !== Number(mo) - 1 ||
    at.getUTCDate() !== Number(d) ||
    at.getUTCHours() !== Number(h) ||
    at.getUTCMinutes() !== Number(mi) ||
    at.getUTCSeconds() !== Number(s)
  )
    return null;
  return { smsoCode: smso!, userId: userId as Eui64, at };
}
