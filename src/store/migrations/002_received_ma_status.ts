// Migration 002: a received MA (MAM 7.2) is stored in short write transactions (so that a long MA does
// not hold SQLite's database-wide write lock and stop the intake of migration files, TMAD 5.9). Its
// header is written first with status 'storing' and flipped to 'complete' after the last row: readers
// only ever see complete receipts, and an incomplete one (a crash mid-way: its heartbeat_at stopped
// moving) is replaced on retry.
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';

export function migration002(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('received_ma')
        .addColumn('status', 'text', (c) =>
          c
            .notNull()
            .defaultTo('complete')
            .check(sql`status in ('storing', 'complete')`),
        )
        .execute();
      await db.schema
        .alterTable('received_ma')
        .addColumn('heartbeat_at', kind === 'postgres' ? sql`timestamptz` : sql`text`)
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('received_ma').dropColumn('heartbeat_at').execute();
      await db.schema.alterTable('received_ma').dropColumn('status').execute();
    },
  };
}
