// The Responsible Supplier's response to the Dormant Meter Migration Schedule (TMAD 4.32; MAM 6, 7.4,
// 7.5): the schedule the MCC sent, with its yellow columns filled in (Priority; Supplier and Network
// Operator Certificate IDs), written in the same layout and sealed as MAM 7.5 asks: an AES-256 zip whose
// password is the MD5 of the spreadsheet (7.5.1, 7.5.2), the Table 7.5.1 password file, and its
// detached signature (7.5.3). Due by 10:00 on the Thursday of the week before the Migration Week (MAM 6).
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readXlsx, writeXlsx, XlsxError } from '../lib/xlsx/xlsx.js';
import { writeEncryptedZip } from '../lib/archive/zip.js';
import { migrationCycle } from '../core/calendar/index.js';
import { pemCertificates, signDetached } from '../core/crypto/cms.js';
import { writePasswordFile } from '../core/formats/ma/password-file.js';
import { tokenizeCsvLine } from '../core/formats/ma/csv-line.js';
import {
  RESPONSE_COLUMNS,
  noticeFileName,
  parseNoticeDate,
  responseFileNameFor,
  parseTable,
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

/**
 * Fill the schedule's response columns from a CSV whose first column is `CHF Device ID` and whose other
 * columns are MAM Table 7.4.2 response column names (Priority and the certificate columns).
 */
export function fillResponse(
  schedule: DormantTable,
  certificatesCsv: string,
  file: string,
): { table: DormantTable; filled: number; problems: DormantProblem[] } {
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
  const rows = schedule.rows.map((r) => ({ ...r }));
  if (problems.length > 0) return { table: { ...schedule, rows }, filled: 0, problems };
  const byChf = new Map(rows.map((r) => [r['CHF Device ID']!, r]));
  let filled = 0;
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
    const row = byChf.get(v[0]!);
    if (!row) {
      bad(i + 1, 'CHF Device ID', `${v[0]} is not an installation of this schedule`);
      continue;
    }
    cols.slice(1).forEach((c, j) => (row[c] = v[j + 1]!));
    filled++;
  }
  return { table: { ...schedule, rows }, filled, problems };
}

/** Read the schedule, fill it in, check the result as the MCC will, write and seal it (MAM 7.5). */
export async function respondToSchedule(
  schedulePath: string,
  certificatesPath: string | undefined,
  o: RespondOptions,
): Promise<RespondResult> {
  const at = o.at ?? new Date();
  const name = path.basename(schedulePath);
  let rows: string[][];
  try {
    rows = (await readXlsx(await fs.readFile(schedulePath), name)).rows;
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
  const parsed = parseTable('schedule', rows, name);
  if (!parsed.table || parsed.problems.length > 0) return { ok: false, problems: parsed.problems };
  let table = parsed.table;
  let filled = 0;
  if (certificatesPath !== undefined) {
    const f = fillResponse(
      table,
      await fs.readFile(certificatesPath, 'utf8'),
      path.basename(certificatesPath),
    );
    if (f.problems.length > 0) return { ok: false, problems: f.problems };
    ({ table, filled } = f);
  }
  const out = await writeXlsx(
    { name: 'Dormant Migration Schedule', rows: tableRows(table) },
    { modified: at },
  );
  // The response must read back as a valid schedule (what the MCC checks).
  const again = parseTable(
    'schedule',
    (await readXlsx(out, 'response')).rows,
    path.basename(certificatesPath ?? name),
  );
  if (again.problems.length > 0) return { ok: false, problems: again.problems };

  const firstDay = table.rows
    .map((r) => parseNoticeDate('schedule', r['Not before']!))
    .filter((d) => d !== undefined)
    .sort()[0];
  const week = firstDay;
  const deadline = week ? migrationCycle(week).migrationAuthorisation : undefined;

  const key = typeof o.key === 'string' ? createPrivateKey(o.key) : o.key;
  const certDer = typeof o.cert === 'string' ? pemCertificates(o.cert)[0] : o.cert;
  if (!certDer) throw new Error('no certificate found in the certificate input');
  checkSigner(certDer, key, at);

  // A schedule of the DCC's naming (a re-notification included) is answered under its own name + _Response.
  const responseName =
    responseFileNameFor(name) ??
    noticeFileName(
      'schedule',
      table.header.partySignifiers[0]!,
      table.header.smso,
      week ?? '00000000',
      'xlsx',
      true,
    );
  const stem = responseName.replace(/\.xlsx$/, '');
  const md5 = createHash('md5').update(out).digest('hex'); // MAM 7.5.2: the MD5 of the spreadsheet is the password
  const passwordFile = writePasswordFile({ userId: o.userId, csvFileName: responseName, md5 });
  const signature = signDetached(passwordFile, key, certDer, { signingTime: at });
  const zip = await writeEncryptedZip(responseName, out, md5, { lastModDate: at });
  await fs.mkdir(o.outDir, { recursive: true });
  const files = {
    response: path.join(o.outDir, responseName),
    zip: path.join(o.outDir, `${stem}.zip`),
    passwordFile: path.join(o.outDir, `PASSWORD_${stem}.csv`),
    signature: path.join(o.outDir, `PASSWORD_${stem}.csv.p7s`),
  };
  await fs.writeFile(files.response, out, { mode: 0o640 });
  await fs.writeFile(files.zip, zip, { mode: 0o640 });
  await fs.writeFile(files.passwordFile, passwordFile, { mode: 0o640 });
  await fs.writeFile(files.signature, signature, { mode: 0o640 });
  return {
    ok: true,
    problems: [],
    week,
    deadline,
    late: deadline ? at.getTime() > deadline.getTime() : undefined,
    files,
    installations: table.rows.length,
    filled,
  };
}
