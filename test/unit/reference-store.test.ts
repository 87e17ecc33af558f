// Reference data in the store (issue #11): ONE suite run on embedded SQLite and on PostgreSQL
// (S1MIG_TEST_PG_URL, in a schema unique to this file and run, dropped at the end).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStore, REFERENCE_BATCH, type OpenStoreOptions, type Store } from '../../src/store/index.js';
import {
  REGISTRY_NAMES,
  readReferenceCsv,
  type ReferenceRow,
  type RegistryName,
} from '../../src/core/reference/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { onEveryEngine } from '../support/store-engines.js';

const sample = (r: RegistryName): string =>
  fs.readFileSync(path.join(REPO_ROOT, 'samples', 'reference', `${r}.csv`), 'utf8');
const rowsOf = (r: RegistryName, text = sample(r)): ReferenceRow[] => {
  const got = readReferenceCsv(r, r, text);
  assert.deepEqual(got.problems, []);
  return got.rows;
};
const exported = async (store: Store, r: RegistryName): Promise<string[][]> => {
  const out: string[][] = [];
  for await (const f of store.reference.export(r)) out.push(f);
  return out;
};
const d = (s: string): Date => new Date(s);

function suite(
  name: string,
  opts: () => OpenStoreOptions,
  teardown: () => Promise<void>,
  skip: string | false,
): void {
  describe(`reference data on ${name}`, { skip }, () => {
    let store: Store;
    before(async () => {
      store = await openStore(opts());
      for (const r of REGISTRY_NAMES) await store.reference.import(r, rowsOf(r));
    });
    after(async () => {
      await store?.close();
      await teardown();
    });

    test('every sample registry stored and exported in import order, fields unchanged', async () => {
      const counts = await store.reference.counts();
      for (const r of REGISTRY_NAMES) {
        assert.deepEqual(
          await exported(store, r),
          rowsOf(r).map((x) => x.fields),
          r,
        );
        assert.equal(counts.find((c) => c.registry === r)!.entries, rowsOf(r).length, r);
      }
    });

    test('import without --replace updates entries of the same identity in place and appends new ones', async () => {
      const h = sample('smi').split('\n')[0]!;
      const r = await store.reference.import(
        'smi',
        rowsOf('smi', `${h}\n00-0D-6F-00-00-A0-01-02,ESME,Suspended\n00-0D-6F-00-00-A0-01-99,CAD,Pending\n`),
      );
      assert.deepEqual([r.added, r.updated, r.removed, r.total], [1, 1, 0, 6]);
      const all = await exported(store, 'smi');
      assert.deepEqual(all[1], ['00-0D-6F-00-00-A0-01-02', 'ESME', 'Suspended']);
      assert.deepEqual(all[5], ['00-0D-6F-00-00-A0-01-99', 'CAD', 'Pending']);
      const back = await store.reference.import('smi', rowsOf('smi'), { replace: true });
      assert.deepEqual([back.added, back.updated, back.removed, back.total], [5, 0, 6, 5]);
      assert.deepEqual(
        await exported(store, 'smi'),
        rowsOf('smi').map((x) => x.fields),
      );
    });

    test(`large imports go in batches of ${REFERENCE_BATCH} inside one transaction; list pages`, async () => {
      const n = REFERENCE_BATCH * 2 + 17;
      const rows = function* (): Generator<ReferenceRow> {
        for (let i = 0; i < n; i++) {
          const id = `00-0D-6F-01-${[(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, 0].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('-')}`;
          yield { identity: id, lookupKey: id, fields: [id, 'ESME', 'Commissioned'] };
        }
      };
      const r = await store.reference.import('smi', rows(), { replace: true });
      assert.equal(r.total, n);
      const page = await store.reference.list('smi', { limit: 3, offset: REFERENCE_BATCH });
      assert.deepEqual(
        page.map((p) => p.fields[0]),
        [...rows()].slice(REFERENCE_BATCH, REFERENCE_BATCH + 3).map((x) => x.fields[0]),
      );
      assert.equal((await exported(store, 'smi')).length, n);
      // a failing row stops the whole import: nothing of it is kept
      await assert.rejects(
        store.reference.import(
          'smi',
          (function* () {
            yield* rows();
            throw new Error('read failed');
          })(),
          { replace: true },
        ),
        /read failed/,
      );
      assert.equal((await store.reference.counts()).find((c) => c.registry === 'smi')!.entries, n);
      await store.reference.import('smi', rowsOf('smi'), { replace: true });
    });

    test('show: by look-up key or identity', async () => {
      assert.equal((await store.reference.show('registration', '1200987654320')).length, 3);
      assert.equal(
        (await store.reference.show('registration', '1200987654320|ImportSupplier|2021-02-15')).length,
        1,
      );
      assert.deepEqual(await store.reference.show('smi', 'nope'), []);
    });

    test('ReferenceData: CPL, EPC, group list, SMI (TMAD 5.10.1-5.10.4)', async () => {
      const data = store.reference.data;
      assert.equal((await data.productOf('Toshiba', 'TCH-GBCH-S1', '1.5.0'))?.deviceType, 'CHF');
      assert.equal(await data.productOf('Toshiba', 'TCH-GBCH-S1', '9.9'), undefined);
      const devices = {
        CHF: { manufacturer: 'Toshiba', model: 'TCH-GBCH-S1', firmwareVersion: '1.5.0' },
        ESME: { manufacturer: 'Secure Meters', model: 'Liberty 100', firmwareVersion: 'L100-6.3' },
      };
      assert.deepEqual(
        (await data.eligibleCombinations({ devices, groupId: 'AA' })).map((e) => e.entryId),
        ['EPC-0002', 'EPC-0003'],
      );
      assert.deepEqual(
        (await data.eligibleCombinations({ devices, smso: 'TRL', meters: 'Active' })).map((e) => e.entryId),
        [],
      );
      assert.equal((await data.groupModelCombination('AA', devices)).length, 1);
      assert.equal((await data.groupModelCombination('CA', devices)).length, 0);
      assert.equal(await data.groupAllowsDeviceModel('AA', 'ESME', devices.ESME), true);
      assert.equal(await data.groupAllowsDeviceModel('BA', 'ESME', devices.ESME), false);
      // 5.10.4: any SMI status counts, a Decommissioned device too
      assert.equal(
        (await data.inSmartMeteringInventory('00-0D-6F-00-00-A0-01-03'))?.status,
        'Decommissioned',
      );
      assert.equal(await data.inSmartMeteringInventory('00-0D-6F-00-00-A0-01-77'), undefined);
    });

    test('ReferenceData: registration at t and changes within 14 days (TMAD 5.10.9-5.10.17)', async () => {
      const data = store.reference.data;
      assert.equal(await data.importSupplierAt('1200987654320', d('2021-02-01T00:00:00Z')), 'SUPA');
      assert.deepEqual(await data.importSupplierChangesWithin('1200987654320', d('2021-02-01T00:00:00Z')), [
        { at: d('2021-02-15T00:00:00Z'), from: 'SUPA', to: 'SUPB' },
      ]);
      assert.deepEqual(
        await data.importSupplierChangesWithin('1200987654320', d('2021-02-01T00:00:00Z'), 2),
        [],
      );
      assert.equal(await data.electricityDistributorAt('1200987654320', d('2021-02-01T00:00:00Z')), 'DNOA');
      assert.equal(await data.gasSupplierAt('2309451207', d('2021-01-20T00:00:00Z')), 'SUPB');
      assert.equal((await data.gasSupplierChangesWithin('2309451207', d('2021-01-20T00:00:00Z'))).length, 1);
      assert.equal(await data.gasTransporterAt('7502316804', d('2021-01-20T00:00:00Z')), 'GTA');
      assert.equal(await data.importSupplierAt('1900444555668', d('2021-01-20T00:00:00Z')), null);
    });

    test('ReferenceData: registrations prefetched give the same answers, and an import drops them', async () => {
      const data = store.reference.data;
      const t = d('2021-02-01T00:00:00Z');
      const mpxns = ['1200987654320', '2309451207', '7502316804', '1900444555668'];
      const ask = async () => [
        await data.importSupplierAt('1200987654320', t),
        await data.importSupplierChangesWithin('1200987654320', t),
        await data.electricityDistributorAt('1200987654320', t),
        await data.gasSupplierAt('2309451207', d('2021-01-20T00:00:00Z')),
        await data.gasTransporterAt('7502316804', d('2021-01-20T00:00:00Z')),
        await data.importSupplierAt('1900444555668', t),
      ];
      const plain = await ask();
      assert.deepEqual(plain.slice(0, 3), [
        'SUPA',
        [{ at: d('2021-02-15T00:00:00Z'), from: 'SUPA', to: 'SUPB' }],
        'DNOA',
      ]);
      await data.prefetchRegistrations!(mpxns);
      assert.deepEqual(await ask(), plain);
      // A key not prefetched is looked up as before.
      await data.prefetchRegistrations!(['1900444555668']);
      assert.deepEqual(await ask(), plain);
      // An import of the registrations drops what was prefetched: the new rows are seen.
      await data.prefetchRegistrations!(mpxns);
      const before = rowsOf('registration');
      await store.reference.import(
        'registration',
        before.filter((r) => !r.fields.includes('1200987654320')),
        {
          replace: true,
        },
      );
      assert.equal(await data.importSupplierAt('1200987654320', t), null);
      await store.reference.import('registration', before, { replace: true });
      assert.equal(await data.importSupplierAt('1200987654320', t), 'SUPA');
      // Table 5.10's window (src/dcc/store-context.ts): entries per MPxN in import order, [] for none.
      const w = await store.reference.registrationsOf(['1200987654320', '1900444555668', '1200987654320']);
      assert.deepEqual([...w.keys()], ['1200987654320', '1900444555668']);
      assert.deepEqual(w.get('1900444555668'), []);
      assert.deepEqual(
        w.get('1200987654320')!.map((e) => [e.role, e.party, e.effectiveFrom]),
        (await store.reference.show('registration', '1200987654320')).map((r) => [
          r.fields[1],
          r.fields[2],
          r.fields[3],
        ]),
      );
    });

    test('ReferenceData: organisations, affiliates, certificates, NO IDs, group keys', async () => {
      const data = store.reference.data;
      assert.equal((await data.partyOfUserId('70-B3-D5-1F-30-00-A0-08'))?.partySignifier, 'SUPA');
      assert.equal(await data.partyOfUserId('70-B3-D5-1F-30-99-00-01'), undefined);
      assert.equal(await data.areAffiliates('SUPA', 'GTA'), true);
      assert.equal(await data.areAffiliates('SUPA', 'SUPB'), false);
      const [certLine] = sample('certificates').split('\n').slice(3);
      const serial = certLine!.split(',')[1]!;
      const cert = await data.certificate({
        serialNumber: serial,
        issuerName: 'CN=s1mig Test SMKI Issuing CA,O=s1mig Test',
      });
      assert.equal(cert?.serialNumber, serial);
      assert.equal(await data.certificate({ serialNumber: serial, issuerName: 'CN=Other CA' }), undefined);
      const trust = await data.trustStore();
      assert.equal(trust.roots.length, 1);
      assert.equal(trust.crls.length, 1);
      assert.equal(
        (await data.latestNetworkOperatorCertificateIds('DNOA', d('2021-02-01T00:00:00Z')))?.critical
          .serialNumber,
        '83012944716234508812937712004583320951',
      );
      assert.equal(
        await data.latestNetworkOperatorCertificateIds('DNOA', d('2020-01-01T00:00:00Z')),
        undefined,
      );
      const ki = sample('group-keys').split('\n')[1]!.slice(0, 40);
      assert.equal((await data.groupPublicKey(ki, d('2022-06-30T12:00:00Z')))?.holder, 'S1SP');
      assert.equal(await data.groupPublicKey(ki, d('2022-07-01T00:00:00Z')), undefined);
    });

    test('TMAD 2: an import of either list reports where the group list and the EPC list disagree', async () => {
      const h = sample('group-models').split('\n')[0]!;
      const r = await store.reference.import(
        'group-models',
        rowsOf(
          'group-models',
          `${h}\nEA,Toshiba,TCH-GBCH-S1,1.5.0,Secure Meters,Liberty 100,L100-6.3,,,,,,\n`,
        ),
      );
      assert.equal(r.warnings.length, 1);
      assert.match(r.warnings[0]!.message, /Group EA/);
      await store.reference.import('group-models', rowsOf('group-models'), { replace: true });
      assert.deepEqual(await store.reference.disagreements(), []);
    });
  });
}

await onEveryEngine('refstore', suite);
