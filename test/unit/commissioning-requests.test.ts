// TMAD Table 6.3 (the 20 steps, their conditions and Target / Other / RemotePartyRole), Table 8.7.4
// (the values of each request) and the DCC's validation of Commissioning Requests (TMAD 8.6, 8.7,
// Tables 8.7.1, 8.7.3; 3.14; 6.5 and Table 6.5), on the test PKI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TABLE_6_3,
  TABLE_8_7_2,
  inMemoryInventory,
  planStep,
  type BuildContext,
  type CommissioningRequest,
  type SignedCommissioningRequest,
} from '../../src/core/commissioning-requests/index.js';
import type { McfInstallation } from '../../src/core/formats/migration-files/index.js';
import { findCertificate, type OrganisationCertificate } from '../../src/core/pki/index.js';
import { processCommissioningRequest, type Anomaly } from '../../src/dcc/commissioning-requests.js';
import { makeTestPki, type TestPkiFixture } from '../support/signed-files.js';
import {
  MPAN,
  MPRN,
  certificateOf,
  hubDevices,
  installation,
  pkiIds,
  registration,
  type InstallationShape,
  type PkiIds,
} from '../support/commissioning.js';

let pki: TestPkiFixture;
let ids: PkiIds;
let cpXml: OrganisationCertificate;
let cpFile: OrganisationCertificate;
before(async () => {
  pki = await makeTestPki();
  ids = pkiIds(pki);
  cpXml = await certificateOf(pki, 'commissioning-party', 'commissioningPartyXmlSigning');
  cpFile = await certificateOf(pki, 'commissioning-party', 'commissioningPartyFileSigning');
});
after(() => pki.cleanup());

function ctx(): BuildContext {
  let n = 0n;
  const join = new Map<string, bigint>();
  return {
    businessOriginatorId: cpXml.entityId!,
    preNotificationTargetId: 'AA-BB-CC-DD-EE-FF-00-01',
    nextOriginatorCounter: () => ++n,
    nextJoinCriticalCounter: (t) => {
      const v = (join.get(t) ?? 0n) + 1n;
      join.set(t, v);
      return v;
    },
    now: new Date('2026-12-03T10:00:00Z'),
    certificate: (id) => {
      const c = findCertificate(pki.trust, id.issuerName, id.serialNumber);
      return c
        ? { certificate: { certificateId: id, der: Buffer.from(c.der).toString('base64') }, path: [] }
        : undefined;
    },
  };
}

async function plan(inst: McfInstallation) {
  const c = ctx();
  const out = [];
  for (const s of TABLE_6_3) out.push(await planStep(inst, s, c));
  return out;
}

// The table as the TMAD prints it: StepNumber, request, Target, Other, RemotePartyRole, and which
// installation shapes submit it.
const FULL: InstallationShape = { gsme: true, ppmid: true, ihd: true, cad: true };
const EXPECTED: Array<
  [string, string, string, string | null, string | null, (s: InstallationShape) => boolean]
> = [
  ['6.3.1', 'Device Pre-notification', 'ESME', null, null, () => true],
  ['6.3.2', 'Update HAN Device Log', 'CHF', 'ESME', null, () => true],
  ['6.3.3', 'Device Pre-notification', 'GSME', null, null, (s) => !!s.gsme],
  ['6.3.4', 'Update HAN Device Log', 'CHF', 'GSME', null, (s) => !!s.gsme],
  ['6.3.5', 'Device Pre-notification', 'PPMID', null, null, (s) => !!s.ppmid],
  ['6.3.6', 'Update HAN Device Log', 'CHF', 'PPMID', null, (s) => !!s.ppmid],
  ['6.3.7', 'Device Pre-notification', 'IHD', null, null, (s) => !!s.ihd],
  ['6.3.8', 'Update HAN Device Log', 'CHF', 'IHD', null, (s) => !!s.ihd],
  ['6.3.9', 'Device Pre-notification', 'CAD', null, null, (s) => !!s.cad],
  ['6.3.10', 'Update HAN Device Log', 'CHF', 'CAD', null, (s) => !!s.cad],
  [
    '6.3.11',
    'Request Handover Of DCC Controlled Device',
    'ESME',
    null,
    'Supplier',
    (s) => !s.nullEsmeSupplier,
  ],
  [
    '6.3.12',
    'Request Handover Of DCC Controlled Device',
    'GSME',
    null,
    'Supplier',
    (s) => !!s.gsme && !s.nullGsmeSupplier,
  ],
  ['6.3.13', 'Commission Device', 'ESME', null, null, () => true],
  ['6.3.14', 'Commission Device', 'GSME', null, null, (s) => !!s.gsme],
  ['6.3.15', 'Join Service (Non-Critical)', 'PPMID', 'ESME', null, (s) => !!s.ppmid],
  ['6.3.16', 'Join Service (Critical)', 'ESME', 'PPMID', null, (s) => !!s.ppmid],
  ['6.3.17', 'Join Service (Non-Critical)', 'GSME', 'GPF', null, (s) => !!s.gsme],
  [
    '6.3.18',
    'Request Handover Of DCC Controlled Device',
    'GPF',
    null,
    'Supplier',
    (s) => !!s.gsme && !s.nullGpfSupplier,
  ],
  [
    '6.3.19',
    'Request Handover Of DCC Controlled Device',
    'ESME',
    null,
    'NetworkOperator',
    (s) => !s.nullEsmeNetwork,
  ],
  [
    '6.3.20',
    'Request Handover Of DCC Controlled Device',
    'GPF',
    null,
    'NetworkOperator',
    (s) => !(s.nullGpfNetwork ?? !s.gsme),
  ],
];

const SHAPES: Record<string, InstallationShape> = {
  'ESME only': {},
  'ESME only, GPF Network Operator IDs not Null': { nullGpfNetwork: false },
  'every device': FULL,
  'GSME only': { gsme: true },
  'PPMID only': { ppmid: true },
  'IHD and CAD': { ihd: true, cad: true },
  'all Null Certificate IDs': {
    ...FULL,
    nullEsmeSupplier: true,
    nullGsmeSupplier: true,
    nullGpfSupplier: true,
    nullEsmeNetwork: true,
    nullGpfNetwork: true,
  },
  'Null GPF Supplier IDs with a GSME': { gsme: true, nullGpfSupplier: true },
  'Null ESME Network Operator IDs': { gsme: true, nullEsmeNetwork: true },
  'Null GPF Network Operator IDs': { gsme: true, nullGpfNetwork: true },
};

test('TMAD Table 6.3: twenty steps in the printed order, each with its request, Target, Other and RemotePartyRole', () => {
  assert.deepEqual(
    TABLE_6_3.map((s) => [s.step, s.request, s.target, s.other ?? null, s.remotePartyRole ?? null]),
    EXPECTED.map((e) => e.slice(0, 5)),
  );
});

describe('TMAD 6.3(d)(i), Table 6.3 "Only submit if": which steps an installation submits', () => {
  for (const [name, shape] of Object.entries(SHAPES))
    test(`${name}`, async () => {
      const inst = installation(1, ids, shape);
      const planned = await plan(inst);
      assert.deepEqual(
        planned.map((p) => [p.step.step, p.kind]),
        EXPECTED.map((e) => [e[0], e[5](shape) ? 'request' : 'not-applicable']),
      );
      const dev = (slot: string) =>
        ({
          CHF: inst.chfDetail,
          GPF: inst.gpfDetail,
          ESME: inst.esmeDetail,
          GSME: inst.gsmeDetail,
          PPMID: inst.ppmidDetail,
          IHD: inst.ihdDetail,
          CAD: inst.cadDetail,
        })[slot]!.deviceId;
      for (const p of planned) {
        if (p.kind !== 'request') continue;
        const [, req, target, other, role] = EXPECTED.find((e) => e[0] === p.step.step)!;
        const r = p.request;
        // Table 8.7.2 pair; Table 8.7.4 Business Originator / Target IDs and the body values.
        assert.deepEqual(
          [r.serviceReference, r.serviceReferenceVariant],
          Object.values(TABLE_8_7_2[req as keyof typeof TABLE_8_7_2]),
        );
        assert.equal(r.requestId.businessOriginatorId, cpXml.entityId);
        assert.equal(r.executionDateTime, undefined);
        if (req === 'Device Pre-notification') {
          assert.equal(r.requestId.businessTargetId, 'AA-BB-CC-DD-EE-FF-00-01');
          assert.equal((r.body as { deviceId: string }).deviceId, dev(target));
        } else assert.equal(r.requestId.businessTargetId, dev(target));
        if (r.body.request === 'Update HAN Device Log') {
          assert.equal(r.body.deviceId, dev(other!));
          assert.equal(r.body.requestType, 'Add');
          assert.equal(r.body.joinTimePeriod, 1);
          assert.equal(r.body.importMpxn, other === 'ESME' ? MPAN : other === 'GSME' ? MPRN : undefined);
        }
        if (r.body.request === 'Join Service (Critical)' || r.body.request === 'Join Service (Non-Critical)')
          assert.equal(r.body.otherDeviceId, dev(other!));
        if (r.body.request === 'Request Handover Of DCC Controlled Device') {
          assert.equal(r.body.remotePartyRole, role);
          assert.equal(r.body.remotePartyFloorSeqNumber, 0n);
          assert.equal(r.body.applyTimeBasedCpvChecks, true);
          assert.equal(
            r.body.remotePartyPrepaymentTopUpFloorSeqNumber,
            role === 'Supplier' && (target === 'ESME' || target === 'GSME') ? 0n : undefined,
          );
          assert.equal(r.body.replacementCertificates.length, 2);
        }
        if (r.body.request === 'Commission Device') {
          assert.equal(r.body.currentDateTime, '2026-12-03T10:00:00.000Z');
          assert.equal(r.body.tolerancePeriod, 0);
        }
        if (r.body.request === 'Device Pre-notification') {
          assert.equal(r.body.deviceType, target);
          assert.equal(r.body.smetsChtsVersion, target === 'CAD' ? undefined : 'SMETS1');
          assert.equal(r.body.esmeVariant, target === 'ESME' ? 'A' : undefined);
          assert.equal(r.body.firmwareVersion, '1.0');
        }
      }
    });
});

test('Table 8.7.4: Join Service (Critical) counts from 1 per Target Device; the others take the Originator Counter', async () => {
  const c = ctx();
  const a = installation(1, ids, { ppmid: true });
  const step = TABLE_6_3.find((s) => s.step === '6.3.16')!;
  const first = await planStep(a, step, c);
  const second = await planStep(a, step, c);
  assert.ok(first.kind === 'request' && second.kind === 'request');
  assert.equal(first.request.requestId.originatorCounter, 1n);
  assert.equal(second.request.requestId.originatorCounter, 2n);
  const other = await planStep(installation(2, ids, { ppmid: true }), step, c);
  assert.ok(other.kind === 'request' && other.request.requestId.originatorCounter === 1n);
});

test('TMAD 6.3.11 (decision): a pair with one Null Certificate ID is "not null": submitted with the other ID', async () => {
  const p = await planStep(installation(1, ids, { halfNullEsmeSupplier: true }), TABLE_6_3[10]!, ctx());
  assert.ok(p.kind === 'request' && p.request.body.request === 'Request Handover Of DCC Controlled Device');
  assert.equal(p.request.body.replacementCertificates.length, 1);
});

test('TMAD 6.3(d)(ii): a Handover whose Certificate ID names no known certificate is an error of that step', async () => {
  const inst = installation(1, ids);
  inst.esmeDetail.criticalSupplierCertificateId = { serialNumber: '999999', issuerName: 'CN=Nobody' };
  const p = await planStep(inst, TABLE_6_3[10]!, ctx());
  assert.equal(p.kind, 'error');
  assert.ok(p.kind === 'error' && p.failedCheck.failedStepNumber === '6.3.11');
});

// ---------------------------------------------------------------------------------------------
// The DCC (TMAD 8)

async function setup(shape: InstallationShape = FULL, reg = {}) {
  const inst = installation(7, ids, shape);
  const inventory = inMemoryInventory(hubDevices(inst));
  const anomalies: Anomaly[] = [];
  const opts = {
    inventory,
    registration: registration(pki, reg),
    now: () => new Date('2026-12-03T10:00:00Z'),
    onAnomaly: (a: Anomaly) => void anomalies.push(a),
  };
  const c = ctx();
  const requests: CommissioningRequest[] = [];
  for (const s of TABLE_6_3) {
    const p = await planStep(inst, s, c);
    if (p.kind === 'request') requests.push(p.request);
  }
  const signed = (r: CommissioningRequest, cert = cpXml): SignedCommissioningRequest => ({
    request: r,
    signerCertificate: Buffer.from(cert.der).toString('base64'),
  });
  return { inst, inventory, anomalies, opts, requests, signed };
}

test('TMAD 8.6, 6.5: every request of a whole installation succeeds (I0); the SMI is updated; S1MC1 per Table 6.5', async () => {
  const { inst, inventory, opts, requests, signed } = await setup();
  const alerts = [];
  for (const r of requests) {
    const res = await processCommissioningRequest(signed(r), opts);
    assert.equal(res.responseCode, 'I0', `${r.body.request} ${res.detail}`);
    if (res.alert) alerts.push(res.alert);
  }
  const dev = async (id: string) => (await inventory.device(id))!;
  assert.equal((await dev(inst.esmeDetail.deviceId)).status, 'Commissioned');
  assert.equal((await dev(inst.gsmeDetail!.deviceId)).status, 'Commissioned');
  assert.equal((await dev(inst.ppmidDetail!.deviceId)).status, 'Whitelisted');
  assert.equal((await dev(inst.cadDetail!.deviceId)).deviceType, 'CAD');
  assert.equal((await dev(inst.esmeDetail.deviceId)).mpxn, MPAN);
  assert.equal((await dev(inst.gsmeDetail!.deviceId)).gpfDeviceId, inst.gpfDetail.deviceId);
  const supplierA = pki.party('supplier-a').entityId;
  // Table 6.5: RequestID = Notified Critical Supplier ID : Business Target ID : 1; AdditionalInformation
  // = MPxN : CHF [: GPF for a GSME]; S1SPAlertCode S1MC1.
  assert.deepEqual(alerts, [
    {
      requestId: `${supplierA}:${inst.esmeDetail.deviceId}:1`,
      deviceId: inst.esmeDetail.deviceId,
      s1spAlertCode: 'S1MC1',
      additionalInformation: `${MPAN}:${inst.chfDetail.deviceId}`,
      dateTime: '2026-12-03T10:00:00.000Z',
    },
    {
      requestId: `${supplierA}:${inst.gsmeDetail!.deviceId}:1`,
      deviceId: inst.gsmeDetail!.deviceId,
      s1spAlertCode: 'S1MC1',
      additionalInformation: `${MPRN}:${inst.chfDetail.deviceId}:${inst.gpfDetail.deviceId}`,
      dateTime: '2026-12-03T10:00:00.000Z',
    },
  ]);
});

test('Table 8.7.1 E48, TMAD 3.14: a Service Request that is not a Commissioning Request is refused and is an anomaly (threshold 0)', async () => {
  const { opts, requests, signed, anomalies } = await setup();
  const r = { ...requests[0]!, serviceReference: '4.1', serviceReferenceVariant: '4.1.1' };
  const res = await processCommissioningRequest(signed(r), opts);
  assert.equal(res.responseCode, 'E48');
  assert.equal(res.responseType, 'Acknowledgement');
  assert.equal(anomalies.length, 1);
  assert.equal(anomalies[0]!.threshold, 0);
});

test('Table 8.7.1 C2: signed with a certificate of another Remote Party Role (the file-signing one)', async () => {
  const { opts, requests, signed } = await setup();
  assert.equal((await processCommissioningRequest(signed(requests[0]!, cpFile), opts)).responseCode, 'C2');
});

test('Table 8.7.1 E100: Business Originator ID other than the signer certificate Entity Identifier', async () => {
  const { opts, requests, signed } = await setup();
  const r = {
    ...requests[0]!,
    requestId: { ...requests[0]!.requestId, businessOriginatorId: '00-00-00-00-00-00-00-09' },
  };
  assert.equal((await processCommissioningRequest(signed(r), opts)).responseCode, 'E100');
});

test('Table 8.7.1 C4: the Business Target Device is not in the SMI (the CHF was never added by the S1SP)', async () => {
  const { inst, opts, requests, signed } = await setup();
  const emptied = { ...opts, inventory: inMemoryInventory([]) };
  const han = requests.find((r) => r.body.request === 'Update HAN Device Log')!;
  const res = await processCommissioningRequest(signed(han), emptied);
  assert.equal(res.responseCode, 'C4');
  assert.match(res.detail!, new RegExp(inst.chfDetail.deviceId));
});

test('Table 8.7.1 C5: the Other Device of an Update HAN Device Log was never pre-notified; 8.7: C2 before C5', async () => {
  const { opts, requests, signed } = await setup();
  const han = requests.find((r) => r.body.request === 'Update HAN Device Log')!;
  assert.equal((await processCommissioningRequest(signed(han), opts)).responseCode, 'C5');
  assert.equal((await processCommissioningRequest(signed(han, cpFile), opts)).responseCode, 'C2');
});

async function upToHandover(shape: InstallationShape, reg = {}) {
  const s = await setup(shape, reg);
  for (const r of s.requests) {
    if (r.body.request === 'Request Handover Of DCC Controlled Device') break;
    assert.equal((await processCommissioningRequest(s.signed(r), s.opts)).responseCode, 'I0');
  }
  const handovers = s.requests.filter((r) => r.body.request === 'Request Handover Of DCC Controlled Device');
  return { ...s, handovers };
}

test('Table 8.7.3 C062199: ReplacementCertificates of another Remote Party Role than the request names', async () => {
  const { opts, signed, handovers } = await upToHandover({});
  const h = structuredClone(handovers[0]!);
  assert.ok(h.body.request === 'Request Handover Of DCC Controlled Device');
  h.body.remotePartyRole = 'NetworkOperator';
  assert.equal((await processCommissioningRequest(signed(h), opts)).responseCode, 'C062199');
});

test('Table 8.7.3 C062197: ReplacementCertificates of two parties', async () => {
  const { opts, signed, handovers } = await upToHandover({});
  const h = structuredClone(handovers[0]!);
  assert.ok(h.body.request === 'Request Handover Of DCC Controlled Device');
  const b = await certificateOf(pki, 'supplier-b', 'supplier');
  h.body.replacementCertificates[1] = {
    certificateId: { serialNumber: b.serialNumber, issuerName: b.issuerName },
    der: Buffer.from(b.der).toString('base64'),
  };
  assert.equal((await processCommissioningRequest(signed(h), opts)).responseCode, 'C062197');
});

test("Table 8.7.3 C062196: the certificates' party is not the registered Import Supplier of the MPAN in the SMI", async () => {
  const { opts, signed, handovers } = await upToHandover({}, { importSupplier: 'SUPB' });
  const res = await processCommissioningRequest(signed(handovers[0]!), opts);
  assert.equal(res.responseCode, 'C062196');
  assert.match(res.detail!, /SUPA.*SUPB/);
});

test("Table 8.7.3 C062195: the certificates' party is not the registered Electricity Distributor", async () => {
  const { opts, signed, handovers } = await upToHandover({}, { distributor: 'GTA' });
  const no = handovers.find(
    (h) =>
      h.body.request === 'Request Handover Of DCC Controlled Device' &&
      h.body.remotePartyRole === 'NetworkOperator',
  )!;
  assert.equal((await processCommissioningRequest(signed(no), opts)).responseCode, 'C062195');
});

test('TMAD 8.2-8.4 (negative): no User Role or Registration Data check on a request that is not a Handover', async () => {
  // Registration Data naming nobody does not stop a Pre-notification, a HAN log or a Commission Device.
  const { opts, requests, signed } = await setup({}, { importSupplier: null, distributor: null });
  for (const r of requests.filter((x) => x.body.request !== 'Request Handover Of DCC Controlled Device'))
    assert.equal((await processCommissioningRequest(signed(r), opts)).responseCode, 'I0', r.body.request);
});

test('fault injection by rule: the matching request gets the chosen Response Code once the real checks passed', async () => {
  const { inst, opts, requests, signed } = await setup({});
  const faulty = {
    ...opts,
    faults: [
      {
        request: 'Commission Device' as const,
        deviceId: inst.esmeDetail.deviceId,
        responseCode: 'C4' as const,
      },
    ],
  };
  const codes = [];
  for (const r of requests) codes.push((await processCommissioningRequest(signed(r), faulty)).responseCode);
  assert.equal(codes[requests.findIndex((r) => r.body.request === 'Commission Device')], 'C4');
  assert.equal(codes.filter((c) => c !== 'I0').length, 1, codes.join(','));
});
