// `s1mig demo week` through the second half of commissioning (TMAD 6, 8) and the timers (5.16-5.18,
// 5.24, 6.2): the estate's second supplier asks the DCC to commission (MA "Commissioned by DCC" YES,
// so its MCFs have ToBeCommissionedByDCC = True), the first commissions its own (6.6). The
// Commissioning Party reports each of its installations in exactly one COF, with strictly increasing
// COFCounters, delivered to the Requesting Party and the Supplier Party (6.4(b)); the Smart Metering
// Inventory holds each ESME as Commissioned (Commission Device, 6.3.13); the DCO discards the details
// of never-requested installations 60 days after the first S1SP request (5.17), at that instant on
// the run's clock; a kill during the stage ends as an uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killCliWhen, runCli } from '../support/cli.js';
import { planEstate } from '../../src/estate/estate.js';
import { openStore } from '../../src/store/index.js';
import { runIdOf } from '../../src/orchestrator/week/run-week.js';

const ENV = { S1MIG_KEY_PASSPHRASE: 'week cp', S1MIG_DATABASE_URL: '', S1MIG_PROGRESS: 'off' };
const DAY = 86_400_000;

/** The COFs in a mailbox tree: name → CHF Identifiers. */
function cofsUnder(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!fs.existsSync(dir)) return out;
  for (const p of fs.readdirSync(dir))
    for (const f of fs.readdirSync(path.join(dir, p, 'inbox')).filter((x) => x.startsWith('COF_')))
      out.set(
        f,
        [...fs.readFileSync(path.join(dir, p, 'inbox', f), 'utf8').matchAll(/<CHFIdentifier>([^<]+)</g)].map(
          (m) => m[1]!,
        ),
      );
  return out;
}

test('TMAD 6.3(d), 6.4, 6.6, 5.17: demo week commissions through the Commissioning Party (COFs) and the Responsible Supplier, then runs the timers', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-cp-'));
  try {
    const n = 40;
    const seed = 'week-cp';
    const dir = path.join(tmp, 'week');
    const r = await runCli(
      [
        'demo',
        'week',
        '--installations',
        String(n),
        '--seed',
        seed,
        '--problems',
        '',
        '--faults',
        '',
        '--dir',
        dir,
        '--json',
      ],
      { env: ENV },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as {
      migrationWeek: string;
      counts: Record<string, number>;
      stagesRun: Array<{ stage: string; done: boolean }>;
      stagesNotYetBuilt: string[];
      timers: { dco: { unrequestedExpired: number }; commissioningParty: { mcfsHeld: number } };
      done: boolean;
    };
    assert.equal(s.done, true);
    assert.deepEqual(s.stagesNotYetBuilt, []);
    assert.deepEqual(
      s.stagesRun.slice(-3).map((x) => x.stage),
      ['s1sp-commission', 'cp-commission', 'week-timers'],
    );
    assert.equal(s.counts['commissioned'], n);
    assert.equal(s.counts['migrated'], n);
    assert.equal(s.counts['awaitingCommissioning'], 0);

    // 6.4(b): the COFs in the Requesting Party's mailbox; each of them in SUPB's too (the supplier
    // whose MAs say Commissioned by DCC YES, docs/ESTATE.md) unless its installations have no
    // identified Supplier Party.
    const boxes = path.join(dir, 'files', 'mailboxes');
    const rp = cofsUnder(path.join(boxes, 'requesting-party'));
    const supb = cofsUnder(path.join(boxes, 'responsible-supplier'));
    assert.ok(rp.size > 0);
    for (const name of supb.keys()) assert.ok(rp.has(name), name);
    assert.equal(cofsUnder(path.join(boxes, 'responsible-supplier')).size, supb.size);
    // Each installation in one COF only; COFCounters 1, 2, … (Table 5.7: strictly increasing).
    const chfs = [...rp.values()].flat();
    assert.equal(new Set(chfs).size, chfs.length);
    const counters = [...rp.keys()].map((f) => Number(/_(\d+)\.xml$/.exec(f)![1])).sort((a, b) => a - b);
    assert.deepEqual(
      counters,
      counters.map((_, i) => i + 1),
    );

    const plan = planEstate({ installations: n, seed, problems: {} });
    const supplierB = plan.suppliers[1]!.name;
    const viaCp = plan.records.filter((r) => r.supplier === supplierB && !r.gasSupplier);
    for (const r of viaCp.slice(0, 5)) assert.ok(chfs.includes(r.chfDeviceId), `${r.chfDeviceId} in a COF`);

    const store = await openStore({ url: '', dataDir: dir });
    try {
      const runId = runIdOf({ seed, installations: n });
      // 6.3.13: every ESME Commissioned in the Smart Metering Inventory.
      for (const r of plan.records.slice(0, 10))
        assert.equal((await store.smartMeteringInventory.device(r.esmeDeviceId))?.status, 'Commissioned');
      const events = await store.week.events(runId, { limit: 100_000 });
      const parties = new Set(
        events.filter((e) => e.stage === 'cp-commission' && e.outcome === 'commissioned').map((e) => e.party),
      );
      assert.deepEqual([...parties].sort(), ['Commissioning Party', 'Supplier']);
      // 5.17 at 60 days from the first S1SP request: 09:00 fourteen days before the week, twelve
      // ten-minute steps on (s1sp-commission), plus 60 days.
      const first = Date.parse(`${s.migrationWeek}T09:00:00Z`) - 14 * DAY + 12 * 600_000;
      const expired = events.filter((e) => e.stage === 'week-timers' && e.outcome === 'expire-unrequested');
      assert.equal(expired.length, s.timers.dco.unrequestedExpired);
      assert.ok(expired.length > 0);
      for (const e of expired) {
        assert.equal(e.step, 'TMAD 5.17');
        assert.equal(e.at.toISOString(), new Date(first + 60 * DAY).toISOString());
      }
      assert.equal(s.timers.commissioningParty.mcfsHeld, 0);
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('TMAD 6.3(d), 6.4: demo week killed with SIGKILL while the Commissioning Party writes its COFs and started again reports each installation in one COF', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-cp-kill-'));
  try {
    const args = ['demo', 'week', '--installations', '40', '--seed', 'cp-kill', '--json'];
    const whole = await runCli([...args, '--dir', path.join(tmp, 'whole')], { env: ENV });
    assert.equal(whole.code, 0, whole.stderr);
    const dir = path.join(tmp, 'killed');
    const killed = await killCliWhen([...args, '--dir', dir], {
      env: ENV,
      when: () => fs.existsSync(path.join(dir, 'parties', 'commissioning-party', 'cof')),
    });
    assert.ok(killed, 'killed inside cp-commission');
    const again = await runCli([...args, '--dir', dir], { env: ENV });
    assert.equal(again.code, 0, again.stderr);
    const pick = (out: string): unknown => {
      const s = JSON.parse(out) as Record<string, unknown>;
      return {
        counts: s['counts'],
        byState: s['byState'],
        failed: s['failedByStepAndGroup'],
        done: s['done'],
      };
    };
    assert.deepEqual(pick(again.stdout), pick(whole.stdout));
    const chfs = [...cofsUnder(path.join(dir, 'files', 'mailboxes', 'requesting-party')).values()].flat();
    const want = [
      ...cofsUnder(path.join(tmp, 'whole', 'files', 'mailboxes', 'requesting-party')).values(),
    ].flat();
    assert.equal(new Set(chfs).size, chfs.length, 'no installation in two COFs');
    assert.deepEqual([...chfs].sort(), [...want].sort());
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
