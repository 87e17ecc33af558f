// The S1SP's records in the store (migration 012, src/store/repositories/s1sp.ts): file sets by
// Migration Header with the 24-hour timer start (TMAD 5.24), held files (one per type, 12.4), sealed
// group information deleted per installation or per set (5.27, 12.10.2), outcomes and the SCF that
// carried them (5.28), and the SCF counter (5.6: increasing, never repeated, also under concurrency).
// ONE suite, on SQLite and on PostgreSQL (test/support/store-engines.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeOnEveryStore } from '../support/store-engines.js';

const RP = '70-B3-D5-1F-30-10-00-01';
const S1SP = '70-B3-D5-1F-30-11-00-01';
const T0 = new Date('2027-01-04T08:00:00Z');
const key = (mcfCounter: bigint, groupId = 'AA') => ({ requestingPartyId: RP, mcfCounter, groupId });

await describeOnEveryStore('s1sp-store', 'S1SP store', '012_s1sp', (store) => {
  test('TMAD 12.4, 5.24: one set per Migration Header; the timer starts once, at the first MVF', async () => {
    const a = await store.s1sp.openSet(key(18446744073709551615n), T0);
    const again = await store.s1sp.openSet(key(18446744073709551615n), new Date(T0.getTime() + 1000));
    assert.equal(a.id, again.id);
    assert.equal(again.createdAt.toISOString(), T0.toISOString());
    assert.equal(again.mcfCounter, 18446744073709551615n);
    assert.notEqual((await store.s1sp.openSet(key(18446744073709551615n, 'BA'), T0)).id, a.id);
    assert.equal(a.firstMvfAt, null);
    await store.s1sp.startTimer(a.id, new Date(T0.getTime() + 5000));
    await store.s1sp.startTimer(a.id, new Date(T0.getTime() + 9000));
    assert.equal((await store.s1sp.set(a.id))!.firstMvfAt!.toISOString(), '2027-01-04T08:00:05.000Z');
    await store.s1sp.setMcf(a.id, {
      toBeCommissionedByDcc: false,
      supplierSignifier: 'SUPA',
      responsibleSuppliers: ['SUPA'],
    });
    assert.deepEqual((await store.s1sp.findSet(key(18446744073709551615n)))!.mcf!.responsibleSuppliers, [
      'SUPA',
    ]);
    assert.equal(await store.s1sp.closeSet(a.id, 'discarded', T0, 'TMAD 5.24'), true);
    assert.equal(await store.s1sp.closeSet(a.id, 'processed', T0, 'again'), false);
    const s = (await store.s1sp.set(a.id))!;
    assert.equal(s.state, 'discarded');
    assert.equal(s.closeReason, 'TMAD 5.24');
    assert.ok((await store.s1sp.listSets({ state: 'discarded' })).some((x) => x.id === a.id));
    assert.ok(!(await store.s1sp.listSets({ state: 'collecting' })).some((x) => x.id === a.id));
  });

  test('TMAD 12.4: a set holds one file of each type', async () => {
    const s = await store.s1sp.openSet(key(2n), T0);
    const f = {
      setId: s.id,
      fileType: 'MGF' as const,
      fileName: 'MGF_x.xml',
      sha256: 'a'.repeat(64),
      heldPath: '/held/MGF_x.xml',
      receivedAt: T0,
      installations: 3,
    };
    assert.equal(await store.s1sp.holdFile(f), true);
    assert.equal(await store.s1sp.holdFile({ ...f, fileName: 'other.xml' }), false);
    assert.equal(
      await store.s1sp.holdFile({ ...f, fileType: 'MEF', receivedAt: new Date(T0.getTime() + 1) }),
      true,
    );
    const held = await store.s1sp.heldFiles(s.id);
    assert.deepEqual(
      held.map((h) => [h.fileType, h.fileName, h.installations]),
      [
        ['MGF', 'MGF_x.xml', 3],
        ['MEF', 'MGF_x.xml', 3],
      ],
    );
    await store.s1sp.forgetHeldFiles(s.id);
    assert.deepEqual(await store.s1sp.heldFiles(s.id), []);
  });

  test('TMAD 5.27, 12.10.2: sealed group information is deleted per installation and per set', async () => {
    const s = await store.s1sp.openSet(key(3n), T0);
    await store.s1sp.storeGroupInformation(s.id, [
      { chfIdentifier: 'C1', sealed: 's1seal1.x' },
      { chfIdentifier: 'C2', sealed: 's1seal1.y' },
      { chfIdentifier: 'C3', sealed: 's1seal1.z' },
    ]);
    assert.equal(await store.s1sp.groupInformation(s.id, 'C2'), 's1seal1.y');
    assert.equal(await store.s1sp.countGroupInformation(s.id), 3);
    assert.equal(await store.s1sp.deleteGroupInformation(s.id, 'C2'), 1);
    assert.equal(await store.s1sp.groupInformation(s.id, 'C2'), undefined);
    assert.equal(await store.s1sp.deleteGroupInformation(s.id), 2);
    assert.equal(await store.s1sp.countGroupInformation(s.id), 0);
  });

  test('TMAD 5.25, 5.28: outcomes are recorded, replaced, listed unsent until an SCF carries them', async () => {
    const s = await store.s1sp.openSet(key(4n), T0);
    const rec = (chf: string, state: 'failed' | 'viable', at: number) => ({
      setId: s.id,
      chfIdentifier: chf,
      state,
      failedChecks: state === 'failed' ? [{ failedStepNumber: '5.25.1.2' }] : [],
      prepayFlag: false,
      detail: {},
      decidedAt: new Date(T0.getTime() + at),
      scfCounter: null,
      scfFile: null,
    });
    await store.s1sp.recordInstallations([
      rec('C1', 'failed', 0),
      rec('C2', 'viable', 1),
      rec('C3', 'failed', 2),
    ]);
    assert.deepEqual(
      (await store.s1sp.installations(s.id, { unsent: true })).map((r) => r.chfIdentifier),
      ['C1', 'C3'],
    );
    await store.s1sp.recordInstallations([
      { ...rec('C2', 'viable', 3), state: 'commissioned', prepayFlag: true },
    ]);
    const c2 = (await store.s1sp.installations(s.id, { state: 'commissioned' }))[0]!;
    assert.equal(c2.prepayFlag, true);
    await store.s1sp.markSent(s.id, ['C1', 'C2'], 7n, 'SCF_x.xml');
    assert.deepEqual(
      (await store.s1sp.installations(s.id, { unsent: true })).map((r) => r.chfIdentifier),
      ['C3'],
    );
    const all = await store.s1sp.installations(s.id);
    assert.equal(all.find((r) => r.chfIdentifier === 'C1')!.scfCounter, 7n);
    assert.deepEqual(all.find((r) => r.chfIdentifier === 'C1')!.failedChecks, [
      { failedStepNumber: '5.25.1.2' },
    ]);
  });

  test('TMAD 5.6: the SCF counter increases by one per file, never repeats, even when taken concurrently', async () => {
    assert.equal(await store.s1sp.lastScfCounter(S1SP), null);
    assert.equal(await store.s1sp.nextScfCounter(S1SP), 1n);
    assert.equal(await store.s1sp.nextScfCounter(S1SP), 2n);
    assert.equal(await store.s1sp.nextScfCounter(S1SP, 100n), 100n);
    const many = await Promise.all(Array.from({ length: 8 }, () => store.s1sp.nextScfCounter(S1SP)));
    assert.deepEqual(
      [...many].sort((a, b) => (a < b ? -1 : 1)),
      [101n, 102n, 103n, 104n, 105n, 106n, 107n, 108n],
    );
    assert.equal(await store.s1sp.lastScfCounter(S1SP), 108n);
    assert.equal(await store.s1sp.nextScfCounter('70-B3-D5-1F-30-11-00-02'), 1n);
  });

  test('one transaction: a held file with what it brings; Table 5.25 outcomes with the set closed; an SCF counter with its outcomes', async () => {
    const s = await store.s1sp.openSet(key(90n), T0);
    const f = {
      setId: s.id,
      fileType: 'MVF' as const,
      fileName: 'MVF_x.xml',
      sha256: 'b'.repeat(64),
      heldPath: '/held/MVF_x.xml',
      receivedAt: T0,
      installations: 2,
    };
    const mcf = { toBeCommissionedByDcc: false, supplierSignifier: 'SUPA', responsibleSuppliers: ['SUPA'] };
    const gi = [
      { chfIdentifier: 'C1', sealed: 's1seal1.a' },
      { chfIdentifier: 'C2', sealed: 's1seal1.b' },
    ];
    assert.equal(await store.s1sp.holdFile(f, { startTimer: T0, mcf, groupInformation: gi }), true);
    // Refused (the set holds an MVF): nothing it brings is stored.
    const later = new Date(T0.getTime() + 5000);
    const other = { chfIdentifier: 'C9', sealed: 's1seal1.c' };
    assert.equal(
      await store.s1sp.holdFile(
        { ...f, fileName: 'MVF_y.xml' },
        { startTimer: later, groupInformation: [other] },
      ),
      false,
    );
    const got = (await store.s1sp.set(s.id))!;
    assert.equal(got.firstMvfAt?.toISOString(), T0.toISOString());
    assert.deepEqual(got.mcf, mcf);
    assert.equal(await store.s1sp.countGroupInformation(s.id), 2);
    const rec = (chf: string, state: 'failed' | 'viable') => ({
      setId: s.id,
      chfIdentifier: chf,
      state,
      failedChecks: state === 'failed' ? [{ failedStepNumber: '5.25.1.2' }] : [],
      prepayFlag: false,
      detail: {},
      decidedAt: T0,
      scfCounter: null,
      scfFile: null,
    });
    assert.equal(
      await store.s1sp.recordProcessed(s.id, [rec('C1', 'failed'), rec('C2', 'viable')], T0, 'TMAD 5.25'),
      true,
    );
    assert.equal((await store.s1sp.set(s.id))!.state, 'processed');
    // TMAD 5.25: the failed installation's plaintext is gone, the viable one's kept.
    assert.equal(await store.s1sp.groupInformation(s.id, 'C1'), undefined);
    assert.equal(await store.s1sp.groupInformation(s.id, 'C2'), 's1seal1.b');
    // TMAD 5.27(c), 12.10.2: the outcome and the deletion of the plaintext together.
    await store.s1sp.recordCommissioningOutcome({ ...rec('C2', 'viable'), state: 'commissioned' });
    assert.equal(await store.s1sp.groupInformation(s.id, 'C2'), undefined);
    assert.equal((await store.s1sp.installations(s.id, { state: 'commissioned' })).length, 1);
    await store.s1sp.recordInstallations([rec('C2', 'viable')]);
    // Not collecting any more: nothing is written.
    assert.equal(await store.s1sp.recordProcessed(s.id, [rec('C2', 'failed')], T0, 'again'), false);
    assert.equal((await store.s1sp.installations(s.id, { state: 'viable' })).length, 1);
    const party = '70-B3-D5-1F-30-11-00-09';
    const a = await store.s1sp.assignScf(party, s.id, ['C1'], (n) => `SCF_${n}.xml`);
    assert.deepEqual(a, { scfCounter: 1n, scfFile: 'SCF_1.xml' });
    assert.deepEqual(
      (await store.s1sp.installations(s.id, { sent: true })).map((r) => [
        r.chfIdentifier,
        r.scfCounter,
        r.scfFile,
      ]),
      [['C1', 1n, 'SCF_1.xml']],
    );
    assert.equal(await store.s1sp.lastScfCounter(party), 1n);
    // A name that cannot be made takes no counter.
    await assert.rejects(
      store.s1sp.assignScf(party, s.id, ['C2'], () => {
        throw new Error('no name');
      }),
      /no name/,
    );
    assert.equal(await store.s1sp.lastScfCounter(party), 1n);
  });
});
