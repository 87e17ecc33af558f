// s1mig s1sp commission end to end (TMAD 5.27, 5.28): a Migration Week run up to the S1SP's receipt
// (stage s1sp-receive: its S1SP Viable Installations wait in the store), then the second half by hand
// on the command line: `s1mig s1sp commission --estate …` commissions them against the estate's
// simulated devices with the DCO, one of them failing by an injected A1 ET05 fault and rolled back
// (12.10), and writes the SCFs into the Requesting Party's mailbox, valid (xmllint) and signed by the
// S1SP (xmlsec1). Run again, it finds nothing waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { hasXmllint, hasXmlsec1, xmllintProblem, xmlsec1Problem } from '../support/xml-peers.js';
import { openStore } from '../../src/store/index.js';
import {
  ensureEstate,
  runWeek,
  startRun,
  weekEnv,
  type DemoWeekOptions,
} from '../../src/orchestrator/week/run-week.js';
import { FIRST_HALF, firstHalfAt } from '../../src/orchestrator/week/chain-stages.js';

const PASSPHRASE = 's1sp commission cli';

test('TMAD 5.27, 12.10, 5.28: s1sp commission commissions the waiting S1SP Viable Installations of an estate with the DCO and writes the SCFs', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-s1sp-commission-'));
  try {
    const dir = path.join(tmp, 'week');
    const o: DemoWeekOptions = {
      dir,
      installations: 20,
      seed: 'by-hand',
      capacityShare: 1,
      problems: {},
      faults: [],
    };
    const plan = await ensureEstate(dir, o);
    const store = await openStore({ url: '', dataDir: dir });
    let viable: string[] = [];
    try {
      const full = weekEnv(store, { ...o, passphrase: PASSPHRASE });
      const upTo = full.stages.findIndex((s) => s.name === 's1sp-receive');
      const env = { ...full, stages: full.stages.slice(0, upTo + 1) };
      await startRun(env, plan, o);
      await runWeek(env);
      for (const set of await store.s1sp.listSets())
        for (const i of await store.s1sp.installations(set.id))
          if (i.state === 'viable') viable.push(i.chfIdentifier);
    } finally {
      await store.close();
    }
    assert.ok(viable.length >= 10, `${viable.length} S1SP Viable Installations`);
    viable = viable.sort();
    // The victim: an Appendix A installation (Table 12.9 A1 ET05).
    const victim = plan.records.find((r) => viable.includes(r.chfDeviceId) && r.groupId === 'AA')!;
    assert.ok(victim, 'an AA installation waiting');

    const pki = path.join(dir, 'estate', 'pki', 's1sp');
    const env = {
      S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 's1mig.sqlite')}`,
      S1MIG_KEY_PASSPHRASE: PASSPHRASE,
    };
    const at = firstHalfAt(plan.migrationWeek, FIRST_HALF.length + 2).toISOString();
    const args = [
      's1sp',
      'commission',
      '--estate',
      path.join(dir, 'estate'),
      '--state',
      path.join(dir, 'parties', 's1sp'),
      '--sign-key',
      path.join(pki, 's1SPMigrationSigning.key.pem'),
      '--cert',
      path.join(pki, 's1SPMigrationSigning.cert.pem'),
      '--mailboxes',
      path.join(tmp, 'mailboxes'),
      '--faults',
      `ET05@chf=${victim.chfDeviceId}`,
      '--at',
      at,
      '--json',
    ];
    const r = await runCli(args, { env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as {
      viable: number;
      processed: Array<{ commissioned: number; failed: number }>;
      scfs: Array<{ path: string; installations: number }>;
    };
    assert.equal(out.viable, viable.length);
    assert.ok(out.scfs.length > 0);

    const check = await openStore({ url: '', dataDir: dir });
    try {
      const state = new Map<string, { state: string; rolledBack: boolean; step: string | null }>();
      for (const set of await check.s1sp.listSets())
        for (const i of await check.s1sp.installations(set.id))
          state.set(i.chfIdentifier, {
            state: i.state,
            rolledBack: i.detail['rolledBack'] === true,
            step: i.failedChecks[0]?.failedStepNumber ?? null,
          });
      assert.deepEqual(state.get(victim.chfDeviceId), {
        state: 'commissioning-failed',
        rolledBack: true,
        step: '12.9.1.ET05',
      });
      assert.deepEqual(
        viable.filter((c) => c !== victim.chfDeviceId).map((c) => state.get(c)?.state),
        Array(viable.length - 1).fill('commissioned'),
      );
    } finally {
      await check.close();
    }

    // 5.28(a): the SCFs in the Requesting Party's mailbox; the victim's with its FailedStepNumber.
    const rp = path.join(tmp, 'mailboxes', 'requesting-party');
    const scfs = fs
      .readdirSync(rp)
      .flatMap((p) => fs.readdirSync(path.join(rp, p, 'inbox')).map((f) => path.join(rp, p, 'inbox', f)));
    const withVictim = scfs.filter((f) => fs.readFileSync(f, 'utf8').includes(victim.chfDeviceId));
    assert.equal(withVictim.length, 1);
    assert.match(fs.readFileSync(withVictim[0]!, 'utf8'), /12\.9\.1\.ET05/);
    if (hasXmllint) for (const f of scfs) assert.equal(xmllintProblem(f), null, f);
    if (hasXmlsec1)
      for (const f of scfs) assert.equal(xmlsec1Problem(path.join(dir, 'estate', 'pki'), f), null, f);

    // Nothing waits any more.
    const again = await runCli(
      args.filter((a) => a !== '--json'),
      { env },
    );
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^0 S1SP Viable Installation\(s\) waiting/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('s1sp commission: no --estate, or an estate directory without a manifest, is a usage error', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-s1sp-commission-usage-'));
  try {
    const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(tmp, 'db.sqlite')}` };
    const a = await runCli(['s1sp', 'commission'], { env });
    assert.equal(a.code, 2);
    const b = await runCli(['s1sp', 'commission', '--estate', tmp], { env });
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /manifest\.json/);
    const c = await runCli(['s1sp', 'commission', '--estate', tmp, '--faults', 'XX99'], { env });
    assert.equal(c.code, 2);
    assert.match(c.stderr, /--faults/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
