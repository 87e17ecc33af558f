// The DCC's Common Validation Checks (TMAD 5.10, Table 5.10): one test per check (pass, fail, skip on the
// Null Certificate ID, SupportingData), the dependent-skip rule, the 14-day look-ahead boundary.
// Certificates come from a real test SMKI PKI on disk (issued and read back through the PKI code).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  issueOrganisationCertificate,
  revokeCertificate,
  type TestPkiParty,
} from '../../src/estate/test-pki.js';
import { loadTrustStore } from '../../src/files/trust-store.js';
import { NULL_CERTIFICATE_ID } from '../../src/core/ids/index.js';
import type { TrustStore } from '../../src/core/pki/index.js';
import type {
  CertificateId,
  DeviceDetail,
  McfInstallation,
  MigrationCommonHeader,
  SupportingData,
} from '../../src/core/formats/migration-files/index.js';
import {
  commonValidationChecks,
  inMemoryCommonValidationContext,
  parseCommonValidationFixture,
  validateInstallation,
  type CommonValidationData,
  type InstallationValidation,
} from '../../src/dcc/common-validation.js';
import { makeTestPki, type TestPkiFixture } from '../support/signed-files.js';

const DAY = 86_400_000;
const AT = new Date(Math.floor(Date.now() / 1000) * 1000);
const MPAN = '1012345678907';
const MPRN = '1234567890';

const M: Record<string, DeviceDetail> = {
  CHF: {
    deviceManufacturer: 'Toshiba',
    deviceModel: 'TCH-GBCH-S1',
    firmwareVersion: '1.5.0',
    deviceType: 'CHF',
  },
  GPF: {
    deviceManufacturer: 'Toshiba',
    deviceModel: 'TCH-GBCH-S1-GPF',
    firmwareVersion: '1.5.0',
    deviceType: 'GPF',
  },
  ESME: {
    deviceManufacturer: 'Secure Meters',
    deviceModel: 'Liberty 100',
    firmwareVersion: 'L100-6.3',
    deviceType: 'ESME',
  },
  GSME: {
    deviceManufacturer: 'Secure Meters',
    deviceModel: 'Liberty 100 Gas',
    firmwareVersion: 'G100-2.2',
    deviceType: 'GSME',
  },
  PPMID: {
    deviceManufacturer: 'Secure Meters',
    deviceModel: 'Horizon PPMID',
    firmwareVersion: 'H-3.4',
    deviceType: 'PPMID',
  },
  IHD: { deviceManufacturer: 'Geo', deviceModel: 'Trio II', firmwareVersion: '2.40', deviceType: 'IHD' },
  CAD: {
    deviceManufacturer: 'Chameleon Technology',
    deviceModel: 'IHD-CAD',
    firmwareVersion: '1.0.2',
    deviceType: 'CAD',
  },
};
const ID = {
  CHF: '00-0D-6F-00-00-00-00-01',
  GPF: '00-0D-6F-00-00-00-00-02',
  ESME: '00-0D-6F-00-00-00-00-03',
  GSME: '00-0D-6F-00-00-00-00-04',
  PPMID: '00-0D-6F-00-00-00-00-05',
  IHD: '00-0D-6F-00-00-00-00-06',
  CAD: '00-0D-6F-00-00-00-00-07',
};
const HEADER: MigrationCommonHeader = {
  requestingPartyId: '70-B3-D5-1F-30-10-00-01',
  mcfCounter: 7n,
  groupId: 'AA',
  toBeCommissionedByDcc: true,
};

let pki: TestPkiFixture;
let trust: TrustStore;
type Pair = { critical: CertificateId; nonCritical: CertificateId };
let supA: Pair;
let supB: Pair;
let dno: Pair;
let gt: Pair;
let expiredSupplierDs: CertificateId;
let expiredSupplierKa: CertificateId;
let expiredGtDs: CertificateId;
let revokedSupplierKa: CertificateId;

function pairOf(p: TestPkiParty, role: string): Pair {
  const c = (ku: string): CertificateId => {
    const x = p.certificates.find((k) => k.role === role && k.keyUsage === ku)!;
    return { serialNumber: x.serialNumber, issuerName: x.issuerName };
  };
  return { critical: c('digitalSignature'), nonCritical: c('keyAgreement') };
}

before(async () => {
  pki = await makeTestPki();
  supA = pairOf(pki.party('supplier-a'), 'supplier');
  supB = pairOf(pki.party('supplier-b'), 'supplier');
  dno = pairOf(pki.party('network-operator'), 'networkOperator');
  gt = pairOf(pki.party('gas-transporter'), 'networkOperator');
  const expired = async (party: string, role: 'supplier' | 'networkOperator', keyUsage: string) => {
    const c = await issueOrganisationCertificate(pki.dir, {
      party,
      role,
      keyUsage,
      notBefore: new Date(AT.getTime() - 400 * DAY),
      notAfter: new Date(AT.getTime() - 35 * DAY),
    });
    return { serialNumber: c.serialNumber, issuerName: c.issuerName };
  };
  expiredSupplierDs = await expired('supplier-a', 'supplier', 'digitalSignature');
  expiredSupplierKa = await expired('supplier-a', 'supplier', 'keyAgreement');
  expiredGtDs = await expired('gas-transporter', 'networkOperator', 'digitalSignature');
  const toRevoke = await issueOrganisationCertificate(pki.dir, {
    party: 'supplier-a',
    role: 'supplier',
    keyUsage: 'keyAgreement',
  });
  await revokeCertificate(pki.dir, path.join(pki.dir, toRevoke.cert));
  revokedSupplierKa = { serialNumber: toRevoke.serialNumber, issuerName: toRevoke.issuerName };
  trust = await loadTrustStore(pki.dir);
});
after(() => pki.cleanup());

function base(): McfInstallation {
  return {
    chfDetail: { deviceId: ID.CHF, deviceDetail: { ...M.CHF! } },
    gpfDetail: {
      deviceId: ID.GPF,
      deviceDetail: { ...M.GPF! },
      criticalSupplierCertificateId: supA.critical,
      nonCriticalSupplierCertificateId: supA.nonCritical,
      criticalNetworkOperatorCertificateId: gt.critical,
      nonCriticalNetworkOperatorCertificateId: gt.nonCritical,
    },
    esmeDetail: {
      deviceId: ID.ESME,
      deviceDetail: { ...M.ESME! },
      esmeVariant: 'A',
      importMpan: MPAN,
      criticalSupplierCertificateId: supA.critical,
      nonCriticalSupplierCertificateId: supA.nonCritical,
      criticalNetworkOperatorCertificateId: dno.critical,
      nonCriticalNetworkOperatorCertificateId: dno.nonCritical,
    },
    gsmeDetail: {
      deviceId: ID.GSME,
      deviceDetail: { ...M.GSME! },
      mprn: MPRN,
      criticalSupplierCertificateId: supA.critical,
      nonCriticalSupplierCertificateId: supA.nonCritical,
    },
    ppmidDetail: { deviceId: ID.PPMID, deviceDetail: { ...M.PPMID! } },
    ihdDetail: { deviceId: ID.IHD, deviceDetail: { ...M.IHD! } },
    cadDetail: { deviceId: ID.CAD, deviceDetail: { ...M.CAD! } },
  };
}

const since = new Date('2020-01-01T00:00:00Z');
function data(over: Partial<CommonValidationData> = {}): CommonValidationData {
  return {
    cpl: Object.values(M),
    groupDeviceModels: { AA: [M.CHF!, M.ESME!, M.GSME!, M.PPMID!] },
    eligibleProductCombinations: [
      { groupId: 'AA', chf: M.CHF!, esme: M.ESME!, gsme: M.GSME!, ppmid: M.PPMID! },
    ],
    smartMeteringInventory: ['00-0D-6F-FF-FF-FF-FF-01'],
    trust,
    supplierParties: {
      SUPA: [pki.party('supplier-a').entityId],
      SUPB: [pki.party('supplier-b').entityId],
    },
    networkParties: {
      DNOA: [pki.party('network-operator').entityId],
      GTA: [pki.party('gas-transporter').entityId],
    },
    importSuppliers: [{ mpxn: MPAN, party: 'SUPA', from: since }],
    electricityDistributors: [{ mpxn: MPAN, party: 'DNOA', from: since }],
    gasSuppliers: [{ mpxn: MPRN, party: 'SUPA', from: since }],
    gasTransporters: [{ mpxn: MPRN, party: 'GTA', from: since }],
    ...over,
  };
}

function run(
  inst: McfInstallation,
  over: Partial<CommonValidationData> = {},
  opts: { lookAheadDays?: number; groupId?: string } = {},
): InstallationValidation {
  return validateInstallation(
    inst,
    0,
    { groupId: opts.groupId ?? 'AA' },
    inMemoryCommonValidationContext(data(over)),
    { at: AT, ...(opts.lookAheadDays !== undefined ? { lookAheadDays: opts.lookAheadDays } : {}) },
  );
}
const steps = (r: InstallationValidation): string[] => r.failures.map((f) => f.failedCheck.failedStepNumber);
const skippedSteps = (r: InstallationValidation): string[] => r.skipped.map((s) => s.step);
const fc = (r: InstallationValidation, step: string) =>
  r.failures.filter((f) => f.failedCheck.failedStepNumber === step).map((f) => f.failedCheck);
const pairSd = (p: Pair) => ({ certificatePair: { certificateIds: [p.critical, p.nonCritical] } });

test('TMAD 5.10: a fully consistent installation passes all 18 checks, nothing skipped', () => {
  const r = run(base());
  assert.deepEqual(steps(r), [], JSON.stringify(r.failures, null, 1));
  assert.deepEqual(r.skipped, []);
  assert.equal(r.chfIdentifier, ID.CHF);
});

test('TMAD 5.10.1: a Device Model not on the CPL, or on it for another Device Type, fails with its DeviceID', () => {
  const r = run(base(), { cpl: Object.values(M).filter((d) => d !== M.ESME) });
  assert.deepEqual(steps(r), ['5.10.1']);
  assert.deepEqual(fc(r, '5.10.1'), [{ failedStepNumber: '5.10.1', supportingData: { deviceId: ID.ESME } }]);
  assert.match(r.failures[0]!.problem.message, /not on the Central Products List/);
  assert.equal(
    r.failures[0]!.problem.element,
    'MigrationCommon/SMETS1Installation[1]/ESMEDetail/DeviceDetail',
  );
  assert.equal(r.failures[0]!.problem.rule, 'TMAD 5.10.1 (Table 5.10)');
  // The PPMID's model is on the CPL only as an IHD: not the required Device Type.
  const r2 = run(base(), {
    cpl: [...Object.values(M).filter((d) => d !== M.PPMID), { ...M.PPMID!, deviceType: 'IHD' }],
  });
  assert.deepEqual(fc(r2, '5.10.1'), [
    { failedStepNumber: '5.10.1', supportingData: { deviceId: ID.PPMID } },
  ]);
  assert.match(
    r2.failures[0]!.problem.message,
    /expected a Central Products List entry of Device Type PPMID/,
  );
  // Only CHF, ESME, GSME, PPMID are checked: a GPF/IHD/CAD model missing from the CPL does not fail 5.10.1.
  assert.deepEqual(steps(run(base(), { cpl: [M.CHF!, M.ESME!, M.GSME!, M.PPMID!] })), []);
});

test('TMAD 5.10.1: CHF then ESME then GSME then PPMID, one FailedCheck per device', () => {
  const r = run(base(), { cpl: [] });
  assert.deepEqual(
    fc(r, '5.10.1').map((f) => f.supportingData?.deviceId),
    [ID.CHF, ID.ESME, ID.GSME, ID.PPMID],
  );
});

test('TMAD 5.10.2: a device not allowed for the GroupID by the Group Device Model Combination List fails with its DeviceID', () => {
  const r = run(base(), { groupDeviceModels: { AA: [M.CHF!, M.ESME!, M.PPMID!], BA: [M.GSME!] } });
  assert.deepEqual(steps(r), ['5.10.2']);
  assert.deepEqual(fc(r, '5.10.2'), [{ failedStepNumber: '5.10.2', supportingData: { deviceId: ID.GSME } }]);
  assert.match(r.failures[0]!.problem.message, /GroupID AA/);
});

test('TMAD 5.10.3: no EPC entry with this combination for the GroupID fails without SupportingData', () => {
  const epc = [{ groupId: 'BA', chf: M.CHF!, esme: M.ESME!, gsme: M.GSME!, ppmid: M.PPMID! }];
  const r = run(base(), { eligibleProductCombinations: epc });
  assert.deepEqual(steps(r), ['5.10.3']);
  assert.deepEqual(fc(r, '5.10.3'), [{ failedStepNumber: '5.10.3' }]);
  assert.match(r.failures[0]!.problem.message, /for GroupID BA, not AA/);
  // Exact combination: an installation without the PPMID does not match an entry that has one.
  const noPpmid = base();
  delete noPpmid.ppmidDetail;
  assert.deepEqual(steps(run(noPpmid)), ['5.10.3']);
  assert.deepEqual(
    steps(
      run(noPpmid, {
        eligibleProductCombinations: [{ groupId: 'AA', chf: M.CHF!, esme: M.ESME!, gsme: M.GSME! }],
      }),
    ),
    [],
  );
});

test('TMAD 5.10.4: Device IDs already in the Smart Metering Inventory fail, in the order CHF, GPF, …, CAD', () => {
  const r = run(base(), { smartMeteringInventory: [ID.CAD, ID.GPF.toLowerCase()] });
  assert.deepEqual(steps(r), ['5.10.4', '5.10.4']);
  assert.deepEqual(
    fc(r, '5.10.4').map((f) => f.supportingData),
    [{ deviceId: ID.GPF }, { deviceId: ID.CAD }],
  );
});

test('TMAD 5.10.5: an ESME certificate that fails Confirm Validity fails with its CertificateID; Null IDs are skipped', () => {
  const i = base();
  i.esmeDetail.nonCriticalSupplierCertificateId = expiredSupplierKa;
  const r = run(i);
  assert.deepEqual(steps(r), ['5.10.5']);
  assert.deepEqual(fc(r, '5.10.5'), [
    { failedStepNumber: '5.10.5', supportingData: { certificateId: expiredSupplierKa } },
  ]);
  assert.match(r.failures[0]!.problem.message, /has expired/);
  assert.equal(r.failures[0]!.problem.field, 'NonCriticalSupplierCertificateID');
  // An unknown Certificate ID cannot be confirmed valid (and has no Supplier ID for 5.10.8).
  const j = base();
  j.esmeDetail.criticalSupplierCertificateId = { serialNumber: '4242', issuerName: 'CN=Nobody' };
  assert.deepEqual(steps(run(j)), ['5.10.5', '5.10.8']);
  // Null Network Operator IDs: 5.10.5 skips both, 5.10.11/12 are not run.
  const k = base();
  k.esmeDetail.criticalNetworkOperatorCertificateId = NULL_CERTIFICATE_ID;
  k.esmeDetail.nonCriticalNetworkOperatorCertificateId = { serialNumber: '00', issuerName: 'NULL' };
  const rk = run(k);
  assert.deepEqual(steps(rk), []);
  assert.deepEqual(skippedSteps(rk), ['5.10.5', '5.10.5', '5.10.11', '5.10.12']);
});

test('TMAD 5.10.6: a GPF certificate that fails Confirm Validity fails with its CertificateID', () => {
  const i = base();
  i.gpfDetail.criticalNetworkOperatorCertificateId = expiredGtDs;
  const r = run(i);
  // The expired certificate still names the Gas Transporter, so 5.10.16/17 pass: one fault, one FailedCheck.
  assert.deepEqual(steps(r), ['5.10.6']);
  assert.deepEqual(fc(r, '5.10.6'), [
    { failedStepNumber: '5.10.6', supportingData: { certificateId: expiredGtDs } },
  ]);
});

test('TMAD 5.10.7: a GSME certificate that fails Confirm Validity fails; without a GSME 5.10.7 is skipped', () => {
  const i = base();
  i.gsmeDetail!.criticalSupplierCertificateId = expiredSupplierDs;
  const r = run(i);
  assert.deepEqual(steps(r), ['5.10.7']);
  assert.deepEqual(fc(r, '5.10.7'), [
    { failedStepNumber: '5.10.7', supportingData: { certificateId: expiredSupplierDs } },
  ]);
  // A revoked certificate (listed on the issuing CA's CRL) fails Confirm Validity too.
  const rv = base();
  rv.gsmeDetail!.nonCriticalSupplierCertificateId = revokedSupplierKa;
  const rr = run(rv);
  assert.deepEqual(fc(rr, '5.10.7'), [
    { failedStepNumber: '5.10.7', supportingData: { certificateId: revokedSupplierKa } },
  ]);
  assert.match(rr.failures[0]!.problem.message, /is revoked/);
  const noGsme = base();
  delete noGsme.gsmeDetail;
  noGsme.gpfDetail = {
    ...noGsme.gpfDetail,
    criticalSupplierCertificateId: NULL_CERTIFICATE_ID,
    nonCriticalSupplierCertificateId: NULL_CERTIFICATE_ID,
    criticalNetworkOperatorCertificateId: NULL_CERTIFICATE_ID,
    nonCriticalNetworkOperatorCertificateId: NULL_CERTIFICATE_ID,
  };
  const eg = [{ groupId: 'AA', chf: M.CHF!, esme: M.ESME!, ppmid: M.PPMID! }];
  const rn = run(noGsme, { eligibleProductCombinations: eg });
  assert.deepEqual(steps(rn), []);
  assert.deepEqual(skippedSteps(rn), [
    '5.10.6',
    '5.10.6',
    '5.10.6',
    '5.10.6',
    '5.10.7',
    '5.10.13',
    '5.10.14',
    '5.10.15',
    '5.10.16',
    '5.10.17',
  ]);
});

test('TMAD 5.10.8: ESME Supplier certificates of two Supplier Parties fail with the pair; 5.10.9/10 are skipped (dependent)', () => {
  const i = base();
  i.esmeDetail.nonCriticalSupplierCertificateId = supB.nonCritical;
  // Registration would also fail 5.10.9 and 5.10.10 if they ran: they must not.
  const r = run(i, {
    importSuppliers: [
      { mpxn: MPAN, party: 'SUPB', from: since, to: new Date(AT.getTime() + DAY) },
      { mpxn: MPAN, party: 'SUPC', from: new Date(AT.getTime() + DAY) },
    ],
  });
  assert.deepEqual(steps(r), ['5.10.8']);
  assert.deepEqual(fc(r, '5.10.8'), [
    {
      failedStepNumber: '5.10.8',
      supportingData: pairSd({ critical: supA.critical, nonCritical: supB.nonCritical }),
    },
  ]);
  assert.match(r.failures[0]!.problem.message, /different Supplier Parties \(SUPA, SUPB\)/);
  assert.deepEqual(
    r.skipped.map((s) => s.step),
    ['5.10.9', '5.10.10'],
  );
});

test('TMAD 5.10.8: a Non-Critical certificate with the wrong key usage has the null Non-Critical Supplier ID', () => {
  const i = base();
  i.esmeDetail.nonCriticalSupplierCertificateId = supA.critical;
  const r = run(i);
  assert.deepEqual(steps(r), ['5.10.8']);
  assert.match(r.failures[0]!.problem.message, /Non-Critical Supplier ID .* has the null value/);
  // A Non-Critical Null Certificate ID with a real Critical one: the null value, so 5.10.8 fails too.
  const j = base();
  j.esmeDetail.nonCriticalSupplierCertificateId = NULL_CERTIFICATE_ID;
  assert.deepEqual(steps(run(j)), ['5.10.8']);
});

test('TMAD 5.10.8: a User ID allocated to no Supplier Party fails', () => {
  const r = run(base(), { supplierParties: { SUPB: [pki.party('supplier-b').entityId] } });
  assert.deepEqual(steps(r), ['5.10.8', '5.10.13']);
  assert.match(r.failures[0]!.problem.message, /allocated to no Supplier Party/);
});

test('TMAD 5.10.8-5.10.10: the ESME CriticalSupplierCertificateID is the Null Certificate ID: none of them run', () => {
  const i = base();
  i.esmeDetail.criticalSupplierCertificateId = NULL_CERTIFICATE_ID;
  i.esmeDetail.nonCriticalSupplierCertificateId = NULL_CERTIFICATE_ID;
  const r = run(i, { importSuppliers: [] });
  assert.deepEqual(steps(r), []);
  assert.deepEqual(skippedSteps(r), ['5.10.5', '5.10.5', '5.10.8', '5.10.9', '5.10.10']);
});

test('TMAD 5.10.9: the ESME Supplier Party is not the current Import Supplier: fails with the CriticalSupplierCertificateID', () => {
  const r = run(base(), { importSuppliers: [{ mpxn: MPAN, party: 'SUPB', from: since }] });
  assert.deepEqual(steps(r), ['5.10.9']);
  assert.deepEqual(fc(r, '5.10.9'), [
    { failedStepNumber: '5.10.9', supportingData: { certificateId: supA.critical } },
  ]);
  assert.match(r.failures[0]!.problem.message, /Import Supplier of 1012345678907 .* is SUPB: expected SUPA/);
  const none = run(base(), { importSuppliers: [] });
  assert.deepEqual(steps(none), ['5.10.9']);
  assert.match(none.failures[0]!.problem.message, /records no Import Supplier/);
  // A registration that ended before the time of validation is not current.
  const ended = run(base(), { importSuppliers: [{ mpxn: MPAN, party: 'SUPA', from: since, to: AT }] });
  assert.deepEqual(steps(ended), ['5.10.9']);
});

test('TMAD 5.10.10: a change of Import Supplier exactly 14 days ahead fails (no SupportingData); 14 days + 1 s passes', () => {
  const change = (ms: number) => [
    { mpxn: MPAN, party: 'SUPA', from: since, to: new Date(AT.getTime() + ms) },
    { mpxn: MPAN, party: 'SUPB', from: new Date(AT.getTime() + ms) },
  ];
  const at14 = run(base(), { importSuppliers: change(14 * DAY) });
  assert.deepEqual(steps(at14), ['5.10.10']);
  assert.deepEqual(fc(at14, '5.10.10'), [{ failedStepNumber: '5.10.10' }]);
  assert.match(at14.failures[0]!.problem.message, /within the next 14 days/);
  assert.deepEqual(steps(run(base(), { importSuppliers: change(14 * DAY + 1000) })), []);
  // Configurable look-ahead (spec README): 2 days lets the change 14 days ahead pass, and catches one in 2.
  assert.deepEqual(steps(run(base(), { importSuppliers: change(14 * DAY) }, { lookAheadDays: 2 })), []);
  assert.deepEqual(steps(run(base(), { importSuppliers: change(2 * DAY) }, { lookAheadDays: 2 })), [
    '5.10.10',
  ]);
  // A new registration of the same Supplier Party is no change of Import Supplier.
  const same = [
    { mpxn: MPAN, party: 'SUPA', from: since, to: new Date(AT.getTime() + DAY) },
    { mpxn: MPAN, party: 'SUPA', from: new Date(AT.getTime() + DAY) },
  ];
  assert.deepEqual(steps(run(base(), { importSuppliers: same })), []);
  // A registration ending without a successor inside the window is a change too (to no supplier).
  const loss = [{ mpxn: MPAN, party: 'SUPA', from: since, to: new Date(AT.getTime() + 3 * DAY) }];
  assert.deepEqual(steps(run(base(), { importSuppliers: loss })), ['5.10.10']);
});

test('TMAD 5.10.11: ESME Network Operator certificates of two Network Parties fail with the pair; 5.10.12 skipped', () => {
  const i = base();
  i.esmeDetail.nonCriticalNetworkOperatorCertificateId = gt.nonCritical;
  const r = run(i, { electricityDistributors: [] });
  assert.deepEqual(steps(r), ['5.10.11']);
  assert.deepEqual(fc(r, '5.10.11'), [
    {
      failedStepNumber: '5.10.11',
      supportingData: pairSd({ critical: dno.critical, nonCritical: gt.nonCritical }),
    },
  ]);
  assert.deepEqual(skippedSteps(r), ['5.10.12']);
  // A Supplier certificate in a Network Operator slot has the null Network Operator ID.
  const j = base();
  j.esmeDetail.criticalNetworkOperatorCertificateId = supA.critical;
  assert.deepEqual(steps(run(j)), ['5.10.11']);
});

test('TMAD 5.10.12: the ESME Network Party is not the Electricity Distributor: fails with the CriticalNetworkOperatorCertificateID', () => {
  const r = run(base(), { electricityDistributors: [{ mpxn: MPAN, party: 'GTA', from: since }] });
  assert.deepEqual(steps(r), ['5.10.12']);
  assert.deepEqual(fc(r, '5.10.12'), [
    { failedStepNumber: '5.10.12', supportingData: { certificateId: dno.critical } },
  ]);
});

test('TMAD 5.10.13: GSME and GPF Supplier certificates of different parties fail with the GSME pair; 5.10.14/15 skipped', () => {
  const i = base();
  i.gpfDetail.nonCriticalSupplierCertificateId = supB.nonCritical;
  const r = run(i);
  assert.deepEqual(steps(r), ['5.10.13']);
  assert.deepEqual(fc(r, '5.10.13'), [{ failedStepNumber: '5.10.13', supportingData: pairSd(supA) }]);
  assert.deepEqual(skippedSteps(r), ['5.10.14', '5.10.15']);
  // Only the GPF's pair is at fault (a Null Certificate ID): the SupportingData names the GPF's pair.
  const j = base();
  j.gpfDetail.criticalSupplierCertificateId = NULL_CERTIFICATE_ID;
  const rj = run(j);
  assert.deepEqual(steps(rj), ['5.10.13']);
  assert.deepEqual(fc(rj, '5.10.13'), [
    {
      failedStepNumber: '5.10.13',
      supportingData: pairSd({ critical: NULL_CERTIFICATE_ID, nonCritical: supA.nonCritical }),
    },
  ]);
  assert.equal(
    rj.failures[0]!.problem.element,
    'MigrationCommon/SMETS1Installation[1]/GPFDetail/CriticalSupplierCertificateID',
  );
  // GSME CriticalSupplierCertificateID Null: 5.10.13–5.10.15 are not run.
  const k = base();
  k.gsmeDetail!.criticalSupplierCertificateId = NULL_CERTIFICATE_ID;
  const rk = run(k, { gasSuppliers: [] });
  assert.deepEqual(steps(rk), []);
  assert.deepEqual(skippedSteps(rk), ['5.10.7', '5.10.13', '5.10.14', '5.10.15']);
});

test('TMAD 5.10.14: the Gas Supplier Party is not the Gas Supplier of the MPRN: fails with the GSME CriticalSupplierCertificateID', () => {
  const r = run(base(), { gasSuppliers: [{ mpxn: MPRN, party: 'SUPB', from: since }] });
  assert.deepEqual(steps(r), ['5.10.14']);
  assert.deepEqual(fc(r, '5.10.14'), [
    { failedStepNumber: '5.10.14', supportingData: { certificateId: supA.critical } },
  ]);
  assert.equal(r.failures[0]!.problem.element, 'MigrationCommon/SMETS1Installation[1]/GSMEDetail/MPRN');
});

test('TMAD 5.10.15: a change of Gas Supplier exactly 14 days ahead fails (no SupportingData); 14 days + 1 s passes', () => {
  const change = (ms: number) => [
    { mpxn: MPRN, party: 'SUPA', from: since, to: new Date(AT.getTime() + ms) },
    { mpxn: MPRN, party: 'SUPB', from: new Date(AT.getTime() + ms) },
  ];
  const r = run(base(), { gasSuppliers: change(14 * DAY) });
  assert.deepEqual(steps(r), ['5.10.15']);
  assert.deepEqual(fc(r, '5.10.15'), [{ failedStepNumber: '5.10.15' }]);
  assert.deepEqual(steps(run(base(), { gasSuppliers: change(14 * DAY + 1000) })), []);
});

test('TMAD 5.10.16: GPF Network Operator certificates of two Network Parties fail with the pair; 5.10.17 skipped', () => {
  const i = base();
  i.gpfDetail.nonCriticalNetworkOperatorCertificateId = dno.nonCritical;
  const r = run(i, { gasTransporters: [] });
  assert.deepEqual(steps(r), ['5.10.16']);
  assert.deepEqual(fc(r, '5.10.16'), [
    {
      failedStepNumber: '5.10.16',
      supportingData: pairSd({ critical: gt.critical, nonCritical: dno.nonCritical }),
    },
  ]);
  assert.deepEqual(skippedSteps(r), ['5.10.17']);
});

test('TMAD 5.10.17: the Gas Network Party is not the Gas Transporter of the GSME MPRN: fails with the GPF CriticalNetworkOperatorCertificateID', () => {
  const r = run(base(), { gasTransporters: [{ mpxn: MPRN, party: 'DNOA', from: since }] });
  assert.deepEqual(steps(r), ['5.10.17']);
  assert.deepEqual(fc(r, '5.10.17'), [
    { failedStepNumber: '5.10.17', supportingData: { certificateId: gt.critical } },
  ]);
  // GPF Network Operator certificates but no GSME: no MPRN to check, so 5.10.17 fails.
  const i = base();
  delete i.gsmeDetail;
  const rn = run(i, {
    eligibleProductCombinations: [{ groupId: 'AA', chf: M.CHF!, esme: M.ESME!, ppmid: M.PPMID! }],
  });
  assert.deepEqual(steps(rn), ['5.10.17']);
  assert.match(rn.failures[0]!.problem.message, /no GSME/);
  // Null GPF CriticalNetworkOperatorCertificateID: 5.10.16/17 are not run.
  const k = base();
  k.gpfDetail.criticalNetworkOperatorCertificateId = NULL_CERTIFICATE_ID;
  k.gpfDetail.nonCriticalNetworkOperatorCertificateId = NULL_CERTIFICATE_ID;
  const rk = run(k, { gasTransporters: [] });
  assert.deepEqual(steps(rk), []);
  assert.deepEqual(skippedSteps(rk), ['5.10.6', '5.10.6', '5.10.16', '5.10.17']);
});

test('TMAD 5.10.18: an IHD or CAD with the wrong DeviceType fails with its DeviceID', () => {
  const i = base();
  i.ihdDetail!.deviceDetail.deviceType = 'ESME';
  i.cadDetail!.deviceDetail.deviceType = 'IHD';
  const r = run(i);
  assert.deepEqual(steps(r), ['5.10.18', '5.10.18']);
  assert.deepEqual(
    fc(r, '5.10.18').map((f) => f.supportingData),
    [{ deviceId: ID.IHD }, { deviceId: ID.CAD }],
  );
  assert.match(r.failures[0]!.problem.message, /DeviceType 'ESME': expected 'IHD'/);
});

test('TMAD 5.10(c): all checks run, failures of several checks are reported together in Table 5.10 order', () => {
  const i = base();
  i.ihdDetail!.deviceDetail.deviceType = 'CHF';
  i.esmeDetail.nonCriticalSupplierCertificateId = expiredSupplierKa;
  const r = run(i, {
    smartMeteringInventory: [ID.ESME],
    gasTransporters: [{ mpxn: MPRN, party: 'DNOA', from: since }],
  });
  assert.deepEqual(steps(r), ['5.10.4', '5.10.5', '5.10.17', '5.10.18']);
});

test('TMAD 5.10(c): commonValidationChecks gives one result per installation with its CHF DeviceID', () => {
  const second = base();
  second.chfDetail.deviceId = '00-0D-6F-00-00-00-01-01';
  second.esmeDetail.importMpan = '1099999999990';
  const res = commonValidationChecks(
    { header: HEADER, installations: [base(), second] },
    inMemoryCommonValidationContext(data()),
    { at: AT },
  );
  assert.equal(res.installations.length, 2);
  assert.deepEqual(steps(res.installations[0]!), []);
  assert.equal(res.installations[1]!.chfIdentifier, '00-0D-6F-00-00-00-01-01');
  assert.deepEqual(steps(res.installations[1]!), ['5.10.9', '5.10.12']);
  assert.equal(
    res.installations[1]!.failures[0]!.problem.element.startsWith('MigrationCommon/SMETS1Installation[2]/'),
    true,
  );
  assert.equal(res.lookAheadDays, 14);
  assert.throws(
    () =>
      commonValidationChecks({ header: HEADER, installations: [] }, inMemoryCommonValidationContext(data()), {
        lookAheadDays: -1,
      }),
    RangeError,
  );
});

test('reference fixture: parsed from plain JSON, every problem named by its path', () => {
  const ok = parseCommonValidationFixture({
    cpl: [M.CHF],
    groupDeviceModels: { AA: [M.CHF] },
    eligibleProductCombinations: [{ groupId: 'AA', chf: M.CHF, esme: M.ESME }],
    smartMeteringInventory: [ID.CHF],
    supplierParties: { SUPA: ['70-B3-D5-1F-30-01-00-01'] },
    electricity: [
      { mpan: MPAN, importSupplier: 'SUPA', electricityDistributor: 'DNOA', from: '2020-01-01T00:00:00Z' },
    ],
    gas: [{ mprn: MPRN, gasSupplier: 'SUPA', from: '2020-01-01', to: '2030-01-01' }],
    trustStore: 'pki',
    requireCrl: false,
  });
  assert.ok(ok.ok);
  assert.equal(ok.value.importSuppliers[0]!.party, 'SUPA');
  assert.equal(ok.value.electricityDistributors[0]!.party, 'DNOA');
  assert.equal(ok.value.gasTransporters.length, 0);
  assert.equal(ok.value.gasSuppliers[0]!.to?.toISOString(), '2030-01-01T00:00:00.000Z');
  assert.deepEqual(ok.value.confirmValidityOptions, { requireCrl: false });
  const bad = parseCommonValidationFixture({
    cpl: [{ deviceModel: 3 }],
    electricity: [{ mpan: MPAN, from: 'soon' }],
    requireCrl: 'yes',
  });
  assert.ok(!bad.ok);
  assert.ok(bad.error.some((p) => p.startsWith('cpl[0].deviceManufacturer')));
  assert.ok(bad.error.some((p) => p.startsWith('electricity[0].from')));
  assert.ok(bad.error.some((p) => p.startsWith('requireCrl')));
  const overlap = parseCommonValidationFixture({
    electricity: [
      { mpan: MPAN, importSupplier: 'SUPA', from: '2020-01-01T00:00:00Z' },
      { mpan: MPAN, importSupplier: 'SUPB', from: '2026-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' },
    ],
  });
  assert.ok(!overlap.ok);
  assert.ok(overlap.error.some((p) => p.startsWith('electricity[1].to: must be after from')));
  assert.ok(overlap.error.some((p) => /electricity\[1\]: the importSupplier period .* overlaps/.test(p)));
  assert.deepEqual(parseCommonValidationFixture([]), {
    ok: false,
    error: ['the reference fixture must be a JSON object'],
  });
});

// ---- exactness: each of the 18 checks made to fail alone on the first of two installations ---------

/** An MPAN core with its check digit (the shared/spec README rule), written out independently here. */
const MPAN2 = (() => {
  const twelve = '101234567891';
  const p = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
  return twelve + String(([...twelve].reduce((s, d, i) => s + Number(d) * p[i]!, 0) % 11) % 10);
})();
const MPRN2 = '1234567891';
/** A second installation: the same models and certificates, its own Device IDs, MPAN and MPRN. */
function second(): McfInstallation {
  const i = base();
  const id = (x: string) => x.replace('00-0D-6F-00-00-00-00-', '00-0D-6F-00-00-00-02-');
  for (const d of [
    i.chfDetail,
    i.gpfDetail,
    i.esmeDetail,
    i.gsmeDetail!,
    i.ppmidDetail!,
    i.ihdDetail!,
    i.cadDetail!,
  ])
    d.deviceId = id(d.deviceId);
  i.esmeDetail.importMpan = MPAN2;
  i.gsmeDetail!.mprn = MPRN2;
  return i;
}
/** Registration Data of one role for both installations' MPxNs. */
const reg = (mpxn1: string, mpxn2: string, party: string) => [
  { mpxn: mpxn1, party, from: since },
  { mpxn: mpxn2, party, from: since },
];
function both(over: Partial<CommonValidationData> = {}): CommonValidationData {
  return data({
    importSuppliers: reg(MPAN, MPAN2, 'SUPA'),
    electricityDistributors: reg(MPAN, MPAN2, 'DNOA'),
    gasSuppliers: reg(MPRN, MPRN2, 'SUPA'),
    gasTransporters: reg(MPRN, MPRN2, 'GTA'),
    ...over,
  });
}
/** A change of supplier of the first MPxN exactly 14 days ahead and of the second 14 days + 1 s ahead. */
const changes = (m1: string, m2: string) => {
  const FOURTEEN_DAYS = 14 * 24 * 60 * 60 * 1000; // TMAD 5.10.10 / 5.10.15 "within the next 14 days"
  return [FOURTEEN_DAYS, FOURTEEN_DAYS + 1000].flatMap((ms, k) => [
    { mpxn: k === 0 ? m1 : m2, party: 'SUPA', from: since, to: new Date(AT.getTime() + ms) },
    { mpxn: k === 0 ? m1 : m2, party: 'SUPB', from: new Date(AT.getTime() + ms) },
  ]);
};
const cid = (id: CertificateId) => ({ certificateId: id });

interface ExactCase {
  step: string;
  /** Change the first installation and/or the reference data so that only this check fails on it. */
  make(i: McfInstallation): Partial<CommonValidationData>;
  /** The SupportingData Table 5.10 names for the step (undefined: none). */
  supportingData: () => SupportingData | undefined;
}
const X_PPMID = { ...M.PPMID!, deviceModel: 'Horizon PPMID 2' };
const X_GSME = { ...M.GSME!, deviceModel: 'Liberty 100 Gas 2' };
const EPC_AA = { groupId: 'AA', chf: M.CHF!, esme: M.ESME!, gsme: M.GSME!, ppmid: M.PPMID! };
const EXACT: ExactCase[] = [
  {
    step: '5.10.1', // its PPMID's model is allowed for AA and in an EPC entry, but not on the CPL
    make: (i) => {
      i.ppmidDetail!.deviceDetail = { ...X_PPMID };
      return {
        groupDeviceModels: { AA: [M.CHF!, M.ESME!, M.GSME!, M.PPMID!, X_PPMID] },
        eligibleProductCombinations: [EPC_AA, { ...EPC_AA, ppmid: X_PPMID }],
      };
    },
    supportingData: () => ({ deviceId: ID.PPMID }),
  },
  {
    step: '5.10.2', // its GSME's model is on the CPL and in an EPC entry, not on AA's group list
    make: (i) => {
      i.gsmeDetail!.deviceDetail = { ...X_GSME };
      return {
        cpl: [...Object.values(M), X_GSME],
        eligibleProductCombinations: [EPC_AA, { ...EPC_AA, gsme: X_GSME }],
      };
    },
    supportingData: () => ({ deviceId: ID.GSME }),
  },
  {
    step: '5.10.3', // its PPMID's model is on the CPL and AA's group list; no EPC entry has the combination
    make: (i) => {
      i.ppmidDetail!.deviceDetail = { ...X_PPMID };
      return {
        cpl: [...Object.values(M), X_PPMID],
        groupDeviceModels: { AA: [M.CHF!, M.ESME!, M.GSME!, M.PPMID!, X_PPMID] },
      };
    },
    supportingData: () => undefined,
  },
  {
    step: '5.10.4',
    make: () => ({ smartMeteringInventory: [ID.CAD] }),
    supportingData: () => ({ deviceId: ID.CAD }),
  },
  {
    step: '5.10.5',
    make: (i) => ((i.esmeDetail.nonCriticalSupplierCertificateId = expiredSupplierKa), {}),
    supportingData: () => cid(expiredSupplierKa),
  },
  {
    step: '5.10.6',
    make: (i) => ((i.gpfDetail.criticalNetworkOperatorCertificateId = expiredGtDs), {}),
    supportingData: () => cid(expiredGtDs),
  },
  {
    step: '5.10.7',
    make: (i) => ((i.gsmeDetail!.nonCriticalSupplierCertificateId = revokedSupplierKa), {}),
    supportingData: () => cid(revokedSupplierKa),
  },
  {
    step: '5.10.8',
    make: (i) => ((i.esmeDetail.nonCriticalSupplierCertificateId = supB.nonCritical), {}),
    supportingData: () => pairSd({ critical: supA.critical, nonCritical: supB.nonCritical }),
  },
  {
    step: '5.10.9',
    make: () => ({
      importSuppliers: [
        { mpxn: MPAN, party: 'SUPB', from: since },
        { mpxn: MPAN2, party: 'SUPA', from: since },
      ],
    }),
    supportingData: () => cid(supA.critical),
  },
  {
    step: '5.10.10',
    make: () => ({ importSuppliers: changes(MPAN, MPAN2) }),
    supportingData: () => undefined,
  },
  {
    step: '5.10.11',
    make: (i) => ((i.esmeDetail.nonCriticalNetworkOperatorCertificateId = gt.nonCritical), {}),
    supportingData: () => pairSd({ critical: dno.critical, nonCritical: gt.nonCritical }),
  },
  {
    step: '5.10.12',
    make: () => ({
      networkParties: {
        DNOA: [pki.party('network-operator').entityId],
        GTA: [pki.party('gas-transporter').entityId],
        DNOB: ['70-B3-D5-1F-30-77-00-01'],
      },
      electricityDistributors: [
        { mpxn: MPAN, party: 'DNOB', from: since },
        { mpxn: MPAN2, party: 'DNOA', from: since },
      ],
    }),
    supportingData: () => cid(dno.critical),
  },
  {
    step: '5.10.13', // the GPF's Non-Critical Supplier ID is another Supplier Party's: the GSME pair is named
    make: (i) => ((i.gpfDetail.nonCriticalSupplierCertificateId = supB.nonCritical), {}),
    supportingData: () => pairSd(supA),
  },
  {
    step: '5.10.14',
    make: () => ({
      gasSuppliers: [
        { mpxn: MPRN, party: 'SUPB', from: since },
        { mpxn: MPRN2, party: 'SUPA', from: since },
      ],
    }),
    supportingData: () => cid(supA.critical),
  },
  {
    step: '5.10.15',
    make: () => ({ gasSuppliers: changes(MPRN, MPRN2) }),
    supportingData: () => undefined,
  },
  {
    step: '5.10.16',
    make: (i) => ((i.gpfDetail.nonCriticalNetworkOperatorCertificateId = dno.nonCritical), {}),
    supportingData: () => pairSd({ critical: gt.critical, nonCritical: dno.nonCritical }),
  },
  {
    step: '5.10.17',
    make: () => ({
      gasTransporters: [
        { mpxn: MPRN, party: 'DNOA', from: since },
        { mpxn: MPRN2, party: 'GTA', from: since },
      ],
    }),
    supportingData: () => cid(gt.critical),
  },
  {
    step: '5.10.18',
    make: (i) => ((i.ihdDetail!.deviceDetail.deviceType = 'ESME'), {}),
    supportingData: () => ({ deviceId: ID.IHD }),
  },
];

test('TMAD 5.10(c), Table 5.10: the exactness table covers all 18 checks, each once, in order', () => {
  assert.deepEqual(
    EXACT.map((c) => c.step),
    Array.from({ length: 18 }, (_, k) => `5.10.${k + 1}`),
  );
});

for (const c of EXACT)
  test(`TMAD ${c.step} (Table 5.10): made to fail on the first of two installations, exactly that check fails there, with its SupportingData, and the second is clean`, () => {
    const first = base();
    const over = c.make(first);
    const res = commonValidationChecks(
      { header: HEADER, installations: [first, second()] },
      inMemoryCommonValidationContext(both(over)),
      { at: AT },
    );
    const sd = c.supportingData();
    assert.deepEqual(
      res.installations[0]!.failures.map((f) => f.failedCheck),
      [{ failedStepNumber: c.step, ...(sd ? { supportingData: sd } : {}) }],
      JSON.stringify(res.installations[0]!.failures.map((f) => f.problem.message)),
    );
    assert.equal(res.installations[0]!.failures[0]!.problem.rule, `TMAD ${c.step} (Table 5.10)`);
    assert.deepEqual(
      res.installations[1]!.failures.map((f) => f.failedCheck),
      [],
      JSON.stringify(res.installations[1]!.failures.map((f) => f.problem.message)),
    );
    assert.equal(res.installations[1]!.chfIdentifier, '00-0D-6F-00-00-00-02-01');
  });
