// TMAD 5.7 / Table 5.7 stored counters, checked and set by the Table 5.9 Authenticator
// (steps 5.9.5-5.9.9). Both operations are one INSERT ... ON CONFLICT ... DO UPDATE ... WHERE ...
// RETURNING statement, so they are atomic on PostgreSQL under any concurrency (the conflicting
// row is locked and the WHERE re-evaluated) and on SQLite (single writer).
import type { Kysely } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database } from '../schema.js';
import { MIGRATION_FILE_TYPES, type CounterKey, type StoredCounterRepository } from '../types.js';

const DAY_MS = 86_400_000;
export const DEFAULT_COUNTER_WINDOW_DAYS = 60; // Table 5.9: "created in the last 60 days"

function checkKey(key: CounterKey): void {
  if (!key.authenticator || !key.partyId)
    throw new TypeError('counter key needs an authenticator and a partyId');
  if (!MIGRATION_FILE_TYPES.includes(key.fileType))
    throw new TypeError(`unknown file type ${String(key.fileType)}`);
}

/** The row both tables store for one accepted counter. */
function row(key: CounterKey, counter: bigint, now: Date, c: Codec) {
  return {
    authenticator: key.authenticator,
    party_id: key.partyId,
    file_type: key.fileType,
    counter: c.counter(counter),
    stored_at: c.date(now),
  };
}

export function storedCounterRepository(db: Kysely<Database>, c: Codec): StoredCounterRepository {
  return {
    // General column. One row per (key, counter value) holding the latest time that value was
    // accepted: a value accepted again after the window moves its storedAt forward, which answers
    // every later check exactly as keeping both rows would. A stored value blocks while
    // storedAt >= now - windowDays (the boundary instant blocks; so does a storedAt after `now`).
    async acceptIfUnseen(key, counter, now, windowDays = DEFAULT_COUNTER_WINDOW_DAYS) {
      checkKey(key);
      if (!Number.isFinite(windowDays) || windowDays < 0)
        throw new RangeError(`bad windowDays ${windowDays}`);
      const cutoff = new Date(now.getTime() - windowDays * DAY_MS);
      const r = await db
        .insertInto('stored_counter')
        .values(row(key, counter, now, c))
        .onConflict((oc) =>
          oc
            .columns(['authenticator', 'party_id', 'file_type', 'counter'])
            .doUpdateSet({ stored_at: (eb) => eb.ref('excluded.stored_at') })
            .where('stored_counter.stored_at', '<', c.date(cutoff)),
        )
        .returning('counter')
        .executeTakeFirst();
      return r !== undefined;
    },

    // S1SP column: a single stored counter per key, replaced only by a strictly greater one.
    async acceptIfGreater(key, counter, now) {
      checkKey(key);
      const r = await db
        .insertInto('stored_counter_latest')
        .values(row(key, counter, now, c))
        .onConflict((oc) =>
          oc
            .columns(['authenticator', 'party_id', 'file_type'])
            .doUpdateSet({
              counter: (eb) => eb.ref('excluded.counter'),
              stored_at: (eb) => eb.ref('excluded.stored_at'),
            })
            .whereRef('stored_counter_latest.counter', '<', 'excluded.counter'),
        )
        .returning('counter')
        .executeTakeFirst();
      return r !== undefined;
    },

    async list(key) {
      checkKey(key);
      const out: Array<{ counter: bigint; storedAt: Date }> = [];
      for (const table of ['stored_counter', 'stored_counter_latest'] as const) {
        const rs = await db
          .selectFrom(table)
          .select(['counter', 'stored_at'])
          .where('authenticator', '=', key.authenticator)
          .where('party_id', '=', key.partyId)
          .where('file_type', '=', key.fileType)
          .execute();
        for (const r of rs)
          out.push({ counter: c.readCounter(r.counter), storedAt: c.readDate(r.stored_at) });
      }
      return out.sort(
        (a, b) =>
          a.storedAt.getTime() - b.storedAt.getTime() ||
          (a.counter < b.counter ? -1 : a.counter > b.counter ? 1 : 0),
      );
    },
  };
}
