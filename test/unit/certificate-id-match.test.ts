// TMAD 2 Certificate ID = serial number + "Issuer X520 Common Name": a bare CN or a DN with a CN names
// the issuer; matching is by numeric serial and the issuer's Common Name. Certificates are made by
// `openssl req -x509` / `openssl x509 -req` at test time, outside our own PKI code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  NULL_CERTIFICATE_ID,
  certificateIdMatches,
  issuerCommonName,
  parseCertificateId,
} from '../../src/core/ids/index.js';
import { findCertificate, parseCertificate, type TrustStore } from '../../src/core/pki/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-certid-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const openssl = (...args: string[]): string => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8' });
let leafPem: string;
let leafIssuer: string;
let leafSerial: string;

before(() => {
  // A CA 'CN=Z1,OU=07,O=Example' and a leaf it signs with a chosen serial (0x2A = 42).
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/O=Example/OU=07/CN=Z1',
    '-days',
    '30',
    '-out',
    'ca.pem',
  );
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key');
  openssl('req', '-new', '-key', 'leaf.key', '-subj', '/O=Example/CN=Leaf', '-out', 'leaf.csr');
  openssl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '42',
    '-days',
    '30',
    '-out',
    'leaf.pem',
  );
  leafPem = readFileSync(path.join(dir, 'leaf.pem'), 'utf8');
  leafIssuer = openssl('x509', '-in', 'leaf.pem', '-noout', '-issuer', '-nameopt', 'RFC2253')
    .replace(/^issuer=/, '')
    .trim();
  leafSerial = BigInt(
    '0x' +
      openssl('x509', '-in', 'leaf.pem', '-noout', '-serial')
        .replace(/^serial=/, '')
        .trim(),
  ).toString();
});

test('TMAD 2: issuerCommonName reads a bare CN, and the CN of an RFC 4514 DN (escapes resolved)', () => {
  assert.deepEqual(issuerCommonName('Z1'), { ok: true, value: 'Z1' });
  assert.deepEqual(issuerCommonName('  Test CA '), { ok: true, value: 'Test CA' });
  assert.deepEqual(issuerCommonName('CN=Z1,OU=07'), { ok: true, value: 'Z1' });
  assert.deepEqual(issuerCommonName('OU=07,cn = Z1'), { ok: true, value: 'Z1' });
  assert.deepEqual(issuerCommonName('2.5.4.3=Z1,O=X'), { ok: true, value: 'Z1' });
  assert.deepEqual(issuerCommonName('CN=Smith\\, J\\2C Ltd,O=X'), { ok: true, value: 'Smith, J, Ltd' });
  // RFC 4514 2.4: a multi-octet UTF-8 character escaped as hex pairs ('é' is C3 A9), beside plain text.
  assert.deepEqual(issuerCommonName('CN=Caf\\C3\\A9 \\+ Co'), { ok: true, value: 'Café + Co' });
  // the remembered answer is the same answer
  assert.deepEqual(issuerCommonName('CN=Caf\\C3\\A9 \\+ Co'), { ok: true, value: 'Café + Co' });
  assert.deepEqual(issuerCommonName('CN=A+OU=B,O=X'), { ok: true, value: 'A' });
});

test('TMAD 2 (decision): a DN without a CN, a malformed DN and an empty issuer are refused clearly', () => {
  const noCn = issuerCommonName('OU=07,O=Example');
  assert.equal(noCn.ok, false);
  assert.match(!noCn.ok ? noCn.error : '', /without a CN.*Issuer X520 Common Name \(TMAD 2\)/);
  assert.equal(issuerCommonName('CN=Z1,junk').ok, false);
  assert.equal(issuerCommonName('  ').ok, false);
  assert.equal(issuerCommonName('CN=,O=X').ok, false);
  assert.equal(parseCertificateId('5', 'O=Example').ok, false);
  assert.equal(parseCertificateId('5', 'Z1').ok, true);
});

test('TMAD 2: an openssl certificate is matched by a bare CN, by its DN, by a DN with other attributes; serial as a number', () => {
  assert.equal(leafIssuer, 'CN=Z1,OU=07,O=Example');
  assert.equal(leafSerial, '42');
  const cert = parseCertificate(leafPem);
  for (const issuerName of ['Z1', 'z1', 'CN=Z1,OU=07', leafIssuer, 'CN=Z1,OU=99,O=Other'])
    for (const serialNumber of ['42', '042', '0000042'])
      assert.equal(
        certificateIdMatches({ serialNumber, issuerName }, cert),
        true,
        `${serialNumber} ${issuerName}`,
      );
  assert.equal(certificateIdMatches({ serialNumber: '43', issuerName: 'Z1' }, cert), false);
  assert.equal(certificateIdMatches({ serialNumber: '42', issuerName: 'Z2' }, cert), false);
  assert.equal(certificateIdMatches({ serialNumber: '42', issuerName: 'OU=07,O=Example' }, cert), false);
  assert.equal(certificateIdMatches({ serialNumber: '42', issuerName: 'CN=Leaf' }, cert), false);
  assert.equal(certificateIdMatches({ serialNumber: 'x42', issuerName: 'Z1' }, cert), false);
});

test('TMAD 2: the Null Certificate ID (0, NULL) never matches a certificate, even one with serial 0', () => {
  assert.equal(certificateIdMatches(NULL_CERTIFICATE_ID, parseCertificate(leafPem)), false);
  assert.equal(certificateIdMatches(NULL_CERTIFICATE_ID, { serialNumber: '0', issuerName: 'NULL' }), false);
  assert.equal(
    certificateIdMatches(
      { serialNumber: '00', issuerName: 'NULL' },
      { serialNumber: '0', issuerName: 'NULL' },
    ),
    false,
  );
});

test('TMAD 2: findCertificate finds the openssl certificate from a bare issuer CN (Z1) and leading-zero serial', () => {
  const cert = parseCertificate(leafPem);
  const trust = { certificates: [cert], intermediates: [], roots: [], crls: [] } satisfies TrustStore;
  assert.equal(findCertificate(trust, 'Z1', '42'), cert);
  assert.equal(findCertificate(trust, 'CN=Z1,OU=07', '0042'), cert);
  assert.equal(findCertificate(trust, leafIssuer, '42'), cert);
  assert.equal(findCertificate(trust, 'Z9', '42'), undefined);
  assert.equal(findCertificate(trust, 'NULL', '0'), undefined);
});
