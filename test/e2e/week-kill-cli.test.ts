// kill -9 during `s1mig demo week` (issue #13 Done-when; docs/WEEK.md): started again in the same
// directory, the week ends with the same counts and the same files (names and SHA-256) as an
// uninterrupted run of the same seed. Kill points: while the estate is written, and once it exists
// (before or after the first stage's commit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, runCli } from '../support/cli.js';

const ARGS = ['demo', 'week', '--installations', '24', '--seed', 'kill9', '--json'];

function filesOf(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else
        out.push(`${path.relative(dir, p)} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

function summaryOf(stdout: string): unknown {
  const s = JSON.parse(stdout) as Record<string, unknown>;
  const { counts, byState, events, stagesRun, done } = s;
  return { counts, byState, events, stagesRun, done };
}

/** Start the demo week and SIGKILL it when `when(dir)` first holds (checked every 20 ms). */
async function killWhen(dir: string, when: (dir: string) => boolean): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...ARGS, '--dir', dir], { stdio: 'ignore' });
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (when(dir)) {
        clearInterval(t);
        child.kill('SIGKILL');
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(t);
      resolve();
    });
  });
}

test('demo week killed with SIGKILL and started again ends as an uninterrupted run (counts, files and SHA-256)', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-kill-'));
  try {
    const whole = await runCli([...ARGS, '--dir', path.join(tmp, 'whole')]);
    assert.equal(whole.code, 0, whole.stderr);
    const want = { summary: summaryOf(whole.stdout), files: filesOf(path.join(tmp, 'whole', 'files')) };
    assert.ok(want.files.length >= 4);
    const points: Array<[string, (d: string) => boolean]> = [
      ['while the estate is written', (d) => fs.existsSync(path.join(d, 'estate.partial'))],
      ['once the estate exists', (d) => fs.existsSync(path.join(d, 'estate', 'manifest.json'))],
      ['once the first file is written', (d) => fs.existsSync(path.join(d, 'files', 'mcc'))],
    ];
    for (const [i, [what, when]] of points.entries()) {
      const dir = path.join(tmp, `killed-${i}`);
      await killWhen(dir, when);
      const again = await runCli([...ARGS, '--dir', dir]);
      assert.equal(again.code, 0, `${what}: ${again.stderr}`);
      assert.deepEqual(summaryOf(again.stdout), want.summary, what);
      assert.deepEqual(filesOf(path.join(dir, 'files')), want.files, what);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
