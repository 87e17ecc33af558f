// Bounded memory for the Migration Authorisation intake and tools (issue #10): the streaming
// validator, bounded error lists, the streamed zip entry, the header-only read after a failed
// signature, rows stored in batches. Large inputs are generated here, at test time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, openAsBlob, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { makeOpensslPki, type TestPki } from '../support/openssl-pki.js';
import { seal } from '../../src/supplier/ma-seal.js';
import { loadTrust, open } from '../../src/mcc/ma-intake.js';
import {
  MA_MAX_LINE_BYTES,
  MaValidator,
  validateMaStream,
  validateMigrationAuthorisation,
} from '../../src/core/formats/ma/index.js';
import { DigitLineIndex } from '../../src/core/formats/ma/line-index.js';
import { BoundedProblems } from '../../src/core/bounded-problems.js';
import { mpanWithCheckDigit } from '../../src/core/ids/index.js';
import { streamSingleEntryZip } from '../../src/lib/archive/zip.js';
import pg from 'pg';
import { openStore } from '../../src/store/index.js';
import type { TrustStore } from '../../src/core/pki/validity.js';

const SAMPLE = path.resolve('samples/ma/MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv');
const CSV_NAME = path.basename(SAMPLE);
const SAMPLE_TEXT = readFileSync(SAMPLE, 'latin1');
const [H1, H2, H3, ROW] = SAMPLE_TEXT.split('\n') as [string, string, string, string];
const HEADER = `${H1}\n${H2}\n${H3}\n`;
const AT = new Date('2019-04-08T09:00:00Z');
const NOW = new Date(Date.now() + 5 * 60_000);

/** A row of the sample with the i-th generated MPAN (valid check digit). */
function row(i: number): string {
  return ROW.replace(/^\d{13}/, mpanWithCheckDigit(`10${String(i).padStart(10, '0')}`));
}
/** n valid rows, then `bad` rows whose MPAN check digit is wrong (one MAM 7.2.3 error each). */
function bigMa(n: number, bad = 0): string {
  const parts = [HEADER];
  for (let i = 0; i < n; i++) parts.push(row(i), '\n');
  for (let i = 0; i < bad; i++) {
    const good = mpanWithCheckDigit(`20${String(i).padStart(10, '0')}`);
    const wrong = good.slice(0, 12) + String((Number(good[12]) + 1) % 10);
    parts.push(ROW.replace(/^\d{13}/, wrong), '\n');
  }
  return parts.join('');
}

let pki: TestPki;
let work: string;
let trust: TrustStore;
let signer: ReturnType<TestPki['leaf']>;

before(async () => {
  pki = makeOpensslPki();
  work = mkdtempSync(path.join(os.tmpdir(), 's1mig-ma-stream-'));
  trust = await loadTrust(pki.caBundlePath);
  signer = pki.leaf('MA Signer');
});
after(() => {
  pki.cleanup();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
async function sealedFrom(content: string) {
  const dir = path.join(work, `case-${++n}`);
  mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, CSV_NAME);
  writeFileSync(csv, content, 'latin1');
  return seal(csv, {
    key: signer.keyPem,
    cert: signer.certPem,
    outDir: path.join(dir, 'out'),
    at: NOW,
    allowInvalid: true,
  });
}
const openIt = (
  s: { zipPath: string; passwordFilePath: string; signaturePath: string },
  extra: object = {},
) =>
  open(s.zipPath, s.passwordFilePath, s.signaturePath, {
    trust,
    receivedAt: AT,
    at: NOW,
    requireCrl: false,
    ...extra,
  });

test('MAM 7.1, 7.2 streamed in chunks of any size, the report equals the whole-file one', () => {
  const text = `${SAMPLE_TEXT}${ROW}\r\nnot,a,row\n\u00e9,,\n`; // a duplicate, a CR LF, a short row, non-ASCII
  const whole = validateMigrationAuthorisation(Buffer.from(text, 'latin1'), {
    fileName: CSV_NAME,
    receivedAt: AT,
  });
  assert.ok(whole.errorCount >= 4);
  const bytes = Buffer.from(text, 'latin1');
  for (const size of [1, 2, 3, 7, 64, 1000]) {
    const v = new MaValidator({ fileName: CSV_NAME, receivedAt: AT, keepRows: true });
    for (let i = 0; i < bytes.length; i += size) v.write(bytes.subarray(i, i + size));
    assert.deepEqual(v.end(), whole, `chunks of ${size}`);
  }
});

test('MAM 7.1 an over-long line is one error naming the line and the limit; the next lines are still checked', async () => {
  const long = 'x'.repeat(MA_MAX_LINE_BYTES * 3 + 17);
  const text = `${HEADER}${row(1)}\n${long}\n${row(1)}\n${row(2)}\n`;
  const r = await validateMaStream(Readable.from([Buffer.from(text, 'latin1')]), { fileName: CSV_NAME });
  const over = r.errors.filter((e) => e.line === 5);
  assert.equal(over.length, 1);
  assert.equal(over[0]!.rule, 'MAM 7.1');
  assert.match(over[0]!.message, new RegExp(`line 5 is longer than ${MA_MAX_LINE_BYTES} bytes`));
  // Line numbering continues after the skipped line: the duplicate on line 6 names line 4.
  assert.ok(r.errors.some((e) => e.line === 6 && /also on line 4/.test(e.message)));
  assert.equal(r.errorCount, 2);
  assert.equal(r.rowCount, 4);
});

test('MAM 7.1 an over-long line without any LF (a 150 MB one) is one error in bounded memory', async () => {
  const mb = Buffer.alloc(1024 * 1024, 0x41);
  async function* source() {
    yield Buffer.from(HEADER);
    for (let i = 0; i < 150; i++) yield mb;
  }
  const before = process.memoryUsage().rss;
  const r = await validateMaStream(source(), { fileName: CSV_NAME });
  assert.equal(r.valid, false);
  assert.equal(r.errorCount, 1);
  assert.equal(r.errors[0]!.line, 4);
  assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'memory grew by less than 64 MB');
});

test('MAM 7.2.3 130,000 bad rows: the count is exact, 100 kept, the rest summarised per rule, no stack overflow', () => {
  const r = validateMigrationAuthorisation(bigMa(10, 130_000));
  assert.equal(r.errorCount, 130_000);
  assert.equal(r.errors.length, 100);
  assert.deepEqual(r.omittedErrors, [{ rule: 'MAM 7.2.3', count: 129_900 }]);
  assert.equal(r.rowCount, 130_010);
  assert.equal(r.validRowCount, 10);
});

test('MAM 7.2.3 duplicates across 300,000 rows are found with the compact index (leading zeros kept apart)', () => {
  const idx = new DigitLineIndex();
  assert.equal(idx.firstLineOrSet('0123', 1), undefined);
  assert.equal(idx.firstLineOrSet('123', 2), undefined);
  assert.equal(idx.firstLineOrSet('0123', 3), 1);
  const ref = new Map<string, number>();
  for (let i = 0; i < 300_000; i++) {
    const key = String((i * 7919) % 200_003).padStart(13, '9');
    const want = ref.get(key);
    if (want === undefined) ref.set(key, i);
    assert.equal(idx.firstLineOrSet(key, i), want);
  }
  const text = `${bigMa(50_000)}${row(49_999)}\n`;
  const r = validateMigrationAuthorisation(text);
  assert.equal(r.errorCount, 1);
  assert.match(r.errors[0]!.message, /also on line 50003/);
});

test('BoundedProblems.pushAll takes a list of a million problems (no spread, no stack overflow)', () => {
  const b = new BoundedProblems(3);
  b.pushAll(Array.from({ length: 1_000_000 }, (_, i) => ({ rule: i % 2 ? 'A' : 'B', message: 'm' })));
  assert.equal(b.count, 1_000_000);
  assert.equal(b.kept.length, 3);
  assert.equal(
    b.omitted.reduce((s, o) => s + o.count, 0),
    999_997,
  );
});

test('MAM 7.5.1 a zip made by 7zz (AES-256) streams chunk by chunk; the chunks are the file; stopping early is allowed', async (t) => {
  if (spawnSync('7zz', ['i'], { stdio: 'ignore' }).status !== 0) return t.skip('7zz not installed');
  const dir = path.join(work, '7zz');
  mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, CSV_NAME);
  writeFileSync(csv, bigMa(20_000), 'latin1');
  const zip = path.join(dir, 'x.zip');
  const z = spawnSync('7zz', ['a', '-tzip', '-mem=AES256', '-pSecret', zip, csv], { encoding: 'utf8' });
  assert.equal(z.status, 0, z.stderr);
  const blob = await openAsBlob(zip);
  const opts = { archiveName: 'x.zip', password: 'Secret', requireAes256: true };
  const md5 = await streamSingleEntryZip(blob, opts, async (info, chunks) => {
    assert.equal(info.name, CSV_NAME);
    const h = createHash('md5');
    let count = 0;
    for await (const c of chunks) {
      h.update(c);
      count++;
    }
    assert.ok(count > 1, 'more than one chunk');
    return h.digest('hex');
  });
  assert.equal(md5, createHash('md5').update(readFileSync(csv)).digest('hex'));
  const head = await streamSingleEntryZip(blob, opts, async (_info, chunks) => {
    for await (const c of chunks) return Buffer.from(c).subarray(0, 23).toString('latin1');
    return '';
  });
  assert.equal(head, H1);
  await assert.rejects(
    streamSingleEntryZip(blob, { ...opts, password: 'wrong' }, async (_i, chunks) => {
      for await (const _c of chunks) void _c;
    }),
    /wrong password/,
  );
});

test('MAM 7.5.3 / MAM 4 after a failed signature only the header is read: no validation of 13,000 bad rows, the rejection is recorded', async () => {
  const s = await sealedFrom(bigMa(10, 13_000));
  const sig = readFileSync(s.signaturePath);
  sig.writeUInt8(sig[sig.length - 3]! ^ 0xff, sig.length - 3); // the signature value: the password file is no longer signed
  writeFileSync(s.signaturePath, sig);
  const store = await openStore({ url: 'sqlite::memory:' });
  try {
    const r = await openIt(s, { store });
    assert.equal(r.outcome, 'rejected');
    assert.equal(r.stage, 'signature');
    assert.equal(r.report, undefined, 'the MA was not validated');
    assert.ok(
      r.errors.every((e) => e.rule.startsWith('MAM 4') || e.rule.startsWith('MAM 7.5')),
      JSON.stringify(r.errors),
    );
    assert.ok(r.errorCount < 5);
    const rec = await store.receivedMas.get(r.stored!.id);
    assert.equal(rec?.outcome, 'rejected');
    assert.equal(rec?.userId, H1);
    assert.equal(rec?.smsoCode, 'CGI');
  } finally {
    await store.close();
  }
});

// (130,000 bad rows through the validator alone: the test above; ma open at scale: bench/intake-memory.ts.)
test('MAM 7.2.3 ma open of 13,000 bad rows: exact count, 100 errors kept, the summary stored (KBs, not MBs)', async () => {
  const s = await sealedFrom(bigMa(10, 13_000));
  const store = await openStore({ url: 'sqlite::memory:' });
  try {
    const r = await openIt(s, { store });
    assert.equal(r.outcome, 'rejected');
    assert.equal(r.stage, 'validation');
    assert.equal(r.errorCount, 13_000);
    assert.equal(r.errors.length, 100);
    assert.deepEqual(r.omittedErrors, [{ rule: 'MAM 7.2.3', count: 12_900 }]);
    const rec = await store.receivedMas.get(r.stored!.id);
    assert.equal(rec?.errors.length, 101);
    assert.match(JSON.stringify(rec?.errors.at(-1)), /and 12,900 more errors of rule MAM 7\.2\.3 not listed/);
    assert.ok(JSON.stringify(rec?.errors).length < 64 * 1024);
  } finally {
    await store.close();
  }
});

test('MAM 7.2 an accepted MA of 5,000 rows (three store batches) is stored from a second streamed pass, every row, in line order', async () => {
  const s = await sealedFrom(bigMa(5_000));
  const store = await openStore({ url: 'sqlite::memory:' });
  try {
    const r = await openIt(s, { store, csvOutDir: path.join(work, 'out-5k') });
    assert.equal(r.outcome, 'accepted', JSON.stringify(r.errors.slice(0, 3)));
    assert.equal(r.report?.validRowCount, 5_000);
    assert.deepEqual(readFileSync(r.csvWritten!), Buffer.from(bigMa(5_000), 'latin1'));
    const rec = await store.receivedMas.get(r.stored!.id);
    assert.equal(rec?.rowCount, 5_000);
    const rows = await store.receivedMas.rows(r.stored!.id);
    assert.equal(rows.length, 5_000);
    assert.equal(rows[0]!.line, 4);
    assert.equal(rows[4_999]!.mpan, mpanWithCheckDigit(`10${String(4_999).padStart(10, '0')}`));
  } finally {
    await store.close();
  }
});

test('store: streamed rows that do not add up to the declared row count leave no receipt', async () => {
  const store = await openStore({ url: 'sqlite::memory:' });
  try {
    async function* batches() {
      yield [
        { line: 4, mpan: '1', mprn: null, migrationWeek: null, migrateOn: null, priority: false, fields: {} },
      ];
    }
    await assert.rejects(
      store.receivedMas.record({
        fileName: CSV_NAME,
        sha256: 'a'.repeat(64),
        userId: H1,
        smsoCode: 'CGI',
        commissionedByDcc: true,
        receivedAt: AT,
        outcome: 'accepted',
        errors: [],
        warnings: [],
        rowCount: 2,
        rows: batches(),
      }),
      /1 streamed but the receipt declares 2/,
    );
    assert.deepEqual(await store.receivedMas.list(), []);
  } finally {
    await store.close();
  }
});

test('MAM 7.5.1 (issue #10) a zip whose declared size is over the bound is refused before any byte is inflated', async (t) => {
  if (spawnSync('7zz', ['i'], { stdio: 'ignore' }).status !== 0) return t.skip('7zz not installed');
  const dir = path.join(work, '7zz-bound');
  mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, CSV_NAME);
  writeFileSync(csv, bigMa(4_000), 'latin1'); // about 3 MB
  const zip = path.join(dir, 'x.zip');
  const z = spawnSync('7zz', ['a', '-tzip', '-mem=AES256', '-pSecret', zip, csv], { encoding: 'utf8' });
  assert.equal(z.status, 0, z.stderr);
  let consumed = false;
  await assert.rejects(
    streamSingleEntryZip(
      await openAsBlob(zip),
      {
        archiveName: 'x.zip',
        password: 'Secret',
        requireAes256: true,
        limits: { maxEntryBytes: 1024 * 1024 },
      },
      async () => {
        consumed = true;
      },
    ),
    (e: Error & { code?: string }) =>
      e.code === 'entry-too-large' &&
      /declared uncompressed size \d+ bytes exceeds the limit of 1048576/.test(e.message),
  );
  assert.equal(consumed, false, 'the consumer was never called');
});

test('MAM 7.5.1 (issue #10) a zip whose headers understate the size: the inflater stops at the declared size', async (t) => {
  if (spawnSync('7zz', ['i'], { stdio: 'ignore' }).status !== 0) return t.skip('7zz not installed');
  const dir = path.join(work, '7zz-lie');
  mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, CSV_NAME);
  writeFileSync(csv, bigMa(4_000), 'latin1');
  const zip = path.join(dir, 'x.zip');
  const z = spawnSync('7zz', ['a', '-tzip', '-mem=AES256', '-pSecret', zip, csv], { encoding: 'utf8' });
  assert.equal(z.status, 0, z.stderr);
  // Rewrite the uncompressed size in the local header (offset 22) and the central directory (offset 24).
  const bytes = readFileSync(zip);
  const declared = 500_000;
  const local = 0;
  assert.equal(bytes.readUInt32LE(local), 0x04034b50);
  const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const central = bytes.readUInt32LE(eocd + 16);
  assert.equal(bytes.readUInt32LE(central), 0x02014b50);
  assert.ok(bytes.readUInt32LE(central + 24) > 2 * declared, `${bytes.readUInt32LE(central + 24)}`);
  bytes.writeUInt32LE(declared, local + 22);
  bytes.writeUInt32LE(declared, central + 24);
  let seen = 0;
  await assert.rejects(
    streamSingleEntryZip(
      new Uint8Array(bytes),
      { archiveName: 'x.zip', password: 'Secret', requireAes256: true, limits: { maxRatio: 1e6 } },
      async (_i, chunks) => {
        for await (const c of chunks) seen += c.length;
      },
    ),
    // Whichever notices first: zip.js's own size check, or our cap at the declared size.
    (e: Error & { code?: string }) =>
      e.code === 'corrupt' &&
      /inflated size differs from the declared size|declared uncompressed size \(500000 bytes\): the header lies/.test(
        e.message,
      ),
  );
  assert.ok(seen <= declared, `handed on ${seen} bytes, at most the declared ${declared}`);
});

test('MAM 7.2 (issue #10) an accepted MA of 5,000 rows (three store batches) streamed into PostgreSQL: every row, in line order', async (t) => {
  const url = process.env.S1MIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const pgSchema = `mafix_stream_${process.pid}_${Date.now()}`;
  let store;
  try {
    store = await openStore({ url, pgSchema });
  } catch (e) {
    if (process.env.CI) throw e;
    return t.skip(`PostgreSQL unreachable (${(e as Error).message}); set S1MIG_TEST_PG_URL to run this`);
  }
  try {
    const s = await sealedFrom(bigMa(5_000));
    const r = await openIt(s, { store });
    assert.equal(r.outcome, 'accepted', JSON.stringify(r.errors.slice(0, 3)));
    const rec = await store.receivedMas.get(r.stored!.id);
    assert.equal(rec?.rowCount, 5_000);
    assert.equal(rec?.outcome, 'accepted');
    const rows = await store.receivedMas.rows(r.stored!.id);
    assert.equal(rows.length, 5_000);
    assert.deepEqual(
      rows.slice(0, 3).map((x) => x.line),
      [4, 5, 6],
    );
    assert.equal(rows[4_999]!.mpan, mpanWithCheckDigit(`10${String(4_999).padStart(10, '0')}`));
    // The same bytes again: the same receipt (idempotent), no second copy of the rows.
    const again = await openIt(s, { store });
    assert.deepEqual(again.stored, { id: r.stored!.id, duplicate: true });
  } finally {
    await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists "${pgSchema}" cascade`);
    await client.end();
  }
});
