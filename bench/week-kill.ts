// kill -9 `s1mig demo week` many times at random moments, start it again each time until it finishes,
// and compare the final counts, events and files with an uninterrupted run of the same seed: every
// file's name, and the SHA-256 of those whose bytes are deterministic (the MCC's planning files; signed
// files and key material are randomised; docs/WEEK.md).
//   npm run build && node dist/bench/week-kill.js [rounds=10] [installations=50]
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/bench/week-kill.js -> bin/s1mig.js at the repository's root.
const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 's1mig.js');
const rounds = Number(process.argv[2] ?? 10);
const n = process.argv[3] ?? '50';
const args = ['demo', 'week', '--installations', n, '--seed', 'killbench', '--json'];

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
const summaryOf = (s: string): string => {
  const j = JSON.parse(s) as Record<string, unknown>;
  return JSON.stringify([j.counts, j.byState, j.events, j.stagesRun, j.failedByStepAndGroup, j.done]);
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-kill-bench-'));
const t0 = Date.now();
const whole = spawnSync(process.execPath, [BIN, ...args, '--dir', path.join(tmp, 'whole')], {
  encoding: 'utf8',
});
const uninterrupted = Date.now() - t0;
if (whole.status !== 0) {
  console.error(`the uninterrupted run failed (exit ${whole.status}): ${whole.stderr}`);
  process.exit(2);
}
const want = summaryOf(whole.stdout) + filesOf(path.join(tmp, 'whole', 'files')).join('\n');
let same = 0;
let kills = 0;
for (let r = 0; r < rounds; r++) {
  const dir = path.join(tmp, `r${r}`);
  for (;;) {
    const child = spawn(process.execPath, [BIN, ...args, '--dir', dir], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const delay = Math.random() * uninterrupted;
    const timer = setTimeout(() => child.kill('SIGKILL'), delay);
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    clearTimeout(timer);
    if (code === 0) {
      const got = summaryOf(out) + filesOf(path.join(dir, 'files')).join('\n');
      if (got === want) same++;
      else console.log(`round ${r}: DIFFERENT from the uninterrupted run`);
      break;
    }
    kills++;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(
  `${rounds} rounds, ${kills} kills: ${same} ended with the same counts and files as the uninterrupted run`,
);
fs.rmSync(tmp, { recursive: true, force: true });
process.exitCode = same === rounds ? 0 : 1;
