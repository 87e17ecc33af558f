// Responses to the Dormant Meter Migration Schedule (TMAD 4.32; MAM 6) and the notices sent (TMAD 4.29,
// 4.30): the DormantResponseRepository and DormantNoticeRepository ports of src/core/formats/dormant.
// Append-only; one file's rows in one transaction.
import type { Kysely, Selectable } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database, DormantNoticeTable, DormantResponseTable } from '../schema.js';
import {
  responsesInForce,
  type DormantResponseEntry,
  type DormantNoticeRepository,
  type DormantResponseRepository,
  type DormantSide,
  type StoredDormantNotice,
  type StoredDormantResponse,
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
  const notices = dormantNoticeRepository(db, c);
  const list = async (week: string): Promise<StoredDormantResponse[]> =>
    (
      await db
        .selectFrom('dormant_response')
        .selectAll()
        .where('migration_week', '=', week)
        .orderBy('id')
        .execute()
    ).map(read);
  const recordStream: DormantResponseRepository['recordStream'] = async (receipt, fill) => {
    let recorded = 0;
    let duplicate = false;
    const ROLLBACK = new Error('rollback: the response was not accepted');
    try {
      await db.transaction().execute(async (trx) => {
        const seen = await trx
          .selectFrom('dormant_response')
          .select('id')
          .where('sha256', '=', receipt.sha256)
          .limit(1)
          .executeTakeFirst();
        duplicate = seen !== undefined;
        const insert = async (entries: readonly DormantResponseEntry[]) => {
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
          recorded += entries.length;
        };
        if (!(await fill(duplicate ? undefined : insert))) throw ROLLBACK;
      });
    } catch (e) {
      if (e === ROLLBACK) return { recorded: 0, duplicate, committed: false };
      throw e;
    }
    return { recorded, duplicate, committed: true };
  };
  return {
    recordStream,
    async record(receipt, entries) {
      const r = await recordStream(receipt, async (insert) => {
        if (insert) await insert(entries);
        return true;
      });
      return { recorded: r.recorded, duplicate: r.duplicate };
    },

    async inForce(week, chf) {
      const rows = responsesInForce(
        (
          await db
            .selectFrom('dormant_response')
            .selectAll()
            .where('migration_week', '=', week)
            .where('chf_device_id', '=', chf)
            .orderBy('id')
            .execute()
        ).map(read),
        (await notices.list(week)).filter((n) => n.chfDeviceId === chf),
      );
      return rows.filter((r) => r.onTime).pop() ?? rows.pop();
    },

    async listInForce(week) {
      return responsesInForce(await list(week), await notices.list(week));
    },

    list,
  };
}

export function dormantNoticeRepository(db: Kysely<Database>, c: Codec): DormantNoticeRepository {
  const read = (r: Selectable<DormantNoticeTable>): StoredDormantNotice => ({
    id: c.readInt(r.id),
    migrationWeek: r.migration_week,
    kind: r.kind as StoredDormantNotice['kind'],
    smso: r.smso,
    chfDeviceId: r.chf_device_id,
    mpan: r.mpan,
    mprn: r.mprn,
    partySignifier: r.party_signifier,
    sides: [...r.sides] as DormantSide[],
    deemedGasSupplier: r.deemed_gas_supplier,
    groupIds: r.group_ids === null ? null : (c.readJson(r.group_ids) as string[]),
    row: c.readJson(r.row) as Record<string, string>,
    fileName: r.file_name,
    renotification: c.readBool(r.renotification),
    replaces: r.replaces,
    note: r.note,
    sentAt: c.readDate(r.sent_at),
  });
  return {
    async record(entries) {
      return db.transaction().execute(async (trx) => {
        let recorded = 0;
        for (let i = 0; i < entries.length; i += BATCH) {
          const res = await trx
            .insertInto('dormant_notice')
            .values(
              entries.slice(i, i + BATCH).map((e) => ({
                migration_week: e.migrationWeek,
                kind: e.kind,
                smso: e.smso,
                chf_device_id: e.chfDeviceId,
                mpan: e.mpan,
                mprn: e.mprn,
                party_signifier: e.partySignifier,
                sides: [...e.sides].sort().join(''),
                deemed_gas_supplier: e.deemedGasSupplier,
                group_ids: e.groupIds === null ? null : c.json(e.groupIds),
                row: c.json(e.row),
                file_name: e.fileName,
                renotification: c.bool(e.renotification),
                replaces: e.replaces,
                note: e.note,
                sent_at: c.date(e.sentAt),
              })),
            )
            // TMAD 4.29, 4.30: a supplier already sent a file for the installation, kind and week is not recorded again.
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst();
          recorded += Number(res.numInsertedOrUpdatedRows ?? 0n);
        }
        return { recorded, skipped: entries.length - recorded };
      });
    },

    async list(week) {
      return (
        await db
          .selectFrom('dormant_notice')
          .selectAll()
          .where('migration_week', '=', week)
          .orderBy('id')
          .execute()
      ).map(read);
    },
  };
}
