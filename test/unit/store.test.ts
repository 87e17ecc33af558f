// Storage layer: ONE suite, run against embedded SQLite and against PostgreSQL
// (S1MIG_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test, in a unique schema per run,
// dropped at the end). PostgreSQL unreachable: its tests are skipped, or fail when CI is set.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  COUNTER_MAX,
  knownMigrations,
  openStore,
  redactUrl,
  resolveStoreLocation,
  StoreError,
  type AcceptedFile,
  type AuthenticationVerdict,
  type CounterKey,
  type OpenStoreOptions,
  type ReceivedMaFile,
  type ReceivedMaRow,
  type Store,
} from '../../src/store/index.js';
import { FILE_TYPES_001 } from '../../src/store/migrations/001_initial.js';
import { MIGRATION_FILE_TYPES } from '../../src/core/schema/index.js';

const PG_URL = process.env.S1MIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;

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

const sha = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');
let seq = 0;
const uniq = (p: string): string => `${p}-${process.pid}-${++seq}-${crypto.randomBytes(3).toString('hex')}`;

function maRow(line: number, over: Partial<ReceivedMaRow> = {}): ReceivedMaRow {
  return {
    line,
    mpan: '1200000000009',
    mprn: null,
    migrationWeek: '2021-W05',
    migrateOn: null,
    priority: line % 2 === 0,
    fields: { MPAN: '1200000000009', 'Migration Week': '2021-W05' },
    ...over,
  };
}

function maFile(over: Partial<ReceivedMaFile> = {}): ReceivedMaFile {
  const name = uniq('MA_CGI_70-B3-D5-1F-30-00-A0-08');
  return {
    fileName: `${name}.csv`,
    sha256: sha(name),
    userId: '70-B3-D5-1F-30-00-A0-08',
    smsoCode: 'CGI',
    commissionedByDcc: true,
    receivedAt: new Date('2021-01-05T09:59:59.123Z'),
    outcome: 'accepted',
    errors: [],
    warnings: [],
    rows: [maRow(2), maRow(3)],
    ...over,
  };
}

interface Engine {
  name: string;
  opts: () => OpenStoreOptions;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

function storeSuite(engine: Engine, skip: string | false): void {
  describe(`store on ${engine.name}`, { skip }, () => {
    let store: Store;
    const key = (fileType: CounterKey['fileType'] = 'MCF'): CounterKey => ({
      authenticator: uniq('DCO'),
      partyId: '70-B3-D5-1F-30-00-A0-08',
      fileType,
    });

    before(async () => {
      await engine.setup();
      store = await openStore(engine.opts());
    });
    after(async () => {
      await store?.close();
      await engine.teardown();
    });

    test('migrations: applied on first open, none on reopen, data kept', async () => {
      assert.equal(store.kind, engine.name);
      assert.deepEqual(store.migrationsAppliedOnOpen, knownMigrations());
      const { id } = await store.receivedMas.record(maFile());
      const again = await openStore(engine.opts());
      try {
        assert.deepEqual(again.migrationsAppliedOnOpen, []);
        const status = await again.migrationStatus();
        assert.deepEqual(
          status.map((m) => m.name),
          knownMigrations(),
        );
        for (const m of status) assert.ok(m.executedAt instanceof Date, `${m.name} applied`);
        assert.equal((await again.receivedMas.get(id))?.rowCount, 2);
      } finally {
        await again.close();
      }
    });

    test('MAM 7.2: MA record, get, list, rows; Dates, booleans and nulls round-trip', async () => {
      const rows = [
        maRow(2, {
          priority: true,
          fields: { a: 'x,"y"', b: 'back\\slash', c: '{"not":"json"}', d: 'ü€😀' },
        }),
        maRow(3, { priority: false, mpan: null, mprn: '1234567890', migrateOn: '2021-02-01' }),
        maRow(4, { fields: {} }),
      ];
      const user = uniq('USER');
      const a = maFile({
        userId: user,
        rows,
        commissionedByDcc: false,
        warnings: [{ line: 3, rule: 'MAM 7.2.2' }],
      });
      const b = maFile({
        userId: user,
        outcome: 'rejected',
        commissionedByDcc: null,
        smsoCode: null,
        rows: [],
        errors: ['bad'],
      });
      const ra = await store.receivedMas.record(a);
      const rb = await store.receivedMas.record(b);
      assert.equal(ra.duplicate, false);
      assert.notEqual(ra.id, rb.id);

      const got = await store.receivedMas.get(ra.id);
      assert.deepEqual(got, {
        id: ra.id,
        fileName: a.fileName,
        sha256: a.sha256,
        userId: user,
        smsoCode: 'CGI',
        commissionedByDcc: false,
        receivedAt: a.receivedAt,
        outcome: 'accepted',
        errors: [],
        warnings: [{ line: 3, rule: 'MAM 7.2.2' }],
        rowCount: 3,
      });
      assert.ok(got.receivedAt instanceof Date);
      const gb = await store.receivedMas.get(rb.id);
      assert.equal(gb?.commissionedByDcc, null);
      assert.equal(gb?.smsoCode, null);
      assert.equal(gb?.outcome, 'rejected');
      assert.deepEqual(gb?.errors, ['bad']);

      assert.deepEqual(await store.receivedMas.rows(ra.id), rows);
      assert.deepEqual(await store.receivedMas.rows(rb.id), []);
      assert.deepEqual(await store.receivedMas.rows(999_999_999), []);
      assert.equal(await store.receivedMas.get(999_999_999), undefined);

      const listed = await store.receivedMas.list({ userId: user });
      assert.deepEqual(
        listed.map((m) => [m.id, m.rowCount, m.outcome]),
        [
          [ra.id, 3, 'accepted'],
          [rb.id, 0, 'rejected'],
        ],
      );
      assert.ok(!('errors' in listed[0]!) && !('warnings' in listed[0]!));
      assert.deepEqual(listed[0]!.receivedAt, a.receivedAt);
      const all = await store.receivedMas.list();
      assert.ok(all.length >= 2 && all.some((m) => m.id === ra.id));
    });

    test('MAM 7.2: the same file content received twice is recorded once (idempotent on sha256)', async () => {
      const f = maFile();
      const first = await store.receivedMas.record(f);
      const second = await store.receivedMas.record({
        ...f,
        fileName: 'renamed.csv',
        sha256: f.sha256.toUpperCase(),
        rows: [maRow(2), maRow(3), maRow(4)],
      });
      assert.deepEqual(second, { id: first.id, duplicate: true });
      assert.equal((await store.receivedMas.get(first.id))?.fileName, f.fileName);
      assert.equal((await store.receivedMas.rows(first.id)).length, 2);
      assert.equal(
        (await store.receivedMas.list({ userId: f.userId })).filter((m) => m.sha256 === f.sha256).length,
        1,
      );
    });

    test('MAM 7.2: concurrent receipts of the same file: exactly one is new', async () => {
      const f = maFile();
      const results = await Promise.all(Array.from({ length: 6 }, () => store.receivedMas.record(f)));
      assert.equal(results.filter((r) => !r.duplicate).length, 1);
      assert.equal(new Set(results.map((r) => r.id)).size, 1);
    });

    test('a failed record writes nothing (duplicate line rolls the transaction back)', async () => {
      const f = maFile({ rows: [maRow(2), maRow(2)] });
      await assert.rejects(store.receivedMas.record(f));
      assert.equal(
        (await store.receivedMas.list({ userId: f.userId })).some((m) => m.sha256 === f.sha256),
        false,
      );
      await assert.rejects(store.receivedMas.record(maFile({ sha256: 'xyz' })), /sha256/);
    });

    test('an MA of 100,000 rows is recorded in one transaction (timed)', async (t) => {
      const rows = Array.from({ length: 100_000 }, (_, i) =>
        maRow(i + 2, {
          mpan: String(1_200_000_000_000 + i),
          fields: { MPAN: String(1_200_000_000_000 + i), SMSO: 'CGI' },
        }),
      );
      const t0 = performance.now();
      const { id, duplicate } = await store.receivedMas.record(maFile({ rows }));
      const ms = performance.now() - t0;
      t.diagnostic(`${engine.name}: recorded 100,000 MA rows in ${ms.toFixed(0)} ms`);
      assert.equal(duplicate, false);
      assert.equal((await store.receivedMas.get(id))?.rowCount, 100_000);
      const t1 = performance.now();
      const back = await store.receivedMas.rows(id);
      t.diagnostic(`${engine.name}: read them back in ${(performance.now() - t1).toFixed(0)} ms`);
      assert.equal(back.length, 100_000);
      assert.deepEqual(back[99_999], rows[99_999]);
      assert.deepEqual(back[12_345], rows[12_345]);
    });

    test('TMAD Table 5.9 General column: equal counter within 60 days rejected, older accepted', async () => {
      const k = key('MCF');
      const t0 = new Date('2021-03-01T12:00:00.000Z');
      const c = store.counters;
      assert.equal(await c.acceptIfUnseen(k, 7n, t0), true, 'no stored counter: accept (5.9.5 option 2)');
      assert.equal(await c.acceptIfUnseen(k, 7n, t0), false, 'replay');
      assert.equal(await c.acceptIfUnseen(k, 8n, t0), true, 'different counter');
      assert.equal(
        await c.acceptIfUnseen(k, 6n, t0),
        true,
        'a smaller, unseen counter is fine in the General column',
      );
      assert.equal(await c.acceptIfUnseen(k, 7n, new Date(t0.getTime() + 59 * DAY)), false, 'day 59');
      assert.equal(
        await c.acceptIfUnseen(k, 7n, new Date(t0.getTime() + 60 * DAY)),
        false,
        'exactly 60 days: still blocked',
      );
      const later = new Date(t0.getTime() + 60 * DAY + 1);
      assert.equal(await c.acceptIfUnseen(k, 7n, later), true, 'older than 60 days: accepted');
      assert.equal(
        await c.acceptIfUnseen(k, 7n, new Date(later.getTime() + DAY)),
        false,
        'stored again on accept',
      );
      assert.equal(
        await c.acceptIfUnseen(k, 8n, new Date(t0.getTime() + 10 * DAY), 5),
        true,
        'windowDays = 5',
      );
      const listed = await c.list(k);
      assert.deepEqual(listed, [
        { counter: 6n, storedAt: t0 },
        { counter: 8n, storedAt: new Date(t0.getTime() + 10 * DAY) },
        { counter: 7n, storedAt: later },
      ]);
      // every part of the key separates counters
      assert.equal(await c.acceptIfUnseen({ ...k, fileType: 'MGF' }, 7n, later), true);
      assert.equal(await c.acceptIfUnseen({ ...k, partyId: 'other' }, 7n, later), true);
      assert.equal(await c.acceptIfUnseen({ ...k, authenticator: uniq('S1SP') }, 7n, later), true);
    });

    test('TMAD Table 5.9 S1SP column: only a strictly greater counter is accepted', async () => {
      const k = key('MVF');
      const c = store.counters;
      const t0 = new Date('2021-03-01T00:00:00Z');
      assert.equal(await c.acceptIfGreater(k, 9n, t0), true, 'none stored');
      assert.equal(await c.acceptIfGreater(k, 9n, t0), false, 'equal');
      assert.equal(await c.acceptIfGreater(k, 8n, t0), false, 'smaller');
      const t1 = new Date('2021-03-02T00:00:00Z');
      assert.equal(await c.acceptIfGreater(k, 10n, t1), true, '10 > 9 (not text order)');
      assert.deepEqual(await c.list(k), [{ counter: 10n, storedAt: t1 }]);
      assert.equal(await c.acceptIfGreater(k, 100n, t1), true);
      assert.equal(await c.acceptIfGreater(k, 99n, t1), false);
      const zero = key('SCF');
      assert.equal(await c.acceptIfGreater(zero, 0n, t0), true, 'zero is a valid first counter');
      assert.equal(await c.acceptIfGreater(zero, 0n, t0), false);
    });

    test('counters near 2^64-1 are exact (beyond double precision)', async () => {
      const c = store.counters;
      const top = COUNTER_MAX;
      assert.equal(top, 18446744073709551615n);
      const g = key('MEF');
      assert.equal(await c.acceptIfUnseen(g, top - 1n, new Date()), true);
      assert.equal(
        await c.acceptIfUnseen(g, top, new Date()),
        true,
        '2^64-1 differs from 2^64-2 (same double)',
      );
      assert.equal(await c.acceptIfUnseen(g, top, new Date()), false);
      assert.equal(
        await c.acceptIfUnseen(g, 2n ** 63n, new Date()),
        true,
        '2^63 does not fit a signed int64',
      );
      assert.deepEqual((await c.list(g)).map((x) => x.counter).sort(), [2n ** 63n, top - 1n, top].sort());
      const s = key('COF');
      assert.equal(await c.acceptIfGreater(s, top - 2n, new Date()), true);
      assert.equal(await c.acceptIfGreater(s, top - 3n, new Date()), false);
      assert.equal(await c.acceptIfGreater(s, top - 1n, new Date()), true);
      assert.equal(await c.acceptIfGreater(s, top, new Date()), true);
      assert.equal(await c.acceptIfGreater(s, top, new Date()), false);
      assert.equal((await c.list(s))[0]!.counter, top);
      await assert.rejects(c.acceptIfUnseen(g, top + 1n, new Date()), RangeError);
      await assert.rejects(c.acceptIfGreater(s, -1n, new Date()), RangeError);
      await assert.rejects(c.acceptIfUnseen({ ...g, fileType: 'XYZ' as never }, 1n, new Date()), TypeError);
    });

    test('concurrent acceptIfUnseen of the same counter accepts exactly once (two connections pools)', async () => {
      const other = await openStore(engine.opts());
      try {
        const k = key('MGF');
        const now = new Date();
        const results = await Promise.all(
          Array.from({ length: 24 }, (_, i) => (i % 2 ? other : store).counters.acceptIfUnseen(k, 42n, now)),
        );
        assert.equal(results.filter(Boolean).length, 1);
        const g = key('SCF');
        const counters = Array.from({ length: 24 }, (_, i) => BigInt((i * 7) % 24));
        const greater = await Promise.all(
          counters.map((n, i) => (i % 2 ? other : store).counters.acceptIfGreater(g, n, now)),
        );
        assert.ok(greater.filter(Boolean).length >= 1);
        assert.deepEqual(
          (await store.counters.list(g)).map((x) => x.counter),
          [23n],
        );
      } finally {
        await other.close();
      }
    });

    test('incidents: raise and list by party and since; Dates and details round-trip', async () => {
      const party = uniq('RP');
      const base = {
        kind: 'authentication-failure',
        summary: 'TMAD 5.9.5: MCF counter replayed',
        fileName: 'MCF_0001.xml',
        step: '5.9.5',
        party,
        assignee: 'ResponsibleSupplier' as const,
        details: { counter: '42', nested: [1, 'two', null] },
      };
      const t1 = new Date('2021-04-01T10:00:00.001Z');
      const t2 = new Date('2021-04-02T10:00:00.000Z');
      const i1 = await store.incidents.raise({
        ...base,
        category: 2,
        raisedAt: t2,
        targetResponseBy: new Date(t2.getTime() + 3_600_000),
        targetResolutionBy: new Date(t2.getTime() + 86_400_000),
      });
      const i2 = await store.incidents.raise({
        ...base,
        category: 5,
        fileName: null,
        step: null,
        assignee: null,
        details: 'plain string',
        raisedAt: t1,
        targetResponseBy: t1,
        targetResolutionBy: t1,
      });
      const listed = await store.incidents.list({ party });
      assert.deepEqual(
        listed.map((i) => i.id),
        [i2, i1],
      );
      assert.deepEqual(listed[1], {
        id: i1,
        ...base,
        category: 2,
        raisedAt: t2,
        targetResponseBy: new Date(t2.getTime() + 3_600_000),
        targetResolutionBy: new Date(t2.getTime() + 86_400_000),
      });
      assert.equal(listed[0]!.details, 'plain string');
      assert.equal(listed[0]!.assignee, null);
      assert.deepEqual(
        (await store.incidents.list({ party, since: t2 })).map((i) => i.id),
        [i1],
      );
      assert.ok((await store.incidents.list()).length >= 2);
      await assert.rejects(
        store.incidents.raise({
          ...base,
          category: 6 as never,
          raisedAt: t1,
          targetResponseBy: t1,
          targetResolutionBy: t1,
        }),
      );
    });

    const verdictFor = (counter: string): AuthenticationVerdict => ({
      accepted: true,
      fileName: 'MCF_70-B3-D5-1F-30-10-00-01_7_X.xml',
      fileType: 'MCF',
      authenticator: 'dco',
      column: 'general',
      stepsPassed: ['5.9.1', '5.9.2', '5.9.3', '5.9.4', '5.9.5'],
      failedStep: null,
      problems: [],
      header: {
        rootElement: 'MigrationCommon',
        groupId: 'AA',
        creatorId: '70-B3-D5-1F-30-10-00-01',
        counterPartyId: '70-B3-D5-1F-30-10-00-01',
        counter,
        mcfCounter: counter,
      },
      signer: { issuerName: 'CN=x', serialNumber: '1', entityId: '70-B3-D5-1F-30-10-00-01', role: 'x' },
      incidentId: null,
    });
    const accepted = (k: CounterKey, counter: bigint, sha256: string): AcceptedFile => ({
      authenticator: k.authenticator,
      sha256,
      fileType: k.fileType,
      counter,
      partyId: k.partyId,
      fileName: 'MCF_70-B3-D5-1F-30-10-00-01_7_X.xml',
      acceptedAt: new Date('2021-01-05T10:00:00.000Z'),
      verdict: verdictFor(counter.toString()),
    });

    test('TMAD 5.9.5: the accepted file and its Stored Counter commit in one transaction; find returns the verdict', async () => {
      const k = key();
      const h = sha(uniq('file'));
      const t0 = new Date('2021-01-05T10:00:00.000Z');
      await store.acceptedFiles.transaction(async (tx) => {
        assert.equal(await tx.counters.acceptIfUnseen(k, 7n, t0), true);
        await tx.recordAccepted(accepted(k, 7n, h));
      });
      assert.deepEqual(
        (await store.counters.list(k)).map((x) => x.counter),
        [7n],
      );
      const found = await store.acceptedFiles.find(k.authenticator, h.toUpperCase());
      assert.deepEqual(found, accepted(k, 7n, h));
      assert.equal(await store.acceptedFiles.find('someone-else', h), undefined, 'per Authenticator');
      assert.equal(await store.acceptedFiles.find(k.authenticator, sha('other')), undefined);
      assert.equal((await store.stats()).acceptedFiles >= 1, true);
    });

    test('TMAD 5.9.5: a failed accepted-file insert rolls the Stored Counter back (both columns)', async () => {
      const k = key();
      const h = sha(uniq('file'));
      const t0 = new Date('2021-01-05T10:00:00.000Z');
      await store.acceptedFiles.transaction(async (tx) => {
        await tx.counters.acceptIfUnseen(k, 7n, t0);
        await tx.recordAccepted(accepted(k, 7n, h));
      });
      // The verdict insert fails (the same bytes are already recorded): the new counter 8 is not kept.
      await assert.rejects(
        store.acceptedFiles.transaction(async (tx) => {
          assert.equal(await tx.counters.acceptIfUnseen(k, 8n, t0), true);
          assert.equal(await tx.counters.acceptIfGreater(k, 8n, t0), true);
          await tx.recordAccepted(accepted(k, 8n, h));
        }),
      );
      assert.deepEqual(
        (await store.counters.list(k)).map((x) => x.counter),
        [7n],
        'counter 8 rolled back in both columns',
      );
      // A bad row (not a hex digest) fails before the commit too.
      await assert.rejects(
        store.acceptedFiles.transaction(async (tx) => {
          await tx.counters.acceptIfUnseen(k, 9n, t0);
          await tx.recordAccepted(accepted(k, 9n, 'not-a-digest'));
        }),
        /sha256 must be 64 hex digits/,
      );
      // Any failure of the work rolls back; the store stays usable afterwards.
      await assert.rejects(
        store.acceptedFiles.transaction(async (tx) => {
          await tx.counters.acceptIfUnseen(k, 10n, t0);
          throw new Error('killed');
        }),
        /killed/,
      );
      assert.deepEqual(
        (await store.counters.list(k)).map((x) => x.counter),
        [7n],
      );
      assert.equal(await store.counters.acceptIfUnseen(k, 8n, t0), true, '8 was never stored');
    });

    test('TMAD 4.8(a): planning records append, round-trip (dates, booleans, JSON) and filter', async () => {
      const supplierId = `70-B3-D5-1F-30-00-${crypto.randomBytes(1).toString('hex').toUpperCase()}-01`;
      const period = '2027-02-01';
      const base = {
        kind: 'demand' as const,
        supplierId,
        period,
        fileName: 'DMD.csv',
        sha256: sha('x'),
        problems: [],
        details: { note: 'ü' },
      };
      const rows = [{ smso: 'CGI', distributor: '12', date: '2027-02-01', quantity: 120 }];
      const at = new Date('2027-01-05T09:59:59.123Z');
      const a = await store.planning.record({ ...base, at, onTime: true, outcome: 'accepted', rows });
      const b = await store.planning.record({
        ...base,
        at: new Date('2027-01-05T10:00:01Z'),
        onTime: false,
        outcome: 'accepted',
        rows: [],
      });
      assert.ok(b > a);
      const got = await store.planning.list({ kind: 'demand', period, supplierId });
      assert.deepEqual(
        got.map((r) => [r.id, r.onTime, r.at.toISOString(), r.rows, r.details]),
        [
          [a, true, at.toISOString(), rows, { note: 'ü' }],
          [b, false, '2027-01-05T10:00:01.000Z', [], { note: 'ü' }],
        ],
      );
      assert.ok((await store.planning.suppliers()).includes(supplierId));
      assert.deepEqual(await store.planning.list({ kind: 'forecast', supplierId }), []);
    });
  });
}

// ---- the engines ----------------------------------------------------------------------------

// Probe before registering any test: node:test starts running registered tests while this module
// still awaits, and SQLite's synchronous bulk insert would starve the probe's connect timer.
const pgProblem = await probePg(PG_URL);

let sqliteDir = '';
storeSuite(
  {
    name: 'sqlite',
    opts: () => ({ url: '', dataDir: sqliteDir }),
    async setup() {
      sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-store-'));
    },
    async teardown() {
      fs.rmSync(sqliteDir, { recursive: true, force: true });
    },
  },
  false,
);

const pgSchema = `s1mig_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
if (pgProblem && process.env.CI) {
  test(`PostgreSQL at ${redactUrl(PG_URL)} is reachable (required when CI is set)`, () => {
    assert.fail(`PostgreSQL unreachable at ${redactUrl(PG_URL)}: ${pgProblem}`);
  });
}
storeSuite(
  {
    name: 'postgres',
    opts: () => ({ url: PG_URL, pgSchema }),
    async setup() {},
    async teardown() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${pgSchema}" cascade`);
      } finally {
        await client.end();
      }
    },
  },
  pgProblem
    ? `PostgreSQL unreachable at ${redactUrl(PG_URL)} (${pgProblem}); set S1MIG_TEST_PG_URL to run these`
    : false,
);

// ---- configuration (engine-independent) -----------------------------------------------------

describe('store configuration', () => {
  test('default: SQLite at ./data/s1mig.sqlite relative to cwd; directory created on open', async () => {
    const saved = process.env.S1MIG_DATABASE_URL;
    delete process.env.S1MIG_DATABASE_URL;
    try {
      assert.deepEqual(resolveStoreLocation(), {
        kind: 'sqlite',
        file: path.resolve('data', 's1mig.sqlite'),
      });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-store-cfg-'));
      try {
        const s = await openStore({ dataDir: path.join(dir, 'nested', 'data') });
        assert.equal(s.kind, 'sqlite');
        await s.close();
        await s.close(); // idempotent
        assert.ok(fs.existsSync(path.join(dir, 'nested', 'data', 's1mig.sqlite')));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      if (saved !== undefined) process.env.S1MIG_DATABASE_URL = saved;
    }
  });

  test('S1MIG_DATABASE_URL chooses the engine; bad URLs and schema names are refused', () => {
    assert.equal(resolveStoreLocation({ url: 'postgres://u:secret@h/db' }).kind, 'postgres');
    assert.equal(resolveStoreLocation({ url: 'postgresql://h/db', pgSchema: 'x_1' }).kind, 'postgres');
    assert.deepEqual(resolveStoreLocation({ url: 'sqlite::memory:' }), { kind: 'sqlite', file: ':memory:' });
    assert.throws(
      () => resolveStoreLocation({ url: 'mysql://u:secret@h/db' }),
      (e: Error) => {
        assert.ok(e instanceof StoreError);
        assert.ok(!e.message.includes('secret'), 'password never printed');
        return true;
      },
    );
    assert.throws(() => resolveStoreLocation({ url: 'postgres://h/db', pgSchema: 'x"; drop' }), StoreError);
    assert.equal(redactUrl('postgres://user:p%40ss@host:5432/db'), 'postgres://user:***@host:5432/db');
    assert.equal(redactUrl('postgres://user@host/db'), 'postgres://user@host/db');
  });

  test('a file that is not SQLite fails with a StoreError naming the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-store-notdb-'));
    try {
      const file = path.join(dir, 's1mig.sqlite');
      fs.writeFileSync(file, 'not a database '.repeat(40));
      await assert.rejects(openStore({ url: `sqlite:${file}` }), (e: Error) => {
        assert.ok(e instanceof StoreError, String(e));
        assert.ok(e.message.includes(file), e.message);
        assert.match(e.message, /not a database/);
        return true;
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unreachable PostgreSQL fails with a StoreError naming the (masked) URL', async () => {
    await assert.rejects(openStore({ url: 'postgres://u:topsecret@127.0.0.1:1/none' }), (e: Error) => {
      assert.ok(e instanceof StoreError, String(e));
      assert.match(e.message, /cannot connect to PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/none/);
      return true;
    });
  });
});

test('TMAD Table 10.2: the stored-counter CHECK of migration 001 lists exactly the six file types', () => {
  assert.deepEqual([...FILE_TYPES_001].sort(), [...MIGRATION_FILE_TYPES].sort());
});
