// Migration 013: the S1SP's commissioning key store (TMAD 5.27; Appendices A-C "securely store each key
// and its association with its 'key type', the 'name of Application Association', the Device ID" and,
// where the table says so, the serial number). s1sp_key: one row per stored key of an installation, the
// value SEALED (src/lib/crypto/seal.ts, S1MIG_KEY_PASSPHRASE; never the plaintext), with the Appendix
// step that stored it and whether a newer key replaced it (A5 ET08.5, B6 ET07.2). Rows are deleted on
// Installation Rollback (12.10.2, 15.10.2) and when 5.27(b)(iii) discards the installation.
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration013(kind: StoreKind): Migration {
  const t = columnTypes(kind);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('s1sp_key')
        .addColumn('id', t.id)
        .addColumn('requesting_party_id', 'text', (c) => c.notNull())
        .addColumn('mcf_counter', t.counter, (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('chf_identifier', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        // '' when the key has no Application Association (PrepaymentKey, SUA public keys...).
        .addColumn('association', 'text', (c) => c.notNull())
        .addColumn('key_type', 'text', (c) => c.notNull())
        .addColumn('serial_number', 'text')
        // Only the sealed form is accepted (the repository refuses anything else).
        .addColumn('sealed', 'text', (c) => c.notNull().check(sql`sealed like 's1seal1.%'`))
        .addColumn('stored_at', t.json, (c) => c.notNull())
        .addColumn('invalidated', t.bool, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('s1sp_key_installation')
        .on('s1sp_key')
        .columns(['requesting_party_id', 'mcf_counter', 'group_id', 'chf_identifier'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('s1sp_key').execute();
    },
  };
}
