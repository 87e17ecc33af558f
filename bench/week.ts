// Installations per second per stage of the Migration Week (docs/WEEK.md: mcc-plan, the chain's first
// half, dco-receive, s1sp-receive), on SQLite and on PostgreSQL with 1 and 2 graphile-worker workers
// (in this process, each with its own connection pool), beside the RSA-2048 private-operation rate
// `openssl speed` measures in the same run.
//   npx tsx bench/week.ts [installations=5000] [postgres url] [sqlite|pg|pg2|all=all]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

const n = Number(process.argv[2] ?? 5000);
const pgUrl = process.argv[3] ?? 'postgres://postgres@127.0.0.1:5432/test';
const which = process.argv[4] ?? 'all';

function opensslRsa(): string {
  const out = execFileSync('openssl', ['speed', '-seconds', '2', 'rsa2048'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = out.split('\n').find((l) => /^rsa\s+2048/.test(l));
  const cells = line?.trim().split(/\s+/) ?? [];
  return `${cells[5] ?? '?'} sign/s (private op), ${cells[6] ?? '?'} verify/s`;
}

/** Per stage: the first start and the last commit (ms), for installations/s. */
const times = new Map<string, { start: number; end: number }>();
const timed: Pick<WeekEnv, 'onStart' | 'onCommit'> = {
  onStart: (j) => {
    if (!times.has(j.stage)) times.set(j.stage, { start: performance.now(), end: 0 });
  },
  onCommit: (j) => {
    times.get(j.stage)!.end = performance.now();
  },
};

async function perStage(store: Store, runId: string): Promise<string> {
  const jobs = await store.week.jobCounts(runId);
  return jobs
    .map((j) => {
      const t = times.get(j.stage);
      const s = t ? (t.end - t.start) / 1000 : NaN;
      return `${j.stage} ${j.installations} in ${s.toFixed(1)} s (${(j.installations / s).toFixed(0)}/s)`;
    })
    .join('; ');
}

async function bench(
  label: string,
  open: () => Promise<Store>,
  workers: number,
  gwSchema?: string,
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-bench-week-'));
  const o: DemoWeekOptions = { dir, installations: n, seed: 'bench', capacityShare: 1 };
  const plan = await ensureEstate(dir, o);
  times.clear();
  const stores = await Promise.all(Array.from({ length: workers }, open));
  const queue = gwSchema ? { schema: gwSchema, task: WEEK_TASK } : undefined;
  const env = (s: Store, w: number) =>
    weekEnv(
      s,
      { ...o, passphrase: process.env.S1MIG_KEY_PASSPHRASE ?? 'bench week' },
      { worker: `w${w}`, ...timed, ...(queue ? { queue } : {}) },
    );
  await startRun(env(stores[0]!, 0), plan, o);
  const t0 = performance.now();
  if (!gwSchema) await runWeek(env(stores[0]!, 0));
  else {
    const q = { connectionString: pgUrl, schema: gwSchema, concurrency: 1, pollInterval: 100 };
    await Promise.all(stores.map((s, w) => workOnQueue(env(s, w), q)));
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${label}: ${(n / s).toFixed(0)} installations/s over all stages (${s.toFixed(2)} s; stages: ${await perStage(stores[0]!, env(stores[0]!, 0).runId)})`,
  );
  for (const x of stores) await x.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

console.log(`openssl speed rsa2048: ${opensslRsa()}`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-bench-week-db-'));
if (which !== 'pg') await bench('SQLite, one process', () => openStore({ url: '', dataDir: dir }), 1);
fs.rmSync(dir, { recursive: true, force: true });
for (const workers of which === 'sqlite' ? [] : which === 'pg2' ? [2] : [1, 2]) {
  const schema = `s1mig_bench_week_${process.pid}_${workers}`;
  await prepareQueue({ connectionString: pgUrl, schema: `${schema}_gw` });
  await bench(
    `PostgreSQL, ${workers} worker(s)`,
    () => openStore({ url: pgUrl, pgSchema: schema }),
    workers,
    `${schema}_gw`,
  );
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`drop schema if exists "${schema}" cascade; drop schema if exists "${schema}_gw" cascade`);
  await c.end();
}
