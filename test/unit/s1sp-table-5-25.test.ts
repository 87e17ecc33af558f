// TMAD 5.25, Table 5.25 (src/s1sp/table-5-25.ts): a clean installation of each GroupID is an S1SP
// Viable Installation; each step fails alone (5.25.1.1, 5.25.1.2, each 5.25.2.X and 5.25.3.X of
// clauses 12-16, the MEF's Additional File Structure Validation), with the step as FailedStepNumber.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTable525, isValidKey, type Table525Input } from '../../src/s1sp/table-5-25.js';
import { GROUP_FILE_REQUIREMENTS } from '../../src/core/groups/requirements.js';
import { GROUP_IDS, type GroupId } from '../../src/core/ids/reference.js';
import type {
  DecryptedS1spDpGroupInformation,
  DecryptedS1spGroupInformation,
  McfInstallation,
} from '../../src/core/formats/migration-files/index.js';

const CHF = '00-12-4B-01-00-00-00-01';
const GPF = '00-12-4B-01-00-00-01-01';
const ESME = '00-12-4B-01-00-00-02-01';
const GSME = '00-12-4B-01-00-00-03-01';
const K = '00112233445566778899AABBCCDDEEFF';
const cert = { serialNumber: '1', issuerName: 'CA' };
const dd = { firmwareVersion: '1', deviceModel: 'M', deviceManufacturer: 'X', deviceType: 'ESME' };

function mcf(gas = true): McfInstallation {
  const certs = {
    criticalSupplierCertificateId: cert,
    nonCriticalSupplierCertificateId: cert,
  };
  return {
    chfDetail: { deviceId: CHF, deviceDetail: dd },
    gpfDetail: {
      deviceId: GPF,
      deviceDetail: dd,
      ...certs,
      criticalNetworkOperatorCertificateId: cert,
      nonCriticalNetworkOperatorCertificateId: cert,
    },
    esmeDetail: {
      deviceId: ESME,
      deviceDetail: dd,
      esmeVariant: 'A',
      importMpan: '1000000000009',
      ...certs,
      criticalNetworkOperatorCertificateId: cert,
      nonCriticalNetworkOperatorCertificateId: cert,
    },
    ...(gas ? { gsmeDetail: { deviceId: GSME, deviceDetail: dd, mprn: '123', ...certs } } : {}),
  };
}

const assoc = () => ({ authenticationKey: K, encryptionKey: K });
const device = () => ({
  dataCollectionAssociation: assoc(),
  extendedDataCollectionAssociation: assoc(),
  managementAssociation: assoc(),
  firmwareAssociation: assoc(),
});

function gi(groupId: GroupId): DecryptedS1spGroupInformation | DecryptedS1spDpGroupInformation {
  if (groupId.startsWith('E'))
    return {
      chfIdentifier: CHF,
      esmeDetail: { highLevelAssociation: assoc(), prepaymentKey: K },
      gsmeDetail: { prePayDetails: { prepaymentKey: K } },
    };
  return {
    chfIdentifier: CHF,
    chfDetail: device(),
    gpfDetail: device(),
    esmeDetail: { ...device(), prepaymentKey: K },
    gsmeDetail: { ...device(), prepaymentKey: K },
  };
}

/** A clean installation of the GroupID: every file holds what that GroupID requires. */
function clean(groupId: GroupId): Table525Input {
  const req = GROUP_FILE_REQUIREMENTS[groupId];
  const da = groupId === 'DA';
  return {
    groupId,
    chfIdentifier: CHF,
    mcf: mcf(),
    mvf: { chfIdentifier: CHF, failedChecks: [] },
    mgf: req.s1sp.requiredFileSet.mgf
      ? {
          chfIdentifier: CHF,
          chfDetail: {
            imsi: '234100000000001',
            ipAddr: '10.0.0.1',
            previousApn: 'apn.example',
            serialNumbers: { chf: 'SN-CHF-1' },
          },
        }
      : undefined,
    mef: {
      chfIdentifier: CHF,
      ...(da
        ? {}
        : {
            encryptedS1spGroupInformation: {
              protectedData: 'AA==',
              authenticationTag: 'AA==',
              wrappedTransportKey: 'AA==',
            },
          }),
      encryptedMasterKeys: da ? [] : [{ encryptedKey: 'AA==', deviceIds: [ESME] }],
      suaKeyDetails: da
        ? [{ deviceType: 'ESME', serialNumber: 'SN', publicKey: 'BA==', encryptedSuaKey: 'AA==' }]
        : [],
    },
    groupInformation: da ? undefined : gi(groupId),
  };
}

const step = (i: Table525Input): string | null => {
  const r = checkTable525(i);
  return r.viable ? null : r.failure.failedCheck.failedStepNumber;
};

for (const g of GROUP_IDS)
  test(`TMAD 5.25 / ${g}: a clean installation is an S1SP Viable Installation`, () => {
    const r = checkTable525(clean(g));
    assert.deepEqual(r, { viable: true });
  });

test('TMAD 5.25.1.1: a CHFIdentifier not in the MCF fails 5.25.1.1 (and nothing after it is checked)', () => {
  const i = { ...clean('AA'), mcf: undefined, mvf: undefined };
  const r = checkTable525(i);
  assert.equal(r.viable, false);
  if (r.viable) return;
  assert.equal(r.failure.failedCheck.failedStepNumber, '5.25.1.1');
  assert.equal(r.failure.rule, 'TMAD 5.25.1.1');
  assert.match(r.failure.message, /Migration Group File is not a CHF of the Migration Common File/);
  // DA: the CHFIdentifier comes from the MEF (no MGF, 16.4).
  const da = checkTable525({ ...clean('DA'), mcf: undefined });
  assert.ok(!da.viable && /Migration Group Encrypted File/.test(da.failure.message));
});

test('TMAD 5.25.1.2: a validation error in the MVF, or no MVF entry, fails 5.25.1.2', () => {
  assert.equal(
    step({ ...clean('CA'), mvf: { chfIdentifier: CHF, failedChecks: [{ failedStepNumber: '5.10.9' }] } }),
    '5.25.1.2',
  );
  assert.equal(step({ ...clean('CA'), mvf: undefined }), '5.25.1.2');
});

test('TMAD 5.25.2 (12.6.1, 13.8): IMSI, PreviousAPN, SerialNumbers each fail alone for AA and BA', () => {
  for (const g of ['AA', 'BA'] as const) {
    const base = clean(g);
    const d = base.mgf!.chfDetail!;
    for (const broken of [
      { ...d, imsi: undefined },
      { ...d, imsi: '' },
      { ...d, imsi: '23410ABC' },
      { ...d, previousApn: undefined },
      { ...d, previousApn: 'bad apn' },
      { ...d, serialNumbers: undefined },
      { ...d, serialNumbers: { esme: 'SN' } },
    ])
      assert.equal(step({ ...base, mgf: { chfIdentifier: CHF, chfDetail: broken } }), '5.25.2.12.6.1', g);
    // IPAddr is not checked for AA/BA.
    assert.equal(
      step({ ...base, mgf: { chfIdentifier: CHF, chfDetail: { ...d, ipAddr: undefined } } }),
      null,
    );
    assert.equal(step({ ...base, mgf: undefined }), '5.25.2.12.6.1');
  }
});

test('TMAD 5.25.2 (14.7.1): CA and CB also need a valid IPAddr', () => {
  for (const g of ['CA', 'CB'] as const) {
    const base = clean(g);
    const d = base.mgf!.chfDetail!;
    assert.equal(
      step({ ...base, mgf: { chfIdentifier: CHF, chfDetail: { ...d, ipAddr: undefined } } }),
      '5.25.2.14.7.1',
    );
    assert.equal(
      step({ ...base, mgf: { chfIdentifier: CHF, chfDetail: { ...d, ipAddr: '10.0.0.256' } } }),
      '5.25.2.14.7.1',
    );
    assert.equal(
      step({ ...base, mgf: { chfIdentifier: CHF, chfDetail: { ...d, ipAddr: '2001:db8::1' } } }),
      null,
    );
  }
});

test('TMAD 5.25.2 (15.6.1): EA/EB/EC need IMSI and PreviousAPN, not SerialNumbers', () => {
  for (const g of ['EA', 'EB', 'EC'] as const) {
    const base = clean(g);
    const d = base.mgf!.chfDetail!;
    assert.equal(
      step({ ...base, mgf: { chfIdentifier: CHF, chfDetail: { ...d, imsi: undefined } } }),
      '5.25.2.15.6.1',
    );
    assert.equal(
      step({ ...base, mgf: { chfIdentifier: CHF, chfDetail: { ...d, previousApn: '' } } }),
      '5.25.2.15.6.1',
    );
    assert.equal(
      step({ ...base, mgf: { chfIdentifier: CHF, chfDetail: { ...d, serialNumbers: undefined } } }),
      null,
    );
  }
});

test('TMAD 16.6, 16.8: DA has no S1SP MGF or MEF data validation', () => {
  assert.equal(GROUP_FILE_REQUIREMENTS.DA.s1sp.mgfValidation, null);
  assert.equal(GROUP_FILE_REQUIREMENTS.DA.s1sp.mefValidation, null);
  assert.equal(step({ ...clean('DA'), groupInformation: undefined }), null);
});

test('TMAD 5.25.3 (12.15, 13.16, 14.16, 15.3, 16.16): the MEF entry carries exactly what its GroupID allows', () => {
  const aa = clean('AA');
  assert.equal(step({ ...aa, mef: { ...aa.mef!, encryptedMasterKeys: [] } }), '5.25.3.12.15');
  assert.equal(
    step({ ...aa, mef: { ...aa.mef!, suaKeyDetails: clean('DA').mef!.suaKeyDetails } }),
    '5.25.3.12.15',
  );
  const noGi = { ...aa.mef! };
  delete noGi.encryptedS1spGroupInformation;
  assert.equal(step({ ...aa, mef: noGi }), '5.25.3.12.15');
  assert.equal(step({ ...aa, mef: undefined }), '5.25.3.12.15');
  const ba = clean('BA');
  assert.equal(step({ ...ba, mef: { ...ba.mef!, encryptedMasterKeys: [] } }), '5.25.3.13.16');
  const eb = clean('EB');
  assert.equal(step({ ...eb, mef: { ...eb.mef!, encryptedMasterKeys: [] } }), '5.25.3.15.3');
  const da = clean('DA');
  assert.equal(step({ ...da, mef: { ...da.mef!, suaKeyDetails: [] } }), '5.25.3.16.16');
  assert.equal(
    step({ ...da, mef: { ...da.mef!, encryptedMasterKeys: aa.mef!.encryptedMasterKeys } }),
    '5.25.3.16.16',
  );
  assert.equal(
    step({
      ...da,
      mef: { ...da.mef!, encryptedS1spGroupInformation: aa.mef!.encryptedS1spGroupInformation! },
    }),
    '5.25.3.16.16',
  );
});

test('TMAD 5.25.3 (12.8.1): each association key of CHF, GPF and ESME, and the ESME PrepaymentKey, fails alone', () => {
  const base = clean('AA');
  const g = base.groupInformation as DecryptedS1spGroupInformation;
  for (const dev of ['chfDetail', 'gpfDetail', 'esmeDetail'] as const)
    for (const a of [
      'dataCollectionAssociation',
      'extendedDataCollectionAssociation',
      'managementAssociation',
      'firmwareAssociation',
    ] as const)
      for (const k of ['authenticationKey', 'encryptionKey'] as const) {
        const broken = structuredClone(g);
        delete broken[dev]![a]![k];
        const r = checkTable525({ ...base, groupInformation: broken });
        assert.ok(!r.viable, `${dev} ${a} ${k}`);
        assert.equal(r.failure.failedCheck.failedStepNumber, '5.25.3.12.8.1');
        assert.ok(r.failure.failedCheck.supportingData?.deviceId);
        assert.match(r.failure.failedCheck.supportingData.applicationAssociation!, /Association$/);
      }
  const noPrepay = structuredClone(g);
  delete noPrepay.esmeDetail!.prepaymentKey;
  assert.equal(step({ ...base, groupInformation: noPrepay }), '5.25.3.12.8.1');
  const shortKey = structuredClone(g);
  shortKey.chfDetail!.managementAssociation!.encryptionKey = '0011';
  assert.equal(step({ ...base, groupInformation: shortKey }), '5.25.3.12.8.1');
  // 13.10.1 / 14.9.1: the same keys, no PrepaymentKey.
  for (const grp of ['BA', 'CA', 'CB'] as const) {
    const b = clean(grp);
    const p = structuredClone(b.groupInformation as DecryptedS1spGroupInformation);
    delete p.esmeDetail!.prepaymentKey;
    assert.equal(step({ ...b, groupInformation: p }), null, grp);
    delete p.gpfDetail!.firmwareAssociation;
    assert.equal(step({ ...b, groupInformation: p }), grp === 'BA' ? '5.25.3.13.10.1' : '5.25.3.14.9.1');
  }
});

test('TMAD 5.25.3 (12.8.2): a GSME in the MCF needs the GSMEDetails PrepaymentKey; no GSME, no check', () => {
  const base = clean('AA');
  const p = structuredClone(base.groupInformation as DecryptedS1spGroupInformation);
  delete p.gsmeDetail!.prepaymentKey;
  assert.equal(step({ ...base, groupInformation: p }), '5.25.3.12.8.2');
  assert.equal(step({ ...base, mcf: mcf(false), groupInformation: p }), null);
});

test('TMAD 5.25.3 (15.8.1, 15.8.2): EA/EB/EC HighLevelAssociation keys and PrepaymentKeys', () => {
  for (const grp of ['EA', 'EB', 'EC'] as const) {
    const base = clean(grp);
    const g = base.groupInformation as DecryptedS1spDpGroupInformation;
    for (const k of ['authenticationKey', 'encryptionKey'] as const) {
      const b = structuredClone(g);
      delete b.esmeDetail!.highLevelAssociation![k];
      assert.equal(step({ ...base, groupInformation: b }), '5.25.3.15.8.1');
    }
    const noPrepay = structuredClone(g);
    delete noPrepay.esmeDetail!.prepaymentKey;
    assert.equal(step({ ...base, groupInformation: noPrepay }), '5.25.3.15.8.1');
    const noGas = structuredClone(g);
    delete noGas.gsmeDetail;
    assert.equal(step({ ...base, groupInformation: noGas }), '5.25.3.15.8.2');
    assert.equal(step({ ...base, mcf: mcf(false), groupInformation: noGas }), null);
  }
});

test('TMAD 5.23, 5.25.3: no decrypted group information, or one for another CHF, fails the first step', () => {
  assert.equal(step({ ...clean('AA'), groupInformation: undefined }), '5.25.3.12.8.1');
  const other = { ...(clean('CA').groupInformation as DecryptedS1spGroupInformation), chfIdentifier: GSME };
  assert.equal(step({ ...clean('CA'), groupInformation: other }), '5.25.3.14.9.1');
});

test('keys "populated validly": 16 or 32 octets in hex', () => {
  assert.equal(isValidKey(K), true);
  assert.equal(isValidKey(K + K), true);
  assert.equal(isValidKey(K.slice(2)), false);
  assert.equal(isValidKey(''), false);
  assert.equal(isValidKey('ZZ' + K.slice(2)), false);
});

test('every FailedStepNumber fits the schema (StepNumberType, at most 32 characters)', () => {
  for (const g of GROUP_IDS) {
    const r = GROUP_FILE_REQUIREMENTS[g].s1sp;
    for (const s of [r.mgfValidation?.step, ...(r.mefValidation?.steps.map((x) => x.step) ?? [])])
      if (s) assert.match(`5.25.3.${s}`, /^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$/);
  }
});
