// Shared CSV plumbing of the SMSO inventory and key-material files (docs/SMSO.md): one record per
// physical line (LF or CR LF), RFC 4180 fields (the MA tokenizer of MAM 7.1), a header line that must
// name the columns exactly, and problems that name file, line, column, field, rule and expectation.
import { tokenizeCsvLine } from '../ma/csv-line.js';
import type { Problem } from '../../problem.js';

/** A problem in an SMSO CSV file: always the file; line and column when a line is at fault. */
export interface SmsoCsvProblem extends Problem {
  file: string;
  line: number | null;
  column: number | null;
  field: string | null;
}

export const FORMAT_RULE = 'docs/SMSO.md';

export interface CsvRecord {
  line: number;
  /** value by column name */
  values: Record<string, string>;
  /** 1-based column of each field's first character, by column name */
  columns: Record<string, number>;
}

/** Bound on one field (characters): longer values are reported, not stored. */
export const MAX_FIELD_LENGTH = 256;

/**
 * Split a CSV text into records keyed by the header's column names. The header must equal `header`
 * exactly (order included). Blank lines are only allowed at the end.
 */
export function readCsvRecords(
  text: string,
  file: string,
  header: readonly string[],
  problems: SmsoCsvProblem[],
): CsvRecord[] {
  return [...iterateCsvRecords(text, file, header, problems)];
}

/**
 * readCsvRecords one record at a time, so that a large file's records need not all be held at once.
 * Problems are pushed to `problems` as the lines are read, in line order.
 */
export function* iterateCsvRecords(
  text: string,
  file: string,
  header: readonly string[],
  problems: SmsoCsvProblem[],
): Generator<CsvRecord> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problem = (
    line: number | null,
    column: number | null,
    field: string | null,
    message: string,
  ): void => {
    problems.push({ file, line, column, field, rule: FORMAT_RULE, message });
  };
  if (body === '') {
    problem(null, null, null, `the file is empty: expected the header line ${header.join(',')}`);
    return;
  }
  // Blank lines seen and not yet known to be trailing (reported once a record follows them).
  const blanks: number[] = [];
  let lineNo = 0;
  for (let at = 0; at < body.length;) {
    const nl = body.indexOf('\n', at);
    const end = nl < 0 ? body.length : nl;
    const raw = body.charCodeAt(end - 1) === 13 && end > at ? body.slice(at, end - 1) : body.slice(at, end);
    at = end + 1;
    lineNo++;
    if (raw === '') {
      blanks.push(lineNo);
      continue;
    }
    for (const b of blanks.splice(0))
      problem(b, 1, null, 'blank line: expected a record (blank lines are allowed only at the end)');
    const tok = tokenizeCsvLine(raw);
    if (!tok.ok) {
      problem(lineNo, tok.column, null, tok.message);
      continue;
    }
    if (lineNo === 1) {
      const got = tok.fields.map((f) => f.value);
      if (got.length !== header.length || got.some((v, k) => v !== header[k])) {
        const k = got.findIndex((v, j) => v !== header[j]);
        const at = k >= 0 ? k : Math.min(got.length, header.length);
        problem(
          1,
          tok.fields[at]?.start !== undefined ? tok.fields[at].start + 1 : raw.length + 1,
          header[at] ?? null,
          `header line: expected exactly ${header.join(',')} (column ${at + 1} should be '${header[at] ?? '(end of line)'}', found '${got[at] ?? '(end of line)'}')`,
        );
        return; // without the header no field can be named
      }
      continue;
    }
    if (tok.fields.length !== header.length) {
      problem(
        lineNo,
        tok.fields.length > header.length ? tok.fields[header.length]!.start + 1 : raw.length + 1,
        null,
        `${tok.fields.length} fields: expected ${header.length} (${header.join(',')})`,
      );
      continue;
    }
    const values: Record<string, string> = {};
    const columns: Record<string, number> = {};
    let tooLong = false;
    for (let k = 0; k < tok.fields.length; k++) {
      const f = tok.fields[k]!;
      const name = header[k]!;
      values[name] = f.value;
      columns[name] = f.start + 1;
      if (f.value.length > MAX_FIELD_LENGTH) {
        problem(
          lineNo,
          f.start + 1,
          name,
          `${f.value.length} characters: expected at most ${MAX_FIELD_LENGTH}`,
        );
        tooLong = true;
      }
    }
    if (!tooLong) yield { line: lineNo, values, columns };
  }
}

/** UTC instant as written in the SMSO files: `YYYY-MM-DDTHH:MM:SSZ`. */
export const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The canonical SMSO-file form of an instant (whole seconds, UTC). */
export function utcSeconds(d: Date): string {
  const iso = d.toISOString();
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
}

/** Parse `YYYY-MM-DDTHH:MM:SSZ` (a real calendar instant) or return undefined. */
export function parseUtcSeconds(s: string): Date | undefined {
  if (!UTC_SECONDS.test(s)) return undefined;
  const y = Number(s.slice(0, 4));
  const mo = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  const h = Number(s.slice(11, 13));
  const mi = Number(s.slice(14, 16));
  const se = Number(s.slice(17, 19));
  if (y >= 100) {
    // The fields must name a real instant: Date.UTC rolls 30 February or 24:00 over, so compare back.
    const d = new Date(Date.UTC(y, mo - 1, day, h, mi, se));
    return d.getUTCFullYear() === y &&
      d.getUTCMonth() === mo - 1 &&
      d.getUTCDate() === day &&
      d.getUTCHours() === h &&
      d.getUTCMinutes() === mi &&
      d.getUTCSeconds() === se
      ? d
      : undefined;
  }
  const d = new Date(s);
  return Number.isNaN(d.getTime()) || utcSeconds(d) !== s ? undefined : d;
}
