// `s1mig demo week` through the S1SP's commissioning (TMAD 5.27) and its SCFs (5.28): a small week
// with one fault injected by rule (`--faults ET05@chf=…`, docs/S1SP-COMMISSIONING.md) ends with that
// installation failed at its FailedStepNumber and rolled back (12.10), every other S1SP Viable
// Installation commissioned, and the SCF reporting it valid against the schema (xmllint) and signed by
// the S1SP (xmlsec1, Table 5.5), delivered to the Requesting Party's mailbox (TMAD 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killCliWhen, runCli } from '../support/cli.js';
import { hasXmllint, hasXmlsec1, xmllintProblem, xmlsec1Problem } from '../support/xml-peers.js';
import { planEstate } from '../../src/estate/estate.js';
import { openStore } from '../../src/store/index.js';
import { runIdOf } from '../../src/orchestrator/week/run-week.js';

const ENV = { S1MIG_KEY_PASSPHRASE: 'week commission', S1MIG_DATABASE_URL: '', S1MIG_PROGRESS: 'off' };

test('TMAD 5.27(b), 12.10, 5.28: demo week commissions every S1SP Viable Installation, rolls back the one with an injected A1 ET05 fault and reports it in a signed SCF', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-commission-'));
  try {
    const n = 40;
    const seed = 'commission';
    // The installation to fail: the first of an Appendix A GroupID (Table 12.9; BA, CA, CB by 13.11, 14.10).
    const plan = planEstate({ installations: n, seed, problems: {} });
    const victim = plan.records.find((r) => ['AA', 'BA', 'CA', 'CB'].includes(r.groupId))!;
    assert.ok(victim, 'an Appendix A installation in the estate');
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
        `ET05@chf=${victim.chfDeviceId}`,
        '--dir',
        dir,
        '--json',
      ],
      { env: ENV },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as {
      counts: Record<string, number>;
      stagesRun: Array<{ stage: string; installations: number; done: boolean }>;
      done: boolean;
    };
    assert.equal(s.done, true);
    assert.ok(s.stagesRun.some((x) => x.stage === 's1sp-commission' && x.done && x.installations === n));
    assert.deepEqual(
      {
        migrated: s.counts['migrated'],
        commissioned: s.counts['commissioned'],
        rolledBack: s.counts['rolledBack'],
        failed: s.counts['failed'],
        awaiting: s.counts['awaitingCommissioning'],
      },
      { migrated: n - 1, commissioned: n - 1, rolledBack: 1, failed: 0, awaiting: 0 },
    );

    const store = await openStore({ url: '', dataDir: dir });
    try {
      const runId = runIdOf({ seed, installations: n });
      const all = await store.week.allInstallations(runId);
      const v = all.find((i) => i.installationId === victim.chfDeviceId)!;
      assert.equal(v.state, 'rolled-back');
      assert.equal(v.failedStep, 'TMAD 12.9.1.ET05');
      assert.deepEqual(
        all.filter((i) => i.installationId !== victim.chfDeviceId).map((i) => i.state),
        Array(n - 1).fill('commissioned'),
      );
      // 5.27(b)(iii), 12.10.2: no commissioning key of the rolled-back installation is kept; 5.27(c)(i):
      // a commissioned one keeps its keys (sealed: the repository refuses anything else).
      const other = all.find((i) => i.state === 'commissioned')!;
      const keysOf = async (chf: string): Promise<number> => {
        for (const set of await store.s1sp.listSets())
          if ((await store.s1sp.installations(set.id)).some((i) => i.chfIdentifier === chf))
            return store.s1spKeys.countKeys({
              requestingPartyId: set.requestingPartyId,
              mcfCounter: set.mcfCounter,
              groupId: set.groupId,
              chfIdentifier: chf,
            });
        return -1;
      };
      assert.equal(await keysOf(victim.chfDeviceId), 0);
      assert.ok((await keysOf(other.installationId)) > 0);
    } finally {
      await store.close();
    }

    // 5.28(a): the SCF with the failure entry, in the Requesting Party's mailbox.
    const rp = path.join(dir, 'files', 'mailboxes', 'requesting-party');
    const scfs = fs
      .readdirSync(rp)
      .flatMap((p) => fs.readdirSync(path.join(rp, p, 'inbox')).map((f) => path.join(rp, p, 'inbox', f)))
      .filter((f) => path.basename(f).startsWith('SCF_'));
    const withVictim = scfs.filter((f) => fs.readFileSync(f, 'utf8').includes(victim.chfDeviceId));
    assert.equal(withVictim.length, 1, scfs.join('\n'));
    const xml = fs.readFileSync(withVictim[0]!, 'utf8');
    assert.match(xml, /12\.9\.1\.ET05/);
    if (hasXmllint) assert.equal(xmllintProblem(withVictim[0]!), null);
    if (hasXmlsec1) assert.equal(xmlsec1Problem(path.join(dir, 'estate', 'pki'), withVictim[0]!), null);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('TMAD 5.27, 5.28: demo week killed with SIGKILL while the S1SP writes its SCFs and started again counts each installation once and reports each in one SCF', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-commission-kill-'));
  try {
    const args = ['demo', 'week', '--installations', '40', '--seed', 'commission-kill', '--json'];
    const whole = await runCli([...args, '--dir', path.join(tmp, 'whole')], { env: ENV });
    assert.equal(whole.code, 0, whole.stderr);
    const dir = path.join(tmp, 'killed');
    await killCliWhen([...args, '--dir', dir], {
      env: ENV,
      when: () => fs.existsSync(path.join(dir, 'parties', 's1sp', 'scf')),
    });
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
    // Each installation in exactly one SCF of the Requesting Party's mailbox (5.28: no double report).
    const rp = path.join(dir, 'files', 'mailboxes', 'requesting-party');
    const seen = new Map<string, number>();
    for (const p of fs.readdirSync(rp))
      for (const f of fs.readdirSync(path.join(rp, p, 'inbox')).filter((x) => x.startsWith('SCF_')))
        for (const m of fs
          .readFileSync(path.join(rp, p, 'inbox', f), 'utf8')
          .matchAll(/<CHFIdentifier>([^<]+)<\/CHFIdentifier>/g))
          seen.set(m[1]!, (seen.get(m[1]!) ?? 0) + 1);
    const s = JSON.parse(again.stdout) as { counts: Record<string, number> };
    assert.ok(seen.size >= s.counts['commissioned']!, `${seen.size} installations in SCFs`);
    assert.deepEqual(
      [...seen.values()].filter((v) => v !== 1),
      [],
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
