// Migration 004: the reference-data registries (issue #11; TMAD 2, 3.6, 4.47, 4.48, 5.1(a), 5.2). One
// table for every registry: an entry is its CSV fields (docs/REFERENCE-DATA.md) under its identity,
// indexed by the key it is looked up by, in import order (seq), so that export writes what was imported.
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';

export function migration004(kind: StoreKind): Migration {
  const pg = kind === 'postgres';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('reference_entry')
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('identity', 'text', (c) => c.notNull())
        .addColumn('lookup_key', 'text', (c) => c.notNull())
        .addColumn('seq', pg ? 'bigint' : 'integer', (c) => c.notNull())
        .addColumn('fields', pg ? sql`json` : sql`text`, (c) => c.notNull())
        .addPrimaryKeyConstraint('reference_entry_pk', ['registry', 'identity'])
        .execute();
      await db.schema
        .createIndex('reference_entry_lookup')
        .on('reference_entry')
        .columns(['registry', 'lookup_key'])
        .execute();
      await db.schema
        .createIndex('reference_entry_seq')
        .on('reference_entry')
        .columns(['registry', 'seq'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('reference_entry').execute();
    },
  };
}
