// TMAD 6.6: the Responsible Supplier commissions the installations of an MCF with ToBeCommissionedByDCC
// = False itself (src/supplier/self-commissioning.ts): the MCF and SCFs signed here with the test PKI
// (the codec's writer, the Requesting Party's and the S1SP's certificates), Table 5.9 as the supplier,
// the Table 6.3 steps as Service Requests signed with the supplier's own certificate, answered by the
// DCC (src/dcc, requester `responsible-supplier`) from a SQLite store's Smart Metering Inventory.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { selfCommission, type SelfCommissioningOptions } from '../../src/supplier/self-commissioning.js';
import { dccCommissioningRequestPort } from '../../src/dcc/commissioning-requests.js';
import { parseCertificate } from '../../src/core/pki/index.js';
import { makeTestPki, type TestPkiFixture } from '../support/signed-files.js';
import {
  failure,
  hubDevices,
  installation,
  mcfHeader,
  pkiIds,
  registration,
  success,
  writeMcf,
  writeScf,
} from '../support/commissioning.js';

let pki: TestPkiFixture;
let store: Store;
let dir: string;
const NOW = new Date(Date.now() + 3_600_000);
before(async () => {
  pki = await makeTestPki();
  dir = await mkdtemp(path.join(os.tmpdir(), 's1mig-self-'));
  store = await openStore({ url: '', dataDir: dir });
});
after(async () => {
  await store?.close();
  await pki?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const counters = new Map<string, bigint>();
async function options(requester: 'responsible-supplier' | 'commissioning-party' = 'responsible-supplier') {
  const c = pki
    .party('supplier-a')
    .certificates.find((x) => x.role === 'supplier' && x.keyUsage === 'digitalSignature')!;
  const bySig = new Map(pki.parties.map((p) => [p.entityId.toUpperCase(), p.partySignifier]));
  const o: SelfCommissioningOptions = {
    trust: pki.trust,
    now: NOW,
    requireCrl: false,
    supplierParty: 'SUPA',
    requestSigner: parseCertificate(await readFile(path.join(pki.dir, c.cert), 'latin1')),
    dcc: dccCommissioningRequestPort({
      requester,
      inventory: store.smartMeteringInventory,
      registration: registration(pki),
      now: () => NOW,
    }),
    supplierPartyOf: async (u) => bySig.get(u.toUpperCase()),
    nextCounter: async (name) => {
      const n = (counters.get(name) ?? 0n) + 1n;
      counters.set(name, n);
      return n;
    },
  };
  return o;
}
const repos = () => ({
  counters: store.counters,
  incidents: store.incidents,
  acceptedFiles: store.acceptedFiles,
});
const seed = async (insts: ReturnType<typeof installation>[]) => {
  for (const i of insts) for (const d of hubDevices(i)) await store.smartMeteringInventory.put(d);
};

test("TMAD 6.6, 5.28(c): ToBeCommissionedByDCC = False: the supplier sends the Table 6.3 requests for its own successful installations; another supplier's and the SCF's failures are left alone", async () => {
  const h = mcfHeader(pki, 501n, { toBeCommissionedByDcc: false });
  const ours = installation(50, pkiIds(pki), { gsme: true });
  const theirs = installation(51, pkiIds(pki), { nullEsmeSupplier: true });
  const failed = installation(52, pkiIds(pki));
  await seed([ours, theirs, failed]);
  const mcf = await writeMcf(pki, dir, h, [ours, theirs, failed]);
  const scf = await writeScf(pki, dir, h, 501n, [success(ours), success(theirs), failure(failed)]);
  const r = await selfCommission(mcf, [scf], await options(), repos());
  assert.equal(r[0]!.accepted, true, JSON.stringify(r[0]));
  assert.equal(r[1]!.accepted, true, JSON.stringify(r[1]!.reason));
  const by = new Map(r[1]!.installations!.map((i) => [i.chf, i]));
  const o = by.get(ours.chfDetail.deviceId)!;
  assert.equal(o.state, 'commissioned');
  assert.deepEqual(o.failedChecks, []);
  // Table 6.3 in sequence (no PPMID, IHD or CAD), each answered I0.
  assert.deepEqual(
    o.requests.map((q) => `${q.step} ${q.responseCode}`),
    [
      '6.3.1',
      '6.3.2',
      '6.3.3',
      '6.3.4',
      '6.3.11',
      '6.3.12',
      '6.3.13',
      '6.3.14',
      '6.3.17',
      '6.3.18',
      '6.3.19',
      '6.3.20',
    ].map((s) => `${s} I0`),
  );
  assert.equal(by.get(theirs.chfDetail.deviceId)!.state, 'another-supplier');
  assert.deepEqual(by.get(theirs.chfDetail.deviceId)!.requests, []);
  assert.equal(by.get(failed.chfDetail.deviceId)!.state, 'failed-in-scf');
  // TMAD 3.3: the SMI holds the supplier-commissioned meters; not the others'.
  assert.equal((await store.smartMeteringInventory.device(ours.esmeDetail.deviceId))!.status, 'Commissioned');
  assert.equal(
    (await store.smartMeteringInventory.device(ours.gsmeDetail!.deviceId))!.status,
    'Commissioned',
  );
  assert.equal(await store.smartMeteringInventory.device(theirs.esmeDetail.deviceId), undefined);
});

test("TMAD 6.6, Table 8.7.1 C2: the supplier-signed requests are not Commissioning Requests: the Commissioning Party's DCC entry answers C2 and the installation stops", async () => {
  const h = mcfHeader(pki, 502n, { toBeCommissionedByDcc: false });
  const ours = installation(53, pkiIds(pki));
  await seed([ours]);
  const r = await selfCommission(
    await writeMcf(pki, dir, h, [ours]),
    [await writeScf(pki, dir, h, 502n, [success(ours)])],
    await options('commissioning-party'),
    repos(),
  );
  const i = r[1]!.installations![0]!;
  assert.equal(i.state, 'halted');
  assert.deepEqual(
    i.requests.map((q) => `${q.step} ${q.responseCode}`),
    ['6.3.1 C2'],
  );
  assert.deepEqual(i.failedChecks, [
    { failedStepNumber: '6.3.1', supportingData: { deviceId: ours.esmeDetail.deviceId, errorCode: 'C2' } },
  ]);
});

test("TMAD 6.6: an MCF with ToBeCommissionedByDCC = True is the Commissioning Party's; an SCF of another MCF is refused (6.3(a))", async () => {
  const cp = mcfHeader(pki, 503n);
  const one = installation(54, pkiIds(pki));
  const r = await selfCommission(await writeMcf(pki, dir, cp, [one]), [], await options(), repos());
  assert.equal(r[0]!.accepted, false);
  assert.match(r[0]!.reason!, /ToBeCommissionedByDCC is True/);
  const h = mcfHeader(pki, 504n, { toBeCommissionedByDcc: false });
  const other = mcfHeader(pki, 505n, { toBeCommissionedByDcc: false });
  const s = await selfCommission(
    await writeMcf(pki, dir, h, [one]),
    [
      await writeScf(pki, dir, other, 505n, [success(one)]),
      await writeScf(pki, dir, h, 506n, [failure(one)]),
    ],
    await options(),
    repos(),
  );
  assert.equal(s[1]!.accepted, false);
  assert.equal(s[1]!.rule, 'TMAD 6.6 (6.3(a))');
  assert.equal(s[2]!.accepted, false);
  assert.equal(s[2]!.rule, 'TMAD 6.6 (6.3(b))');
});
