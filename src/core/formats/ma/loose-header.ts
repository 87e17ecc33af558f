// The three header lines of a Migration Authorisation (MAM 7.2.2) read leniently, for files that do
// not validate: the supplier still needs the User ID to name the password file (MAM 7.5.2) and the
// DCC to record a rejected receipt. Only the first KiB is looked at.
import { parseEui64 } from '../../ids/index.js';
import type { MaHeader } from './model.js';

export function readMaHeaderLeniently(
  csv: Uint8Array,
): (Pick<MaHeader, 'userId'> & Partial<MaHeader>) | undefined {
  const lines = new TextDecoder('utf-8', { fatal: false }).decode(csv.subarray(0, 1024)).split(/\r?\n/);
  const cell = (i: number) => (lines[i] ?? '').split(',')[0]!.replace(/^"|"$/g, '').trim();
  const id = parseEui64(cell(0));
  if (!id.ok) return undefined;
  const yn = cell(1).toUpperCase();
  const smso = cell(2);
  return {
    userId: id.value,
    ...(yn === 'YES' || yn === 'NO' ? { commissionedByDcc: yn === 'YES' } : {}),
    ...(/^[A-Z]{3}$/.test(smso) ? { smsoCode: smso } : {}),
  };
}
