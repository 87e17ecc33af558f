// Dormant notices and responses (TMAD 4.29–4.32A; MAM 5, 6, 7.3, 7.4, 7.5): the exact header lines and
// body columns of MAM Tables 7.3.1/7.3.2/7.4.1/7.4.2 (quoted), date formats, notice deadlines from the
// calendar, the affiliates rule, workbook/CSV round trips, workbooks made by other tools (7zz; and
// LibreOffice when installed), the sealed response read back, and the 4.32A gate.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { readXlsx, streamXlsxRows, writeXlsx, writeXlsxStream } from '../../src/lib/xlsx/xlsx.js';
import {
  CERTIFICATE_COLUMN_PAIRS,
  FIRMWARE_NOTICE_COLUMNS,
  NOTICE_HEADER_FIELDS,
  SCHEDULE_COLUMNS,
  csvToRows,
  formatNoticeDate,
  parseNoticeDate,
  parseTable,
  rowsToCsv,
  supplierCertificateGaps,
  tableRows,
} from '../../src/core/formats/dormant/index.js';
import { parseSmsoInventoryCsv } from '../../src/core/formats/smso/inventory.js';
import { mpanWithCheckDigit } from '../../src/core/ids/mpxn.js';
import type { ReferenceData } from '../../src/core/reference/reference-data.js';
import {
  decodeNotice,
  dormantMigrationGate,
  encodeNotice,
  planDormantNotices,
  receiveDormantResponse,
  writeDormantNotices,
  type DormantNoticeOptions,
} from '../../src/mcc/dormant-notices.js';
import { respondToSchedule } from '../../src/supplier/dormant-response.js';
import { loadTrust } from '../../src/mcc/ma-intake.js';
import { openStore } from '../../src/store/index.js';
import { makeOpensslPki, type TestPki } from '../support/openssl-pki.js';

const WEEK = '2027-03-01'; // a Monday; no bank holiday in February 2027
const MPAN_1 = mpanWithCheckDigit('140000000001');
const MPAN_2 = mpanWithCheckDigit('140000000002');
const MPAN_3 = mpanWithCheckDigit('140000000003');
const MPAN_4 = mpanWithCheckDigit('140000000004');

const HEAD =
  'chf_device_id,device_type,device_id,manufacturer,model,firmware_version,serial_number,status,han_joined_at,last_wan_contact_at,mpan,mprn,unsolicited_hh_data';
function inst(
  n: number,
  chfModel: string,
  mpan: string,
  mprn: string,
  status: 'Dormant' | 'Active',
): string[] {
  const id = (t: number) => `00-DB-26-76-${t}0-00-00-0${n}`;
  return [
    `${id(1)},CHF,${id(1)},Telegesis,${chfModel},2.1.4,TEL00${n},,,2026-01-01T00:00:00Z,${mpan},${mprn},N`,
    `${id(1)},ESME,${id(2)},Secure,Liberty-100,5.12,SEC00${n},${status},2018-12-01T16:17:55Z,,,,`,
    ...(mprn
      ? [
          `${id(1)},GSME,${id(3)},Secure,Europa-G,4.4,GAS00${n},${status},2018-12-02T16:17:55Z,,,,`,
          `${id(1)},GPF,${id(4)},Telegesis,GPF-S1,2.1.4,GPF00${n},,2018-12-01T16:17:55Z,,,,`,
        ]
      : []),
  ];
}
const INVENTORY = [
  HEAD,
  ...inst(1, 'CHF-AA', MPAN_1, '1000000001', 'Dormant'), // affiliated split site, GroupID AA: electricity supplier only
  ...inst(2, 'CHF-EA', MPAN_2, '1000000002', 'Dormant'), // affiliated split site, GroupID EA: both told
  ...inst(3, 'CHF-AA', MPAN_3, '', 'Dormant'), // electricity only
  ...inst(4, 'CHF-AA', MPAN_4, '1000000004', 'Active'), // not dormant: no notice
].join('\n');

const installations = (() => {
  const r = parseSmsoInventoryCsv(INVENTORY, 'inventory.csv');
  assert.deepEqual(r.problems, []);
  return r.installations;
})();

// Registration Data and reference answers: MPANs → ELEC01, MPRNs → GASS01, the two are Affiliates.
const reference = {
  importSupplierAt: async (mpan: string) =>
    [MPAN_1, MPAN_2, MPAN_3, MPAN_4].includes(mpan) ? 'ELEC01' : null,
  gasSupplierAt: async () => 'GASS01',
  areAffiliates: async (a: string, b: string) => a === b || (a === 'ELEC01' && b === 'GASS01'),
  groupModelCombination: async (g: string, d: { CHF: { model: string } }) =>
    d.CHF.model === `CHF-${g}` ? [{}] : [],
} as unknown as ReferenceData;
const suppliers = new Map([
  ['ELEC01', { name: 'Electric Supply Ltd', marketParticipantIds: ['ELEC'] }],
  ['GASS01', { name: 'Gas Supply Ltd', marketParticipantIds: ['GAS'] }],
]);
const opts = (at: string, extra: Partial<DormantNoticeOptions> = {}): DormantNoticeOptions => ({
  week: WEEK,
  at: new Date(at),
  smso: 'CGI',
  reference,
  suppliers,
  ...extra,
});

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-dormant-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('MAM 7.3.1 / 7.4.1: the four header lines, each on its own line, as the tables name them', () => {
  // Table 7.3.1 / 7.4.1: "Name ... New line / SEC Party Signifier ... New line / Market Participant ID ... New line / SMSO"
  assert.deepEqual(
    [...NOTICE_HEADER_FIELDS],
    ['Name', 'SEC Party Signifier', 'Market Participant ID', 'SMSO'],
  );
});

test('MAM 7.3.2: the FW Upgrade Notification Body columns, in table order', () => {
  // Table 7.3.2: "MPAN | MPRN | Not Before | Not After | CH Serial Number | CH Manufacturer | CH Model |
  // CH Existing FW | CH Target FW | ESME Serial Number | ESME Manufacturer | ESME Model | ESME Existing FW |
  // ESME Target FW | GSME Serial Number | GSME Manufacturer | GSME Model | GSME Existing FW | GSME Target FW |
  // PPMID Serial Number | PPMID Manufacturer | PPMID Model | PPMID Existing FW | PPMID Target FW"
  assert.deepEqual(
    [...FIRMWARE_NOTICE_COLUMNS],
    'MPAN|MPRN|Not Before|Not After|CH Serial Number|CH Manufacturer|CH Model|CH Existing FW|CH Target FW|ESME Serial Number|ESME Manufacturer|ESME Model|ESME Existing FW|ESME Target FW|GSME Serial Number|GSME Manufacturer|GSME Model|GSME Existing FW|GSME Target FW|PPMID Serial Number|PPMID Manufacturer|PPMID Model|PPMID Existing FW|PPMID Target FW'.split(
      '|',
    ),
  );
});

test('MAM 7.4.2: the Dormant Meter Migration Schedule Body columns, in table order (20 certificate columns)', () => {
  // Table 7.4.2: "MPAN | MPRN | Not before | Not after | CHF Device ID | GPF Device ID | ESME Device ID |
  // GSME Device ID | IHD Device ID | PPMID Device ID | CAD Device ID | CH Serial Number | ESME Serial Number |
  // GSME Serial Number | IHD Serial Number | PPMID Serial Number | Priority | ESME Supplier Certificate Id
  // (Critical) – Serial Number | ... – Issuer Name | ... | GSME Supplier Certificate Id (Non-Critical) – Issuer Name"
  const certs: string[] = [];
  for (const [dev, parties] of [
    ['ESME', ['Supplier', 'Network Operator']],
    ['GPF', ['Supplier', 'Network Operator']],
    ['GSME', ['Supplier']],
  ] as const)
    for (const p of parties)
      for (const c of ['Critical', 'Non-Critical'])
        certs.push(
          `${dev} ${p} Certificate Id (${c}) – Serial Number`,
          `${dev} ${p} Certificate Id (${c}) – Issuer Name`,
        );
  assert.deepEqual(SCHEDULE_COLUMNS, [
    ...'MPAN|MPRN|Not before|Not after|CHF Device ID|GPF Device ID|ESME Device ID|GSME Device ID|IHD Device ID|PPMID Device ID|CAD Device ID|CH Serial Number|ESME Serial Number|GSME Serial Number|IHD Serial Number|PPMID Serial Number|Priority'.split(
      '|',
    ),
    ...certs,
  ]);
  assert.equal(CERTIFICATE_COLUMN_PAIRS.length * 2, 20);
});

test('MAM 7.3.2 "DDMMYYYY format" vs MAM 7.4.2 "DD/MM/YYYY"', () => {
  assert.equal(formatNoticeDate('firmware', '2027-03-01'), '01032027');
  assert.equal(formatNoticeDate('schedule', '2027-03-01'), '01/03/2027');
  assert.equal(parseNoticeDate('firmware', '01032027'), '2027-03-01');
  assert.equal(parseNoticeDate('schedule', '01/03/2027'), '2027-03-01');
  assert.equal(parseNoticeDate('firmware', '01/03/2027'), undefined);
  assert.equal(parseNoticeDate('schedule', '01032027'), undefined);
  assert.equal(parseNoticeDate('schedule', '30/02/2027'), undefined);
});

test('TMAD 4.29 / 4.30: notice deadlines from the Working Day calendar (hand-computed, Easter 2027 included)', async () => {
  // 2027-03-01: 5 Working Days → Mon 22 Feb (22 Feb + 5 WD = 1 Mar); 15 → Mon 8 Feb.
  const p = await planDormantNotices(installations, opts('2027-02-01T09:00:00Z'));
  assert.deepEqual(p.deadlines, { firmware: '2027-02-22', schedule: '2027-02-08' });
  // 2027-04-05: Good Friday 26 Mar and Easter Monday 29 Mar are not Working Days → Thu 25 Mar;
  // 15 Working Days: back over both holidays → Thu 11 Mar.
  const e = await planDormantNotices(installations, { ...opts('2027-02-01T09:00:00Z'), week: '2027-04-05' });
  assert.deepEqual(e.deadlines, { firmware: '2027-03-25', schedule: '2027-03-11' });
  // Configurable (SPEC-DECISIONS: 5 by TMAD 7.2X, MAM says 15).
  const m = await planDormantNotices(
    installations,
    opts('2027-02-01T09:00:00Z', { firmwareNoticeWorkingDays: 15 }),
  );
  assert.equal(m.deadlines.firmware, '2027-02-08');
});

test('TMAD 4.29 / 4.30: a notice later than its period is not issued unless a shorter notice was agreed', async () => {
  const p = await planDormantNotices(installations, opts('2027-02-15T09:00:00Z'));
  assert.deepEqual(p.late, ['schedule']);
  assert.deepEqual([...new Set(p.notices.map((n) => n.kind))], ['firmware']);
  const agreed = await planDormantNotices(
    installations,
    opts('2027-02-15T09:00:00Z', { agreedShorterNotice: true }),
  );
  assert.deepEqual(agreed.late, []);
});

test('TMAD 4.29 / 4.30 affiliates: one notice to the electricity supplier, except GroupID EA/EB/EC', async () => {
  const p = await planDormantNotices(installations, opts('2027-02-01T09:00:00Z'));
  assert.equal(p.skippedActive, 1);
  const chfs = (sig: string, kind: string) =>
    p.notices.find((n) => n.partySignifier === sig && n.kind === kind)!.table.rows.map((r) => r['MPAN']);
  assert.deepEqual(chfs('ELEC01', 'schedule'), [MPAN_1, MPAN_2, MPAN_3]);
  assert.deepEqual(chfs('GASS01', 'schedule'), [MPAN_2]); // the EA site only
  assert.deepEqual(p.deemedNotified, [
    { chfDeviceId: '00-DB-26-76-10-00-00-01', gasSupplier: 'GASS01', electricitySupplier: 'ELEC01' },
  ]);
  const row = p.notices.find((n) => n.partySignifier === 'ELEC01' && n.kind === 'schedule')!.table.rows[0]!;
  assert.equal(row['Not before'], '01/03/2027');
  assert.equal(row['Not after'], '07/03/2027');
  assert.equal(row['CHF Device ID'], '00-DB-26-76-10-00-00-01');
  assert.equal(row['GSME Serial Number'], 'GAS001');
  const fw = p.notices.find((n) => n.partySignifier === 'ELEC01' && n.kind === 'firmware')!.table.rows[0]!;
  assert.equal(fw['Not Before'], '01032027');
  assert.equal(fw['ESME Existing FW'], '5.12');
});

test('MAM 7.3, 7.4: workbook and CSV round trip (write → read identical), header lines then column row', async () => {
  const p = await planDormantNotices(installations, opts('2027-02-01T09:00:00Z'));
  for (const n of p.notices) {
    const x = await encodeNotice(n.table, 'xlsx');
    const back = await decodeNotice(n.kind, x, 'n.xlsx');
    assert.deepEqual(back.problems, []);
    assert.deepEqual(back.table, n.table);
    const c = await encodeNotice(n.table, 'csv');
    const backCsv = await decodeNotice(n.kind, c, 'n.csv');
    assert.deepEqual(backCsv.problems, []);
    assert.deepEqual(backCsv.table, n.table);
    const lines = new TextDecoder().decode(c).split('\r\n');
    assert.equal(lines[0], 'Name,Electric Supply Ltd'.replace('Electric Supply Ltd', n.table.header.name));
    assert.match(lines[1]!, /^SEC Party Signifier,/);
    assert.match(lines[2]!, /^Market Participant ID,/);
    assert.equal(lines[3], 'SMSO,CGI');
    assert.equal(lines[4], (n.kind === 'firmware' ? FIRMWARE_NOTICE_COLUMNS : SCHEDULE_COLUMNS).join(','));
  }
});

test('the workbook is a real xlsx: 7-Zip lists its parts and xmllint finds the values in the sheet', async () => {
  const p = await planDormantNotices(installations, opts('2027-02-01T09:00:00Z'));
  const files = await writeDormantNotices(p, path.join(tmp, 'out'));
  const f = files.find((w) => w.kind === 'schedule' && w.partySignifier === 'ELEC01')!;
  assert.equal(
    path.basename(f.file),
    'SMETS1_Dormant_Meter_Migration_Schedule_Notification_ELEC01_CGI_20270301.xlsx',
  );
  const x = path.join(tmp, 'x');
  execFileSync('7zz', ['x', '-y', `-o${x}`, f.file], { stdio: 'ignore' });
  for (const part of ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml'])
    execFileSync('xmllint', ['--noout', path.join(x, part)]);
  const a5 = execFileSync('xmllint', [
    '--xpath',
    "string(//*[local-name()='c'][@r='E6']//*[local-name()='t'])",
    path.join(x, 'xl/worksheets/sheet1.xml'),
  ])
    .toString()
    .trim();
  assert.equal(a5, '00-DB-26-76-10-00-00-01'); // CHF Device ID of the first installation
  await assert.rejects(writeDormantNotices(p, path.join(tmp, 'out')), /EEXIST/); // never over an existing file
});

test('a workbook as Excel and LibreOffice save it (shared strings, made with 7zz) is read', async () => {
  const d = path.join(tmp, 'sst');
  fs.mkdirSync(path.join(d, '_rels'), { recursive: true });
  fs.mkdirSync(path.join(d, 'xl', '_rels'), { recursive: true });
  fs.mkdirSync(path.join(d, 'xl', 'worksheets'), { recursive: true });
  const M = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  fs.writeFileSync(
    path.join(d, '[Content_Types].xml'),
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
  );
  fs.writeFileSync(
    path.join(d, '_rels', '.rels'),
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
  );
  fs.writeFileSync(
    path.join(d, 'xl', 'workbook.xml'),
    `<workbook xmlns="${M}" xmlns:r="${R}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId3"/></sheets></workbook>`,
  );
  fs.writeFileSync(
    path.join(d, 'xl', '_rels', 'workbook.xml.rels'),
    `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="${R}/worksheet" Target="/xl/worksheets/sheet1.xml"/><Relationship Id="rId9" Type="${R}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
  );
  fs.writeFileSync(
    path.join(d, 'xl', 'sharedStrings.xml'),
    `<sst xmlns="${M}"><si><t>Name</t></si><si><r><t>Gas </t></r><r><t>Ltd</t></r><rPh><t>x</t></rPh></si><si><t>01032027</t></si></sst>`,
  );
  fs.writeFileSync(
    path.join(d, 'xl', 'worksheets', 'sheet1.xml'),
    `<worksheet xmlns="${M}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="3"><c r="C3" t="s"><v>2</v></c><c r="D3"><v>42</v></c><c r="E3" t="str"><f>A1</f><v>Name</v></c></row></sheetData></worksheet>`,
  );
  const zip = path.join(tmp, 'sst.xlsx');
  execFileSync('7zz', ['a', '-tzip', zip, '.'], { cwd: d, stdio: 'ignore' });
  const r = await readXlsx(fs.readFileSync(zip), 'sst.xlsx');
  assert.deepEqual(r.rows, [['Name', 'Gas Ltd'], [], ['', '', '01032027', '42', 'Name']]);
});

test('LibreOffice opens the workbook, converts it to CSV and re-saves it as xlsx: the same table back (skipped without LibreOffice)', async (t) => {
  const soffice = ['soffice', 'libreoffice'].find((c) => spawnSync('which', [c]).status === 0);
  if (!soffice) return t.skip('LibreOffice is not installed');
  const p = await planDormantNotices(installations, opts('2027-02-01T09:00:00Z'));
  const notices = p.notices.filter((x) => x.partySignifier === p.notices[0]!.partySignifier);
  assert.deepEqual(notices.map((n) => n.kind).sort(), ['firmware', 'schedule']);
  const dir = path.join(tmp, 'lo');
  fs.mkdirSync(dir, { recursive: true });
  const sources: string[] = [];
  for (const n of notices) {
    sources.push(path.join(dir, `${n.kind}.xlsx`));
    fs.writeFileSync(sources.at(-1)!, await encodeNotice(n.table, 'xlsx'));
  }
  // A profile of its own: another LibreOffice running on the machine does not take the conversion over.
  const profile = `-env:UserInstallation=file://${path.join(dir, 'profile')}`;
  const convert = (to: string, outDir: string) =>
    execFileSync(soffice, [profile, '--headless', '--convert-to', to, '--outdir', outDir, ...sources], {
      stdio: 'ignore',
      timeout: 60_000,
    });
  // CSV as LibreOffice reads our cells (filter options: comma, double quote, UTF-8, from line 1), and
  // the workbook re-saved by LibreOffice as xlsx (shared strings, its own styles).
  convert('csv:Text - txt - csv (StarCalc):44,34,76,1', path.join(dir, 'csv'));
  convert('xlsx', path.join(dir, 'xlsx'));
  // LibreOffice pads the header lines with empty cells to the width of the sheet: trailing empties go.
  const trim = (rows: string[][]) =>
    rows.map((r) => {
      const c = [...r];
      while (c.length > 0 && c[c.length - 1] === '') c.pop();
      return c;
    });
  for (const n of notices) {
    const csv = csvToRows(fs.readFileSync(path.join(dir, 'csv', `${n.kind}.csv`), 'utf8'), 'lo.csv');
    assert.deepEqual(csv.problems, []);
    assert.deepEqual(trim(csv.rows), trim(tableRows(n.table)), `${n.kind}: LibreOffice's CSV`);
    const back = parseTable(
      n.kind,
      (await readXlsx(fs.readFileSync(path.join(dir, 'xlsx', `${n.kind}.xlsx`)), 'lo.xlsx')).rows,
      'lo.xlsx',
    );
    assert.deepEqual(back.problems, []);
    assert.deepEqual(back.table, n.table, `${n.kind}: LibreOffice's xlsx`);
  }
});

test('MAM 7.4.2: a missing column, a bad date and a bad Priority are named by row, column, field and rule', async () => {
  const p = await planDormantNotices(installations, opts('2027-02-01T09:00:00Z'));
  const n = p.notices.find((x) => x.kind === 'schedule')!;
  const rows = tableRows(n.table);
  const noColumn = rows.map((r) => r.filter((_v, i) => i !== 4));
  const r1 = parseTable('schedule', noColumn, 's.xlsx');
  assert.equal(r1.table, undefined);
  assert.ok(
    r1.problems.some(
      (q) =>
        q.line === 5 &&
        q.column === 5 &&
        q.field === 'CHF Device ID' &&
        q.rule === 'MAM 7.4.2 Table 7.4.2' &&
        /E5: 'GPF Device ID': expected the column 'CHF Device ID'/.test(q.message),
    ),
    JSON.stringify(r1.problems),
  );
  // The same through a real workbook: the file named, row 5, column E, the clause.
  const wb = await decodeNotice(
    'schedule',
    await writeXlsx({ name: 'Dormant Migration Schedule', rows: noColumn }),
    'missing-column.xlsx',
  );
  assert.equal(wb.table, undefined);
  assert.ok(
    wb.problems.some(
      (q) =>
        q.file === 'missing-column.xlsx' &&
        q.line === 5 &&
        q.column === 5 &&
        q.rule === 'MAM 7.4.2 Table 7.4.2',
    ),
    JSON.stringify(wb.problems),
  );
  const badCells = rows.map((r) => [...r]);
  badCells[5]![2] = '01032027';
  badCells[5]![16] = 'yes';
  const r2 = parseTable('schedule', badCells, 's.xlsx');
  assert.deepEqual(
    r2.problems.map((q) => [q.line, q.column, q.field]),
    [
      [6, 3, 'Not before'],
      [6, 17, 'Priority'],
    ],
  );
  assert.match(r2.problems[0]!.message, /C6: '01032027': expected a date in DD\/MM\/YYYY format/);
  const r3 = parseTable('firmware', rows, 'f.xlsx'); // a schedule is not a firmware notice
  assert.equal(r3.table, undefined);
  const csv = csvToRows(rowsToCsv(rows) + '"unclosed\r\n', 'x.csv');
  assert.equal(csv.problems[0]!.line, rows.length + 1);
});

test('TMAD 4.32, 4.32A, MAM 6, 7.5: the supplier fills in and seals the schedule; the MCC opens, records and gates it', async () => {
  const pki: TestPki = makeOpensslPki();
  try {
    const signer = pki.leaf('Response Signer', { days: 900 });
    const trust = await loadTrust(pki.caBundlePath);
    const p = await planDormantNotices(installations, opts('2027-02-01T09:00:00Z'));
    const dir = path.join(tmp, 'resp');
    const files = await writeDormantNotices(p, dir);
    const schedule = files.find((f) => f.kind === 'schedule' && f.partySignifier === 'ELEC01')!.file;
    const certs = path.join(dir, 'certs.csv');
    const S = 'ESME Supplier Certificate Id';
    fs.writeFileSync(
      certs,
      [
        `CHF Device ID,Priority,${S} (Critical) – Serial Number,${S} (Critical) – Issuer Name,${S} (Non-Critical) – Serial Number,${S} (Non-Critical) – Issuer Name`,
        '00-DB-26-76-10-00-00-02,Y,1234,CN=Issuing CA,1235,CN=Issuing CA',
        '00-DB-26-76-10-00-00-03,,0,NULL,1237,CN=Issuing CA',
      ].join('\n'),
    );
    const signedAt = new Date('2027-02-24T09:00:00Z');
    const onTime = new Date('2027-02-25T09:59:00Z');
    const lateAt = new Date('2027-02-25T10:01:00Z');
    const r = await respondToSchedule(schedule, certs, {
      userId: '70-B3-D5-1F-30-00-A0-08',
      key: signer.keyPem,
      cert: signer.certPem,
      outDir: path.join(dir, 'sealed'),
      at: signedAt,
    });
    assert.deepEqual(r.problems, []);
    assert.equal(r.filled, 2);
    assert.equal(r.week, WEEK);
    assert.equal(r.deadline!.toISOString(), '2027-02-25T10:00:00.000Z'); // MAM 6: 10:00 (GMT) Thursday before
    // Independent tools: 7-Zip opens the zip with the MD5 of the spreadsheet; openssl verifies the signature.
    const md5 = fs.readFileSync(r.files!.passwordFile, 'utf8').split('\n')[2]!;
    assert.equal(md5, execFileSync('openssl', ['md5', '-r', r.files!.response]).toString().split(' ')[0]);
    execFileSync('7zz', ['t', `-p${md5}`, r.files!.zip], { stdio: 'ignore' });
    execFileSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        r.files!.signature,
        '-content',
        r.files!.passwordFile,
        '-CAfile',
        pki.caBundlePath,
        '-purpose',
        'any',
      ],
      { stdio: 'ignore' },
    );

    const store = await openStore({ url: 'sqlite::memory:' });
    try {
      const late = await receiveDormantResponse(r.files!.zip, r.files!.passwordFile, r.files!.signature, {
        week: WEEK,
        trust,
        receivedAt: lateAt,
        store,
        requireCrl: false,
      });
      assert.equal(late.outcome, 'rejected'); // after 10:00 on 2027-02-25
      assert.match(late.problems[0]!.message, /after the deadline/);
      assert.deepEqual(await store.dormantResponses.list(WEEK), []);
      const got = await receiveDormantResponse(r.files!.zip, r.files!.passwordFile, r.files!.signature, {
        week: WEEK,
        trust,
        receivedAt: onTime,
        store,
        requireCrl: false,
      });
      assert.deepEqual(got.problems, []);
      assert.equal(got.outcome, 'accepted');
      assert.equal(got.priority, 1);
      assert.deepEqual(got.stored, { recorded: 3, duplicate: false });
      // MAM 6: a response after the deadline is refused with the file and the clause; what was accepted
      // on time stays recorded and in force.
      const tooLate = await receiveDormantResponse(r.files!.zip, r.files!.passwordFile, r.files!.signature, {
        week: WEEK,
        trust,
        receivedAt: lateAt,
        store,
        requireCrl: false,
      });
      assert.equal(tooLate.outcome, 'rejected');
      assert.equal(tooLate.problems[0]!.file, path.basename(r.files!.zip));
      assert.equal(tooLate.problems[0]!.rule, 'MAM 6; TMAD 4.32');
      assert.equal(tooLate.stored, undefined);
      assert.equal((await store.dormantResponses.list(WEEK)).length, 3);
      assert.equal((await store.dormantResponses.inForce(WEEK, '00-DB-26-76-10-00-00-02'))!.onTime, true);
      const again = await receiveDormantResponse(r.files!.zip, r.files!.passwordFile, r.files!.signature, {
        week: WEEK,
        trust,
        receivedAt: lateAt,
        store,
        requireCrl: false,
        acceptLate: true,
      });
      assert.deepEqual(again.stored, { recorded: 0, duplicate: true });
      const two = await store.dormantResponses.inForce(WEEK, '00-DB-26-76-10-00-00-02');
      assert.equal(two!.priority, true);
      assert.equal(two!.certificates[`${S} (Critical) – Serial Number`], '1234');
      // TMAD 4.32A: EA/EB/EC need every Supplier Certificate ID, none Null; other groups are not gated.
      assert.deepEqual(await dormantMigrationGate(store, WEEK, '00-DB-26-76-10-00-00-02', 'EA'), {
        proceed: false,
        reasons: [
          'GPF Supplier Certificate Id (Critical): not received (TMAD 4.32A)',
          'GPF Supplier Certificate Id (Non-Critical): not received (TMAD 4.32A)',
          'GSME Supplier Certificate Id (Critical): not received (TMAD 4.32A)',
          'GSME Supplier Certificate Id (Non-Critical): not received (TMAD 4.32A)',
        ],
      });
      assert.deepEqual(await dormantMigrationGate(store, WEEK, '00-DB-26-76-10-00-00-03', 'EB'), {
        proceed: false,
        reasons: ['ESME Supplier Certificate Id (Critical): the Null Certificate ID (TMAD 4.32A)'],
      });
      assert.deepEqual(await dormantMigrationGate(store, WEEK, '00-DB-26-76-10-00-00-03', 'AA'), {
        proceed: true,
        reasons: [],
      });
      assert.equal((await dormantMigrationGate(store, WEEK, '00-DB-26-76-10-00-00-09', 'EC')).proceed, false);

      // A wrong password file (another MD5) is refused and nothing is added.
      const bad = path.join(dir, 'bad.csv');
      fs.writeFileSync(bad, fs.readFileSync(r.files!.passwordFile, 'utf8').replace(md5, '0'.repeat(32)));
      const badSig = execFileSync('openssl', [
        'cms',
        '-sign',
        '-binary',
        '-outform',
        'DER',
        '-in',
        bad,
        '-signer',
        signer.certPath,
        '-inkey',
        signer.keyPath,
        '-nosmimecap',
      ]);
      fs.writeFileSync(`${bad}.p7s`, badSig);
      const wrong = await receiveDormantResponse(r.files!.zip, bad, `${bad}.p7s`, {
        week: WEEK,
        trust,
        receivedAt: lateAt,
        store,
        requireCrl: false,
        acceptLate: true,
      });
      assert.equal(wrong.outcome, 'rejected');
      assert.equal((await store.dormantResponses.list(WEEK)).length, 3);
    } finally {
      await store.close();
    }
  } finally {
    pki.cleanup();
  }
});

test('TMAD 4.32A: supplierCertificateGaps follows "Mandatory if MPAN/MPRN is specified"', () => {
  const row: Record<string, string> = { MPAN: MPAN_1, MPRN: '' };
  assert.equal(supplierCertificateGaps(row).length, 2);
  for (const p of CERTIFICATE_COLUMN_PAIRS.filter((x) => x.device === 'ESME' && x.party === 'Supplier')) {
    row[p.serial] = '77';
    row[p.issuer] = 'CN=CA';
  }
  assert.deepEqual(supplierCertificateGaps(row), []);
});

test('xlsx text cells keep characters XML cannot carry and leading/trailing spaces', async () => {
  const rows = [['a\u0001b', ' x ', '_x0041_', 'line\nbreak']];
  const back = await readXlsx(await writeXlsx({ name: 'S', rows }), 's.xlsx');
  assert.deepEqual(back.rows, rows);
});

test('xlsx streaming: writeXlsxStream writes the workbook writeXlsx writes; streamXlsxRows hands rows over one by one', async () => {
  const p = await planDormantNotices(installations, opts('2027-02-01T09:00:00Z'));
  const rows = tableRows(p.notices.find((x) => x.kind === 'schedule')!.table);
  // 5,000 extra rows: the sheet's XML is several 64 KiB pieces, so the stream is really cut.
  const extra = Array.from({ length: 5_000 }, (_v, i) => ['', '', '', '', `row ${i}`]);
  const all = [...rows, [], ...extra];
  const chunks: Uint8Array[] = [];
  const sink = new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c) });
  async function* gen() {
    for (const r of all) yield r;
  }
  const modified = new Date('2027-02-01T09:00:00Z');
  await writeXlsxStream({ name: 'Dormant Migration Schedule', rows: gen() }, sink, { modified });
  const streamed = Buffer.concat(chunks);
  // 7-Zip, an independent reader, tests the streamed archive (data descriptors and all).
  const f = path.join(tmp, 'streamed.xlsx');
  fs.writeFileSync(f, streamed);
  execFileSync('7zz', ['t', f], { stdio: 'ignore' });
  const seen: [number, string[]][] = [];
  const r = await streamXlsxRows(new Blob([streamed]), 'streamed.xlsx', (i, cells) => seen.push([i, cells]));
  assert.equal(r.sheetName, 'Dormant Migration Schedule');
  assert.equal(r.rows, all.length - 1, 'the empty row is not handed over');
  assert.deepEqual(seen[rows.length], [rows.length + 1, ['', '', '', '', 'row 0']]);
  const gathered = await readXlsx(streamed, 'streamed.xlsx');
  const whole = await readXlsx(await writeXlsx({ name: 'Dormant Migration Schedule', rows: all }), 'w.xlsx');
  assert.deepEqual(gathered, whole);
  const trim = (r: string[]) => r.slice(0, r.findLastIndex((v) => v !== '') + 1);
  assert.deepEqual(gathered.rows.slice(0, rows.length), rows.map(trim));
  await assert.rejects(
    streamXlsxRows(new Uint8Array([0x50, 0x4b, 3, 4]), 'bad.xlsx', () => undefined),
    /bad\.xlsx: not a readable workbook/,
  );
});

test('TMAD 4.32, MAM 7.4.2: a large response with a bad cell in its last row is rejected whole; what was accepted before stays (streamed, batches rolled back)', async () => {
  const pki = makeOpensslPki();
  try {
    const signer = pki.leaf('Big Response Signer', { days: 900 });
    const trust = await loadTrust(pki.caBundlePath);
    const dir = fs.mkdtempSync(path.join(tmp, 'big-'));
    const N = 3000; // many inflated chunks, so batches are written before the last row is read
    const eui = (t: number, i: number) => {
      const h = t.toString(16).toUpperCase().padStart(2, '0') + i.toString(16).toUpperCase().padStart(6, '0');
      return `00-DB-26-76-${h.slice(0, 2)}-${h.slice(2, 4)}-${h.slice(4, 6)}-${h.slice(6, 8)}`;
    };
    const rows = (bad: boolean): string[][] => [
      ['Name', 'Electric Supply Ltd'],
      ['SEC Party Signifier', 'ELEC01'],
      ['Market Participant ID', 'ELEC'],
      ['SMSO', 'CGI'],
      [...SCHEDULE_COLUMNS],
      ...Array.from({ length: N }, (_, i) =>
        SCHEDULE_COLUMNS.map((c) =>
          c === 'MPAN'
            ? mpanWithCheckDigit(`14${String(i).padStart(10, '0')}`)
            : c === 'Not before'
              ? '01/03/2027'
              : c === 'Not after'
                ? '07/03/2027'
                : c === 'CHF Device ID'
                  ? eui(0x10, i)
                  : c === 'Priority'
                    ? bad && i === N - 1
                      ? 'X' // MAM 7.4.2 / TMAD 4.32: Y or empty
                      : 'Y'
                    : '',
        ),
      ),
    ];
    // Sealed by independent tools: 7-Zip (AES-256, password = the MD5 openssl computes), openssl cms.
    const seal = async (stem: string, bad: boolean) => {
      const name = `${stem}.xlsx`;
      const xlsx = path.join(dir, name);
      await writeXlsxStream(
        { name: 'Dormant Migration Schedule', rows: rows(bad) },
        Writable.toWeb(fs.createWriteStream(xlsx)),
      );
      const md5 = execFileSync('openssl', ['md5', '-r', xlsx]).toString().split(' ')[0]!;
      const zip = path.join(dir, `${stem}.zip`);
      execFileSync('7zz', ['a', '-tzip', '-mem=AES256', `-p${md5}`, zip, name], {
        cwd: dir,
        stdio: 'ignore',
      });
      const pw = path.join(dir, `PASSWORD_${stem}.csv`);
      fs.writeFileSync(pw, `70-B3-D5-1F-30-00-A0-08\n${name}\n${md5}\n`);
      execFileSync('openssl', [
        'cms',
        '-sign',
        '-binary',
        '-outform',
        'DER',
        '-in',
        pw,
        '-out',
        `${pw}.p7s`,
        '-signer',
        signer.certPath,
        '-inkey',
        signer.keyPath,
        '-nosmimecap',
      ]);
      return { zip, pw, sig: `${pw}.p7s` };
    };
    const store = await openStore({ url: 'sqlite::memory:' });
    try {
      const receivedAt = new Date('2027-02-24T09:00:00Z');
      const good = await seal('good', false);
      const ok = await receiveDormantResponse(good.zip, good.pw, good.sig, {
        week: WEEK,
        trust,
        receivedAt,
        store,
        requireCrl: false,
      });
      assert.deepEqual(ok.problems, []);
      assert.deepEqual(ok.stored, { recorded: N, duplicate: false });
      const bad = await seal('bad', true);
      const no = await receiveDormantResponse(bad.zip, bad.pw, bad.sig, {
        week: WEEK,
        trust,
        receivedAt,
        store,
        requireCrl: false,
      });
      assert.equal(no.outcome, 'rejected');
      assert.deepEqual(
        no.problems.map((p) => [p.file, p.line, p.column, p.field, p.rule]),
        [['bad.xlsx', N + 5, 17, 'Priority', 'MAM 7.4.2 Table 7.4.2']],
      );
      assert.match(no.problems[0]!.message, /^Q3005: 'X': expected Y or empty \(TMAD 4\.32\)$/);
      assert.equal(no.stored, undefined);
      const listed = await store.dormantResponses.list(WEEK);
      assert.equal(listed.length, N); // the first file's rows, none of the second's
      assert.ok(listed.every((r) => r.fileName === 'good.xlsx' && r.priority));
    } finally {
      await store.close();
    }
  } finally {
    pki.cleanup();
  }
});
