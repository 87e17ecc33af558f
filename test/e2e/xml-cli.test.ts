// s1mig xml sign / verify / c14n through the real CLI (TMAD 10.1, 5.9.2, 5.9.4).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { makeXmlTestPki } from '../support/xml-test-pki.js';

const pki = makeXmlTestPki();
after(() => pki.cleanup());
const f = (n: string): string => path.join(pki.dir, n);
const DOC =
  '<?xml version="1.0" encoding="UTF-8"?>\n<MCF xmlns="urn:s1mig:test">\n  <Counter>1</Counter>\n</MCF>\n';

test('xml sign then verify: exit 0, signer reported (TMAD 5.9.2 + 5.9.4)', async () => {
  writeFileSync(f('in.xml'), DOC);
  const s = await runCli([
    'xml',
    'sign',
    '--key',
    pki.leafKeyPath,
    '--cert',
    pki.leafCertPath,
    f('in.xml'),
    f('out.xml'),
  ]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, new RegExp(`serial ${pki.serialNumber}`));
  const v = await runCli([
    'xml',
    'verify',
    '--trust',
    pki.caCertPath,
    '--cert',
    pki.leafCertPath,
    '--no-require-crl',
    f('out.xml'),
    '--json',
  ]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const j = JSON.parse(v.stdout);
  assert.equal(j.valid, true);
  assert.deepEqual(j.signer, { issuerName: pki.issuerName, serialNumber: pki.serialNumber });
});

test('xml verify: tampered file → exit 1 with rule and line; unknown signer → exit 1', async () => {
  writeFileSync(f('in2.xml'), DOC);
  await runCli([
    'xml',
    'sign',
    '--key',
    pki.leafKeyPath,
    '--cert',
    pki.leafCertPath,
    f('in2.xml'),
    f('out2.xml'),
  ]);
  writeFileSync(f('bad.xml'), readFileSync(f('out2.xml'), 'utf8').replace('<Counter>1<', '<Counter>2<'));
  const v = await runCli([
    'xml',
    'verify',
    '--trust',
    pki.caCertPath,
    '--cert',
    pki.leafCertPath,
    '--no-require-crl',
    f('bad.xml'),
  ]);
  assert.equal(v.code, 1);
  assert.match(v.stdout, /INVALID/);
  assert.match(v.stdout, /bad\.xml:\d+: \[TMAD 5\.9\.2\] DigestValue does not match/);
  const u = await runCli(['xml', 'verify', '--trust', pki.caCertPath, f('out2.xml')]);
  assert.equal(u.code, 1);
  assert.match(u.stdout, /no trusted certificate/);
});

test('xml verify: Confirm Validity failures are reported (TMAD 5.9.4: no CRL; 5.9.3 role)', async () => {
  writeFileSync(f('in3.xml'), DOC);
  await runCli([
    'xml',
    'sign',
    '--key',
    pki.leafKeyPath,
    '--cert',
    pki.leafCertPath,
    f('in3.xml'),
    f('out3.xml'),
  ]);
  const v = await runCli([
    'xml',
    'verify',
    '--trust',
    pki.caCertPath,
    '--cert',
    pki.leafCertPath,
    f('out3.xml'),
    '--json',
  ]);
  assert.equal(v.code, 1);
  assert.ok(JSON.parse(v.stdout).problems.some((p: { rule: string }) => p.rule === 'TMAD 5.9.4'));
  const r = await runCli([
    'xml',
    'verify',
    '--trust',
    pki.caCertPath,
    '--cert',
    pki.leafCertPath,
    '--no-require-crl',
    '--role',
    's1SPMigrationSigning',
    f('out3.xml'),
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /\[TMAD 5\.9\.3\]/);
});

test('xml verify: DOCTYPE → exit 1 (TMAD 5.9.1); usage errors → exit 2', async () => {
  writeFileSync(f('dt.xml'), '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>');
  const d = await runCli(['xml', 'verify', '--trust', pki.caCertPath, f('dt.xml')]);
  assert.equal(d.code, 1);
  assert.match(d.stdout, /\[TMAD 5\.9\.1\] DOCTYPE not allowed/);
  assert.equal((await runCli(['xml', 'verify', f('dt.xml')])).code, 2, 'missing --trust');
  assert.equal((await runCli(['xml', 'verify', '--trust', pki.caCertPath, f('missing.xml')])).code, 2);
  const wrongKey = await runCli([
    'xml',
    'sign',
    '--key',
    pki.otherKeyPath,
    '--cert',
    pki.leafCertPath,
    f('in3.xml'),
    f('x.xml'),
  ]);
  assert.equal(wrongKey.code, 2);
  assert.match(wrongKey.stderr, /not the private key of --cert/);
  const notXml = await runCli([
    'xml',
    'sign',
    '--key',
    pki.leafKeyPath,
    '--cert',
    pki.leafCertPath,
    f('dt.xml'),
    f('x.xml'),
  ]);
  assert.equal(notXml.code, 2);
  assert.match(notXml.stderr, /DOCTYPE not allowed/);
});

test('xml c14n prints the exclusive canonical form', async () => {
  writeFileSync(f('c.xml'), '<r xmlns:u="urn:u" b="2" a="1"><!--c--><e/></r>');
  const r = await runCli(['xml', 'c14n', f('c.xml')]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '<r a="1" b="2"><e></e></r>');
});
