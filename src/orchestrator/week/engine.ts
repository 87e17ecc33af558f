// The durable Migration Week engine (issue #13 "The run"; docs/WEEK.md). A run is a list of stages;
// each stage takes the installations in given TMAD states, in batches (jobs), and returns their new
// states and the events to log. The engine writes the files a stage produces (atomic rename, never
// over a file a committed job wrote; recognised on a re-run by name and SHA-256) and then commits,
// in one store transaction, the job, the states, the events and the files (WeekRepository.commitJob).
// A kill -9 anywhere leaves either the whole commit or none of it: an uncommitted job is run again
// and its files are recognised or rewritten, so nothing is lost and nothing is counted twice.
//
// Stages run one after the other: the next stage's jobs are created in the transaction that commits
// the last job of the stage before (a stage may need every installation of a GroupID together).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type {
  Store,
  WeekEventInput,
  WeekInstallationRecord,
  WeekJobRecord,
  WeekNewJob,
  WeekStateChange,
} from '../../store/index.js';

/** What a stage sees of the run. */
export interface StageContext {
  runId: string;
  seed: string;
  migrationWeek: string;
  options: Readonly<Record<string, unknown>>;
  /** The stage's time on the run's clock (deterministic: the same for every attempt). */
  at: Date;
  /** The directory every file of the run is written under. */
  filesRoot: string;
  job: Readonly<WeekJobRecord>;
  /**
   * Write `bytes` at `relPath` under filesRoot (atomic rename). A file already there with the same
   * SHA-256 is recognised; one left by an attempt that was never committed is replaced; one a
   * committed job wrote is never replaced (an error). Returns the path and SHA-256.
   */
  writeFile(relPath: string, bytes: Uint8Array | string): Promise<{ path: string; sha256: string }>;
}

export interface StageOutcome {
  changes: WeekStateChange[];
  events: Array<Omit<WeekEventInput, 'stage' | 'at'> & { at?: Date }>;
}

export interface WeekStage {
  name: string;
  /** The TMAD party whose function the stage calls (the events' party unless they name another). */
  party: string;
  /** Installation states this stage takes. */
  takes: readonly string[];
  /** Most installations per job (Infinity: one job per batch key). */
  batchSize: number;
  /** Installations of different keys never share a job (e.g. supplier and GroupID for an MCF). */
  batchKey?: (i: WeekInstallationRecord) => string;
  /** The stage's time on the run's clock. */
  at: (migrationWeek: string) => Date;
  run(ctx: StageContext, batch: WeekInstallationRecord[]): Promise<StageOutcome>;
}

export interface WeekEnv {
  store: Store;
  runId: string;
  stages: readonly WeekStage[];
  filesRoot: string;
  /** Names the worker in week_job.worker. */
  worker?: string;
  /** PostgreSQL: enqueue new jobs in graphile-worker in the commit transaction. */
  queue?: { schema: string; task: string };
  /** Called after each committed job. */
  onCommit?: (job: WeekJobRecord) => void;
  /** Called before a job's stage runs (every attempt). */
  onStart?: (job: WeekJobRecord) => void | Promise<void>;
}

export class WeekError extends Error {
  override name = 'WeekError';
}

export const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** Split installations into jobs: by batch key, then at most batchSize each (installation order). */
export function batchesFor(stage: WeekStage, installations: readonly WeekInstallationRecord[]): WeekNewJob[] {
  const byKey = new Map<string, string[]>();
  // Code-unit order, the same on both engines (PostgreSQL's ORDER BY follows its collation).
  const sorted = [...installations].sort((a, b) =>
    a.installationId < b.installationId ? -1 : a.installationId > b.installationId ? 1 : 0,
  );
  for (const i of sorted) {
    const k = stage.batchKey ? stage.batchKey(i) : '';
    let l = byKey.get(k);
    if (!l) byKey.set(k, (l = []));
    l.push(i.installationId);
  }
  const out: WeekNewJob[] = [];
  for (const k of [...byKey.keys()].sort()) {
    const ids = byKey.get(k)!;
    const n = Number.isFinite(stage.batchSize) ? Math.max(1, stage.batchSize) : ids.length;
    for (let i = 0; i < ids.length; i += n)
      out.push({ stage: stage.name, batchKey: k, installations: ids.slice(i, i + n) });
  }
  return out;
}

/** The jobs of the first stage from `from` that has installations to take (none: the run is done). */
export async function nextJobs(
  stages: readonly WeekStage[],
  from: number,
  byState: (states: readonly string[]) => Promise<WeekInstallationRecord[]>,
): Promise<{ jobs: WeekNewJob[]; done: boolean }> {
  for (let i = from; i < stages.length; i++) {
    const s = stages[i]!;
    const jobs = batchesFor(s, await byState(s.takes));
    if (jobs.length > 0) return { jobs, done: false };
  }
  return { jobs: [], done: true };
}

async function writeAtomically(file: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // A temporary file left by a killed attempt at this very file: removed (it was never renamed).
  const stale = `.${path.basename(file)}.`;
  for (const n of await readdir(path.dirname(file)))
    if (n.startsWith(stale) && n.endsWith('.tmp'))
      await unlink(path.join(path.dirname(file), n)).catch(() => undefined);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** Run one job to its commit. False: it had been committed already (by an earlier attempt or worker). */
export async function processJob(env: WeekEnv, jobId: number): Promise<boolean> {
  const { store } = env;
  const job = await store.week.job(jobId);
  if (!job || job.status === 'done') return false;
  const run = await store.week.run(job.runId);
  if (!run) throw new WeekError(`week job ${jobId}: run ${job.runId} does not exist`);
  const index = env.stages.findIndex((s) => s.name === job.stage);
  if (index < 0)
    throw new WeekError(
      `week job ${jobId}: stage '${job.stage}' is not one of this run's stages (${env.stages.map((s) => s.name).join(', ')})`,
    );
  const stage = env.stages[index]!;
  const worker = env.worker ?? `pid-${process.pid}`;
  await store.week.startJob(jobId, worker);
  const batch = await store.week.installations(job.runId, job.installations);
  const committed = new Map<string, string>();
  const written: Array<{ path: string; sha256: string; size: number }> = [];
  const at = stage.at(run.migrationWeek);
  const root = path.resolve(env.filesRoot);
  const ctx: StageContext = {
    runId: run.runId,
    seed: run.seed,
    migrationWeek: run.migrationWeek,
    options: run.options,
    at,
    filesRoot: root,
    job,
    async writeFile(relPath, bytes) {
      const rel = path.posix.normalize(relPath.split(path.sep).join('/'));
      if (rel.startsWith('..') || path.isAbsolute(rel))
        throw new WeekError(`${relPath}: a run's file must stay under ${root}`);
      const file = path.join(root, rel);
      const sha = sha256Hex(bytes);
      const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
      let existing: Buffer | undefined;
      try {
        existing = await readFile(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      if (existing === undefined || sha256Hex(existing) !== sha) {
        if (existing !== undefined) {
          if (committed.size === 0)
            for (const f of await store.week.files(run.runId)) committed.set(f.path, f.sha256);
          if (committed.has(rel))
            throw new WeekError(
              `${file}: written by an earlier committed job with SHA-256 ${committed.get(rel)}; stage ${stage.name} would replace it with ${sha} (a delivered file is never replaced, TMAD 9)`,
            );
        }
        await writeAtomically(file, bytes);
      }
      written.push({ path: rel, sha256: sha, size });
      return { path: file, sha256: sha };
    },
  };
  await env.onStart?.(job);
  const out = await stage.run(ctx, batch);
  return store.week
    .commitJob({
      jobId,
      worker,
      doneAt: at,
      changes: out.changes,
      events: out.events.map((e) => ({ ...e, stage: stage.name, at: e.at ?? at })),
      files: written,
      next: (byState) => nextJobs(env.stages, index + 1, byState),
      ...(env.queue ? { queue: env.queue } : {}),
    })
    .then((ok) => {
      if (ok) env.onCommit?.(job);
      return ok;
    });
}

/** Create the run (once): its installations and the first stage's jobs. False: it existed. */
export async function createRun(
  env: WeekEnv,
  run: { seed: string; migrationWeek: string; options: Record<string, unknown>; createdAt: Date },
  installations: ReadonlyArray<{
    installationId: string;
    groupId: string;
    smso: string;
    supplier: string;
    state: string;
    detail?: Record<string, unknown>;
  }>,
): Promise<boolean> {
  const asRecords = installations.map((i) => ({
    ...i,
    stage: null,
    failedStep: null,
    detail: i.detail ?? {},
  }));
  const states = new Map<string, WeekInstallationRecord[]>();
  for (const r of asRecords) {
    let l = states.get(r.state);
    if (!l) states.set(r.state, (l = []));
    l.push(r);
  }
  const { jobs } = await nextJobs(env.stages, 0, async (s) =>
    s.flatMap((x) => states.get(x) ?? []).sort((a, b) => (a.installationId < b.installationId ? -1 : 1)),
  );
  return env.store.week.createRun(
    { runId: env.runId, ...run, stages: env.stages.map((s) => s.name) },
    installations,
    jobs,
    env.queue,
  );
}

/** The one-process loop (SQLite, or PostgreSQL without a queue): every pending job, oldest first. */
export async function runInProcess(env: WeekEnv): Promise<void> {
  for (;;) {
    const jobs = await env.store.week.pendingJobs(env.runId, 100);
    if (jobs.length === 0) return;
    for (const j of jobs) await processJob(env, j.id);
  }
}
