// s1mig ma validate / ma build through the real CLI (MAM 4, 7.1–7.2; TMAD 4.37).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 's1mig-ma-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const SAMPLE = path.join(REPO_ROOT, 'samples/ma/MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv');
const BROKEN = path.join(REPO_ROOT, 'samples/ma/broken/MA_CGI_70-B3-D5-1F-30-00-A0-08_20190411_113000.csv');
const MPXNS = path.join(REPO_ROOT, 'samples/mpxns.csv');
const CERTS = path.join(REPO_ROOT, 'samples/ma-certificates.json');

// Each test spawns the CLI (about 1 s of start-up each): run them concurrently.
describe('s1mig ma', { concurrency: true }, () => {
  test('ma validate: the sample MA is valid (exit 0), on time before the cut-off', async () => {
    const r = await runCli(['ma', 'validate', SAMPLE, '--received-at', '2019-04-08T09:00:00+01:00']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /valid: 10 authorisation rows, 0 warnings/);
  });

  test('ma validate --json: exactly {valid, errors, warnings}; late receipt is a warning (MAM 4, TMAD 4.37)', async () => {
    const r = await runCli([
      'ma',
      'validate',
      SAMPLE,
      '--json',
      '--received-at',
      '2019-04-11T10:00:01+01:00',
    ]);
    assert.equal(r.code, 0);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['valid', 'errors', 'warnings']);
    assert.equal(j.valid, true);
    assert.equal(j.warnings.length, 1);
    assert.deepEqual(Object.keys(j.warnings[0]), ['line', 'field', 'rule', 'message']);
    assert.equal(j.warnings[0].rule, 'MAM 4; TMAD 4.37');
  });

  test('ma validate: the broken sample reports every problem with file:line: field: message (rule), exit 1', async () => {
    const r = await runCli(['ma', 'validate', BROKEN, '--received-at', '2019-04-11T11:30:00+01:00']);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    const name = BROKEN;
    for (const l of [2, 4, 5, 6, 7, 8, 10, 11, 14])
      assert.ok(
        lines.some((x) => x.startsWith(`${name}:${l}: `)),
        `line ${l} reported:\n${r.stdout}`,
      );
    assert.ok(lines.some((x) => x.includes(':4: MPAN: ') && x.endsWith('(MAM 7.2.3)')));
    assert.ok(lines.some((x) => x.includes(':8: MPRN: ') && /lines 5 and 8/.test(x)));
    assert.ok(lines.some((x) => x.includes(':14: ') && x.endsWith('(MAM 7.2.4)')));
    assert.match(lines.at(-1)!, /INVALID: \d+ errors/);
    const j = JSON.parse(
      (await runCli(['ma', 'validate', BROKEN, '--json', '--received-at', '2019-04-01T00:00:00Z'])).stdout,
    );
    assert.equal(j.valid, false);
    assert.ok(j.errors.every((e: { line: unknown }) => e.line === null || typeof e.line === 'number'));
  });

  test('ma validate: unreadable file and bad --received-at are usage errors (exit 2)', async () => {
    const [r, badTime, noArg] = await Promise.all([
      runCli(['ma', 'validate', path.join(tmp, 'nope.csv')]),
      runCli(['ma', 'validate', SAMPLE, '--received-at', 'yesterday']),
      runCli(['ma', 'validate']),
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.csv' not found/);
    assert.equal(badTime.code, 2);
    assert.equal(noArg.code, 2);
  });

  test('ma build: from the sample list and certificates, writes a valid MA_<SMSO>_<UserID>_<date>_<time>.csv', async () => {
    const out = mkdtempSync(path.join(tmp, 'out-'));
    const r = await runCli([
      'ma',
      'build',
      '--mpxns',
      MPXNS,
      '--user-id',
      '70-B3-D5-1F-30-00-A0-08',
      '--smso',
      'CGI',
      '--certificates',
      CERTS,
      '--migration-week',
      '2030-01-07',
      '--priority',
      '--out',
      out,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.rows, 10);
    assert.match(path.basename(j.file), /^MA_CGI_70-B3-D5-1F-30-00-A0-08_\d{8}_\d{6}\.csv$/);
    assert.deepEqual(readdirSync(out), [path.basename(j.file)]);
    const v = await runCli(['ma', 'validate', j.file, '--json', '--received-at', '2029-12-01T00:00:00Z']);
    assert.equal(v.code, 0, v.stdout);
    assert.deepEqual(JSON.parse(v.stdout).warnings, []);
    const text = readFileSync(j.file, 'utf8');
    assert.equal(text.split('\n')[1], 'YES');
    assert.match(text.split('\n')[3]!, /^\d{13},,,20300107,Y,/);
  });

  test('ma build: a JSON list, --cert flags and --commissioned-by-dcc no; text mode prints the path', async () => {
    const out = mkdtempSync(path.join(tmp, 'out-'));
    const list = path.join(tmp, 'list.json');
    writeFileSync(list, JSON.stringify([{ mpan: '1000123456788' }]));
    const r = await runCli([
      'ma',
      'build',
      '--mpxns',
      list,
      '--user-id',
      '70-b3-d5-1f-30-00-a0-08',
      '--smso',
      'EDM',
      '--commissioned-by-dcc',
      'no',
      '--cert',
      'esmeSupplierCritical:123:CN=Test CA,O=Test',
      '--cert',
      'esmeSupplierNonCritical:456:CN=Test CA,O=Test',
      '--migrate-on',
      '2030-01-09',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const file = r.stdout.trim();
    assert.equal(path.dirname(file), out);
    assert.match(path.basename(file), /^MA_EDM_70-B3-D5-1F-30-00-A0-08_/);
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines[1], 'NO');
    assert.match(lines[3]!, /^1000123456788,,20300109,20300107,,123,"CN=Test CA,O=Test",456,/);
  });

  test('ma build: bad MPxNs are rejected with the line of the input list (exit 1, nothing written)', async () => {
    const out = mkdtempSync(path.join(tmp, 'out-'));
    const list = path.join(tmp, 'bad.csv');
    writeFileSync(list, 'mpan,mprn\n1000123456788,\n1000123456781,\n,12345678901\n');
    const r = await runCli([
      'ma',
      'build',
      '--mpxns',
      list,
      '--user-id',
      '70-B3-D5-1F-30-00-A0-08',
      '--smso',
      'CGI',
      '--certificates',
      CERTS,
      '--out',
      out,
    ]);
    assert.equal(r.code, 1);
    assert.ok(r.stdout.includes(`${list}:3: MPAN: `), r.stdout);
    assert.ok(r.stdout.includes(`${list}:4: MPRN: `), r.stdout);
    assert.deepEqual(readdirSync(out), []);
    const j = await runCli([
      'ma',
      'build',
      '--mpxns',
      list,
      '--user-id',
      '70-B3-D5-1F-30-00-A0-08',
      '--smso',
      'CGI',
      '--certificates',
      CERTS,
      '--out',
      out,
      '--json',
    ]);
    assert.equal(j.code, 1);
    assert.equal(JSON.parse(j.stdout).errors.length, 2);
  });

  test('ma build: usage errors exit 2 (missing flags, bad User ID, bad SMSO, unreadable list)', async () => {
    const base = ['ma', 'build', '--mpxns', MPXNS, '--certificates', CERTS];
    const runs = await Promise.all([
      runCli([...base, '--smso', 'CGI']),
      runCli([...base, '--smso', 'CGI', '--user-id', 'xyz']),
      runCli([...base, '--smso', 'ZZZ', '--user-id', '70-B3-D5-1F-30-00-A0-08']),
      runCli([
        'ma',
        'build',
        '--mpxns',
        path.join(tmp, 'none.csv'),
        '--smso',
        'CGI',
        '--user-id',
        '70-B3-D5-1F-30-00-A0-08',
      ]),
    ]);
    assert.deepEqual(
      runs.map((r) => r.code),
      [2, 2, 2, 2],
    );
  });

  test('ma --help names the group; build --help explains the default week', async () => {
    const r = await runCli(['ma', 'build', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.replace(/\s+/g, ' '), /Default Migration Week: the next week whose MA cut-off/);
  });
});
