// Working Day calendar, Europe/London deadlines and the migration cycle.
// TMAD 2 (Working Day, Migration Week), 4.8, 4.29, 4.30, 4.37; MAM 4; Guide 4.5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  WorkingDayCalendar,
  addDays,
  easterSunday,
  formatLondonIso,
  formatMigrationCycle,
  isIsoDate,
  isMonday,
  latestNoticeDay,
  londonDateOf,
  londonTime,
  migrationCycle,
  migrationWeekOf,
  nonWorkingDeadlines,
  weekday,
  weekdayName,
} from '../../src/core/calendar/index.js';

const cal = new WorkingDayCalendar();

// GOV.UK "UK bank holidays", England and Wales, as published.
const GOV_UK: Record<number, string[]> = {
  2019: ['01-01', '04-19', '04-22', '05-06', '05-27', '08-26', '12-25', '12-26'],
  2020: ['01-01', '04-10', '04-13', '05-08', '05-25', '08-31', '12-25', '12-28'],
  2021: ['01-01', '04-02', '04-05', '05-03', '05-31', '08-30', '12-27', '12-28'],
  2022: ['01-03', '04-15', '04-18', '05-02', '06-02', '06-03', '08-29', '09-19', '12-26', '12-27'],
  2023: ['01-02', '04-07', '04-10', '05-01', '05-08', '05-29', '08-28', '12-25', '12-26'],
  2024: ['01-01', '03-29', '04-01', '05-06', '05-27', '08-26', '12-25', '12-26'],
  2025: ['01-01', '04-18', '04-21', '05-05', '05-26', '08-25', '12-25', '12-26'],
  2026: ['01-01', '04-03', '04-06', '05-04', '05-25', '08-31', '12-25', '12-28'],
  2027: ['01-01', '03-26', '03-29', '05-03', '05-31', '08-30', '12-27', '12-28'],
};

// Fixed-seed runs keep failures reproducible.
const FC = { seed: 20201120, numRuns: 300 } as const;
const arbDate = fc
  .integer({ min: Date.UTC(2015, 0, 1) / 86_400_000, max: Date.UTC(2035, 11, 31) / 86_400_000 })
  .map((n) => new Date(n * 86_400_000).toISOString().slice(0, 10));
const arbMonday = arbDate.map(migrationWeekOf);

for (const [year, days] of Object.entries(GOV_UK)) {
  test(`SEC Working Day: England and Wales bank holidays ${year} match the GOV.UK list`, () => {
    assert.deepEqual(
      cal.holidays(Number(year)),
      days.map((d) => `${year}-${d}`),
    );
  });
}

test('SEC Working Day: Easter by computus (known Easter Sundays)', () => {
  const known: Record<number, string> = {
    2000: '2000-04-23',
    2008: '2008-03-23',
    2011: '2011-04-24',
    2019: '2019-04-21',
    2038: '2038-04-25',
    2285: '2285-03-22',
  };
  for (const [y, d] of Object.entries(known)) assert.equal(easterSunday(Number(y)), d);
});

test('SEC Working Day: substitute days for Christmas, Boxing Day and New Year on weekends', () => {
  for (const d of [
    '2020-12-28',
    '2021-12-27',
    '2021-12-28',
    '2022-12-27',
    '2022-01-03',
    '2023-01-02',
    '2027-12-27',
  ])
    assert.equal(cal.isWorkingDay(d), false, d);
  for (const d of ['2020-12-29', '2021-12-29', '2022-12-28', '2022-01-04'])
    assert.equal(cal.isWorkingDay(d), true, d);
  assert.match(cal.nonWorkingReason('2022-12-27')!, /substitute/);
});

test('SEC Working Day: weekends are never Working Days; ordinary weekdays are', () => {
  assert.equal(cal.isWorkingDay('2019-08-03'), false);
  assert.equal(cal.isWorkingDay('2019-08-04'), false);
  assert.equal(cal.isWorkingDay('2019-08-05'), true);
  assert.equal(cal.nonWorkingReason('2019-08-03'), 'Saturday');
  assert.equal(cal.nonWorkingReason('2019-08-05'), undefined);
});

test('SEC Working Day: one-off holidays shipped as defaults and removable/addable by callers', () => {
  for (const d of ['2022-06-03', '2022-09-19', '2023-05-08', '2020-05-08', '2022-06-02'])
    assert.equal(cal.isWorkingDay(d), false, d);
  // The moved regular days are Working Days.
  for (const d of ['2020-05-04', '2022-05-30']) assert.equal(cal.isWorkingDay(d), true, d);
  const custom = new WorkingDayCalendar({
    extraHolidays: ['2030-07-01'],
    removedHolidays: ['2022-09-19', '2024-12-26'],
  });
  assert.equal(custom.isWorkingDay('2030-07-01'), false);
  assert.equal(custom.isWorkingDay('2022-09-19'), true);
  assert.equal(custom.isWorkingDay('2024-12-26'), true);
  assert.ok(custom.holidays(2030).includes('2030-07-01'));
  const plain = new WorkingDayCalendar({ oneOffDefaults: false });
  assert.equal(plain.isWorkingDay('2022-06-03'), true);
  assert.equal(plain.isWorkingDay('2022-05-30'), false);
  assert.throws(() => new WorkingDayCalendar({ extraHolidays: ['2022-13-01'] }), RangeError);
});

test('dates: malformed or impossible dates are rejected', () => {
  for (const bad of ['2019-02-29', '2019-8-5', '20190805', '2019-00-10', '2019-04-31', ''])
    assert.equal(isIsoDate(bad), false, bad);
  assert.equal(isIsoDate('2020-02-29'), true);
  assert.throws(() => cal.isWorkingDay('2019-02-29'), RangeError);
  assert.throws(() => cal.addWorkingDays('2019-08-05', 1.5), RangeError);
});

test('addWorkingDays: skips weekends and Easter (2024: Good Friday 29 Mar, Easter Monday 1 Apr)', () => {
  assert.equal(cal.addWorkingDays('2024-03-28', 1), '2024-04-02');
  assert.equal(cal.addWorkingDays('2024-04-02', -1), '2024-03-28');
  assert.equal(cal.addWorkingDays('2024-03-30', 0), '2024-03-30');
  assert.equal(cal.addWorkingDays('2024-03-30', 1), '2024-04-02');
  assert.deepEqual(cal.workingDaysBetween('2024-03-27', '2024-04-03'), [
    '2024-03-27',
    '2024-03-28',
    '2024-04-02',
    '2024-04-03',
  ]);
  assert.equal(cal.countWorkingDays('2024-03-27', '2024-04-03'), 3);
});

test('Europe/London: BST and GMT offsets and ISO 8601 output (README time-zone decision)', () => {
  assert.equal(formatLondonIso(londonTime('2019-08-01', '10:00')), '2019-08-01T10:00:00+01:00');
  assert.equal(londonTime('2019-08-01', '10:00').toISOString(), '2019-08-01T09:00:00.000Z');
  assert.equal(formatLondonIso(londonTime('2019-12-03', '10:00')), '2019-12-03T10:00:00+00:00');
  assert.equal(londonTime('2019-12-03', '23:59').toISOString(), '2019-12-03T23:59:00.000Z');
  // Clock changes 2024: 31 March 01:00 GMT → 02:00 BST; 27 October 02:00 BST → 01:00 GMT.
  assert.equal(formatLondonIso(londonTime('2024-03-31', '00:30')), '2024-03-31T00:30:00+00:00');
  assert.equal(formatLondonIso(londonTime('2024-03-31', '03:00')), '2024-03-31T03:00:00+01:00');
  assert.equal(formatLondonIso(londonTime('2024-03-31', '01:30')), '2024-03-31T02:30:00+01:00'); // gap: forward
  assert.equal(formatLondonIso(londonTime('2024-10-27', '01:30')), '2024-10-27T01:30:00+01:00'); // ambiguous: earlier
  assert.equal(formatLondonIso(londonTime('2024-10-27', '02:00')), '2024-10-27T02:00:00+00:00');
  assert.equal(formatLondonIso(new Date('2024-10-27T01:30:00Z')), '2024-10-27T01:30:00+00:00');
  assert.equal(londonDateOf(new Date('2019-07-31T23:30:00Z')), '2019-08-01');
  assert.throws(() => londonTime('2019-08-01', '24:00'), RangeError);
  assert.throws(() => londonTime('2019-08-01', '10.00'), RangeError);
});

test('Europe/London: wall clock → instant → wall clock round trip (property)', () => {
  fc.assert(
    fc.property(arbDate, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (d, h, m) => {
      const hhmm = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
      const iso = formatLondonIso(londonTime(d, hhmm));
      // Only the spring-forward hour (01:xx on the last Sunday of March) does not round-trip.
      if (!(h === 1 && weekday(d) === 0 && d.slice(5, 7) === '03' && Number(d.slice(8)) >= 25))
        assert.equal(iso.slice(0, 16), `${d}T${hhmm}`);
      assert.ok(/[+]0[01]:00$/.test(iso));
    }),
    FC,
  );
});

test('MAM 4 example: Migration Week Monday 5 August 2019 → MA due 10:00 Thursday 1 August 2019', () => {
  const c = formatMigrationCycle(migrationCycle('2019-08-05'));
  assert.deepEqual(c, {
    migrationWeek: '2019-08-05T00:00:00+01:00', // TMAD 2: the week starts 00:00 Monday
    dailyMigrationDemand: '2019-07-09T10:00:00+01:00', // TMAD 4.8(a): Tuesday 3 weeks 6 days before
    demandCommitment: '2019-07-16T10:00:00+01:00', // TMAD 4.8(b): the following Tuesday
    commitmentAggregateReport: '2019-07-16T17:00:00+01:00', // TMAD 4.8(c): 17:00 that Tuesday
    migrationAuthorisation: '2019-08-01T10:00:00+01:00', // MAM 4
    mixedInstallationNotice: '2019-08-01T23:59:00+01:00', // TMAD 4.37
    dormantFirmwareNotice: '2019-07-29', // TMAD 4.29: 5 Working Days
    dormantMigrationNotice: '2019-07-15', // TMAD 4.30: 15 Working Days
  });
});

test('TMAD 4.8 / 4.37 / MAM 4: deadlines straddling the October clock change (MW 2019-11-18)', () => {
  // Clocks went back on Sunday 27 October 2019: DMD (Tue 22 Oct) is BST, the rest GMT.
  const c = formatMigrationCycle(migrationCycle('2019-11-18'));
  assert.equal(c.dailyMigrationDemand, '2019-10-22T10:00:00+01:00');
  assert.equal(c.demandCommitment, '2019-10-29T10:00:00+00:00');
  assert.equal(c.commitmentAggregateReport, '2019-10-29T17:00:00+00:00');
  assert.equal(c.migrationAuthorisation, '2019-11-14T10:00:00+00:00');
  assert.equal(c.mixedInstallationNotice, '2019-11-14T23:59:00+00:00');
});

test('TMAD 4.8 / MAM 4: deadlines straddling the March clock change (MW 2021-04-12)', () => {
  // Clocks went forward on Sunday 28 March 2021.
  const c = migrationCycle('2021-04-12');
  assert.equal(formatLondonIso(c.dailyMigrationDemand), '2021-03-16T10:00:00+00:00');
  assert.equal(c.dailyMigrationDemand.toISOString(), '2021-03-16T10:00:00.000Z');
  assert.equal(formatLondonIso(c.migrationAuthorisation), '2021-04-08T10:00:00+01:00');
  assert.equal(c.migrationAuthorisation.toISOString(), '2021-04-08T09:00:00.000Z');
});

test('TMAD 2 Migration Week: not a Monday / not a date → RangeError; migrationWeekOf finds the Monday', () => {
  assert.throws(() => migrationCycle('2019-08-06'), RangeError);
  assert.throws(() => migrationCycle('2019-02-30'), RangeError);
  assert.throws(() => migrationCycle('5 Aug 2019'), RangeError);
  assert.equal(isMonday('2019-08-05'), true);
  assert.equal(isMonday('2019-08-11'), false);
  assert.equal(isMonday('nope'), false);
  assert.equal(migrationWeekOf('2019-08-11'), '2019-08-05');
  assert.equal(migrationWeekOf('2019-08-05'), '2019-08-05');
  assert.equal(migrationWeekOf('2020-01-01'), '2019-12-30');
});

test('TMAD 4.8, 4.37, MAM 4: each deadline falls on the weekday the text names (property)', () => {
  fc.assert(
    fc.property(arbMonday, (mw) => {
      const c = migrationCycle(mw);
      const day = (d: Date) => weekdayName(londonDateOf(d));
      assert.equal(day(c.dailyMigrationDemand), 'Tuesday');
      assert.equal(londonDateOf(c.dailyMigrationDemand), addDays(mw, -27)); // 3 weeks 6 days
      assert.equal(londonDateOf(c.demandCommitment), addDays(mw, -20));
      assert.equal(c.commitmentAggregateReport.getTime() - c.demandCommitment.getTime(), 7 * 3_600_000);
      assert.equal(day(c.migrationAuthorisation), 'Thursday');
      assert.equal(londonDateOf(c.mixedInstallationNotice), addDays(mw, -4));
      assert.ok(c.migrationAuthorisation < c.mixedInstallationNotice);
      assert.equal(cal.addWorkingDays(c.dormantFirmwareNotice, 5) <= mw, true);
      assert.equal(cal.addWorkingDays(c.dormantMigrationNotice, 15) <= mw, true);
    }),
    FC,
  );
});

test('SPEC-DECISIONS: a deadline on a non-Working Day keeps the named day and is reported (MW 2025-12-29)', () => {
  const c = migrationCycle('2025-12-29');
  assert.equal(formatLondonIso(c.migrationAuthorisation), '2025-12-25T10:00:00+00:00'); // Christmas Day
  const notes = nonWorkingDeadlines(c, cal);
  assert.deepEqual(
    notes.map((n) => [n.key, n.reason]),
    [
      ['migrationAuthorisation', 'Christmas Day'],
      ['mixedInstallationNotice', 'Christmas Day'],
    ],
  );
});

test('TMAD 4.29 / 4.30: notice periods are configurable (README: 5 and 15 by default)', () => {
  const c = migrationCycle('2019-08-05', {
    dormantFirmwareNoticeWorkingDays: 15,
    dormantMigrationNoticeWorkingDays: 8,
  });
  assert.equal(c.dormantFirmwareNotice, '2019-07-15');
  assert.equal(c.dormantMigrationNotice, '2019-07-24');
  const extra = migrationCycle('2019-08-05', {
    calendar: new WorkingDayCalendar({ extraHolidays: ['2019-07-31'] }),
  });
  assert.equal(extra.dormantFirmwareNotice, '2019-07-26');
});

test('TMAD 4.29: notice arithmetic across Easter (MW 2024-04-08, 5 Working Days)', () => {
  // Working Days back from Mon 8 Apr: 8, 5, 4, 3, 2 (Mon 1 Apr Easter Monday, Fri 29 Mar Good Friday), 28 Mar.
  assert.equal(latestNoticeDay('2024-04-08', 5), '2024-03-28');
  assert.equal(cal.addWorkingDays('2024-03-28', 5), '2024-04-08');
  // Literally, a notice on Easter Monday also has 8 Apr as its 5th Working Day after; by default the
  // notice day is a Working Day (docs/SPEC-DECISIONS.md).
  assert.equal(latestNoticeDay('2024-04-08', 5, cal, { noticeOn: 'any-day' }), '2024-04-01');
  // TMAD 4.30, 15 Working Days across Easter 2024.
  assert.equal(latestNoticeDay('2024-04-15', 15), '2024-03-21');
  assert.equal(cal.addWorkingDays('2024-03-21', 15), '2024-04-15');
  assert.equal(cal.addWorkingDays('2024-03-22', 15), '2024-04-16');
});

test('TMAD 4.29 / 4.30: latestNoticeDay properties (fast-check)', () => {
  fc.assert(
    fc.property(arbDate, fc.integer({ min: 0, max: 30 }), (s, n) => {
      const d = latestNoticeDay(s, n, cal);
      assert.equal(cal.isWorkingDay(d), true);
      assert.ok(cal.addWorkingDays(d, n) <= s, 'the notice day satisfies "at least N Working Days before"');
      // The next Working Day (where any later notice counts from) would be too late.
      assert.ok(cal.addWorkingDays(cal.nextWorkingDay(d), n) > s, 'the next Working Day would be too late');
      const lit = latestNoticeDay(s, n, cal, { noticeOn: 'any-day' });
      assert.ok(cal.addWorkingDays(lit, n) <= s);
      assert.ok(
        cal.addWorkingDays(addDays(lit, 1), n) > s,
        'the day after the literal latest day is too late',
      );
      assert.ok(d <= lit);
    }),
    FC,
  );
});

test('addWorkingDays: forward then back returns to the date when it is a Working Day (property)', () => {
  fc.assert(
    fc.property(arbDate, fc.integer({ min: 1, max: 40 }), (d, n) => {
      const f = cal.addWorkingDays(d, n);
      assert.equal(cal.isWorkingDay(f), true);
      assert.equal(cal.countWorkingDays(d, f), n);
      // Going back lands on d if d is a Working Day, else on the last Working Day before d.
      assert.equal(cal.addWorkingDays(f, -n), cal.workingDayOnOrBefore(d));
    }),
    FC,
  );
});
