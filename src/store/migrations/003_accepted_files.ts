// Migration 003: the files each Authenticator accepted (TMAD 5.9, Stored Counters of 5.9.5-5.9.9).
// A row is written in the same transaction as the Stored Counter its acceptance created or set, so
// a counter is never used up without the verdict that used it: the same bytes authenticated again
// (after a crash between the commit and the printed verdict) return that verdict, "already accepted".
import { sql, type Kysely, type Migration } from 'kysely';
import { COUNTER_MAX, type StoreKind } from '../codec.js';

/** Table 10.2 file types as this migration wrote them into its CHECK (a migration keeps its own copy). */
export const FILE_TYPES_003 = ['MCF', 'MGF', 'MEF', 'MVF', 'SCF', 'COF'] as const;

export function migration003(kind: StoreKind): Migration {
  const pg = kind === 'postgres';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('accepted_file')
        .addColumn('authenticator', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) =>
          c
            .notNull()
            .check(
              pg
                ? sql`sha256 ~ '^[0-9a-f]{64}$'`
                : sql`length(sha256) = 64 and sha256 not glob '*[^0-9a-f]*'`,
            ),
        )
        .addColumn('file_type', 'text', (c) =>
          c.notNull().check(sql`file_type in (${sql.raw(FILE_TYPES_003.map((f) => `'${f}'`).join(', '))})`),
        )
        .addColumn('counter', pg ? sql`numeric(20,0)` : sql`text`, (c) =>
          c
            .notNull()
            .check(
              pg
                ? sql`counter >= 0 and counter <= ${sql.raw(COUNTER_MAX.toString())}`
                : sql`length(counter) = 20 and counter not glob '*[^0-9]*'`,
            ),
        )
        .addColumn('party_id', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text')
        .addColumn('accepted_at', pg ? sql`timestamptz` : sql`text`, (c) => c.notNull())
        .addColumn('verdict', pg ? sql`json` : sql`text`, (c) => c.notNull())
        .addPrimaryKeyConstraint('accepted_file_pk', ['authenticator', 'sha256'])
        .execute();
      await db.schema
        .createIndex('accepted_file_counter')
        .on('accepted_file')
        .columns(['authenticator', 'party_id', 'file_type', 'counter'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('accepted_file').execute();
    },
  };
}
