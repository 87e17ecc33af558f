// Responses to the Dormant Meter Migration Schedule (TMAD 4.32; MAM 6): the DormantResponseRepository
// port of src/core/formats/dormant. Append-only; one file's rows in one transaction.
import type { Kysely, Selectable } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database, DormantResponseTable } from '../schema.js';
import type {
  DormantResponseRepository,
  StoredDormantResponse,
} from '../../core/formats/dormant/repository.js';

const BATCH = 500;

export function dormantResponseRepository(db: Kysely<Database>, c: Codec): DormantResponseRepository {
  const read = (r: Selectable<DormantResponseTable>): StoredDormantResponse => ({
    id: c.readInt(r.id),
    migrationWeek: r.migration_week,
    partySignifier: r.party_signifier,
    chfDeviceId: r.chf_device_id,
    mpan: r.mpan,
    mprn: r.mprn,
    priority: c.readBool(r.priority),
    certificates: c.readJson(r.certificates) as Record<string, string>,
    fileName: r.file_name,
    sha256: r.sha256,
    receivedAt: c.readDate(r.received_at),
    onTime: c.readBool(r.on_time),
  });
  return {
    async record(receipt, entries) {
      return db.transaction().execute(async (trx) => {
        const seen = await trx
          .selectFrom('dormant_response')
          .select('id')
          .where('sha256', '=', receipt.sha256)
          .limit(1)
          .executeTakeFirst();
        if (seen) return { recorded: 0, duplicate: true };
        for (let i = 0; i < entries.length; i += BATCH) {
          await trx
            .insertInto('dormant_response')
            .values(
              entries.slice(i, i + BATCH).map((e) => ({
                migration_week: e.migrationWeek,
                party_signifier: e.partySignifier,
                chf_device_id: e.chfDeviceId,
                mpan: e.mpan,
                mprn: e.mprn,
                priority: c.bool(e.priority),
                certificates: c.json(e.certificates),
                file_name: receipt.fileName,
                sha256: receipt.sha256,
                received_at: c.date(receipt.receivedAt),
                on_time: c.bool(receipt.onTime),
              })),
            )
            .execute();
        }
        return { recorded: entries.length, duplicate: false };
      });
    },

    async inForce(week, chf) {
      const rows = (
        await db
          .selectFrom('dormant_response')
          .selectAll()
          .where('migration_week', '=', week)
          .where('chf_device_id', '=', chf)
          .orderBy('id')
          .execute()
      ).map(read);
      return rows.filter((r) => r.onTime).pop() ?? rows.pop();
    },

    async list(week) {
      return (
        await db
          .selectFrom('dormant_response')
          .selectAll()
          .where('migration_week', '=', week)
          .orderBy('id')
          .execute()
      ).map(read);
    },
  };
}
