// kill -9 during `s1mig demo week` (issue #13 Done-when; docs/WEEK.md): started again in the same
// directory, the week ends with the same counts, the same events and the same files as an
// uninterrupted run of the same seed: the same names everywhere, the same SHA-256 where the bytes are
// deterministic (the MCC's planning files; signed files and key material are randomised, ECDSA and
// RSA-OAEP, and the estate's keys are fresh). Kill points: while the estate is written, and inside
// stages of the chain's first half, after their party may have recorded something in the store but
// before the engine committed the job (MAM 7.5 MA receipts, TMAD 5.6 counters and outcomes, the
// S1SP's TMAD 5.9 accepted files and its held files), and inside s1sp-commission while an installation
// is half commissioned: the DCO holds the Master Key a B ET05 change made (TMAD 15.9.5, Appendix B B6)
// and the installation has no outcome yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { killCliWhen, runCli } from '../support/cli.js';

const ARGS = ['demo', 'week', '--installations', '40', '--seed', 'kill9', '--json'];
const ENV = { S1MIG_KEY_PASSPHRASE: 'week kill', S1MIG_DATABASE_URL: '', S1MIG_PROGRESS: 'off' };

/** Every file under dir: its name, and its SHA-256 where the bytes are deterministic. */
function filesOf(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p).split(path.sep).join('/');
      if (e.isDirectory()) walk(p);
      else if (rel.startsWith('mcc/'))
        out.push(`${rel} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`);
      else out.push(rel);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

function summaryOf(stdout: string): unknown {
  const s = JSON.parse(stdout) as Record<string, unknown>;
  const { counts, byState, events, stagesRun, done, failedByStepAndGroup } = s;
  return { counts, byState, events, stagesRun, done, failedByStepAndGroup };
}

/** Start the demo week and SIGKILL it `delay` ms after `when(dir)` first holds. */
function killWhen(dir: string, when: (dir: string) => boolean, delay = 0): Promise<boolean> {
  return killCliWhen([...ARGS, '--dir', dir], { env: ENV, when: () => when(dir), delay });
}

const inStage = (stage: string) => (d: string) => fs.existsSync(path.join(d, 'work', stage));

/** The store (read only, as another process may) answers `query` with a count above zero. */
const storeSays = (query: string) => (d: string) => {
  const f = path.join(d, 's1mig.sqlite');
  if (!fs.existsSync(f)) return false;
  try {
    const db = new Database(f, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(query).get() as { n: number }).n > 0;
    } finally {
      db.close();
    }
  } catch {
    return false; // not migrated yet, or locked: ask again
  }
};

test('demo week killed with SIGKILL and started again ends as an uninterrupted run (counts, events, files)', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-kill-'));
  try {
    const whole = await runCli([...ARGS, '--dir', path.join(tmp, 'whole')], { env: ENV });
    assert.equal(whole.code, 0, whole.stderr);
    const want = { summary: summaryOf(whole.stdout), files: filesOf(path.join(tmp, 'whole', 'files')) };
    assert.ok(want.files.some((f) => f.startsWith('mailboxes/dco/DCO/inbox/MEF_')));
    const points: Array<[string, (d: string) => boolean, number]> = [
      ['while the estate is written', (d) => fs.existsSync(path.join(d, 'estate.partial')), 0],
      // MAM 7.5: the MA receipt may be recorded, the job not committed.
      ['inside ma-open', inStage('ma-open'), 300],
      // TMAD 5.6: counters taken and outcomes recorded, the MCFs not committed.
      ['inside rp-build-mcf', inStage('rp-build-mcf'), 400],

      ['inside rp-build-group-files', inStage('rp-build-group-files'), 400],
      // TMAD 5.9, 5.22-5.25: the S1SP has accepted and held some of its files, the job not committed.
      ['inside s1sp-receive', (d) => fs.existsSync(path.join(d, 'parties', 's1sp', 'held')), 600],
      // TMAD 5.27, 15.9.5: an installation half commissioned (the DCO changed its ESME's Master Key).
      [
        'inside s1sp-commission',
        storeSays(
          `select count(*) as n from dco_key k join s1sp_installation i on i.chf_identifier = k.chf_identifier
           where k.name like 'mk-device:%' and i.state = 'viable'`,
        ),
        0,
      ],
    ];
    let killed = 0;
    for (const [i, [what, when, delay]] of points.entries()) {
      const dir = path.join(tmp, `killed-${i}`);
      if (await killWhen(dir, when, delay)) killed++;
      else t.diagnostic(`${what}: the run ended before it was killed`);
      const again = await runCli([...ARGS, '--dir', dir], { env: ENV });
      assert.equal(again.code, 0, `${what}: ${again.stderr}`);
      assert.deepEqual(summaryOf(again.stdout), want.summary, what);
      assert.deepEqual(filesOf(path.join(dir, 'files')), want.files, what);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(killed >= points.length - 1, `${killed} of ${points.length} runs were killed`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
