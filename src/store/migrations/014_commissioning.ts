// Migration 014: the Commissioning Party's records (TMAD 6.2-6.4) and what the DCC keeps beside the
// Smart Metering Inventory registry for Commissioning Requests (TMAD 8, Table 6.5).
//   cp_mcf          the Migration Common Files held (6.2: 60 days or until SCFs covered them)
//   cp_installation each installation of a held MCF and its state
//   cp_outcome      an installation's outcome waiting for (or sent in) a COF (6.3(d)(ii), 6.4)
//   cp_counter      COFCounter (Table 5.7) and Originator Counters (Table 8.7.4): strictly increasing
//   dcc_smi_link    per Device: MPxN, CHF, GPF, Notified Critical Supplier ID learnt from the requests
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration014(kind: StoreKind): Migration {
  const t = columnTypes(kind);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('cp_mcf')
        .addColumn('id', t.id)
        .addColumn('commissioning_party_id', 'text', (c) => c.notNull())
        .addColumn('requesting_party_id', 'text', (c) => c.notNull())
        .addColumn('mcf_counter', t.counter, (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('held_path', 'text', (c) => c.notNull())
        .addColumn('received_at', t.ts, (c) => c.notNull())
        .addColumn('installations', 'integer', (c) => c.notNull())
        .addColumn('discarded_at', t.ts)
        .addColumn('discard_reason', 'text')
        .execute();
      await db.schema
        .createIndex('cp_mcf_by_header')
        .on('cp_mcf')
        .columns(['commissioning_party_id', 'requesting_party_id', 'mcf_counter', 'group_id'])
        .execute();
      await db.schema
        .createTable('cp_installation')
        .addColumn('mcf_id', t.ref, (c) => c.notNull())
        .addColumn('chf_device_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) =>
          c.notNull().check(sql`state in ('awaiting-scf', 'commissioned', 'failed-in-scf', 'halted')`),
        )
        .addColumn('updated_at', t.ts)
        .addColumn('details', t.json)
        .addPrimaryKeyConstraint('cp_installation_pk', ['mcf_id', 'chf_device_id'])
        .execute();
      await db.schema
        .createTable('cp_outcome')
        .addColumn('id', t.id)
        .addColumn('mcf_id', t.ref, (c) => c.notNull())
        .addColumn('batch_key', 'text', (c) => c.notNull())
        .addColumn('scf_supplier_signifier', 'text', (c) => c.notNull())
        .addColumn('scf_reporting_party_id', 'text', (c) => c.notNull())
        .addColumn('supplier_party', 'text')
        .addColumn('chf_device_id', 'text', (c) => c.notNull())
        .addColumn('failed_checks', t.json, (c) => c.notNull())
        .addColumn('decided_at', t.ts, (c) => c.notNull())
        .addColumn('cof_file', 'text')
        .execute();
      await db.schema
        .createIndex('cp_outcome_pending')
        .on('cp_outcome')
        .columns(['cof_file', 'id'])
        .execute();
      await db.schema
        .createTable('cp_counter')
        .addColumn('commissioning_party_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('last_value', t.counter, (c) => c.notNull())
        .addPrimaryKeyConstraint('cp_counter_pk', ['commissioning_party_id', 'name'])
        .execute();
      await db.schema
        .createTable('dcc_smi_link')
        .addColumn('device_id', 'text', (c) => c.primaryKey())
        .addColumn('mpxn', 'text')
        .addColumn('chf_device_id', 'text')
        .addColumn('gpf_device_id', 'text')
        .addColumn('notified_supplier_id', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['dcc_smi_link', 'cp_counter', 'cp_outcome', 'cp_installation', 'cp_mcf'])
        await db.schema.dropTable(table).execute();
    },
  };
}
