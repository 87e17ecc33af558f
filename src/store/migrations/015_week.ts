// Migration 015: the durable Migration Week (issue #13, "The run"; docs/WEEK.md).
// week_run: one row per run (seed, Migration Week, options, status).
// week_installation: each installation's TMAD state in that run, the stage that last moved it, and
//   the step it failed at.
// week_event: the event log (time on the run's clock, party, GroupID, installation, outcome, file and
//   its SHA-256) the Migration Reporting Regime reports are built from; append-only.
// week_job: a batch of installations for one stage (the unit a worker claims); done exactly once.
// week_file: every file a committed job wrote (path under the run's file root, SHA-256): a re-run
//   recognises them by name and hash.
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration015(kind: StoreKind): Migration {
  const t = columnTypes(kind);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('week_run')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('seed', 'text', (c) => c.notNull())
        .addColumn('migration_week', 'text', (c) => c.notNull())
        .addColumn('options', t.json, (c) => c.notNull())
        .addColumn('stages', t.json, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'done')`))
        .addColumn('created_at', t.ts, (c) => c.notNull())
        .addColumn('finished_at', t.ts)
        .execute();
      await db.schema
        .createTable('week_installation')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('installation_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('smso', 'text', (c) => c.notNull())
        .addColumn('supplier', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('stage', 'text')
        .addColumn('failed_step', 'text')
        .addColumn('detail', t.json, (c) => c.notNull())
        .addPrimaryKeyConstraint('week_installation_pk', ['run_id', 'installation_id'])
        .execute();
      await db.schema
        .createIndex('week_installation_by_state')
        .on('week_installation')
        .columns(['run_id', 'state'])
        .execute();
      await db.schema
        .createTable('week_event')
        .addColumn('id', t.id)
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('job_id', 'bigint')
        .addColumn('at', t.ts, (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('party', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text')
        .addColumn('installation_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('step', 'text')
        .addColumn('file', 'text')
        .addColumn('sha256', 'text')
        .addColumn('detail', t.json, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('week_event_by_run').on('week_event').columns(['run_id', 'id']).execute();
      await db.schema
        .createTable('week_job')
        .addColumn('id', t.id)
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('batch_no', 'integer', (c) => c.notNull())
        .addColumn('batch_key', 'text', (c) => c.notNull())
        .addColumn('installations', t.json, (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'done')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('worker', 'text')
        .addColumn('created_at', t.ts, (c) => c.notNull())
        .addColumn('done_at', t.ts)
        .addUniqueConstraint('week_job_batch', ['run_id', 'stage', 'batch_no'])
        .execute();
      await db.schema
        .createIndex('week_job_pending')
        .on('week_job')
        .columns(['run_id', 'status', 'id'])
        .execute();
      await db.schema
        .createTable('week_file')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('job_id', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('week_file_pk', ['run_id', 'path'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of ['week_file', 'week_job', 'week_event', 'week_installation', 'week_run'])
        await db.schema.dropTable(t).execute();
    },
  };
}
