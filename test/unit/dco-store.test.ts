// The DCO's records in the store (migration 011; TMAD 5.15-5.21, 12.10.1). ONE suite, run on embedded
// SQLite and on PostgreSQL (S1MIG_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test) in a
// schema unique to this run, dropped at the end. PostgreSQL unreachable: skipped, or failed when CI is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COUNTER_MAX, type DcoSetKey } from '../../src/store/index.js';
import { describeOnEveryStore } from '../support/store-engines.js';

const RP = '70-B3-D5-1F-30-10-00-01';
const T = new Date('2027-01-04T08:00:00.000Z');
const later = (ms: number): Date => new Date(T.getTime() + ms);
const CHF = (n: number): string => `00-DB-00-00-10-00-00-0${n}`;

await describeOnEveryStore('dco-store', 'DCO store', '011_dco', (store) => {
  test('TMAD 12.5: one MCF, one MVF and one MEF per Migration Header; each installation merges what the three files say; a second file of a type is a duplicate', async () => {
    const key: DcoSetKey = { requestingPartyId: RP, mcfCounter: COUNTER_MAX, groupId: 'AA' };
    assert.equal(
      await store.dco.recordFile(key, 'MCF', 'mcf.xml', T, [
        { chfIdentifier: CHF(1), data: { devices: { CHF: CHF(1) } } },
        { chfIdentifier: CHF(2), data: { devices: { CHF: CHF(2) } } },
      ]),
      'recorded',
    );
    assert.equal(await store.dco.recordFile(key, 'MCF', 'again.xml', T, []), 'duplicate');
    assert.equal(
      await store.dco.recordFile(key, 'MVF', 'mvf.xml', later(1000), [
        { chfIdentifier: CHF(1), data: { failedSteps: [] } },
      ]),
      'recorded',
    );
    assert.equal(
      await store.dco.recordFile(
        key,
        'MEF',
        'mef.xml',
        later(2000),
        [
          { chfIdentifier: CHF(1), data: { encryptedMasterKeys: [] } },
          { chfIdentifier: CHF(3), data: { encryptedMasterKeys: [] } },
        ],
        [
          { chfIdentifier: CHF(1), name: 'mk:0', sealed: 'sealed-1' },
          { chfIdentifier: CHF(3), name: 'mk:0', sealed: 'sealed-3' },
        ],
      ),
      'recorded',
    );
    const set = await store.dco.getSet(key);
    assert.equal(set?.mcfCounter, COUNTER_MAX);
    assert.equal(set?.state, 'open');
    assert.deepEqual(set?.files.MVF, { file: 'mvf.xml', receivedAt: later(1000) });
    const rows = await store.dco.installations(key);
    assert.deepEqual(
      rows.map((r) => [r.chfIdentifier, r.mcf !== null, r.mvf !== null, r.mef !== null]),
      [
        [CHF(1), true, true, true],
        [CHF(2), true, false, false],
        [CHF(3), false, false, true],
      ],
    );
    await store.dco.completeSet(key, later(3000), [
      { chfIdentifier: CHF(1), viable: true, dcoFailures: [] },
      { chfIdentifier: CHF(2), viable: false, dcoFailures: [{ step: '5.19(a)', message: 'x' }] },
    ]);
    assert.equal((await store.dco.getSet(key))?.state, 'complete');
    assert.equal((await store.dco.installation({ ...key, chfIdentifier: CHF(1) }))?.viable, true);
    assert.deepEqual((await store.dco.installation({ ...key, chfIdentifier: CHF(2) }))?.dcoFailures, [
      { step: '5.19(a)', message: 'x' },
    ]);
    assert.deepEqual(
      [...(await store.dco.sealedKeys({ ...key, chfIdentifier: CHF(1) }))],
      [['mk:0', 'sealed-1']],
    );
  });

  test('TMAD 5.17: the first request time is set once per set and per installation; 60 days on, only the never-requested installations lose their keys', async () => {
    const key: DcoSetKey = { requestingPartyId: RP, mcfCounter: 7n, groupId: 'CA' };
    await store.dco.recordFile(
      key,
      'MEF',
      'mef.xml',
      T,
      [1, 2].map((n) => ({ chfIdentifier: CHF(n), data: {} })),
      [1, 2].map((n) => ({ chfIdentifier: CHF(n), name: 'mk:0', sealed: `s${n}` })),
    );
    await store.dco.markRequested({ ...key, chfIdentifier: CHF(1) }, later(1000));
    await store.dco.markRequested({ ...key, chfIdentifier: CHF(1) }, later(5000));
    assert.deepEqual((await store.dco.getSet(key))?.firstRequestAt, later(1000));
    assert.deepEqual(
      (await store.dco.installation({ ...key, chfIdentifier: CHF(1) }))?.requestedAt,
      later(1000),
    );
    const e = await store.dco.expireUnrequested(key, later(9000), 'TMAD 5.17');
    assert.deepEqual(e, { installations: 1, keys: 1 });
    assert.equal((await store.dco.sealedKeys({ ...key, chfIdentifier: CHF(1) })).size, 1);
    assert.equal((await store.dco.sealedKeys({ ...key, chfIdentifier: CHF(2) })).size, 0);
    const two = await store.dco.installation({ ...key, chfIdentifier: CHF(2) });
    assert.equal(two?.removedClause, 'TMAD 5.17');
    assert.equal(two?.mef, null);
    assert.deepEqual((await store.dco.getSet(key))?.unrequestedExpiredAt, later(9000));
  });

  test('TMAD 12.10.1, 5.16, 5.18: removing an installation and discarding a set delete their sealed keys; a discarded set takes no more files', async () => {
    const key: DcoSetKey = { requestingPartyId: RP, mcfCounter: 8n, groupId: 'DA' };
    await store.dco.recordFile(
      key,
      'MEF',
      'mef.xml',
      T,
      [1, 2].map((n) => ({ chfIdentifier: CHF(n), data: {} })),
      [1, 2].flatMap((n) => [
        { chfIdentifier: CHF(n), name: 'sua:0', sealed: `e${n}` },
        { chfIdentifier: CHF(n), name: 'sua:1', sealed: `g${n}` },
      ]),
    );
    await store.dco.putKeys({ ...key, chfIdentifier: CHF(1) }, new Map([['dco-sua:ESME', 'p1']]));
    await store.dco.putKeys({ ...key, chfIdentifier: CHF(1) }, new Map([['dco-sua:ESME', 'p2']]));
    assert.equal((await store.dco.sealedKeys({ ...key, chfIdentifier: CHF(1) })).get('dco-sua:ESME'), 'p2');
    assert.equal(
      await store.dco.removeInstallation({ ...key, chfIdentifier: CHF(1) }, later(1), 'TMAD 12.10.1'),
      3,
    );
    assert.equal(await store.dco.discardSet(key, later(2), 'TMAD 5.16', '192 hours'), 2);
    const set = await store.dco.getSet(key);
    assert.equal(set?.state, 'discarded');
    assert.equal(set?.discardClause, 'TMAD 5.16');
    assert.equal(await store.dco.recordFile(key, 'MCF', 'mcf.xml', later(3), []), 'discarded');
    // The removal of installation 1 keeps its clause; the discard marks the other.
    assert.equal(
      (await store.dco.installation({ ...key, chfIdentifier: CHF(1) }))?.removedClause,
      'TMAD 12.10.1',
    );
    assert.equal(
      (await store.dco.installation({ ...key, chfIdentifier: CHF(2) }))?.removedClause,
      'TMAD 5.16',
    );
  });

  test('the DCO secret is stored once: the first writer wins', async () => {
    assert.equal(await store.dco.getSecret('et02-secret-key'), undefined);
    const [a, b] = await Promise.all([
      store.dco.putSecretIfAbsent('et02-secret-key', 'first', T),
      store.dco.putSecretIfAbsent('et02-secret-key', 'second', T),
    ]);
    assert.equal(a, b);
    assert.equal(await store.dco.getSecret('et02-secret-key'), a);
  });
});
