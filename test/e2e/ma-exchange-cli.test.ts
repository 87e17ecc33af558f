// s1mig ma seal / ma open through the real CLI (MAM 7.5, MAM 4), with a test PKI from `s1mig pki init`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { opensslSignDetached } from '../support/openssl-pki.js';

const SAMPLE = path.join(REPO_ROOT, 'samples/ma/MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv');
const CSV_NAME = path.basename(SAMPLE);
const STEM = CSV_NAME.replace(/\.csv$/, '');

let work: string;
let pkiDir: string;
let iki: { cert: string; key: string };
let supplierDs: { cert: string; key: string };
let sealed: { zip: string; passwordFile: string; signature: string };
const env = { S1MIG_DATABASE_URL: '' };

interface PartiesJson {
  parties: Array<{
    name: string;
    certificates: Array<{ role: string; keyUsage: string; cert: string; key: string }>;
  }>;
}

before(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 's1mig-ma-cli-'));
  pkiDir = path.join(work, 'pki');
  const init = await runCli(['pki', 'init', pkiDir], { cwd: work, env });
  assert.equal(init.code, 0, init.stderr);
  const raw = JSON.parse(readFileSync(path.join(pkiDir, 'parties.json'), 'utf8')) as
    PartiesJson | PartiesJson['parties'];
  const parties = Array.isArray(raw) ? raw : raw.parties;
  const supplier = parties.find((p) => p.certificates.some((c) => c.role === 'ikiFileSigning'))!;
  const pick = (role: string) => {
    const c = supplier.certificates.find((x) => x.role === role && x.keyUsage === 'digitalSignature')!;
    return { cert: path.join(pkiDir, c.cert), key: path.join(pkiDir, c.key) };
  };
  iki = pick('ikiFileSigning');
  supplierDs = pick('supplier');
  copyFileSync(SAMPLE, path.join(work, CSV_NAME));
});
after(() => rmSync(work, { recursive: true, force: true }));

test('MAM 7.5 `ma seal` writes the zip, password file and signature and prints their paths, never the password', async () => {
  const r = await runCli(
    ['ma', 'seal', CSV_NAME, '--key', iki.key, '--cert', iki.cert, '--out', 'sealed', '--json'],
    {
      cwd: work,
      env,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { zip: string; passwordFile: string; signature: string };
  assert.equal(path.basename(out.zip), `${STEM}.zip`);
  assert.equal(path.basename(out.passwordFile), `MAPASSWORD_${STEM.slice(3)}.csv`);
  assert.equal(path.basename(out.signature), `MAPASSWORD_${STEM.slice(3)}.csv.p7s`);
  sealed = {
    zip: path.resolve(work, out.zip),
    passwordFile: path.resolve(work, out.passwordFile),
    signature: path.resolve(work, out.signature),
  };
  for (const f of Object.values(sealed)) assert.ok(existsSync(f), f);
  const md5 = createHash('md5').update(readFileSync(SAMPLE)).digest('hex');
  assert.ok(!r.stdout.includes(md5) && !r.stderr.includes(md5), 'the password must not be printed');
  assert.ok(readFileSync(sealed.passwordFile, 'utf8').includes(md5));
});

test('MAM 7.5 `ma open` accepts, stores (idempotently), writes the CSV with --out', async () => {
  const dir = mkdtempSync(path.join(work, 'dcc-'));
  const r = await runCli(['ma', 'open', sealed.zip, '--trust', pkiDir, '--out', 'plain', '--json'], {
    cwd: dir,
    env,
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const j = JSON.parse(r.stdout) as {
    outcome: string;
    valid: boolean;
    file: string;
    stored: { id: number; duplicate: boolean };
  };
  assert.equal(j.outcome, 'accepted');
  assert.equal(j.valid, true);
  assert.equal(j.file, CSV_NAME);
  assert.deepEqual(j.stored, { id: 1, duplicate: false });
  assert.deepEqual(readFileSync(path.join(dir, 'plain', CSV_NAME)), readFileSync(SAMPLE));
  assert.ok(existsSync(path.join(dir, 'data', 's1mig.sqlite')));
  const again = await runCli(['ma', 'open', sealed.zip, '--trust', pkiDir, '--json'], { cwd: dir, env });
  assert.equal(again.code, 0);
  assert.deepEqual((JSON.parse(again.stdout) as { stored: unknown }).stored, { id: 1, duplicate: true });
  const text = await runCli(['ma', 'open', sealed.zip, '--trust', pkiDir, '--no-store'], { cwd: dir, env });
  assert.equal(text.code, 0);
  assert.match(text.stdout, /ACCEPTED \(10 row\(s\)\)/);
});

test('MAM 4 `ma open` rejects a tampered password file (exit 1) and records the rejection', async () => {
  const dir = mkdtempSync(path.join(work, 'tamper-'));
  const pw = path.join(dir, path.basename(sealed.passwordFile));
  writeFileSync(pw, readFileSync(sealed.passwordFile, 'utf8').replace('A0-08', 'A0-09'));
  const r = await runCli(
    [
      'ma',
      'open',
      sealed.zip,
      '--password-file',
      pw,
      '--signature',
      sealed.signature,
      '--trust',
      pkiDir,
      '--json',
    ],
    {
      cwd: dir,
      env,
    },
  );
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout) as { outcome: string; stage: string; errors: Array<{ message: string }> };
  assert.equal(j.outcome, 'rejected');
  assert.equal(j.stage, 'signature');
  assert.match(j.errors[0]!.message, /Digital Signature .* rejected: messageDigest does not match/);
});

test('MAM 7.5.3 a signature by a certificate without the ikiFileSigning role is rejected; `ma seal` refuses that key', async () => {
  const refused = await runCli(
    ['ma', 'seal', CSV_NAME, '--key', supplierDs.key, '--cert', supplierDs.cert, '--out', 'x'],
    { cwd: work, env },
  );
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /ikiFileSigning/);
  const sig = path.join(work, 'supplier-role.p7s');
  opensslSignDetached(sealed.passwordFile, supplierDs, sig);
  const r = await runCli(['ma', 'open', sealed.zip, '--signature', sig, '--trust', pkiDir, '--no-store'], {
    cwd: work,
    env,
  });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /REJECTED at signature/);
  assert.match(r.stdout, /role supplier is not ikiFileSigning/);
});

test('`ma open` usage and I/O errors exit 2 (missing file, bad date, missing --trust)', async () => {
  const missing = await runCli(
    ['ma', 'open', sealed.zip, '--signature', path.join(work, 'nope.p7s'), '--trust', pkiDir, '--no-store'],
    { cwd: work, env },
  );
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /signature '.*nope\.p7s' not found/);
  const badDate = await runCli(
    ['ma', 'open', sealed.zip, '--trust', pkiDir, '--received-at', 'yesterday', '--no-store'],
    { cwd: work, env },
  );
  assert.equal(badDate.code, 2);
  assert.match(badDate.stderr, /--received-at/);
  const noArgs = await runCli(['ma', 'open', sealed.zip], { cwd: work, env });
  assert.equal(noArgs.code, 2);
});
