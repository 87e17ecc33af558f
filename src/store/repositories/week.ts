// The durable Migration Week (migration 015; docs/WEEK.md): runs, each installation's TMAD state, the
// event log, the jobs (batches of installations per stage) and the files committed jobs wrote.
// commitJob is the one write that moves a run on: in one transaction it marks the job done (only if it
// was still pending: a job is committed once), applies the installations' new states, appends the
// events, records the files and, when the stage has no job left, inserts the next stage's jobs. On
// PostgreSQL the run row is locked first (FOR UPDATE), so concurrent workers commit one at a time and
// exactly one sees the stage finish; on SQLite BEGIN IMMEDIATE does the same.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database } from '../schema.js';

export interface WeekRunRecord {
  runId: string;
  seed: string;
  migrationWeek: string;
  options: Record<string, unknown>;
  stages: string[];
  status: 'running' | 'done';
  createdAt: Date;
  finishedAt: Date | null;
}

export interface WeekInstallationRecord {
  installationId: string;
  groupId: string;
  smso: string;
  supplier: string;
  state: string;
  stage: string | null;
  failedStep: string | null;
  detail: Record<string, unknown>;
}

export interface WeekEventInput {
  at: Date;
  stage: string;
  party: string;
  groupId: string | null;
  installationId: string | null;
  outcome: string;
  step?: string | null;
  file?: string | null;
  sha256?: string | null;
  detail?: Record<string, unknown>;
}

export interface WeekEventRecord extends Required<WeekEventInput> {
  id: number;
  jobId: number | null;
}

export interface WeekJobRecord {
  id: number;
  runId: string;
  stage: string;
  batchNo: number;
  batchKey: string;
  installations: string[];
  status: 'pending' | 'done';
  attempts: number;
}

export interface WeekNewJob {
  stage: string;
  batchKey: string;
  installations: string[];
}

export interface WeekFileRecord {
  path: string;
  sha256: string;
  size: number;
  stage: string;
  jobId: number;
}

export interface WeekStateChange {
  installationId: string;
  state: string;
  failedStep?: string | null;
  detail?: Record<string, unknown>;
}

export interface WeekCommit {
  jobId: number;
  worker: string;
  doneAt: Date;
  changes: readonly WeekStateChange[];
  events: readonly WeekEventInput[];
  files: ReadonlyArray<{ path: string; sha256: string; size: number }>;
  /**
   * Called inside the transaction when this job was the stage's last: the jobs of the stages that follow
   * (the installations in each state are read in the same transaction). Empty: the run is done.
   */
  next: (byState: (states: readonly string[]) => Promise<WeekInstallationRecord[]>) => Promise<{
    jobs: WeekNewJob[];
    done: boolean;
  }>;
  /** PostgreSQL: the graphile-worker schema and task to enqueue each new job in the same transaction. */
  queue?: { schema: string; task: string };
}

export interface WeekRepository {
  /** The run, or undefined. */
  run(runId: string): Promise<WeekRunRecord | undefined>;
  /** Create the run with its installations and first jobs (one transaction); false if it exists. */
  createRun(
    run: Omit<WeekRunRecord, 'status' | 'finishedAt'>,
    installations: readonly (Omit<WeekInstallationRecord, 'stage' | 'failedStep' | 'detail'> & {
      detail?: Record<string, unknown>;
    })[],
    firstJobs: readonly WeekNewJob[],
    queue?: { schema: string; task: string },
  ): Promise<boolean>;
  /** Pending jobs of the run, oldest first. */
  pendingJobs(runId: string, limit?: number): Promise<WeekJobRecord[]>;
  job(jobId: number): Promise<WeekJobRecord | undefined>;
  /** Count a start of the job (attempts), so a job that kills its workers can be seen. */
  startJob(jobId: number, worker: string): Promise<void>;
  installations(runId: string, ids: readonly string[]): Promise<WeekInstallationRecord[]>;
  allInstallations(runId: string): Promise<WeekInstallationRecord[]>;
  /** Commit a job's outcome; false when it had already been committed (nothing is written). */
  commitJob(c: WeekCommit): Promise<boolean>;
  events(runId: string, opts?: { afterId?: number; limit?: number }): Promise<WeekEventRecord[]>;
  eventCount(runId: string): Promise<number>;
  files(runId: string): Promise<WeekFileRecord[]>;
  /** Jobs per stage: total and done. */
  jobCounts(
    runId: string,
  ): Promise<
    Array<{ stage: string; jobs: number; done: number; installations: number; doneInstallations: number }>
  >;
}

const BATCH = 500;

export function weekRepository(db: Kysely<Database>, c: Codec): WeekRepository {
  async function inWriteTransaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (c.kind === 'postgres') return db.transaction().execute(fn);
    return db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const out = await fn(conn);
        await sql`commit`.execute(conn);
        return out;
      } catch (err) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw err;
      }
    });
  }

  const readInstallation = (r: Selectable<Database['week_installation']>): WeekInstallationRecord => ({
    installationId: r.installation_id,
    groupId: r.group_id,
    smso: r.smso,
    supplier: r.supplier,
    state: r.state,
    stage: r.stage,
    failedStep: r.failed_step,
    detail: (c.readJson(r.detail) ?? {}) as Record<string, unknown>,
  });
  const readJob = (r: Selectable<Database['week_job']>): WeekJobRecord => ({
    id: c.readInt(r.id),
    runId: r.run_id,
    stage: r.stage,
    batchNo: c.readInt(r.batch_no),
    batchKey: r.batch_key,
    installations: c.readJson(r.installations) as string[],
    status: r.status,
    attempts: c.readInt(r.attempts),
  });

  async function insertJobs(
    trx: Kysely<Database>,
    runId: string,
    jobs: readonly WeekNewJob[],
    at: Date,
    queue: WeekCommit['queue'],
  ): Promise<void> {
    if (jobs.length === 0) return;
    const stages = [...new Set(jobs.map((j) => j.stage))];
    const base = new Map<string, number>();
    for (const s of stages) {
      const r = await trx
        .selectFrom('week_job')
        .select((eb) => eb.fn.max('batch_no').as('m'))
        .where('run_id', '=', runId)
        .where('stage', '=', s)
        .executeTakeFirst();
      base.set(s, r?.m === null || r?.m === undefined ? 0 : c.readInt(r.m));
    }
    for (let i = 0; i < jobs.length; i += BATCH) {
      const rows = jobs.slice(i, i + BATCH).map((j) => {
        const n = base.get(j.stage)! + 1;
        base.set(j.stage, n);
        return {
          run_id: runId,
          stage: j.stage,
          batch_no: n,
          batch_key: j.batchKey,
          installations: c.json(j.installations),
          size: j.installations.length,
          status: 'pending' as const,
          created_at: c.date(at),
          worker: null,
          done_at: null,
        };
      });
      const ids = await trx.insertInto('week_job').values(rows).returning('id').execute();
      if (queue)
        for (const { id } of ids)
          // graphile-worker's add_job in this very transaction: the job exists iff the week_job does.
          await sql`select ${sql.id(queue.schema, 'add_job')}(${queue.task}, json_build_object('jobId', ${Number(id)}::bigint), job_key => ${`week-job-${Number(id)}`})`.execute(
            trx,
          );
    }
  }

  return {
    async run(runId) {
      const r = await db.selectFrom('week_run').selectAll().where('run_id', '=', runId).executeTakeFirst();
      if (!r) return undefined;
      return {
        runId: r.run_id,
        seed: r.seed,
        migrationWeek: r.migration_week,
        options: c.readJson(r.options) as Record<string, unknown>,
        stages: c.readJson(r.stages) as string[],
        status: r.status,
        createdAt: c.readDate(r.created_at),
        finishedAt: r.finished_at === null ? null : c.readDate(r.finished_at),
      };
    },

    async createRun(run, installations, firstJobs, queue) {
      return inWriteTransaction(async (trx) => {
        const existing = await trx
          .selectFrom('week_run')
          .select('run_id')
          .where('run_id', '=', run.runId)
          .executeTakeFirst();
        if (existing) return false;
        await trx
          .insertInto('week_run')
          .values({
            run_id: run.runId,
            seed: run.seed,
            migration_week: run.migrationWeek,
            options: c.json(run.options),
            stages: c.json(run.stages),
            status: 'running',
            created_at: c.date(run.createdAt),
            finished_at: null,
          })
          .execute();
        for (let i = 0; i < installations.length; i += BATCH)
          await trx
            .insertInto('week_installation')
            .values(
              installations.slice(i, i + BATCH).map((x) => ({
                run_id: run.runId,
                installation_id: x.installationId,
                group_id: x.groupId,
                smso: x.smso,
                supplier: x.supplier,
                state: x.state,
                stage: null,
                failed_step: null,
                detail: c.json(x.detail ?? {}),
              })),
            )
            .execute();
        await insertJobs(trx, run.runId, firstJobs, run.createdAt, queue);
        return true;
      });
    },

    async pendingJobs(runId, limit = 1000) {
      const rs = await db
        .selectFrom('week_job')
        .selectAll()
        .where('run_id', '=', runId)
        .where('status', '=', 'pending')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rs.map(readJob);
    },

    async job(jobId) {
      const r = await db.selectFrom('week_job').selectAll().where('id', '=', jobId).executeTakeFirst();
      return r ? readJob(r) : undefined;
    },

    async startJob(jobId, worker) {
      await db
        .updateTable('week_job')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), worker }))
        .where('id', '=', jobId)
        .where('status', '=', 'pending')
        .execute();
    },

    async installations(runId, ids) {
      const out: WeekInstallationRecord[] = [];
      for (let i = 0; i < ids.length; i += BATCH) {
        const rs = await db
          .selectFrom('week_installation')
          .selectAll()
          .where('run_id', '=', runId)
          .where('installation_id', 'in', ids.slice(i, i + BATCH))
          .execute();
        out.push(...rs.map(readInstallation));
      }
      const order = new Map(ids.map((id, i) => [id, i]));
      return out.sort((a, b) => order.get(a.installationId)! - order.get(b.installationId)!);
    },

    async allInstallations(runId) {
      const rs = await db
        .selectFrom('week_installation')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('installation_id')
        .execute();
      return rs.map(readInstallation);
    },

    async commitJob(cm) {
      return inWriteTransaction(async (trx) => {
        const job = await trx
          .selectFrom('week_job')
          .selectAll()
          .where('id', '=', cm.jobId)
          .executeTakeFirst();
        if (!job) throw new Error(`week job ${cm.jobId} does not exist`);
        const runId = job.run_id;
        if (c.kind === 'postgres')
          await trx.selectFrom('week_run').select('run_id').where('run_id', '=', runId).forUpdate().execute();
        const marked = await trx
          .updateTable('week_job')
          .set({ status: 'done', done_at: c.date(cm.doneAt), worker: cm.worker })
          .where('id', '=', cm.jobId)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(marked.numUpdatedRows) !== 1) return false;
        for (const ch of cm.changes)
          await trx
            .updateTable('week_installation')
            .set({
              state: ch.state,
              stage: job.stage,
              failed_step: ch.failedStep ?? null,
              ...(ch.detail ? { detail: c.json(ch.detail) } : {}),
            })
            .where('run_id', '=', runId)
            .where('installation_id', '=', ch.installationId)
            .execute();
        for (let i = 0; i < cm.events.length; i += BATCH)
          await trx
            .insertInto('week_event')
            .values(
              cm.events.slice(i, i + BATCH).map((e) => ({
                run_id: runId,
                job_id: cm.jobId,
                at: c.date(e.at),
                stage: e.stage,
                party: e.party,
                group_id: e.groupId,
                installation_id: e.installationId,
                outcome: e.outcome,
                step: e.step ?? null,
                file: e.file ?? null,
                sha256: e.sha256 ?? null,
                detail: c.json(e.detail ?? {}),
              })),
            )
            .execute();
        for (let i = 0; i < cm.files.length; i += BATCH)
          await trx
            .insertInto('week_file')
            .values(
              cm.files.slice(i, i + BATCH).map((f) => ({
                run_id: runId,
                path: f.path,
                sha256: f.sha256,
                size: f.size,
                stage: job.stage,
                job_id: cm.jobId,
              })),
            )
            .execute();
        const left = await trx
          .selectFrom('week_job')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('run_id', '=', runId)
          .where('status', '=', 'pending')
          .executeTakeFirstOrThrow();
        if (c.readInt(left.n) === 0) {
          const byState = async (states: readonly string[]): Promise<WeekInstallationRecord[]> =>
            states.length === 0
              ? []
              : (
                  await trx
                    .selectFrom('week_installation')
                    .selectAll()
                    .where('run_id', '=', runId)
                    .where('state', 'in', [...states])
                    .orderBy('installation_id')
                    .execute()
                ).map(readInstallation);
          const { jobs, done } = await cm.next(byState);
          await insertJobs(trx, runId, jobs, cm.doneAt, cm.queue);
          if (done && jobs.length === 0)
            await trx
              .updateTable('week_run')
              .set({ status: 'done', finished_at: c.date(cm.doneAt) })
              .where('run_id', '=', runId)
              .execute();
        }
        return true;
      });
    },

    async events(runId, opts = {}) {
      let q = db.selectFrom('week_event').selectAll().where('run_id', '=', runId).orderBy('id');
      if (opts.afterId !== undefined) q = q.where('id', '>', opts.afterId);
      if (opts.limit !== undefined) q = q.limit(opts.limit);
      return (await q.execute()).map((r) => ({
        id: c.readInt(r.id),
        jobId: r.job_id === null ? null : c.readInt(r.job_id),
        at: c.readDate(r.at),
        stage: r.stage,
        party: r.party,
        groupId: r.group_id,
        installationId: r.installation_id,
        outcome: r.outcome,
        step: r.step,
        file: r.file,
        sha256: r.sha256,
        detail: (c.readJson(r.detail) ?? {}) as Record<string, unknown>,
      }));
    },

    async eventCount(runId) {
      const r = await db
        .selectFrom('week_event')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      return c.readInt(r.n);
    },

    async files(runId) {
      const rs = await db
        .selectFrom('week_file')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('path')
        .execute();
      return rs.map((r) => ({
        path: r.path,
        sha256: r.sha256,
        size: c.readInt(r.size),
        stage: r.stage,
        jobId: c.readInt(r.job_id),
      }));
    },

    async jobCounts(runId) {
      const rs = await db
        .selectFrom('week_job')
        .select((eb) => [
          'stage',
          eb.fn.countAll().as('jobs'),
          eb.fn.sum(eb.case().when('status', '=', 'done').then(1).else(0).end()).as('done'),
          eb.fn.sum('size').as('installations'),
          eb.fn
            .sum(eb.case().when('status', '=', 'done').then(eb.ref('size')).else(0).end())
            .as('doneInstallations'),
        ])
        .where('run_id', '=', runId)
        .groupBy('stage')
        .execute();
      return rs.map((r) => ({
        stage: r.stage,
        jobs: c.readInt(r.jobs),
        done: c.readInt(r.done ?? 0),
        installations: c.readInt(r.installations ?? 0),
        doneInstallations: c.readInt(r.doneInstallations ?? 0),
      }));
    },
  };
}
