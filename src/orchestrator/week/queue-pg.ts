// Several worker processes on PostgreSQL share a run through graphile-worker (docs/DEPENDENCIES.md):
// every week_job is also a graphile-worker job (added in the transaction that creates it, job key
// week-job-<id>), and the task runs processJob. graphile-worker hands a job to one worker at a time
// (SKIP LOCKED); the week_job's status decides whether the work is still to be done, so a job that
// graphile-worker runs twice (its worker was killed after our commit) commits nothing the second time.
import { makeWorkerUtils, run, runMigrations, type Runner } from 'graphile-worker';
import type { Logger } from 'graphile-worker';
import { Logger as GraphileLogger } from 'graphile-worker';
import { processJob, type WeekEnv } from './engine.js';
import { configuration } from '../../config.js';

export const WEEK_TASK = 's1mig_week_job';

export interface PgQueueOptions {
  connectionString: string;
  /** graphile-worker's schema (default graphile_worker). */
  schema: string;
  /** Jobs run at once in this process. */
  concurrency?: number;
  /** ms between polls for new jobs when LISTEN/NOTIFY is quiet. */
  pollInterval?: number;
}

const quietLogger: Logger = new GraphileLogger(() => () => undefined);
/** graphile-worker's own messages (warnings and errors) on stderr when S1MIG_QUEUE_LOG is set. */
const stderrLogger: Logger = new GraphileLogger((scope) => (level, message) => {
  if (String(level) === 'debug' && configuration().queueLog !== 'debug') return;
  process.stderr.write(`graphile-worker ${level} ${JSON.stringify(scope)}: ${message}\n`);
});
const workerLogger = (): Logger => (configuration().queueLog ? stderrLogger : quietLogger);

/** Install graphile-worker's schema (idempotent; its own migrations). */
export async function prepareQueue(o: PgQueueOptions): Promise<void> {
  await runMigrations({ connectionString: o.connectionString, schema: o.schema, logger: quietLogger });
}

/**
 * After a crash: give every pending week_job a graphile-worker job again. With the same job key a job
 * still locked by a dead worker is replaced by a new, unlocked one (graphile-worker's job_key 'replace'
 * mode), so the run goes on now rather than when the dead worker's lock expires.
 */
export async function requeuePending(env: WeekEnv, o: PgQueueOptions): Promise<number> {
  const utils = await makeWorkerUtils({
    connectionString: o.connectionString,
    schema: o.schema,
    logger: quietLogger,
  });
  let n = 0;
  try {
    for (;;) {
      const jobs = await env.store.week.pendingJobs(env.runId, 100_000);
      for (const j of jobs) {
        await utils.addJob(WEEK_TASK, { jobId: j.id }, { jobKey: `week-job-${j.id}` });
        n++;
      }
      return n;
    }
  } finally {
    await utils.release();
  }
}

/**
 * Work on the run's jobs in this process until the run is done (or `signal` aborts). A graphile-worker
 * runner that ends while the run is not done (its pool lost, a fatal error: seen once as two idle
 * workers with jobs available and no connection of theirs left) is replaced by a new one, up to
 * `maxRestarts` times, instead of leaving the process waiting for ever.
 */
export async function workOnQueue(
  env: WeekEnv,
  o: PgQueueOptions & { maxRestarts?: number },
  signal?: AbortSignal,
): Promise<void> {
  const start = (): Promise<Runner> =>
    run({
      connectionString: o.connectionString,
      schema: o.schema,
      concurrency: o.concurrency ?? 2,
      pollInterval: o.pollInterval ?? 200,
      noHandleSignals: true,
      logger: workerLogger(),
      taskList: {
        [WEEK_TASK]: async (payload) => {
          const { jobId } = payload as { jobId: number };
          await processJob(env, Number(jobId));
        },
      },
    });
  let runner = await start();
  let ended: { error: unknown } | undefined;
  const watch = (r: Runner): void => {
    r.promise.then(
      () => {
        if (r === runner) ended = { error: undefined };
      },
      (error: unknown) => {
        if (r === runner) ended = { error };
      },
    );
  };
  watch(runner);
  let restarts = 0;
  try {
    for (;;) {
      if (signal?.aborted) return;
      const r = await env.store.week.run(env.runId);
      if (!r || r.status === 'done') return;
      if (ended) {
        const why = ended.error instanceof Error ? ended.error.message : 'it stopped';
        if (restarts++ >= (o.maxRestarts ?? 5))
          throw new Error(`the graphile-worker runner of run ${env.runId} ended before the run: ${why}`);
        process.stderr.write(
          `graphile-worker runner ended before run ${env.runId} (${why}): starting another\n`,
        );
        ended = undefined;
        await runner.stop().catch(() => undefined);
        runner = await start();
        watch(runner);
      }
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    await runner.stop().catch(() => undefined);
  }
}
