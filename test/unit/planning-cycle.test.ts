// A six-week planning cycle (Guide 4.5 "the 6 week migration cycle"; TMAD 4.5–4.15) for three
// suppliers and two SMSOs, from forecasts to commitments, with one late demand, one missing demand
// and a capacity shortfall. Every figure is checked against a table computed by hand (the
// arithmetic is in the comments), not against values our functions produced.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { writePlanningFile, type CapacityRow, type PlanningRow } from '../../src/core/planning/files.js';
import {
  checkWeekActuals,
  commitWeek,
  issueForecastReport,
  receivePlanningFile,
  weekStatus,
} from '../../src/mcc/planning.js';

const S1 = '70-B3-D5-1F-30-00-A0-01';
const S2 = '70-B3-D5-1F-30-00-A0-02';
const S3 = '70-B3-D5-1F-30-00-A0-03';
const W1 = '2027-03-01'; // Migration Week 1: demand due Tue 2027-02-02 10:00 GMT, commitments Tue 2027-02-09 10:00
const W2 = '2027-03-08'; // demand due 2027-02-09 10:00, commitments 2027-02-16 10:00
const W3 = '2027-03-15'; // demand due 2027-02-16 10:00, commitments 2027-02-23 10:00

let dir = '';
let store: Store;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-cycle-'));
  store = await openStore({ url: `sqlite:${path.join(dir, 'db.sqlite')}` });
});
after(async () => {
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const row = (smso: string, distributor: string, date: string, quantity: number): PlanningRow => ({
  smso,
  distributor,
  date,
  quantity,
});
const bytes = (
  kind: 'forecast' | 'demand',
  period: string,
  supplierId: string,
  rows: PlanningRow[],
): Uint8Array => new TextEncoder().encode(writePlanningFile({ kind, period, supplierId, rows }));
const receive = (
  kind: 'forecast' | 'demand',
  period: string,
  supplierId: string,
  rows: PlanningRow[],
  at: string,
) =>
  receivePlanningFile(
    store,
    kind,
    bytes(kind, period, supplierId, rows),
    `${kind}-${supplierId}-${period}.csv`,
    new Date(at),
  );
const sumOf = (rows: readonly { quantity: number }[]): number => rows.reduce((s, r) => s + r.quantity, 0);

test('week 1 of the cycle, TMAD 4.5 / 4.6: forecasts by the 20th; the aggregate report flags a late one', async () => {
  assert.ok(
    (
      await receive(
        'forecast',
        '2027-01',
        S1,
        [row('CGI', '12', W1, 400), row('TRL', '12', W1, 100)],
        '2027-01-15T12:00:00Z',
      )
    ).onTime,
  );
  assert.ok(
    (await receive('forecast', '2027-01', S2, [row('CGI', '12', W1, 200)], '2027-01-20T23:59:00Z')).onTime,
  ); // 20th, GMT
  const late = await receive('forecast', '2027-01', S3, [row('CGI', '12', W1, 80)], '2027-01-21T00:00:00Z');
  assert.equal(late.onTime, false);
  const r = await issueForecastReport(store, '2027-01', new Date('2027-01-29T12:00:00Z'));
  assert.ok(r.onTime);
  assert.deepEqual(
    r.report.suppliers.map((s) => [s.supplierId, s.status]),
    [
      [S1, 'on-time'],
      [S2, 'on-time'],
      [S3, 'late'],
    ],
  );
  // Per day per SMSO: CGI 400 + 200 + 80 = 680 from 3 suppliers; TRL 100 from 1.
  assert.deepEqual(r.report.rows, [
    { date: W1, smso: 'CGI', quantity: 680, suppliers: 3 },
    { date: W1, smso: 'TRL', quantity: 100, suppliers: 1 },
  ]);
});

test('week 1, TMAD 4.8(a): demands for W1; a late upload is recorded and ignored; a bad file loses nothing', async () => {
  const s1 = [
    row('CGI', '12', W1, 300),
    row('CGI', '23', W1, 100),
    row('TRL', '12', W1, 60),
    row('CGI', '12', '2027-03-02', 200),
  ];
  assert.ok((await receive('demand', W1, S1, s1, '2027-02-01T16:00:00Z')).onTime);
  assert.ok(
    (
      await receive(
        'demand',
        W1,
        S2,
        [row('CGI', '12', W1, 250), row('TRL', '23', W1, 40)],
        '2027-02-02T09:59:59Z',
      )
    ).onTime,
  );
  assert.ok((await receive('demand', W1, S3, [row('CGI', '12', W1, 50)], '2027-02-01T08:00:00Z')).onTime);
  // The late demand: S3 asks for 500 at 10:30 on the deadline day.
  const late = await receive('demand', W1, S3, [row('CGI', '12', W1, 500)], '2027-02-02T10:30:00Z');
  assert.equal(late.outcome, 'accepted');
  assert.equal(late.onTime, false);
  // A bad upload from S1 after its good one: rejected with its problems, the good one still holds.
  const bad = await receivePlanningFile(
    store,
    'demand',
    new TextEncoder().encode(
      `MigrationWeek,SupplierId,SMSO,ElectricityDistributor,Date,DailyMigrationDemand\n${W1},${S1},CGI,12,${W1},lots\n`,
    ),
    'bad.csv',
    new Date('2027-02-02T09:00:00Z'),
  );
  assert.equal(bad.outcome, 'rejected');
  assert.deepEqual(
    bad.problems.map((p) => [p.file, p.line, p.column, p.field]),
    [['bad.csv', 2, 6, 'DailyMigrationDemand']],
  );
  const st = await weekStatus(store, W1, new Date('2027-02-03T00:00:00Z'));
  assert.deepEqual(
    st.suppliers.map((s) => [
      s.supplierId,
      s.demand.status,
      s.demandTotal,
      s.lateDemands.length,
      s.rejectedDemands,
      s.commitment.status,
    ]),
    [
      [S1, 'on-time', 660, 0, 1, 'pending'], // 300 + 100 + 60 + 200
      [S2, 'on-time', 290, 0, 0, 'pending'], // 250 + 40
      [S3, 'on-time', 50, 1, 0, 'pending'], // the late 500 ignored
    ],
  );
});

test('week 2, TMAD 4.8(b), 4.11: W1 commitments scaled by the MSM where CGI capacity falls short', async () => {
  // Week 2 is also W2's demand deadline: S1 and S3 send on time, S2 sends nothing (TMAD 4.9).
  assert.ok(
    (
      await receive(
        'demand',
        W2,
        S1,
        [row('CGI', '12', W2, 120), row('TRL', '12', W2, 30)],
        '2027-02-08T12:00:00Z',
      )
    ).onTime,
  );
  assert.ok((await receive('demand', W2, S3, [row('CGI', '12', W2, 90)], '2027-02-09T09:00:00Z')).onTime);

  const capacity: CapacityRow[] = [
    { date: W1, smso: 'CGI', capacity: 600, dormant: 100 },
    { date: '2027-03-02', smso: 'CGI', capacity: 1000, dormant: 0 },
    // TRL not constrained in W1.
  ];
  const r = await commitWeek(store, W1, capacity, new Date('2027-02-09T09:00:00Z'));
  assert.equal(r.deemed, false);
  assert.equal(r.reportOnTime, true);
  // CGI Monday: capacity 600, dormant 100 first -> active 500. Demand S1 400 (300+100), S2 250, S3 50 = 700 > 500.
  // DMIN 100: floors 100, 100, 50 = 250; rest 250 by demand above the floor 300, 150, 0 (sum 450):
  //   S1 250*300/450 = 166 r 300/450, S2 250*150/450 = 83 r 150/450 -> 249, one unit left -> S1 (larger remainder).
  //   S1 = 100 + 167 = 267, S2 = 100 + 83 = 183, S3 = 50: 267 + 183 + 50 = 500.
  // S1's 267 over its distributors 12 (300) and 23 (100): 267*300/400 = 200 r 100, 267*100/400 = 66 r 300 -> 23 gets the unit: 200, 67.
  const cgiMon = r.plan.pools.find((p) => p.date === W1 && p.smso === 'CGI')!;
  assert.deepEqual(
    [
      cgiMon.capacity,
      cgiMon.dormantAllocated,
      cgiMon.demand,
      cgiMon.committed,
      cgiMon.scaled,
      cgiMon.minimumApplied,
    ],
    [600, 100, 700, 500, true, 100],
  );
  const by = (id: string) => r.plan.commitments.find((c) => c.supplierId === id)!.rows;
  assert.deepEqual(
    by(S1),
    [
      row('CGI', '12', W1, 200),
      row('CGI', '23', W1, 67),
      row('TRL', '12', W1, 60), // TRL unconstrained: = demand
      row('CGI', '12', '2027-03-02', 200), // capacity 1000 >= 200: = demand
    ].sort(
      (a, b) =>
        a.date.localeCompare(b.date) ||
        a.smso.localeCompare(b.smso) ||
        a.distributor.localeCompare(b.distributor),
    ),
  );
  assert.deepEqual(by(S2), [row('CGI', '12', W1, 183), row('TRL', '23', W1, 40)]);
  assert.deepEqual(by(S3), [row('CGI', '12', W1, 50)]);
  // TMAD 4.8(c): by day, SMSO and distributor: CGI 12 = 200 + 183 + 50 = 433; CGI 23 = 67; TRL 12 = 60; TRL 23 = 40; Tue CGI 12 = 200.
  assert.deepEqual(
    r.report.rows.map((x) => [x.date, x.smso, x.distributor, x.quantity]),
    [
      [W1, 'CGI', '12', 433],
      [W1, 'CGI', '23', 67],
      [W1, 'TRL', '12', 60],
      [W1, 'TRL', '23', 40],
      ['2027-03-02', 'CGI', '12', 200],
    ],
  );
  assert.match(
    r.report.text,
    /^MigrationWeek,Date,SMSO,ElectricityDistributor,MigrationDemandCommitment\r\n2027-03-01,2027-03-01,CGI,12,433\r\n/,
  );
  await assert.rejects(commitWeek(store, W1, capacity, new Date('2027-02-09T09:30:00Z')), /already has 3/);
});

test('week 3, TMAD 4.9, 4.11: W2 reuses the missing demand and the minimum shrinks for everyone', async () => {
  // W3 demand (due 2027-02-16 10:00): only S1. S2 missed W2 and W3, S3 missed W3.
  assert.ok((await receive('demand', W3, S1, [row('CGI', '12', W3, 10)], '2027-02-15T10:00:00Z')).onTime);
  // Not before W2's demand deadline (10:00 on 2027-02-09: still on time then).
  await assert.rejects(commitWeek(store, W2, [], new Date('2027-02-09T10:00:00Z')), /TMAD 4\.8\(a\)/);
  const r = await commitWeek(
    store,
    W2,
    [
      { date: W2, smso: 'CGI', capacity: 200, dormant: 20 },
      { date: W2, smso: 'TRL', capacity: 50, dormant: 0 },
    ],
    new Date('2027-02-16T09:45:00Z'),
  );
  // S2 sent no W2 demand: its W1 demand is moved to W2's Monday (TMAD 4.9): CGI 12 250, TRL 23 40.
  assert.deepEqual(r.demands.find((d) => d.supplierId === S2)!.source, {
    status: 'reused',
    fromWeek: W1,
    recordId: 6, // records 1-3 forecasts, 4 the forecast report, 5 S1's W1 demand, 6 S2's
    fileName: `demand-${S2}-${W1}.csv`,
  });
  // CGI Monday: active 200 - 20 = 180; demands S1 120, S2 250, S3 90; floors 100+100+90 = 290 > 180:
  //   the minimum shrinks: m = 60 gives 60+60+60 = 180 (m = 61 would give 183). Nothing left over.
  // TRL Monday: active 50; S1 30, S2 40; floors 30+40 = 70 > 50: m = 25 gives 25+25 = 50 (m = 26: 52).
  const pools = r.plan.pools.map((p) => [p.smso, p.demand, p.committed, p.minimumApplied]);
  assert.deepEqual(pools, [
    ['CGI', 460, 180, 60],
    ['TRL', 70, 50, 25],
  ]);
  const totals = Object.fromEntries(r.plan.commitments.map((c) => [c.supplierId, sumOf(c.rows)]));
  assert.deepEqual(totals, { [S1]: 85, [S2]: 85, [S3]: 60 }); // S1 60+25, S2 60+25, S3 60
});

test('week 4, TMAD 4.10: commitments for W3 never issued are deemed equal to demand', async () => {
  const before = await weekStatus(store, W3, new Date('2027-02-23T09:59:00Z'));
  assert.deepEqual(
    before.suppliers.map((s) => s.commitment.status),
    ['pending', 'pending', 'pending'],
  );
  const st = await weekStatus(store, W3, new Date('2027-02-24T12:00:00Z'));
  // S1 on time 10; S2 reuses W1 (its most recent notified demand): 250 + 40 = 290; S3 reuses W2: 90.
  assert.deepEqual(
    st.suppliers.map((s) => [
      s.demand.status,
      s.demand.status === 'reused' ? s.demand.fromWeek : null,
      s.commitment.status,
      s.commitmentTotal,
    ]),
    [
      ['on-time', null, 'deemed-not-issued', 10],
      ['reused', W1, 'deemed-not-issued', 290],
      ['reused', W2, 'deemed-not-issued', 90],
    ],
  );
  assert.equal(st.report.status, 'missing');
});

test('weeks 5-6, TMAD 4.14, 4.15: W1 actuals against commitments', async () => {
  const { checks } = await checkWeekActuals(
    store,
    W1,
    [
      { supplierId: S1, date: W1, smso: 'CGI', authorised: 267, migrated: 200 },
      { supplierId: S2, date: W1, smso: 'CGI', authorised: 200, migrated: 195 },
      { supplierId: S3, date: W1, smso: 'CGI', authorised: 40, migrated: 40 },
      { supplierId: S2, date: W1, smso: 'TRL', authorised: 30, migrated: 40 },
    ],
    new Date('2027-03-08T12:00:00Z'),
    0.1,
  );
  const pick = (id: string, date: string, smso: string) =>
    checks.find((c) => c.supplierId === id && c.date === date && c.smso === smso)!;
  // S1 CGI: committed 267 (200 + 67), authorised 267, migrated 200: 67 short > 10% of 267 (26.7): notify.
  assert.deepEqual([pick(S1, W1, 'CGI').expected, pick(S1, W1, 'CGI').notify], [267, true]);
  // S2 CGI: committed 183, migrated 195 <= authorised 200: 12 beyond the commitment, allowed (4.15).
  assert.deepEqual(
    [pick(S2, W1, 'CGI').notify, pick(S2, W1, 'CGI').excessAllowed, pick(S2, W1, 'CGI').unauthorised],
    [false, 12, 0],
  );
  // S3 CGI: committed 50, only 40 authorised and 40 migrated: expected min(50, 40) = 40, no shortfall.
  assert.deepEqual([pick(S3, W1, 'CGI').expected, pick(S3, W1, 'CGI').notify], [40, false]);
  // S2 TRL: 40 migrated against 30 authorised: 10 without an MA.
  assert.equal(pick(S2, W1, 'TRL').unauthorised, 10);
  // S1 TRL (committed 60) and S1 Tuesday CGI (200) had no MAs: nothing expected, no notice.
  assert.deepEqual([pick(S1, W1, 'TRL').expected, pick(S1, '2027-03-02', 'CGI').notify], [0, false]);
});

test('TMAD 4.10: commitments issued after 10:00 on the Tuesday are deemed equal to demand', async () => {
  // W3 (never issued above): issuing now, after its deadline, records the demand as the commitment.
  const r = await commitWeek(
    store,
    W3,
    [{ date: W3, smso: 'CGI', capacity: 1, dormant: 0 }],
    new Date('2027-02-23T10:00:01Z'),
  );
  assert.equal(r.deemed, true);
  assert.equal(r.reportOnTime, true); // 17:00 not yet passed
  assert.deepEqual(
    r.plan.commitments.map((c) => sumOf(c.rows)),
    [10, 290, 90],
  );
  const st = await weekStatus(store, W3, new Date('2027-02-24T12:00:00Z'));
  assert.deepEqual(
    st.suppliers.map((s) => s.commitment.status),
    ['deemed', 'deemed', 'deemed'],
  );
});
