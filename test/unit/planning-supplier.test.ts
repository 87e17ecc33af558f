// The supplier's Daily Migration Demand builder (TMAD 4.8(a); docs/PLANNING.md demand input).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDemand, buildForecast } from '../../src/supplier/demand.js';

const SUP = '70-B3-D5-1F-30-00-A0-01';

test('TMAD 4.8(a): PerWorkingDay puts the number on Working Days only (not on Easter Monday 2027)', () => {
  // Easter Sunday 2027 is 28 March (GOV.UK: Good Friday 26 March, Easter Monday 29 March), so in the
  // Migration Week of Monday 2027-03-29 the Working Days are Tuesday 30 March to Friday 2 April.
  const r = buildDemand(
    SUP,
    '2027-03-29',
    'SMSO,ElectricityDistributor,PerWorkingDay\nCGI,12,10\n',
    'in.csv',
  );
  assert.ok(r.ok);
  assert.deepEqual(
    r.file.rows.map((x) => [x.date, x.quantity]),
    [
      ['2027-03-29', 0], // Easter Monday
      ['2027-03-30', 10],
      ['2027-03-31', 10],
      ['2027-04-01', 10],
      ['2027-04-02', 10],
      ['2027-04-03', 0],
      ['2027-04-04', 0],
    ],
  );
  assert.equal(r.fileName, 'DMD_70B3D51F3000A001_2027-03-29.csv');
});

test('TMAD 4.8(a): per-day input; bad values and SMSOs are reported on the input line and column', () => {
  const r = buildDemand(
    SUP,
    '2027-03-01',
    'SMSO,ElectricityDistributor,Mon,Tue,Wed,Thu,Fri,Sat,Sun\nCGI,12,1,2,3,4,5,0,0\nXYZ,12,1,1,1,1,1,0,0\nCGI,23,1,x,1,1,1,0,0\n',
    'in.csv',
  );
  assert.ok(!r.ok);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.column, p.field]),
    [[4, 4, 'Tue']],
  );
  const r2 = buildDemand(
    SUP,
    '2027-03-01',
    'SMSO,ElectricityDistributor,PerWorkingDay\nXYZ,12,1\n',
    'in.csv',
  );
  assert.ok(!r2.ok);
  assert.deepEqual([r2.problems[0]!.line, r2.problems[0]!.column, r2.problems[0]!.field], [2, 1, 'SMSO']);
  const r3 = buildDemand(SUP, '2027-03-01', 'nonsense\n', 'in.csv');
  assert.ok(!r3.ok);
  assert.equal(r3.problems[0]!.line, 1);
});

test("TMAD 4.5: supplier forecast puts each week's number on its Working Days (Easter 2027), within the horizon", () => {
  const r = buildForecast(
    SUP,
    '2027-01',
    'SMSO,ElectricityDistributor,MigrationWeek,PerWorkingDay\nCGI,12,2027-03-29,40\nTRL,23,2027-07-26,5\n',
    'in.csv',
  );
  assert.ok(r.ok);
  assert.equal(r.fileName, 'IMF_70B3D51F3000A001_2027-01.csv');
  // Easter Monday 29 March 2027 (GOV.UK) is no Working Day: 4 x 40. The horizon of a January forecast
  // ends on 31 July (docs/PLANNING.md): the week of Monday 26 July keeps Monday to Saturday only.
  const cgi = r.file.rows.filter((x) => x.smso === 'CGI');
  assert.deepEqual(
    cgi.map((x) => x.quantity),
    [0, 40, 40, 40, 40, 0, 0],
  );
  const trl = r.file.rows.filter((x) => x.smso === 'TRL');
  assert.deepEqual(
    trl.map((x) => [x.date, x.quantity]),
    [
      ['2027-07-26', 5],
      ['2027-07-27', 5],
      ['2027-07-28', 5],
      ['2027-07-29', 5],
      ['2027-07-30', 5],
      ['2027-07-31', 0],
    ],
  );
  assert.match(
    r.text,
    /^ForecastMonth,SupplierId,SMSO,ElectricityDistributor,Date,IndicativeMigrationForecast\r\n/,
  );
});

test('TMAD 4.5: supplier forecast reports bad weeks, numbers, SMSOs and repeats on the input line and column', () => {
  const r = buildForecast(
    SUP,
    '2027-01',
    'SMSO,ElectricityDistributor,MigrationWeek,PerWorkingDay\nCGI,12,2027-08-02,1\nCGI,12,2027-03-02,1\nCGI,12,2027-03-01,x\n',
    'in.csv',
  );
  assert.ok(!r.ok);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.column, p.field]),
    [
      [2, 3, 'MigrationWeek'], // after the horizon (31 July)
      [3, 3, 'MigrationWeek'], // not a Monday
      [4, 4, 'PerWorkingDay'],
    ],
  );
  const r2 = buildForecast(
    SUP,
    '2027-01',
    'SMSO,ElectricityDistributor,MigrationWeek,PerWorkingDay\nCGI,12,2027-03-01,1\nXYZ,12,2027-03-01,1\nCGI,12,2027-03-01,2\n',
    'in.csv',
  );
  assert.ok(!r2.ok);
  assert.deepEqual(r2.problems.map((p) => [p.line, p.column, p.field]).slice(0, 2), [
    [3, 1, 'SMSO'],
    [4, null, null],
  ]);
  assert.match(r2.problems.at(-1)!.message, /already given on line 2/);
  assert.ok(!buildForecast(SUP, '2027-01', 'SMSO,ElectricityDistributor,PerWorkingDay\n', 'in.csv').ok);
});
