// MAM 7.5 secure exchange: seal (supplier) and open (DCC MCC), the bounded zip reader, the password
// file (Table 7.5.1) and detached CMS signatures (MAM 7.5.3, TMAD 4.39, MAM 4 reject on failure).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeOpensslPki, type TestPki } from '../support/openssl-pki.js';
import { seal, sealedFileNames } from '../../src/supplier/ma-seal.js';
import { conventionalPaths, loadTrust, open } from '../../src/mcc/ma-intake.js';
import {
  readZip,
  writeEncryptedZip,
  ZipError,
  DEFAULT_ZIP_LIMITS,
  unsafeEntryName,
} from '../../src/lib/archive/zip.js';
import { pemCertificates, signDetached, verifyDetached } from '../../src/core/crypto/cms.js';
import {
  md5Hex,
  parsePasswordFile,
  passwordFileNameFor,
  writePasswordFile,
} from '../../src/core/formats/ma/password-file.js';
import { openStore } from '../../src/store/index.js';
import type { TrustStore } from '../../src/core/pki/validity.js';

const SAMPLE = path.resolve('samples/ma/MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv');
const CSV_NAME = path.basename(SAMPLE);
const USER_ID = '70-B3-D5-1F-30-00-A0-08';
const AT = new Date('2019-04-08T09:00:00Z');
// The openssl test certificates are issued "now"; sign and check at a time inside their validity.
const NOW = new Date(Date.now() + 5 * 60_000);

let pki: TestPki;
let work: string;
let trust: TrustStore;
let signer: ReturnType<TestPki['leaf']>;
let n = 0;

before(async () => {
  pki = makeOpensslPki();
  work = mkdtempSync(path.join(os.tmpdir(), 's1mig-ma-x-'));
  trust = await loadTrust(pki.caBundlePath);
  // The openssl test PKI issues no CRL; the CRL requirement (default since TMAD 5.9.4) has its own tests.
  signer = pki.leaf('MA Signer');
});
after(() => {
  pki.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** A fresh directory holding the sample MA, sealed. */
async function sealed(leaf = signer, csvPath = SAMPLE) {
  const dir = path.join(work, `case-${++n}`);
  const out = path.join(dir, 'out');
  const src = path.join(dir, path.basename(csvPath));
  freshDir(dir);
  copyFileSync(csvPath, src);
  const r = await seal(src, { key: leaf.keyPem, cert: leaf.certPem, outDir: out, at: NOW });
  return { dir, ...r };
}
function freshDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
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

test("TMAD 5.9.4 / MAM 4 open() requires the CRL of the signer's issuer by default: none in the trust store → rejected at signature", async () => {
  const s = await sealed();
  const r = await open(s.zipPath, s.passwordFilePath, s.signaturePath, { trust, receivedAt: AT, at: NOW });
  assert.equal(r.outcome, 'rejected');
  assert.equal(r.stage, 'signature');
  assert.match(r.errors[0]!.message, /no CRL from .* revocation .* cannot be checked/);
});

test('MAM 7.5.1–7.5.3 seal writes the zip, MAPASSWORD_ file and <password file>.p7s with conventional names', async () => {
  const s = await sealed();
  const names = sealedFileNames(CSV_NAME);
  assert.equal(path.basename(s.zipPath), 'MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.zip');
  assert.equal(
    path.basename(s.passwordFilePath),
    'MAPASSWORD_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv',
  );
  assert.equal(path.basename(s.signaturePath), names.signature);
  assert.equal(names.signature, `${names.passwordFile}.p7s`);
  const csv = readFileSync(SAMPLE);
  // Table 7.5.1: User ID, CSV File Name, MD5 (lower-case hex), LF line ends.
  assert.equal(readFileSync(s.passwordFilePath, 'utf8'), `${USER_ID}\n${CSV_NAME}\n${md5Hex(csv)}\n`);
  const [entry] = await readZip(readFileSync(s.zipPath), {
    archiveName: 'z',
    password: md5Hex(csv),
    requireAes256: true,
  });
  assert.equal(entry!.name, CSV_NAME);
  assert.equal(entry!.aesStrength, 3);
  assert.deepEqual(Buffer.from(entry!.data), csv);
  assert.deepEqual(conventionalPaths(s.zipPath), {
    passwordFile: s.passwordFilePath,
    signature: s.signaturePath,
  });
});

test('MAM 7.5 round trip: open verifies, decrypts, validates and records; receipt is idempotent', async () => {
  const s = await sealed();
  const store = await openStore({ url: 'sqlite::memory:' });
  try {
    const outDir = path.join(work, 'opened-csv');
    const r = await openIt(s, { store, csvOutDir: outDir });
    assert.equal(r.outcome, 'accepted', JSON.stringify(r.errors));
    assert.deepEqual(readFileSync(r.csvWritten!), readFileSync(SAMPLE));
    assert.equal(r.signer?.roles[0], 'ikiFileSigning');
    assert.equal(r.stored?.duplicate, false);
    const rec = await store.receivedMas.get(r.stored.id);
    assert.equal(rec?.outcome, 'accepted');
    assert.equal(rec?.userId, USER_ID);
    assert.equal(rec?.rowCount, 10);
    const again = await openIt(s, { store });
    assert.deepEqual(again.stored, { id: r.stored.id, duplicate: true });
    assert.equal((await store.receivedMas.list()).length, 1);
  } finally {
    await store.close();
  }
});

test('MAM 7.5.2 tampered CSV (re-zipped with the original password) is rejected on the MD5', async () => {
  const s = await sealed();
  const csv = readFileSync(SAMPLE);
  const changed = Buffer.from(csv.toString('latin1').replace('1000123456788', '1000123456781'), 'latin1');
  writeFileSync(s.zipPath, await writeEncryptedZip(CSV_NAME, changed, md5Hex(csv)));
  const r = await openIt(s);
  assert.equal(r.outcome, 'rejected');
  assert.equal(r.stage, 'envelope');
  assert.match(r.errors[0]!.message, /MD5 of .* is [0-9a-f]{32}, the password file says/);
});

test('MAM 4 tampered password file: Digital Signature verification fails → rejected', async () => {
  const s = await sealed();
  const text = readFileSync(s.passwordFilePath, 'utf8');
  writeFileSync(s.passwordFilePath, text.replace(USER_ID, '70-B3-D5-1F-30-00-A0-09'));
  const r = await openIt(s);
  assert.equal(r.outcome, 'rejected');
  assert.equal(r.stage, 'signature');
  assert.ok(
    r.errors.some((e) => /messageDigest does not match/.test(e.message)),
    JSON.stringify(r.errors),
  );
});

test('MAM 4 tampered signature value → rejected; garbage signature → rejected, never thrown', async () => {
  const s = await sealed();
  const sig = readFileSync(s.signaturePath);
  const bad = Buffer.from(sig);
  bad[bad.length - 3]! ^= 0x01; // inside the ECDSA signature value (last field of the SignerInfo)
  writeFileSync(s.signaturePath, bad);
  const r = await openIt(s);
  assert.equal(r.stage, 'signature');
  assert.ok(
    r.errors.some((e) => /signature value does not verify|not a readable CMS/.test(e.message)),
    JSON.stringify(r.errors),
  );
  writeFileSync(s.signaturePath, 'not a signature');
  const g = await openIt(s);
  assert.equal(g.outcome, 'rejected');
  assert.match(g.errors[0]!.message, /not a readable CMS structure/);
});

test('MAM 7.5.1 wrong password (password file with another MD5, correctly signed) → rejected at archive', async () => {
  const s = await sealed();
  const pw = writePasswordFile({ userId: USER_ID, csvFileName: CSV_NAME, md5: 'f'.repeat(32) });
  writeFileSync(s.passwordFilePath, pw);
  writeFileSync(
    s.signaturePath,
    signDetached(pw, createPrivateKey(signer.keyPem), pemCertificates(signer.certPem)[0]!),
  );
  const r = await openIt(s);
  assert.equal(r.outcome, 'rejected');
  assert.equal(r.stage, 'archive');
  assert.match(r.errors[0]!.message, /wrong password/);
});

test('MAM 7.5.2 an upper-case MD5 password (as some tools write it) is accepted', async () => {
  const dir = path.join(work, 'upper');
  freshDir(dir);
  const csv = readFileSync(SAMPLE);
  const md5 = md5Hex(csv).toUpperCase();
  const zip = path.join(dir, CSV_NAME.replace('.csv', '.zip'));
  writeFileSync(zip, await writeEncryptedZip(CSV_NAME, csv, md5));
  const pwText = `${USER_ID}\r\n${CSV_NAME}\r\n${md5}`; // CRLF and no final newline: tolerated (MAM 7.1)
  const conv = conventionalPaths(zip);
  writeFileSync(conv.passwordFile, pwText);
  writeFileSync(
    conv.signature,
    signDetached(Buffer.from(pwText), createPrivateKey(signer.keyPem), pemCertificates(signer.certPem)[0]!),
  );
  const r = await open(zip, conv.passwordFile, conv.signature, {
    trust,
    receivedAt: AT,
    at: NOW,
    requireCrl: false,
  });
  assert.equal(r.outcome, 'accepted', JSON.stringify(r.errors));
});

test('TMAD 4.39 untrusted signer (other CA) → rejected', async () => {
  const s = await sealed(pki.leaf('Stranger', { untrusted: true }));
  const r = await openIt(s);
  assert.equal(r.stage, 'signature');
  assert.ok(
    r.errors.some((e) => /unknown CA|trusted/.test(e.message)),
    JSON.stringify(r.errors),
  );
});

test('TMAD 4.39 expired signer certificate → rejected; valid at signing time is not enough', async () => {
  const s = await sealed(pki.leaf('Short lived', { days: 1 }));
  const later = new Date(NOW.getTime() + 3 * 86400_000);
  const r = await openIt(s, { at: later, receivedAt: later });
  assert.equal(r.stage, 'signature');
  assert.ok(
    r.errors.some((e) => /expired/.test(e.message)),
    JSON.stringify(r.errors),
  );
});

test('MAM 7.5.3 signer certificate with another role (supplier, OU 02) → rejected; no role OU → accepted', async () => {
  const wrong = pki.leaf('Supplier key', { ou: '02' });
  await assert.rejects(
    seal(SAMPLE, { key: wrong.keyPem, cert: wrong.certPem, outDir: path.join(work, 'never'), at: NOW }),
    /needs an IKI File Signing certificate/,
  );
  const s = await sealed();
  const pw = readFileSync(s.passwordFilePath);
  writeFileSync(
    s.signaturePath,
    signDetached(pw, createPrivateKey(wrong.keyPem), pemCertificates(wrong.certPem)[0]!),
  );
  const r = await openIt(s);
  assert.equal(r.stage, 'signature');
  assert.ok(
    r.errors.some((e) => /role supplier is not ikiFileSigning/.test(e.message)),
    JSON.stringify(r.errors),
  );
  const plain = await sealed(pki.leaf('No role', { ou: '' }));
  assert.equal((await openIt(plain)).outcome, 'accepted');
});

test('MAM 7.2 an invalid MA in a sound envelope is rejected at validation and recorded with its errors', async () => {
  const dir = path.join(work, 'invalid');
  freshDir(dir);
  const bad = path.join(dir, CSV_NAME);
  writeFileSync(bad, readFileSync(SAMPLE, 'latin1').replace('\nYES\n', '\nMAYBE\n'), 'latin1');
  const s = await seal(bad, {
    key: signer.keyPem,
    cert: signer.certPem,
    outDir: dir,
    at: NOW,
    allowInvalid: true,
  });
  const store = await openStore({ url: 'sqlite::memory:' });
  try {
    const r = await openIt(s, { store });
    assert.equal(r.outcome, 'rejected');
    assert.equal(r.stage, 'validation');
    const rec = await store.receivedMas.get(r.stored!.id);
    assert.equal(rec?.outcome, 'rejected');
    assert.ok((rec?.errors.length ?? 0) > 0);
  } finally {
    await store.close();
  }
});

test('MAM 4 a rejected envelope is recorded, and a corrected resubmission of the same CSV is not a duplicate', async () => {
  const s = await sealed();
  const good = readFileSync(s.signaturePath);
  const wrong = pki.leaf('Stranger 2', { untrusted: true });
  const pw = readFileSync(s.passwordFilePath);
  writeFileSync(
    s.signaturePath,
    signDetached(pw, createPrivateKey(wrong.keyPem), pemCertificates(wrong.certPem)[0]!),
  );
  const store = await openStore({ url: 'sqlite::memory:' });
  try {
    const r1 = await openIt(s, { store });
    assert.equal(r1.outcome, 'rejected');
    assert.equal(r1.stored?.duplicate, false);
    writeFileSync(s.signaturePath, good);
    const r2 = await openIt(s, { store });
    assert.equal(r2.outcome, 'accepted');
    assert.equal(r2.stored?.duplicate, false);
    assert.notEqual(r2.stored?.id, r1.stored?.id);
    const list = await store.receivedMas.list();
    assert.deepEqual(
      list.map((m) => m.outcome),
      ['rejected', 'accepted'],
    );
  } finally {
    await store.close();
  }
});

test('MAM 7.5.2 zip entry name must be the CSV File Name of the password file', async () => {
  const s = await sealed();
  const csv = readFileSync(SAMPLE);
  writeFileSync(
    s.zipPath,
    await writeEncryptedZip('MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182504.csv', csv, md5Hex(csv)),
  );
  const r = await openIt(s);
  assert.equal(r.stage, 'envelope');
  assert.match(r.errors[0]!.message, /is not the CSV File Name/);
});

// ----- bounded zip reader -----

const zeros = (n: number) => new Uint8Array(n);

test('zip: bounds are checked from the central directory before inflating (entry size, ratio, total)', async () => {
  const bomb = await writeEncryptedZip('bomb.csv', zeros(4 * 1024 * 1024), 'pw');
  await assert.rejects(
    readZip(bomb, { archiveName: 'bomb.zip', password: 'pw', limits: { maxEntryBytes: 1024 * 1024 } }),
    (e: unknown) =>
      e instanceof ZipError &&
      e.code === 'entry-too-large' &&
      /bomb\.zip \[entry "bomb\.csv"\]/.test(e.message),
  );
  await assert.rejects(
    readZip(bomb, { archiveName: 'bomb.zip', password: 'pw' }),
    (e: unknown) => e instanceof ZipError && e.code === 'ratio-too-high',
  );
  // A header claiming 600 MiB is refused by the default 512 MiB bound without inflating anything.
  const huge = patchSizes(await writeEncryptedZip('a.csv', zeros(10), 'pw'), 600 * 1024 * 1024);
  await assert.rejects(
    readZip(huge, { archiveName: 'huge.zip', password: 'pw' }),
    (e: unknown) =>
      e instanceof ZipError && e.code === 'entry-too-large' && /600/.test(String(600 * 1024 * 1024)),
  );
  assert.equal(DEFAULT_ZIP_LIMITS.maxEntryBytes, 512 * 1024 * 1024);
});

test('zip: a lying header (declares less than it inflates to) is stopped while inflating', async () => {
  const lying = patchSizes(await writeEncryptedZip('lie.csv', zeros(3 * 1024 * 1024), 'pw'), 1000);
  await assert.rejects(
    readZip(lying, { archiveName: 'lie.zip', password: 'pw' }),
    (e: unknown) => e instanceof ZipError && e.code === 'corrupt' && /declared/.test(e.message),
  );
});

test('zip: a ratio bomb under the declared-ratio floor is still bounded by the ratio while inflating', async () => {
  // 900 KiB of zeros: under the 1 MiB ratio floor, so allowed by the pre-check; within every bound.
  const ok = await writeEncryptedZip('ok.csv', zeros(900 * 1024), 'pw');
  const [e] = await readZip(ok, { archiveName: 'ok.zip', password: 'pw' });
  assert.equal(e!.data.length, 900 * 1024);
  // With a floor of 0 the same archive is a ratio bomb.
  await assert.rejects(
    readZip(ok, { archiveName: 'ok.zip', password: 'pw', limits: { ratioFloorBytes: 0 } }),
    (err: unknown) => err instanceof ZipError && err.code === 'ratio-too-high',
  );
});

test('zip: too many entries, path traversal, absolute and directory names are refused', async () => {
  const { ZipWriter, Uint8ArrayWriter, Uint8ArrayReader } = await import('@zip.js/zip.js');
  const multi = async (names: string[]) => {
    const w = new ZipWriter(new Uint8ArrayWriter(), { password: 'pw', encryptionStrength: 3 });
    for (const n of names) await w.add(n, new Uint8ArrayReader(new TextEncoder().encode('x')));
    return w.close();
  };
  await assert.rejects(
    readZip(await multi(['a.csv', 'b.csv']), { archiveName: 'two.zip', password: 'pw' }),
    (e: unknown) =>
      e instanceof ZipError && e.code === 'too-many-entries' && /2 entries; at most 1/.test(e.message),
  );
  for (const bad of ['../evil.csv', '/etc/passwd', 'C:/x.csv', 'dir/a.csv', 'a\\..\\..\\b.csv']) {
    await assert.rejects(
      readZip(await multi([bad]), { archiveName: 'bad.zip', password: 'pw' }),
      (e: unknown) => e instanceof ZipError && e.code === 'unsafe-name',
      bad,
    );
  }
  assert.equal(unsafeEntryName('MA_CGI_x.csv', false), undefined);
  assert.equal(unsafeEntryName('a/b.csv', true), undefined);
  await assert.rejects(writeEncryptedZip('../x', zeros(1), 'pw'), /path traversal/);
});

test('zip: an unencrypted or ZipCrypto entry is refused when AES-256 is required (MAM 7.5.1)', async () => {
  const { ZipWriter, Uint8ArrayWriter, Uint8ArrayReader } = await import('@zip.js/zip.js');
  const plain = new ZipWriter(new Uint8ArrayWriter());
  await plain.add('a.csv', new Uint8ArrayReader(zeros(5)));
  await assert.rejects(
    readZip(await plain.close(), { archiveName: 'p.zip', requireAes256: true }),
    (e: unknown) => e instanceof ZipError && e.code === 'not-encrypted',
  );
  const zc = new ZipWriter(new Uint8ArrayWriter(), { password: 'pw', zipCrypto: true });
  await zc.add('a.csv', new Uint8ArrayReader(zeros(5)));
  await assert.rejects(
    readZip(await zc.close(), { archiveName: 'zc.zip', password: 'pw', requireAes256: true }),
    (e: unknown) => e instanceof ZipError && e.code === 'weak-encryption',
  );
});

test('zip: a too-large MA zip through open() is rejected at archive with the entry named', async () => {
  const s = await sealed();
  const r = await openIt(s, { limits: { maxEntryBytes: 100, maxTotalBytes: 100 } });
  assert.equal(r.stage, 'archive');
  assert.match(
    r.errors[0]!.message,
    /\[entry "MA_CGI_.*\.csv"\].*exceeds the limit of 100.*\[entry-too-large\]/,
  );
});

/** Patch the uncompressed size in the local header and central directory (a lying archive). */
function patchSizes(zip: Uint8Array, size: number): Uint8Array {
  const out = Uint8Array.from(zip);
  const dv = new DataView(out.buffer);
  for (let i = 0; i + 4 <= out.length; i++) {
    const sig = dv.getUint32(i, true);
    if (sig === 0x04034b50 && i === 0) dv.setUint32(i + 22, size, true);
    if (sig === 0x02014b50) dv.setUint32(i + 24, size, true);
  }
  return out;
}

// ----- password file (Table 7.5.1) -----

test('MAM Table 7.5.1 password file: write/parse round trip and name convention', () => {
  const md5 = 'ab'.repeat(16);
  const bytes = writePasswordFile({ userId: '70-b3-d5-1f-30-00-a0-08', csvFileName: CSV_NAME, md5 });
  assert.equal(new TextDecoder().decode(bytes), `${USER_ID}\n${CSV_NAME}\n${md5}\n`);
  const p = parsePasswordFile(bytes);
  assert.ok(p.ok);
  assert.deepEqual(p.value, { userId: USER_ID, csvFileName: CSV_NAME, md5, md5AsWritten: md5 });
  assert.equal(passwordFileNameFor(CSV_NAME), 'MAPASSWORD_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv');
  const q = parsePasswordFile(`"${USER_ID}"\n"${CSV_NAME}"\n${md5.toUpperCase()}\n\n`);
  assert.ok(q.ok);
  assert.equal(q.value.md5, md5);
  assert.equal(q.value.md5AsWritten, md5.toUpperCase());
});

test('MAM Table 7.5.1 password file problems name line, field and rule', () => {
  const cases: Array<[string, number, string]> = [
    [`70B3D51F3000A008\n${CSV_NAME}\n${'a'.repeat(32)}`, 1, 'User ID'],
    [`${USER_ID}\n\n${'a'.repeat(32)}`, 2, 'CSV File Name'],
    [`${USER_ID}\n../x.csv\n${'a'.repeat(32)}`, 2, 'CSV File Name'],
    [`${USER_ID}\n${CSV_NAME}\n${'a'.repeat(31)}`, 3, 'MD5 HASH Value'],
    [`${USER_ID}\n${CSV_NAME}\naa-bb`, 3, 'MD5 HASH Value'],
    [`${USER_ID}\n${CSV_NAME}`, 3, 'MD5 HASH Value'],
    [`${USER_ID},x\n${CSV_NAME}\n${'a'.repeat(32)}`, 1, 'User ID'],
  ];
  for (const [text, line, field] of cases) {
    const p = parsePasswordFile(text);
    assert.ok(!p.ok, text);
    assert.ok(
      p.problems.some((x) => x.line === line && x.field === field),
      `${text}: ${JSON.stringify(p.problems)}`,
    );
    assert.ok(p.problems.every((x) => /MAM 7/.test(x.rule)));
  }
  const nonAscii = parsePasswordFile(new Uint8Array([0x41, 0xc3, 0xa9]));
  assert.ok(!nonAscii.ok && nonAscii.problems[0]!.rule === 'MAM 7.1');
  const tooMany = parsePasswordFile(`${USER_ID}\n${CSV_NAME}\n${'a'.repeat(32)}\nextra`);
  assert.ok(!tooMany.ok);
});

// ----- CMS -----

test('MAM 7.5.3 CMS: signed attributes contentType, signingTime, messageDigest; certificate array trust', () => {
  const content = new TextEncoder().encode('hello\n');
  const sig = signDetached(content, createPrivateKey(signer.keyPem), pemCertificates(signer.certPem)[0]!, {
    signingTime: NOW,
  });
  const bundle = readFileSync(pki.caBundlePath, 'utf8');
  const ok = verifyDetached(sig, content, { trusted: [bundle], requiredRole: 'ikiFileSigning' });
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.signingTime?.getTime(), Math.floor(NOW.getTime() / 1000) * 1000);
  assert.match(ok.signer!.issuerName, /^CN=Test Issuing CA,O=s1mig test,C=GB$/);
  assert.match(ok.signer!.serialNumber, /^\d+$/);
  // Only the root trusted: the issuing CA is not carried in the signature, so no chain.
  const rootOnly = verifyDetached(sig, content, { trusted: [readFileSync(pki.rootCertPath, 'utf8')] });
  assert.equal(rootOnly.valid, false);
  const other = verifyDetached(sig, new TextEncoder().encode('hellO\n'), { trusted: [bundle] });
  assert.deepEqual(other.problems, ['messageDigest does not match the content: the signed file was altered']);
  assert.throws(
    () => signDetached(content, createPrivateKey(pki.leaf('x').keyPem), pemCertificates(signer.certPem)[0]!),
    /does not match/,
  );
});
