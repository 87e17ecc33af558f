// TMAD 5.10(b)–(d): the Migration Common Validation File built from the Table 5.10 results of a generated
// MCF validates against schema/smets1-migration.xsd with libxml2's xmllint, and its signature (the S1SP's
// s1SPMigrationSigning certificate, Table 5.5) verifies with xmlsec1, by key and in PKI mode.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCertificate } from '../../src/core/pki/index.js';
import { loadPrivateKey } from '../../src/files/trust-store.js';
import { generateSampleFile } from '../../src/estate/migration-file-samples.js';
import {
  readMigrationCommonFile,
  readMigrationValidationFile,
  type McfInstallation,
  type MigrationCommonHeader,
  type OutcomeInstallation,
} from '../../src/core/formats/migration-files/index.js';
import {
  MvfSignerError,
  buildMigrationCommonValidationFile,
  commonValidationChecks,
  inMemoryCommonValidationContext,
  type CommonValidationResult,
} from '../../src/dcc/common-validation.js';
import { writeMigrationCommonValidationFile } from '../../src/dcc/mvf-file.js';
import { makeTestPki, type TestPkiFixture } from '../support/signed-files.js';

const XSD = path.resolve('schema/smets1-migration.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const hasXmlsec1 = spawnSync('xmlsec1', ['--version']).status === 0;

let pki: TestPkiFixture;
let header: MigrationCommonHeader;
const installations: McfInstallation[] = [];
let results: CommonValidationResult;
let mvfPath: string;
let streamedPath: string;
let ctx: ReturnType<typeof inMemoryCommonValidationContext>;
let at: Date;

before(async () => {
  pki = await makeTestPki();
  const cert = (party: string, role: string, ku: string) => {
    const c = pki.party(party).certificates.find((x) => x.role === role && x.keyUsage === ku)!;
    return { serialNumber: c.serialNumber, issuerName: c.issuerName };
  };
  const mcfPath = path.join(pki.dir, 'mcf.xml');
  await generateSampleFile(
    'MCF',
    {
      installations: 25,
      requestingPartyId: pki.party('requesting-party').entityId,
      counter: 41n,
      mcfCounter: 41n,
      groupId: 'AA',
      seed: 5,
      supplierCertificates: {
        critical: cert('supplier-a', 'supplier', 'digitalSignature'),
        nonCritical: cert('supplier-a', 'supplier', 'keyAgreement'),
      },
      networkOperatorCertificates: {
        critical: cert('network-operator', 'networkOperator', 'digitalSignature'),
        nonCritical: cert('network-operator', 'networkOperator', 'keyAgreement'),
      },
    },
    createWriteStream(mcfPath),
  );
  const summary = await readMigrationCommonFile(await readFile(mcfPath), {
    onInstallation: (i) => void installations.push(i),
  });
  header = summary.header;
  const first = installations[0]!;
  // Reference data that makes installations fail in several ways: models known only for the first
  // installation, one Device ID already in the SMI, no Registration Data, no Network Party.
  ctx = inMemoryCommonValidationContext({
    cpl: [first.chfDetail.deviceDetail, first.esmeDetail.deviceDetail],
    groupDeviceModels: {},
    eligibleProductCombinations: [],
    smartMeteringInventory: [installations[1]!.gpfDetail.deviceId],
    trust: pki.trust,
    supplierParties: { SUPA: [pki.party('supplier-a').entityId] },
    networkParties: {},
    importSuppliers: [],
    electricityDistributors: [],
    gasSuppliers: [],
    gasTransporters: [],
  });
  at = new Date();
  results = commonValidationChecks({ header, installations }, ctx, { at });
  const s1sp = pki.party('s1sp').certificates.find((c) => c.role === 's1SPMigrationSigning')!;
  const signer = {
    certificate: parseCertificate(await readFile(path.join(pki.dir, s1sp.cert), 'latin1')),
    privateKey: await loadPrivateKey(path.join(pki.dir, s1sp.key)),
  };
  // The streaming path: MCF file in, signed MVF file out, named from its header.
  const streamed = await writeMigrationCommonValidationFile(
    await readFile(mcfPath),
    ctx,
    signer,
    { directory: pki.dir, name: (h) => `MVF_${h.reportingPartyId}_${h.mcfCounter}_${h.mvfCounter}.xml` },
    { at, mvfCounter: 10n },
  );
  streamedPath = streamed.path;
  const xml = await buildMigrationCommonValidationFile(
    { header },
    results,
    {
      certificate: parseCertificate(await readFile(path.join(pki.dir, s1sp.cert), 'latin1')),
      privateKey: await loadPrivateKey(path.join(pki.dir, s1sp.key)),
    },
    { mvfCounter: 9n },
  );
  mvfPath = path.join(pki.dir, 'mvf.xml');
  await writeFile(mvfPath, xml);
});
after(() => pki.cleanup());

test('TMAD 5.10(b)/(c): the MVF carries the MCF Migration Header and one entry per installation with its FailedChecks', async () => {
  const read: OutcomeInstallation[] = [];
  const s = await readMigrationValidationFile(await readFile(mvfPath), {
    onInstallation: (i) => void read.push(i),
  });
  assert.equal(s.signed, true);
  assert.deepEqual(s.header, {
    requestingPartyId: header.requestingPartyId,
    mcfCounter: 41n,
    reportingPartyId: pki.party('s1sp').entityId,
    mvfCounter: 9n,
    groupId: 'AA',
  });
  assert.equal(read.length, installations.length);
  assert.deepEqual(
    read.map((r) => r.chfIdentifier),
    installations.map((i) => i.chfDetail.deviceId),
  );
  assert.deepEqual(
    read.map((r) => r.failedChecks),
    results.installations.map((r) => r.failures.map((f) => f.failedCheck)),
  );
  const all = read.flatMap((r) => r.failedChecks);
  // Every kind of SupportingData appears: DeviceID, CertificateID, CertificatePair and none.
  assert.ok(all.some((f) => f.failedStepNumber === '5.10.4' && f.supportingData?.deviceId));
  assert.ok(all.some((f) => f.failedStepNumber === '5.10.9' && f.supportingData?.certificateId));
  assert.ok(all.some((f) => f.failedStepNumber === '5.10.11' && f.supportingData?.certificatePair));
  assert.ok(all.some((f) => f.failedStepNumber === '5.10.3' && f.supportingData === undefined));
});

test('TMAD 10.1: the MVF validates against schema/smets1-migration.xsd (xmllint), built in memory or streamed', (t) => {
  if (!hasXmllint) return t.skip('xmllint not installed');
  for (const f of [mvfPath, streamedPath]) {
    const r = spawnSync('xmllint', ['--noout', '--schema', XSD, f], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});

test('TMAD 5.10(c): the streamed MVF has the same FailedChecks as the in-memory checks, and its counter', async () => {
  const read: OutcomeInstallation[] = [];
  const s = await readMigrationValidationFile(await readFile(streamedPath), {
    onInstallation: (i) => void read.push(i),
  });
  assert.equal(path.basename(streamedPath), `MVF_${pki.party('s1sp').entityId}_41_10.xml`);
  assert.equal(s.header.mvfCounter, 10n);
  assert.deepEqual(
    read.map((r) => r.failedChecks),
    results.installations.map((r) => r.failures.map((f) => f.failedCheck)),
  );
});

test('TMAD 5.9.1: an unreadable MCF makes no MVF and leaves no temporary file', async () => {
  const s1sp = pki.party('s1sp').certificates.find((c) => c.role === 's1SPMigrationSigning')!;
  const before = (await readdir(pki.dir)).sort();
  const broken = (await readFile(path.join(pki.dir, 'mcf.xml'), 'utf8')).replace(
    /<\/CHFDetail>/,
    '</CHFDetial>',
  );
  await assert.rejects(
    writeMigrationCommonValidationFile(
      broken,
      ctx,
      {
        certificate: parseCertificate(await readFile(path.join(pki.dir, s1sp.cert), 'latin1')),
        privateKey: await loadPrivateKey(path.join(pki.dir, s1sp.key)),
      },
      path.join(pki.dir, 'never.xml'),
      { at, mvfCounter: 11n },
    ),
  );
  assert.deepEqual((await readdir(pki.dir)).sort(), before);
});

test('TMAD 5.10(d), Table 5.5: the MVF signature verifies with xmlsec1 (S1SP certificate, and PKI mode)', (t) => {
  if (!hasXmlsec1) return t.skip('xmlsec1 not installed');
  const s1sp = pki.party('s1sp').certificates.find((c) => c.role === 's1SPMigrationSigning')!;
  const cert = path.join(pki.dir, s1sp.cert);
  const byKey = spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', cert, mvfPath], { encoding: 'utf8' });
  assert.equal(byKey.status, 0, byKey.stderr);
  const pkiMode = spawnSync(
    'xmlsec1',
    [
      '--verify',
      '--trusted-pem',
      path.join(pki.dir, 'root-ca.cert.pem'),
      '--untrusted-pem',
      path.join(pki.dir, 'issuing-ca.cert.pem'),
      '--untrusted-pem',
      cert,
      mvfPath,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(pkiMode.status, 0, pkiMode.stderr);
  // Meaningful: another party's certificate does not verify it.
  const other = pki.party('requesting-party').certificates[0]!;
  const wrong = spawnSync(
    'xmlsec1',
    ['--verify', '--pubkey-cert-pem', path.join(pki.dir, other.cert), mvfPath],
    {
      encoding: 'utf8',
    },
  );
  assert.notEqual(wrong.status, 0);
});

test('Table 5.5: an MVF is signed only with an s1SPMigrationSigning certificate', async () => {
  const rp = pki.party('requesting-party').certificates[0]!;
  await assert.rejects(
    buildMigrationCommonValidationFile(
      { header },
      results,
      {
        certificate: parseCertificate(await readFile(path.join(pki.dir, rp.cert), 'latin1')),
        privateKey: await loadPrivateKey(path.join(pki.dir, rp.key)),
      },
      { mvfCounter: 1n },
    ),
    (e: unknown) => e instanceof MvfSignerError && /expected s1SPMigrationSigning/.test(e.message),
  );
});
