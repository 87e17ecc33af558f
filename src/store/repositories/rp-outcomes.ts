// The Requesting Party's records (migration 007): per-installation outcomes of each MCF build and the
// counters it has used (TMAD 5.6). The counter is taken in one write transaction (SQLite: BEGIN
// IMMEDIATE, so two processes never take the same value; PostgreSQL: a row lock via UPDATE).
import type { Kysely } from 'kysely';
import type { Codec } from '../codec.js';
import { COUNTER_MAX } from '../codec.js';
import type { Database } from '../schema.js';
import { inWriteTransaction as writeTransaction } from '../write-transaction.js';

export type RpFileType = 'MCF' | 'MGF' | 'MEF';

export interface RpOutcomeRecord {
  runId: string;
  builtAt: Date;
  requestingPartyId: string;
  migrationWeek: string;
  smso: string;
  chfDeviceId: string;
  mpan: string | null;
  mprn: string | null;
  outcome: 'included' | 'held' | 'refused';
  rule: string | null;
  reason: string | null;
  groupId: string | null;
  migrateOn: string | null;
  mcfCounter: bigint | null;
  mcfFile: string | null;
  notes: string[];
}

export interface RpOutcomeRepository {
  /** Append the outcomes of one run (one transaction). */
  record(rows: readonly RpOutcomeRecord[]): Promise<number>;
  /** Newest run first, then in the order recorded. */
  list(opts?: {
    runId?: string;
    smso?: string;
    chfDeviceId?: string;
    migrationWeek?: string;
    limit?: number;
  }): Promise<RpOutcomeRecord[]>;
  /** TMAD 5.6: the next counter of this file type for this Requesting Party (1 first). */
  nextCounter(requestingPartyId: string, fileType: RpFileType, atLeast?: bigint): Promise<bigint>;
  /** The last counter used, or null. */
  lastCounter(requestingPartyId: string, fileType: RpFileType): Promise<bigint | null>;
}

const OUTCOME_BATCH = 500;

export function rpOutcomeRepository(db: Kysely<Database>, c: Codec): RpOutcomeRepository {
  const inWriteTransaction = <T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> =>
    writeTransaction(db, c, fn);

  async function lastCounter(trx: Kysely<Database>, rp: string, ft: RpFileType): Promise<bigint | null> {
    let q = trx
      .selectFrom('rp_counter')
      .select('last_value')
      .where('requesting_party_id', '=', rp)
      .where('file_type', '=', ft);
    if (c.kind === 'postgres') q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? c.readCounter(r.last_value) : null;
  }

  return {
    async record(rows) {
      if (rows.length === 0) return 0;
      await inWriteTransaction(async (trx) => {
        for (let i = 0; i < rows.length; i += OUTCOME_BATCH)
          await trx
            .insertInto('rp_outcome')
            .values(
              rows.slice(i, i + OUTCOME_BATCH).map((r) => ({
                run_id: r.runId,
                built_at: c.date(r.builtAt),
                requesting_party_id: r.requestingPartyId,
                migration_week: r.migrationWeek,
                smso: r.smso,
                chf_device_id: r.chfDeviceId,
                mpan: r.mpan,
                mprn: r.mprn,
                outcome: r.outcome,
                rule: r.rule,
                reason: r.reason,
                group_id: r.groupId,
                migrate_on: r.migrateOn,
                mcf_counter: r.mcfCounter === null ? null : c.counter(r.mcfCounter),
                mcf_file: r.mcfFile,
                notes: c.json(r.notes),
              })),
            )
            .execute();
      });
      return rows.length;
    },

    async list(opts = {}) {
      let q = db.selectFrom('rp_outcome').selectAll().orderBy('id', 'desc');
      if (opts.runId !== undefined) q = q.where('run_id', '=', opts.runId);
      if (opts.smso !== undefined) q = q.where('smso', '=', opts.smso);
      if (opts.chfDeviceId !== undefined) q = q.where('chf_device_id', '=', opts.chfDeviceId);
      if (opts.migrationWeek !== undefined) q = q.where('migration_week', '=', opts.migrationWeek);
      if (opts.limit !== undefined) q = q.limit(opts.limit);
      const rs = await q.execute();
      return rs.reverse().map((r) => ({
        runId: r.run_id,
        builtAt: c.readDate(r.built_at),
        requestingPartyId: r.requesting_party_id,
        migrationWeek: r.migration_week,
        smso: r.smso,
        chfDeviceId: r.chf_device_id,
        mpan: r.mpan,
        mprn: r.mprn,
        outcome: r.outcome as RpOutcomeRecord['outcome'],
        rule: r.rule,
        reason: r.reason,
        groupId: r.group_id,
        migrateOn: r.migrate_on,
        mcfCounter: r.mcf_counter === null ? null : c.readCounter(r.mcf_counter),
        mcfFile: r.mcf_file,
        notes: c.readJson(r.notes) as string[],
      }));
    },

    async nextCounter(rp, ft, atLeast = 1n) {
      return inWriteTransaction(async (trx) => {
        // The row first (a no-op when it exists), so that concurrent first callers queue on its lock.
        await trx
          .insertInto('rp_counter')
          .values({ requesting_party_id: rp, file_type: ft, last_value: c.counter(0n) })
          .onConflict((oc) => oc.columns(['requesting_party_id', 'file_type']).doNothing())
          .execute();
        const last = (await lastCounter(trx, rp, ft)) ?? 0n;
        const next = last + 1n < atLeast ? atLeast : last + 1n;
        if (next > COUNTER_MAX)
          throw new RangeError(
            `the ${ft} counter of ${rp} is exhausted (TMAD 5.6, Table 5.7: unsigned 64-bit)`,
          );
        await trx
          .updateTable('rp_counter')
          .set({ last_value: c.counter(next) })
          .where('requesting_party_id', '=', rp)
          .where('file_type', '=', ft)
          .execute();
        return next;
      });
    },

    async lastCounter(rp, ft) {
      return lastCounter(db, rp, ft);
    },
  };
}
