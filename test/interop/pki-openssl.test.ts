// The test SMKI PKI against OpenSSL (and xmlsec1 for the X509IssuerSerial round trip).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { confirmValidity, parseCertificate } from '../../src/core/pki/index.js';
import {
  initTestPki,
  issueOrganisationCertificate,
  revokeCertificate,
  type TestPkiParty,
} from '../../src/estate/test-pki.js';
import { loadTrustStore } from '../../src/files/trust-store.js';

let dir: string;
let parties: TestPkiParty[];

function openssl(args: string[], input?: string): { code: number; out: string } {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' });
  return { code: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}
function leafPaths(): string[] {
  return parties.flatMap((p) => p.certificates.map((c) => path.join(dir, c.cert)));
}
function verifyArgs(cert: string, crl = true): string[] {
  const a = [
    'verify',
    '-CAfile',
    path.join(dir, 'root-ca.cert.pem'),
    '-untrusted',
    path.join(dir, 'issuing-ca.cert.pem'),
  ];
  if (crl) a.push('-crl_check', '-CRLfile', path.join(dir, 'issuing-ca.crl.pem'));
  return [...a, cert];
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 's1mig-pki-interop-'));
  parties = (await initTestPki(dir)).parties;
});
after(async () => rm(dir, { recursive: true, force: true }));

test('every Organisation Certificate passes openssl verify -CAfile root -untrusted issuing -crl_check', () => {
  // One openssl run for all of them (it prints one line per file).
  const files = leafPaths();
  const r = openssl([...verifyArgs(files[0]!).slice(0, -1), ...files]);
  assert.equal(r.code, 0, r.out);
  for (const f of files) assert.ok(r.out.includes(`${f}: OK`), r.out);
});

test('TMAD 2 Certificate ID: issuerName equals openssl -issuer -nameopt RFC2253; serial is openssl serial in decimal', async () => {
  // One certificate of each shape (every leaf has the same issuer); the root and issuing CA too.
  const files = leafPaths().filter((f) =>
    /supplier-a\/supplier-ds|network-operator\/networkOperator-ka|s1sp\/s1SPx/.test(f),
  );
  assert.equal(files.length, 3);
  for (const f of [...files, path.join(dir, 'issuing-ca.cert.pem'), path.join(dir, 'root-ca.cert.pem')]) {
    const c = parseCertificate(await readFile(f, 'utf8'));
    const [issuer, subject, serial] = openssl([
      'x509',
      '-in',
      f,
      '-noout',
      '-issuer',
      '-subject',
      '-serial',
      '-nameopt',
      'RFC2253',
    ])
      .out.trim()
      .split('\n');
    assert.equal(issuer, `issuer=${c.issuerName}`);
    assert.equal(subject, `subject=${c.subjectName}`);
    assert.equal(c.serialNumber, BigInt('0x' + serial!.replace('serial=', '')).toString(10));
  }
});

test('TMAD 2 Key Identifier equals the SKI openssl computes itself (subjectKeyIdentifier=hash)', async () => {
  // A certificate made entirely by openssl: its SKI is RFC 5280 method 1, computed by openssl.
  const key = path.join(dir, 'ossl.key.pem');
  const crt = path.join(dir, 'ossl.cert.pem');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  execFileSync('openssl', [
    'req',
    '-new',
    '-x509',
    '-key',
    key,
    '-out',
    crt,
    '-days',
    '1',
    '-subj',
    '/CN=ossl',
    '-addext',
    'subjectKeyIdentifier=hash',
  ]);
  const ski = openssl(['x509', '-in', crt, '-noout', '-ext', 'subjectKeyIdentifier']).out;
  const hex = /([0-9A-F]{2}(:[0-9A-F]{2}){19})/.exec(ski)![1]!.replace(/:/g, '').toLowerCase();
  assert.equal(parseCertificate(await readFile(crt, 'utf8')).keyIdentifier, hex);
  // And for the PKI's certificates openssl shows the same SKI that s1mig computes.
  const f = leafPaths()[0]!;
  const ours = parseCertificate(await readFile(f, 'utf8'));
  const theirs = /([0-9A-F]{2}(:[0-9A-F]{2}){19})/.exec(
    openssl(['x509', '-in', f, '-noout', '-ext', 'subjectKeyIdentifier']).out,
  )![1]!;
  assert.equal(theirs.replace(/:/g, '').toLowerCase(), ours.keyIdentifier);
});

test('RFC 4514 formatting of escaped and non-ASCII names matches openssl -nameopt RFC2253', async () => {
  const key = path.join(dir, 'esc.key.pem');
  const crt = path.join(dir, 'esc.cert.pem');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  execFileSync('openssl', [
    'req',
    '-new',
    '-x509',
    '-utf8',
    '-key',
    key,
    '-out',
    crt,
    '-days',
    '1',
    '-subj',
    '/C=GB/O=A\\, B & C+OU=x;y/CN=Zoë <"q">\\/ ',
  ]);
  const c = parseCertificate(await readFile(crt, 'utf8'));
  const theirs = openssl(['x509', '-in', crt, '-noout', '-subject', '-nameopt', 'RFC2253']).out.trim();
  assert.equal(`subject=${c.subjectName}`, theirs);
  assert.equal(
    `issuer=${c.issuerName}`,
    openssl(['x509', '-in', crt, '-noout', '-issuer', '-nameopt', 'RFC2253']).out.trim(),
  );
});

test('CRL: openssl reads the CRL, and rejects a certificate s1mig revoked (as does confirmValidity)', async () => {
  const extra = await issueOrganisationCertificate(dir, {
    party: 'supplier-a',
    role: 'supplier',
    keyUsage: 'digitalSignature',
    record: false,
  });
  const f = path.join(dir, extra.cert);
  assert.equal(openssl(verifyArgs(f)).code, 0);
  await revokeCertificate(dir, f);
  const r = openssl(verifyArgs(f));
  assert.notEqual(r.code, 0);
  assert.match(r.out, /revoked/);
  const crlText = openssl(['crl', '-in', path.join(dir, 'issuing-ca.crl.pem'), '-noout', '-text']).out;
  assert.match(crlText, new RegExp(BigInt(extra.serialNumber).toString(16).toUpperCase().replace(/^0+/, '')));
  const trust = await loadTrustStore(dir);
  assert.match(
    confirmValidity(parseCertificate(await readFile(f, 'utf8')), trust, new Date())
      .problems.map((p) => p.message)
      .join('\n'),
    /revoked/,
  );
  // Everything else still verifies with the new CRL.
  assert.equal(openssl(verifyArgs(leafPaths()[0]!)).code, 0);
});

test('openssl and confirmValidity agree on an expired certificate', async () => {
  const now = Date.now();
  const extra = await issueOrganisationCertificate(dir, {
    party: 's1sp',
    role: 's1SPMigrationSigning',
    keyUsage: 'digitalSignature',
    notBefore: new Date(now - 20 * 86_400_000),
    notAfter: new Date(now - 10 * 86_400_000),
    record: false,
  });
  const f = path.join(dir, extra.cert);
  const r = openssl(verifyArgs(f, false));
  assert.notEqual(r.code, 0);
  assert.match(r.out, /expired/);
  const trust = await loadTrustStore(dir);
  assert.equal(confirmValidity(parseCertificate(await readFile(f, 'utf8')), trust, new Date()).valid, false);
});

test('xmlsec1 signs with a PKI key and writes the X509IssuerName/X509SerialNumber that s1mig computes; verifies in PKI mode', async (t) => {
  if (spawnSync('xmlsec1', ['--version']).status !== 0) return t.skip('xmlsec1 not installed');
  const s1sp = parties
    .find((p) => p.name === 's1sp')!
    .certificates.find((c) => c.role === 's1SPMigrationSigning')!;
  const tmpl = path.join(dir, 'tmpl.xml');
  const signed = path.join(dir, 'signed.xml');
  await writeFile(
    tmpl,
    '<?xml version="1.0"?>\n<Doc xmlns="urn:x"><A>hi</A><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>' +
      '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>' +
      '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/><ds:Reference URI=""><ds:Transforms>' +
      '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>' +
      '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>' +
      '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>' +
      '<ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial/></ds:X509Data></ds:KeyInfo></ds:Signature></Doc>\n',
  );
  const cert = path.join(dir, s1sp.cert);
  execFileSync(
    'xmlsec1',
    ['--sign', '--privkey-pem', `${path.join(dir, s1sp.key)},${cert}`, '--output', signed, tmpl],
    { stdio: 'pipe' },
  );
  const xml = await readFile(signed, 'utf8');
  assert.equal(/<ds:X509IssuerName>(.*)<\/ds:X509IssuerName>/.exec(xml)![1], s1sp.issuerName);
  assert.equal(/<ds:X509SerialNumber>(.*)<\/ds:X509SerialNumber>/.exec(xml)![1], s1sp.serialNumber);
  const v = spawnSync(
    'xmlsec1',
    [
      '--verify',
      '--trusted-pem',
      path.join(dir, 'root-ca.cert.pem'),
      '--untrusted-pem',
      path.join(dir, 'issuing-ca.cert.pem'),
      '--untrusted-pem',
      cert,
      signed,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(v.status, 0, v.stderr);
});
