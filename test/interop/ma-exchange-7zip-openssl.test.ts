// MAM 7.5 interoperability: our AES-256 zip with 7-Zip (`7zz`), our detached CMS signatures with
// `openssl cms`, both directions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeOpensslPki, opensslSignDetached, type TestPki } from '../support/openssl-pki.js';
import { seal } from '../../src/supplier/ma-seal.js';
import { loadTrust, open } from '../../src/mcc/ma-intake.js';
import { readZip } from '../../src/lib/archive/zip.js';
import { verifyDetached } from '../../src/core/crypto/cms.js';
import { md5Hex } from '../../src/core/formats/ma/password-file.js';

const SAMPLE = path.resolve('samples/ma/MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv');
const CSV_NAME = path.basename(SAMPLE);
const NOW = new Date(Date.now() + 5 * 60_000);

let pki: TestPki;
let work: string;
let signer: ReturnType<TestPki['leaf']>;
let sealed: Awaited<ReturnType<typeof seal>>;

before(async () => {
  pki = makeOpensslPki();
  signer = pki.leaf('MA Signer');
  work = mkdtempSync(path.join(os.tmpdir(), 's1mig-ma-interop-'));
  const src = path.join(work, CSV_NAME);
  copyFileSync(SAMPLE, src);
  sealed = await seal(src, {
    key: signer.keyPem,
    cert: signer.certPem,
    outDir: path.join(work, 'sealed'),
    at: NOW,
  });
});
after(() => {
  pki.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const run = (cmd: string, args: string[], cwd = work) => spawnSync(cmd, args, { cwd, encoding: 'utf8' });

test('MAM 7.5.1 our AES-256 zip passes `7zz t` and extracts with `7zz x -p<MD5>` to the same bytes', () => {
  const pw = md5Hex(readFileSync(SAMPLE));
  const t = run('7zz', ['t', `-p${pw}`, sealed.zipPath]);
  assert.equal(t.status, 0, t.stdout + t.stderr);
  assert.match(t.stdout, /Everything is Ok/);
  const l = run('7zz', ['l', '-slt', `-p${pw}`, sealed.zipPath]);
  assert.match(l.stdout, /Method = AES-256 Deflate/);
  const out = path.join(work, 'x');
  const x = run('7zz', ['x', `-p${pw}`, `-o${out}`, '-y', sealed.zipPath]);
  assert.equal(x.status, 0, x.stdout + x.stderr);
  assert.deepEqual(readFileSync(path.join(out, CSV_NAME)), readFileSync(SAMPLE));
  const wrong = run('7zz', ['t', `-p${'0'.repeat(32)}`, sealed.zipPath]);
  assert.notEqual(wrong.status, 0);
});

test('MAM 7.5.1 a zip made by `7zz a -tzip -mem=AES256` opens with ours, and through the whole intake', async () => {
  const dir = path.join(work, 'by7z');
  mkdirSync(dir, { recursive: true });
  copyFileSync(SAMPLE, path.join(dir, CSV_NAME));
  const pw = md5Hex(readFileSync(SAMPLE));
  const zip = path.join(dir, CSV_NAME.replace(/\.csv$/, '.zip'));
  const a = run('7zz', ['a', '-tzip', '-mem=AES256', `-p${pw}`, zip, CSV_NAME], dir);
  assert.equal(a.status, 0, a.stdout + a.stderr);
  const [entry] = await readZip(readFileSync(zip), {
    archiveName: path.basename(zip),
    password: pw,
    requireAes256: true,
  });
  assert.equal(entry!.name, CSV_NAME);
  assert.deepEqual(Buffer.from(entry!.data), readFileSync(SAMPLE));
  // Swap 7-Zip's zip into a sealed set: the intake accepts it.
  const r = await open(zip, sealed.passwordFilePath, sealed.signaturePath, {
    trust: await loadTrust(pki.caBundlePath),
    requireCrl: false, // the openssl test PKI issues no CRL
    at: NOW,
  });
  assert.equal(r.outcome, 'accepted', JSON.stringify(r.errors));
  // ZipCrypto (7-Zip's default zip encryption) is refused: MAM 7.5.1 asks for AES-256.
  const zc = path.join(dir, 'zipcrypto.zip');
  run('7zz', ['a', '-tzip', `-p${pw}`, zc, CSV_NAME], dir);
  await assert.rejects(
    readZip(readFileSync(zc), { archiveName: 'zipcrypto.zip', password: pw, requireAes256: true }),
    /not AES-256/,
  );
});

test('MAM 7.5.3 our detached signature verifies with `openssl cms -verify` (with -purpose any, and the default purpose)', () => {
  const base = [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    sealed.signaturePath,
    '-content',
    sealed.passwordFilePath,
    '-CAfile',
    pki.caBundlePath,
    '-out',
    os.devNull,
  ];
  const any = run('openssl', [...base, '-purpose', 'any']);
  assert.equal(any.status, 0, any.stderr);
  assert.match(any.stderr, /Verification successful/);
  // No extendedKeyUsage in the certificate, so the default S/MIME signing purpose passes too.
  const dflt = run('openssl', base);
  assert.equal(dflt.status, 0, dflt.stderr);
  // openssl does check: a changed password file fails.
  const changed = path.join(work, 'changed.csv');
  writeFileSync(changed, readFileSync(sealed.passwordFilePath, 'utf8').replace('CGI', 'CGX'));
  const bad = run('openssl', [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    sealed.signaturePath,
    '-content',
    changed,
    '-CAfile',
    pki.caBundlePath,
    '-purpose',
    'any',
    '-out',
    os.devNull,
  ]);
  assert.notEqual(bad.status, 0);
  // The signed attributes openssl sees.
  const info = execFileSync(
    'openssl',
    ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', sealed.signaturePath],
    { encoding: 'utf8' },
  );
  for (const attr of ['contentType', 'signingTime', 'messageDigest'])
    assert.match(info, new RegExp(`object: ${attr}`));
  assert.match(info, /ecdsa-with-SHA256/);
  assert.match(info, /eContent: <ABSENT>/);
});

test('MAM 7.5.3 an `openssl cms -sign -binary -outform DER -md sha256` detached signature verifies with ours and passes intake', async () => {
  const sig = path.join(work, 'openssl.p7s');
  opensslSignDetached(sealed.passwordFilePath, { cert: signer.certPath, key: signer.keyPath }, sig);
  const content = readFileSync(sealed.passwordFilePath);
  const v = verifyDetached(readFileSync(sig), content, {
    trusted: [readFileSync(pki.caBundlePath, 'utf8')],
    at: NOW,
    requiredRole: 'ikiFileSigning',
  });
  assert.deepEqual(v.problems, []);
  const tampered = verifyDetached(readFileSync(sig), Buffer.concat([content, Buffer.from('x')]), {
    trusted: [readFileSync(pki.caBundlePath, 'utf8')],
    at: NOW,
  });
  assert.equal(tampered.valid, false);
  const r = await open(sealed.zipPath, sealed.passwordFilePath, sig, {
    trust: await loadTrust(pki.caBundlePath),
    requireCrl: false, // the openssl test PKI issues no CRL
    at: NOW,
  });
  assert.equal(r.outcome, 'accepted', JSON.stringify(r.errors));
  // PEM output (openssl's default) is read too.
  const pem = path.join(work, 'openssl.pem.p7s');
  opensslSignDetached(sealed.passwordFilePath, { cert: signer.certPath, key: signer.keyPath }, pem, 'PEM');
  assert.deepEqual(
    verifyDetached(readFileSync(pem), content, { trusted: [readFileSync(pki.caBundlePath, 'utf8')], at: NOW })
      .problems,
    [],
  );
});
