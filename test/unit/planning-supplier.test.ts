// The supplier's Daily Migration Demand builder (TMAD 4.8(a); docs/PLANNING.md demand input).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDemand } from '../../src/supplier/demand.js';

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
