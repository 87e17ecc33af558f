// The S1SP's commissioning key store (migration 013; TMAD 5.27, Appendices A-C "securely store ..."):
// each key of an installation by Device ID, Application Association and key type, SEALED (the
// repository refuses a value that is not in the sealed form of src/lib/crypto/seal.ts), with the step
// that stored it. Installation Rollback (12.10.2, 15.10.2) and 5.27(b)(iii) delete every row of the
// installation; deleting a whole S1SP Required File Set's keys is there for its discard.
import type { Kysely } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database } from '../schema.js';

/** An installation: its Migration Header and CHFIdentifier. */
export interface S1spKeyInstallation {
  requestingPartyId: string;
  mcfCounter: bigint;
  groupId: string;
  chfIdentifier: string;
}

/** Which key (never its value). `association` '' when the key has none. */
export interface S1spKeyName {
  deviceId: string;
  association: string;
  keyType: string;
}

export interface S1spKeyRow extends S1spKeyName {
  serialNumber: string | null;
  /** The sealed value (`s1seal1.…`). */
  sealed: string;
  /** The Appendix step that stored it (JSON-safe). */
  storedAt: unknown;
  invalidated: boolean;
}

export interface S1spKeyRepository {
  /** Store one sealed key (RangeError when `sealed` is not a sealed value: no plaintext at rest). */
  putKey(ref: S1spKeyInstallation, row: S1spKeyRow): Promise<void>;
  /** Every key of the installation, oldest first. */
  keys(ref: S1spKeyInstallation): Promise<S1spKeyRow[]>;
  /** Mark every key of that name but the newest as invalidated; returns how many were marked. */
  invalidateOlder(ref: S1spKeyInstallation, name: S1spKeyName): Promise<number>;
  /** TMAD 12.10.2, 15.10.2, 5.27(b)(iii): delete every key of the installation; returns the rows deleted. */
  deleteInstallationKeys(ref: S1spKeyInstallation): Promise<number>;
  /** Delete every key of an S1SP Required File Set (its Migration Header); returns the rows deleted. */
  deleteSetKeys(set: Omit<S1spKeyInstallation, 'chfIdentifier'>): Promise<number>;
  /** How many keys are stored (of one installation, or in all). */
  countKeys(ref?: S1spKeyInstallation): Promise<number>;
}

const SEALED =
  /^s1seal1\.[0-9]+\.[0-9]+\.[0-9]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

export function s1spKeyRepository(db: Kysely<Database>, c: Codec): S1spKeyRepository {
  const setCols = (s: Omit<S1spKeyInstallation, 'chfIdentifier'>) => ({
    requesting_party_id: s.requestingPartyId,
    mcf_counter: c.counter(s.mcfCounter),
    group_id: s.groupId,
  });
  const cols = (r: S1spKeyInstallation) => ({ ...setCols(r), chf_identifier: r.chfIdentifier });
  const nameCols = (r: S1spKeyInstallation, n: S1spKeyName) => ({
    ...cols(r),
    device_id: n.deviceId,
    association: n.association,
    key_type: n.keyType,
  });

  return {
    async putKey(ref, row) {
      if (!SEALED.test(row.sealed))
        throw new RangeError('TMAD 5.27: the S1SP key store takes sealed values only (s1seal1.…)');
      await db
        .insertInto('s1sp_key')
        .values({
          requesting_party_id: ref.requestingPartyId,
          mcf_counter: c.counter(ref.mcfCounter),
          group_id: ref.groupId,
          chf_identifier: ref.chfIdentifier,
          device_id: row.deviceId,
          association: row.association,
          key_type: row.keyType,
          serial_number: row.serialNumber,
          sealed: row.sealed,
          stored_at: c.json(row.storedAt ?? null),
          invalidated: c.bool(row.invalidated),
        })
        .execute();
    },
    async keys(ref) {
      const rs = await db
        .selectFrom('s1sp_key')
        .selectAll()
        .where((eb) => eb.and(cols(ref)))
        .orderBy('id', 'asc')
        .execute();
      return rs.map((r) => ({
        deviceId: r.device_id,
        association: r.association,
        keyType: r.key_type,
        serialNumber: r.serial_number,
        sealed: r.sealed,
        storedAt: c.readJson(r.stored_at),
        invalidated: c.readBool(r.invalidated),
      }));
    },
    async invalidateOlder(ref, name) {
      return db.transaction().execute(async (trx) => {
        const newest = await trx
          .selectFrom('s1sp_key')
          .select('id')
          .where((eb) => eb.and(nameCols(ref, name)))
          .orderBy('id', 'desc')
          .executeTakeFirst();
        if (!newest) return 0;
        const r = await trx
          .updateTable('s1sp_key')
          .set({ invalidated: c.bool(true) })
          .where((eb) => eb.and(nameCols(ref, name)))
          .where('id', '<', c.readInt(newest.id))
          .where('invalidated', '=', c.bool(false))
          .executeTakeFirst();
        return Number(r.numUpdatedRows);
      });
    },
    async deleteInstallationKeys(ref) {
      const r = await db
        .deleteFrom('s1sp_key')
        .where((eb) => eb.and(cols(ref)))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async deleteSetKeys(set) {
      const r = await db
        .deleteFrom('s1sp_key')
        .where((eb) => eb.and(setCols(set)))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async countKeys(ref) {
      let q = db.selectFrom('s1sp_key').select((eb) => eb.fn.countAll<string | number>().as('n'));
      if (ref) q = q.where((eb) => eb.and(cols(ref)));
      const r = await q.executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
