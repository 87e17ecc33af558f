// Migration 010: the dormant notices sent (TMAD 4.29, 4.30; MAM 5, 6, 7.3, 7.4): per Migration Week,
// notice kind and installation, the supplier notified, for which meters, the body row, the file and
// when. A change of Responsible Supplier afterwards is found by comparing these with the Registration
// Data (`s1mig mcc dormant renotify`), and the new supplier's notice is recorded here too. A supplier
// is sent at most one file per installation, kind and week (the partial unique index). Append-only.
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration010(kind: StoreKind): Migration {
  const t = columnTypes(kind);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('dormant_notice')
        .addColumn('id', t.id)
        .addColumn('migration_week', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('firmware', 'schedule')`))
        .addColumn('smso', 'text', (c) => c.notNull())
        .addColumn('chf_device_id', 'text', (c) => c.notNull())
        .addColumn('mpan', 'text')
        .addColumn('mprn', 'text')
        .addColumn('party_signifier', 'text', (c) => c.notNull())
        .addColumn('sides', 'text', (c) => c.notNull().check(sql`sides in ('E', 'G', 'EG')`))
        .addColumn('deemed_gas_supplier', 'text')
        .addColumn('group_ids', t.json)
        .addColumn('row', t.json, (c) => c.notNull())
        .addColumn('file_name', 'text')
        .addColumn('renotification', t.bool, (c) => c.notNull())
        .addColumn('replaces', 'text')
        .addColumn('note', 'text')
        .addColumn('sent_at', t.ts, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('dormant_notice_by_week')
        .on('dormant_notice')
        .columns(['migration_week', 'chf_device_id'])
        .execute();
      // TMAD 4.29, 4.30: never the same supplier twice for the same installation, kind and week.
      await db.schema
        .createIndex('dormant_notice_once')
        .on('dormant_notice')
        .columns(['migration_week', 'kind', 'chf_device_id', 'party_signifier'])
        .unique()
        .where(sql.ref('file_name'), 'is not', null)
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('dormant_notice').execute();
    },
  };
}
