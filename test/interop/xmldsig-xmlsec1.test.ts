// Interoperability of s1mig's streaming XMLDSig (TMAD 10.1 profile, TMAD 5.9.2) with xmlsec1, and of
// its canonicaliser with xmllint.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeXmlTestPki } from '../support/xml-test-pki.js';
import { C14N_CORPUS } from '../support/c14n-corpus.js';
import { canonicalizeString } from '../../src/lib/xmldsig/c14n.js';
import { signXmlFile, verifyXmlFile, type ReferenceTransforms } from '../../src/lib/xmldsig/index.js';

const pki = makeXmlTestPki();
after(() => pki.cleanup());
const f = (name: string): string => path.join(pki.dir, name);

const DOC =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<mig:MigrationCommonFile xmlns:mig="urn:s1mig:test" xmlns:unused="urn:unused" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
  '  <mig:Header><mig:MCFCounter>7</mig:MCFCounter></mig:Header>\n' +
  '  <Installation xmlns="urn:s1mig:other" note="a&amp;b&#9;c">caf\u00e9 &lt;x&gt;<![CDATA[ & ]]></Installation>\n' +
  '  <?keep me?><!-- dropped -->\n' +
  '</mig:MigrationCommonFile>\n';

function xmlsec1Verify(file: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('xmlsec1', ['--verify', ...args, file], { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}

const resolveKey = (issuerName: string, serialNumber: string) =>
  issuerName === pki.issuerName && serialNumber === pki.serialNumber ? pki.leafCert.publicKey : undefined;

for (const transforms of ['enveloped', 'enveloped+exc-c14n'] as ReferenceTransforms[]) {
  test(`TMAD 10.1: s1mig-signed file (${transforms}) verifies with xmlsec1, key and PKI mode`, async () => {
    const inp = f(`ours-in-${transforms}.xml`);
    const out = f(`ours-${transforms}.xml`);
    writeFileSync(inp, DOC);
    await signXmlFile(inp, out, {
      privateKey: pki.leafKey,
      issuerName: pki.issuerName,
      serialNumber: pki.serialNumber,
      transforms,
    });
    const key = xmlsec1Verify(out, ['--pubkey-cert-pem', pki.leafCertPath]);
    assert.ok(key.ok, key.out);
    const pkiMode = xmlsec1Verify(out, [
      '--trusted-pem',
      pki.caCertPath,
      '--untrusted-pem',
      pki.leafCertPath,
    ]);
    assert.ok(pkiMode.ok, pkiMode.out);
    // An untrusted CA: xmlsec1 must refuse (the test is meaningful).
    const wrong = xmlsec1Verify(out, [
      '--trusted-pem',
      pki.otherCertPath.replace('other.pem', 'otherca.pem'),
      '--untrusted-pem',
      pki.leafCertPath,
    ]);
    assert.equal(wrong.ok, false);
  });
}

function template(transforms: ReferenceTransforms, pretty: boolean): string {
  const nl = pretty ? '\n    ' : '';
  const t =
    '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>' +
    (transforms === 'enveloped+exc-c14n'
      ? `${nl}<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`
      : '');
  const sig =
    `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${nl}<ds:SignedInfo>${nl}` +
    `<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>${nl}` +
    `<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>${nl}` +
    `<ds:Reference URI="">${nl}<ds:Transforms>${nl}${t}${nl}</ds:Transforms>${nl}` +
    `<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>${nl}<ds:DigestValue/>${nl}</ds:Reference>${nl}` +
    `</ds:SignedInfo>${nl}<ds:SignatureValue/>${nl}<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial/></ds:X509Data></ds:KeyInfo>${nl}</ds:Signature>`;
  return DOC.replace('</mig:MigrationCommonFile>', sig + (pretty ? '\n' : '') + '</mig:MigrationCommonFile>');
}

for (const transforms of ['enveloped', 'enveloped+exc-c14n'] as ReferenceTransforms[]) {
  for (const pretty of [false, true]) {
    test(`TMAD 5.9.2: xmlsec1-signed file (${transforms}${pretty ? ', indented Signature' : ''}) verifies with s1mig; tampering fails both`, async () => {
      const tpl = f(`tpl-${transforms}-${pretty}.xml`);
      const signed = f(`xmlsec-${transforms}-${pretty}.xml`);
      writeFileSync(tpl, template(transforms, pretty));
      execFileSync(
        'xmlsec1',
        ['--sign', '--privkey-pem', `${pki.leafKeyPath},${pki.leafCertPath}`, '--output', signed, tpl],
        {
          stdio: 'pipe',
        },
      );
      const text = readFileSync(signed, 'utf8');
      assert.ok(text.includes(`<ds:X509SerialNumber>${pki.serialNumber}</ds:X509SerialNumber>`), text);
      const v = await verifyXmlFile(signed, { resolveKey });
      assert.deepEqual(v.problems, []);
      assert.deepEqual(v.signer, { issuerName: pki.issuerName, serialNumber: pki.serialNumber });
      assert.equal(v.valid, true);

      const tampered = f(`xmlsec-${transforms}-${pretty}-tampered.xml`);
      writeFileSync(tampered, text.replace('<mig:MCFCounter>7<', '<mig:MCFCounter>8<'));
      assert.equal((await verifyXmlFile(tampered, { resolveKey })).valid, false);
      assert.equal(xmlsec1Verify(tampered, ['--pubkey-cert-pem', pki.leafCertPath]).ok, false);
    });
  }
}

test('TMAD 5.9.2: a file tampered after s1mig signed it fails with xmlsec1 and with s1mig', async () => {
  const inp = f('t-in.xml');
  const out = f('t-out.xml');
  writeFileSync(inp, DOC);
  await signXmlFile(inp, out, {
    privateKey: pki.leafKey,
    issuerName: pki.issuerName,
    serialNumber: pki.serialNumber,
  });
  const t = f('t-tampered.xml');
  writeFileSync(t, readFileSync(out, 'utf8').replace('note="a&amp;b', 'note="a&amp;B'));
  assert.equal(xmlsec1Verify(t, ['--pubkey-cert-pem', pki.leafCertPath]).ok, false);
  assert.equal((await verifyXmlFile(t, { resolveKey })).valid, false);
});

test('the c14n corpus still matches a live xmllint --exc-c14n / --c14n', async () => {
  for (const [i, c] of C14N_CORPUS.entries()) {
    const file = f(`c14n-${i}.xml`);
    writeFileSync(file, c.xml);
    const exc = execFileSync('xmllint', ['--exc-c14n', file], { encoding: 'utf8' });
    const inc = execFileSync('xmllint', ['--c14n', file], { encoding: 'utf8' });
    assert.equal(await canonicalizeString(c.xml, { mode: 'exclusive', withComments: true }), exc, c.name);
    assert.equal(await canonicalizeString(c.xml, { mode: 'inclusive', withComments: true }), inc, c.name);
  }
});
