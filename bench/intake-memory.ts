// Bench (issue #10): peak memory of the Migration Authorisation tools on large inputs. For MAs of
// 200,000 and 1,000,000 rows (default) it runs, each in its own process, `ma build`, `ma validate`,
// `ma seal`, `ma open` (valid, recorded in a SQLite store) and `ma open` by a signer the DCC does not
// trust (rejected at the signature: only the header is decrypted); and `ma validate` on a file whose
// fourth line is 1 GB long. Reports exit code, seconds and the child's max RSS (process.resourceUsage),
// with `7zz x` extracting the same zip as the peer. Target: every input gets a verdict (exit 0 or 1,
// never 2 or a crash) in at most 300 MB RSS.
//
//   npx tsc -p . && node dist/bench/intake-memory.js [rows=200000,1000000] [lineMB=1024] [--keep]
// (--keep leaves the generated files in place and prints where they are, to investigate one run)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mpanWithCheckDigit } from '../src/core/ids/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 's1mig.js');
const sizes = (process.argv[2] ?? '200000,1000000').split(',').map(Number);
const lineMB = Number(process.argv[3] ?? 1024);
const keep = process.argv.includes('--keep');

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-bench-intake-'));
const env = { ...process.env, S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` };
const probe = path.join(dir, 'rss-probe.mjs');
writeFileSync(
  probe,
  "process.on('exit', () => process.stderr.write(`MAXRSS_KB ${process.resourceUsage().maxRSS}\\n`));\n",
);

interface Run {
  code: number | null;
  seconds: number;
  rssMB: number;
  out: string;
}

function run(args: string[], cwd = dir): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(probe).href, BIN, ...args], {
    env,
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /MAXRSS_KB (\d+)/.exec(r.stderr);
  return {
    code: r.status,
    seconds,
    rssMB: m ? Number(m[1]) / 1024 : NaN,
    out: (r.stdout + r.stderr.replace(/MAXRSS_KB \d+\n/, '')).trim(),
  };
}

/** A peer tool, timed, with its max RSS from /proc (not available: reported as NaN). */
function peer(cmd: string, args: string[]): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/bin/sh', ['-c', `${cmd} ${args.join(' ')} > /dev/null`], { encoding: 'utf8' });
  return {
    code: r.status,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    rssMB: NaN,
    out: r.stderr.trim(),
  };
}

const rows: string[] = [];
function report(what: string, input: string, r: Run) {
  const verdict = r.code === 0 || r.code === 1 ? 'verdict' : 'NO VERDICT';
  const line = `| ${what} | ${input} | ${r.code} | ${r.seconds.toFixed(1)} | ${Number.isNaN(r.rssMB) ? '–' : r.rssMB.toFixed(0)} |`;
  rows.push(line);
  console.log(line, r.rssMB > 300 ? '  <-- over 300 MB' : '', r.code === 2 || r.code === null ? verdict : '');
  if (r.code !== 0 && r.code !== 1) console.log(r.out.split('\n').slice(-5).join('\n'));
}

async function writeList(file: string, n: number) {
  const out = createWriteStream(file);
  out.write('mpan,mprn\n');
  for (let i = 0; i < n; i++) {
    const mpan = mpanWithCheckDigit(`10${String(i).padStart(10, '0')}`);
    if (!out.write(`${mpan},${1_000_000 + i}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

try {
  const pki = path.join(dir, 'pki');
  const other = path.join(dir, 'other-pki');
  if (run(['pki', 'init', pki]).code !== 0 || run(['pki', 'init', other]).code !== 0)
    throw new Error('pki init failed');
  const parties = JSON.parse(readFileSync(path.join(pki, 'parties.json'), 'utf8')) as Array<{
    entityId: string;
    certificates: Array<{ role: string; cert: string; key: string }>;
  }>;
  const supplier = parties.find((p) => p.certificates.some((c) => c.role === 'ikiFileSigning'))!;
  const iki = supplier.certificates.find((c) => c.role === 'ikiFileSigning')!;
  console.log(`| command | input | exit | s | max RSS MB |\n| --- | --- | --- | --- | --- |`);
  for (const n of sizes) {
    const work = mkdtempSync(path.join(dir, `rows-${n}-`));
    const list = path.join(work, 'list.csv');
    await writeList(list, n);
    const label = `${n.toLocaleString('en-GB')} rows`;
    const out = path.join(work, 'out');
    report(
      'ma build',
      label,
      run([
        'ma',
        'build',
        '--mpxns',
        list,
        '--user-id',
        supplier.entityId,
        '--smso',
        'CGI',
        '--certificates-from-pki',
        pki,
        '--out',
        out,
      ]),
    );
    const csvName = readdirSync(out).find((f) => f.endsWith('.csv'))!;
    const csv = path.join(out, csvName);
    report('ma validate', label, run(['ma', 'validate', csv]));
    const sealed = path.join(work, 'sealed');
    report(
      'ma seal',
      label,
      run([
        'ma',
        'seal',
        csv,
        '--key',
        path.join(pki, iki.key),
        '--cert',
        path.join(pki, iki.cert),
        '--out',
        sealed,
      ]),
    );
    const zip = path.join(sealed, csvName.replace(/\.csv$/, '.zip'));
    // Hashed as a stream: a child's max RSS starts from its parent's resident set at fork (Linux keeps
    // the high-water mark across exec), so the bench itself must stay small or it inflates every figure.
    const md5 = createHash('md5');
    for await (const chunk of createReadStream(csv)) md5.update(chunk as Buffer);
    const password = md5.digest('hex');
    report('7zz x (peer: extract to stdout)', label, peer('7zz', ['x', '-so', `-p${password}`, zip]));
    report('ma open (valid, stored)', label, run(['ma', 'open', zip, '--trust', pki]));
    report('ma open (signer not trusted)', label, run(['ma', 'open', zip, '--trust', other]));
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
  // One 1 GB line (no LF in it) after a valid header.
  const long = path.join(dir, 'MA_CGI_70-B3-D5-1F-30-01-00-01_20261203_120000.csv');
  const out = createWriteStream(long);
  out.write(`${supplier.entityId}\nYES\nCGI\n`);
  const block = Buffer.alloc(1024 * 1024, 'A'.charCodeAt(0));
  for (let i = 0; i < lineMB; i++) if (!out.write(block)) await once(out, 'drain');
  out.end('\n');
  await once(out, 'finish');
  report('ma validate', `one ${lineMB} MB line`, run(['ma', 'validate', long]));
  console.log(`\n(${new Date().toISOString().slice(0, 10)}, Node ${process.version})\n${rows.join('\n')}`);
} finally {
  if (keep) console.error(`kept: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
