// The planning cycle through the real CLI (TMAD 4.5–4.15; docs/PLANNING.md): supplier demand, mcc
// demand/forecast receive, mcc forecast report, mcc commit, mcc actuals, mcc cycle; exit codes,
// --json, and bad input reported (file, line, column, rule) without a stack trace.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-planning-cli-'));
const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(tmp, 'db.sqlite')}`, S1MIG_PG_SCHEMA: '' };
const samples = path.resolve('samples/planning');
const S1 = '70-B3-D5-1F-30-00-A0-01';
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (args: string[]) => runCli(args, { cwd: tmp, env });
const noStack = (s: string): void => assert.doesNotMatch(s, /\n\s+at /);

test('TMAD 4.8(a): supplier demand writes a file from the simple input; the MCC accepts it on time', async () => {
  const w = await run([
    'supplier',
    'demand',
    '--supplier-id',
    S1,
    '--week',
    '2027-03-01',
    '--input',
    path.join(samples, 'demand-input.csv'),
    '--out',
    `${tmp}/`,
    '--json',
  ]);
  assert.equal(w.code, 0, w.stderr);
  const out = JSON.parse(w.stdout);
  // 3 input rows x 7 days; 2027-03-01..05 are Working Days: (300 + 100 + 50) x 5 = 2250.
  assert.deepEqual([out.rows, out.total], [21, 2250]);
  const r = await run([
    'mcc',
    'demand',
    'receive',
    out.file,
    '--received-at',
    '2027-02-02T09:59:00Z',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rec = JSON.parse(r.stdout);
  assert.deepEqual([rec.outcome, rec.onTime, rec.deadline], ['accepted', true, '2027-02-02T10:00:00+00:00']);
  const sample = await run([
    'mcc',
    'demand',
    'receive',
    path.join(samples, 'demand.csv'),
    '--received-at',
    '2027-02-01T12:00:00Z',
  ]);
  assert.equal(sample.code, 0, sample.stderr);
});

test('TMAD 4.8(a): a bad demand is rejected with file, line, column and rule; a late one is ignored (exit 1)', async () => {
  const bad = await run([
    'mcc',
    'demand',
    'receive',
    path.join(samples, 'demand-bad.csv'),
    '--received-at',
    '2027-02-01T12:00:00Z',
  ]);
  assert.equal(bad.code, 1);
  noStack(bad.stdout + bad.stderr);
  assert.match(
    bad.stdout,
    /demand-bad\.csv:3:3 SMSO: 'XYZ' is not a known SMSO code.*\(TMAD 4\.8\(a\); docs\/PLANNING\.md\)/,
  );
  assert.match(bad.stdout, /demand-bad\.csv:4:4 ElectricityDistributor/);
  assert.match(
    bad.stdout,
    /demand-bad\.csv:4:5 Date: '2027-03-09': expected a date from 2027-03-01 to 2027-03-07/,
  );
  const late = await run([
    'mcc',
    'demand',
    'receive',
    path.join(samples, 'demand.csv'),
    '--received-at',
    '2027-02-02T10:00:01Z',
  ]);
  assert.equal(late.code, 1);
  assert.match(late.stdout, /LATE: recorded and ignored/);
  for (const args of [
    ['mcc', 'demand', 'receive', path.join(tmp, 'nope.csv')],
    ['mcc', 'commit', '2027-03-02'],
    ['mcc', 'commit', '2027-03-01', '--capacity', 'CGI=lots'],
    ['mcc', 'cycle', 'yesterday'],
    ['supplier', 'demand', '--supplier-id', 'x', '--week', '2027-03-01', '--input', 'a', '--out', 'b'],
  ]) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^s1mig: /);
    noStack(r.stderr);
  }
});

test('TMAD 4.5, 4.6: forecast receive and the aggregate report', async () => {
  const r = await run([
    'mcc',
    'forecast',
    'receive',
    path.join(samples, 'forecast.csv'),
    '--received-at',
    '2027-01-20T20:00:00Z',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rep = await run([
    'mcc',
    'forecast',
    'report',
    '2027-01',
    '--issued-at',
    '2027-01-31T12:00:00Z',
    '--out',
    tmp,
    '--json',
  ]);
  const out = JSON.parse(rep.stdout);
  assert.equal(out.onTime, true);
  // S1 on time; the supplier of demand.csv (A0-02) sent no forecast: missing, so exit 1.
  assert.equal(rep.code, 1);
  assert.deepEqual(
    out.suppliers.map((s: { status: string }) => s.status),
    ['on-time', 'missing', 'missing'], // A0-03 is known from its rejected demand
  );
  assert.equal(
    fs.readFileSync(path.join(tmp, 'IMF_AGGREGATE_2027-01.csv'), 'utf8'),
    'ForecastMonth,Date,SMSO,IndicativeMigrationForecast,Suppliers\r\n2027-01,2027-03-01,CGI,400,1\r\n2027-01,2027-03-01,TRL,100,1\r\n',
  );
});

test('TMAD 4.8(b), 4.8(c), 4.11: mcc commit scales by the MSM and writes the files; mcc cycle and actuals', async () => {
  const c = await run([
    'mcc',
    'commit',
    '2027-03-01',
    '--capacity',
    path.join(samples, 'capacity.csv'),
    '--issued-at',
    '2027-02-09T09:00:00Z',
    '--out',
    path.join(tmp, 'out'),
    '--json',
  ]);
  assert.equal(c.code, 0, c.stderr);
  const out = JSON.parse(c.stdout);
  // CGI Monday: active 600 - 100 = 500; S1 400 (300 + 100), A0-02 250 = 650 > 500. Floors 100 + 100;
  // rest 300 by 300 and 150 (sum 450): 200 and 100 exactly. S1 300, A0-02 200.
  const mon = out.pools.find(
    (p: { date: string; smso: string }) => p.date === '2027-03-01' && p.smso === 'CGI',
  );
  assert.deepEqual([mon.demand, mon.committed, mon.dormantAllocated], [650, 500, 100]);
  const s1 = out.suppliers.find((s: { supplierId: string }) => s.supplierId === S1);
  const s1Mon = s1.rows.filter(
    (r: { date: string; smso: string }) => r.date === '2027-03-01' && r.smso === 'CGI',
  );
  // S1's 300 over distributors 12 (300) and 23 (100): 225 and 75.
  assert.deepEqual(
    s1Mon.map((r: { quantity: number }) => r.quantity),
    [225, 75],
  );
  assert.ok(fs.existsSync(path.join(tmp, 'out', 'MDC_AGGREGATE_2027-03-01.csv')));
  assert.ok(fs.existsSync(path.join(tmp, 'out', 'MDC_70B3D51F3000A001_2027-03-01.csv')));
  const again = await run(['mcc', 'commit', '2027-03-01', '--issued-at', '2027-02-09T09:30:00Z']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already has 3 Migration Demand Commitment/);

  const cy = await run(['mcc', 'cycle', '2027-03-01', '--at', '2027-02-10T00:00:00Z', '--json']);
  assert.equal(cy.code, 0, cy.stderr);
  const st = JSON.parse(cy.stdout);
  assert.equal(st.report.status, 'issued');
  assert.deepEqual(
    st.suppliers.map(
      (s: { demand: { status: string }; commitment: { status: string }; rejectedDemands: number }) => [
        s.demand.status,
        s.commitment.status,
      ],
    ),
    [
      ['on-time', 'issued'],
      ['on-time', 'issued'],
      ['none', 'issued'], // A0-03 sent only the rejected file: no demand, commitment zero
    ],
  );
  const text = await run(['mcc', 'cycle', '2027-03-01', '--at', '2027-02-10T00:00:00Z']);
  assert.match(text.stdout, /70-B3-D5-1F-30-00-A0-02: demand 540 on time, 1 late ignored; commitment issued/);

  const a = await run([
    'mcc',
    'actuals',
    '2027-03-01',
    path.join(samples, 'actuals.csv'),
    '--at',
    '2027-03-08T00:00:00Z',
  ]);
  // S1 committed 300 on CGI Monday, authorised 267, migrated 200: 67 short of 267 (> 10%): notify.
  assert.equal(a.code, 1);
  assert.match(
    a.stdout,
    /NOTIFY 70-B3-D5-1F-30-00-A0-01 2027-03-01 CGI: committed 300, authorised 267, migrated 200/,
  );
  assert.match(a.stdout, /A0-02 2027-03-01 CGI: committed 200, authorised 200, migrated 195: as committed/);
});

test('TMAD 4.11: DMIN from S1MIG_DMIN (src/config.ts), --dmin wins, a bad value names the variable', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'dmin-'));
  const runAs = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    runCli(args, { cwd: dir, env: { ...env, S1MIG_DATABASE_URL: `sqlite:${dir}/db.sqlite`, ...extra } });
  const w = await runAs([
    'supplier',
    'demand',
    '--supplier-id',
    S1,
    '--week',
    '2027-03-01',
    '--input',
    path.join(samples, 'demand-input.csv'),
    '--out',
    `${dir}/`,
    '--json',
  ]);
  assert.equal(w.code, 0, w.stderr);
  for (const f of [JSON.parse(w.stdout).file, path.join(samples, 'demand.csv')]) {
    const r = await runAs(['mcc', 'demand', 'receive', f, '--received-at', '2027-02-01T12:00:00Z']);
    assert.equal(r.code, 0, r.stderr);
  }
  const bad = await runAs(['mcc', 'commit', '2027-03-01', '--capacity', 'CGI=600:100'], {
    S1MIG_DMIN: 'lots',
  });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /S1MIG_DMIN 'lots': expected a whole number .*\(TMAD 4\.11\)/);
  const flag = await runAs(['mcc', 'commit', '2027-03-01', '--dmin', 'x'], { S1MIG_DMIN: 'lots' });
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--dmin 'x'/, 'the flag is read, not the variable');
  const c = await runAs(
    [
      'mcc',
      'commit',
      '2027-03-01',
      '--capacity',
      'CGI=600:100',
      '--issued-at',
      '2027-02-09T09:00:00Z',
      '--json',
    ],
    { S1MIG_DMIN: '200' },
  );
  assert.equal(c.code, 0, c.stderr);
  const out = JSON.parse(c.stdout) as {
    suppliers: { supplierId: string; rows: { date: string; smso: string; quantity: number }[] }[];
  };
  // CGI Monday: active 600 - 100 = 500; demands S1 400, A0-02 250. DMIN 200: floors 200 + 200 = 400;
  // the rest 100 by demand above the floor (200 and 50): 80 and 20. S1 280, A0-02 220 (with the
  // default 100 the same day gives 300 and 200: the test above).
  const mon = (id: string): number =>
    out.suppliers
      .find((s) => s.supplierId === id)!
      .rows.filter((r) => r.date === '2027-03-01' && r.smso === 'CGI')
      .reduce((s, r) => s + r.quantity, 0);
  assert.deepEqual([mon(S1), mon('70-B3-D5-1F-30-00-A0-02')], [280, 220]);
});

test('TMAD 4.5, 4.6: supplier forecast writes the file mcc forecast receive reads; the aggregate adds them', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'imf-'));
  const runAs = (args: string[]) =>
    runCli(args, { cwd: dir, env: { ...env, S1MIG_DATABASE_URL: `sqlite:${dir}/db.sqlite` } });
  const S2 = '70-B3-D5-1F-30-00-A0-02';
  fs.writeFileSync(
    path.join(dir, 's2.csv'),
    'SMSO,ElectricityDistributor,MigrationWeek,PerWorkingDay\nCGI,14,2027-03-01,20\n',
  );
  const files: string[] = [];
  for (const [id, input] of [
    [S1, path.join(samples, 'forecast-input.csv')],
    [S2, path.join(dir, 's2.csv')],
  ] as const) {
    const w = await runAs([
      'supplier',
      'forecast',
      '--supplier-id',
      id,
      '--month',
      '2027-01',
      '--input',
      input,
      '--out',
      `${dir}/`,
      '--json',
    ]);
    assert.equal(w.code, 0, w.stderr);
    files.push((JSON.parse(w.stdout) as { file: string }).file);
  }
  assert.equal(path.basename(files[0]!), 'IMF_70B3D51F3000A001_2027-01.csv');
  // S1 on the 20th (on time), S2 one second into the 21st, UK time (late: counted and flagged).
  const on = await runAs(['mcc', 'forecast', 'receive', files[0]!, '--received-at', '2027-01-20T23:59:00Z']);
  assert.equal(on.code, 0, on.stdout + on.stderr);
  const late = await runAs([
    'mcc',
    'forecast',
    'receive',
    files[1]!,
    '--received-at',
    '2027-01-21T00:00:01Z',
  ]);
  assert.equal(late.code, 1);
  assert.match(late.stdout, /LATE: recorded and flagged/);
  const rep = await runAs([
    'mcc',
    'forecast',
    'report',
    '2027-01',
    '--issued-at',
    '2027-01-31T12:00:00Z',
    '--out',
    dir,
    '--json',
  ]);
  assert.equal(rep.code, 1, 'a late forecast is flagged');
  const csv = fs.readFileSync(path.join(dir, 'IMF_AGGREGATE_2027-01.csv'), 'utf8').split('\r\n');
  // forecast-input.csv: CGI 80 and TRL 20 a Working Day in the week of 2027-03-01, CGI 40 in the week of
  // Easter Monday 2027-03-29 (no Working Day); S2 adds 20 a Working Day on CGI in the first week.
  assert.ok(csv.includes('2027-01,2027-03-01,CGI,100,2'), csv.join('\n'));
  assert.ok(csv.includes('2027-01,2027-03-01,TRL,20,1'));
  assert.ok(csv.includes('2027-01,2027-03-06,CGI,0,2'));
  assert.ok(csv.includes('2027-01,2027-03-29,CGI,0,1'));
  assert.ok(csv.includes('2027-01,2027-03-30,CGI,40,1'));
  const bad = await runAs([
    'supplier',
    'forecast',
    '--supplier-id',
    S1,
    '--month',
    '2027-01',
    '--input',
    path.join(samples, 'demand-input.csv'),
    '--out',
    `${dir}/`,
  ]);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stdout,
    /demand-input\.csv:1 : header .*expected SMSO,ElectricityDistributor,MigrationWeek,PerWorkingDay \(TMAD 4\.5/,
  );
  const usage = await runAs([
    'supplier',
    'forecast',
    '--supplier-id',
    S1,
    '--month',
    '2027-13',
    '--input',
    'a',
    '--out',
    'b',
  ]);
  assert.equal(usage.code, 2);
  noStack(usage.stderr);
});
