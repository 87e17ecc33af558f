// s1mig pki through the real CLI: init, show, issue, verify (TMAD 5.9.3/5.9.4), revoke, bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';

let tmp: string;
let dir: string;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 's1mig-pki-e2e-'));
  dir = path.join(tmp, 'pki');
});
after(async () => rm(tmp, { recursive: true, force: true }));

test('pki init creates the documented layout and prints parties as JSON', async () => {
  const r = await runCli(['pki', 'init', dir, '--json', '--valid-days', '400']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    parties: Array<{ name: string; entityId: string; certificates: Array<{ cert: string; key: string }> }>;
  };
  for (const f of [
    'root-ca.cert.pem',
    'root-ca.key.pem',
    'issuing-ca.cert.pem',
    'issuing-ca.key.pem',
    'issuing-ca.crl.pem',
    'parties.json',
  ])
    await stat(path.join(dir, f));
  assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'parties.json'), 'utf8')), out.parties);
  const key = out.parties[0]!.certificates[0]!.key;
  assert.equal((await stat(path.join(dir, key))).mode & 0o777, 0o600);
  assert.match(await readFile(path.join(dir, key), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
});

test('pki show prints Certificate ID, Entity Identifier, role, key usage and Key Identifier', async () => {
  const [r, text] = await Promise.all([
    runCli(['pki', 'show', path.join(dir, 'supplier-a/supplier-ka.cert.pem'), '--json']),
    runCli(['pki', 'show', path.join(dir, 'supplier-a/supplier-ka.cert.pem')]),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.certificateId.issuerName, 'CN=s1mig Test SMKI Issuing CA,OU=07,O=s1mig Test');
  assert.match(s.certificateId.serialNumber, /^[1-9]\d*$/);
  assert.equal(s.entityId, '70-B3-D5-1F-30-01-00-01');
  assert.equal(s.role, 'supplier');
  assert.deepEqual(s.keyUsage, ['keyAgreement']);
  assert.equal(s.nonCriticalSupplierId, '70-B3-D5-1F-30-01-00-01'); // TMAD 2
  assert.equal(s.criticalSupplierId, null);
  assert.match(s.keyIdentifier, /^[0-9a-f]{40}$/);
  assert.match(text.stdout, /Remote Party Role: +supplier/);
});

test('pki verify: valid (exit 0), wrong Table 5.5 role (5.9.3, exit 1)', async () => {
  const cert = path.join(dir, 'requesting-party/requestingPartyFileSigning.cert.pem');
  const [ok, bad] = await Promise.all([
    runCli(['pki', 'verify', cert, '--trust', dir, '--file-type', 'MCF', '--json']),
    runCli(['pki', 'verify', cert, '--trust', dir, '--file-type', 'MVF', '--json']),
  ]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.equal(JSON.parse(ok.stdout).valid, true);
  assert.equal(bad.code, 1);
  assert.match(JSON.parse(bad.stdout).problems[0], /^5\.9\.3/);
});

test('pki issue makes expired certificates that verify rejects (5.9.4); pki revoke lists a certificate on the CRL', async () => {
  const iss = await runCli([
    'pki',
    'issue',
    dir,
    '--party',
    's1sp',
    '--role',
    's1SPMigrationSigning',
    '--key-usage',
    'digitalSignature',
    '--not-before',
    '2020-01-01T00:00:00Z',
    '--not-after',
    '2021-01-01T00:00:00Z',
    '--json',
  ]);
  assert.equal(iss.code, 0, iss.stderr);
  const e = JSON.parse(iss.stdout);
  // The s1sp certificate has expired; meanwhile revoke a good one (independent, so in parallel).
  const victim = path.join(dir, 'supplier-b/supplier-ds.cert.pem');
  const [expired, rv] = await Promise.all([
    runCli(['pki', 'verify', path.join(dir, e.cert), '--trust', dir]),
    runCli(['pki', 'revoke', dir, victim, '--json']),
  ]);
  assert.equal(expired.code, 1);
  assert.match(expired.stdout, /expired/);
  assert.equal(rv.code, 0, rv.stderr);
  assert.equal(JSON.parse(rv.stdout).revokedCount, 1);
  const after = await runCli(['pki', 'verify', victim, '--trust', dir, '--json']);
  assert.equal(after.code, 1);
  assert.match(JSON.parse(after.stdout).problems.join('\n'), /revoked/);
});

test('bad input is a usage error (exit 2) that names the file and what was expected', async () => {
  const junk = path.join(tmp, 'junk.pem');
  await writeFile(junk, 'not a certificate');
  const badParties = path.join(tmp, 'parties.json');
  await writeFile(
    badParties,
    JSON.stringify([{ name: 'p', entityId: 'nope', kind: 'supplier', certificates: [] }]),
  );
  const [a, b, c, d, e, f] = await Promise.all([
    runCli(['pki', 'show', junk]),
    runCli(['pki', 'show', path.join(tmp, 'missing.pem')]),
    runCli(['pki', 'init', path.join(tmp, 'x'), '--valid-days', 'ten']),
    runCli(['pki', 'init', path.join(tmp, 'y'), '--parties', badParties]),
    runCli(['pki', 'issue', dir, '--party', 'nobody', '--key-usage', 'digitalSignature']),
    runCli(['pki', 'verify', junk, '--trust', dir, '--file-type', 'XX']),
  ]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /junk\.pem: .*expected a PEM or DER X\.509 certificate/);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /missing\.pem: cannot read/);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /--valid-days 'ten'/);
  assert.equal(d.code, 2);
  assert.match(d.stderr, /parties\[0\]\.entityId: expected an EUI-64/);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /party 'nobody' is not in/);
  assert.equal(f.code, 2);
});

test('pki init --parties takes a custom party list', async () => {
  const spec = path.join(tmp, 'custom.json');
  await writeFile(
    spec,
    JSON.stringify([
      {
        name: 'dno-x',
        entityId: '70B3D51F30200001',
        kind: 'networkOperator',
        certificates: [{ role: 'networkOperator', keyUsage: 'keyAgreement' }],
      },
    ]),
  );
  const r = await runCli(['pki', 'init', path.join(tmp, 'custom'), '--parties', spec, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout).parties;
  assert.equal(p[0].entityId, '70-B3-D5-1F-30-20-00-01');
  assert.equal(p[0].certificates[0].cert, 'dno-x/networkOperator-ka.cert.pem');
});
