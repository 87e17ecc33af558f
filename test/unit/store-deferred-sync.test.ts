// Store.deferredSync (docs/WEEK.md "Why kill -9 loses and repeats nothing"): the writes inside it are
// committed at once (a second connection sees them: a killed process loses none) and the connection
// is back to full sync after it, also when it throws.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type OpenStoreOptions, type Store } from '../../src/store/index.js';
import { onEveryEngine } from '../support/store-engines.js';

const ref = { requestingPartyId: 'RP1', mcfCounter: 7n, groupId: 'AA', chfIdentifier: 'CHF-1' };
const row = (keyType: string) => ({
  deviceId: 'D1',
  association: '',
  keyType,
  serialNumber: null,
  sealed: 's1seal1.15.8.1.c2FsdA.aXY.Y3Q.dGFn',
  storedAt: { step: 'A1' },
  invalidated: false,
});

await onEveryEngine('deferred-sync', (name, opts, teardown, skip) => {
  describe(`deferredSync on ${name}`, { skip }, () => {
    let o: OpenStoreOptions;
    let store: Store;
    let other: Store;
    before(async () => {
      o = opts();
      store = await openStore(o);
      other = await openStore(o);
    });
    after(async () => {
      await store?.close();
      await other?.close();
      await teardown();
    });

    test('writes inside are committed at once and seen by another connection; the result is returned', async () => {
      const r = await store.deferredSync(async () => {
        await store.s1spKeys.putKey(ref, row('AuthenticationKey'));
        // nested: still deferred, and the outer call restores full sync
        await store.deferredSync(() => store.s1spKeys.putKey(ref, row('EncryptionKey')));
        assert.equal(await other.s1spKeys.countKeys(ref), 2);
        return 'done';
      });
      assert.equal(r, 'done');
      assert.equal(await other.s1spKeys.countKeys(ref), 2);
    });

    test('an error inside is thrown to the caller, and what was written before it stays', async () => {
      await assert.rejects(
        store.deferredSync(async () => {
          await store.s1spKeys.putKey(ref, row('PrepaymentKey'));
          throw new Error('step failed');
        }),
        /step failed/,
      );
      assert.equal(await other.s1spKeys.countKeys(ref), 3);
    });
  });
});
