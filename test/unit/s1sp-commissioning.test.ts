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

const CASES: Array<{
  g: GroupId;
  rule: FaultRule;
  step: string;
  sub?: string;
  rolledBack: boolean;
  prepay?: boolean;
}> = [
  { g: 'AA', rule: { errorCode: 'ET05', subStep: 5 }, step: '12.9.1.ET05', sub: '5', rolledBack: true },
  { g: 'AA', rule: { errorCode: 'ET05', subStep: 3 }, step: '12.9.1.ET05', sub: '3', rolledBack: true },
  { g: 'BA', rule: { errorCode: 'GT01', subStep: 4 }, step: '12.9.2.GT01', sub: '4', rolledBack: true },
  {
    g: 'CA',
    rule: { errorCode: 'ET07', subStep: 11 },
    step: '12.9.1.ET07',
    sub: '11',
    rolledBack: true,
    prepay: true,
  },
  { g: 'AA', rule: { errorCode: 'ET08', subStep: 4 }, step: '12.9.1.ET08', rolledBack: true },
  { g: 'EB', rule: { errorCode: 'ET01', subStep: 4 }, step: '15.9.1.ET01', sub: '4', rolledBack: true },
  { g: 'EA', rule: { errorCode: 'ET10', subStep: 1 }, step: '15.9.5.ET10', sub: '1', rolledBack: true },
  { g: 'DA', rule: { errorCode: 'GT06', subStep: 1 }, step: '16.10.1.GT06', rolledBack: false },
];
for (const c of CASES)
  test(`TMAD 5.27(b): ${c.g} ${c.rule.errorCode}.${c.rule.subStep ?? ''} injected fails Critical at ${c.step}`, async () => {
    const faults = c.step.includes('GT06') ? [{ errorCode: 'GT04' }, c.rule] : [c.rule];
    const r = await runOne(c.g, { faults, ...(c.prepay ? { prepay: true } : {}) });
    assert.equal(r.outcome.kind, 'failed', JSON.stringify(r.outcome));
    if (r.outcome.kind !== 'failed') return;
    assert.equal(r.outcome.failedCheck.failedStepNumber, c.step);
    assert.equal(r.outcome.failedCheck.supportingData?.errorCode, c.rule.errorCode);
    if (c.sub) assert.equal(r.outcome.failedCheck.supportingData?.subStep, c.sub);
    assert.equal(r.outcome.critical, true);
    assert.equal(r.outcome.rolledBack, c.g === 'DA' ? true : c.rolledBack);
    assert.deepEqual(await r.commission.keyStore.list(r.w.viable.ref), []); // 12.10.2 / 5.27(b)(iii)
    assert.deepEqual(r.smi.added, []);
  });

test('Appendix C GT04: a failed authorisation goes on to GT06 and the installation is commissioned', async () => {
  const r = await runOne('DA', { faults: [{ errorCode: 'GT04' }] });
  assert.equal(r.outcome.kind, 'commissioned', JSON.stringify(r.outcome));
});
