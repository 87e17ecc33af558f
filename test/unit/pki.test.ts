import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CertificateParseError,
  DEFAULT_ROLE_CODES,
  OID,
  buildNameDer,
  checkSigningCertificate,
  confirmValidity,
  criticalNetworkOperatorId,
  criticalSupplierId,
  findCertificate,
  formatName,
  hasRole,
  keyIdentifier,
  nonCriticalNetworkOperatorId,
  nonCriticalSupplierId,
  normaliseRfc4514,
  parseCertificate,
  parseCrl,
  requiredSigningRole,
  roleFromOu,
  subjectPublicKeyBits,
  type OrganisationCertificate,
  type TrustStore,
} from '../../src/core/pki/index.js';
import {
  initTestPki,
  issueOrganisationCertificate,
  revokeCertificate,
  type TestPkiParty,
} from '../../src/estate/test-pki.js';
import { loadTrustStore } from '../../src/files/trust-store.js';

let dir: string;
let otherDir: string;
let parties: TestPkiParty[];
let trust: TrustStore;
const NOW = new Date();

async function cert(rel: string): Promise<OrganisationCertificate> {
  return parseCertificate(await readFile(path.join(dir, rel), 'utf8'));
}
function entry(party: string, role: string, keyUsage = 'digitalSignature') {
  const p = parties.find((x) => x.name === party)!;
  return p.certificates.find((c) => c.role === role && c.keyUsage === keyUsage)!;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 's1mig-pki-unit-'));
  otherDir = await mkdtemp(path.join(os.tmpdir(), 's1mig-pki-unit-other-'));
  parties = (await initTestPki(dir, { now: NOW })).parties;
  await initTestPki(otherDir, {
    now: NOW,
    parties: [
      {
        name: 'stranger',
        entityId: '70-B3-D5-1F-30-09-00-01',
        kind: 'supplier',
        certificates: [{ role: 'supplier', keyUsage: 'digitalSignature' }],
      },
    ],
  });
  trust = await loadTrustStore(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(otherDir, { recursive: true, force: true });
});

test('test PKI layout: parties.json lists every default party with EUI-64 Entity Identifiers and Certificate IDs', async () => {
  const json = JSON.parse(await readFile(path.join(dir, 'parties.json'), 'utf8')) as TestPkiParty[];
  assert.deepEqual(
    json.map((p) => p.name),
    [
      'supplier-a',
      'supplier-b',
      'network-operator',
      'gas-transporter',
      'requesting-party',
      's1sp',
      'commissioning-party',
    ],
  );
  for (const p of json) {
    assert.match(p.entityId, /^[0-9A-F]{2}(-[0-9A-F]{2}){7}$/);
    for (const c of p.certificates) {
      const parsed = await cert(c.cert);
      assert.equal(parsed.serialNumber, c.serialNumber);
      assert.equal(parsed.issuerName, c.issuerName);
      assert.equal(parsed.entityId, p.entityId);
    }
  }
  assert.equal(entry('supplier-a', 'supplier', 'keyAgreement').cert, 'supplier-a/supplier-ka.cert.pem');
  assert.equal(entry('s1sp', 's1SPMigrationSigning').cert, 's1sp/s1SPMigrationSigning.cert.pem');
});

test('loadTrustStore sorts root, issuing CA, leaves and the CRL; ignores *.key.pem', () => {
  assert.equal(trust.roots.length, 1);
  assert.equal(trust.intermediates.length, 1);
  assert.equal(trust.certificates.length, 15);
  assert.equal(trust.crls.length, 1);
  assert.equal(trust.roots[0]!.subjectName, 'CN=s1mig Test SMKI Root CA,OU=00,O=s1mig Test');
  assert.equal(trust.intermediates[0]!.subjectName, 'CN=s1mig Test SMKI Issuing CA,OU=07,O=s1mig Test');
});

test('TMAD 3.16: the Remote Party Role is read from the subject OU role code', async () => {
  const roles: Array<[string, string, string]> = [
    ['supplier-a', 'supplier', 'digitalSignature'],
    ['supplier-a', 'supplier', 'keyAgreement'],
    ['supplier-a', 'ikiFileSigning', 'digitalSignature'],
    ['network-operator', 'networkOperator', 'keyAgreement'],
    ['requesting-party', 'requestingPartyFileSigning', 'digitalSignature'],
    ['s1sp', 's1SPMigrationSigning', 'digitalSignature'],
    ['s1sp', 's1SPxmlSigning', 'digitalSignature'],
    ['commissioning-party', 'commissioningPartyFileSigning', 'digitalSignature'],
    ['commissioning-party', 'commissioningPartyXmlSigning', 'digitalSignature'],
  ];
  for (const [party, role, ku] of roles) {
    const c = await cert(entry(party, role, ku).cert);
    assert.equal(c.role, role);
    assert.ok(hasRole(c, role));
    assert.ok(!hasRole(c, role === 'supplier' ? 'networkOperator' : 'supplier'));
    assert.deepEqual(c.keyUsage, [ku]);
    assert.ok(c.keyUsageCritical);
  }
  assert.equal((await cert(entry('supplier-a', 'supplier').cert)).subjectName.split(',')[1], 'OU=02');
  assert.equal(roleFromOu('03'), 'networkOperator');
  assert.equal(roleFromOu('FE'), 'code:FE');
  assert.equal(roleFromOu('supplier'), null);
  assert.equal(DEFAULT_ROLE_CODES.issuingAuthority, 7);
});

test('TMAD 2: Critical/Non-Critical Supplier and Network Operator IDs depend on role and keyUsage', async () => {
  const sa = parties.find((p) => p.name === 'supplier-a')!.entityId;
  const no = parties.find((p) => p.name === 'network-operator')!.entityId;
  const sDs = await cert(entry('supplier-a', 'supplier').cert);
  const sKa = await cert(entry('supplier-a', 'supplier', 'keyAgreement').cert);
  const nDs = await cert(entry('network-operator', 'networkOperator').cert);
  const nKa = await cert(entry('network-operator', 'networkOperator', 'keyAgreement').cert);
  const iki = await cert(entry('supplier-a', 'ikiFileSigning').cert);
  assert.equal(criticalSupplierId(sDs), sa);
  assert.equal(nonCriticalSupplierId(sDs), null);
  assert.equal(nonCriticalSupplierId(sKa), sa);
  assert.equal(criticalSupplierId(sKa), null);
  assert.equal(criticalNetworkOperatorId(nDs), no);
  assert.equal(nonCriticalNetworkOperatorId(nKa), no);
  assert.equal(criticalSupplierId(nDs), null);
  assert.equal(criticalNetworkOperatorId(sDs), null);
  // Same Entity Identifier, other role: null (TMAD 2 "Otherwise ... shall be null").
  assert.equal(criticalSupplierId(iki), null);
  assert.equal(criticalSupplierId(null), null);
});

test('TMAD 2 Key Identifier: SHA-1 of the subjectPublicKey, equal to the SKI the PKI writes', async () => {
  const c = await cert(entry('s1sp', 's1SPMigrationSigning').cert);
  const bits = subjectPublicKeyBits(new Uint8Array(c.publicKey.export({ type: 'spki', format: 'der' })));
  assert.equal(bits.length, 65); // uncompressed P-256 point
  assert.equal(c.keyIdentifier, createHash('sha1').update(bits).digest('hex'));
  assert.equal(keyIdentifier(c.publicKey), c.keyIdentifier);
  assert.equal(c.subjectKeyIdentifier, c.keyIdentifier);
  assert.equal(c.authorityKeyIdentifier, trust.intermediates[0]!.keyIdentifier);
  assert.deepEqual(c.policies, ['1.2.826.0.1.8641679.1.2.1.4']);
});

test('TMAD 2 Certificate ID: serial is decimal; issuer is RFC 4514 (reversed RDNs, escaped)', () => {
  const name = buildNameDer([
    ['2.5.4.6', 'GB'],
    ['2.5.4.10', 'A, B & C'],
    ['2.5.4.3', '#lead "q" trail '],
    [OID.x500UniqueIdentifier, { bitString: Uint8Array.from([0x70, 0xb3, 0xd5, 0x1f, 0x30, 0, 0xa0, 1]) }],
  ]);
  assert.equal(
    formatName(name),
    'x500UniqueIdentifier=#03090070B3D51F3000A001,CN=\\#lead \\"q\\" trail\\ ,O=A\\, B & C,C=GB',
  );
  assert.equal(formatName(buildNameDer([['2.5.4.3', 'Zoë']])), 'CN=Zo\\C3\\AB');
  assert.equal(normaliseRfc4514('cn = X , o=Y'), 'CN=X,O=Y');
});

test('findCertificate finds by Certificate ID (issuer + serial), tolerant of spacing; never for the Null ID', async () => {
  const e = entry('requesting-party', 'requestingPartyFileSigning');
  assert.equal(findCertificate(trust, e.issuerName, e.serialNumber)?.role, 'requestingPartyFileSigning');
  assert.equal(
    findCertificate(trust, e.issuerName.replace(/,/g, ', '), '0' + e.serialNumber)?.serialNumber,
    e.serialNumber,
  );
  assert.equal(findCertificate(trust, e.issuerName, '12345'), undefined);
  assert.equal(findCertificate(trust, 'CN=Other', e.serialNumber), undefined);
  assert.equal(findCertificate(trust, 'NULL', '0'), undefined);
});

// Its time is measured by bench/linear-time.ts.
test('findCertificate: a huge untrusted X509SerialNumber (TMAD 2) is compared without BigInt', () => {
  const e = entry('requesting-party', 'requestingPartyFileSigning');
  assert.equal(findCertificate(trust, e.issuerName, '0'.repeat(1_000_000) + e.serialNumber)?.role, e.role);
  assert.equal(findCertificate(trust, e.issuerName, '9'.repeat(1_000_000)), undefined);
});

test('TMAD 5.9.4 Confirm Validity: every default certificate is valid now', () => {
  for (const c of trust.certificates)
    assert.deepEqual(confirmValidity(c, trust, NOW), { valid: true, problems: [] });
});

test('TMAD 5.9.4 Confirm Validity: expired and not-yet-valid certificates fail', async () => {
  const past = await issueOrganisationCertificate(dir, {
    party: 'supplier-a',
    role: 'supplier',
    keyUsage: 'digitalSignature',
    notBefore: new Date(NOW.getTime() - 10 * 86_400_000),
    notAfter: new Date(NOW.getTime() - 86_400_000),
    record: false,
  });
  const future = await issueOrganisationCertificate(dir, {
    party: 'supplier-a',
    role: 'supplier',
    keyUsage: 'digitalSignature',
    notBefore: new Date(NOW.getTime() + 86_400_000),
    notAfter: new Date(NOW.getTime() + 10 * 86_400_000),
    record: false,
  });
  const expired = confirmValidity(await cert(past.cert), trust, NOW);
  assert.equal(expired.valid, false);
  assert.match(expired.problems.map((p) => p.message).join('\n'), /has expired/);
  const early = confirmValidity(await cert(future.cert), trust, NOW);
  assert.equal(early.valid, false);
  assert.match(early.problems.map((p) => p.message).join('\n'), /not yet valid/);
  // The same certificate is valid at a time inside its dates.
  assert.ok(confirmValidity(await cert(future.cert), trust, new Date(NOW.getTime() + 2 * 86_400_000)).valid);
});

test('TMAD 5.9.4 Confirm Validity: a revoked certificate fails once the CRL lists it', async () => {
  const extra = await issueOrganisationCertificate(dir, {
    party: 'supplier-b',
    role: 'supplier',
    keyUsage: 'digitalSignature',
    record: false,
  });
  const c = await cert(extra.cert);
  assert.ok(confirmValidity(c, trust, NOW).valid);
  const r = await revokeCertificate(dir, path.join(dir, extra.cert));
  assert.equal(r.serialNumber, c.serialNumber);
  const crl = parseCrl(await readFile(path.join(dir, 'issuing-ca.crl.pem'), 'utf8'));
  assert.ok(crl.revokedSerials.has(c.serialNumber));
  const t2 = await loadTrustStore(dir);
  const v = confirmValidity(c, t2, NOW);
  assert.equal(v.valid, false);
  assert.match(v.problems.map((p) => p.message).join('\n'), /is revoked/);
  // Others stay valid; revoking twice keeps one entry.
  assert.ok(confirmValidity(await cert(entry('s1sp', 's1SPMigrationSigning').cert), t2, NOW).valid);
  assert.equal((await revokeCertificate(dir, path.join(dir, extra.cert))).revokedCount, 1);
});

test('TMAD 5.9.4 Confirm Validity: unknown CA, broken signature, forged CRL, missing CRL', async () => {
  const stranger = parseCertificate(
    await readFile(path.join(otherDir, 'stranger/supplier-ds.cert.pem'), 'utf8'),
  );
  const u = confirmValidity(stranger, trust, NOW);
  assert.equal(u.valid, false);
  assert.match(u.problems.map((p) => p.message).join('\n'), /does not verify|unknown CA/);

  // Same issuer name, other key: the signature does not verify.
  const wrongCa = await issueOrganisationCertificate(dir, {
    party: 'supplier-a',
    role: 'supplier',
    keyUsage: 'digitalSignature',
    issuerCertPath: path.join(otherDir, 'issuing-ca.cert.pem'),
    issuerKeyPath: path.join(otherDir, 'issuing-ca.key.pem'),
    record: false,
  });
  assert.match(
    confirmValidity(await cert(wrongCa.cert), trust, NOW)
      .problems.map((p) => p.message)
      .join('\n'),
    /does not verify/,
  );

  // Flip one bit of the signature value.
  const good = await cert(entry('supplier-a', 'supplier').cert);
  const der = Uint8Array.from(good.der);
  der[der.length - 5]! ^= 0x01;
  const broken = parseCertificate(der);
  const b = confirmValidity(broken, trust, NOW);
  assert.equal(b.valid, false);
  assert.match(b.problems.map((p) => p.message).join('\n'), /does not verify/);

  // A CRL signed by another CA's key is not used, and is reported.
  const foreignCrl = parseCrl(await readFile(path.join(otherDir, 'issuing-ca.crl.pem'), 'utf8'));
  const forged: TrustStore = { ...trust, crls: [foreignCrl] };
  const f = confirmValidity(good, forged, NOW);
  assert.equal(f.valid, false);
  assert.match(f.problems.map((p) => p.message).join('\n'), /CRL .* does not verify/);

  // No CRL: revocation cannot be checked (fail closed), unless the caller opts out.
  const noCrl: TrustStore = { ...trust, crls: [] };
  assert.match(
    confirmValidity(good, noCrl, NOW)
      .problems.map((p) => p.message)
      .join('\n'),
    /no CRL/,
  );
  assert.ok(confirmValidity(good, noCrl, NOW, { requireCrl: false }).valid);

  // Untrusted root: same chain without roots.
  const noRoot: TrustStore = { ...trust, roots: [] };
  assert.equal(confirmValidity(good, noRoot, NOW).valid, false);

  // A stale CRL (after nextUpdate) is not accepted.
  const late = new Date(crlNext(trust).getTime() + 86_400_000);
  assert.match(
    confirmValidity(good, trust, late)
      .problems.map((p) => p.message)
      .join('\n'),
    /out of date|expired/,
  );
});

function crlNext(t: TrustStore): Date {
  return t.crls[0]!.nextUpdate!;
}

test('Confirm Validity: Organisation Certificate keyUsage sanity (exactly one, critical) and no CA certificates', async () => {
  const both = await issueOrganisationCertificate(dir, {
    party: 'supplier-a',
    role: 'supplier',
    keyUsage: ['digitalSignature', 'keyAgreement'],
    record: false,
  });
  assert.match(
    confirmValidity(await cert(both.cert), trust, NOW)
      .problems.map((p) => p.message)
      .join('\n'),
    /exactly one/,
  );
  const soft = await issueOrganisationCertificate(dir, {
    party: 'supplier-a',
    role: 'supplier',
    keyUsage: 'digitalSignature',
    keyUsageCritical: false,
    record: false,
  });
  assert.match(
    confirmValidity(await cert(soft.cert), trust, NOW)
      .problems.map((p) => p.message)
      .join('\n'),
    /not critical/,
  );
  assert.match(
    confirmValidity(trust.intermediates[0]!, trust, NOW)
      .problems.map((p) => p.message)
      .join('\n'),
    /CA certificate/,
  );
});

test('TMAD 5.5 / Table 5.5 and 5.9.3: the signing certificate must carry the role for the file type', async () => {
  assert.equal(requiredSigningRole('MigrationCommonFile'), 'requestingPartyFileSigning');
  assert.equal(requiredSigningRole('MCF'), 'requestingPartyFileSigning');
  assert.equal(requiredSigningRole('MGF'), 'requestingPartyFileSigning');
  assert.equal(requiredSigningRole('MEF'), 'requestingPartyFileSigning');
  assert.equal(requiredSigningRole('MVF'), 's1SPMigrationSigning');
  assert.equal(requiredSigningRole('SCF'), 's1SPMigrationSigning');
  assert.equal(requiredSigningRole('COF'), 'commissioningPartyFileSigning');
  assert.equal(requiredSigningRole('DUIS'), 'commissioningPartyXmlSigning');
  assert.equal(requiredSigningRole('XYZ'), undefined);
  const rp = await cert(entry('requesting-party', 'requestingPartyFileSigning').cert);
  const s1 = await cert(entry('s1sp', 's1SPMigrationSigning').cert);
  assert.ok(checkSigningCertificate(rp, 'requestingPartyFileSigning', trust, NOW).valid);
  const wrong = checkSigningCertificate(s1, requiredSigningRole('MCF')!, trust, NOW);
  assert.equal(wrong.valid, false);
  // TMAD 5.9.3: a typed problem naming the step and the Table 5.5 rule (no "5.9.3: " text prefix).
  assert.equal(wrong.problems[0]!.step, '5.9.3');
  assert.equal(wrong.problems[0]!.rule, 'TMAD 5.5 Table 5.5');
  assert.match(
    wrong.problems[0]!.message,
    /^certificate serial .*s1SPMigrationSigning.*requestingPartyFileSigning/,
  );
  assert.ok(wrong.problems.every((p) => p.step === '5.9.3' || p.step === '5.9.4'));
  // A keyAgreement certificate never checks a signature.
  const ka = await cert(entry('supplier-a', 'supplier', 'keyAgreement').cert);
  assert.match(
    checkSigningCertificate(ka, 'supplier', trust, NOW)
      .problems.map((p) => p.message)
      .join('\n'),
    /digitalSignature/,
  );
});

test('unknown role codes and missing Entity Identifiers are reported as such, not guessed', async () => {
  const odd = await issueOrganisationCertificate(dir, {
    party: 'supplier-a',
    roleOu: 'FE',
    entityId: null,
    keyUsage: 'digitalSignature',
    record: false,
  });
  const c = await cert(odd.cert);
  assert.equal(c.role, 'code:FE');
  assert.equal(c.entityId, null);
  assert.equal(criticalSupplierId(c), null);
});

test('issueOrganisationCertificate: a damaged parties.json is a RangeError naming the file', async () => {
  const bad = await mkdtemp(path.join(os.tmpdir(), 's1mig-pki-unit-badparties-'));
  try {
    for (const text of ['{not json', '{"name":"x"}']) {
      await writeFile(path.join(bad, 'parties.json'), text);
      await assert.rejects(
        issueOrganisationCertificate(bad, { keyUsage: 'digitalSignature' }),
        (e: Error) => e instanceof RangeError && e.message.includes(path.join(bad, 'parties.json')),
      );
    }
  } finally {
    await rm(bad, { recursive: true, force: true });
  }
});

test('parseCertificate rejects input that is not a certificate', () => {
  assert.throws(() => parseCertificate('hello'), CertificateParseError);
  assert.throws(
    () => parseCertificate(Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01])),
    CertificateParseError,
  );
  assert.throws(
    () => parseCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
    CertificateParseError,
  );
});
