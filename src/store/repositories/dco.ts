// The DCO's records (migration 011; TMAD 5.15-5.21, 5.27, 12.10.1; docs/DCO.md): DCO Required File
// Sets, their installations and the sealed key material. The repository stores sealed strings as given:
// sealing and opening belong to the DCO (src/dco/), so that no key byte ever reaches this layer.
import type { Kysely, Selectable } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database } from '../schema.js';

const BATCH = 400;

/** The Migration Header that names a DCO Required File Set (TMAD 12.5). */
export interface DcoSetKey {
  requestingPartyId: string;
  mcfCounter: bigint;
  groupId: string;
}
export interface DcoInstallationKey extends DcoSetKey {
  chfIdentifier: string;
}

export type DcoSetFileType = 'MCF' | 'MVF' | 'MEF';
export type DcoSetState = 'open' | 'complete' | 'discarded';

export interface DcoFileSetRecord extends DcoSetKey {
  state: DcoSetState;
  files: Record<DcoSetFileType, { file: string; receivedAt: Date } | null>;
  completedAt: Date | null;
  /** TMAD 5.17: the first S1SP request for details of the MEF. */
  firstRequestAt: Date | null;
  /** TMAD 5.17: when the details of never-requested installations were discarded. */
  unrequestedExpiredAt: Date | null;
  discardedAt: Date | null;
  discardClause: string | null;
  discardReason: string | null;
}

export interface DcoInstallationRecord extends DcoInstallationKey {
  /** What the MCF said (null: not in the MCF). */
  mcf: unknown;
  /** What the MVF said (null: not in the MVF). */
  mvf: unknown;
  /** What the MEF said, ciphertext only (null: not in the MEF, or its details were discarded). */
  mef: unknown;
  /** TMAD 5.19(c): the DCO's failed checks, once the set is complete. */
  dcoFailures: Array<{ step: string; message: string }> | null;
  viable: boolean;
  requestedAt: Date | null;
  commissionedAt: Date | null;
  removedAt: Date | null;
  removedClause: string | null;
}

export interface DcoRepository {
  getSet(key: DcoSetKey): Promise<DcoFileSetRecord | undefined>;
  listSets(): Promise<DcoFileSetRecord[]>;
  /**
   * Record one received file of a set, its per-installation content and (MEF) the sealed keys, in one
   * transaction. 'duplicate' when the set already has a file of this type, 'discarded' when the set
   * was discarded (nothing is written then).
   */
  recordFile(
    key: DcoSetKey,
    fileType: DcoSetFileType,
    file: string,
    at: Date,
    installations: ReadonlyArray<{ chfIdentifier: string; data: unknown }>,
    sealedKeys?: ReadonlyArray<{ chfIdentifier: string; name: string; sealed: string }>,
  ): Promise<'recorded' | 'duplicate' | 'discarded'>;
  /** TMAD 5.19: the set is complete; each installation's checks and viability. */
  completeSet(
    key: DcoSetKey,
    at: Date,
    verdicts: ReadonlyArray<{
      chfIdentifier: string;
      viable: boolean;
      dcoFailures: Array<{ step: string; message: string }>;
    }>,
  ): Promise<void>;
  installations(key: DcoSetKey): Promise<DcoInstallationRecord[]>;
  installation(key: DcoInstallationKey): Promise<DcoInstallationRecord | undefined>;
  /** TMAD 5.17: the installation was requested; the set's first request time is set once. */
  markRequested(key: DcoInstallationKey, at: Date): Promise<void>;
  /** TMAD 5.20(b). */
  markCommissioned(key: DcoInstallationKey, at: Date): Promise<void>;
  sealedKeys(key: DcoInstallationKey): Promise<Map<string, string>>;
  /** Insert or replace sealed keys of one installation. */
  putKeys(key: DcoInstallationKey, keys: ReadonlyMap<string, string>): Promise<void>;
  /** Delete the installation's keys whose name starts with `prefix`; returns the number deleted. */
  deleteKeys(key: DcoInstallationKey, prefix: string): Promise<number>;
  /**
   * Delete every key and the MEF details of one installation, marking it removed (not viable) with
   * the clause; returns the number of keys deleted.
   */
  removeInstallation(key: DcoInstallationKey, at: Date, clause: string): Promise<number>;
  /**
   * TMAD 5.16, 5.18: discard the set: the keys and details of every installation not reported
   * commissioned (5.20(b)); returns keys deleted.
   */
  discardSet(key: DcoSetKey, at: Date, clause: string, reason: string): Promise<number>;
  /** TMAD 5.17: discard the details of the installations never requested; returns keys deleted. */
  expireUnrequested(
    key: DcoSetKey,
    at: Date,
    clause: string,
  ): Promise<{ installations: number; keys: number }>;
  /** Number of sealed keys held (all sets). */
  keyCount(): Promise<number>;
  getSecret(name: string): Promise<string | undefined>;
  /** Store the secret unless one of that name exists; returns the stored one (first writer wins). */
  putSecretIfAbsent(name: string, sealed: string, at: Date): Promise<string>;
}

const FILE_COLUMNS = {
  MCF: ['mcf_file', 'mcf_received_at'],
  MVF: ['mvf_file', 'mvf_received_at'],
  MEF: ['mef_file', 'mef_received_at'],
} as const;
const DATA_COLUMN = { MCF: 'mcf', MVF: 'mvf', MEF: 'mef' } as const;

export function dcoRepository(db: Kysely<Database>, c: Codec): DcoRepository {
  const setWhere = (key: DcoSetKey) => ({
    requesting_party_id: key.requestingPartyId,
    mcf_counter: c.counter(key.mcfCounter),
    group_id: key.groupId,
  });
  const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : c.readDate(v));

  function readSet(r: Selectable<Database['dco_file_set']>): DcoFileSetRecord {
    const f = (file: string | null, at: unknown) =>
      file === null || at === null ? null : { file, receivedAt: c.readDate(at) };
    return {
      requestingPartyId: r.requesting_party_id,
      mcfCounter: c.readCounter(r.mcf_counter),
      groupId: r.group_id,
      state: r.state as DcoSetState,
      files: {
        MCF: f(r.mcf_file, r.mcf_received_at),
        MVF: f(r.mvf_file, r.mvf_received_at),
        MEF: f(r.mef_file, r.mef_received_at),
      },
      completedAt: dateOrNull(r.completed_at),
      firstRequestAt: dateOrNull(r.first_request_at),
      unrequestedExpiredAt: dateOrNull(r.unrequested_expired_at),
      discardedAt: dateOrNull(r.discarded_at),
      discardClause: r.discard_clause,
      discardReason: r.discard_reason,
    };
  }

  function readInstallation(r: Selectable<Database['dco_installation']>): DcoInstallationRecord {
    return {
      requestingPartyId: r.requesting_party_id,
      mcfCounter: c.readCounter(r.mcf_counter),
      groupId: r.group_id,
      chfIdentifier: r.chf_identifier,
      mcf: c.readJson(r.mcf),
      mvf: c.readJson(r.mvf),
      mef: c.readJson(r.mef),
      dcoFailures: c.readJson(r.dco_failures) as DcoInstallationRecord['dcoFailures'],
      viable: c.readBool(r.viable),
      requestedAt: dateOrNull(r.requested_at),
      commissionedAt: dateOrNull(r.commissioned_at),
      removedAt: dateOrNull(r.removed_at),
      removedClause: r.removed_clause,
    };
  }

  function whereSet<Q extends { where: (...a: never[]) => Q }>(q: Q, key: DcoSetKey): Q {
    const w = setWhere(key);
    // Kysely's where overloads are awkward to type generically: the three columns of the set key.
    type W = (c: string, op: string, v: unknown) => Q;
    let out = (q.where as unknown as W).call(q, 'requesting_party_id', '=', w.requesting_party_id);
    out = (out.where as unknown as W).call(out, 'mcf_counter', '=', w.mcf_counter);
    return (out.where as unknown as W).call(out, 'group_id', '=', w.group_id);
  }

  return {
    async getSet(key) {
      const r = await whereSet(db.selectFrom('dco_file_set').selectAll(), key).executeTakeFirst();
      return r ? readSet(r) : undefined;
    },

    async listSets() {
      const rs = await db
        .selectFrom('dco_file_set')
        .selectAll()
        .orderBy('requesting_party_id')
        .orderBy('mcf_counter')
        .orderBy('group_id')
        .execute();
      return rs.map(readSet);
    },

    async recordFile(key, fileType, file, at, installations, sealedKeys = []) {
      return db.transaction().execute(async (trx) => {
        await trx
          .insertInto('dco_file_set')
          .values({ ...setWhere(key), state: 'open' })
          .onConflict((oc) => oc.columns(['requesting_party_id', 'mcf_counter', 'group_id']).doNothing())
          .execute();
        let sq = whereSet(trx.selectFrom('dco_file_set').selectAll(), key);
        if (c.kind === 'postgres') sq = sq.forUpdate();
        const set = await sq.executeTakeFirstOrThrow();
        if (set.state === 'discarded') return 'discarded';
        const [fileCol, atCol] = FILE_COLUMNS[fileType];
        if (set[fileCol] !== null) return 'duplicate';
        await whereSet(
          trx.updateTable('dco_file_set').set({ [fileCol]: file, [atCol]: c.date(at) }),
          key,
        ).execute();
        const col = DATA_COLUMN[fileType];
        for (let i = 0; i < installations.length; i += BATCH)
          await trx
            .insertInto('dco_installation')
            .values(
              installations.slice(i, i + BATCH).map((x) => ({
                ...setWhere(key),
                chf_identifier: x.chfIdentifier,
                [col]: c.json(x.data),
              })),
            )
            .onConflict((oc) =>
              oc
                .columns(['requesting_party_id', 'mcf_counter', 'group_id', 'chf_identifier'])
                .doUpdateSet((eb) => ({ [col]: eb.ref(`excluded.${col}`) })),
            )
            .execute();
        for (let i = 0; i < sealedKeys.length; i += BATCH)
          await trx
            .insertInto('dco_key')
            .values(
              sealedKeys.slice(i, i + BATCH).map((k) => ({
                ...setWhere(key),
                chf_identifier: k.chfIdentifier,
                name: k.name,
                sealed: k.sealed,
              })),
            )
            .execute();
        return 'recorded';
      });
    },

    async completeSet(key, at, verdicts) {
      await db.transaction().execute(async (trx) => {
        await whereSet(
          trx.updateTable('dco_file_set').set({ state: 'complete', completed_at: c.date(at) }),
          key,
        ).execute();
        for (const v of verdicts)
          await whereSet(
            trx
              .updateTable('dco_installation')
              .set({ viable: c.bool(v.viable), dco_failures: c.json(v.dcoFailures) }),
            key,
          )
            .where('chf_identifier', '=', v.chfIdentifier)
            .execute();
      });
    },

    async installations(key) {
      const rs = await whereSet(db.selectFrom('dco_installation').selectAll(), key)
        .orderBy('chf_identifier')
        .execute();
      return rs.map(readInstallation);
    },

    async installation(key) {
      const r = await whereSet(db.selectFrom('dco_installation').selectAll(), key)
        .where('chf_identifier', '=', key.chfIdentifier)
        .executeTakeFirst();
      return r ? readInstallation(r) : undefined;
    },

    async markRequested(key, at) {
      await db.transaction().execute(async (trx) => {
        await whereSet(trx.updateTable('dco_installation').set({ requested_at: c.date(at) }), key)
          .where('chf_identifier', '=', key.chfIdentifier)
          .where('requested_at', 'is', null)
          .execute();
        await whereSet(trx.updateTable('dco_file_set').set({ first_request_at: c.date(at) }), key)
          .where('first_request_at', 'is', null)
          .execute();
      });
    },

    async markCommissioned(key, at) {
      await whereSet(db.updateTable('dco_installation').set({ commissioned_at: c.date(at) }), key)
        .where('chf_identifier', '=', key.chfIdentifier)
        .where('commissioned_at', 'is', null)
        .execute();
    },

    async sealedKeys(key) {
      const rs = await whereSet(db.selectFrom('dco_key').select(['name', 'sealed']), key)
        .where('chf_identifier', '=', key.chfIdentifier)
        .execute();
      return new Map(rs.map((r) => [r.name, r.sealed]));
    },

    async putKeys(key, keys) {
      if (keys.size === 0) return;
      await db
        .insertInto('dco_key')
        .values(
          [...keys].map(([name, sealed]) => ({
            ...setWhere(key),
            chf_identifier: key.chfIdentifier,
            name,
            sealed,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['requesting_party_id', 'mcf_counter', 'group_id', 'chf_identifier', 'name'])
            .doUpdateSet((eb) => ({ sealed: eb.ref('excluded.sealed') })),
        )
        .execute();
    },

    async deleteKeys(key, prefix) {
      if (/[%_\\]/.test(prefix)) throw new RangeError(`key name prefix '${prefix}': no % _ or \\ in it`);
      const r = await whereSet(db.deleteFrom('dco_key'), key)
        .where('chf_identifier', '=', key.chfIdentifier)
        .where('name', 'like', `${prefix}%`)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async removeInstallation(key, at, clause) {
      return db.transaction().execute(async (trx) => {
        const r = await whereSet(trx.deleteFrom('dco_key'), key)
          .where('chf_identifier', '=', key.chfIdentifier)
          .executeTakeFirst();
        await whereSet(
          trx.updateTable('dco_installation').set({
            mef: null,
            viable: c.bool(false),
            removed_at: c.date(at),
            removed_clause: clause,
          }),
          key,
        )
          .where('chf_identifier', '=', key.chfIdentifier)
          .execute();
        return Number(r.numDeletedRows);
      });
    },

    async discardSet(key, at, clause, reason) {
      return db.transaction().execute(async (trx) => {
        // TMAD 5.20(b), 5.27(c)(i): an installation whose CHF the S1SP reported commissioned keeps
        // what the DCO needs to go on serving it; everything else of the set goes.
        const ids = (
          await whereSet(trx.selectFrom('dco_installation').select('chf_identifier'), key)
            .where('commissioned_at', 'is', null)
            .execute()
        ).map((r) => r.chf_identifier);
        let keys = 0;
        for (let i = 0; i < ids.length; i += BATCH) {
          const part = ids.slice(i, i + BATCH);
          const r = await whereSet(trx.deleteFrom('dco_key'), key)
            .where('chf_identifier', 'in', part)
            .executeTakeFirst();
          keys += Number(r.numDeletedRows);
          await whereSet(
            trx
              .updateTable('dco_installation')
              .set({ mcf: null, mvf: null, mef: null, viable: c.bool(false) }),
            key,
          )
            .where('chf_identifier', 'in', part)
            .execute();
          await whereSet(
            trx.updateTable('dco_installation').set({ removed_at: c.date(at), removed_clause: clause }),
            key,
          )
            .where('chf_identifier', 'in', part)
            .where('removed_at', 'is', null)
            .execute();
        }
        await whereSet(
          trx.updateTable('dco_file_set').set({
            state: 'discarded',
            discarded_at: c.date(at),
            discard_clause: clause,
            discard_reason: reason,
          }),
          key,
        ).execute();
        return keys;
      });
    },

    async expireUnrequested(key, at, clause) {
      return db.transaction().execute(async (trx) => {
        const ids = (
          await whereSet(trx.selectFrom('dco_installation').select('chf_identifier'), key)
            .where('requested_at', 'is', null)
            .where('removed_at', 'is', null)
            .execute()
        ).map((r) => r.chf_identifier);
        let keys = 0;
        for (let i = 0; i < ids.length; i += BATCH) {
          const part = ids.slice(i, i + BATCH);
          const r = await whereSet(trx.deleteFrom('dco_key'), key)
            .where('chf_identifier', 'in', part)
            .executeTakeFirst();
          keys += Number(r.numDeletedRows);
          await whereSet(
            trx.updateTable('dco_installation').set({
              mef: null,
              viable: c.bool(false),
              removed_at: c.date(at),
              removed_clause: clause,
            }),
            key,
          )
            .where('chf_identifier', 'in', part)
            .execute();
        }
        await whereSet(
          trx.updateTable('dco_file_set').set({ unrequested_expired_at: c.date(at) }),
          key,
        ).execute();
        return { installations: ids.length, keys };
      });
    },

    async keyCount() {
      const r = await db
        .selectFrom('dco_key')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return c.readInt(r.n);
    },

    async getSecret(name) {
      const r = await db
        .selectFrom('dco_secret')
        .select('sealed')
        .where('name', '=', name)
        .executeTakeFirst();
      return r?.sealed;
    },

    async putSecretIfAbsent(name, sealed, at) {
      await db
        .insertInto('dco_secret')
        .values({ name, sealed, created_at: c.date(at) })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const r = await db
        .selectFrom('dco_secret')
        .select('sealed')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      return r.sealed;
    },
  };
}
