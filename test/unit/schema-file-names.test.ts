// TMAD 10.2 / Table 10.2: FileType_RequesterID_MCFCounter_AdditionalID.xml
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  migrationFileName,
  parseMigrationFileName,
  signifiedRequesterId,
  tryMigrationFileName,
  ROOT_OF_FILE_TYPE,
  rootByFileType,
} from '../../src/core/schema/index.js';

const RP = '90-B3-D5-1F-30-01-00-01';
const S1SP = '90-B3-D5-1F-30-00-00-02';

test('Table 10.2 MCF: RequesterID = RequestingPartyID, AdditionalID zero', () => {
  assert.equal(
    migrationFileName({ fileType: 'MCF', requesterId: RP, mcfCounter: 42n, additionalId: 0 }),
    `MCF_${RP}_42_0.xml`,
  );
  assert.throws(
    () => migrationFileName({ fileType: 'MCF', requesterId: RP, mcfCounter: 42, additionalId: 1 }),
    /must be 0/,
  );
});

test('Table 10.2 MCF sent by the DCC to the Registered Supplier: SupplierSignifier_RequestingPartyID', () => {
  const name = migrationFileName({
    fileType: 'MCF',
    requesterId: signifiedRequesterId('BGAS', RP),
    mcfCounter: '42',
    additionalId: '0',
  });
  assert.equal(name, `MCF_BGAS_${RP}_42_0.xml`);
  const p = parseMigrationFileName(name);
  assert.ok(p.ok);
  assert.equal(p.value.supplierSignifier, 'BGAS');
  assert.equal(p.value.partyId, RP);
  const plain = parseMigrationFileName(`MCF_${RP}_42_0.xml`);
  assert.ok(plain.ok);
  assert.equal(plain.value.supplierSignifier, undefined);
});

test('Table 10.2 MGF/MEF: RequestingPartyID + own counter; MVF: ReportingPartyID + MVFCounter', () => {
  assert.equal(
    migrationFileName({ fileType: 'MGF', requesterId: RP, mcfCounter: 42, additionalId: 7 }),
    `MGF_${RP}_42_7.xml`,
  );
  assert.equal(
    migrationFileName({ fileType: 'MEF', requesterId: RP, mcfCounter: 42, additionalId: 8 }),
    `MEF_${RP}_42_8.xml`,
  );
  assert.equal(
    migrationFileName({ fileType: 'MVF', requesterId: S1SP, mcfCounter: 42, additionalId: 9 }),
    `MVF_${S1SP}_42_9.xml`,
  );
  assert.throws(() =>
    migrationFileName({ fileType: 'MGF', requesterId: `BGAS_${RP}`, mcfCounter: 1, additionalId: 1 }),
  );
});

test('Table 10.2 SCF and COF: SupplierSignifier_ReportingPartyID (empty Signifier allowed: TMAD 2)', () => {
  const scf = migrationFileName({
    fileType: 'SCF',
    requesterId: signifiedRequesterId('BGAS', S1SP),
    mcfCounter: 42,
    additionalId: 3,
  });
  assert.equal(scf, `SCF_BGAS_${S1SP}_42_3.xml`);
  const parsedScf = parseMigrationFileName(scf);
  assert.ok(parsedScf.ok);
  // COF: the Supplier Signifier comes from the SCF's file name.
  const cof = migrationFileName({
    fileType: 'COF',
    requesterId: signifiedRequesterId(parsedScf.value.supplierSignifier!, parsedScf.value.partyId),
    mcfCounter: parsedScf.value.mcfCounter,
    additionalId: 11,
  });
  assert.equal(cof, `COF_BGAS_${S1SP}_42_11.xml`);
  const empty = migrationFileName({
    fileType: 'SCF',
    requesterId: signifiedRequesterId('', S1SP),
    mcfCounter: 42,
    additionalId: 3,
  });
  assert.equal(empty, `SCF__${S1SP}_42_3.xml`);
  const pe = parseMigrationFileName(empty);
  assert.ok(pe.ok);
  assert.equal(pe.value.supplierSignifier, '');
  assert.equal(
    tryMigrationFileName({ fileType: 'SCF', requesterId: S1SP, mcfCounter: 1, additionalId: 1 }).ok,
    false,
  );
});

test('TMAD 10.2: counters are decimal 0..2^64-1 without leading zeros; parse rejects other names', () => {
  assert.equal(
    migrationFileName({
      fileType: 'MGF',
      requesterId: RP,
      mcfCounter: '18446744073709551615',
      additionalId: 0,
    }),
    `MGF_${RP}_18446744073709551615_0.xml`,
  );
  assert.equal(
    tryMigrationFileName({
      fileType: 'MGF',
      requesterId: RP,
      mcfCounter: '18446744073709551616',
      additionalId: 0,
    }).ok,
    false,
  );
  assert.equal(
    tryMigrationFileName({ fileType: 'MGF', requesterId: RP, mcfCounter: '007', additionalId: 0 }).ok,
    false,
  );
  for (const bad of [
    `MCF_${RP}_42_0.XML`,
    `XYZ_${RP}_42_0.xml`,
    `MGF_${RP.toLowerCase()}_42_1.xml`,
    `MGF_${RP}_42.xml`,
    `MCF_${RP}_42_5.xml`,
    `MVF_${RP}_-1_1.xml`,
  ])
    assert.equal(parseMigrationFileName(bad).ok, false, bad);
});

test('Table 10.2: root element per file type', () => {
  for (const [ft, root] of Object.entries(ROOT_OF_FILE_TYPE))
    assert.equal(rootByFileType(ft as keyof typeof ROOT_OF_FILE_TYPE).element, root);
});
