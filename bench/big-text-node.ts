// Bench (TMAD 5.9.1: an unauthenticated sender must not stop the intake): a signed MCF whose GroupID
// holds one text node of 600 MB (default), run through `s1mig file validate` and `s1mig file
// authenticate` (each in its own process). Reports exit code, seconds and max RSS per command; the
// expected outcome is a verdict (exit 1, rejection at 5.9.1 naming line and element, an Incident and
// the discard for authenticate) in bounded memory (the node bound, default 16 MiB characters).
//
//   npx tsc -p . && node dist/bench/big-text-node.js [megabytes=600]
import { spawnSync } from 'node:child_process';
import {
  createWriteStream,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 's1mig.js');
const megabytes = Number(process.argv[2] ?? 600);

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-bench-big-node-'));
const env = { ...process.env, S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` };
// Reports the child's own max RSS (process.resourceUsage) on exit.
const probe = path.join(dir, 'rss-probe.mjs');
writeFileSync(
  probe,
  "process.on('exit', () => process.stderr.write(`MAXRSS_KB ${process.resourceUsage().maxRSS}\\n`));\n",
);

function run(args: string[]): { code: number | null; seconds: number; rssMB: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(probe).href, BIN, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /MAXRSS_KB (\d+)/.exec(r.stderr);
  const rssMB = m ? Number(m[1]) / 1024 : NaN;
  return { code: r.status, seconds, rssMB, out: (r.stdout + r.stderr.replace(/MAXRSS_KB \d+\n/, '')).trim() };
}

try {
  const pki = path.join(dir, 'pki');
  if (run(['pki', 'init', pki]).code !== 0) throw new Error('pki init failed');
  const g = run([
    'file',
    'generate',
    'MCF',
    '--pki',
    pki,
    '--sign',
    '--installations',
    '2',
    '--out',
    `${dir}/`,
  ]);
  if (g.code !== 0) throw new Error(`file generate failed: ${g.out}`);
  const signed = path.join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.xml'))!,
  );
  const xml = readFileSync(signed, 'utf8');
  const at = xml.indexOf('<GroupID>') + '<GroupID>'.length;
  const big = path.join(dir, 'big-text-node.xml');
  const w = createWriteStream(big);
  w.write(xml.slice(0, at));
  const block = 'A'.repeat(1024 * 1024);
  for (let i = 0; i < megabytes; i++) if (!w.write(block)) await once(w, 'drain');
  w.end(xml.slice(xml.indexOf('</GroupID>', at)));
  await once(w, 'finish');
  console.log(
    `file: ${big} (${(statSync(big).size / 1e6).toFixed(0)} MB, one text node of ${megabytes} MiB)`,
  );
  for (const args of [
    ['file', 'validate', big],
    ['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--discard-to', path.join(dir, 'rejected'), big],
  ]) {
    const r = run(args);
    console.log(
      `s1mig ${args.slice(0, 2).join(' ')}: exit ${r.code}, ${r.seconds.toFixed(1)} s, max RSS ${r.rssMB.toFixed(0)} MB`,
    );
    console.log(r.out.replace(/^/gm, '    '));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
