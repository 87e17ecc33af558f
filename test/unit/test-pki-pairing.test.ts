// The test PKI's certificate pairing (src/estate/test-pki.ts), checked against openssl's reading of
// the certificates on disk: Critical = digitalSignature, Non-Critical = keyAgreement (MAM 7.2.3).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  certificateOfRole,
  certificatePair,
  initTestPki,
  partyOfKind,
  readTestPkiParties,
} from '../../src/estate/test-pki.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 's1mig-pairing-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function openssl(cert: string): { serial: string; issuer: string; keyUsage: string } {
  const out = execFileSync(
    'openssl',
    ['x509', '-in', cert, '-noout', '-serial', '-issuer', '-nameopt', 'RFC2253', '-ext', 'keyUsage'],
    { encoding: 'utf8' },
  );
  return {
    serial: BigInt(`0x${/serial=([0-9A-F]+)/.exec(out)![1]!}`).toString(),
    issuer: /issuer=(.*)/.exec(out)![1]!.trim(),
    keyUsage: out.includes('Key Agreement') ? 'keyAgreement' : 'digitalSignature',
  };
}

test('MAM 7.2.3: certificatePair gives the Critical (digitalSignature) and Non-Critical (keyAgreement) IDs openssl reads', async () => {
  await initTestPki(dir);
  const parties = await readTestPkiParties(dir);
  const supplier = partyOfKind(parties, 'supplier');
  assert.ok(supplier);
  const pair = certificatePair(supplier, 'supplier');
  assert.ok(pair);
  const ds = openssl(path.join(dir, certificateOfRole(supplier, 'supplier', 'digitalSignature')!.cert));
  const ka = openssl(path.join(dir, certificateOfRole(supplier, 'supplier', 'keyAgreement')!.cert));
  assert.equal(ds.keyUsage, 'digitalSignature');
  assert.equal(ka.keyUsage, 'keyAgreement');
  assert.deepEqual(pair.critical, { serialNumber: ds.serial, issuerName: ds.issuer });
  assert.deepEqual(pair.nonCritical, { serialNumber: ka.serial, issuerName: ka.issuer });
  assert.equal(certificatePair(supplier, 'no-such-role'), undefined);
  assert.equal(partyOfKind(parties, 'no-such-kind'), undefined);
});
