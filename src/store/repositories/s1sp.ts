// The S1SP's records (migration 012): S1SP Required File Sets and their 24-hour timer (TMAD 5.24), the
// files held for them, the sealed decrypted group information (5.23, deleted per 5.27 / 12.10.2), each
// installation's outcome (Table 5.25, 5.27) with the SCF that carried it (5.28), and the SCF counter
// (5.6: taken in one write transaction, never repeated).
import { sql, type Kysely } from 'kysely';
import type { Codec } from '../codec.js';
import { COUNTER_MAX } from '../codec.js';
import type { Database } from '../schema.js';
import { inWriteTransaction } from '../write-transaction.js';
import type { FailedCheck } from '../../core/formats/migration-files/types.js';

/** Names an S1SP Required File Set: its Migration Header (TMAD 12.4: "all with the same Migration Header"). */
export interface S1spSetKey {
  requestingPartyId: string;
  mcfCounter: bigint;
  groupId: string;
}

export type S1spSetState = 'collecting' | 'processed' | 'discarded';
export type S1spHeldFileType = 'MCF' | 'MVF' | 'MGF' | 'MEF';

/** What the S1SP keeps of the MCF of a set (JSON-safe: no bigint). */
export interface S1spMcfSummary {
  toBeCommissionedByDcc: boolean;
  commissioningPartyIdentifier?: string;
  /** TMAD 2 Supplier Signifier of the MCF ('' when any CriticalSupplierCertificateID is Null), or null when unknown. */
  supplierSignifier: string | null;
  /** Why the Supplier Signifier is unknown (reference data missing), when it is. */
  supplierSignifierProblem?: string;
  /** TMAD 5.28(c): the Responsible Suppliers (Party Signifiers) of the MCF's installations. */
  responsibleSuppliers: string[];
}

export interface S1spFileSet extends S1spSetKey {
  id: number;
  state: S1spSetState;
  createdAt: Date;
  /** TMAD 5.24: when the first MVF of the set was authenticated (the timer's start). */
  firstMvfAt: Date | null;
  closedAt: Date | null;
  closeReason: string | null;
  mcf: S1spMcfSummary | null;
}

export interface S1spHeldFile {
  setId: number;
  fileType: S1spHeldFileType;
  fileName: string;
  sha256: string;
  heldPath: string;
  receivedAt: Date;
  installations: number;
}

export type S1spInstallationState = 'failed' | 'viable' | 'commissioned' | 'commissioning-failed';

export interface S1spInstallationRecord {
  setId: number;
  chfIdentifier: string;
  state: S1spInstallationState;
  failedChecks: FailedCheck[];
  prepayFlag: boolean;
  /** The failure in words (rule, element, message), Critical / rollback for 5.27 outcomes. */
  detail: Record<string, unknown>;
  decidedAt: Date;
  /** The SCF that carried it (TMAD 5.28); null while unsent. */
  scfCounter: bigint | null;
  scfFile: string | null;
}

/** What a held file brings to its set, stored with it (S1spRepository.holdFile). */
export interface S1spHeldFileEffects {
  /** TMAD 5.23: the MEF's sealed decrypted group information. */
  groupInformation?: ReadonlyArray<{ chfIdentifier: string; sealed: string }>;
  /** TMAD 5.24: the MVF starts the set's timer at this time (unless it has started). */
  startTimer?: Date;
  /** The MCF's summary. */
  mcf?: S1spMcfSummary;
}

export interface S1spRepository {
  /** The set with this Migration Header, created (state 'collecting') when absent. */
  openSet(key: S1spSetKey, now: Date): Promise<S1spFileSet>;
  set(id: number): Promise<S1spFileSet | undefined>;
  findSet(key: S1spSetKey): Promise<S1spFileSet | undefined>;
  /** Newest first. */
  listSets(opts?: { state?: S1spSetState }): Promise<S1spFileSet[]>;
  /** TMAD 5.24: start the timer, unless it has started. */
  startTimer(id: number, at: Date): Promise<void>;
  setMcf(id: number, mcf: S1spMcfSummary): Promise<void>;
  /** End a collecting set; false when it was not collecting (another process ended it first). */
  closeSet(id: number, state: 'processed' | 'discarded', at: Date, reason: string): Promise<boolean>;
  /**
   * Record a held file; false when the set already holds a file of that type. What the file brings to
   * its set (the sealed group information of an MEF, 5.23; the timer an MVF starts, 5.24; the MCF's
   * summary) is stored in the same transaction: a crash leaves the file held with all of it, or none.
   */
  holdFile(file: S1spHeldFile, brings?: S1spHeldFileEffects): Promise<boolean>;
  heldFiles(setId: number): Promise<S1spHeldFile[]>;
  forgetHeldFiles(setId: number): Promise<void>;
  /** Sealed decrypted group information per installation (TMAD 5.23; src/lib/crypto/seal.ts). */
  storeGroupInformation(
    setId: number,
    rows: ReadonlyArray<{ chfIdentifier: string; sealed: string }>,
  ): Promise<void>;
  groupInformation(setId: number, chfIdentifier: string): Promise<string | undefined>;
  /** TMAD 5.27, 12.10.2: delete it (one installation, or the whole set); returns the rows deleted. */
  deleteGroupInformation(setId: number, chfIdentifier?: string): Promise<number>;
  countGroupInformation(setId?: number): Promise<number>;
  /**
   * TMAD 5.25 on a complete set, in one transaction: its outcomes recorded, the sealed plaintext of
   * those that failed deleted, the set closed as 'processed'. False (nothing written) when the set was
   * not collecting.
   */
  recordProcessed(
    id: number,
    rows: readonly S1spInstallationRecord[],
    at: Date,
    reason: string,
  ): Promise<boolean>;
  /**
   * TMAD 5.27(b)(iii), (c), 12.10.2: a commissioning outcome recorded and the installation's sealed
   * group information deleted, in one transaction (a crash never leaves the plaintext of a decided
   * installation behind).
   */
  recordCommissioningOutcome(row: S1spInstallationRecord): Promise<void>;
  /** Insert or replace outcomes (one transaction). */
  recordInstallations(rows: readonly S1spInstallationRecord[]): Promise<void>;
  /** `unsent`: decided, no SCF yet; `sent`: given to an SCF (its counter and name taken). */
  installations(
    setId: number,
    opts?: { state?: S1spInstallationState; unsent?: boolean; sent?: boolean },
  ): Promise<S1spInstallationRecord[]>;
  /**
   * TMAD 5.6, 5.28: take the S1SP's next SCF counter and give it, with the file name it makes, to these
   * outcomes, in one write transaction (the file is written after: a crash before it is written leaves
   * the counter and the name with the outcomes, and the same SCF is written again with them).
   */
  assignScf(
    reportingPartyId: string,
    setId: number,
    chfIdentifiers: readonly string[],
    nameOf: (scfCounter: bigint) => string,
  ): Promise<{ scfCounter: bigint; scfFile: string }>;
  /** TMAD 5.28: these outcomes went out in that SCF. */
  markSent(
    setId: number,
    chfIdentifiers: readonly string[],
    scfCounter: bigint,
    scfFile: string,
  ): Promise<void>;
  /** TMAD 5.6: the next SCF counter of this S1SP (1 first; at least `atLeast`). */
  nextScfCounter(reportingPartyId: string, atLeast?: bigint): Promise<bigint>;
  lastScfCounter(reportingPartyId: string): Promise<bigint | null>;
}

const BATCH = 500;

export function s1spRepository(db: Kysely<Database>, c: Codec): S1spRepository {
  type SetRow = Database['s1sp_file_set'] & { id: number };
  const toSet = (r: SetRow): S1spFileSet => ({
    id: c.readInt(r.id),
    requestingPartyId: r.requesting_party_id,
    mcfCounter: c.readCounter(r.mcf_counter),
    groupId: r.group_id,
    state: r.state as S1spSetState,
    createdAt: c.readDate(r.created_at),
    firstMvfAt: r.first_mvf_at === null ? null : c.readDate(r.first_mvf_at),
    closedAt: r.closed_at === null ? null : c.readDate(r.closed_at),
    closeReason: r.close_reason,
    mcf: r.mcf === null ? null : (c.readJson(r.mcf) as S1spMcfSummary),
  });
  const byKey = (key: S1spSetKey) =>
    db
      .selectFrom('s1sp_file_set')
      .selectAll()
      .where('requesting_party_id', '=', key.requestingPartyId)
      .where('mcf_counter', '=', c.counter(key.mcfCounter))
      .where('group_id', '=', key.groupId);
  const toInstallation = (r: Database['s1sp_installation']): S1spInstallationRecord => ({
    setId: c.readInt(r.set_id),
    chfIdentifier: r.chf_identifier,
    state: r.state as S1spInstallationState,
    failedChecks: c.readJson(r.failed_checks) as FailedCheck[],
    prepayFlag: c.readBool(r.prepay_flag),
    detail: c.readJson(r.detail) as Record<string, unknown>,
    decidedAt: c.readDate(r.decided_at),
    scfCounter: r.scf_counter === null ? null : c.readCounter(r.scf_counter),
    scfFile: r.scf_file,
  });
  const lastScf = async (trx: Kysely<Database>, id: string, lock: boolean): Promise<bigint | null> => {
    let q = trx
      .selectFrom('s1sp_counter')
      .select('last_value')
      .where('reporting_party_id', '=', id)
      .where('file_type', '=', 'SCF');
    if (lock && c.kind === 'postgres') q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? c.readCounter(r.last_value) : null;
  };

  const startTimerIn = (trx: Kysely<Database>, id: number, at: Date) =>
    trx
      .updateTable('s1sp_file_set')
      .set({ first_mvf_at: c.date(at) })
      .where('id', '=', id)
      .where('first_mvf_at', 'is', null)
      .execute();
  const setMcfIn = (trx: Kysely<Database>, id: number, mcf: S1spMcfSummary) =>
    trx
      .updateTable('s1sp_file_set')
      .set({ mcf: c.json(mcf) })
      .where('id', '=', id)
      .execute();
  const closeSetIn = async (
    trx: Kysely<Database>,
    id: number,
    state: S1spSetState,
    at: Date,
    reason: string,
  ): Promise<boolean> => {
    const r = await trx
      .updateTable('s1sp_file_set')
      .set({ state, closed_at: c.date(at), close_reason: reason })
      .where('id', '=', id)
      .where('state', '=', 'collecting')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  };
  const storeGroupInformationIn = async (
    trx: Kysely<Database>,
    setId: number,
    rows: ReadonlyArray<{ chfIdentifier: string; sealed: string }>,
  ): Promise<void> => {
    for (let i = 0; i < rows.length; i += BATCH)
      await trx
        .insertInto('s1sp_group_information')
        .values(
          rows
            .slice(i, i + BATCH)
            .map((r) => ({ set_id: setId, chf_identifier: r.chfIdentifier, sealed: r.sealed })),
        )
        .onConflict((oc) =>
          oc.columns(['set_id', 'chf_identifier']).doUpdateSet({ sealed: (eb) => eb.ref('excluded.sealed') }),
        )
        .execute();
  };
  const recordInstallationsIn = async (
    trx: Kysely<Database>,
    rows: readonly S1spInstallationRecord[],
  ): Promise<void> => {
    for (let i = 0; i < rows.length; i += BATCH)
      await trx
        .insertInto('s1sp_installation')
        .values(
          rows.slice(i, i + BATCH).map((r) => ({
            set_id: r.setId,
            chf_identifier: r.chfIdentifier,
            state: r.state,
            failed_checks: c.json(r.failedChecks),
            prepay_flag: c.bool(r.prepayFlag),
            detail: c.json(r.detail),
            decided_at: c.date(r.decidedAt),
            scf_counter: r.scfCounter === null ? null : c.counter(r.scfCounter),
            scf_file: r.scfFile,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['set_id', 'chf_identifier']).doUpdateSet({
            state: sql.ref('excluded.state'),
            failed_checks: sql.ref('excluded.failed_checks'),
            prepay_flag: sql.ref('excluded.prepay_flag'),
            detail: sql.ref('excluded.detail'),
            decided_at: sql.ref('excluded.decided_at'),
            scf_counter: sql.ref('excluded.scf_counter'),
            scf_file: sql.ref('excluded.scf_file'),
          }),
        )
        .execute();
  };
  const markSentIn = async (
    trx: Kysely<Database>,
    setId: number,
    chfs: readonly string[],
    scfCounter: bigint,
    scfFile: string,
  ): Promise<void> => {
    for (let i = 0; i < chfs.length; i += BATCH)
      await trx
        .updateTable('s1sp_installation')
        .set({ scf_counter: c.counter(scfCounter), scf_file: scfFile })
        .where('set_id', '=', setId)
        .where('chf_identifier', 'in', chfs.slice(i, i + BATCH))
        .execute();
  };
  const nextScfIn = async (trx: Kysely<Database>, id: string, atLeast: bigint): Promise<bigint> => {
    await trx
      .insertInto('s1sp_counter')
      .values({ reporting_party_id: id, file_type: 'SCF', last_value: c.counter(0n) })
      .onConflict((oc) => oc.columns(['reporting_party_id', 'file_type']).doNothing())
      .execute();
    const last = (await lastScf(trx, id, true)) ?? 0n;
    const next = last + 1n < atLeast ? atLeast : last + 1n;
    if (next > COUNTER_MAX)
      throw new RangeError(`the SCF counter of ${id} is exhausted (TMAD 5.6, Table 5.7: unsigned 64-bit)`);
    await trx
      .updateTable('s1sp_counter')
      .set({ last_value: c.counter(next) })
      .where('reporting_party_id', '=', id)
      .where('file_type', '=', 'SCF')
      .execute();
    return next;
  };

  return {
    async openSet(key, now) {
      await db
        .insertInto('s1sp_file_set')
        .values({
          requesting_party_id: key.requestingPartyId,
          mcf_counter: c.counter(key.mcfCounter),
          group_id: key.groupId,
          state: 'collecting',
          created_at: c.date(now),
          first_mvf_at: null,
          closed_at: null,
          close_reason: null,
          mcf: null,
        })
        .onConflict((oc) => oc.columns(['requesting_party_id', 'mcf_counter', 'group_id']).doNothing())
        .execute();
      return toSet((await byKey(key).executeTakeFirstOrThrow()) as SetRow);
    },
    async set(id) {
      const r = await db.selectFrom('s1sp_file_set').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toSet(r as SetRow) : undefined;
    },
    async findSet(key) {
      const r = await byKey(key).executeTakeFirst();
      return r ? toSet(r as SetRow) : undefined;
    },
    async listSets(opts = {}) {
      let q = db.selectFrom('s1sp_file_set').selectAll().orderBy('id', 'desc');
      if (opts.state) q = q.where('state', '=', opts.state);
      return (await q.execute()).map((r) => toSet(r as SetRow));
    },
    async startTimer(id, at) {
      await startTimerIn(db, id, at);
    },
    async setMcf(id, mcf) {
      await setMcfIn(db, id, mcf);
    },
    async closeSet(id, state, at, reason) {
      return closeSetIn(db, id, state, at, reason);
    },
    async holdFile(f, brings = {}) {
      return db.transaction().execute(async (trx) => {
        const r = await trx
          .insertInto('s1sp_held_file')
          .values({
            set_id: f.setId,
            file_type: f.fileType,
            file_name: f.fileName,
            sha256: f.sha256,
            held_path: f.heldPath,
            received_at: c.date(f.receivedAt),
            installations: f.installations,
          })
          .onConflict((oc) => oc.columns(['set_id', 'file_type']).doNothing())
          .executeTakeFirst();
        if (Number(r.numInsertedOrUpdatedRows ?? 0n) !== 1) return false;
        if (brings.groupInformation?.length)
          await storeGroupInformationIn(trx, f.setId, brings.groupInformation);
        if (brings.startTimer) await startTimerIn(trx, f.setId, brings.startTimer);
        if (brings.mcf) await setMcfIn(trx, f.setId, brings.mcf);
        return true;
      });
    },
    async heldFiles(setId) {
      const rs = await db
        .selectFrom('s1sp_held_file')
        .selectAll()
        .where('set_id', '=', setId)
        .orderBy('received_at')
        .execute();
      return rs.map((r) => ({
        setId: c.readInt(r.set_id),
        fileType: r.file_type as S1spHeldFileType,
        fileName: r.file_name,
        sha256: r.sha256,
        heldPath: r.held_path,
        receivedAt: c.readDate(r.received_at),
        installations: c.readInt(r.installations),
      }));
    },
    async forgetHeldFiles(setId) {
      await db.deleteFrom('s1sp_held_file').where('set_id', '=', setId).execute();
    },
    async storeGroupInformation(setId, rows) {
      if (rows.length === 0) return;
      await db.transaction().execute((trx) => storeGroupInformationIn(trx, setId, rows));
    },
    async groupInformation(setId, chf) {
      const r = await db
        .selectFrom('s1sp_group_information')
        .select('sealed')
        .where('set_id', '=', setId)
        .where('chf_identifier', '=', chf)
        .executeTakeFirst();
      return r?.sealed;
    },
    async deleteGroupInformation(setId, chf) {
      let q = db.deleteFrom('s1sp_group_information').where('set_id', '=', setId);
      if (chf !== undefined) q = q.where('chf_identifier', '=', chf);
      return Number((await q.executeTakeFirst()).numDeletedRows);
    },
    async countGroupInformation(setId) {
      let q = db.selectFrom('s1sp_group_information').select((eb) => eb.fn.countAll().as('n'));
      if (setId !== undefined) q = q.where('set_id', '=', setId);
      return c.readInt((await q.executeTakeFirstOrThrow()).n);
    },
    async recordInstallations(rows) {
      if (rows.length === 0) return;
      await db.transaction().execute((trx) => recordInstallationsIn(trx, rows));
    },
    async recordCommissioningOutcome(row) {
      await db.transaction().execute(async (trx) => {
        await recordInstallationsIn(trx, [row]);
        await trx
          .deleteFrom('s1sp_group_information')
          .where('set_id', '=', row.setId)
          .where('chf_identifier', '=', row.chfIdentifier)
          .execute();
      });
    },
    async recordProcessed(id, rows, at, reason) {
      return db.transaction().execute(async (trx) => {
        if (!(await closeSetIn(trx, id, 'processed', at, reason))) return false;
        await recordInstallationsIn(trx, rows);
        // TMAD 5.25: an installation that failed gets no further processing: its plaintext is not kept.
        const failed = rows.filter((r) => r.state === 'failed').map((r) => r.chfIdentifier);
        for (let i = 0; i < failed.length; i += BATCH)
          await trx
            .deleteFrom('s1sp_group_information')
            .where('set_id', '=', id)
            .where('chf_identifier', 'in', failed.slice(i, i + BATCH))
            .execute();
        return true;
      });
    },
    async installations(setId, opts = {}) {
      let q = db
        .selectFrom('s1sp_installation')
        .selectAll()
        .where('set_id', '=', setId)
        .orderBy('decided_at')
        .orderBy('chf_identifier');
      if (opts.state) q = q.where('state', '=', opts.state);
      if (opts.unsent) q = q.where('scf_counter', 'is', null).where('state', '!=', 'viable');
      if (opts.sent) q = q.where('scf_counter', 'is not', null);
      return (await q.execute()).map(toInstallation);
    },
    async markSent(setId, chfs, scfCounter, scfFile) {
      await db.transaction().execute((trx) => markSentIn(trx, setId, chfs, scfCounter, scfFile));
    },
    async nextScfCounter(id, atLeast = 1n) {
      return inWriteTransaction(db, c, (trx) => nextScfIn(trx, id, atLeast));
    },
    async assignScf(id, setId, chfs, nameOf) {
      return inWriteTransaction(db, c, async (trx) => {
        const scfCounter = await nextScfIn(trx, id, 1n);
        const scfFile = nameOf(scfCounter);
        await markSentIn(trx, setId, chfs, scfCounter, scfFile);
        return { scfCounter, scfFile };
      });
    },
    async lastScfCounter(id) {
      return lastScf(db, id, false);
    },
  };
}
