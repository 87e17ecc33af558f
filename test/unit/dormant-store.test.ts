// Responses to the Dormant Meter Migration Schedule and the notices sent in the store (migrations 008,
// 010; TMAD 4.29, 4.30, 4.32, 4.32A): ONE
// suite on embedded SQLite and on PostgreSQL (S1MIG_TEST_PG_URL) in a schema unique to this run, dropped
// at the end. PostgreSQL unreachable: skipped, or failed when CI is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dormantMigrationGate } from '../../src/mcc/dormant-notices.js';
import { describeOnEveryStore } from '../support/store-engines.js';

const WEEK = '2027-03-01';
const CHF = '00-DB-26-76-10-00-00-01';
const S = 'ESME Supplier Certificate Id';
const both = {
  [`${S} (Critical) – Serial Number`]: '1234',
  [`${S} (Critical) – Issuer Name`]: 'CN=Issuing CA',
  [`${S} (Non-Critical) – Serial Number`]: '1235',
  [`${S} (Non-Critical) – Issuer Name`]: 'CN=Issuing CA',
};

await describeOnEveryStore('dormant-store', 'dormant responses', '008_dormant_responses', (store) => {
  test('TMAD 4.32: a response is recorded once, append-only; the latest on-time one is in force', async () => {
    const entry = {
      migrationWeek: WEEK,
      partySignifier: 'ELEC01',
      chfDeviceId: CHF,
      mpan: '1400000000015',
      mprn: null,
    };
    const first = {
      fileName: 'a.xlsx',
      sha256: 'a'.repeat(64),
      receivedAt: new Date('2027-02-24T09:00:00Z'),
      onTime: true,
    };
    assert.deepEqual(
      await store.dormantResponses.record(first, [{ ...entry, priority: true, certificates: both }]),
      { recorded: 1, duplicate: false },
    );
    assert.deepEqual(
      await store.dormantResponses.record(first, [{ ...entry, priority: true, certificates: both }]),
      { recorded: 0, duplicate: true },
    );
    const late = {
      fileName: 'b.xlsx',
      sha256: 'b'.repeat(64),
      receivedAt: new Date('2027-02-25T11:00:00Z'),
      onTime: false,
    };
    await store.dormantResponses.record(late, [{ ...entry, priority: false, certificates: {} }]);
    const r = await store.dormantResponses.inForce(WEEK, CHF);
    assert.equal(r!.fileName, 'a.xlsx');
    assert.equal(r!.priority, true);
    assert.deepEqual(r!.certificates, both);
    assert.equal(r!.receivedAt.toISOString(), '2027-02-24T09:00:00.000Z');
    assert.equal((await store.dormantResponses.list(WEEK)).length, 2); // nothing overwritten
    assert.deepEqual(await dormantMigrationGate(store, WEEK, CHF, 'EA'), { proceed: true, reasons: [] });
    assert.equal((await dormantMigrationGate(store, '2027-03-08', CHF, 'EA')).proceed, false);
  });

  test('migration 010: notices recorded once per supplier, installation, kind and week; TMAD 4.32A after a re-notification counts only the new supplier', async () => {
    const week = '2027-04-05';
    const chf = '00-DB-26-76-10-00-00-07';
    const notice = {
      migrationWeek: week,
      kind: 'schedule' as const,
      smso: 'CGI',
      chfDeviceId: chf,
      mpan: '1400000000015',
      mprn: null,
      partySignifier: 'ELEC01',
      sides: ['E' as const],
      deemedGasSupplier: null,
      groupIds: ['EA'],
      row: { MPAN: '1400000000015', 'CHF Device ID': chf },
      fileName: 'SMETS1_Dormant_Meter_Migration_Schedule_Notification_ELEC01_CGI_20270405.xlsx',
      renotification: false,
      replaces: null,
      note: null,
      sentAt: new Date('2027-03-01T09:00:00Z'),
    };
    assert.deepEqual(await store.dormantNotices.record([notice]), { recorded: 1, skipped: 0 });
    // The same supplier, installation, kind and week again (another file): not recorded twice.
    assert.deepEqual(await store.dormantNotices.record([{ ...notice, fileName: 'other.xlsx' }]), {
      recorded: 0,
      skipped: 1,
    });
    const receipt = (n: string, receivedAt: string) => ({
      fileName: `${n}.xlsx`,
      sha256: n.repeat(64).slice(0, 64),
      receivedAt: new Date(receivedAt),
      onTime: true,
    });
    const entry = (partySignifier: string) => ({
      migrationWeek: week,
      partySignifier,
      chfDeviceId: chf,
      mpan: '1400000000015',
      mprn: null,
      priority: false,
      certificates: both,
    });
    await store.dormantResponses.record(receipt('c', '2027-03-20T09:00:00Z'), [entry('ELEC01')]);
    assert.deepEqual(await dormantMigrationGate(store, week, chf, 'EA'), { proceed: true, reasons: [] });

    // Change of supplier: NEWE01 re-notified for the ESME (TMAD 4.30); ELEC01's response no longer counts.
    assert.deepEqual(
      await store.dormantNotices.record([
        {
          ...notice,
          partySignifier: 'NEWE01',
          fileName:
            'SMETS1_Dormant_Meter_Migration_Schedule_Notification_NEWE01_CGI_20270405_Renotification01.xlsx',
          renotification: true,
          replaces: 'ELEC01',
          sentAt: new Date('2027-03-25T09:00:00Z'),
        },
      ]),
      { recorded: 1, skipped: 0 },
    );
    const listed = await store.dormantNotices.list(week);
    assert.deepEqual(
      listed.map((n) => [n.partySignifier, n.sides, n.renotification, n.groupIds, n.row['CHF Device ID']]),
      [
        ['ELEC01', ['E'], false, ['EA'], chf],
        ['NEWE01', ['E'], true, ['EA'], chf],
      ],
    );
    assert.equal(listed[1]!.sentAt.toISOString(), '2027-03-25T09:00:00.000Z');
    assert.equal((await store.dormantResponses.list(week)).length, 1); // kept, not deleted
    assert.deepEqual(await store.dormantResponses.listInForce(week), []);
    assert.equal(await store.dormantResponses.inForce(week, chf), undefined);
    assert.equal((await dormantMigrationGate(store, week, chf, 'EA')).proceed, false);

    // The new supplier's response counts.
    await store.dormantResponses.record(receipt('d', '2027-03-26T09:00:00Z'), [entry('NEWE01')]);
    assert.deepEqual(
      (await store.dormantResponses.listInForce(week)).map((r) => r.partySignifier),
      ['NEWE01'],
    );
    assert.equal((await store.dormantResponses.inForce(week, chf))!.partySignifier, 'NEWE01');
    assert.deepEqual(await dormantMigrationGate(store, week, chf, 'EA'), { proceed: true, reasons: [] });
  });
});
