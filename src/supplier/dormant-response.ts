// The Responsible Supplier's response to the Dormant Meter Migration Schedule (TMAD 4.32; MAM 6, 7.4,
// 7.5): the schedule the MCC sent, with its yellow columns filled in (Priority; Supplier and Network
// Operator Certificate IDs), written in the same layout and sealed as MAM 7.5 asks: an AES-256 zip whose
// password is the MD5 of the spreadsheet (7.5.1, 7.5.2), the Table 7.5.1 password file, and its
// detached signature (7.5.3). Due by 10:00 on the Thursday of the week before the Migration Week (MAM 6).
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, openAsBlob, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { createXlsxWriter, streamXlsxRows, XlsxError } from '../lib/xlsx/xlsx.js';
import { writeEncryptedZipStream } from '../lib/archive/zip.js';
import { migrationCycle } from '../core/calendar/index.js';
import { pemCertificates, signDetached } from '../core/crypto/cms.js';
import { writePasswordFile } from '../core/formats/ma/password-file.js';
import { tokenizeCsvLine } from '../core/formats/ma/csv-line.js';
import {
  RESPONSE_COLUMNS,
  SCHEDULE_COLUMNS,
  TableReader,
  noticeFileName,
  parseNoticeDate,
  responseFileNameFor,
  tableRows,
  type DormantProblem,
  type DormantTable,
} from '../core/formats/dormant/index.js';
import { checkSigner } from './ma-seal.js';

export interface RespondOptions {
  /** The supplier's DCC User ID (password file, MAM Table 7.5.1). */
  userId: string;
  key: KeyObject | string;
  cert: string | Uint8Array;
  outDir: string;
  at?: Date;
}

export interface RespondResult {
  ok: boolean;
  problems: DormantProblem[];
  /** The Migration Week (the schedule's Not before) and the response deadline (MAM 6). */
  week?: string;
  deadline?: Date;
  late?: boolean;
  files?: { response: string; zip: string; passwordFile: string; signature: string };
  installations?: number;
  filled?: number;
}

const CERT_FILE_RULE = 'docs/DORMANT.md (certificates input)';

/** The certificates input (docs/DORMANT.md): its columns and, by CHF Device ID, the values and the line. */
export interface CertificatesInput {
  columns: string[];
  /** The line's text (tokenized again when used: smaller than its fields). */
  byChf: Map<string, { text: string; line: number }>;
  problems: DormantProblem[];
}

/** The values after the CHF Device ID of a certificates line kept by parseCertificatesCsv. */
export function certificateValues(entry: { text: string }): string[] {
  const t = tokenizeCsvLine(entry.text);
  return t.ok ? t.fields.slice(1).map((f) => f.value) : [];
}

/**
 * Read the CSV whose first column is `CHF Device ID` and whose other columns are MAM Table 7.4.2 response
 * column names (Priority and the certificate columns).
 */
export function parseCertificatesCsv(certificatesCsv: string, file: string): CertificatesInput {
  const reader = new CertificatesReader(file);
  const text = certificatesCsv.replace(/^\uFEFF/, '');
  let from = 0;
  while (from < text.length) {
    let to = text.indexOf('\n', from);
    if (to === -1) to = text.length;
    reader.line(text.slice(from, to));
    from = to + 1;
  }
  return reader.end();
}

/** parseCertificatesCsv reading the file line by line (the text is never held whole). */
export async function readCertificatesFile(filePath: string, file: string): Promise<CertificatesInput> {
  const reader = new CertificatesReader(file);
  const lines = createInterface({ input: createReadStream(filePath, 'utf8'), crlfDelay: Infinity });
  let first = true;
  for await (const l of lines) {
    reader.line(first ? l.replace(/^\uFEFF/, '') : l);
    first = false;
  }
  return reader.end();
}

class CertificatesReader {
  private n = 0;
  private cols: string[] = [];
  private readonly byChf = new Map<string, { text: string; line: number }>();
  private readonly problems: DormantProblem[] = [];
  /** Empty lines seen but not yet known to be trailing. */
  private blank: number[] = [];
  constructor(private readonly file: string) {}

  private bad(line: number | null, field: string | null, message: string): void {
    this.problems.push({ file: this.file, line, column: null, field, rule: CERT_FILE_RULE, message });
  }

  line(raw: string): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const n = ++this.n;
    if (n === 1) {
      const head = tokenizeCsvLine(text);
      this.cols = head.ok ? head.fields.map((f) => f.value) : [];
      if (this.cols[0] !== 'CHF Device ID')
        this.bad(
          1,
          this.cols[0] ?? null,
          `expected the first column 'CHF Device ID', then columns of MAM Table 7.4.2 among: ${RESPONSE_COLUMNS.join(', ')}`,
        );
      this.cols.slice(1).forEach((c) => {
        if (!RESPONSE_COLUMNS.includes(c))
          this.bad(
            1,
            c,
            `'${c}' is not a column the Responsible Supplier fills in (MAM 7.4.2): expected one of ${RESPONSE_COLUMNS.join(', ')}`,
          );
      });
      return;
    }
    if (this.problems.length > 0 && this.n > 1 && this.problems[0]!.line === 1) return;
    if (text === '') {
      this.blank.push(n);
      return;
    }
    for (const b of this.blank)
      this.bad(b, null, `0 fields: expected ${this.cols.length} as in the header line`);
    this.blank = [];
    const t = tokenizeCsvLine(text);
    if (!t.ok) {
      this.bad(n, null, `column ${t.column}: ${t.message}`);
      return;
    }
    if (t.fields.length !== this.cols.length) {
      this.bad(n, null, `${t.fields.length} fields: expected ${this.cols.length} as in the header line`);
      return;
    }
    const chf = t.fields[0]!.value;
    const seen = this.byChf.get(chf);
    if (seen) {
      this.bad(n, 'CHF Device ID', `${chf} is given twice (also line ${seen.line})`);
      return;
    }
    this.byChf.set(chf, { text, line: n });
  }

  end(): CertificatesInput {
    if (this.n === 0) this.line('');
    return { columns: this.cols, byChf: this.byChf, problems: this.problems };
  }
}

/** Fill the schedule's response columns from the certificates CSV (parseCertificatesCsv). */
export function fillResponse(
  schedule: DormantTable,
  certificatesCsv: string,
  file: string,
): { table: DormantTable; filled: number; problems: DormantProblem[] } {
  const input = parseCertificatesCsv(certificatesCsv, file);
  const rows = schedule.rows.map((r) => ({ ...r }));
  if (input.problems.length > 0) return { table: { ...schedule, rows }, filled: 0, problems: input.problems };
  let filled = 0;
  const used = new Set<string>();
  for (const row of rows) {
    const f = input.byChf.get(row['CHF Device ID']!);
    if (!f) continue;
    const values = certificateValues(f);
    input.columns.slice(1).forEach((c, j) => (row[c] = values[j]!));
    used.add(row['CHF Device ID']!);
    filled++;
  }
  const problems = unusedCertificateLines(input, used, file);
  return { table: { ...schedule, rows }, filled, problems };
}

function unusedCertificateLines(input: CertificatesInput, used: Set<string>, file: string): DormantProblem[] {
  const out: DormantProblem[] = [];
  for (const [chf, f] of input.byChf)
    if (!used.has(chf))
      out.push({
        file,
        line: f.line,
        column: null,
        field: 'CHF Device ID',
        rule: CERT_FILE_RULE,
        message: `${chf} is not an installation of this schedule`,
      });
  return out.sort((a, b) => a.line! - b.line!);
}

/** At most this many problems are listed. */
const MAX_PROBLEMS = 1000;

/**
 * Read the schedule, fill it in, check the result as the MCC will, write and seal it (MAM 7.5). The
 * schedule is read row by row and the response written row by row (streamXlsxRows, createXlsxWriter):
 * memory holds the certificates input, not the workbook.
 */
export async function respondToSchedule(
  schedulePath: string,
  certificatesPath: string | undefined,
  o: RespondOptions,
): Promise<RespondResult> {
  const at = o.at ?? new Date();
  const name = path.basename(schedulePath);
  const certName = path.basename(certificatesPath ?? name);
  let input: CertificatesInput | undefined;
  if (certificatesPath !== undefined) {
    input = await readCertificatesFile(certificatesPath, certName);
    if (input.problems.length > 0) return { ok: false, problems: input.problems };
  }
  const key = typeof o.key === 'string' ? createPrivateKey(o.key) : o.key;
  const certDer = typeof o.cert === 'string' ? pemCertificates(o.cert)[0] : o.cert;
  if (!certDer) throw new Error('no certificate found in the certificate input');
  checkSigner(certDer, key, at);

  await fs.mkdir(o.outDir, { recursive: true });
  const partial = path.join(o.outDir, `.${name}.${process.pid}.partial`);
  const md5h = createHash('md5');
  const fh = createWriteStream(partial, { flags: 'wx', mode: 0o640 });
  const sink = new WritableStream<Uint8Array>({
    write: (c) =>
      new Promise<void>((resolve, reject) => {
        md5h.update(c);
        fh.write(c, (e) => (e ? reject(e) : resolve()));
      }),
    close: () => new Promise<void>((resolve) => fh.end(resolve)),
    abort: () => {
      fh.destroy();
    },
  });
  const writer = createXlsxWriter('Dormant Migration Schedule', sink, { modified: at });
  const reader = new TableReader('schedule', name, MAX_PROBLEMS);
  // The response must read back as a valid schedule (what the MCC checks): every row written is checked.
  const check = new TableReader('schedule', certName, MAX_PROBLEMS);
  const used = new Set<string>();
  let pending: string[][] = [];
  let out = 0;
  let headerWritten = false;
  let filled = 0;
  let installations = 0;
  let firstDay: string | undefined;
  const cols = SCHEDULE_COLUMNS;
  let ok = false;
  try {
    try {
      await streamXlsxRows(
        await openAsBlob(schedulePath),
        name,
        (i, cells) => {
          const row = reader.push(i, cells);
          if (reader.header && !headerWritten) {
            headerWritten = true;
            for (const h of tableRows({ kind: 'schedule', header: reader.header, rows: [] })) {
              check.push(out++, h);
              pending.push(h);
            }
          }
          if (!row) return;
          installations++;
          const d = parseNoticeDate('schedule', row['Not before']!);
          if (d && (firstDay === undefined || d < firstDay)) firstDay = d;
          const f = input?.byChf.get(row['CHF Device ID']!);
          if (f) {
            const values = certificateValues(f);
            input!.columns.slice(1).forEach((c, j) => (row[c] = values[j]!));
            used.add(row['CHF Device ID']!);
            filled++;
          }
          const line = cols.map((c) => row[c] ?? '');
          check.push(out++, line);
          pending.push(line);
        },
        {},
        {
          afterChunk: async () => {
            const rows = pending;
            pending = [];
            if (reader.problemCount > 0 || check.problemCount > 0) return; // not written: stop writing
            for (const r of rows) await writer.write(r);
          },
        },
      );
    } catch (e) {
      if (!(e instanceof XlsxError)) throw e;
      return {
        ok: false,
        problems: [
          {
            file: name,
            line: null,
            column: null,
            field: null,
            rule: 'MAM 7.4 (Excel spreadsheet)',
            message: e.message,
          },
        ],
      };
    }
    reader.finish();
    if (!reader.header || reader.problemCount > 0) return { ok: false, problems: withMore(reader) };
    if (input) {
      const unused = unusedCertificateLines(input, used, certName);
      if (unused.length > 0) return { ok: false, problems: unused.slice(0, MAX_PROBLEMS) };
    }
    if (check.problemCount > 0) return { ok: false, problems: withMore(check) };
    await writer.close();
    ok = true;
  } finally {
    if (!ok) {
      await writer.close().catch(() => undefined);
      await fs.rm(partial, { force: true });
    }
  }

  const header = reader.header;
  const week = firstDay;
  const deadline = week ? migrationCycle(week).migrationAuthorisation : undefined;
  // A schedule of the DCC's naming (a re-notification included) is answered under its own name + _Response.
  const responseName =
    responseFileNameFor(name) ??
    noticeFileName('schedule', header.partySignifiers[0]!, header.smso, week ?? '00000000', 'xlsx', true);
  const stem = responseName.replace(/\.xlsx$/, '');
  const md5 = md5h.digest('hex'); // MAM 7.5.2: the MD5 of the spreadsheet is the password
  const passwordFile = writePasswordFile({ userId: o.userId, csvFileName: responseName, md5 });
  const signature = signDetached(passwordFile, key, certDer, { signingTime: at });
  const files = {
    response: path.join(o.outDir, responseName),
    zip: path.join(o.outDir, `${stem}.zip`),
    passwordFile: path.join(o.outDir, `PASSWORD_${stem}.csv`),
    signature: path.join(o.outDir, `PASSWORD_${stem}.csv.p7s`),
  };
  await fs.rename(partial, files.response);
  await writeEncryptedZipStream(
    responseName,
    await openAsBlob(files.response),
    md5,
    Writable.toWeb(createWriteStream(files.zip, { mode: 0o640 })),
    { lastModDate: at },
  );
  await fs.writeFile(files.passwordFile, passwordFile, { mode: 0o640 });
  await fs.writeFile(files.signature, signature, { mode: 0o640 });
  return {
    ok: true,
    problems: [],
    week,
    deadline,
    late: deadline ? at.getTime() > deadline.getTime() : undefined,
    files,
    installations,
    filled,
  };
}

function withMore(r: TableReader): DormantProblem[] {
  return r.problemCount > r.problems.length
    ? [
        ...r.problems,
        {
          file: r.file,
          line: null,
          column: null,
          field: null,
          rule: 'MAM 7.4.2',
          message: `${r.problemCount - r.problems.length} more problem(s) not listed`,
        },
      ]
    : r.problems;
}
