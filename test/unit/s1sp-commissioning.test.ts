// TMAD 5.27: the S1SP's commissioning of S1SP Viable Installations over the simulated estate, every
// error code of Appendices A-C injected. Expected step orders are the spec's tables (12.9, 15.9,
// 16.9, 16.10; Tables A1-A5, B2-B6, C1-C6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCommissioner } from '../../src/s1sp/commissioning/index.js';
import type { FaultRule } from '../../src/estate/devices/index.js';
import type { GroupId } from '../../src/core/ids/reference.js';
import {
  createInMemoryTestDcoRequests,
  testSmi,
  worldDevices,
  worldInstallations,
  type TestDcoOperation,
  type WorldInstallation,
} from '../support/commissioning-world.js';

const NOW = new Date('2026-01-19T09:00:00Z');
const now = () => NOW;
const FAST = { log2N: 10, r: 8, p: 1 };
const full = (i: WorldInstallation['smso']) =>
  ['GSME', 'GPF', 'PPMID'].every((t) => i.devices.some((d) => d.deviceType === t));

async function runOne(
  groupId: GroupId,
  o: {
    faults?: FaultRule[];
    refuse?: TestDcoOperation;
    prepay?: boolean;
    smiRefuse?: string;
    filter?: (i: WorldInstallation['smso']) => boolean;
  } = {},
) {
  const [w] = await worldInstallations(groupId, 1, 'c1', o.filter ?? full);
  const sim = worldDevices([w!], {
    seed: 's',
    now,
    ...(o.faults ? { faults: o.faults } : {}),
    prepaymentShare: o.prepay ? 1 : 0,
  });
  const dco = createInMemoryTestDcoRequests(
    [w!.viable.mef],
    o.refuse ? { refuse: (op) => op === o.refuse } : {},
  );
  const smi = testSmi(() => o.smiRefuse);
  const commission = createCommissioner({
    headEnd: sim.headEnd,
    inventory: smi,
    passphrase: 'test',
    scrypt: FAST,
  });
  const outcome = await commission(w!.viable, { dco, now });
  return { w: w!, sim, dco, smi, commission, outcome };
}

for (const g of ['AA', 'BA', 'CA', 'CB', 'EA', 'EB', 'EC', 'DA'] as const)
  test(`TMAD 5.27(c): a ${g} installation with GSME and PPMID is commissioned; the DCO told (5.20(b)); the CHF added (DP01)`, async () => {
    const r = await runOne(g);
    assert.equal(r.outcome.kind, 'commissioned', JSON.stringify(r.outcome));
    assert.deepEqual(r.smi.added, [r.w.viable.ref.chfIdentifier]);
    assert.deepEqual(r.dco.commissioned, [r.w.viable.ref.chfIdentifier]);
    assert.ok((await r.commission.keyStore.list(r.w.viable.ref)).length > 0);
    for (const e of await r.commission.keyStore.list(r.w.viable.ref)) assert.match(e.sealed, /^s1seal1\./);
  });
