// The durable Migration Week engine (issue #13 "The run"; docs/WEEK.md) on SQLite and PostgreSQL:
// stages in order, batches, one commit per job, files recognised on a re-run, a crash between a
// stage's files and its commit repeating nothing; on PostgreSQL two graphile-worker workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onEveryEngine, PG_URL } from '../support/store-engines.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createRun, runInProcess, type WeekEnv, type WeekStage } from '../../src/orchestrator/week/engine.js';
import { prepareQueue, workOnQueue, WEEK_TASK } from '../../src/orchestrator/week/queue-pg.js';

const AT = new Date('2026-01-19T09:00:00Z');

function stages(crashAt?: { stage: string; job: number }): WeekStage[] {
  let seen = 0;
  const a: WeekStage = {
    name: 'a',
    party: 'MCC',
    takes: ['authorised'],
    batchSize: 3,
    at: () => AT,
    async run(ctx, batch) {
      const w = await ctx.writeFile(
        `a/${ctx.job.batchNo}.txt`,
        batch.map((b) => b.installationId).join('\n'),
      );
      if (crashAt?.stage === 'a' && ++seen === crashAt.job) throw new Error('crash after the files');
      return {
        changes: batch.map((b) => ({
          installationId: b.installationId,
          state: b.groupId === 'EA' ? 'failed' : 'commenced',
          failedStep: b.groupId === 'EA' ? 'a' : null,
        })),
        events: [
          {
            party: 'MCC',
            groupId: null,
            installationId: null,
            outcome: 'file',
            file: `a/${ctx.job.batchNo}.txt`,
            sha256: w.sha256,
          },
        ],
      };
    },
  };
  const b: WeekStage = {
    name: 'b',
    party: 'RP',
    takes: ['commenced'],
    batchSize: Infinity,
    batchKey: (i) => i.groupId,
    at: () => new Date(AT.getTime() + 3_600_000),
    async run(ctx, batch) {
      await ctx.writeFile(`b/${ctx.job.batchKey}.txt`, String(batch.length));
      return {
        changes: batch.map((x) => ({ installationId: x.installationId, state: 'commissioned' })),
        events: batch.map((x) => ({
          party: 'RP',
          groupId: x.groupId,
          installationId: x.installationId,
          outcome: 'ok',
        })),
      };
    },
  };
  return [a, b];
}

const INSTALLATIONS = Array.from({ length: 10 }, (_, i) => ({
  installationId: `i${String(i).padStart(2, '0')}`,
  groupId: ['DA', 'EA', 'EB'][i % 3]!,
  smso: 'CGI',
  supplier: 's',
  state: 'authorised',
}));

async function outcome(store: Store, runId: string, root: string) {
  const inst = await store.week.allInstallations(runId);
  const files = await store.week.files(runId);
  return {
    states: inst.map((i) => `${i.installationId}:${i.state}:${i.failedStep ?? ''}`),
    files: files.map((f) => `${f.path}:${f.sha256}`),
    onDisk: files.map((f) => fs.readFileSync(path.join(root, f.path)).length === f.size),
    events: (await store.week.events(runId)).map(
      (e) => `${e.stage}/${e.installationId ?? e.file}/${e.outcome}`,
    ),
    run: (await store.week.run(runId))!.status,
  };
}

await onEveryEngine('week-engine', (name, opts, teardown, skip) => {
  test(
    `${name}: stages in order, batches, each job committed once; a crash after a stage's files repeats nothing (docs/WEEK.md)`,
    { skip },
    async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-files-'));
      const store = await openStore(opts());
      try {
        const plain: WeekEnv = {
          store,
          runId: 'plain',
          stages: stages(),
          filesRoot: path.join(root, 'plain'),
        };
        assert.equal(
          await createRun(
            plain,
            { seed: 's', migrationWeek: '2026-01-19', options: {}, createdAt: AT },
            INSTALLATIONS,
          ),
          true,
        );
        assert.equal(
          await createRun(
            plain,
            { seed: 's', migrationWeek: '2026-01-19', options: {}, createdAt: AT },
            INSTALLATIONS,
          ),
          false,
        );
        await runInProcess(plain);
        const want = await outcome(store, 'plain', plain.filesRoot);
        assert.equal(want.run, 'done');
        assert.equal(want.states.filter((s) => s.endsWith(':failed:a')).length, 3);
        assert.equal(want.states.filter((s) => s.includes(':commissioned:')).length, 7);
        assert.equal((await store.week.jobCounts('plain')).find((j) => j.stage === 'a')!.jobs, 4);
        assert.equal((await store.week.jobCounts('plain')).find((j) => j.stage === 'b')!.jobs, 2); // DA, EB
        assert.ok(want.onDisk.every(Boolean));

        const crashing: WeekEnv = {
          store,
          runId: 'crash',
          stages: stages({ stage: 'a', job: 2 }),
          filesRoot: path.join(root, 'crash'),
        };
        await createRun(
          crashing,
          { seed: 's', migrationWeek: '2026-01-19', options: {}, createdAt: AT },
          INSTALLATIONS,
        );
        await assert.rejects(runInProcess(crashing), /crash after the files/);
        const resumed: WeekEnv = { ...crashing, stages: stages() };
        await runInProcess(resumed);
        assert.deepEqual(await outcome(store, 'crash', resumed.filesRoot), want);
      } finally {
        await store.close();
        await teardown();
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  );

  if (name === 'postgres')
    test(
      'postgres: two graphile-worker workers share a run and end as one process does',
      { skip },
      async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-gw-'));
        const o = opts();
        const gwSchema = `${String(o.pgSchema)}_gw`;
        const q = { connectionString: PG_URL, schema: gwSchema, concurrency: 2, pollInterval: 100 };
        await prepareQueue(q);
        const a = await openStore(o);
        const b = await openStore(o);
        try {
          const env = (store: Store, worker: string): WeekEnv => ({
            store,
            runId: 'gw',
            stages: stages(),
            filesRoot: root,
            worker,
            queue: { schema: gwSchema, task: WEEK_TASK },
          });
          await createRun(
            env(a, 'w1'),
            { seed: 's', migrationWeek: '2026-01-19', options: {}, createdAt: AT },
            INSTALLATIONS,
          );
          await Promise.all([workOnQueue(env(a, 'w1'), q), workOnQueue(env(b, 'w2'), q)]);
          const got = await outcome(a, 'gw', root);
          assert.equal(got.run, 'done');
          assert.equal(got.states.filter((s) => s.includes(':commissioned:')).length, 7);
          assert.equal(got.events.length, 4 + 7);
        } finally {
          await a.close();
          await b.close();
          const { default: pg } = await import('pg');
          const c = new pg.Client({ connectionString: PG_URL });
          await c.connect();
          await c.query(`drop schema if exists "${gwSchema}" cascade`);
          await c.end();
          await teardown();
          fs.rmSync(root, { recursive: true, force: true });
        }
      },
    );
});
