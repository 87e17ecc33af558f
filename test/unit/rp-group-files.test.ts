// The Requesting Party's MGF/MEF plan (src/requesting-party/group-files.ts): per GroupID which files and
// elements appear and which must not (TMAD 12–16), MVF failures held back (5.12(b)), the 7-day WAN
// contact boundary (5.12(c)), and the CHF details CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GroupFilesInputError,
  planGroupFiles,
  type GroupFilesInputs,
  type McfEntry,
} from '../../src/requesting-party/group-files.js';
import { parseChfDetailsCsv } from '../../src/requesting-party/chf-details.js';
import { GROUP_IDS, type GroupId } from '../../src/core/ids/reference.js';
import type { HandoverInstallation, SmsoInstallation } from '../../src/core/formats/smso/index.js';

const AT = new Date('2026-03-02T12:00:00Z');
const RP = '70-B3-D5-1F-30-10-00-01';
const chf = (k: number): string => `00-12-4B-01-00-00-00-${String(k).padStart(2, '0')}`;
const dev = (k: number, t: number): string =>
  `00-12-4B-01-00-00-${String(t).padStart(2, '0')}-${String(k).padStart(2, '0')}`;

function entry(k: number): McfEntry {
  return {
    index: k,
    chfIdentifier: chf(k),
    deviceIds: { chf: chf(k), gpf: dev(k, 1), esme: dev(k, 2), gsme: dev(k, 3) },
  };
}

function inventory(k: number, lastWan: string | null): SmsoInstallation {
  const d = (deviceType: 'CHF' | 'GPF' | 'ESME' | 'GSME', deviceId: string) => ({
    deviceType,
    deviceId,
    manufacturer: 'M',
    model: 'X',
    firmwareVersion: '1',
    serialNumber: `SN-${deviceType}-${k}`,
    status: deviceType === 'ESME' || deviceType === 'GSME' ? ('Active' as const) : null,
    hanJoinedAt: null,
  });
  return {
    chfDeviceId: chf(k),
    mpan: null,
    mprn: null,
    lastWanContactAt: lastWan,
    unsolicitedHalfHourlyData: false,
    devices: [d('CHF', chf(k)), d('GPF', dev(k, 1)), d('ESME', dev(k, 2)), d('GSME', dev(k, 3))],
  };
}

/** What the SMSO hands over for the GroupID (docs/SMSO.md): ciphertext, SUA keys for DA only. */
function handover(k: number, groupId: GroupId): HandoverInstallation {
  return groupId === 'DA'
    ? {
        chfIdentifier: chf(k),
        encryptedMasterKeys: [],
        suaKeyDetails: [
          { deviceType: 'ESME', serialNumber: `SN-ESME-${k}`, publicKey: 'BA==', encryptedSuaKey: 'AA==' },
        ],
      }
    : {
        chfIdentifier: chf(k),
        encryptedS1spGroupInformation: {
          protectedData: 'AA==',
          authenticationTag: 'AA==',
          wrappedTransportKey: 'AA==',
        },
        encryptedMasterKeys: [{ encryptedKey: 'AA==', deviceIds: [dev(k, 2), dev(k, 1), chf(k)] }],
        suaKeyDetails: [],
        ...(groupId === 'EB' || groupId === 'EC' ? { plaintext: '<DecryptedS1SPDPGroupInformation/>' } : {}),
      };
}

function inputs(groupId: GroupId, n = 2, o: Partial<GroupFilesInputs> = {}): GroupFilesInputs {
  const ks = [...Array(n).keys()];
  return {
    mcfHeader: { requestingPartyId: RP, mcfCounter: 7n, groupId, toBeCommissionedByDcc: false },
    mcf: ks.map(entry),
    mvfHeader: {
      requestingPartyId: RP,
      mcfCounter: 7n,
      reportingPartyId: '70-B3-D5-1F-30-11-00-01',
      mvfCounter: 1n,
      groupId,
    },
    mvf: new Map(ks.map((k) => [chf(k), { chfIdentifier: chf(k), failedChecks: [] }])),
    handoverHeader: {
      format: 's1mig-smso-handover',
      version: 1,
      smso: 'CGI',
      groupId,
      createdAt: AT.toISOString(),
      keys: [],
    },
    handover: new Map(ks.map((k) => [chf(k), handover(k, groupId)])),
    inventory: new Map(ks.map((k) => [chf(k), inventory(k, '2026-03-01T00:00:00Z')])),
    chfDetails: new Map(
      ks.map((k) => [
        chf(k),
        { imsi: '234100000000001', ipAddr: '10.0.0.1', previousApn: 'apn', deviceCertificate: 'AAAA' },
      ]),
    ),
    at: AT,
    ...o,
  };
}

const MGF_GROUPS: readonly GroupId[] = ['AA', 'BA', 'CA', 'CB', 'EA', 'EB', 'EC'];

for (const g of GROUP_IDS)
  test(`TMAD 12-16 / ${g}: the files and MEF elements the GroupID requires, and none it forbids`, () => {
    const plan = planGroupFiles(inputs(g));
    assert.equal(plan.excluded.length, 0, JSON.stringify(plan.excluded));
    assert.equal(plan.included.length, 2);
    const mef = plan.included[0]!.mef;
    assert.equal(mef.chfIdentifier, chf(0));
    assert.ok(!('plaintext' in mef), 'TMAD 11.1: the plaintext never goes into the MEF');
    if (g === 'DA') {
      // TMAD 16.15: no MGF; 16.16: SUAKeyDetails, no EncryptedS1SPGroupInformation, no EncryptedMasterKey.
      assert.equal(plan.requirements.mgf, null);
      assert.equal(plan.included[0]!.mgf, undefined);
      assert.equal(mef.encryptedS1spGroupInformation, undefined);
      assert.deepEqual(mef.encryptedMasterKeys, []);
      assert.equal(mef.suaKeyDetails.length, 1);
    } else {
      // 12.14 / 13.6 / 14.15 / 15.4: an MGF; 12.15 / 13.16 / 14.16 / 15.3: group information and master
      // keys, no SUAKeyDetails.
      assert.ok(MGF_GROUPS.includes(g));
      const mgf = plan.included[0]!.mgf!;
      assert.equal(mgf.chfIdentifier, chf(0));
      assert.equal(mgf.chfDetail?.imsi, '234100000000001');
      assert.equal(mgf.chfDetail?.previousApn, 'apn');
      assert.deepEqual(mgf.chfDetail?.serialNumbers, {
        chf: 'SN-CHF-0',
        gpf: 'SN-GPF-0',
        esme: 'SN-ESME-0',
        gsme: 'SN-GSME-0',
      });
      assert.ok(mef.encryptedS1spGroupInformation);
      assert.equal(mef.encryptedMasterKeys.length, 1);
      assert.deepEqual(mef.suaKeyDetails, []);
    }
  });

test('TMAD 12.15 / 16.16: a hand-over with the wrong elements for the GroupID holds the installation back', () => {
  const aa = inputs('AA');
  const h = handover(0, 'DA');
  (aa.handover as Map<string, HandoverInstallation>).set(chf(0), h);
  let plan = planGroupFiles(aa);
  assert.deepEqual(
    plan.included.map((i) => i.chfIdentifier),
    [chf(1)],
  );
  assert.deepEqual(
    plan.excluded[0]!.reasons.map((r) => [r.rule, r.field]),
    [
      ['TMAD 12.15', 'EncryptedS1SPGroupInformation'],
      ['TMAD 12.15', 'EncryptedMasterKey'],
      ['TMAD 12.15', 'SUAKeyDetails'],
    ],
  );
  const da = inputs('DA');
  (da.handover as Map<string, HandoverInstallation>).set(chf(1), handover(1, 'AA'));
  plan = planGroupFiles(da);
  assert.deepEqual(
    plan.excluded.map((x) => x.reasons.map((r) => `${r.rule} ${r.field}`)),
    [
      [
        'TMAD 16.16 EncryptedS1SPGroupInformation',
        'TMAD 16.16 EncryptedMasterKey',
        'TMAD 16.16 SUAKeyDetails',
      ],
    ],
  );
});

test('TMAD 5.12(b): an installation with a FailedCheck in the MVF, or missing from it, is held back with the steps', () => {
  const inp = inputs('AA', 3);
  const mvf = inp.mvf as Map<
    string,
    { chfIdentifier: string; failedChecks: Array<{ failedStepNumber: string }> }
  >;
  mvf.set(chf(1), {
    chfIdentifier: chf(1),
    failedChecks: [{ failedStepNumber: '5.10.4' }, { failedStepNumber: '5.10.9' }],
  });
  mvf.delete(chf(2));
  const plan = planGroupFiles(inp);
  assert.deepEqual(
    plan.included.map((i) => i.chfIdentifier),
    [chf(0)],
  );
  assert.equal(plan.excluded[0]!.reasons[0]!.rule, 'TMAD 5.12(b)');
  assert.match(plan.excluded[0]!.reasons[0]!.message, /FailedCheck 5\.10\.4, 5\.10\.9/);
  assert.equal(plan.excluded[0]!.reasons[0]!.element, 'MigrationCommon/SMETS1Installation[2]');
  assert.match(plan.excluded[1]!.reasons[0]!.message, /not in the MVF/);
});

test('TMAD 5.12(c): WAN contact exactly 7 days ago goes on; 7 days and 1 second ago, none, or no inventory entry is held back', () => {
  const inp = inputs('CA', 4);
  const inv = inp.inventory as Map<string, SmsoInstallation>;
  inv.set(chf(0), inventory(0, '2026-02-23T12:00:00Z')); // exactly 7 days
  inv.set(chf(1), inventory(1, '2026-02-23T11:59:59Z')); // 7 days + 1 s
  inv.set(chf(2), inventory(2, null));
  inv.delete(chf(3));
  const plan = planGroupFiles(inp);
  assert.deepEqual(
    plan.included.map((i) => i.chfIdentifier),
    [chf(0)],
  );
  assert.deepEqual(
    plan.excluded.map((x) => [x.chfIdentifier, x.reasons.map((r) => `${r.rule} ${r.field}`)]),
    [
      [chf(1), ['TMAD 5.12(c) last_wan_contact_at']],
      [chf(2), ['TMAD 5.12(c) last_wan_contact_at']],
      // No inventory entry: no WAN contact and no serial numbers for the MGF (14.7.1).
      [chf(3), ['TMAD 5.12(c) chf_device_id', 'TMAD 14.7.1 SerialNumbers']],
    ],
  );
  assert.match(plan.excluded[0]!.reasons[0]!.message, /more than 7 days before 2026-03-02T12:00:00.000Z/);
});

test('TMAD 12.6.1 / 14.7.1 / 15.6.1: an MGF element the GroupID needs but nobody knows holds the installation back', () => {
  const details = new Map([[chf(0), { imsi: '234100000000001', previousApn: 'apn' }]]);
  // AA needs IMSI, PreviousAPN, SerialNumbers: chf(0) goes on, chf(1) has no CHF details.
  let plan = planGroupFiles(inputs('AA', 2, { chfDetails: details }));
  assert.deepEqual(
    plan.included.map((i) => i.chfIdentifier),
    [chf(0)],
  );
  assert.deepEqual(
    plan.excluded[0]!.reasons.map((r) => `${r.rule} ${r.field}`),
    ['TMAD 12.6.1 IMSI', 'TMAD 12.6.1 PreviousAPN'],
  );
  // CA/CB also need IPAddr; EA/EB/EC the DeviceCertificate (Appendix B ET01).
  plan = planGroupFiles(inputs('CB', 1, { chfDetails: details }));
  assert.deepEqual(
    plan.excluded[0]!.reasons.map((r) => `${r.rule} ${r.field}`),
    ['TMAD 14.7.1 IPAddr'],
  );
  plan = planGroupFiles(inputs('EC', 1, { chfDetails: details }));
  assert.deepEqual(
    plan.excluded[0]!.reasons.map((r) => r.field),
    ['DeviceCertificate'],
  );
  // DA has no MGF: CHF details are not needed.
  plan = planGroupFiles(inputs('DA', 1, { chfDetails: new Map() }));
  assert.equal(plan.included.length, 1);
});

test('TMAD 5.12(a), (g): an MVF of another MCF or a hand-over for another GroupID is refused as a whole', () => {
  const inp = inputs('AA');
  assert.throws(
    () => planGroupFiles({ ...inp, mvfHeader: { ...inp.mvfHeader, mcfCounter: 8n } }),
    (e: unknown) =>
      e instanceof GroupFilesInputError &&
      e.problems[0]!.field === 'MCFCounter' &&
      e.problems[0]!.rule === 'TMAD 5.12(a), 5.10(b)',
  );
  assert.throws(
    () => planGroupFiles({ ...inp, handoverHeader: { ...inp.handoverHeader, groupId: 'BA' } }),
    (e: unknown) => e instanceof GroupFilesInputError && /GroupID BA/.test(e.problems[0]!.message),
  );
});

test('CHF details CSV: every problem names file, line, column, field and rule', () => {
  const head = 'chf_device_id,imsi,ip_addr,dns_server,ping_server,previous_apn,device_certificate\n';
  const ok = parseChfDetailsCsv(head + `${chf(0)},234100000000001,10.0.0.1,,,apn,QUJD\n`, 'c.csv');
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.details.get(chf(0)), {
    imsi: '234100000000001',
    ipAddr: '10.0.0.1',
    previousApn: 'apn',
    deviceCertificate: 'QUJD',
  });
  const bad = parseChfDetailsCsv(head + `${chf(0)},12ab,,,,,\nnot-an-id,,,,,,\n${chf(1)},,,,,,*\n`, 'c.csv');
  assert.deepEqual(
    bad.problems.map((p) => [p.file, p.line, p.column, p.field]),
    [
      ['c.csv', 2, 25, 'imsi'],
      ['c.csv', 3, 1, 'chf_device_id'],
      ['c.csv', 4, 30, 'device_certificate'],
    ],
  );
  assert.ok(bad.problems.every((p) => p.rule.includes('TMAD Table 10.1')));
  assert.equal(parseChfDetailsCsv('a,b\n', 'c.csv').problems[0]!.line, 1);
});
