// Planning files (docs/PLANNING.md): TMAD 4.5 forecasts, 4.8(a) demands, 4.8(b) commitments; the
// demand the DCC uses (4.8(a), 4.9), capacity and actual inputs (4.11, 4.14).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseActualsFile,
  parseCapacityFile,
  parsePlanningFile,
  periodDates,
  planningFileName,
  writePlanningFile,
} from '../../src/core/planning/files.js';
import { effectiveDemand, forecastDeadline } from '../../src/core/planning/planning.js';
import type { PlanningRecord } from '../../src/core/planning/repository.js';

const SUP = '70-B3-D5-1F-30-00-A0-01';
const H = 'MigrationWeek,SupplierId,SMSO,ElectricityDistributor,Date,DailyMigrationDemand';

test('TMAD 4.8(a): a demand file reads, writes back byte-identical, and names itself', () => {
  const text = [
    H,
    `2027-02-01,${SUP},TRL,23,2027-02-02,5`,
    `2027-02-01,${SUP},CGI,12,2027-02-01,120`,
    '',
  ].join('\r\n');
  const r = parsePlanningFile('demand', text, 'd.csv');
  assert.ok(r.ok);
  assert.equal(r.file.supplierId, SUP);
  assert.deepEqual(
    r.file.rows.map((x) => x.smso),
    ['CGI', 'TRL'],
  );
  const back = writePlanningFile(r.file);
  assert.equal(
    back,
    [H, `2027-02-01,${SUP},CGI,12,2027-02-01,120`, `2027-02-01,${SUP},TRL,23,2027-02-02,5`, ''].join('\r\n'),
  );
  assert.equal(planningFileName(r.file), 'DMD_70B3D51F3000A001_2027-02-01.csv');
});

test('TMAD 4.8(a): every bad row is named by file, line, column, field and rule', () => {
  const text = [
    H,
    `2027-02-01,${SUP},CGI,12,2027-02-01,120`,
    `2027-02-01,${SUP},XYZ,12,2027-02-01,1`, // unknown SMSO
    `2027-02-01,${SUP},CGI,99,2027-02-08,-3`, // distributor, date outside the week, quantity
    `2027-02-01,${SUP},CGI,12,2027-02-01,7`, // duplicate of line 2
    `2027-02-01,${SUP},CGI`, // too few values
    `2027-02-02,${SUP},CGI,12,2027-02-02,1`, // not a Monday
  ].join('\n');
  const r = parsePlanningFile('demand', text, 'bad.csv');
  assert.ok(!r.ok);
  const brief = r.problems.map((p) => [p.file, p.line, p.column, p.field]);
  assert.deepEqual(brief, [
    ['bad.csv', 3, 3, 'SMSO'],
    ['bad.csv', 4, 4, 'ElectricityDistributor'],
    ['bad.csv', 4, 5, 'Date'],
    ['bad.csv', 4, 6, 'DailyMigrationDemand'],
    ['bad.csv', 5, null, null],
    ['bad.csv', 6, null, null],
    ['bad.csv', 7, 1, 'MigrationWeek'],
  ]);
  for (const p of r.problems) assert.match(p.rule, /TMAD 4\.8\(a\)/);
  assert.match(r.problems[2]!.message, /2027-02-01 to 2027-02-07/);
});

test('TMAD 4.8(a): header, empty file, quotes and binary junk are problems, never crashes', () => {
  for (const text of ['', 'a,b\n', '\u0000\u00ff\n\n', `${H}\n"2027-02-01",x,y,z,w,v`]) {
    const r = parsePlanningFile('demand', text, 'j.csv');
    assert.ok(!r.ok);
    assert.ok(r.problems.length > 0);
  }
});

test('TMAD 4.5: a forecast covers its month and the six after it', () => {
  assert.deepEqual(periodDates('forecast', '2027-09'), { first: '2027-09-01', last: '2028-03-31' });
  const text = `ForecastMonth,SupplierId,SMSO,ElectricityDistributor,Date,IndicativeMigrationForecast\n2027-09,${SUP},CGI,12,2028-04-01,5\n`;
  const r = parsePlanningFile('forecast', text, 'f.csv');
  assert.ok(!r.ok);
  assert.equal(r.problems[0]!.field, 'Date');
  // 20th of the month, end of the day in London (BST in September: 22:59:59.999Z).
  assert.equal(forecastDeadline('2027-09').toISOString(), '2027-09-20T22:59:59.999Z');
});

test('TMAD 4.11 / 4.14: capacity and actual files report bad rows by line and column', () => {
  const c = parseCapacityFile(
    'Date,SMSO,Capacity,Dormant\n2027-02-01,CGI,100,\n2027-02-01,CGI,x,1\n',
    'cap.csv',
  );
  assert.ok(!c.ok);
  assert.deepEqual(
    c.problems.map((p) => [p.line, p.column, p.field]),
    [[3, 3, 'Capacity']],
  );
  const ok = parseCapacityFile('Date,SMSO,Capacity,Dormant\n2027-02-01,CGI,100,\n', 'cap.csv');
  assert.ok(ok.ok && ok.rows[0]!.dormant === 0);
  const a = parseActualsFile(
    `SupplierId,Date,SMSO,Authorised,Migrated\n${SUP},2027-02-01,CGI,10,9\nnope,2027-02-01,CGI,1,1\n`,
    'a.csv',
  );
  assert.ok(!a.ok);
  assert.deepEqual(
    a.problems.map((p) => [p.line, p.column]),
    [[3, 1]],
  );
});

function rec(id: number, period: string, at: string, onTime: boolean, quantity: number): PlanningRecord {
  return {
    id,
    kind: 'demand',
    supplierId: SUP,
    period,
    fileName: `f${id}`,
    sha256: '',
    at: new Date(at),
    onTime,
    outcome: 'accepted',
    problems: [],
    details: {},
    rows: [{ smso: 'CGI', distributor: '12', date: period, quantity }],
  };
}

test('TMAD 4.8(a) / Guide 4.5.2: the latest on-time upload wins; a late one is recorded and ignored', () => {
  const records = [
    rec(1, '2027-02-01', '2027-01-04T09:00:00Z', true, 10),
    rec(2, '2027-02-01', '2027-01-05T09:00:00Z', true, 20),
    rec(3, '2027-02-01', '2027-01-05T11:00:00Z', false, 30),
  ];
  const d = effectiveDemand(SUP, '2027-02-01', [...records].reverse());
  assert.equal(d.source.status, 'on-time');
  assert.equal(d.rows[0]!.quantity, 20);
  assert.deepEqual(
    d.lateIgnored.map((l) => l.recordId),
    [3],
  );
});

test('TMAD 4.9: no demand -> the most recent previous one on the same weekdays; none ever -> zero', () => {
  const records = [
    rec(1, '2027-01-18', '2026-12-20T09:00:00Z', true, 10),
    rec(2, '2027-01-25', '2026-12-29T09:00:00Z', true, 20),
  ];
  const d = effectiveDemand(SUP, '2027-02-08', records);
  assert.deepEqual(d.source, { status: 'reused', fromWeek: '2027-01-25', recordId: 2, fileName: 'f2' });
  assert.deepEqual(d.rows, [{ smso: 'CGI', distributor: '12', date: '2027-02-08', quantity: 20 }]);
  const none = effectiveDemand(SUP, '2027-01-11', records);
  assert.deepEqual(none.source, { status: 'none' });
  assert.deepEqual(none.rows, []);
});
