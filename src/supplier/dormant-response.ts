// The Responsible Supplier's response to the Dormant Meter Migration Schedule (TMAD 4.32; MAM 6, 7.4,
// 7.5): the schedule the MCC sent, with its yellow columns filled in (Priority; Supplier and Network
// Operator Certificate IDs), written in the same layout and sealed as MAM 7.5 asks: an AES-256 zip whose
// password is the MD5 of the spreadsheet (7.5.1, 7.5.2), the Table 7.5.1 password file, and its
// detached signature (7.5.3). Due by 10:00 on the Thursday of the week before the Migration Week (MAM 6).
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { createWriteStream, openAsBlob, promises as fs } from 'node:fs';
import path from 'node:path';
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
  byChf: Map<string, { values: string[]; line: number }>;
  problems: DormantProblem[];
}

/**
 * Read the CSV whose first column is `CHF Device ID` and whose other columns are MAM Table 7.4.2 response
 * column names (Priority and the certificate columns).
 */
export function parseCertificatesCsv(certificatesCsv: string, file: string): CertificatesInput {
  const problems: DormantProblem[] = [];
  const bad = (line: number | null, field: string | null, message: string) =>
    problems.push({ file, line, column: null, field, rule: CERT_FILE_RULE, message });
  const lines = certificatesCsv
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const head = tokenizeCsvLine(lines[0] ?? '');
  const cols = head.ok ? head.fields.map((f) => f.value) : [];
  const byChf = new Map<string, { values: string[]; line: number }>();
  if (cols[0] !== 'CHF Device ID')
    bad(
      1,
      cols[0] ?? null,
      `expected the first column 'CHF Device ID', then columns of MAM Table 7.4.2 among: ${RESPONSE_COLUMNS.join(', ')}`,
    );
  cols.slice(1).forEach((c) => {
    if (!RESPONSE_COLUMNS.includes(c))
      bad(
        1,
        c,
        `'${c}' is not a column the Responsible Supplier fills in (MAM 7.4.2): expected one of ${RESPONSE_COLUMNS.join(', ')}`,
      );
  });
  if (problems.length > 0) return { columns: cols, byChf, problems };
  for (let i = 1; i < lines.length; i++) {
    const t = tokenizeCsvLine(lines[i]!);
    if (!t.ok) {
      bad(i + 1, null, `column ${t.column}: ${t.message}`);
      continue;
    }
    const v = t.fields.map((f) => f.value);
    if (v.length !== cols.length) {
      bad(i + 1, null, `${v.length} fields: expected ${cols.length} as in the header line`);
      continue;
    }
    if (byChf.has(v[0]!)) {
      bad(i + 1, 'CHF Device ID', `${v[0]} is given twice (also line ${byChf.get(v[0]!)!.line})`);
      continue;
    }
    byChf.set(v[0]!, { values: v.slice(1), line: i + 1 });
  }
  return { columns: cols, byChf, problems };
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
    input.columns.slice(1).forEach((c, j) => (row[c] = f.values[j]!));
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
    input = parseCertificatesCsv(await fs.readFile(certificatesPath, 'utf8'), certName);
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
            input!.columns.slice(1).forEach((c, j) => (row[c] = f.values[j]!));
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
