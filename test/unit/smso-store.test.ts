// The SMSO inventory and sealed key material in the store (migration 005): ONE suite, run on embedded
// SQLite and on PostgreSQL (S1MIG_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test) in a
// schema unique to this run, dropped at the end. PostgreSQL unreachable: skipped, or failed when CI is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSmsoEstate } from '../../src/estate/smso-inventory.js';
import type { SmsoInstallation } from '../../src/core/formats/smso/index.js';
import { describeOnEveryStore } from '../support/store-engines.js';

const estate = generateSmsoEstate({ installations: 30, seed: 'store' });
const SEALED = (n: number): string =>
  `s1seal1.15.8.1.${'A'.repeat(22)}.${'B'.repeat(16)}.c${n}.${'D'.repeat(22)}`;
const at = new Date('2026-02-01T10:00:00Z');

await describeOnEveryStore('smso-store', 'SMSO store', '005_smso_inventory', (store) => {
  test('TMAD 4.21 installations round-trip with every field, per SMSO', async () => {
    const sealed = new Map(estate.installations.slice(0, 10).map((i, k) => [i.chfDeviceId, SEALED(k)]));
    const r = await store.smso.putInstallations('CGI', estate.installations, sealed, {
      importedAt: at,
      sourceFile: 'inv.csv',
    });
    assert.deepEqual(r, { installations: 30, keyMaterial: 10, keyMaterialDeleted: 0 });
    assert.equal(await store.smso.count('CGI'), 30);
    assert.equal(await store.smso.count('TRL'), 0);
    for (const i of estate.installations.slice(0, 5)) {
      const got = await store.smso.get('CGI', i.chfDeviceId);
      assert.ok(got);
      const { smso, importedAt, sourceFile, hasKeyMaterial, ...inst } = got;
      assert.deepEqual(inst, i);
      assert.equal(smso, 'CGI');
      assert.equal(importedAt.toISOString(), at.toISOString());
      assert.equal(sourceFile, 'inv.csv');
      assert.equal(hasKeyMaterial, true);
    }
    assert.equal(await store.smso.get('TRL', estate.installations[0]!.chfDeviceId), undefined);
    const some = estate.installations.slice(10, 13).map((i) => i.chfDeviceId);
    const many = await store.smso.getMany('CGI', [...some, '00-00-00-00-00-00-00-00', some[0]!]);
    assert.deepEqual([...many.keys()].sort(), [...some].sort());
    for (const id of some) assert.deepEqual(many.get(id), await store.smso.get('CGI', id));
    const list = await store.smso.list('CGI');
    assert.deepEqual(
      list.map((x) => x.chfDeviceId),
      [...estate.installations.map((i) => i.chfDeviceId)].sort(),
    );
    const first = list.find((x) => x.chfDeviceId === estate.installations[0]!.chfDeviceId)!;
    assert.equal(
      first.esmeStatus,
      estate.installations[0]!.devices.find((d) => d.deviceType === 'ESME')!.status,
    );
    assert.equal(first.deviceCount, estate.installations[0]!.devices.length);
    assert.equal(list.filter((x) => x.hasKeyMaterial).length, 10);
    assert.equal((await store.smso.list('CGI', { limit: 5, offset: 28 })).length, 2);
  });

  test('sealed key material is returned as stored and deleted on request (TMAD 11)', async () => {
    const ids = estate.installations.slice(0, 3).map((i) => i.chfDeviceId);
    const got = await store.smso.sealedKeyMaterial('CGI', [...ids, '00-00-00-00-00-00-00-00']);
    assert.deepEqual([...got.values()], [SEALED(0), SEALED(1), SEALED(2)]);
    assert.equal(await store.smso.deleteKeyMaterial('CGI', ids.slice(0, 2)), 2);
    assert.equal(await store.smso.deleteKeyMaterial('CGI', ids.slice(0, 2)), 0);
    assert.equal((await store.smso.sealedKeyMaterial('CGI', ids)).size, 1);
    assert.equal((await store.smso.get('CGI', ids[0]!))!.hasKeyMaterial, false);
  });

  test('re-import replaces an installation; key material of changed devices is deleted, of unchanged kept', async () => {
    const [a, b] = [estate.installations[2]!, estate.installations[3]!];
    const changed: SmsoInstallation = {
      ...b,
      lastWanContactAt: '2026-02-01T09:00:00Z',
      devices: b.devices
        .filter((d) => d.deviceType !== 'IHD' && d.deviceType !== 'PPMID')
        .concat([
          {
            ...b.devices[0]!,
            deviceType: 'CAD',
            deviceId: '00-DB-FF-FF-70-00-00-03',
            status: null,
            hanJoinedAt: '2025-01-01T00:00:00Z',
          },
        ]),
    };
    const sameA = { ...a, unsolicitedHalfHourlyData: !a.unsolicitedHalfHourlyData };
    const r = await store.smso.putInstallations('CGI', [sameA, changed], new Map(), {
      importedAt: at,
      sourceFile: 'again.csv',
    });
    assert.deepEqual(r, { installations: 2, keyMaterial: 0, keyMaterialDeleted: 1 });
    const gotA = (await store.smso.get('CGI', a.chfDeviceId))!;
    assert.equal(gotA.hasKeyMaterial, true); // same devices: keys kept
    assert.equal(gotA.unsolicitedHalfHourlyData, !a.unsolicitedHalfHourlyData);
    const gotB = (await store.smso.get('CGI', b.chfDeviceId))!;
    assert.equal(gotB.hasKeyMaterial, false);
    assert.equal(gotB.lastWanContactAt, '2026-02-01T09:00:00Z');
    assert.deepEqual(
      gotB.devices.map((d) => d.deviceId),
      changed.devices.map((d) => d.deviceId),
    );
    assert.equal(await store.smso.count('CGI'), 30);
  });

  test('deleting installations removes their devices and key material', async () => {
    const ids = estate.installations.slice(5, 8).map((i) => i.chfDeviceId);
    assert.equal(await store.smso.deleteInstallations('CGI', ids), 3);
    assert.equal(await store.smso.count('CGI'), 27);
    assert.equal((await store.smso.sealedKeyMaterial('CGI', ids)).size, 0);
    assert.equal(await store.smso.get('CGI', ids[0]!), undefined);
  });

  test('a value that is not sealed is refused by the database (CHECK sealed like s1seal1.%)', async () => {
    const i = estate.installations[9]!;
    await assert.rejects(() =>
      store.smso.putInstallations(
        'CGI',
        [i],
        new Map([[i.chfDeviceId, '00112233445566778899AABBCCDDEEFF']]),
        { importedAt: at, sourceFile: 'x' },
      ),
    );
    assert.equal((await store.smso.get('CGI', i.chfDeviceId))!.hasKeyMaterial, true); // the transaction rolled back
  });
});
