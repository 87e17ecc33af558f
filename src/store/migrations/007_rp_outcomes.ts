// Migration 007: the Requesting Party's records. rp_outcome: what became of every installation a run of
// `rp build-mcf` looked at (included in an MCF, held back, refused) with the clause and reason (issue #11:
// "every installation that is held back or refused gets a recorded reason"); append-only, one run id per
// run. rp_counter: the last MCF/MGF/MEF counter the Requesting Party used (TMAD 5.6: increasing).
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration007(kind: StoreKind): Migration {
  const t = columnTypes(kind);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('rp_outcome')
        .addColumn('id', t.id)
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('built_at', t.ts, (c) => c.notNull())
        .addColumn('requesting_party_id', 'text', (c) => c.notNull())
        .addColumn('migration_week', 'text', (c) => c.notNull())
        .addColumn('smso', 'text', (c) => c.notNull())
        .addColumn('chf_device_id', 'text', (c) => c.notNull())
        .addColumn('mpan', 'text')
        .addColumn('mprn', 'text')
        .addColumn('outcome', 'text', (c) =>
          c.notNull().check(sql`outcome in ('included', 'held', 'refused')`),
        )
        .addColumn('rule', 'text')
        .addColumn('reason', 'text')
        .addColumn('group_id', 'text')
        .addColumn('migrate_on', 'text')
        .addColumn('mcf_counter', t.counter)
        .addColumn('mcf_file', 'text')
        .addColumn('notes', t.json, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('rp_outcome_by_installation')
        .on('rp_outcome')
        .columns(['smso', 'chf_device_id', 'migration_week'])
        .execute();
      await db.schema.createIndex('rp_outcome_by_run').on('rp_outcome').columns(['run_id']).execute();
      await db.schema
        .createTable('rp_counter')
        .addColumn('requesting_party_id', 'text', (c) => c.notNull())
        .addColumn('file_type', 'text', (c) => c.notNull().check(sql`file_type in ('MCF', 'MGF', 'MEF')`))
        .addColumn('last_value', t.counter, (c) => c.notNull())
        .addPrimaryKeyConstraint('rp_counter_pk', ['requesting_party_id', 'file_type'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('rp_counter').execute();
      await db.schema.dropTable('rp_outcome').execute();
    },
  };
}
