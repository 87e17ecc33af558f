// Migration 011: the DCO's records (TMAD 5.15-5.21, 5.27, 12.10.1; docs/DCO.md).
// dco_file_set: one DCO Required File Set (TMAD 12.5, 13.7, 14.6, 15.5, 16.5) per Migration Header
// (RequestingPartyID, MCFCounter, GroupID): when each of its three files was received, the timers'
// start times (5.16, 5.17, 5.18) and whether it was discarded (with the clause).
// dco_installation: per CHFIdentifier what the MCF, MVF and MEF said (MEF ciphertext only), the DCO's
// checks (5.19(c)), whether it is a DCO Viable Installation, and its requests, commissioning
// notification (5.20(b)) and removal (rollback 12.10.1, discard, 5.17).
// dco_key: decrypted key material per installation, sealed (src/lib/crypto/seal.ts); deleted when the
// TMAD says. dco_secret: the DCO's own keys (ET02 secret key, package-signing key), sealed.
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from '../codec.js';
import { columnTypes } from './column-types.js';

export function migration011(kind: StoreKind): Migration {
  const pg = kind === 'postgres';
  const t = columnTypes(kind);
  const SET = ['requesting_party_id', 'mcf_counter', 'group_id'] as const;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('dco_file_set')
        .addColumn('requesting_party_id', 'text', (c) => c.notNull())
        .addColumn('mcf_counter', t.counter, (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'complete', 'discarded')`))
        .addColumn('mcf_file', 'text')
        .addColumn('mcf_received_at', t.ts)
        .addColumn('mvf_file', 'text')
        .addColumn('mvf_received_at', t.ts)
        .addColumn('mef_file', 'text')
        .addColumn('mef_received_at', t.ts)
        .addColumn('completed_at', t.ts)
        .addColumn('first_request_at', t.ts)
        .addColumn('unrequested_expired_at', t.ts)
        .addColumn('discarded_at', t.ts)
        .addColumn('discard_clause', 'text')
        .addColumn('discard_reason', 'text')
        .addPrimaryKeyConstraint('dco_file_set_pk', [...SET])
        .execute();
      await db.schema
        .createTable('dco_installation')
        .addColumn('requesting_party_id', 'text', (c) => c.notNull())
        .addColumn('mcf_counter', t.counter, (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('chf_identifier', 'text', (c) => c.notNull())
        .addColumn('mcf', t.json)
        .addColumn('mvf', t.json)
        .addColumn('mef', t.json)
        .addColumn('dco_failures', t.json)
        .addColumn('viable', t.bool, (c) => c.notNull().defaultTo(pg ? sql`false` : sql`0`))
        .addColumn('requested_at', t.ts)
        .addColumn('commissioned_at', t.ts)
        .addColumn('removed_at', t.ts)
        .addColumn('removed_clause', 'text')
        .addPrimaryKeyConstraint('dco_installation_pk', [...SET, 'chf_identifier'])
        .execute();
      await db.schema
        .createTable('dco_key')
        .addColumn('requesting_party_id', 'text', (c) => c.notNull())
        .addColumn('mcf_counter', t.counter, (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('chf_identifier', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dco_key_pk', [...SET, 'chf_identifier', 'name'])
        .execute();
      await db.schema
        .createTable('dco_secret')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', t.ts, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['dco_secret', 'dco_key', 'dco_installation', 'dco_file_set'])
        await db.schema.dropTable(table).execute();
    },
  };
}
