// Migration 012: the S1SP's records (TMAD 5.22-5.28). s1sp_file_set: one S1SP Required File Set per
// Migration Header (RequestingPartyID, MCFCounter, GroupID; 12.4, 13.6, 14.5, 15.4, 16.4) with its
// 24-hour timer (5.24: started by the first authenticated MVF) and its end (processed or discarded).
// s1sp_held_file: the authenticated files of a set, kept until it ends. s1sp_group_information: the
// decrypted EncryptedS1SPGroupInformation per installation, SEALED (src/lib/crypto/seal.ts), deleted
// after commissioning, rollback or discard (5.27, 12.10.2). s1sp_installation: each installation's
// outcome (Table 5.25, 5.27) and the SCF that carried it (5.28). s1sp_counter: the SCF counter (5.6).
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration012(kind: StoreKind): Migration {
  const t = columnTypes(kind);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('s1sp_file_set')
        .addColumn('id', t.id)
        .addColumn('requesting_party_id', 'text', (c) => c.notNull())
        .addColumn('mcf_counter', t.counter, (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) =>
          c.notNull().check(sql`state in ('collecting', 'processed', 'discarded')`),
        )
        .addColumn('created_at', t.ts, (c) => c.notNull())
        .addColumn('first_mvf_at', t.ts)
        .addColumn('closed_at', t.ts)
        .addColumn('close_reason', 'text')
        .addColumn('mcf', t.json)
        .addUniqueConstraint('s1sp_file_set_header', ['requesting_party_id', 'mcf_counter', 'group_id'])
        .execute();
      await db.schema
        .createTable('s1sp_held_file')
        .addColumn('set_id', t.ref, (c) => c.notNull().references('s1sp_file_set.id'))
        .addColumn('file_type', 'text', (c) =>
          c.notNull().check(sql`file_type in ('MCF', 'MVF', 'MGF', 'MEF')`),
        )
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('held_path', 'text', (c) => c.notNull())
        .addColumn('received_at', t.ts, (c) => c.notNull())
        .addColumn('installations', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('s1sp_held_file_pk', ['set_id', 'file_type'])
        .execute();
      await db.schema
        .createTable('s1sp_group_information')
        .addColumn('set_id', t.ref, (c) => c.notNull().references('s1sp_file_set.id'))
        .addColumn('chf_identifier', 'text', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('s1sp_group_information_pk', ['set_id', 'chf_identifier'])
        .execute();
      await db.schema
        .createTable('s1sp_installation')
        .addColumn('set_id', t.ref, (c) => c.notNull().references('s1sp_file_set.id'))
        .addColumn('chf_identifier', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) =>
          c.notNull().check(sql`state in ('failed', 'viable', 'commissioned', 'commissioning-failed')`),
        )
        .addColumn('failed_checks', t.json, (c) => c.notNull())
        .addColumn('prepay_flag', t.bool, (c) => c.notNull())
        .addColumn('detail', t.json, (c) => c.notNull())
        .addColumn('decided_at', t.ts, (c) => c.notNull())
        .addColumn('scf_counter', t.counter)
        .addColumn('scf_file', 'text')
        .addPrimaryKeyConstraint('s1sp_installation_pk', ['set_id', 'chf_identifier'])
        .execute();
      await db.schema
        .createIndex('s1sp_installation_unsent')
        .on('s1sp_installation')
        .columns(['set_id', 'scf_counter'])
        .execute();
      await db.schema
        .createTable('s1sp_counter')
        .addColumn('reporting_party_id', 'text', (c) => c.notNull())
        .addColumn('file_type', 'text', (c) => c.notNull().check(sql`file_type in ('SCF')`))
        .addColumn('last_value', t.counter, (c) => c.notNull())
        .addPrimaryKeyConstraint('s1sp_counter_pk', ['reporting_party_id', 'file_type'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('s1sp_counter').execute();
      await db.schema.dropTable('s1sp_installation').execute();
      await db.schema.dropTable('s1sp_group_information').execute();
      await db.schema.dropTable('s1sp_held_file').execute();
      await db.schema.dropTable('s1sp_file_set').execute();
    },
  };
}
