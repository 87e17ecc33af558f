// Migration 001: MAs received by the DCC (MAM 7.2), Table 5.7 stored counters (TMAD 5.7, Table 5.9
// steps 5.9.5-5.9.9), incidents (TMAD 5.9 / Incident Management Policy).
import { sql, type Kysely, type Migration } from 'kysely';
import { COUNTER_MAX, type StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

/**
 * The six file types of Table 10.2 (MIGRATION_FILE_TYPES, src/core/schema/model.ts) as this migration
 * wrote them into its CHECK: a migration is history and keeps its own copy (a new file type needs a
 * new migration); test/unit/store.test.ts checks that it still equals MIGRATION_FILE_TYPES.
 */
export const FILE_TYPES_001 = ['MCF', 'MGF', 'MEF', 'MVF', 'SCF', 'COF'] as const;

export function migration001(kind: StoreKind): Migration {
  const pg = kind === 'postgres';
  const t = columnTypes(kind);
  const counterCheck = pg
    ? sql`counter >= 0 and counter <= ${sql.raw(COUNTER_MAX.toString())}`
    : sql`length(counter) = 20 and counter not glob '*[^0-9]*'`;

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('received_ma')
        .addColumn('id', t.id)
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('smso_code', 'text')
        .addColumn('commissioned_by_dcc', t.bool)
        .addColumn('received_at', t.ts, (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('accepted', 'rejected')`))
        .addColumn('errors', t.json, (c) => c.notNull())
        .addColumn('warnings', t.json, (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('received_ma_user_id').on('received_ma').column('user_id').execute();

      await db.schema
        .createTable('received_ma_row')
        // No FOREIGN KEY to received_ma: rows are written only by ReceivedMaRepository.record, in the
        // header's own transaction; PostgreSQL's per-row RI trigger cost ~1.3 s per 100,000 rows.
        .addColumn('ma_id', pg ? 'bigint' : 'integer', (c) => c.notNull())
        .addColumn('line', 'integer', (c) => c.notNull())
        .addColumn('mpan', 'text')
        .addColumn('mprn', 'text')
        .addColumn('migration_week', 'text')
        .addColumn('migrate_on', 'text')
        .addColumn('priority', t.bool, (c) => c.notNull())
        .addColumn('fields', t.json, (c) => c.notNull())
        .addPrimaryKeyConstraint('received_ma_row_pk', ['ma_id', 'line'])
        .execute();

      for (const table of ['stored_counter', 'stored_counter_latest']) {
        await db.schema
          .createTable(table)
          .addColumn('authenticator', 'text', (c) => c.notNull())
          .addColumn('party_id', 'text', (c) => c.notNull())
          .addColumn('file_type', 'text', (c) =>
            c.notNull().check(sql`file_type in (${sql.raw(FILE_TYPES_001.map((f) => `'${f}'`).join(', '))})`),
          )
          .addColumn('counter', t.counter, (c) => c.notNull().check(counterCheck))
          .addColumn('stored_at', t.ts, (c) => c.notNull())
          .addPrimaryKeyConstraint(
            `${table}_pk`,
            table === 'stored_counter'
              ? ['authenticator', 'party_id', 'file_type', 'counter']
              : ['authenticator', 'party_id', 'file_type'],
          )
          .execute();
      }

      await db.schema
        .createTable('incident')
        .addColumn('id', t.id)
        .addColumn('category', 'integer', (c) => c.notNull().check(sql`category between 1 and 5`))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text')
        .addColumn('step', 'text')
        .addColumn('party', 'text', (c) => c.notNull())
        .addColumn('raised_at', t.ts, (c) => c.notNull())
        .addColumn('target_response_by', t.ts, (c) => c.notNull())
        .addColumn('target_resolution_by', t.ts, (c) => c.notNull())
        .addColumn('assignee', 'text', (c) =>
          c.check(sql`assignee is null or assignee in ('DCC', 'ResponsibleSupplier')`),
        )
        .addColumn('details', t.json, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('incident_party_raised')
        .on('incident')
        .columns(['party', 'raised_at'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        'incident',
        'stored_counter_latest',
        'stored_counter',
        'received_ma_row',
        'received_ma',
      ])
        await db.schema.dropTable(table).execute();
    },
  };
}
