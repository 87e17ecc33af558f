// The S1SP's commissioning key store in the project store (migration 013, src/store/repositories/
// s1sp-keys.ts, createStoredKeyStore): TMAD 5.27 / Appendices A-C "securely store" (sealed at rest
// under S1MIG_KEY_PASSPHRASE: the table never holds the plaintext), replaced keys invalidated (A5
// ET08.5), every key of an installation deleted on Installation Rollback (12.10.2, 15.10.2) or
// discard (5.27(b)(iii)), read back after the store is reopened. The table is read with the engines'
// own clients (better-sqlite3, pg), not through the repository. ONE suite, on SQLite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { knownMigrations, openStore, type OpenStoreOptions, type Store } from '../../src/store/index.js';
import {
  createCommissioner,
  createStoredKeyStore,
  sealContext,
  type StoredKeyName,
} from '../../src/s1sp/commissioning/index.js';
import type { InstallationRef } from '../../src/core/dco-requests/index.js';
import { createSealer, openSealed } from '../../src/lib/crypto/seal.js';
import { onEveryEngine } from '../support/store-engines.js';
import {
  createInMemoryTestDcoRequests,
  testSmi,
  worldDevices,
  worldInstallations,
} from '../support/commissioning-world.js';

const FAST = { log2N: 10, r: 8, p: 1 };
const PASS = 'key store test passphrase';
const REF: InstallationRef = {
  requestingPartyId: '70-B3-D5-1F-30-10-00-01',
  mcfCounter: 18446744073709551615n,
  groupId: 'AA',
  chfIdentifier: '1',
};
// RFC 3394 section 4.1: the Key Encryption Key and the Key Data (hand-copied, not computed here).
const KEK = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
const KEY_DATA = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
const NAME: StoredKeyName = {
  deviceId: '00-DB-12-34-56-78-90-A0',
  association: 'Management',
  keyType: 'AuthenticationKey',
};

/** Every row of s1sp_key as its columns' text, read with the engine's own client. */
async function rawRows(o: OpenStoreOptions): Promise<string[]> {
  if (o.url === '' || o.url === undefined) {
    const db = new Database(path.join(o.dataDir!, 's1mig.sqlite'), { readonly: true });
    try {
      return (db.prepare('select * from s1sp_key').all() as Array<Record<string, unknown>>).map((r) =>
        Object.values(r).map(String).join('|'),
      );
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  try {
    const r = await client.query(`select * from "${o.pgSchema}".s1sp_key`);
    return r.rows.map((row: Record<string, unknown>) => Object.values(row).map(String).join('|'));
  } finally {
    await client.end();
  }
}

/** Run one statement with the engine's own client. */
async function rawExec(o: OpenStoreOptions, statement: string): Promise<void> {
  if (o.url === '' || o.url === undefined) {
    const db = new Database(path.join(o.dataDir!, 's1mig.sqlite'));
    try {
      db.exec(statement);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  try {
    await client.query(`set search_path to "${o.pgSchema}"`);
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The forms a plaintext key could take in a text column. */
const forms = (b: Buffer): string[] => [
  b.toString('hex'),
  b.toString('hex').toUpperCase(),
  b.toString('base64'),
  b.toString('base64url'),
  b.toString('latin1'),
];

function suite(
  name: string,
  opts: () => OpenStoreOptions,
  teardown: () => Promise<void>,
  skip: string | false,
) {
  describe(`S1SP key store on ${name}`, { skip }, () => {
    let o: OpenStoreOptions;
    let store: Store;
    before(async () => {
      o = opts();
      store = await openStore(o);
    });
    after(async () => {
      await store?.close();
      await teardown();
    });

    test('migration 013_s1sp_keys is applied', async () => {
      assert.ok(knownMigrations().includes('013_s1sp_keys'));
      assert.ok((await store.migrationStatus()).find((m) => m.name === '013_s1sp_keys')?.executedAt);
    });

    test('TMAD 5.27 "securely store": the table holds the sealed form only, never the plaintext; it opens after a reopen', async () => {
      const keys = createStoredKeyStore(store.s1spKeys);
      const sealer = createSealer(PASS, FAST);
      await keys.put(REF, {
        ...NAME,
        serialNumber: 'SER-1',
        sealed: sealer.seal(KEY_DATA, sealContext(REF, NAME)),
        storedAt: { errorCode: 'ET05', subStep: 4 },
      });
      await keys.put(REF, {
        deviceId: NAME.deviceId,
        keyType: 'MasterKey',
        sealed: sealer.seal(KEK, sealContext(REF, { deviceId: NAME.deviceId, keyType: 'MasterKey' })),
        storedAt: { errorCode: 'ET08' },
      });
      const rows = await rawRows(o);
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.match(row, /s1seal1\./);
        for (const f of [...forms(KEY_DATA), ...forms(KEK)])
          assert.ok(!row.includes(f), `plaintext ${f} at rest`);
      }
      // A second process sees the same entries (the store, not memory).
      await store.close();
      store = await openStore(o);
      const again = createStoredKeyStore(store.s1spKeys);
      const e = await again.get(REF, NAME);
      assert.ok(e);
      assert.equal(e.serialNumber, 'SER-1');
      assert.deepEqual(e.storedAt, { errorCode: 'ET05', subStep: 4 });
      assert.deepEqual(openSealed(e.sealed, PASS, sealContext(REF, NAME)), KEY_DATA);
      const mk = await again.get(REF, { deviceId: NAME.deviceId, keyType: 'MasterKey' });
      assert.equal(mk?.association, undefined);
      // Sealed to its own record: it does not open as another key (AAD).
      assert.throws(() => openSealed(e.sealed, PASS, sealContext({ ...REF, chfIdentifier: '2' }, NAME)));
    });

    test('TMAD 5.27: a value that is not sealed is refused, by the repository and by the table', async () => {
      await assert.rejects(
        store.s1spKeys.putKey(REF, {
          ...NAME,
          association: 'Management',
          serialNumber: null,
          sealed: KEY_DATA.toString('hex'),
          storedAt: null,
          invalidated: false,
        }),
        /sealed values only/,
      );
      await assert.rejects(
        rawExec(
          o,
          `insert into s1sp_key (requesting_party_id, mcf_counter, group_id, chf_identifier, device_id, association, key_type, sealed, stored_at, invalidated) values ('x', '1', 'AA', '1', 'd', '', 'k', '${KEY_DATA.toString('hex')}', 'null', ${o.url ? 'false' : '0'})`,
        ),
        /check|constraint/i,
      );
      assert.equal(await store.s1spKeys.countKeys(REF), 2);
    });

    test('Appendix A A5 ET08.5: a replaced key is invalidated, the newest is current', async () => {
      const keys = createStoredKeyStore(store.s1spKeys);
      const sealer = createSealer(PASS, FAST);
      const newer = Buffer.from('FFEEDDCCBBAA99887766554433221100', 'hex');
      await keys.put(REF, {
        ...NAME,
        sealed: sealer.seal(newer, sealContext(REF, NAME)),
        storedAt: { errorCode: 'ET08', subStep: 5 },
      });
      await keys.invalidate(REF, NAME, { errorCode: 'ET08', subStep: 5 });
      const all = await keys.list(REF);
      assert.deepEqual(
        all.map((x) => [x.keyType, x.invalidated === true]),
        [
          ['AuthenticationKey', true],
          ['MasterKey', false],
          ['AuthenticationKey', false],
        ],
      );
      assert.deepEqual(openSealed((await keys.get(REF, NAME))!.sealed, PASS, sealContext(REF, NAME)), newer);
    });

    test('TMAD 12.10.2, 15.10.2: deleting the installation leaves nothing of its keys in the table; other installations keep theirs', async () => {
      const keys = createStoredKeyStore(store.s1spKeys);
      const other = { ...REF, chfIdentifier: '2' };
      const sealed = createSealer(PASS, FAST).seal(KEY_DATA, sealContext(other, NAME));
      await keys.put(other, { ...NAME, sealed, storedAt: { errorCode: 'ET05' } });
      assert.equal((await rawRows(o)).length, 4);
      const doomed = (await keys.list(REF)).map((e) => e.sealed);
      await keys.deleteInstallation(REF);
      const rows = await rawRows(o);
      assert.equal(rows.length, 1);
      for (const s of doomed) assert.ok(!rows.some((r) => r.includes(s)), 'a deleted sealed value remains');
      assert.ok(rows[0]!.includes(sealed));
      assert.deepEqual(await keys.list(REF), []);
      // 5.24 / 5.27: a whole set's keys go with it.
      assert.equal(await store.s1spKeys.deleteSetKeys(other), 1);
      assert.deepEqual(await rawRows(o), []);
    });

    test("TMAD 5.27(c)(i), 12.10.2: the commissioner keeps a commissioned installation's keys in the store and deletes a rolled-back one's", async () => {
      const now = () => new Date('2026-01-19T09:00:00Z');
      const ws = await worldInstallations('AA', 2, 'ks', (i) =>
        ['GSME', 'GPF', 'PPMID'].every((t) => i.devices.some((d) => d.deviceType === t)),
      );
      const [ok, bad] = [ws[0]!, ws[1]!];
      const run = async (w: typeof ok, faults: Parameters<typeof worldDevices>[1]['faults']) => {
        const sim = worldDevices([w], { seed: 's', now, ...(faults ? { faults } : {}), prepaymentShare: 0 });
        const commission = createCommissioner({
          headEnd: sim.headEnd,
          inventory: testSmi(() => undefined),
          keyStore: createStoredKeyStore(store.s1spKeys),
          passphrase: PASS,
          scrypt: FAST,
        });
        return commission(w.viable, { dco: createInMemoryTestDcoRequests([w.viable.mef]), now });
      };
      assert.equal((await run(ok, undefined)).kind, 'commissioned');
      const kept = await store.s1spKeys.countKeys(ok.viable.ref);
      assert.ok(kept > 0);
      const failed = await run(bad, [{ errorCode: 'ET05', subStep: 5 }]);
      assert.equal(failed.kind, 'failed');
      assert.equal(failed.kind === 'failed' && failed.rolledBack, true);
      assert.equal(await store.s1spKeys.countKeys(bad.viable.ref), 0);
      const rows = await rawRows(o);
      assert.equal(rows.length, kept);
      for (const r of rows) assert.match(r, /s1seal1\./);
      await store.s1spKeys.deleteSetKeys(ok.viable.ref);
    });
  });
}

await onEveryEngine('s1sp-keys', suite);
