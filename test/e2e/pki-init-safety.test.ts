// Key material on disk: `pki init` never overwrites an existing PKI unless --force and never writes
// through a symbolic link (keys are created O_EXCL | O_NOFOLLOW, mode 0600); `file generate MEF
// --keys-out` encrypts its private keys with S1MIG_KEY_PASSPHRASE as pki init does (checked with
// openssl, an independent reader of PKCS#8).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-pki-safety-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('pki init keeps a PKI it made (exit 0, nothing changed), refuses any other non-empty directory (exit 2); --force replaces', async () => {
  const pki = path.join(dir, 'pki1');
  assert.equal((await runCli(['pki', 'init', pki])).code, 0);
  const root = readFileSync(path.join(pki, 'root-ca.cert.pem'), 'utf8');
  const again = await runCli(['pki', 'init', pki]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Kept the existing test SMKI PKI/);
  assert.equal(readFileSync(path.join(pki, 'root-ca.cert.pem'), 'utf8'), root);
  const other = path.join(dir, 'other');
  mkdirSync(other);
  writeFileSync(path.join(other, 'notes.txt'), 'not a PKI\n');
  const refused = await runCli(['pki', 'init', other]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /is not empty: an existing PKI is never overwritten \(use --force/);
  assert.equal(readFileSync(path.join(other, 'notes.txt'), 'utf8'), 'not a PKI\n');
  const forced = await runCli(['pki', 'init', '--force', pki]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.notEqual(readFileSync(path.join(pki, 'root-ca.cert.pem'), 'utf8'), root);
  // An empty existing directory is fine.
  const empty = path.join(dir, 'empty');
  mkdirSync(empty);
  assert.equal((await runCli(['pki', 'init', empty])).code, 0);
});

test('pki init --force never follows a symlink at a key file: the link is replaced, its target untouched', async () => {
  const pki = path.join(dir, 'pki2');
  mkdirSync(pki);
  const victim = path.join(dir, 'victim.txt');
  writeFileSync(victim, 'do not touch\n');
  symlinkSync(victim, path.join(pki, 'root-ca.key.pem'));
  symlinkSync(victim, path.join(pki, 'issuing-ca.cert.pem'));
  const r = await runCli(['pki', 'init', '--force', pki]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(victim, 'utf8'), 'do not touch\n');
  for (const f of ['root-ca.key.pem', 'issuing-ca.cert.pem']) {
    const st = lstatSync(path.join(pki, f));
    assert.ok(st.isFile() && !st.isSymbolicLink(), f);
  }
  assert.equal(statSync(path.join(pki, 'root-ca.key.pem')).mode & 0o777, 0o600);
});

test('pki init --force refuses a party directory that is a symlink (exit 2, nothing written into its target)', async () => {
  const pki = path.join(dir, 'pki3');
  const elsewhere = path.join(dir, 'elsewhere');
  mkdirSync(pki);
  mkdirSync(elsewhere);
  symlinkSync(elsewhere, path.join(pki, 'supplier-a'));
  const r = await runCli(['pki', 'init', '--force', pki]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /supplier-a: not a directory \(a symbolic link is not followed\)/);
  assert.deepEqual(readdirSync(elsewhere), []);
});

test('file generate MEF --keys-out encrypts the keys with S1MIG_KEY_PASSPHRASE (mode 0600; openssl reads them)', async () => {
  const env = { S1MIG_KEY_PASSPHRASE: 'correct horse battery staple' };
  const pki = path.join(dir, 'pki4');
  assert.equal((await runCli(['pki', 'init', pki], { env })).code, 0);
  const keys = path.join(dir, 'keys');
  const g = await runCli(
    ['file', 'generate', 'MEF', '--pki', pki, '--out', `${dir}/mef/`, '--keys-out', keys, '--json'],
    { env },
  );
  assert.equal(g.code, 0, g.stderr);
  const files = readdirSync(keys);
  assert.ok(files.length > 0);
  for (const f of files) {
    const p = path.join(keys, f);
    assert.equal(statSync(p).mode & 0o777, 0o600, f);
    assert.match(readFileSync(p, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/, f);
    // openssl decrypts it with the passphrase and rejects a wrong one.
    execFileSync('openssl', ['pkey', '-in', p, '-noout', '-passin', 'env:S1MIG_KEY_PASSPHRASE'], {
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
    assert.throws(() =>
      execFileSync('openssl', ['pkey', '-in', p, '-noout', '-passin', 'pass:wrong'], { stdio: 'pipe' }),
    );
  }
  // Without the variable they stay plain PKCS#8 (as pki init).
  const plain = path.join(dir, 'keys-plain');
  const g2 = await runCli(
    ['file', 'generate', 'MEF', '--pki', path.join(dir, 'pki1'), '--out', `${dir}/mef2/`].concat([
      '--keys-out',
      plain,
    ]),
    { env: { S1MIG_KEY_PASSPHRASE: '' } },
  );
  assert.equal(g2.code, 0, g2.stderr);
  for (const f of readdirSync(plain))
    assert.match(readFileSync(path.join(plain, f), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  assert.ok(existsSync(keys));
});
