// kill -9 `s1mig demo week` many times at random moments, start it again each time until it finishes,
// and compare the final counts and files (names and SHA-256) with an uninterrupted run of the same
// seed (docs/WEEK.md).   npm run build && npx tsx bench/week-kill.ts [rounds=10] [installations=50]
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 's1mig.js');
const rounds = Number(process.argv[2] ?? 10);
const n = process.argv[3] ?? '50';
const args = ['demo', 'week', '--installations', n, '--seed', 'killbench', '--json'];

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
const summaryOf = (s: string): string => {
  const j = JSON.parse(s) as Record<string, unknown>;
  return JSON.stringify([j.counts, j.byState, j.events, j.stagesRun, j.done]);
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-kill-bench-'));
const t0 = Date.now();
const whole = spawnSync(process.execPath, [BIN, ...args, '--dir', path.join(tmp, 'whole')], {
  encoding: 'utf8',
});
const uninterrupted = Date.now() - t0;
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
