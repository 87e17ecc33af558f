// Shared CSV plumbing of the SMSO inventory and key-material files (docs/SMSO.md): one record per
// physical line (LF or CR LF), RFC 4180 fields (the MA tokenizer of MAM 7.1), a header line that must
// name the columns exactly, and problems that name file, line, column, field, rule and expectation.
import { StringDecoder } from 'node:string_decoder';
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
  const reader = new CsvLineReader(file, header, problems);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let at = 0; at < body.length && !reader.stopped;) {
    const nl = body.indexOf('\n', at);
    const end = nl < 0 ? body.length : nl;
    const raw = body.charCodeAt(end - 1) === 13 && end > at ? body.slice(at, end - 1) : body.slice(at, end);
    at = end + 1;
    const r = reader.line(raw);
    if (r) yield r;
  }
  reader.end();
}

/**
 * iterateCsvRecords over a file read as a stream of chunks (a read stream, or strings in tests): the
 * same lines (split at LF, one CR before it dropped, a leading BOM ignored), the same records and
 * problems, with one line held at a time.
 */
export async function* iterateCsvRecordsFrom(
  chunks: AsyncIterable<string | Buffer>,
  file: string,
  header: readonly string[],
  problems: SmsoCsvProblem[],
): AsyncGenerator<CsvRecord> {
  const reader = new CsvLineReader(file, header, problems);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let first = true;
  const take = (s: string): string => {
    if (first && s.length) {
      first = false;
      if (s.charCodeAt(0) === 0xfeff) return s.slice(1);
    }
    return s;
  };
  for await (const chunk of chunks) {
    const text = rest + take(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    let at = 0;
    for (let nl = text.indexOf('\n'); nl >= 0 && !reader.stopped; nl = text.indexOf('\n', at)) {
      const raw = text.charCodeAt(nl - 1) === 13 && nl > at ? text.slice(at, nl - 1) : text.slice(at, nl);
      at = nl + 1;
      const r = reader.line(raw);
      if (r) yield r;
    }
    if (reader.stopped) break;
    rest = text.slice(at);
  }
  if (!reader.stopped) {
    const tail = rest + take(decoder.end());
    if (tail.length) {
      const raw = tail.charCodeAt(tail.length - 1) === 13 ? tail.slice(0, -1) : tail;
      const r = reader.line(raw);
      if (r) yield r;
    }
  }
  reader.end();
}

/** One physical line at a time (without its line break): the header, then records or problems. */
class CsvLineReader {
  /** Blank lines seen and not yet known to be trailing (reported once a record follows them). */
  private readonly blanks: number[] = [];
  private lineNo = 0;
  /** True once the header is wrong (without it no field can be named): later lines are ignored. */
  stopped = false;

  constructor(
    private readonly file: string,
    private readonly header: readonly string[],
    private readonly problems: SmsoCsvProblem[],
  ) {}

  private problem(line: number | null, column: number | null, field: string | null, message: string): void {
    this.problems.push({ file: this.file, line, column, field, rule: FORMAT_RULE, message });
  }

  /** After the last line. */
  end(): void {
    if (this.lineNo === 0)
      this.problem(null, null, null, `the file is empty: expected the header line ${this.header.join(',')}`);
  }

  line(raw: string): CsvRecord | undefined {
    if (this.stopped) return undefined;
    const header = this.header;
    const lineNo = ++this.lineNo;
    if (raw === '') {
      this.blanks.push(lineNo);
      return undefined;
    }
    for (const b of this.blanks.splice(0))
      this.problem(b, 1, null, 'blank line: expected a record (blank lines are allowed only at the end)');
    const tok = tokenizeCsvLine(raw);
    if (!tok.ok) {
      this.problem(lineNo, tok.column, null, tok.message);
      return undefined;
    }
    if (lineNo === 1) {
      const got = tok.fields.map((f) => f.value);
      if (got.length !== header.length || got.some((v, k) => v !== header[k])) {
        const k = got.findIndex((v, j) => v !== header[j]);
        const at = k >= 0 ? k : Math.min(got.length, header.length);
        this.problem(
          1,
          tok.fields[at]?.start !== undefined ? tok.fields[at].start + 1 : raw.length + 1,
          header[at] ?? null,
          `header line: expected exactly ${header.join(',')} (column ${at + 1} should be '${header[at] ?? '(end of line)'}', found '${got[at] ?? '(end of line)'}')`,
        );
        this.stopped = true;
      }
      return undefined;
    }
    if (tok.fields.length !== header.length) {
      this.problem(
        lineNo,
        tok.fields.length > header.length ? tok.fields[header.length]!.start + 1 : raw.length + 1,
        null,
        `${tok.fields.length} fields: expected ${header.length} (${header.join(',')})`,
      );
      return undefined;
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
        this.problem(
          lineNo,
          f.start + 1,
          name,
          `${f.value.length} characters: expected at most ${MAX_FIELD_LENGTH}`,
        );
        tooLong = true;
      }
    }
    return tooLong ? undefined : { line: lineNo, values, columns };
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
