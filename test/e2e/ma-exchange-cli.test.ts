// s1mig ma seal / ma open through the real CLI (MAM 7.5, MAM 4), with a test PKI from `s1mig pki init`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createHash, createPrivateKey } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO_ROOT, jsonLines, runCli } from '../support/cli.js';
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
  const stored = (
    JSON.parse(again.stdout) as {
      stored: { id: number; duplicate: boolean; duplicateOf: { fileName: string; receivedAt: string } };
    }
  ).stored;
  // MAM 7.2: an idempotent receipt names the earlier file whose content it repeats.
  assert.deepEqual([stored.id, stored.duplicate, stored.duplicateOf.fileName], [1, true, CSV_NAME]);
  const text = await runCli(['ma', 'open', sealed.zip, '--trust', pkiDir, '--no-store'], { cwd: dir, env });
  assert.equal(text.code, 0);
  assert.match(text.stdout, /ACCEPTED \(10 row\(s\)\)/);
});

test('MAM 7.2.3: a header-only MA warns "no installation rows" in ma validate and ma open, human and --json', async () => {
  const dir = mkdtempSync(path.join(work, 'empty-'));
  const name = 'MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182504.csv';
  writeFileSync(
    path.join(dir, name),
    readFileSync(SAMPLE, 'latin1').split('\n').slice(0, 3).join('\n') + '\n',
    'latin1',
  );
  const NO_ROWS = /no installation rows: almost always a truncated export/;
  const human = await runCli(['ma', 'validate', name], { cwd: dir, env });
  assert.equal(human.code, 0, human.stdout);
  assert.match(human.stdout, NO_ROWS);
  const json = await runCli(['ma', 'validate', '--json', name], { cwd: dir, env });
  const jv = JSON.parse(json.stdout) as {
    valid: boolean;
    warnings: Array<{ message: string; rule: string }>;
  };
  assert.equal(jv.valid, true);
  assert.ok(jv.warnings.some((w) => NO_ROWS.test(w.message) && w.rule === 'MAM 7.2.3'));
  const seal = await runCli(
    ['ma', 'seal', name, '--key', iki.key, '--cert', iki.cert, '--out', 'sealed', '--json'],
    {
      cwd: dir,
      env,
    },
  );
  assert.equal(seal.code, 0, seal.stderr);
  const zip = path.resolve(dir, (JSON.parse(seal.stdout) as { zip: string }).zip);
  const open = await runCli(['ma', 'open', zip, '--trust', pkiDir, '--no-store'], { cwd: dir, env });
  assert.equal(open.code, 0, open.stdout + open.stderr);
  assert.match(open.stdout, /warning: .*no installation rows/);
  const openJson = await runCli(['ma', 'open', zip, '--trust', pkiDir, '--no-store', '--json'], {
    cwd: dir,
    env,
  });
  const jo = JSON.parse(openJson.stdout) as { warnings: Array<{ message: string }> };
  assert.ok(jo.warnings.some((w) => NO_ROWS.test(w.message)));
});

test('MAM 7.5 `ma open --out` writes the decrypted MA with mode 0600 under a 022 umask, never over an existing file or through a symlink, and replaces it with --force', async () => {
  const dir = mkdtempSync(path.join(work, 'out-'));
  const target = path.join(dir, 'plain', CSV_NAME);
  // A permissive umask: the file must still be 0600 (umask 022 would otherwise give 0644).
  const umask = process.umask(0o022); // inherited by the child
  const first = await runCli(['ma', 'open', sealed.zip, '--trust', pkiDir, '--no-store', '--out', 'plain'], {
    cwd: dir,
    env,
  }).finally(() => process.umask(umask));
  assert.equal(first.code, 0, first.stderr);
  assert.equal(statSync(target).mode & 0o777, 0o600);
  assert.deepEqual(readFileSync(target), readFileSync(SAMPLE));

  writeFileSync(target, 'precious');
  const refused = await runCli(
    ['ma', 'open', sealed.zip, '--trust', pkiDir, '--no-store', '--out', 'plain'],
    {
      cwd: dir,
      env,
    },
  );
  assert.equal(refused.code, 2, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /exists; pass --force to overwrite it/);
  assert.equal(readFileSync(target, 'utf8'), 'precious');

  chmodSync(target, 0o644);
  const forced = await runCli(
    ['ma', 'open', sealed.zip, '--trust', pkiDir, '--no-store', '--out', 'plain', '--force'],
    { cwd: dir, env },
  );
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(readFileSync(target), readFileSync(SAMPLE));
  assert.equal(statSync(target).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(path.dirname(target)), [CSV_NAME], 'no temporary file left');

  // A symlink planted at the target is not followed (the file it points at is untouched).
  const victim = path.join(dir, 'victim.txt');
  writeFileSync(victim, 'do not touch');
  rmSync(target);
  symlinkSync(victim, target);
  const viaLink = await runCli(
    ['ma', 'open', sealed.zip, '--trust', pkiDir, '--no-store', '--out', 'plain'],
    {
      cwd: dir,
      env,
    },
  );
  assert.equal(viaLink.code, 2);
  assert.equal(readFileSync(victim, 'utf8'), 'do not touch');
  const forcedLink = await runCli(
    ['ma', 'open', sealed.zip, '--trust', pkiDir, '--no-store', '--out', 'plain', '--force'],
    { cwd: dir, env },
  );
  assert.equal(forcedLink.code, 0, forcedLink.stderr);
  assert.equal(readFileSync(victim, 'utf8'), 'do not touch');
  assert.equal(lstatSync(target).isSymbolicLink(), false);
  assert.equal(statSync(target).mode & 0o777, 0o600);
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

// ---- what a new user trips on: the README walk-through, the demo's commands, wrong files, CRLs ----

const shell = (script: string, cwd: string, extraEnv: NodeJS.ProcessEnv = {}) =>
  new Promise<{ code: number; out: string }>((resolve, reject) => {
    const child = spawn('sh', ['-e', '-c', script], {
      cwd,
      env: { ...process.env, ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });

test('README MAM 7.2/7.5 walk-through works pasted twice in a row (several files per command, IDs from the PKI)', async () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Supplier walk-through'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  const walk = mkdtempSync(path.join(work, 'walk-'));
  const script = block.replace(/npx s1mig/g, `node ${JSON.stringify(BIN)}`).replace(/\/tmp\/walk/g, walk);
  const dbEnv = { S1MIG_DATABASE_URL: `sqlite:${path.join(walk, 'db.sqlite')}` };
  const first = await shell(script, REPO_ROOT, dbEnv);
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /ACCEPTED \(10 row\(s\)\)/);
  const second = await shell(script, REPO_ROOT, dbEnv);
  assert.equal(second.code, 0, second.out);
  assert.equal((second.out.match(/ACCEPTED/g) ?? []).length, 2, second.out);
  // MAM Table 7.2.3: the certificate IDs are those of the PKI made by `pki init` (supplier-a, 01-00-01).
  const parties = JSON.parse(readFileSync(path.join(walk, 'pki', 'parties.json'), 'utf8')) as Array<{
    entityId: string;
    certificates: Array<{ role: string; keyUsage: string; serialNumber: string }>;
  }>;
  const supplierA = parties.find((p) => p.entityId === '70-B3-D5-1F-30-01-00-01')!;
  const ds = supplierA.certificates.find((c) => c.role === 'supplier' && c.keyUsage === 'digitalSignature')!;
  const newest = readdirSync(path.join(walk, 'outbox'))
    .filter((f) => /^MA_.*\.csv$/.test(f))
    .sort()
    .at(-1)!;
  assert.ok(readFileSync(path.join(walk, 'outbox', newest), 'utf8').includes(ds.serialNumber));
});

test('demo supplier: every printed command works pasted into a shell from the printed directory', async () => {
  const dir = mkdtempSync(path.join(work, "demo dir 'quoted' "));
  const dbEnv = { S1MIG_DATABASE_URL: '' };
  const r = await runCli(['demo', 'supplier', '--dir', 'demo'], { cwd: dir, env: dbEnv });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const commands = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('$ '))
    .map((l) => l.slice(2));
  assert.match(commands[0]!, /^cd /);
  assert.equal(commands.length, 6, r.stdout);
  // Pasted from anywhere: the cd line comes first.
  const pasted = await shell(commands.join('\n'), os.tmpdir(), dbEnv);
  assert.equal(pasted.code, 0, pasted.out);
  assert.match(pasted.out, /ACCEPTED \(10 row\(s\)\)/);
});

test('MAM 7.1 wrong kind of file: ma validate on a zip, ma open on the CSV, ma seal on the zip say what was expected', async () => {
  const dir = mkdtempSync(path.join(work, 'kind-'));
  const zip = path.join(dir, path.basename(sealed.zip));
  copyFileSync(sealed.zip, zip);
  copyFileSync(SAMPLE, path.join(dir, CSV_NAME));
  const v = await runCli(['ma', 'validate', zip], { cwd: dir, env });
  assert.equal(v.code, 1);
  assert.match(v.stdout, /this is a zip archive .*did you mean `s1mig ma open /);
  assert.equal(v.stdout.trim().split('\n').length, 2, v.stdout);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(v.stdout, /[\x00-\x08\x0b-\x1f\x7f]/);
  const o = await runCli(['ma', 'open', path.join(dir, CSV_NAME), '--trust', pkiDir, '--no-store'], {
    cwd: dir,
    env,
  });
  assert.equal(o.code, 2);
  assert.match(
    o.stderr,
    /ma open expects the encrypted MA_….zip, not the CSV .*did you mean `s1mig ma open .*\.zip`/,
  );
  assert.doesNotMatch(o.stderr, /\.csv\.csv/);
  const s = await runCli(['ma', 'seal', zip, '--key', iki.key, '--cert', iki.cert], { cwd: dir, env });
  assert.equal(s.code, 2);
  assert.match(s.stderr, /is a zip archive, already sealed: `ma seal` expects the MA_….csv/);
});

test('MAM 7.1 binary and control characters: one error per line, escaped, never echoed raw; --max-errors caps the list', async () => {
  const dir = mkdtempSync(path.join(work, 'ctl-'));
  const name = 'MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv';
  const lines = readFileSync(SAMPLE, 'latin1').split('\n');
  lines[4] = '\x1b[31m\x07\x01\x02' + lines[4];
  writeFileSync(path.join(dir, name), lines.join('\r\n'), 'latin1');
  const r = await runCli(['ma', 'validate', name, '--received-at', '2019-04-08T09:00:00+01:00'], {
    cwd: dir,
    env,
  });
  assert.equal(r.code, 1);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(r.stdout, /[\x00-\x08\x0b-\x1f\x7f]/);
  assert.equal((r.stdout.match(/CR LF/g) ?? []).length, 1, r.stdout);
  assert.equal((r.stdout.match(/control character 0x/g) ?? []).length, 1, r.stdout);
  assert.match(r.stdout, /:5: .*control character 0x1B at column 1 \(4 control characters on this line\)/);
  const capped = await runCli(
    ['ma', 'validate', name, '--max-errors', '1', '--received-at', '2019-04-08T09:00:00+01:00'],
    { cwd: dir, env },
  );
  assert.match(capped.stdout, /… and \d+ more errors? not listed \(--max-errors 1\)/);
  const bin = path.join(dir, 'random.bin');
  writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x1b, 0x5b]));
  const b = await runCli(['ma', 'validate', bin, SAMPLE, '--json'], { cwd: dir, env });
  assert.equal(b.code, 1);
  type Verdict = {
    file: string;
    valid: boolean;
    errors: Array<{ message: string }>;
  };
  const j = jsonLines<Verdict>(b.stdout);
  assert.equal(j.length, 2);
  assert.equal(j[0]!.valid, false);
  assert.match(j[0]!.errors[0]!.message, /binary file \(a NUL byte at offset 7/);
  assert.equal(j[0]!.errors.length, 1);
});

test('MAM 7.5.3 `ma open --password-file P` takes the signature P.p7s beside P, not beside the zip', async () => {
  const dir = mkdtempSync(path.join(work, 'pw-'));
  const pw = path.join(dir, 'received-password.csv');
  copyFileSync(sealed.passwordFile, pw);
  copyFileSync(sealed.signature, `${pw}.p7s`);
  const r = await runCli(['ma', 'open', sealed.zip, '--password-file', pw, '--trust', pkiDir, '--no-store'], {
    cwd: dir,
    env,
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  rmSync(`${pw}.p7s`);
  const missing = await runCli(
    ['ma', 'open', sealed.zip, '--password-file', pw, '--trust', pkiDir, '--no-store'],
    { cwd: dir, env },
  );
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /signature '.*received-password\.csv\.p7s' not found/);
});

test('TMAD 5.9.4 / MAM 4 `ma open` requires the CRL: a revoked IKI signer with no CRL is rejected; --no-require-crl warns', async () => {
  const own = path.join(work, 'crl-pki');
  assert.equal((await runCli(['pki', 'init', own], { cwd: work, env })).code, 0);
  const parties = JSON.parse(readFileSync(path.join(own, 'parties.json'), 'utf8')) as PartiesJson['parties'];
  const c = parties[0]!.certificates.find((x) => x.role === 'ikiFileSigning')!;
  const dir = mkdtempSync(path.join(work, 'crl-'));
  copyFileSync(SAMPLE, path.join(dir, CSV_NAME));
  const key = path.join(own, c.key);
  const cert = path.join(own, c.cert);
  assert.equal(
    (await runCli(['ma', 'seal', CSV_NAME, '--key', key, '--cert', cert], { cwd: dir, env })).code,
    0,
  );
  assert.equal((await runCli(['pki', 'revoke', own, cert], { cwd: work, env })).code, 0);
  const zip = path.join(dir, `${STEM}.zip`);
  const withCrl = await runCli(['ma', 'open', zip, '--trust', own, '--no-store'], { cwd: dir, env });
  assert.equal(withCrl.code, 1);
  assert.match(withCrl.stdout, /revoked/);
  // The same trust without the CRL: only the CA certificates.
  const noCrl = path.join(work, 'crl-trust');
  mkdirSync(noCrl);
  for (const f of ['root-ca.cert.pem', 'issuing-ca.cert.pem'])
    copyFileSync(path.join(own, f), path.join(noCrl, f));
  const strict = await runCli(['ma', 'open', zip, '--trust', noCrl, '--no-store'], { cwd: dir, env });
  assert.equal(strict.code, 1, strict.stdout);
  assert.match(strict.stdout, /REJECTED at signature/);
  assert.match(strict.stdout, /no CRL from .* cannot be checked/);
  assert.match(strict.stdout, /--no-require-crl/);
  const lax = await runCli(['ma', 'open', zip, '--trust', noCrl, '--no-store', '--no-require-crl'], {
    cwd: dir,
    env,
  });
  assert.equal(lax.code, 0, lax.stdout);
  assert.match(
    lax.stdout,
    /warning: no CRL of .* revocation of the signer was not checked \(--no-require-crl\)/,
  );
});

test('`ma seal` key problems in plain words: a directory, a certificate, a wrong passphrase (no OpenSSL codes)', async () => {
  const dir = mkdtempSync(path.join(work, 'key-'));
  copyFileSync(SAMPLE, path.join(dir, CSV_NAME));
  const asDir = await runCli(['ma', 'seal', CSV_NAME, '--key', pkiDir, '--cert', iki.cert], {
    cwd: dir,
    env,
  });
  assert.equal(asDir.code, 2);
  assert.match(asDir.stderr, /--key '.*' is a directory: expected the private key PEM/);
  const asCert = await runCli(['ma', 'seal', CSV_NAME, '--key', iki.cert, '--cert', iki.cert], {
    cwd: dir,
    env,
  });
  assert.equal(asCert.code, 2);
  assert.match(asCert.stderr, /is a certificate: expected the private key/);
  const enc = path.join(dir, 'iki.enc.key.pem');
  const pem = createPrivateKey(readFileSync(iki.key)).export({
    format: 'pem',
    type: 'pkcs8',
    cipher: 'aes-256-cbc',
    passphrase: 'right one',
  });
  writeFileSync(enc, pem);
  const wrong = await runCli(['ma', 'seal', CSV_NAME, '--key', enc, '--cert', iki.cert], {
    cwd: dir,
    env: { ...env, S1MIG_KEY_PASSPHRASE: 'wrong one' },
  });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /cannot decrypt the key: the passphrase in S1MIG_KEY_PASSPHRASE is wrong/);
  assert.doesNotMatch(wrong.stderr, /error:[0-9A-F]{8}|routines/);
  const right = await runCli(['ma', 'seal', CSV_NAME, '--key', enc, '--cert', iki.cert, '--out', 'o'], {
    cwd: dir,
    env: { ...env, S1MIG_KEY_PASSPHRASE: 'right one' },
  });
  assert.equal(right.code, 0, right.stderr);
});

test('MAM 7.2.3 (issue #10) `ma validate --max-errors` and `ma open --max-errors`: the rest summarised per rule', async () => {
  const dir = mkdtempSync(path.join(work, 'maxerr-'));
  const lines = readFileSync(SAMPLE, 'latin1').split('\n');
  const dup = lines[3]!; // the first row, an MPAN only: five more copies are five MAM 7.2.3 errors
  lines.splice(4, 0, dup, dup, dup, dup, dup);
  writeFileSync(path.join(dir, CSV_NAME), lines.join('\n'), 'latin1');
  const at = ['--received-at', '2019-04-08T09:00:00+01:00'];
  const v = await runCli(['ma', 'validate', CSV_NAME, '--max-errors', '2', ...at], { cwd: dir, env });
  assert.equal(v.code, 1, v.stderr);
  assert.equal((v.stdout.match(/is also on line 4/g) ?? []).length, 2, v.stdout);
  assert.match(v.stdout, /and 3 more errors of rule MAM 7\.2\.3 not listed/);
  assert.match(v.stdout, /INVALID: 5 errors/);
  const s = await runCli(
    [
      'ma',
      'seal',
      CSV_NAME,
      '--key',
      iki.key,
      '--cert',
      iki.cert,
      '--out',
      'sealed',
      '--allow-invalid',
      '--json',
    ],
    { cwd: dir, env },
  );
  assert.equal(s.code, 0, s.stderr);
  const zip = path.join(dir, 'sealed', `${STEM}.zip`);
  const atNow = [...at, '--at', new Date().toISOString()]; // the test PKI's certificates are valid now
  const o = await runCli(
    ['ma', 'open', zip, '--trust', pkiDir, '--no-store', '--max-errors', '1', ...atNow],
    {
      cwd: dir,
      env,
    },
  );
  assert.equal(o.code, 1, o.stderr);
  assert.match(o.stdout, /REJECTED at validation \(5 error/);
  assert.equal((o.stdout.match(/^error: (?!…)/gm) ?? []).length, 1, o.stdout);
  assert.match(o.stdout, /^error: … and 4 more errors of rule MAM 7\.2\.3 not listed \(--max-errors\)$/m);
  const j = await runCli(
    ['ma', 'open', zip, '--trust', pkiDir, '--no-store', '--max-errors', '1', '--json', ...atNow],
    {
      cwd: dir,
      env,
    },
  );
  const r = JSON.parse(j.stdout) as { errors: unknown[]; errorCount: number; omittedErrors: unknown };
  assert.equal(r.errors.length, 1);
  assert.equal(r.errorCount, 5);
  assert.deepEqual(r.omittedErrors, [{ rule: 'MAM 7.2.3', count: 4 }]);
});
