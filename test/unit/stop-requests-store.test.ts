// The Responsible Suppliers' stop requests in the store (migration 009; TMAD 4.23, 4.23A): ONE suite on
// embedded SQLite and on PostgreSQL (S1MIG_TEST_PG_URL) in a schema unique to this run, dropped at the
// end. PostgreSQL unreachable: skipped, or failed when CI is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeOnEveryStore } from '../support/store-engines.js';

await describeOnEveryStore('stop-requests', 'stop requests', '009_stop_requests', (store) => {
  test('TMAD 4.23, 4.23A: a stop request is recorded with its sender and time, listed oldest first', async () => {
    const later = await store.stopRequests.record({
      userId: '70-B3-D5-1F-30-01-00-01',
      requestedAt: new Date('2027-01-03T10:00:00Z'),
      chfDeviceId: null,
      mpan: '1400000000015',
      mprn: null,
      note: 'customer moving out',
    });
    const earlier = await store.stopRequests.record({
      userId: '70-B3-D5-1F-30-02-00-01',
      requestedAt: new Date('2027-01-02T10:00:00Z'),
      chfDeviceId: '00-DB-00-00-10-00-00-01',
      mpan: null,
      mprn: null,
      note: null,
    });
    assert.equal(typeof later.id, 'number');
    assert.deepEqual(await store.stopRequests.list(), [earlier, later]);
    assert.deepEqual(await store.stopRequests.list({ until: new Date('2027-01-02T23:00:00Z') }), [earlier]);
    assert.equal(later.requestedAt.toISOString(), '2027-01-03T10:00:00.000Z');
    assert.equal(later.note, 'customer moving out');
  });

  test('a stop request names exactly one of CHF Device ID, MPAN, MPRN (refused otherwise, nothing stored)', async () => {
    const before = (await store.stopRequests.list()).length;
    await assert.rejects(
      store.stopRequests.record({
        userId: '70-B3-D5-1F-30-01-00-01',
        requestedAt: new Date(),
        chfDeviceId: '00-DB-00-00-10-00-00-01',
        mpan: '1400000000015',
        mprn: null,
        note: null,
      }),
      /exactly one of CHF Device ID, MPAN, MPRN/,
    );
    assert.equal((await store.stopRequests.list()).length, before);
  });
});
