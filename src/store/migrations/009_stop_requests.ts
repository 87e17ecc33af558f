// Migration 009: the Responsible Suppliers' stop requests (TMAD 4.23, 4.23A): a request not to start the
// Migration of an installation, named by its CHF Device ID, MPAN or MPRN, from the supplier's User ID,
// with the time it was received. Append-only; the Requesting Party honours each in its next MCF build
// (src/requesting-party/gates.ts stopRequestGate) until an MA of the same organisation received later
// authorises the installation again.
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration009(kind: StoreKind): Migration {
  const t = columnTypes(kind);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('stop_request')
        .addColumn('id', t.id)
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('requested_at', t.ts, (c) => c.notNull())
        .addColumn('chf_device_id', 'text')
        .addColumn('mpan', 'text')
        .addColumn('mprn', 'text')
        .addColumn('note', 'text')
        .addCheckConstraint(
          'stop_request_names_one',
          sql`(case when chf_device_id is null then 0 else 1 end) + (case when mpan is null then 0 else 1 end) + (case when mprn is null then 0 else 1 end) = 1`,
        )
        .execute();
      await db.schema
        .createIndex('stop_request_by_time')
        .on('stop_request')
        .columns(['requested_at'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('stop_request').execute();
    },
  };
}
