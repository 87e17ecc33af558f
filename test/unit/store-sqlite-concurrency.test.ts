// The store on SQLite under concurrent commands: another process holding the write lock makes a
// command wait (busy timeout, default 60 s) instead of failing with "database is locked" — TMAD 5.9:
// `file authenticate` must not be stopped by `ma open` storing a large MA (MAM 7.2). A received MA is
// stored in short write transactions, yet readers never see half a receipt, an incomplete receipt is
// replaced on retry, and an identical receipt stays idempotent.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { DEFAULT_BUSY_TIMEOUT_MS, openStore } from '../../src/store/index.js';
import { MA_ROW_TX_BATCH } from '../../src/store/repositories/received-ma.js';
import type { ReceivedMaFile, ReceivedMaRow } from '../../src/store/index.js';
import type { IncidentRecord } from '../../src/core/incidents/repository.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-store-conc-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

function dbFile(): string {
  return path.join(dir, `db${++n}.sqlite`);
}

function maFile(rows: number, tag = String(n)): ReceivedMaFile {
  const rs: ReceivedMaRow[] = Array.from({ length: rows }, (_, i) => ({
    line: i + 2,
    mpan: '1200000000009',
    mprn: null,
    migrationWeek: '2021-W05',
    migrateOn: null,
    priority: false,
    fields: { MPAN: '1200000000009' },
  }));
  return {
    fileName: `MA_${tag}.csv`,
    sha256: crypto.createHash('sha256').update(tag).digest('hex'),
    userId: '70-B3-D5-1F-30-00-A0-08',
    smsoCode: 'CGI',
    commissionedByDcc: true,
    receivedAt: new Date('2021-01-05T09:59:59Z'),
    outcome: 'accepted',
    errors: [],
    warnings: [],
    rows: rs,
  };
}

/** Another process takes the write lock (BEGIN IMMEDIATE), holds it for ms, then commits. */
async function holdWriteLock(file: string, ms: number): Promise<{ done: Promise<void> }> {
  const code = `
    const SQLite = require(${JSON.stringify(require_('better-sqlite3'))});
    const db = new SQLite(${JSON.stringify(file)});
    db.pragma('journal_mode = WAL');
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});
  `;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`lock holder exited ${c}`)));
  });
  return { done: new Promise((resolve) => child.once('exit', () => resolve())) };
}

function require_(m: string): string {
  return path.join(process.cwd(), 'node_modules', m);
}

const incident: Omit<IncidentRecord, 'id'> = {
  category: 3,
  kind: 'authentication-failed',
  summary: 'file rejected at 5.9.1',
  fileName: 'x.xml',
  step: '5.9.1',
  party: '70-B3-D5-1F-30-00-A0-08',
  raisedAt: new Date('2021-01-05T10:00:00Z'),
  targetResponseBy: new Date('2021-01-05T12:00:00Z'),
  targetResolutionBy: new Date('2021-01-06T10:00:00Z'),
  assignee: null,
  details: {},
};

test('TMAD 5.9: the default SQLite busy timeout is 60 s', () => {
  assert.equal(DEFAULT_BUSY_TIMEOUT_MS, 60_000);
});

test('TMAD 5.9: a write while another process holds the SQLite write lock waits for it (busy timeout), not "database is locked"', async () => {
  const file = dbFile();
  await (await openStore({ url: `sqlite:${file}` })).close();
  const store = await openStore({ url: `sqlite:${file}` });
  try {
    const { done } = await holdWriteLock(file, 1500);
    const t0 = Date.now();
    const id = await store.incidents.raise(incident);
    assert.equal(typeof id, 'number');
    assert.ok(Date.now() - t0 >= 1000, `waited ${Date.now() - t0} ms`);
    await done;
  } finally {
    await store.close();
  }
});

test('TMAD 5.9: the busy timeout is configurable (S1MIG_DB_BUSY_TIMEOUT_MS / busyTimeoutMs): a short one fails', async () => {
  const file = dbFile();
  await (await openStore({ url: `sqlite:${file}` })).close();
  const store = await openStore({ url: `sqlite:${file}`, busyTimeoutMs: 100 });
  try {
    const { done } = await holdWriteLock(file, 1500);
    await assert.rejects(store.incidents.raise(incident), /database is locked/);
    await done;
  } finally {
    await store.close();
  }
});

test('MAM 7.2: a receipt stored in short transactions is never seen half-stored; another process writes in between', async () => {
  const file = dbFile();
  const store = await openStore({ url: `sqlite:${file}` });
  const reader = await openStore({ url: `sqlite:${file}` });
  // Another process writing small transactions all along (as `file authenticate` stores counters).
  const code = `
    const SQLite = require(${JSON.stringify(require_('better-sqlite3'))});
    const db = new SQLite(${JSON.stringify(file)});
    db.pragma('busy_timeout = 60000');
    const stop = Date.now() + 20000;
    process.stdout.write('start\\n');
    const tick = () => {
      db.exec('BEGIN IMMEDIATE; COMMIT');
      process.stdout.write(Date.now() + '\\n');
      if (Date.now() < stop) setTimeout(tick, 5); else db.close();
    };
    tick();
    process.stdin.on('data', () => process.exit(0));
  `;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout.once('data', r));
  try {
    const rows = MA_ROW_TX_BATCH * 3 + 17;
    const ma = maFile(rows, 'big');
    let finished = false;
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const t0 = Date.now();
    let t1 = 0;
    const writing = store.receivedMas.record(ma).finally(() => {
      finished = true;
      t1 = Date.now();
    });
    let observations = 0;
    while (!finished) {
      // Reads (WAL) never wait for the writer; they see no receipt or the complete one.
      const list = await reader.receivedMas.list();
      for (const s of list) {
        assert.equal(s.rowCount, rows);
        assert.equal((await reader.receivedMas.rows(s.id)).length, rows);
      }
      if (list.length === 0) assert.deepEqual(await reader.receivedMas.rows(1), []);
      observations++;
      await new Promise((r) => setTimeout(r, 1));
    }
    const r = await writing;
    assert.equal(r.duplicate, false);
    assert.ok(observations > 0);
    await new Promise((r) => setTimeout(r, 50));
    const commits = out
      .split('\n')
      .map(Number)
      .filter((t) => t > t0 && t < t1);
    assert.ok(commits.length > 0, 'the other process could not write while the receipt was being stored');
    assert.equal((await reader.receivedMas.rows(r.id)).length, rows);
    // Idempotent receipt: the same content again is the same receipt.
    assert.deepEqual(await store.receivedMas.record(ma), { id: r.id, duplicate: true });
  } finally {
    child.stdin.end('x');
    await store.close();
    await reader.close();
  }
});

test('MAM 7.2: an incomplete receipt (a crash while storing) is invisible and replaced on retry', async () => {
  const file = dbFile();
  const store = await openStore({ url: `sqlite:${file}` });
  try {
    const ma = maFile(5, 'crashed');
    const raw = new SQLite(file);
    const id = raw
      .prepare(
        `insert into received_ma (file_name, sha256, user_id, smso_code, commissioned_by_dcc, received_at, outcome, errors, warnings, row_count, status)
         values ('old.csv', ?, 'u', null, null, '2021-01-01T00:00:00.000Z', 'accepted', '[]', '[]', 5, 'storing')`,
      )
      .run(ma.sha256).lastInsertRowid;
    raw
      .prepare(
        `insert into received_ma_row (ma_id, line, mpan, mprn, migration_week, migrate_on, priority, fields) values (?, 2, null, null, null, null, 0, '{}')`,
      )
      .run(id);
    raw.close();
    assert.deepEqual(await store.receivedMas.list(), []);
    assert.equal(await store.receivedMas.get(Number(id)), undefined);
    assert.deepEqual(await store.receivedMas.rows(Number(id)), []);
    const r = await store.receivedMas.record(ma);
    assert.equal(r.duplicate, false);
    assert.notEqual(r.id, Number(id));
    assert.equal((await store.receivedMas.list()).length, 1);
    assert.equal((await store.receivedMas.get(r.id))?.fileName, 'MA_crashed.csv');
    assert.equal((await store.receivedMas.rows(r.id)).length, 5);
    assert.equal((await store.stats()).receivedMaRows, 5);
  } finally {
    await store.close();
  }
});
