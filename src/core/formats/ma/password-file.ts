// The MA password file (MAM 7.5.2, Table 7.5.1): three CSV lines —
//   1. User ID        (23: hyphenated EUI-64)
//   2. CSV File Name  (the name of the file that is zip-encrypted)
//   3. MD5 HASH Value (32 hex characters, no separators) = the zip password (MAM 7.5.1)
// CSV rules of MAM 7.1: ASCII only, LF line ends (CR LF normalised), optional double quotes stripped,
// one field per line here (a comma would mean a second field).
//
// Written in lower-case hex with a final LF; read in either case (SPEC-DECISIONS "MA password case").
import { createHash } from 'node:crypto';
import { isHyphenatedEui64, parseEui64 } from '../../ids/eui64.js';
import type { Problem } from '../../problem.js';

/** MAM 7.5.3: the password file is signed with an IKI File Signing Key; the certificate's role. */
export const MA_SIGNING_ROLE = 'ikiFileSigning';

export interface PasswordFile {
  /** Canonical (upper-case hyphenated) DCC User ID. */
  userId: string;
  /** Name of the CSV that was zip-encrypted (the zip entry name). */
  csvFileName: string;
  /** MD5 of the CSV in lower-case hex (normalised). */
  md5: string;
  /** The MD5 exactly as written in the file (the zip password the sender most likely typed). */
  md5AsWritten: string;
}

/** A Problem (src/core/problem.ts) that always names line and field. */
export interface PasswordFileProblem extends Problem {
  line: number;
  field: string;
  rule: string;
  message: string;
}

export type PasswordFileParse =
  { ok: true; value: PasswordFile } | { ok: false; problems: PasswordFileProblem[] };

/** MD5 of the bytes as 32 lower-case hex digits (MAM 7.5.2: the zip password). */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * Password file name for a CSV: `MA_<SMSO>_<UserID>_<YYYYMMDD>_<HHMMSS>.csv` →
 * `MAPASSWORD_<SMSO>_<UserID>_<YYYYMMDD>_<HHMMSS>.csv` (spec README, public example). Other names get a
 * `PASSWORD_` prefix.
 */
export function passwordFileNameFor(csvFileName: string): string {
  return csvFileName.startsWith('MA_') ? `MAPASSWORD_${csvFileName.slice(3)}` : `PASSWORD_${csvFileName}`;
}

/** The conventional MA CSV name for a password file name (inverse of passwordFileNameFor), if any. */
export function csvFileNameForPasswordFile(passwordFileName: string): string | undefined {
  if (passwordFileName.startsWith('MAPASSWORD_')) return `MA_${passwordFileName.slice('MAPASSWORD_'.length)}`;
  if (passwordFileName.startsWith('PASSWORD_')) return passwordFileName.slice('PASSWORD_'.length);
  return undefined;
}

/** Write a password file (Table 7.5.1): three LF-terminated lines, ASCII. */
export function writePasswordFile(pf: { userId: string; csvFileName: string; md5: string }): Uint8Array {
  const id = parseEui64(pf.userId);
  if (!id.ok || !isHyphenatedEui64(pf.userId.trim())) {
    throw new Error(
      `password file: User ID ${JSON.stringify(pf.userId)} is not a hyphenated EUI-64 (MAM Table 7.5.1)`,
    );
  }
  const nameProblem = fileNameProblem(pf.csvFileName);
  if (nameProblem)
    throw new Error(`password file: CSV File Name ${JSON.stringify(pf.csvFileName)}: ${nameProblem}`);
  if (!/^[0-9A-Fa-f]{32}$/.test(pf.md5))
    throw new Error('password file: MD5 must be 32 hex digits (MAM Table 7.5.1)');
  const name = /[",]/.test(pf.csvFileName) ? `"${pf.csvFileName.replace(/"/g, '""')}"` : pf.csvFileName;
  return new TextEncoder().encode(`${id.value}\n${name}\n${pf.md5.toLowerCase()}\n`);
}

const RULE = 'MAM 7.5.2 Table 7.5.1';

/** Parse a password file; reports every problem with its line and field. Never throws. */
export function parsePasswordFile(content: Uint8Array | string): PasswordFileParse {
  const problems: PasswordFileProblem[] = [];
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  if (bytes.length > 4096) {
    return {
      ok: false,
      problems: [
        {
          line: 0,
          field: '(file)',
          rule: RULE,
          message: `password file is ${bytes.length} bytes; at most 4096 expected`,
        },
      ],
    };
  }
  const nonAscii = bytes.findIndex((b) => b > 0x7f);
  if (nonAscii >= 0) {
    const line = 1 + bytes.subarray(0, nonAscii).filter((b) => b === 0x0a).length;
    problems.push({
      line,
      field: '(file)',
      rule: 'MAM 7.1',
      message: `non-ASCII byte 0x${bytes[nonAscii]!.toString(16)} (only ASCII allowed)`,
    });
    return { ok: false, problems };
  }
  let text = new TextDecoder().decode(bytes).replace(/\r\n/g, '\n');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  const lines = text.split('\n');
  // Trailing blank lines are tolerated (editors add them); blank lines elsewhere are not.
  while (lines.length > 3 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const fields = ['User ID', 'CSV File Name', 'MD5 HASH Value'] as const;
  if (lines.length !== 3) {
    problems.push({
      line: Math.min(lines.length, 4),
      field: '(file)',
      rule: RULE,
      message: `expected exactly 3 lines (User ID, CSV File Name, MD5 HASH Value), found ${lines.length}`,
    });
  }
  const values: string[] = [];
  for (let i = 0; i < 3; i++) {
    const raw = lines[i];
    const field = fields[i]!;
    if (raw === undefined) {
      problems.push({ line: i + 1, field, rule: RULE, message: `${field} is missing` });
      values.push('');
      continue;
    }
    const cell = unquote(raw);
    if (cell === undefined) {
      problems.push({
        line: i + 1,
        field,
        rule: 'MAM 7.1',
        message: 'expected a single CSV field (a comma needs the value in double quotes)',
      });
      values.push('');
      continue;
    }
    values.push(cell);
  }
  const [userIdRaw, csvFileName, md5Raw] = values as [string, string, string];
  let userId = '';
  if (lines[0] !== undefined && values[0] !== '') {
    const id = parseEui64(userIdRaw);
    if (!id.ok || !isHyphenatedEui64(userIdRaw)) {
      problems.push({
        line: 1,
        field: 'User ID',
        rule: RULE,
        message: `'${userIdRaw}' is not a 23-character hyphenated EUI-64 (e.g. 70-B3-D5-1F-30-00-A0-01)`,
      });
    } else userId = id.value;
  } else if (lines[0] !== undefined) {
    problems.push({ line: 1, field: 'User ID', rule: RULE, message: 'User ID is mandatory' });
  }
  if (lines[1] !== undefined) {
    const p = csvFileName === '' ? 'CSV File Name is mandatory' : fileNameProblem(csvFileName);
    if (p) problems.push({ line: 2, field: 'CSV File Name', rule: RULE, message: p });
  }
  if (lines[2] !== undefined && !/^[0-9A-Fa-f]{32}$/.test(md5Raw)) {
    problems.push({
      line: 3,
      field: 'MD5 HASH Value',
      rule: RULE,
      message: `expected 32 hex characters without separators, found ${JSON.stringify(md5Raw.slice(0, 40))}`,
    });
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, value: { userId, csvFileName, md5: md5Raw.toLowerCase(), md5AsWritten: md5Raw } };
}

/** One CSV field (MAM 7.1: optional double quotes, "" for a quote inside). Undefined if more than one. */
function unquote(raw: string): string | undefined {
  const s = raw;
  if (s.startsWith('"')) {
    if (s.length < 2 || !s.endsWith('"')) return undefined;
    const inner = s.slice(1, -1);
    if (/(^|[^"])"([^"]|$)/.test(inner.replace(/""/g, ''))) return undefined;
    return inner.replace(/""/g, '"');
  }
  if (s.includes(',') || s.includes('"')) return undefined;
  return s;
}

function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty';
  if (name.length > 255) return 'longer than 255 characters';
  if (/[/\\]/.test(name) || name === '.' || name === '..') return 'must be a plain file name (no directory)';
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return 'control character in name';
  return undefined;
}
