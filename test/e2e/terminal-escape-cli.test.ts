// Human output never passes raw control characters or bidi overrides from inputs to the terminal:
// ANSI sequences in a file name and an MPAN, U+009B (one-byte CSI) and U+202E (right-to-left
// override) in XML names and values are shown escaped (\x1B, \x9B, \u{202E}) by `file validate`,
// `ma validate`, `ma received` and `incidents`; --json output carries them as JSON escapes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { openStore } from '../../src/store/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-escape-cli-'));
const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` };
after(() => rmSync(dir, { recursive: true, force: true }));

const ESC = '\u001b[31m';
const CSI = '\u009b31m';
const RLO = '\u202e';
// Nothing a terminal would obey or reorder: C0 (but the line breaks), DEL, C1, bidi controls.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

before(async () => {
  const store = await openStore({ url: env.S1MIG_DATABASE_URL });
  try {
    await store.receivedMas.record({
      fileName: `MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_1825${ESC}.csv`,
      sha256: 'ab'.repeat(32),
      userId: '70-B3-D5-1F-30-00-A0-08',
      smsoCode: 'CGI',
      commissionedByDcc: true,
      receivedAt: new Date('2026-11-23T09:00:00Z'),
      outcome: 'accepted',
      errors: [],
      warnings: [{ line: 4, field: 'MPAN', rule: 'MAM 7.2.3', message: `MPAN ${ESC}1200 ${CSI}${RLO}` }],
      rows: [
        {
          line: 4,
          mpan: `12${ESC}00`,
          mprn: null,
          migrationWeek: '20190415',
          migrateOn: null,
          priority: false,
          fields: {},
        },
      ],
    });
    await store.incidents.raise({
      category: 3,
      kind: 'file-authentication-failure',
      summary: `TMAD 5.9.1: file MCF_${ESC}x.xml rejected: element '${RLO}Common${CSI}'`,
      fileName: `MCF_${ESC}x.xml`,
      step: '5.9.1',
      party: 'dcc',
      raisedAt: new Date('2026-11-23T09:00:00Z'),
      targetResponseBy: new Date('2026-11-23T10:00:00Z'),
      targetResolutionBy: new Date('2026-11-24T09:00:00Z'),
      assignee: 'DCC',
      details: {},
    });
  } finally {
    await store.close();
  }
});

test('escaping: file validate shows a planted file name, element name and value escaped; --json keeps them', async () => {
  const file = path.join(dir, `in${ESC}put${RLO}.xml`);
  writeFileSync(file, `<MigrationCommon xmlns="urn:x${RLO}"><A${CSI}>v${ESC}</A${CSI}></MigrationCommon>`);
  const r = await runCli(['file', 'validate', file]);
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stdout + r.stderr, RAW);
  assert.match(r.stdout, /in\\x1B\[31mput\\u\{202E\}\.xml/);
  const j = await runCli(['file', 'validate', '--json', file]);
  const out = JSON.parse(j.stdout) as { file: string };
  assert.equal(out.file, file);
});

test('escaping: an MPAN with an ANSI sequence in ma validate is shown as \\x1B', async () => {
  const sample = readFileSync(
    path.join(REPO_ROOT, 'samples/ma/MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv'),
    'latin1',
  );
  const lines = sample.split('\n');
  lines[3] = lines[3]!.replace(/^\d+/, `1200${ESC}`);
  const name = path.join(dir, 'MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv');
  writeFileSync(name, lines.join('\n'), 'latin1');
  const r = await runCli(['ma', 'validate', name]);
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stdout + r.stderr, RAW);
  assert.match(r.stdout, /1200\\x1B\[31m/);
});

test('escaping: ma received (list and detail) escapes the file name, MPAN and messages; --json does not', async () => {
  const list = await runCli(['ma', 'received'], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.doesNotMatch(list.stdout, RAW);
  assert.match(list.stdout, /_1825\\x1B\[31m\.csv/);
  const detail = await runCli(['ma', 'received', '1'], { env });
  assert.equal(detail.code, 0, detail.stderr);
  assert.doesNotMatch(detail.stdout, RAW);
  assert.match(detail.stdout, /MPAN 12\\x1B\[31m00/);
  assert.match(detail.stdout, /\\x9B31m\\u\{202E\}/);
  const json = await runCli(['ma', 'received', '1', '--json'], { env });
  const j = JSON.parse(json.stdout) as { rows: Array<{ mpan: string }> };
  assert.equal(j.rows[0]!.mpan, `12${ESC}00`);
});

test('escaping: incidents escapes a planted file name and element name in the summary', async () => {
  const r = await runCli(['incidents'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, RAW);
  assert.match(r.stdout, /MCF_\\x1B\[31mx\.xml/);
  assert.match(r.stdout, /'\\u\{202E\}Common\\x9B31m'/);
  const j = await runCli(['incidents', '--json'], { env });
  assert.match((JSON.parse(j.stdout) as Array<{ summary: string }>)[0]!.summary, /\u202e/);
});

test('escaping: usage errors (commander and s1mig) escape the argument echoed back', async () => {
  const r = await runCli(['ma', 'received', `x${ESC}`], { env });
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.stderr, RAW);
  assert.match(r.stderr, /x\\x1B\[31m/);
  const c = await runCli(['file', `--bad${ESC}`]);
  assert.equal(c.code, 2);
  assert.doesNotMatch(c.stderr, RAW);
});
