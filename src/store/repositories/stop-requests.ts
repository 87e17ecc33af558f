// The Responsible Suppliers' stop requests (TMAD 4.23, 4.23A; migration 009): recorded by `s1mig rp stop`,
// read by `rp build-mcf` and `rp stops`. Append-only.
import type { Kysely, Selectable } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database, StopRequestTable } from '../schema.js';

export interface StopRequestInput {
  /** The requesting Responsible Supplier's DCC User ID (EUI-64). */
  userId: string;
  /** When the request was received. */
  requestedAt: Date;
  /** Exactly one of the three names the installation. */
  chfDeviceId: string | null;
  mpan: string | null;
  mprn: string | null;
  /** Free text the request gave (why), if any. */
  note: string | null;
}
export interface StoredStopRequest extends StopRequestInput {
  id: number;
}

export interface StopRequestRepository {
  /** Record one request; returns it with its id. */
  record(r: StopRequestInput): Promise<StoredStopRequest>;
  /** Every request received at or before `until` (default: all), oldest first. */
  list(opts?: { until?: Date }): Promise<StoredStopRequest[]>;
}

export function stopRequestRepository(db: Kysely<Database>, c: Codec): StopRequestRepository {
  const read = (r: Selectable<StopRequestTable>): StoredStopRequest => ({
    id: c.readInt(r.id),
    userId: r.user_id,
    requestedAt: c.readDate(r.requested_at),
    chfDeviceId: r.chf_device_id,
    mpan: r.mpan,
    mprn: r.mprn,
    note: r.note,
  });
  return {
    async record(r) {
      const names = [r.chfDeviceId, r.mpan, r.mprn].filter((x) => x !== null).length;
      if (names !== 1)
        throw new RangeError(
          `a stop request names its installation by exactly one of CHF Device ID, MPAN, MPRN (got ${names})`,
        );
      const row = await db
        .insertInto('stop_request')
        .values({
          user_id: r.userId,
          requested_at: c.date(r.requestedAt),
          chf_device_id: r.chfDeviceId,
          mpan: r.mpan,
          mprn: r.mprn,
          note: r.note,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return read(row);
    },
    async list(opts = {}) {
      let q = db.selectFrom('stop_request').selectAll();
      if (opts.until) q = q.where('requested_at', '<=', c.date(opts.until));
      return (await q.orderBy('requested_at').orderBy('id').execute()).map(read);
    },
  };
}
