// Migration Authorisation parser and validator (MAM 7.1, 7.2; TMAD 4.35–4.40). Reports EVERY
// problem, in one pass over a stream of chunks (memory flat in the rows): the file is split on LF and each physical line is checked on its own, so one bad line
// never hides the others. Pure: no I/O, no clock (lateness needs opts.receivedAt).
import {
  type CertificateId,
  type Eui64,
  DEFAULT_SMSO_CODES,
  NULL_CERTIFICATE_ID,
  issuerCommonName,
  isHyphenatedEui64,
  parseEui64,
  parseMpan,
  parseMprn,
} from '../../ids/index.js';
import {
  WEEKDAY_NAMES,
  addDays,
  formatLondonIso,
  migrationCycle,
  migrationWeekOf,
  weekday,
} from '../../calendar/index.js';
import { type CsvField, tokenizeCsvLine } from './csv-line.js';
import { parseCompactDate, toCompactDate } from './dates.js';
import {
  F_MIGRATE_ON,
  F_MIGRATION_WEEK,
  F_MPAN,
  F_MPRN,
  F_PRIORITY,
  MANDATORY_WITH_MPAN,
  MANDATORY_WITH_MPRN,
  MA_CERTIFICATE_KEYS,
  MA_FIELDS,
  MA_FIELD_MAX_LENGTH,
  MA_HEADER_FIELDS,
  MA_HEADER_MAX_LENGTH,
  type MaCertificateKey,
  certificateFields,
  certificateLabel,
} from './fields.js';
import { parseMaFileName } from './file-name.js';
import { DigitLineIndex, LineRanges } from './line-index.js';
import { BoundedProblems, DEFAULT_MAX_PROBLEMS } from '../../bounded-problems.js';
import type { MaHeader, MaProblem, MaRow, MaValidateOptions, MaValidationReport } from './model.js';

const R71 = 'MAM 7.1';
const R721 = 'MAM 7.2.1';
const R722 = 'MAM 7.2.2';
const R723 = 'MAM 7.2.3';
const R724 = 'MAM 7.2.4';

/** Lines per problem list before "and N more" in lateness messages. */
const MAX_LINES_LISTED = 20;

/**
 * The longest physical line read (bytes, without its LF). A valid row is far shorter (25 fields; the
 * issuer names are the only unbounded ones); a longer line is one error and is skipped to the next LF,
 * so memory stays bounded per line (issue #10; SPEC-DECISIONS "MA intake limits").
 */
export const MA_MAX_LINE_BYTES = 64 * 1024;

export interface MaStreamOptions extends MaValidateOptions {
  /** Errors kept in the report (the count stays exact; the rest are summarised per rule). Default 100. */
  maxErrors?: number;
  /** Warnings kept (as maxErrors). Default 100. */
  maxWarnings?: number;
  /** Longest line read, in bytes (default MA_MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /** Keep the valid rows in report.authorisation.rows (default false: memory flat in the rows). */
  keepRows?: boolean;
  /** Called with every valid row, in line order (rows of an MA that fails later are passed too). */
  onRow?: (row: MaRow) => void;
}

/** Validate a whole MA held in memory (MAM 7.1, 7.2): the rows are kept in report.authorisation. */
export function validateMigrationAuthorisation(
  content: Uint8Array | string,
  opts: MaStreamOptions = {},
): MaValidationReport {
  const v = new MaValidator({ keepRows: true, ...opts });
  v.write(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  return v.end();
}

/** Validate an MA read as a stream of chunks (a file, a zip entry) in memory flat in the rows. */
export async function validateMaStream(
  source: AsyncIterable<Uint8Array>,
  opts: MaStreamOptions = {},
): Promise<MaValidationReport> {
  const v = new MaValidator(opts);
  for await (const chunk of source) v.write(chunk);
  return v.end();
}

/**
 * The incremental validator: write() the bytes in chunks of any size, then end(). The file is split on
 * LF and each physical line is checked on its own, so one bad line never hides the others; what spans
 * lines (the header, duplicates, CR LF, lateness) is kept in compact form.
 */
export class MaValidator {
  private readonly errors: BoundedProblems<MaProblem>;
  private readonly warnings: BoundedProblems<MaProblem>;
  private readonly error: Report;
  private readonly warn: Report;
  private readonly smsoCodes: Record<string, string>;
  private readonly maxLineBytes: number;
  private readonly rows: MaRow[] | null;
  // line splitting
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;
  private bytes = 0;
  private lineCount = 0;
  // what spans lines
  private readonly headerTokens: Array<CsvField[] | null> = [];
  private readonly crlf = new LineRanges(MAX_LINES_LISTED);
  private readonly seenMpan = new DigitLineIndex();
  private readonly seenMprn = new DigitLineIndex();
  private readonly lateByWeek = new Map<string, LineRanges>();
  private header: { userId: Eui64 | null; commissionedByDcc: boolean | null; smsoCode: string | null } = {
    userId: null,
    commissionedByDcc: null,
    smsoCode: null,
  };
  private bodyRows = 0;
  private validRows = 0;
  /** A short row that would be a footer if it were the last line (MAM 7.2.4): decided by the next line. */
  private shortRow: { line: number; fields: number } | null = null;
  private ended = false;

  constructor(private readonly opts: MaStreamOptions = {}) {
    this.errors = new BoundedProblems(opts.maxErrors ?? DEFAULT_MAX_PROBLEMS);
    this.warnings = new BoundedProblems(opts.maxWarnings ?? DEFAULT_MAX_PROBLEMS);
    this.error = (line, field, rule, message) => this.errors.push({ line, field, rule, message });
    this.warn = (line, field, rule, message) => this.warnings.push({ line, field, rule, message });
    this.smsoCodes = opts.smsoCodes ?? DEFAULT_SMSO_CODES;
    this.maxLineBytes = opts.maxLineBytes ?? MA_MAX_LINE_BYTES;
    this.rows = opts.keepRows ? [] : null;
  }

  write(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.bytes += buf.length;
    let at = 0;
    while (at < buf.length) {
      const lf = buf.indexOf(0x0a, at);
      const end = lf < 0 ? buf.length : lf;
      if (!this.skipping) {
        if (this.pendingBytes + (end - at) > this.maxLineBytes) {
          this.overlong();
        } else if (lf >= 0 && this.pendingBytes === 0) {
          // latin1: one character per byte, so columns are byte columns and non-ASCII bytes stay visible.
          this.line(buf.toString('latin1', at, end));
        } else {
          this.pending.push(buf.subarray(at, end));
          this.pendingBytes += end - at;
          if (lf >= 0) this.flushPending();
        }
      }
      if (lf < 0) break;
      if (this.skipping) this.skipping = false;
      at = lf + 1;
    }
  }

  end(): MaValidationReport {
    if (this.ended) throw new Error('MaValidator.end() called twice');
    this.ended = true;
    // The final LF ends the last line (RFC 4180 2.2); bytes after it are one more line.
    if (!this.skipping && this.pendingBytes > 0) this.flushPending();
    const { error, warn } = this;
    if (this.bytes === 0) {
      error(
        null,
        null,
        R722,
        'the file is empty: expected three header lines (User ID, Commissioned by DCC, SMSO) and one row per authorisation',
      );
      checkFileName(this.opts, null, error);
      return this.finish();
    }
    if (this.lineCount < 3) this.checkHeader();
    if (this.shortRow) {
      const { line, fields } = this.shortRow;
      error(
        line,
        null,
        R724,
        `row has ${fields} field${fields === 1 ? '' : 's'}: expected the ${MA_FIELDS.length} fields of MAM Table 7.2.3: no footer is allowed`,
      );
    }
    if (this.crlf.count > 0) {
      const all = this.crlf.count === this.lineCount;
      error(
        this.crlf.first,
        null,
        R722,
        all
          ? `every line ends with CR LF (0x0D 0x0A), first here: each line must end with LF (0x0A) only (save the file with Unix line ends)`
          : `${this.crlf.count} of ${this.lineCount} lines end with CR LF (0x0D 0x0A), the others with LF: each line must end with LF (0x0A) only (line${this.crlf.count === 1 ? '' : 's'} ${this.crlf.toString()})`,
      );
    }
    // MAM 7.2.3: a header with no rows is almost never what the sender meant.
    if (this.lineCount === 3 && this.bodyRows === 0)
      warn(
        null,
        null,
        R723,
        'no installation rows: almost always a truncated export (the file has a header but authorises no Migration)',
      );
    // ---- lateness (MAM 4; TMAD 4.37): valid, but a warning per late Migration Week ----
    if (this.opts.receivedAt) this.lateness(this.opts.receivedAt);
    return this.finish();
  }

  private overlong(): void {
    const lineNo = ++this.lineCount;
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = true;
    this.error(
      lineNo,
      null,
      R71,
      `line ${lineNo} is longer than ${this.maxLineBytes} bytes, the longest line read: a Migration Authorisation line holds one header field or the 25 fields of a row (MAM Table 7.2.3); the rest of the line is skipped`,
    );
    this.afterLine(lineNo, null);
  }

  private flushPending(): void {
    const text = Buffer.concat(this.pending, this.pendingBytes).toString('latin1');
    this.pending = [];
    this.pendingBytes = 0;
    this.line(text);
  }

  /** One physical line, without its LF. */
  private line(raw: string): void {
    const lineNo = ++this.lineCount;
    const k = lineNo - 1;
    const { error } = this;
    if (raw.endsWith('\r')) {
      // MAM 7.2.2: a line-ending fault repeats on every line of a file saved with CR LF: one error per file.
      this.crlf.add(lineNo);
      raw = raw.slice(0, -1);
    }
    const tok = tokenizeCsvLine(raw);
    const fieldsOfLine = tok.fields;
    const nameAt = (col0: number): string | null => {
      const idx = fieldsOfLine.findIndex((f) => col0 >= f.start && col0 < Math.max(f.end, f.start + 1));
      if (idx < 0) return null;
      return k < 3 ? (MA_HEADER_FIELDS[k] ?? null) : (MA_FIELDS[idx] ?? null);
    };
    // MAM 7.1: only ASCII characters. Control characters and stray CRs: one error per line, naming the
    // first and counting the rest (a binary line would otherwise give one error per byte).
    let firstNonAscii = -1;
    let nonAscii = 0;
    let firstCr = -1;
    let crs = 0;
    let firstControl = -1;
    let controls = 0;
    for (let c = 0; c < raw.length; c++) {
      const code = raw.charCodeAt(c);
      if (code > 0x7f) {
        if (firstNonAscii < 0) firstNonAscii = c;
        nonAscii++;
      } else if (code === 0x0d) {
        if (firstCr < 0) firstCr = c;
        crs++;
      } else if ((code < 0x20 && code !== 0x09) || code === 0x7f) {
        if (firstControl < 0) firstControl = c;
        controls++;
      }
    }
    if (firstCr >= 0)
      error(
        lineNo,
        nameAt(firstCr),
        R722,
        `carriage return (0x0D) at column ${firstCr + 1}` +
          (crs > 1 ? ` (${crs} on this line)` : '') +
          ': lines end with LF (0x0A) only and fields hold no line breaks',
      );
    if (firstControl >= 0) {
      const code = raw.charCodeAt(firstControl);
      error(
        lineNo,
        nameAt(firstControl),
        R71,
        `control character 0x${code.toString(16).padStart(2, '0').toUpperCase()} at column ${firstControl + 1}` +
          (controls > 1 ? ` (${controls} control characters on this line)` : '') +
          ': expected printable ASCII',
      );
    }
    if (firstNonAscii >= 0) {
      const bom = k === 0 && raw.startsWith('\u00ef\u00bb\u00bf');
      error(
        lineNo,
        nameAt(firstNonAscii),
        R71,
        `non-ASCII byte 0x${raw.charCodeAt(firstNonAscii).toString(16).toUpperCase()} at column ${firstNonAscii + 1}` +
          (nonAscii > 1 ? ` (${nonAscii} non-ASCII bytes on this line)` : '') +
          (bom
            ? ': the file starts with a UTF-8 byte order mark; save it as plain ASCII'
            : ': only ASCII characters may be used'),
      );
    }
    if (!tok.ok) {
      error(lineNo, nameAt(tok.column - 1), R71, `malformed quoting: ${tok.message}`);
      this.afterLine(lineNo, null);
    } else this.afterLine(lineNo, tok.fields);
  }

  /** The line's fields (null when unreadable) in their place: header (lines 1-3) or body. */
  private afterLine(lineNo: number, f: CsvField[] | null): void {
    if (lineNo <= 3) {
      this.headerTokens.push(f);
      if (lineNo === 3) this.checkHeader();
      return;
    }
    this.bodyRows++;
    if (this.shortRow) {
      // Not the last line after all: not a footer.
      const { line, fields } = this.shortRow;
      this.shortRow = null;
      this.error(
        line,
        null,
        R723,
        `row has ${fields} field${fields === 1 ? '' : 's'}: expected the ${MA_FIELDS.length} fields of MAM Table 7.2.3`,
      );
    }
    if (f) this.body(lineNo, f);
  }

  // ---- header (MAM 7.2.2, Table 7.2.2): three lines, one field each ----
  private checkHeader(): void {
    const { error, warn, smsoCodes } = this;
    const lines = this.lineCount;
    const headerValues: [string | null, string | null, string | null] = [null, null, null];
    for (let k = 0; k < 3; k++) {
      const name = MA_HEADER_FIELDS[k]!;
      if (k >= lines) {
        error(
          null,
          name,
          R722,
          `header line ${k + 1} (${name}) is missing: the file has only ${lines} line${lines === 1 ? '' : 's'}; expected User ID, Commissioned by DCC and SMSO on lines 1-3`,
        );
        continue;
      }
      const f = this.headerTokens[k];
      if (!f) continue;
      if (f.length !== 1) {
        error(
          k + 1,
          name,
          R722,
          `header line ${k + 1} has ${f.length} fields: expected exactly one field (${name}) on this line`,
        );
        // Still check the first field so its own problems are reported too.
      }
      const v = f[0]!.value;
      const max = MA_HEADER_MAX_LENGTH[name]!;
      if (v === '') {
        error(k + 1, name, R722, `${name} is empty: it is mandatory`);
      } else if (v.length > max) {
        error(k + 1, name, R722, `${name} '${v}' has ${v.length} characters: at most ${max} allowed`);
        headerValues[k] = null;
      } else headerValues[k] = v;
    }
    const h = this.header;
    if (headerValues[0] !== null) {
      const v = headerValues[0];
      if (!isHyphenatedEui64(v)) {
        error(
          1,
          'User ID',
          R722,
          `'${v}' is not a User ID: expected an EUI-64 written as 23 characters, 8 hex octets separated by hyphens (e.g. 70-B3-D5-1F-30-00-A0-08)`,
        );
      } else {
        const p = parseEui64(v);
        if (p.ok) {
          h.userId = p.value;
          if (p.value !== v) warn(1, 'User ID', R722, `User ID '${v}' is in lower case: read as ${p.value}`);
        }
      }
    }
    if (headerValues[1] !== null) {
      const v = headerValues[1];
      if (v === 'YES') h.commissionedByDcc = true;
      else if (v === 'NO') h.commissionedByDcc = false;
      else
        error(2, 'Commissioned by DCC', R722, `'${v}' is not allowed: expected YES or NO (upper case only)`);
    }
    if (headerValues[2] !== null) {
      const v = headerValues[2];
      if (!/^[A-Z]{3}$/.test(v))
        error(
          3,
          'SMSO',
          R722,
          `'${v}' is not an SMSO code: expected the 3-character SMSO name in upper case (${Object.keys(smsoCodes).join(', ')})`,
        );
      else if (!(v in smsoCodes))
        error(
          3,
          'SMSO',
          R722,
          `'${v}' is not a known SMSO code: expected one of ${Object.keys(smsoCodes).join(', ')}`,
        );
      else h.smsoCode = v;
    }
    checkFileName(this.opts, { userId: h.userId, smsoCode: h.smsoCode }, error);
  }

  // ---- body (MAM 7.2.3): one row per authorisation, 25 fields, no title row, no footer ----
  private body(lineNo: number, f: CsvField[]): void {
    const { error, warn } = this;
    if (f.length !== MA_FIELDS.length) {
      const blank = f.length === 1 && f[0]!.value === '';
      if (!blank && f.length < 5) {
        this.shortRow = { line: lineNo, fields: f.length };
        return;
      }
      error(
        lineNo,
        null,
        R723,
        `row has ${f.length} field${f.length === 1 ? '' : 's'}: expected the ${MA_FIELDS.length} fields of MAM Table 7.2.3${blank ? ': the line is blank (blank lines are not allowed)' : ''}`,
      );
      return;
    }
    if (lineNo === 4 && /^mpan$/i.test(f[0]!.value.trim()) && /^mprn$/i.test(f[1]!.value.trim())) {
      error(
        lineNo,
        null,
        R723,
        'a column-title row is not allowed: the body starts with the first authorisation right after the three header lines',
      );
      return;
    }
    const { row, mpan, mprn } = validateRow(
      f.map((x) => x.value),
      lineNo,
      error,
      warn,
    );
    // One MPxN, one authorisation per file (MAM 7.2.3): checked even when the row has other faults.
    for (const [field, value, firstLines] of [
      [F_MPAN, mpan, this.seenMpan],
      [F_MPRN, mprn, this.seenMprn],
    ] as const) {
      if (value === null) continue;
      const first = firstLines.firstLineOrSet(value, lineNo);
      if (first !== undefined)
        error(
          lineNo,
          field,
          R723,
          `${field} ${value} is also on line ${first}: each ${field} may appear only once in a Migration Authorisation (lines ${first} and ${lineNo})`,
        );
    }
    if (!row) return;
    this.validRows++;
    if (this.opts.receivedAt) {
      let r = this.lateByWeek.get(row.effectiveMigrationWeek);
      if (!r) this.lateByWeek.set(row.effectiveMigrationWeek, (r = new LineRanges(MAX_LINES_LISTED)));
      r.add(row.line);
    }
    this.rows?.push(row);
    this.opts.onRow?.(row);
  }

  /** MAM 4 / TMAD 4.37: the MA for a Migration Week is due by 10:00 (UK) on the Thursday before it. */
  private lateness(receivedAt: Date): void {
    for (const [week, lineNos] of [...this.lateByWeek].sort(([a], [b]) => a.localeCompare(b))) {
      let cutoff: Date;
      try {
        cutoff = migrationCycle(week).migrationAuthorisation;
      } catch (e) {
        // e.g. a year outside the calendar's range: say so rather than fail the whole report.
        this.warn(
          lineNos.first,
          F_MIGRATION_WEEK,
          'MAM 4; TMAD 4.37',
          `cannot work out the cut-off for Migration Week ${week}: ${(e as Error).message}`,
        );
        continue;
      }
      if (receivedAt.getTime() <= cutoff.getTime()) continue;
      const ended = receivedAt.getTime() >= Date.parse(`${addDays(week, 7)}T00:00:00Z`);
      const n = lineNos.count;
      this.warn(
        lineNos.first,
        F_MIGRATION_WEEK,
        'MAM 4; TMAD 4.37',
        `received ${formatLondonIso(receivedAt)}, after the cut-off ${formatLondonIso(cutoff)} (10:00 UK time on the Thursday before) for Migration Week ${week}` +
          (ended ? ' (that week has already ended)' : '') +
          `: the DCC may still process these rows but is not obliged to; ${n} row${n === 1 ? '' : 's'} on line${n === 1 ? '' : 's'} ${lineNos.toString()}`,
      );
    }
  }

  private finish(): MaValidationReport {
    const byLine = (a: MaProblem, b: MaProblem) => (a.line ?? 0) - (b.line ?? 0);
    const errors = [...this.errors.kept].sort(byLine);
    const warnings = [...this.warnings.kept].sort(byLine);
    const valid = this.errors.count === 0;
    const { userId, commissionedByDcc, smsoCode } = this.header;
    const header: MaHeader | undefined =
      userId && commissionedByDcc !== null && smsoCode ? { userId, commissionedByDcc, smsoCode } : undefined;
    const r: MaValidationReport = {
      valid,
      errors,
      warnings,
      errorCount: this.errors.count,
      warningCount: this.warnings.count,
      omittedErrors: this.errors.omitted,
      omittedWarnings: this.warnings.omitted,
      rowCount: this.bodyRows,
      validRowCount: this.validRows,
      ...(header ? { header } : {}),
    };
    if (valid && header && this.rows) r.authorisation = { header, rows: this.rows };
    return r;
  }
}

const FIELD_MAX: Array<number | undefined> = MA_FIELDS.map((f) => MA_FIELD_MAX_LENGTH[f]);
const CERT_TABLE = MA_CERTIFICATE_KEYS.map((key) => {
  const [sf, nf] = certificateFields(key);
  return {
    key,
    sf,
    nf,
    withMpan: MANDATORY_WITH_MPAN.includes(key),
    withMprn: MANDATORY_WITH_MPRN.includes(key),
  };
});

type Report = (line: number | null, field: string | null, rule: string, message: string) => void;

function checkFileName(
  opts: MaValidateOptions,
  header: { userId: Eui64 | null; smsoCode: string | null } | null,
  error: Report,
) {
  if (opts.fileName === undefined) return;
  const base = opts.fileName.split(/[\\/]/).pop() ?? opts.fileName;
  const parsed = parseMaFileName(base);
  if (!parsed) {
    error(
      null,
      null,
      R721,
      `file name '${base}' does not follow MA_<SMSO>_<User ID>_<YYYYMMDD>_<HHMMSS>.csv (e.g. MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv)`,
    );
    return;
  }
  if (!header) return;
  if (header.smsoCode && parsed.smsoCode !== header.smsoCode)
    error(
      3,
      'SMSO',
      R721,
      `the file name gives SMSO ${parsed.smsoCode} but the header (line 3) gives ${header.smsoCode}: they must agree`,
    );
  if (header.userId && parsed.userId !== header.userId)
    error(
      1,
      'User ID',
      R721,
      `the file name gives User ID ${parsed.userId} but the header (line 1) gives ${header.userId}: they must agree`,
    );
}

function validateRow(
  values: string[],
  line: number,
  error: Report,
  warn: Report,
): { row: MaRow | null; mpan: string | null; mprn: string | null } {
  const fields: Record<string, string> = {};
  MA_FIELDS.forEach((name, i) => (fields[name] = values[i]!));
  let bad = false;
  const fail = (field: string | null, rule: string, message: string) => {
    bad = true;
    error(line, field, rule, message);
  };

  // MAM 7.1: maximum lengths, no padding. A field that fails here is not checked further.
  const usable: Record<string, string | null> = {};
  for (let i = 0; i < MA_FIELDS.length; i++) {
    const name = MA_FIELDS[i]!;
    const v = values[i]!;
    usable[name] = null;
    if (v === '') continue; // MAM 7.1: blank = omitted
    const max = FIELD_MAX[i];
    if (v.charCodeAt(0) === 0x20 || v.charCodeAt(v.length - 1) === 0x20 || v.trim() !== v) {
      fail(name, R71, `'${v}' is padded with spaces: values are not padded (MAM 7.1)`);
      continue;
    }
    if (max !== undefined && v.length > max) {
      fail(name, R723, `'${v}' has ${v.length} characters: at most ${max} allowed`);
      continue;
    }
    usable[name] = v;
  }

  // MPAN and/or MPRN (MAM 4; TMAD 4.38).
  let mpan: string | null = null;
  let mprn: string | null = null;
  if (usable[F_MPAN] !== null) {
    const p = parseMpan(usable[F_MPAN]!);
    if (p.ok) mpan = p.value.value;
    else fail(F_MPAN, R723, p.error);
  }
  if (usable[F_MPRN] !== null) {
    const p = parseMprn(usable[F_MPRN]!);
    if (p.ok) mprn = p.value;
    else fail(F_MPRN, R723, p.error);
  }
  if (fields[F_MPAN] === '' && fields[F_MPRN] === '')
    fail(F_MPAN, 'MAM 4', 'neither MPAN nor MPRN is given: each row needs an MPAN, an MPRN, or both');

  // Dates (MAM Table 7.2.3: UTC date, YYYYMMDD).
  let migrateOn: string | null = null;
  let migrationWeek: string | null = null;
  if (usable[F_MIGRATE_ON] !== null) {
    const v = usable[F_MIGRATE_ON]!;
    migrateOn = parseCompactDate(v);
    if (!migrateOn) fail(F_MIGRATE_ON, R723, `'${v}' is not a date: expected a real UTC date as YYYYMMDD`);
  }
  if (usable[F_MIGRATION_WEEK] !== null) {
    const v = usable[F_MIGRATION_WEEK]!;
    const d = parseCompactDate(v);
    if (!d)
      fail(
        F_MIGRATION_WEEK,
        R723,
        `'${v}' is not a date: expected the Monday of the Migration Week as YYYYMMDD`,
      );
    else if (weekday(d) !== 1)
      fail(
        F_MIGRATION_WEEK,
        R723,
        `${v} is a ${WEEKDAY_NAMES[weekday(d)]}: the Migration Week is given by its Monday (${toCompactDate(migrationWeekOf(d))})`,
      );
    else migrationWeek = d;
  }
  if (fields[F_MIGRATION_WEEK] === '' && fields[F_MIGRATE_ON] === '')
    fail(F_MIGRATION_WEEK, R723, 'Migration Week is mandatory unless Migrate on is given: both are blank');
  if (migrateOn && migrationWeek && (migrateOn < migrationWeek || migrateOn > addDays(migrationWeek, 6)))
    fail(
      F_MIGRATE_ON,
      R723,
      `Migrate on ${toCompactDate(migrateOn)} is outside the Migration Week ${toCompactDate(migrationWeek)} to ${toCompactDate(addDays(migrationWeek, 6))}`,
    );

  // Priority (MAM Table 7.2.3; TMAD 4.40).
  const pv = fields[F_PRIORITY]!;
  if (pv !== '' && usable[F_PRIORITY] !== null && pv !== 'Y')
    fail(F_PRIORITY, R723, `'${pv}' is not allowed: expected Y (upper case) or blank`);

  // Certificate IDs (MAM Table 7.2.3; TMAD 4.38, 4.40, 10.1).
  const certs = {} as Record<MaCertificateKey, CertificateId | null>;
  const hasMpan = fields[F_MPAN] !== '';
  const hasMprn = fields[F_MPRN] !== '';
  for (const { key, sf, nf, withMpan, withMprn } of CERT_TABLE) {
    const s = fields[sf]!;
    const n = fields[nf]!;
    certs[key] = null;
    const needed = hasMpan && withMpan ? 'an MPAN' : hasMprn && withMprn ? 'an MPRN' : null;
    if (s === '' && n === '') {
      if (needed)
        fail(
          sf,
          R723,
          `${certificateLabel(key)} is mandatory in a row with ${needed}: serial number and issuer name are blank`,
        );
      continue;
    }
    if (s === '') {
      fail(
        sf,
        R723,
        `an issuer name is given but the serial number is blank: ${certificateLabel(key)} needs both` +
          (needed ? ` (mandatory in a row with ${needed})` : ''),
      );
      continue;
    }
    if (n === '')
      fail(
        nf,
        R723,
        `the serial number ${s} is given but the issuer name is blank: the issuer name is mandatory if the serial number is specified`,
      );
    let serial: string | null = null;
    if (usable[sf] !== null) {
      if (!/^\d+$/.test(s)) {
        fail(
          sf,
          R723,
          `'${s}' is not an X509SerialNumber: expected a decimal integer of up to 44 digits` +
            (/e\+?\d/i.test(s)
              ? ' (it looks like a number in scientific notation, as Excel writes long numbers)'
              : ''),
        );
      } else {
        serial = s;
        if (s.length > 1 && s.startsWith('0')) {
          serial = s.replace(/^0+(?=\d)/, '');
          warn(line, sf, R723, `serial number '${s}' has leading zeros: read as ${serial}`);
        }
      }
    }
    let issuer: string | null = null;
    if (n !== '' && usable[nf] !== null) {
      if (n === 'NULL' && serial === '0') issuer = 'NULL';
      else if (n === 'NULL')
        fail(
          nf,
          R723,
          `issuer 'NULL' with serial ${s}: the Null Certificate ID is serial 0 with issuer NULL (TMAD 2)`,
        );
      else {
        // TMAD 2: the Issuer X520 Common Name, bare ('Z1') or in a distinguished name ('CN=Z1,OU=07').
        const cn = issuerCommonName(n);
        if (!cn.ok) fail(nf, R723, `'${n}' is not an X509IssuerName: ${cn.error}`);
        else issuer = n;
      }
    }
    if (serial !== null && issuer !== null)
      certs[key] =
        serial === '0' && issuer === 'NULL'
          ? NULL_CERTIFICATE_ID
          : { serialNumber: serial, issuerName: issuer };
  }

  if (bad) return { row: null, mpan, mprn };
  const row: MaRow = {
    line,
    mpan,
    mprn,
    migrationWeek,
    migrateOn,
    effectiveMigrationWeek: migrationWeek ?? migrationWeekOf(migrateOn!),
    priority: pv === 'Y',
    ...certs,
    fields,
  };
  return { row, mpan, mprn };
}
