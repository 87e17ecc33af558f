// s1mig db migrate|status through the real CLI: SQLite default at ./data/s1mig.sqlite (cwd), and
// PostgreSQL via S1MIG_DATABASE_URL in a unique schema (skipped when unreachable, unless CI is set).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runCli } from '../support/cli.js';

/** Every store migration, in order (a new migration is added here too). */
const MIGRATIONS = [
  '001_initial',
  '002_received_ma_status',
  '003_accepted_files',
  '004_reference_data',
  '005_smso_inventory',
  '006_planning',
  '007_rp_outcomes',
  '008_dormant_responses',
  '009_stop_requests',
  '010_dormant_notices',
  '011_dco',
  '012_s1sp',
  '013_s1sp_keys',
  '014_commissioning',
  '015_week',
];

const PG_URL = process.env.S1MIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-db-cli-'));
const schema = `s1mig_cli_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
const sqliteEnv = { S1MIG_DATABASE_URL: '', S1MIG_PG_SCHEMA: '' };

async function pgClient(): Promise<pg.Client | undefined> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return c;
  } catch {
    return undefined;
  }
}
const probe = await pgClient();
await probe?.end();

after(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  const c = await pgClient();
  if (c) {
    await c.query(`drop schema if exists "${schema}" cascade`);
    await c.end();
  }
});

test('db status on a fresh directory: no database yet, nothing created', async () => {
  const r = await runCli(['db', 'status', '--json'], { cwd: tmp, env: sqliteEnv });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.engine, 'sqlite');
  assert.equal(out.exists, false);
  assert.equal(out.upToDate, false);
  assert.deepEqual(out.pending, MIGRATIONS);
  assert.equal(fs.existsSync(path.join(tmp, 'data')), false);
});

test('db migrate creates ./data/s1mig.sqlite and applies the migrations once', async () => {
  const r = await runCli(['db', 'migrate', '--json'], { cwd: tmp, env: sqliteEnv });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.engine, 'sqlite');
  assert.equal(fs.realpathSync(out.location), fs.realpathSync(path.join(tmp, 'data', 's1mig.sqlite')));
  assert.deepEqual(out.appliedNow, MIGRATIONS);
  assert.ok(out.migrations.every((m: { executedAt: string | null }) => m.executedAt !== null));

  const again = await runCli(['db', 'migrate'], { cwd: tmp, env: sqliteEnv });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /applied now: none/);

  const status = await runCli(['db', 'status', '--json'], { cwd: tmp, env: sqliteEnv });
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout);
  assert.equal(s.upToDate, true);
  assert.deepEqual(s.counts, {
    receivedMas: 0,
    receivedMaRows: 0,
    storedCounters: 0,
    incidents: 0,
    acceptedFiles: 0,
  });
  const text = await runCli(['db', 'status'], { cwd: tmp, env: sqliteEnv });
  assert.match(text.stdout, /schema: up to date/);
});

test('db: a bad database URL is a usage error (exit 2) that never prints the password', async () => {
  const r = await runCli(['db', 'status'], {
    cwd: tmp,
    env: { S1MIG_DATABASE_URL: 'mysql://u:hunter2@h/db' },
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unsupported database URL/);
  assert.ok(!r.stderr.includes('hunter2'));
  const down = await runCli(['db', 'migrate', '--url', 'postgres://u:hunter2@127.0.0.1:1/x'], { cwd: tmp });
  assert.equal(down.code, 2);
  assert.match(down.stderr, /cannot connect to PostgreSQL/);
  assert.ok(!down.stderr.includes('hunter2'));
});

test('db status / db migrate never print a password given as ?password= or user:pass@', async () => {
  for (const url of [
    'postgres://u@127.0.0.1:1/x?password=hunter2',
    'postgres://u:hunter2@127.0.0.1:1/x?sslpassword=hunter2',
  ]) {
    for (const cmd of ['status', 'migrate']) {
      const r = await runCli(['db', cmd, '--json'], { cwd: tmp, env: { S1MIG_DATABASE_URL: url } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /cannot connect to PostgreSQL at postgres:\/\/u/);
      assert.ok(!(r.stdout + r.stderr).includes('hunter2'), r.stderr);
    }
  }
  const bad = await runCli(['db', 'status'], {
    cwd: tmp,
    env: { S1MIG_DATABASE_URL: 'mysql://h/db?password=hunter2' },
  });
  assert.equal(bad.code, 2);
  assert.ok(!bad.stderr.includes('hunter2'));
});

test(
  'db migrate and status on PostgreSQL (S1MIG_DATABASE_URL, --pg-schema)',
  { skip: probe || process.env.CI ? false : `PostgreSQL unreachable at ${PG_URL}` },
  async () => {
    const env = { S1MIG_DATABASE_URL: PG_URL };
    const r = await runCli(['db', 'migrate', '--json', '--pg-schema', schema], { cwd: tmp, env });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.engine, 'postgres');
    assert.match(out.location, new RegExp(`schema ${schema}`));
    assert.deepEqual(out.appliedNow, MIGRATIONS);
    const s = await runCli(['db', 'status', '--json', '--pg-schema', schema], { cwd: tmp, env });
    assert.equal(s.code, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout).upToDate, true);
  },
);
