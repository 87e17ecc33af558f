// Migration 008: the Responsible Suppliers' responses to the Dormant Meter Migration Schedule (TMAD
// 4.32; MAM 6): per installation the priority flag and the Certificate IDs given, for the Requesting
// Party's TMAD 4.32A gate. Append-only: a later response adds rows and never overwrites accepted ones.
import { type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration008(kind: StoreKind): Migration {
  const t = columnTypes(kind);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('dormant_response')
        .addColumn('id', t.id)
        .addColumn('migration_week', 'text', (c) => c.notNull())
        .addColumn('party_signifier', 'text', (c) => c.notNull())
        .addColumn('chf_device_id', 'text', (c) => c.notNull())
        .addColumn('mpan', 'text')
        .addColumn('mprn', 'text')
        .addColumn('priority', t.bool, (c) => c.notNull())
        .addColumn('certificates', t.json, (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('received_at', t.ts, (c) => c.notNull())
        .addColumn('on_time', t.bool, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('dormant_response_by_installation')
        .on('dormant_response')
        .columns(['migration_week', 'chf_device_id'])
        .execute();
      await db.schema
        .createIndex('dormant_response_by_file')
        .on('dormant_response')
        .columns(['sha256'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('dormant_response').execute();
    },
  };
}
