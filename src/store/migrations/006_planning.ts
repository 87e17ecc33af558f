// Migration 006: the MCC's planning records (TMAD 4.5–4.11): Indicative Migration Forecasts and
// Daily Migration Demands received, Migration Demand Commitments and aggregate reports issued.
// Append-only: every upload is a new row, so a late or replaced file never loses an accepted one.
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration006(kind: StoreKind): Migration {
  const t = columnTypes(kind);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('planning_record')
        .addColumn('id', t.id)
        .addColumn('kind', 'text', (c) =>
          c
            .notNull()
            .check(sql`kind in ('forecast', 'demand', 'commitment', 'commitment-report', 'forecast-report')`),
        )
        .addColumn('supplier_id', 'text')
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('at', t.ts, (c) => c.notNull())
        .addColumn('on_time', t.bool, (c) => c.notNull())
        .addColumn('outcome', 'text', (c) =>
          c.notNull().check(sql`outcome in ('accepted', 'rejected', 'issued', 'deemed')`),
        )
        .addColumn('problems', t.json, (c) => c.notNull())
        .addColumn('rows', t.json, (c) => c.notNull())
        .addColumn('details', t.json, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('planning_record_by_period')
        .on('planning_record')
        .columns(['kind', 'period', 'supplier_id'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('planning_record').execute();
    },
  };
}
