// Migration 005: the SMETS1 SMSO's inventory (TMAD 4.21(a)-(d), 4.24A, 4.34A, 4.44B, 5.12(c)) and its
// per-installation key material (TMAD 11), per SMSO code. Key material is stored only sealed (AES-256-GCM
// under a key derived from S1MIG_KEY_PASSPHRASE, src/lib/crypto/seal.ts): no column holds key bytes.
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration005(kind: StoreKind): Migration {
  const t = columnTypes(kind);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('smso_installation')
        .addColumn('smso', 'text', (c) => c.notNull())
        .addColumn('chf_device_id', 'text', (c) => c.notNull())
        .addColumn('mpan', 'text')
        .addColumn('mprn', 'text')
        .addColumn('last_wan_contact_at', t.ts)
        .addColumn('unsolicited_hh_data', t.bool, (c) => c.notNull())
        .addColumn('imported_at', t.ts, (c) => c.notNull())
        .addColumn('source_file', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('smso_installation_pk', ['smso', 'chf_device_id'])
        .execute();
      await db.schema
        .createTable('smso_device')
        .addColumn('smso', 'text', (c) => c.notNull())
        .addColumn('chf_device_id', 'text', (c) => c.notNull())
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('device_type', 'text', (c) =>
          c.notNull().check(sql`device_type in ('CHF', 'GPF', 'ESME', 'GSME', 'PPMID', 'IHD', 'CAD')`),
        )
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('manufacturer', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('firmware_version', 'text', (c) => c.notNull())
        .addColumn('serial_number', 'text')
        .addColumn('status', 'text', (c) => c.check(sql`status is null or status in ('Active', 'Dormant')`))
        .addColumn('han_joined_at', t.ts)
        .addPrimaryKeyConstraint('smso_device_pk', ['smso', 'device_id'])
        .execute();
      await db.schema
        .createIndex('smso_device_installation')
        .on('smso_device')
        .columns(['smso', 'chf_device_id', 'ordinal'])
        .execute();
      await db.schema
        .createTable('smso_key_material')
        .addColumn('smso', 'text', (c) => c.notNull())
        .addColumn('chf_device_id', 'text', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull().check(sql`sealed like 's1seal1.%'`))
        .addColumn('stored_at', t.ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('smso_key_material_pk', ['smso', 'chf_device_id'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('smso_key_material').execute();
      await db.schema.dropTable('smso_device').execute();
      await db.schema.dropTable('smso_installation').execute();
    },
  };
}
