// Supplier MA builder (MAM 4, 7.2; TMAD 4.38, 4.40): MPxN lists, certificates, default week, validity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  buildMigrationAuthorisation,
  nextOpenMigrationWeek,
  parseCertificatesJson,
  parseMpxnCsv,
  parseMpxnJson,
  MpxnCsvLines,
  type BuildMaInput,
  type MpxnEntry,
} from '../../src/supplier/ma-builder.js';
import { validateMigrationAuthorisation } from '../../src/core/formats/ma/index.js';
import { type Eui64, mpanWithCheckDigit } from '../../src/core/ids/index.js';

const USER = '70-B3-D5-1F-30-00-A0-08' as Eui64;
const M1 = mpanWithCheckDigit('100012345678');
const M2 = mpanWithCheckDigit('120098765432');
// From test/unit (tsx) or dist/test/unit (compiled).
const samples = new URL(
  import.meta.url.includes('/dist/test/') ? '../../../samples/' : '../../samples/',
  import.meta.url,
);
const sampleCerts = parseCertificatesJson(readFileSync(new URL('ma-certificates.json', samples), 'utf8'));

function input(over: Partial<BuildMaInput> = {}): BuildMaInput {
  return {
    entries: parseMpxnCsv(`${M1},\n${M2},7502316804\n,8841220915\n`).value,
    userId: USER,
    smsoCode: 'CGI',
    commissionedByDcc: true,
    certificates: sampleCerts.value,
    now: new Date('2019-04-07T18:25:03Z'),
    ...over,
  };
}

test('MAM 4: the CSV MPxN list takes mpan,mprn lines, an optional title line, comments and blank lines', () => {
  const r = parseMpxnCsv(
    `# comment\nMPAN,MPRN\n${M1}\r\n\n${M2},7502316804\n,8841220915\n${M1.slice(0, 12)}9\n`,
  );
  assert.deepEqual(
    r.value.map((e) => [e.line, e.mpan, e.mprn]),
    [
      [3, M1, null],
      [5, M2, '7502316804'],
      [6, null, '8841220915'],
    ],
  );
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.line, 7);
  assert.match(r.problems[0]!.message, /check digit/);
});

test('MAM 7.2.3: bad MPxNs are rejected with the line of the input list (CSV)', () => {
  const r = parseMpxnCsv(`${M1}\n12345\n,\n,ABC\n${M1}\n${M2},1,extra\n`);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.field]),
    [
      [2, 'MPAN'],
      [3, 'MPAN'],
      [4, 'MPRN'],
      [5, 'MPAN'],
      [6, null],
    ],
  );
  assert.match(r.problems[3]!.message, /also on line 1/);
});

test('MAM 7.2.3: bad MPxNs are rejected with the line of the input list (JSON)', () => {
  const text = `[\n  "${M1}",\n  { "mpan": "${M2}", "mprn": "7502316804", "priority": true },\n  { "mprn": "12345678901" },\n  { "mpan": 1 },\n  { "mpan": "${M1}" }\n]\n`;
  const r = parseMpxnJson(text);
  assert.deepEqual(
    r.value.map((e) => [e.line, e.mpan, e.priority]),
    [
      [2, M1, undefined],
      [3, M2, true],
    ],
  );
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.field]),
    [
      [4, 'MPRN'],
      [5, 'MPAN'],
      [6, 'MPAN'],
    ],
  );
  assert.equal(parseMpxnJson('{').problems.length, 1);
  assert.equal(parseMpxnJson('{}').problems.length, 1);
});

test('MAM 7.2.3: a JSON entry whose migrateOn or migrationWeek is not a YYYY-MM-DD date is reported as such', () => {
  const text = `[\n  { "mpan": "${M1}", "migrateOn": "2026-13-45" },\n  { "mpan": "${M2}", "migrationWeek": 20260302 }\n]\n`;
  const r = parseMpxnJson(text);
  assert.deepEqual(r.value, []);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.field, p.message]),
    [
      [2, 'Migrate on', "migrateOn '2026-13-45' is not a date: expected YYYY-MM-DD"],
      [3, 'Migration Week', 'migrationWeek must be a date string YYYY-MM-DD'],
    ],
  );
});

// Its time (linear: it was quadratic, minutes for 50,000 entries) is measured by bench/linear-time.ts.
test('MAM 4: a long JSON list is read whole, each entry reported by its own line', () => {
  // Entries spread over several lines, with strings holding brackets, commas and escaped quotes.
  const n = 20000;
  const items = Array.from(
    { length: n },
    (_, i) => `  {\n    "mpan": "${String(1000000000000 + i)}",\n    "comment": "[x, \\"y\\"] {"\n  }`,
  );
  const text = `[\n${items.join(',\n')}\n]\n`;
  const r = parseMpxnJson(text);
  assert.equal(r.problems.length, n); // every entry has the unknown key "comment"
  assert.deepEqual(
    r.problems.slice(0, 3).map((p) => p.line),
    [2, 6, 10],
  );
  assert.equal(r.problems[n - 1]!.line, 2 + 4 * (n - 1));
});

test('the sample lists hold electricity-only, dual-fuel and gas-only rows that build a valid MA', () => {
  for (const [name, parse] of [
    ['mpxns.csv', parseMpxnCsv],
    ['mpxns.json', parseMpxnJson],
  ] as const) {
    const list = parse(readFileSync(new URL(name, samples), 'utf8'));
    assert.deepEqual(list.problems, [], name);
    assert.ok(list.value.length >= 10);
    assert.ok(list.value.some((e) => e.mpan && !e.mprn));
    assert.ok(list.value.some((e) => e.mpan && e.mprn));
    assert.ok(list.value.some((e) => !e.mpan && e.mprn));
    const r = buildMigrationAuthorisation(input({ entries: list.value }));
    assert.ok(r.ok, JSON.stringify(r.errors));
  }
  assert.deepEqual(sampleCerts.problems, []);
});

test('MAM 7.2: the built file validates, is named per 7.2.1 and carries the certificates per fuel', () => {
  const r = buildMigrationAuthorisation(input({ priority: true }));
  assert.ok(r.ok, JSON.stringify(r.errors));
  assert.equal(r.fileName, 'MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv');
  assert.equal(r.rows, 3);
  assert.equal(r.migrationWeek, '2019-04-15');
  const v = validateMigrationAuthorisation(r.content, { fileName: r.fileName });
  assert.equal(v.valid, true, JSON.stringify(v.errors));
  const [e, d, g] = v.authorisation!.rows;
  assert.ok(e!.esmeSupplierCritical && !e!.gpfSupplierCritical && e!.priority);
  assert.ok(d!.esmeSupplierCritical && d!.gsmeSupplierNonCritical);
  assert.ok(!g!.esmeSupplierCritical && g!.gpfSupplierCritical, 'gas-only row: no ESME certificates');
  // TMAD 4.40: ESME Network Operator certificates by distributor ID (samples: 10 and 12).
  assert.ok(e!.esmeNetworkOperatorCritical);
  assert.notDeepEqual(e!.esmeNetworkOperatorCritical, d!.esmeNetworkOperatorCritical);
});

test('MAM 4: default Migration Week = the next week whose 10:00 Thursday cut-off has not passed', () => {
  // Thursday 2019-04-11 10:00 BST = 09:00Z is the cut-off for week 2019-04-15.
  assert.equal(nextOpenMigrationWeek(new Date('2019-04-11T08:59:59Z')), '2019-04-15');
  assert.equal(nextOpenMigrationWeek(new Date('2019-04-11T09:00:00Z')), '2019-04-15');
  assert.equal(nextOpenMigrationWeek(new Date('2019-04-11T09:00:01Z')), '2019-04-22');
  assert.equal(nextOpenMigrationWeek(new Date('2019-04-14T23:00:00Z')), '2019-04-22');
  assert.equal(nextOpenMigrationWeek(new Date('2019-04-15T12:00:00Z')), '2019-04-22');
  const r = buildMigrationAuthorisation(input({ now: new Date('2019-04-12T12:00:00Z') }));
  assert.equal(r.migrationWeek, '2019-04-22');
  assert.deepEqual(r.warnings, []);
});

test('MAM 7.2.3: --migrate-on fills Migrate on and its Monday as Migration Week; late weeks warn (TMAD 4.37)', () => {
  const r = buildMigrationAuthorisation(
    input({ migrateOn: '2019-04-17', now: new Date('2019-04-12T12:00:00Z') }),
  );
  assert.ok(r.ok);
  const rows = validateMigrationAuthorisation(r.content).authorisation!.rows;
  assert.ok(rows.every((x) => x.migrateOn === '2019-04-17' && x.migrationWeek === '2019-04-15'));
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!.message, /cut-off/);
});

test('MAM 7.2.3 / TMAD Table 4.38: missing mandatory supplier certificates are reported by name', () => {
  const r = buildMigrationAuthorisation(
    input({ certificates: { certificates: {}, esmeNetworkOperatorByDistributor: {} } }),
  );
  assert.equal(r.ok, false);
  assert.equal(r.errors.length, 6);
  assert.match(r.errors[0]!.message, /esmeSupplierCritical.*first on line 1/);
});

test('MAM 7.2.3: a Migration Week that is not a Monday is reported against the input', () => {
  const r = buildMigrationAuthorisation(input({ migrationWeek: '2019-04-16' }));
  assert.equal(r.ok, false);
  assert.ok(r.errors.every((p) => p.field === 'Migration Week'));
  assert.deepEqual(
    r.errors.map((p) => p.line),
    [1, 2, 3],
  );
});

test('certificates JSON: unknown keys and bad certificate IDs are reported', () => {
  const r = parseCertificatesJson(
    JSON.stringify({
      esmeSupplierCritical: { serialNumber: '12x', issuerName: 'CN=a' },
      esmeSupplierNonCritical: { serialNumber: '12' },
      bogus: {},
      esmeNetworkOperatorByDistributor: { '1': {}, '10': { gpfSupplierCritical: {} } },
    }),
  );
  assert.equal(r.problems.length, 5);
});

/** A list that is never an array: each iteration generates the entries afresh (as a file streamed per pass). */
function generatedList(n: number, bad?: { at: number; mpan: string }) {
  let passes = 0;
  const entries: Iterable<MpxnEntry> = {
    *[Symbol.iterator]() {
      passes++;
      for (let i = 0; i < n; i++) {
        const mpan = bad && i === bad.at ? bad.mpan : mpanWithCheckDigit(`10${String(i).padStart(10, '0')}`);
        yield { line: i + 2, mpan, mprn: null };
      }
    },
  };
  return { entries, passes: () => passes };
}

test('MAM 7.2 (issue #10) the builder takes a re-iterable list, never an array, and builds the same file', () => {
  const list = generatedList(3000);
  const r = buildMigrationAuthorisation(input({ entries: list.entries }));
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.rows, 3000);
  const asArray = buildMigrationAuthorisation(input({ entries: [...generatedList(3000).entries] }));
  assert.equal(r.content, asArray.content);
  // Independent check: the built file passes the validator, one row per MPAN.
  const v = validateMigrationAuthorisation(Buffer.from(r.content, 'latin1'), {
    receivedAt: new Date('2019-04-07T18:25:03Z'),
  });
  assert.equal(v.rowCount, 3000);
  assert.ok(list.passes() >= 2);
});

test('MAM 7.2.3 (issue #10) an error of the built file names the line of the streamed list', () => {
  // An MPAN that the list reader would refuse, given directly: the validator of the built file finds it.
  const r = buildMigrationAuthorisation(
    input({ entries: generatedList(2500, { at: 2100, mpan: '1000000000000' }).entries }),
  );
  assert.equal(r.ok, false);
  assert.equal(r.errors[0]?.line, 2102, JSON.stringify(r.errors[0]));
  assert.equal(r.errors[0]?.field, 'MPAN');
});

test('MAM 4 (issue #10) MpxnCsvLines read line by line finds what parseMpxnCsv finds', () => {
  const text = `\uFEFFmpan,mprn\r\n${M1},\n# c\n${M1}\n,ABC\n"x\n${M2},7502316804\n`;
  const whole = parseMpxnCsv(text);
  const reader = new MpxnCsvLines();
  const entries = text.split('\n').flatMap((l) => reader.line(l) ?? []);
  assert.deepEqual(entries, whole.value);
  assert.deepEqual(reader.end(), whole.problems);
  assert.deepEqual(
    whole.problems.map((p) => [p.line, p.rule]),
    [
      [4, 'MAM 7.2.3'],
      [5, 'MAM 7.2.3'],
      [6, 'MAM 7.1'],
    ],
  );
  assert.deepEqual(new MpxnCsvLines().end()[0]?.message, 'the list holds no MPxNs: nothing to authorise');
});
