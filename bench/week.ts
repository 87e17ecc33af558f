// Installations per second per stage of the Migration Week (docs/WEEK.md), on SQLite (one process)
// and on PostgreSQL with 1 and 2 worker PROCESSES (graphile-worker, concurrency 1 each: a Node
// process runs its JavaScript on one core, so "2 workers" means 2 processes), beside the RSA-2048
// private-operation rate `openssl speed` measures in the same run, and the projection to a peak month
// (700,000 installations) at the measured rate.
//   npx tsx bench/week.ts [installations=5000] [postgres url] [sqlite|pg1|pg2|pg|all=all]
// Per stage: its installations, its wall time (first job's start to last job's commit, in any worker),
// the CPU seconds its jobs took (user+system, summed over the workers) and installations/s (wall).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../src/store/index.js';
import {
  ensureEstate,
  startRun,
  weekEnv,
  runWeek,
  type DemoWeekOptions,
} from '../src/orchestrator/week/run-week.js';
import type { WeekEnv } from '../src/orchestrator/week/engine.js';
import { prepareQueue, workOnQueue, WEEK_TASK } from '../src/orchestrator/week/queue-pg.js';

const PEAK_MONTH = 700_000;
const passphrase = process.env.S1MIG_KEY_PASSPHRASE ?? 'bench week';

/** One job's start or commit, as a worker reports it (epoch ms; CPU µs of its process). */
interface Mark {
  kind: 'start' | 'commit';
  stage: string;
  jobId: number;
  at: number;
  cpu: number;
  rss: number;
}

const cpuNow = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** Hooks that report each job's start and commit to `sink`. */
function marking(sink: (m: Mark) => void): Pick<WeekEnv, 'onStart' | 'onCommit'> {
  const mark = (kind: Mark['kind'], j: { stage: string; id: number }) =>
    sink({
      kind,
      stage: j.stage,
      jobId: j.id,
      at: Date.now(),
      cpu: cpuNow(),
      rss: process.memoryUsage().rss,
    });
  return { onStart: (j) => mark('start', j), onCommit: (j) => mark('commit', j) };
}

const optionsFor = (dir: string, n: number): DemoWeekOptions => ({
  dir,
  installations: n,
  seed: 'bench',
  capacityShare: 1,
});

// A worker process: `bench/week.ts worker <dir> <n> <pg url> <schema> <gw schema> <name>`; prints
// one JSON Mark a line.
if (process.argv[2] === 'worker') {
  const [dir, n, url, schema, gw, name] = process.argv.slice(3) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const store = await openStore({ url, pgSchema: schema });
  const env = weekEnv(
    store,
    { ...optionsFor(dir, Number(n)), passphrase },
    {
      worker: name,
      queue: { schema: gw, task: WEEK_TASK },
      ...marking((m) => process.stdout.write(`${JSON.stringify(m)}\n`)),
    },
  );
  await workOnQueue(env, { connectionString: url, schema: gw, concurrency: 1, pollInterval: 100 });
  await store.close();
  process.exit(0);
}

const n = Number(process.argv[2] ?? 5000);
const pgUrl = process.argv[3] ?? 'postgres://postgres@127.0.0.1:5432/test';
const which = process.argv[4] ?? 'all';

/** RSA-2048 private operations (signs) per second on one core, `openssl speed`. */
function opensslRsa(): { sign: number; verify: number } {
  const out = execFileSync('openssl', ['speed', '-seconds', '3', 'rsa2048'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = out.split('\n').find((l) => /^rsa\s+2048/.test(l));
  const cells = line?.trim().split(/\s+/) ?? [];
  return { sign: Number(cells[5]), verify: Number(cells[6]) };
}

interface StageRow {
  stage: string;
  jobs: number;
  installations: number;
  wall: number;
  cpu: number;
}

/** Per stage from the marks: wall from its first start to its last commit, CPU summed over jobs. */
function rowsOf(
  marks: readonly Mark[],
  counts: Map<string, { jobs: number; installations: number }>,
): StageRow[] {
  const out = new Map<string, { start: number; end: number; cpu: number }>();
  const open = new Map<string, Mark>(); // by worker+job: the latest start (a retried job counts again)
  for (const m of marks) {
    const key = `${m.jobId}`;
    let s = out.get(m.stage);
    if (!s) out.set(m.stage, (s = { start: m.at, end: m.at, cpu: 0 }));
    if (m.kind === 'start') {
      s.start = Math.min(s.start, m.at);
      open.set(key, m);
    } else {
      s.end = Math.max(s.end, m.at);
      const st = open.get(key);
      if (st) s.cpu += (m.cpu - st.cpu) / 1e6;
    }
  }
  return [...out].map(([stage, s]) => ({
    stage,
    jobs: counts.get(stage)?.jobs ?? 0,
    installations: counts.get(stage)?.installations ?? 0,
    wall: (s.end - s.start) / 1000,
    cpu: s.cpu,
  }));
}

interface Result {
  label: string;
  wall: number;
  cpu: number;
  maxRssMb: number;
  rows: StageRow[];
}

async function counts(store: Store, runId: string) {
  return new Map((await store.week.jobCounts(runId)).map((j) => [j.stage, j]));
}

async function sqliteRun(): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-bench-week-'));
  try {
    const o = optionsFor(dir, n);
    const plan = await ensureEstate(dir, o);
    const store = await openStore({ url: '', dataDir: dir });
    const marks: Mark[] = [];
    const env = weekEnv(
      store,
      { ...o, passphrase },
      marking((m) => marks.push(m)),
    );
    await startRun(env, plan, o);
    const t0 = Date.now();
    const c0 = cpuNow();
    await runWeek(
      env,
      marking((m) => marks.push(m)),
    );
    const r: Result = {
      label: 'SQLite, 1 process',
      wall: (Date.now() - t0) / 1000,
      cpu: (cpuNow() - c0) / 1e6,
      maxRssMb: Math.max(...marks.map((m) => m.rss)) / 2 ** 20,
      rows: rowsOf(marks, await counts(store, env.runId)),
    };
    await store.close();
    return r;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function pgRun(workers: number): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-bench-week-'));
  const schema = `s1mig_bench_week_${process.pid}_${workers}`;
  const gw = `${schema}_gw`;
  const { default: pg } = await import('pg');
  try {
    await prepareQueue({ connectionString: pgUrl, schema: gw });
    const o = optionsFor(dir, n);
    const plan = await ensureEstate(dir, o);
    const store = await openStore({ url: pgUrl, pgSchema: schema });
    const env = weekEnv(store, { ...o, passphrase }, { queue: { schema: gw, task: WEEK_TASK } });
    await startRun(env, plan, o);
    const marks: Mark[] = [];
    const self = fileURLToPath(import.meta.url);
    const t0 = Date.now();
    const children = Array.from({ length: workers }, (_, w) => {
      const child = spawn(
        process.execPath,
        [...process.execArgv, self, 'worker', dir, String(n), pgUrl, schema, gw, `w${w}`],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const rl = readline.createInterface({ input: child.stdout });
      // Each process's CPU is its own: a mark's CPU is compared only with the same process's start.
      rl.on('line', (l) => {
        try {
          const m = JSON.parse(l) as Mark;
          marks.push({ ...m, jobId: m.jobId });
        } catch {
          process.stderr.write(`${l}\n`);
        }
      });
      return new Promise<number>((res, rej) => {
        child.on('error', rej);
        child.on('exit', (code) => res(code ?? 1));
      });
    });
    const codes = await Promise.all(children);
    if (codes.some((c) => c !== 0)) throw new Error(`a worker exited with ${codes.join(', ')}`);
    const wall = (Date.now() - t0) / 1000;
    const rows = rowsOf(marks, await counts(store, env.runId));
    await store.close();
    return {
      label: `PostgreSQL, ${workers} worker process${workers > 1 ? 'es' : ''}`,
      wall,
      cpu: rows.reduce((a, r) => a + r.cpu, 0),
      maxRssMb: Math.max(...marks.map((m) => m.rss)) / 2 ** 20,
      rows,
    };
  } finally {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade; drop schema if exists "${gw}" cascade`);
    await c.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const rsa = opensslRsa();
const cores = os.cpus().length;
console.log(
  `${new Date().toISOString()}, ${os.cpus()[0]?.model ?? '?'} × ${cores}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}, Node ${process.version}, ${n} installations`,
);
console.log(
  `openssl speed rsa2048: ${rsa.sign.toFixed(0)} private operations (sign)/s on one core, ${rsa.verify.toFixed(0)} verify/s; ` +
    `× ${cores} cores = ${(rsa.sign * cores).toFixed(0)}/s (one private operation per installation: the crypto bound)`,
);
// Each result as soon as it is measured (a long run cut short keeps what it had).
function print(r: Result): void {
  const rate = n / r.wall;
  console.log(
    `\n${r.label}: ${r.wall.toFixed(1)} s wall, ${r.cpu.toFixed(1)} s CPU, max RSS ${r.maxRssMb.toFixed(0)} MB, ` +
      `${rate.toFixed(0)} installations/s over all stages; 700,000 at this rate: ${(PEAK_MONTH / rate / 60).toFixed(1)} min ` +
      `(${((rate / (rsa.sign * cores)) * 100).toFixed(0)} % of the crypto bound)`,
  );
  console.log('| stage | jobs | installations | wall s | CPU s | installations/s | CPU ms/installation |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of r.rows)
    console.log(
      `| ${s.stage} | ${s.jobs} | ${s.installations} | ${s.wall.toFixed(2)} | ${s.cpu.toFixed(2)} | ${(s.installations / s.wall).toFixed(0)} | ${((s.cpu / Math.max(1, s.installations)) * 1000).toFixed(2)} |`,
    );
}

if (which === 'all' || which === 'sqlite') print(await sqliteRun());
for (const w of which === 'all' || which === 'pg'
  ? [1, 2]
  : which === 'pg1'
    ? [1]
    : which === 'pg2'
      ? [2]
      : [])
  print(await pgRun(w));
