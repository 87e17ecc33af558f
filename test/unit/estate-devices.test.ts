// The simulated SMETS1 estate behind the head-end port (src/estate/devices; docs/S1SP-COMMISSIONING.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateSmsoEstate } from '../../src/estate/smso-inventory.js';
import {
  createFaultPlan,
  createSimulatedEstate,
  parseFaultRule,
  type SimulatedInstallationInput,
} from '../../src/estate/devices/index.js';
import type { GroupId } from '../../src/core/ids/reference.js';
import type { StepRef } from '../../src/core/head-end/index.js';

const AT: StepRef = { errorCode: 'ET04', subStep: 1 };
const NOW = new Date('2026-01-12T10:00:00Z');

function inputs(n: number, groupId: GroupId, seed = 'dev'): SimulatedInstallationInput[] {
  const e = generateSmsoEstate({ installations: n, seed });
  return e.installations.map((installation, i) => ({
    groupId,
    installation,
    keyMaterial: e.keyMaterial[i]!,
  }));
}
const keyOf = (x: SimulatedInstallationInput, type: string, name: string): Buffer =>
  Buffer.from(x.keyMaterial.devices.find((d) => d.deviceType === type)!.keys[name]!, 'hex');
const idOf = (x: SimulatedInstallationInput, type: string): string =>
  x.installation.devices.find((d) => d.deviceType === type)!.deviceId;

test('devices: an Application Association opens with the SMSO key material and only with it (Appendix A A0, ET04)', async () => {
  const [x] = inputs(1, 'AA');
  const sim = createSimulatedEstate({ seed: 's', installations: [x!], now: () => NOW });
  const chf = x!.installation.chfDeviceId;
  const esme = idOf(x!, 'ESME');
  const good = await sim.headEnd.openAssociation(
    chf,
    {
      deviceId: esme,
      association: 'ManagementAssociation',
      authenticationKey: keyOf(x!, 'ESME', 'ManagementAssociation.AuthenticationKey'),
      encryptionKey: keyOf(x!, 'ESME', 'ManagementAssociation.EncryptionKey'),
    },
    AT,
  );
  assert.ok(good.ok);
  const bad = await sim.headEnd.openAssociation(
    chf,
    {
      deviceId: esme,
      association: 'ManagementAssociation',
      authenticationKey: keyOf(x!, 'ESME', 'ManagementAssociation.AuthenticationKey'),
      encryptionKey: keyOf(x!, 'ESME', 'DataCollectionAssociation.EncryptionKey'),
    },
    AT,
  );
  assert.equal(bad.ok, false);
});

test('devices: a key change wrapped with RFC 3394 under the Master Key is accepted (RFC 3394 4.1 vector; A5 ET08)', async () => {
  const [x] = inputs(1, 'AA');
  // The RFC 3394 section 4.1 test vector: KEK 000102…0F wraps 00112233…FF into 1FA68B0A…CFE5.
  for (const d of x!.keyMaterial.devices)
    if (d.deviceType === 'ESME') d.keys.MasterKey = '000102030405060708090A0B0C0D0E0F';
  const sim = createSimulatedEstate({ seed: 's', installations: [x!], now: () => NOW });
  const chf = x!.installation.chfDeviceId;
  const esme = idOf(x!, 'ESME');
  const auth = keyOf(x!, 'ESME', 'DataCollectionAssociation.AuthenticationKey');
  const open = async (enc: Buffer) =>
    sim.headEnd.openAssociation(
      chf,
      {
        deviceId: esme,
        association: 'DataCollectionAssociation',
        authenticationKey: auth,
        encryptionKey: enc,
      },
      AT,
    );
  const h = await open(keyOf(x!, 'ESME', 'DataCollectionAssociation.EncryptionKey'));
  assert.ok(h.ok);
  const wrongForm = await sim.headEnd.changeKey(
    h.value,
    { association: 'DataCollectionAssociation', keyType: 'EncryptionKey', protectedKey: Buffer.alloc(24, 7) },
    AT,
  );
  assert.equal(wrongForm.ok, false);
  const changed = await sim.headEnd.changeKey(
    h.value,
    {
      association: 'DataCollectionAssociation',
      keyType: 'EncryptionKey',
      protectedKey: Buffer.from('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5', 'hex'),
    },
    AT,
  );
  assert.ok(changed.ok);
  assert.ok((await open(Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex'))).ok);
  assert.equal((await open(keyOf(x!, 'ESME', 'DataCollectionAssociation.EncryptionKey'))).ok, false);
});

test('devices: CHF Whitelists follow the GroupID (TMAD 12.12, 13.14, 14.13, 16.13)', async () => {
  for (const g of ['AA', 'BA', 'CA', 'DA', 'EB'] as const) {
    const xs = inputs(20, g);
    const sim = createSimulatedEstate({ seed: 's', installations: xs, now: () => NOW });
    for (const x of xs) {
      const ids = new Set(sim.view(x.installation.chfDeviceId)!.whitelist.map((e) => e.deviceId));
      assert.equal(ids.has(idOf(x, 'CHF')), false);
      const gpf = x.installation.devices.find((d) => d.deviceType === 'GPF');
      if (gpf) assert.equal(ids.has(gpf.deviceId), false);
      assert.equal(ids.has(idOf(x, 'ESME')), g === 'AA' || g === 'EB', `${g} ESME`);
      const gsme = x.installation.devices.find((d) => d.deviceType === 'GSME');
      if (gsme)
        assert.equal(ids.has(gsme.deviceId), g !== 'AA' && g !== 'EB' ? true : ids.has(gsme.deviceId));
      for (const e of sim.view(x.installation.chfDeviceId)!.whitelist)
        assert.ok(NOW.getTime() - e.lastCommunicatedAt!.getTime() < 3_600_000);
    }
  }
});

test('devices: the same seed gives the same devices (serials, payment modes)', () => {
  const xs = inputs(10, 'BA');
  const a = createSimulatedEstate({ seed: 'q', installations: xs, now: () => NOW });
  const b = createSimulatedEstate({ seed: 'q', installations: xs, now: () => NOW });
  for (const x of xs)
    assert.deepEqual(a.view(x.installation.chfDeviceId), b.view(x.installation.chfDeviceId));
});

test('faults: rules by installation and by seeded rate; a checking sub-step corrupts the checked call', () => {
  const p = createFaultPlan('seed', [
    { errorCode: 'ET05', subStep: 5, rate: 0.25 },
    { errorCode: 'GT01', chf: 'C1' },
  ]);
  let hit = 0;
  for (let i = 0; i < 400; i++) if (p.hits(`X${i}`, 'AA').length) hit++;
  assert.ok(hit > 60 && hit < 140, `about a quarter hit: ${hit}`);
  assert.equal(p.effect('C1', 'AA', { errorCode: 'GT01', subStep: 3 }), 'fail');
  assert.equal(p.effect('C2', 'AA', { errorCode: 'GT01', subStep: 3 }), null);
  const all = createFaultPlan('seed', [{ errorCode: 'ET05', subStep: 5 }]);
  assert.equal(all.effect('C', 'AA', { errorCode: 'ET05', subStep: 4, checkedBy: [5] }), 'corrupt');
  assert.equal(all.effect('C', 'AA', { errorCode: 'ET05', subStep: 4 }), null);
  assert.deepEqual(parseFaultRule('ET05.5@0.01'), { errorCode: 'ET05', subStep: 5, rate: 0.01 });
  assert.deepEqual(parseFaultRule('GT01@chf=00-DB'), { errorCode: 'GT01', chf: '00-DB' });
  assert.equal(typeof parseFaultRule('XX01'), 'string');
  assert.throws(() => createFaultPlan('s', [{ errorCode: 'ET11' }]), /ET01-ET10/);
});

test('devices: the Smart Metering Inventory adds a CHF of the estate as Commissioned; a DP01 rule refuses it (Appendix A A4, B5, C4; TMAD 3.3(a))', async () => {
  const xs = inputs(3, 'AA');
  const [a, b] = xs.map((x) => x.installation.chfDeviceId);
  const sim = createSimulatedEstate({
    seed: 's',
    installations: xs,
    now: () => NOW,
    faults: [{ errorCode: 'DP01', chf: b! }],
  });
  assert.deepEqual(await sim.inventory.addChf({ chfDeviceId: a! }), { ok: true, status: 'Commissioned' });
  const refused = await sim.inventory.addChf({ chfDeviceId: b! });
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.reason : '', /DP01/);
  assert.equal((await sim.inventory.addChf({ chfDeviceId: '00-DB-00-00-00-00-00-00' })).ok, false);
  assert.deepEqual(sim.smiAdded, [a]);
});

test('devices: the CHF keeps hearing its devices as the clock moves (TMAD 12.11, 16.12: last-communicated times)', () => {
  const xs = inputs(2, 'DA');
  let t = NOW;
  const sim = createSimulatedEstate({ seed: 's', installations: xs, now: () => t });
  const chf = xs[0]!.installation.chfDeviceId;
  const ago = (w: ReturnType<typeof sim.view>) =>
    w!.whitelist.map((e) => t.getTime() - e.lastCommunicatedAt!.getTime());
  const first = ago(sim.view(chf));
  t = new Date(NOW.getTime() + 10 * 86_400_000);
  assert.deepEqual(ago(sim.view(chf)), first);
  assert.ok(first.every((ms) => ms >= 0 && ms < 3_600_000));
});

test('estate: every GSME has a PrepaymentWrapperKey derived from its PrepaymentKey (Appendix A A2 GT02.9, CA)', () => {
  const e = generateSmsoEstate({ installations: 30, seed: 'dev' });
  let gsmes = 0;
  for (const km of e.keyMaterial)
    for (const d of km.devices.filter((x) => x.deviceType === 'GSME')) {
      gsmes++;
      const want = createHash('sha256')
        .update('s1mig estate gsme prepayment wrapper key')
        .update(d.keys.PrepaymentKey!)
        .digest()
        .subarray(0, 16)
        .toString('hex')
        .toUpperCase();
      assert.equal(d.keys.PrepaymentWrapperKey, want);
      assert.notEqual(d.keys.PrepaymentWrapperKey, d.keys.PrepaymentKey);
    }
  assert.ok(gsmes > 5);
});
