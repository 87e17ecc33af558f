// s1mig calendar … through the real CLI (TMAD 2, 4.8, 4.29, 4.30, 4.37; MAM 4).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

// Each test spawns the CLI; run them concurrently to keep the file fast.
describe('s1mig calendar', { concurrency: true }, () => {
  test('calendar week --json: the MAM 4 example week (Monday 5 August 2019) with exactly the documented keys', async () => {
    const r = await runCli(['calendar', 'week', '2019-08-05', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      migrationWeek: '2019-08-05T00:00:00+01:00',
      dailyMigrationDemand: '2019-07-09T10:00:00+01:00',
      demandCommitment: '2019-07-16T10:00:00+01:00',
      commitmentAggregateReport: '2019-07-16T17:00:00+01:00',
      migrationAuthorisation: '2019-08-01T10:00:00+01:00',
      mixedInstallationNotice: '2019-08-01T23:59:00+01:00',
      dormantFirmwareNotice: '2019-07-29',
      dormantMigrationNotice: '2019-07-15',
    });
  });

  test('calendar week: notice periods and extra holidays are configurable (TMAD 4.29, 4.30)', async () => {
    const r = await runCli([
      'calendar',
      'week',
      '2019-08-05',
      '--json',
      '--firmware-notice-days',
      '15',
      '--migration-notice-days',
      '8',
      '--holiday',
      '2019-07-31',
      '2019-07-22',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.dormantFirmwareNotice, '2019-07-11');
    assert.equal(j.dormantMigrationNotice, '2019-07-23');
  });

  test('calendar week: text output is a readable table naming each clause', async () => {
    const r = await runCli(['calendar', 'week', '2025-12-29']);
    assert.equal(r.code, 0, r.stderr);
    for (const clause of [
      'TMAD 4.8(a)',
      'TMAD 4.8(b)',
      'TMAD 4.8(c)',
      'MAM 4',
      'TMAD 4.37',
      'TMAD 4.29',
      'TMAD 4.30',
    ])
      assert.ok(r.stdout.includes(clause), clause);
    assert.match(r.stdout, /Thu 2025-12-25 10:00 GMT .*not a Working Day: Christmas Day/);
  });

  test('calendar week: a date that is not a Monday is a usage error (exit 2) naming the Monday', async () => {
    const r = await runCli(['calendar', 'week', '2019-08-07', '--json']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Wednesday.*Monday.*2019-08-05/);
    const bad = await runCli(['calendar', 'week', '2019-02-29']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a calendar date/);
    const n = await runCli(['calendar', 'week', '2019-08-05', '--firmware-notice-days', '-3']);
    assert.equal(n.code, 2);
  });

  test('calendar is-working-day: exit 0 for a Working Day, 1 for a bank holiday or weekend', async () => {
    const yes = await runCli(['calendar', 'is-working-day', '2022-06-06']);
    assert.equal(yes.code, 0);
    const no = await runCli(['calendar', 'is-working-day', '2022-09-19', '--json']);
    assert.equal(no.code, 1);
    assert.deepEqual(JSON.parse(no.stdout), {
      date: '2022-09-19',
      workingDay: false,
      reason: 'Bank Holiday for the State Funeral of Queen Elizabeth II',
    });
    const removed = await runCli(['calendar', 'is-working-day', '2022-09-19', '--not-holiday', '2022-09-19']);
    assert.equal(removed.code, 0);
    const bad = await runCli(['calendar', 'is-working-day', 'tomorrow']);
    assert.equal(bad.code, 2);
  });

  test('calendar working-days: lists Working Days inclusive, skipping substitute days (2022-12-26/27)', async () => {
    const r = await runCli(['calendar', 'working-days', '2022-12-23', '2023-01-03', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      '2022-12-23',
      '2022-12-28',
      '2022-12-29',
      '2022-12-30',
      '2023-01-03',
    ]);
    const text = await runCli(['calendar', 'working-days', '2022-12-23', '2022-12-28']);
    assert.equal(text.stdout, '2022-12-23\n2022-12-28\n');
    const back = await runCli(['calendar', 'working-days', '2023-01-03', '2022-12-23']);
    assert.equal(back.code, 2);
  });
});
