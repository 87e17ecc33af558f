// One store suite, run on embedded SQLite (a fresh directory) and on PostgreSQL (S1MIG_TEST_PG_URL,
// default postgres://postgres@127.0.0.1:5432/test) in a schema unique to this run, dropped at the end.
// PostgreSQL unreachable: its half is skipped, or a failing test stands in for it when CI is set.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  knownMigrations,
  openStore,
  redactUrl,
  type OpenStoreOptions,
  type Store,
} from '../../src/store/index.js';

export const PG_URL = process.env.S1MIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why PostgreSQL at `url` cannot be used, or undefined when it answers. */
export async function probePg(url: string = PG_URL): Promise<string | undefined> {
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

/** A suite over one engine: how to open the store, how to clean up after it, and whether to skip. */
export type EngineSuite = (
  name: 'sqlite' | 'postgres',
  opts: () => OpenStoreOptions,
  teardown: () => Promise<void>,
  skip: string | false,
) => void;

/** Register `suite` on SQLite and on PostgreSQL; `tag` names the temporary directory and schema. */
export async function onEveryEngine(tag: string, suite: EngineSuite): Promise<void> {
  // Probe before registering any test: node:test starts running registered tests while the module
  // still awaits.
  const pgProblem = await probePg(PG_URL);
  let sqliteDir = '';
  suite(
    'sqlite',
    () => {
      sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), `s1mig-${tag}-`));
      return { url: '', dataDir: sqliteDir };
    },
    async () => fs.rmSync(sqliteDir, { recursive: true, force: true }),
    false,
  );
  const pgSchema = `s1mig_${tag.replace(/[^A-Za-z0-9_]/g, '_')}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
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
}

/**
 * `describe(title on engine)` on SQLite and on PostgreSQL with a store opened before the suite's tests
 * and closed (and its directory or schema dropped) after them, and, when `migration` is given, a first
 * test that it is known and applied. `body` registers the tests; the `store` it gets stands for the
 * suite's open store (usable inside the tests, not while registering them).
 */
export async function describeOnEveryStore(
  tag: string,
  title: string,
  migration: string | null,
  body: (store: Store, engine: 'sqlite' | 'postgres') => void,
  setUp?: (store: Store) => Promise<void>,
): Promise<void> {
  await onEveryEngine(tag, (name, opts, teardown, skip) => {
    describe(`${title} on ${name}`, { skip }, () => {
      let opened: Store | undefined;
      before(async () => {
        opened = await openStore(opts());
        await setUp?.(opened);
      });
      after(async () => {
        await opened?.close();
        await teardown();
      });
      const store = new Proxy({} as Store, {
        get(_t, prop) {
          if (!opened) throw new Error(`${title}: the store is used before the suite opened it`);
          const v = Reflect.get(opened, prop) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(opened) : v;
        },
      });
      if (migration)
        test(`migration ${migration} is applied`, async () => {
          assert.ok(knownMigrations().includes(migration));
          assert.ok((await store.migrationStatus()).find((m) => m.name === migration)?.executedAt);
        });
      body(store, name);
    });
  });
}
