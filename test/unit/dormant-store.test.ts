// Responses to the Dormant Meter Migration Schedule in the store (migration 008; TMAD 4.32, 4.32A): ONE
// suite on embedded SQLite and on PostgreSQL (S1MIG_TEST_PG_URL) in a schema unique to this run, dropped
// at the end. PostgreSQL unreachable: skipped, or failed when CI is set.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, redactUrl, type OpenStoreOptions, type Store } from '../../src/store/index.js';
import { dormantMigrationGate } from '../../src/mcc/dormant-notices.js';

const PG_URL = process.env.S1MIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WEEK = '2027-03-01';
const CHF = '00-DB-26-76-10-00-00-01';
const S = 'ESME Supplier Certificate Id';
const both = {
  [`${S} (Critical) – Serial Number`]: '1234',
  [`${S} (Critical) – Issuer Name`]: 'CN=Issuing CA',
  [`${S} (Non-Critical) – Serial Number`]: '1235',
  [`${S} (Non-Critical) – Issuer Name`]: 'CN=Issuing CA',
};

async function probePg(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function suite(
  name: string,
  opts: () => OpenStoreOptions,
  teardown: () => Promise<void>,
  skip: string | false,
): void {
  describe(`dormant responses on ${name}`, { skip }, () => {
    let store: Store;
    before(async () => {
      store = await openStore(opts());
    });
    after(async () => {
      await store?.close();
      await teardown();
    });

    test('migration 008_dormant_responses is applied', async () => {
      assert.ok((await store.migrationStatus()).find((m) => m.name === '008_dormant_responses')?.executedAt);
    });

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
  });
}

const pgProblem = await probePg(PG_URL);
let sqliteDir = '';
suite(
  'sqlite',
  () => {
    sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-dormant-store-'));
    return { url: '', dataDir: sqliteDir };
  },
  async () => fs.rmSync(sqliteDir, { recursive: true, force: true }),
  false,
);
const pgSchema = `s1mig_dormant_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
if (pgProblem && process.env.CI)
  test(`PostgreSQL at ${redactUrl(PG_URL)} is reachable (required when CI is set)`, () => {
    assert.fail(`PostgreSQL unreachable at ${redactUrl(PG_URL)}: ${pgProblem}`);
  });
suite(
  'postgres',
  () => ({ url: PG_URL, pgSchema }),
  async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`drop schema if exists "${pgSchema}" cascade`);
    } finally {
      await client.end();
    }
  },
  pgProblem
    ? `PostgreSQL unreachable at ${redactUrl(PG_URL)} (${pgProblem}); set S1MIG_TEST_PG_URL to run these`
    : false,
);
