// A change of Responsible Supplier after a dormant notice (TMAD 4.29, 4.30 last sentence: "the DCC ... shall
// take reasonable steps to notify the new Responsible Supplier prior to carrying them out"; 4.32, 4.32A):
// hand-made Registration Data that changes between the notice and the re-notification; the affiliated
// split site (electricity supplier only, the gas supplier deemed notified) and its EA/EB/EC exception; the
// new supplier never told twice; the replaced supplier's response no longer counting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSmsoInventoryCsv } from '../../src/core/formats/smso/inventory.js';
import { mpanWithCheckDigit } from '../../src/core/ids/mpxn.js';
import type { ReferenceData } from '../../src/core/reference/reference-data.js';
import {
  noticeFileName,
  responseFileNameFor,
  responsesInForce,
  type StoredDormantNotice,
} from '../../src/core/formats/dormant/index.js';
import {
  noticeRecords,
  planDormantNotices,
  planRenotifications,
  type PlannedNotice,
  type WrittenNotice,
} from '../../src/mcc/dormant-notices.js';

const WEEK = '2027-03-01';
const MPAN_1 = mpanWithCheckDigit('140000000001'); // affiliated split site, GroupID AA
const MPAN_2 = mpanWithCheckDigit('140000000002'); // affiliated split site, GroupID EA
const MPAN_3 = mpanWithCheckDigit('140000000003'); // electricity only
const HEAD =
  'chf_device_id,device_type,device_id,manufacturer,model,firmware_version,serial_number,status,han_joined_at,last_wan_contact_at,mpan,mprn,unsolicited_hh_data';
const chf = (n: number) => `00-DB-26-76-10-00-00-0${n}`;
function inst(n: number, chfModel: string, mpan: string, mprn: string): string[] {
  const id = (t: number) => `00-DB-26-76-${t}0-00-00-0${n}`;
  return [
    `${id(1)},CHF,${id(1)},Telegesis,${chfModel},2.1.4,TEL00${n},,,2026-01-01T00:00:00Z,${mpan},${mprn},N`,
    `${id(1)},ESME,${id(2)},Secure,Liberty-100,5.12,SEC00${n},Dormant,2018-12-01T16:17:55Z,,,,`,
    ...(mprn
      ? [
          `${id(1)},GSME,${id(3)},Secure,Europa-G,4.4,GAS00${n},Dormant,2018-12-02T16:17:55Z,,,,`,
          `${id(1)},GPF,${id(4)},Telegesis,GPF-S1,2.1.4,GPF00${n},,2018-12-01T16:17:55Z,,,,`,
        ]
      : []),
  ];
}
const installations = (() => {
  const r = parseSmsoInventoryCsv(
    [
      HEAD,
      ...inst(1, 'CHF-AA', MPAN_1, '1000000001'),
      ...inst(2, 'CHF-EA', MPAN_2, '1000000002'),
      ...inst(3, 'CHF-AA', MPAN_3, ''),
    ].join('\n'),
    'inventory.csv',
  );
  assert.deepEqual(r.problems, []);
  return r.installations;
})();

const NOTICE_AT = new Date('2027-02-01T09:00:00Z');
const CHANGE = new Date('2027-02-15T00:00:00Z');
const LATER = new Date('2027-02-20T09:00:00Z');

/** Registration Data by hand: `before` until CHANGE, `after` from it (MPxN → supplier). */
function registration(
  before: Record<string, string>,
  after: Record<string, string>,
  affiliates: [string, string][],
): ReferenceData {
  const at = (m: string, t: Date) => (t < CHANGE ? before[m] : (after[m] ?? before[m])) ?? null;
  return {
    importSupplierAt: async (mpan: string, t: Date) => at(mpan, t),
    gasSupplierAt: async (mprn: string, t: Date) => at(mprn, t),
    areAffiliates: async (a: string, b: string) =>
      a === b || affiliates.some(([x, y]) => (x === a && y === b) || (x === b && y === a)),
    groupModelCombination: async (g: string, d: { CHF: { model: string } }) =>
      d.CHF.model === `CHF-${g}` ? [{}] : [],
  } as unknown as ReferenceData;
}
const details = (sig: string) => ({ name: `${sig} Ltd`, marketParticipantIds: [sig.slice(0, 4)] });
const suppliers = new Map(['ELEC01', 'GASS01', 'NEWE01', 'NEWG01', 'AFFG01'].map((s) => [s, details(s)]));
const FIRST = {
  [MPAN_1]: 'ELEC01',
  '1000000001': 'GASS01',
  [MPAN_2]: 'ELEC01',
  '1000000002': 'GASS01',
  [MPAN_3]: 'ELEC01',
};

/** The notices of the week as the store would hold them (ids in the order recorded). */
async function recorded(ref: ReferenceData): Promise<StoredDormantNotice[]> {
  const plan = await planDormantNotices(installations, {
    week: WEEK,
    at: NOTICE_AT,
    smso: 'CGI',
    reference: ref,
    suppliers,
  });
  return store([], plan.notices);
}
function store(
  prev: StoredDormantNotice[],
  notices: PlannedNotice[],
  extra: StoredDormantNotice[] = [],
): StoredDormantNotice[] {
  const written: WrittenNotice[] = notices.map((n) => ({
    kind: n.kind,
    partySignifier: n.partySignifier,
    file: `/out/${noticeFileName(n.kind, n.partySignifier, 'CGI', WEEK, 'xlsx', false, n.renotification)}`,
    installations: n.table.rows.length,
  }));
  const all = [...noticeRecords({ week: WEEK, notices }, written, NOTICE_AT), ...extra];
  return [...prev, ...all.map((r, i) => ({ ...r, id: prev.length + i + 1 }))];
}
const sent = (notices: PlannedNotice[]) =>
  notices.map((n) => [
    n.kind,
    n.partySignifier,
    n.renotification,
    n.installations.map((i) => `${i.chfDeviceId}:${i.sides.join('')}`),
  ]);

test('TMAD 4.29/4.30: the notices record who was told about which meter (affiliates: electricity only, except EA)', async () => {
  const recs = await recorded(registration(FIRST, {}, [['ELEC01', 'GASS01']]));
  const schedule = recs
    .filter((r) => r.kind === 'schedule')
    .map((r) => [r.chfDeviceId, r.partySignifier, r.sides.join(''), r.deemedGasSupplier]);
  assert.deepEqual(schedule, [
    [chf(1), 'ELEC01', 'EG', 'GASS01'], // AA: GASS01 deemed notified through its Affiliate
    [chf(2), 'ELEC01', 'E', null], // EA: both told
    [chf(3), 'ELEC01', 'E', null],
    [chf(2), 'GASS01', 'G', null],
  ]);
  assert.ok(recs.every((r) => r.fileName!.startsWith('SMETS1_Dormant_Meter_')));
});

test('TMAD 4.29/4.30: a change of electricity supplier after the notices: the new supplier gets both notices for that installation only', async () => {
  const ref = registration(FIRST, { [MPAN_3]: 'NEWE01' }, [['ELEC01', 'GASS01']]);
  const recs = await recorded(ref);
  const plan = await planRenotifications(recs, { week: WEEK, at: LATER, reference: ref, suppliers });
  assert.deepEqual(sent(plan.notices), [
    ['firmware', 'NEWE01', 1, [`${chf(3)}:E`]],
    ['schedule', 'NEWE01', 1, [`${chf(3)}:E`]],
  ]);
  assert.deepEqual(plan.notNotified, []);
  assert.equal(plan.unchanged, 4); // installations 1 and 2, both kinds
  // The same body row as the first notice, in the same layout.
  const first = recs.find((r) => r.kind === 'schedule' && r.chfDeviceId === chf(3))!;
  assert.equal(plan.notices[1]!.table.rows[0]!['ESME Device ID'], '00-DB-26-76-20-00-00-03');
  assert.deepEqual(plan.notices[1]!.table.rows[0], first.row);
  assert.equal(plan.notices[1]!.installations[0]!.replaces, 'ELEC01');
  assert.equal(
    noticeFileName('schedule', 'NEWE01', 'CGI', WEEK, 'xlsx', false, 1),
    'SMETS1_Dormant_Meter_Migration_Schedule_Notification_NEWE01_CGI_20270301_Renotification01.xlsx',
  );

  // Run again after it was recorded: nothing new (never the same supplier twice for the installation and week).
  const after = store(recs, plan.notices);
  const again = await planRenotifications(after, { week: WEEK, at: LATER, reference: ref, suppliers });
  assert.deepEqual(again.notices, []);
  assert.equal(again.unchanged, 6);
});

test('TMAD 4.29/4.30: affiliated split site (GroupID AA): the gas supplier changes to an Affiliate of the electricity supplier: deemed, nobody told', async () => {
  const ref = registration(FIRST, { '1000000001': 'AFFG01' }, [
    ['ELEC01', 'GASS01'],
    ['ELEC01', 'AFFG01'],
  ]);
  const plan = await planRenotifications(await recorded(ref), {
    week: WEEK,
    at: LATER,
    reference: ref,
    suppliers,
  });
  assert.deepEqual(plan.notices, []);
  assert.deepEqual(plan.changes, []);
});

test('TMAD 4.29/4.30: affiliated split site (GroupID AA): the gas supplier changes to a non-Affiliate: the new gas supplier is told', async () => {
  const ref = registration(FIRST, { '1000000001': 'NEWG01' }, [['ELEC01', 'GASS01']]);
  const recs = await recorded(ref);
  const plan = await planRenotifications(recs, { week: WEEK, at: LATER, reference: ref, suppliers });
  assert.deepEqual(sent(plan.notices), [
    ['firmware', 'NEWG01', 1, [`${chf(1)}:G`]],
    ['schedule', 'NEWG01', 1, [`${chf(1)}:G`]],
  ]);
  assert.deepEqual(
    plan.changes
      .filter((c) => c.kind === 'schedule')
      .map((c) => [c.chfDeviceId, c.side, c.from, c.to, c.action]),
    [[chf(1), 'G', 'ELEC01', 'NEWG01', 'notified']],
  );
});

test('TMAD 4.29/4.30: GroupID EA (the exception): a change to an Affiliate gas supplier is still told directly', async () => {
  const ref = registration(FIRST, { '1000000002': 'AFFG01' }, [
    ['ELEC01', 'GASS01'],
    ['ELEC01', 'AFFG01'],
  ]);
  const plan = await planRenotifications(await recorded(ref), {
    week: WEEK,
    at: LATER,
    reference: ref,
    suppliers,
  });
  assert.deepEqual(sent(plan.notices), [
    ['firmware', 'AFFG01', 1, [`${chf(2)}:G`]],
    ['schedule', 'AFFG01', 1, [`${chf(2)}:G`]],
  ]);
});

test('TMAD 4.29/4.30: a supplier changing back to one told this week is not told again (only reassigned); an unknown new supplier is reported', async () => {
  // Installation 2 (EA): gas GASS01 → ELEC01 (already told about it this week): no file, a record.
  const ref = registration(FIRST, { '1000000002': 'ELEC01', [MPAN_3]: 'UNKN01' }, [['ELEC01', 'GASS01']]);
  const plan = await planRenotifications(await recorded(ref), {
    week: WEEK,
    at: LATER,
    reference: ref,
    suppliers,
  });
  assert.deepEqual(plan.notices, []);
  assert.deepEqual(
    plan.records.map((r) => [
      r.kind,
      r.chfDeviceId,
      r.partySignifier,
      r.sides.join(''),
      r.fileName,
      r.replaces,
    ]),
    [
      ['firmware', chf(2), 'ELEC01', 'G', null, 'GASS01'],
      ['schedule', chf(2), 'ELEC01', 'G', null, 'GASS01'],
    ],
  );
  assert.deepEqual(
    plan.notNotified.map((n) => [n.chfDeviceId, n.rule]),
    [
      [chf(3), 'MAM 7.3.1, 7.4.1 (Name, Market Participant ID: Mandatory)'],
      [chf(3), 'MAM 7.3.1, 7.4.1 (Name, Market Participant ID: Mandatory)'],
    ],
  );
});

test('TMAD 4.29/4.30 "prior to carrying them out": after the Migration Week has ended nothing is planned', async () => {
  const ref = registration(FIRST, { [MPAN_3]: 'NEWE01' }, []);
  const plan = await planRenotifications(await recorded(ref), {
    week: WEEK,
    at: new Date('2027-03-08T09:00:00Z'),
    reference: ref,
    suppliers,
  });
  assert.equal(plan.ended, true);
  assert.deepEqual(plan.notices, []);
});

test("TMAD 4.32/4.32A: after a re-notification the replaced supplier's response no longer counts for that meter", () => {
  const n = (id: number, chfDeviceId: string, partySignifier: string, sides: ('E' | 'G')[]) => ({
    id,
    kind: 'schedule' as const,
    chfDeviceId,
    partySignifier,
    sides,
  });
  const E = 'ESME Supplier Certificate Id (Critical) – Serial Number';
  const G = 'GSME Supplier Certificate Id (Critical) – Serial Number';
  const P = 'GPF Supplier Certificate Id (Critical) – Serial Number';
  const notices = [
    n(1, 'A', 'ELEC01', ['E', 'G']), // dual fuel, one supplier
    n(2, 'B', 'ELEC01', ['E']),
    n(3, 'C', 'ELEC01', ['E']),
    n(4, 'A', 'NEWG01', ['G']), // gas changed: NEWG01 re-notified
    n(5, 'B', 'NEWE01', ['E']), // electricity changed: NEWE01 re-notified
  ];
  const r = (chfDeviceId: string, partySignifier: string, certificates: Record<string, string>) => ({
    chfDeviceId,
    partySignifier,
    certificates,
  });
  const got = responsesInForce(
    [
      r('A', 'ELEC01', { [E]: '1', [G]: '2', [P]: '3' }),
      r('A', 'NEWG01', { [G]: '4', [P]: '5' }),
      r('B', 'ELEC01', { [E]: '6' }),
      r('B', 'NEWE01', { [E]: '7' }),
      r('C', 'ELEC01', { [E]: '8' }), // unchanged
      r('D', 'OTHER1', { [E]: '9' }), // no notice recorded: as given
    ],
    notices,
  );
  assert.deepEqual(got, [
    r('A', 'ELEC01', { [E]: '1' }), // its gas columns dropped
    r('A', 'NEWG01', { [G]: '4', [P]: '5' }),
    r('B', 'NEWE01', { [E]: '7' }), // ELEC01's row for B dropped: it answers for no meter of B
    r('C', 'ELEC01', { [E]: '8' }),
    r('D', 'OTHER1', { [E]: '9' }),
  ]);
});

test('file names: a re-notified schedule is answered under its own name', () => {
  assert.equal(
    responseFileNameFor(
      'SMETS1_Dormant_Meter_Migration_Schedule_Notification_NEWE01_CGI_20270301_Renotification01.xlsx',
    ),
    'SMETS1_Dormant_Meter_Migration_Schedule_Notification_NEWE01_CGI_20270301_Renotification01_Response.xlsx',
  );
  assert.equal(
    responseFileNameFor('SMETS1_Dormant_Meter_Migration_Schedule_Notification_SUPA_CGI_20270301.xlsx'),
    'SMETS1_Dormant_Meter_Migration_Schedule_Notification_SUPA_CGI_20270301_Response.xlsx',
  );
  assert.equal(responseFileNameFor('schedule.xlsx'), undefined);
});
