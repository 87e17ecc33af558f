// The Commissioning Party's records (migration 014; port: src/core/commissioning-requests/repository.ts)
// and the DCC's Smart Metering Inventory for Commissioning Requests (the `smi` reference registry plus
// dcc_smi_link; port: src/core/commissioning-requests/inventory.ts).
import { sql, type Kysely } from 'kysely';
import type { Codec } from '../codec.js';
import { COUNTER_MAX } from '../codec.js';
import type { Database } from '../schema.js';
import type {
  CommissioningPartyRepository,
  CpInstallationState,
  CpOutcome,
  HeldMcf,
  InventoryDevice,
  SmartMeteringInventoryPort,
} from '../../core/commissioning-requests/index.js';
import type { FailedCheck } from '../../core/formats/migration-files/types.js';
import type { ReferenceRepository } from './reference.js';

const BATCH = 500;
const STATES: CpInstallationState[] = ['awaiting-scf', 'commissioned', 'failed-in-scf', 'halted'];

export function commissioningPartyRepository(db: Kysely<Database>, c: Codec): CommissioningPartyRepository {
  async function inWriteTransaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (c.kind === 'postgres') return db.transaction().execute(fn);
    return db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const out = await fn(conn);
        await sql`commit`.execute(conn);
        return out;
      } catch (err) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw err;
      }
    });
  }
  const toMcf = (r: {
    id: unknown;
    commissioning_party_id: string;
    requesting_party_id: string;
    mcf_counter: unknown;
    group_id: string;
    file_name: string;
    held_path: string;
    received_at: unknown;
    installations: unknown;
    discarded_at: unknown;
    discard_reason: string | null;
  }): HeldMcf => ({
    id: c.readInt(r.id),
    commissioningPartyId: r.commissioning_party_id,
    requestingPartyId: r.requesting_party_id,
    mcfCounter: c.readCounter(r.mcf_counter),
    groupId: r.group_id,
    fileName: r.file_name,
    heldPath: r.held_path,
    receivedAt: c.readDate(r.received_at),
    installations: c.readInt(r.installations),
    discardedAt: r.discarded_at === null ? null : c.readDate(r.discarded_at),
    discardReason: r.discard_reason,
  });
  const toOutcome = (r: {
    id: unknown;
    mcf_id: unknown;
    batch_key: string;
    scf_supplier_signifier: string;
    scf_reporting_party_id: string;
    supplier_party: string | null;
    chf_device_id: string;
    failed_checks: unknown;
    decided_at: unknown;
    cof_file: string | null;
  }): CpOutcome => ({
    id: c.readInt(r.id),
    mcfId: c.readInt(r.mcf_id),
    batchKey: r.batch_key,
    scfSupplierSignifier: r.scf_supplier_signifier,
    scfReportingPartyId: r.scf_reporting_party_id,
    supplierParty: r.supplier_party,
    chfDeviceId: r.chf_device_id,
    failedChecks: c.readJson(r.failed_checks) as FailedCheck[],
    decidedAt: c.readDate(r.decided_at),
    cofFile: r.cof_file,
  });

  return {
    async holdMcf(m, chfs) {
      return inWriteTransaction(async (trx) => {
        const r = await trx
          .insertInto('cp_mcf')
          .values({
            commissioning_party_id: m.commissioningPartyId,
            requesting_party_id: m.requestingPartyId,
            mcf_counter: c.counter(m.mcfCounter),
            group_id: m.groupId,
            file_name: m.fileName,
            held_path: m.heldPath,
            received_at: c.date(m.receivedAt),
            installations: chfs.length,
            discarded_at: null,
            discard_reason: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const id = c.readInt(r.id);
        const unique = [...new Set(chfs.map((x) => x.toUpperCase()))];
        for (let i = 0; i < unique.length; i += BATCH)
          await trx
            .insertInto('cp_installation')
            .values(
              unique.slice(i, i + BATCH).map((chf) => ({
                mcf_id: id,
                chf_device_id: chf,
                state: 'awaiting-scf',
                updated_at: c.date(m.receivedAt),
                details: null,
              })),
            )
            .execute();
        return { ...m, id, installations: chfs.length, discardedAt: null, discardReason: null };
      });
    },
    async findHeldMcf(cp, rp, counter, groupId) {
      const r = await db
        .selectFrom('cp_mcf')
        .selectAll()
        .where('commissioning_party_id', '=', cp)
        .where('requesting_party_id', '=', rp)
        .where('mcf_counter', '=', c.counter(counter))
        .where('group_id', '=', groupId)
        .where('discarded_at', 'is', null)
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return r ? toMcf(r) : undefined;
    },
    async listMcfs(opts = {}) {
      let q = db.selectFrom('cp_mcf').selectAll().orderBy('id');
      if (!opts.includeDiscarded) q = q.where('discarded_at', 'is', null);
      return (await q.execute()).map(toMcf);
    },
    async discardMcf(id, at, reason) {
      await db
        .updateTable('cp_mcf')
        .set({ discarded_at: c.date(at), discard_reason: reason })
        .where('id', '=', id)
        .where('discarded_at', 'is', null)
        .execute();
    },
    async installationStates(mcfId, chfs) {
      const out = new Map<string, CpInstallationState>();
      const ids = [...new Set(chfs.map((x) => x.toUpperCase()))];
      for (let i = 0; i < ids.length; i += BATCH) {
        const rows = await db
          .selectFrom('cp_installation')
          .select(['chf_device_id', 'state'])
          .where('mcf_id', '=', mcfId)
          .where('chf_device_id', 'in', ids.slice(i, i + BATCH))
          .execute();
        for (const r of rows) out.set(r.chf_device_id, r.state as CpInstallationState);
      }
      return out;
    },
    async setInstallationState(mcfId, chf, state, at, details) {
      await db
        .updateTable('cp_installation')
        .set({
          state,
          updated_at: c.date(at),
          details: details === undefined ? null : c.json(jsonSafe(details)),
        })
        .where('mcf_id', '=', mcfId)
        .where('chf_device_id', '=', chf.toUpperCase())
        .execute();
    },
    async installationsInState(state) {
      const rows = await db
        .selectFrom('cp_installation')
        .select(['mcf_id', 'chf_device_id', 'updated_at', 'details'])
        .where('state', '=', state)
        .orderBy('updated_at', 'asc')
        .orderBy('mcf_id', 'asc')
        .execute();
      return rows.map((r) => ({
        mcfId: c.readInt(r.mcf_id),
        chfDeviceId: r.chf_device_id,
        updatedAt: r.updated_at === null ? null : c.readDate(r.updated_at),
        details: r.details === null ? null : c.readJson(r.details),
      }));
    },
    async stateCounts(mcfId) {
      const rows = await db
        .selectFrom('cp_installation')
        .select((eb) => ['state', eb.fn.countAll().as('n')])
        .where('mcf_id', '=', mcfId)
        .groupBy('state')
        .execute();
      const out = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<CpInstallationState, number>;
      for (const r of rows) out[r.state as CpInstallationState] = Number(r.n);
      return out;
    },
    async addOutcome(o) {
      const r = await db
        .insertInto('cp_outcome')
        .values({
          mcf_id: o.mcfId,
          batch_key: o.batchKey,
          scf_supplier_signifier: o.scfSupplierSignifier,
          scf_reporting_party_id: o.scfReportingPartyId,
          supplier_party: o.supplierParty,
          chf_device_id: o.chfDeviceId,
          failed_checks: c.json(jsonSafe(o.failedChecks)),
          decided_at: c.date(o.decidedAt),
          cof_file: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return c.readInt(r.id);
    },
    async pendingOutcomes() {
      const rows = await db
        .selectFrom('cp_outcome')
        .selectAll()
        .where('cof_file', 'is', null)
        .orderBy('id')
        .execute();
      return rows.map(toOutcome);
    },
    async listOutcomes(mcfId) {
      let q = db.selectFrom('cp_outcome').selectAll().orderBy('id');
      if (mcfId !== undefined) q = q.where('mcf_id', '=', mcfId);
      return (await q.execute()).map(toOutcome);
    },
    async markOutcomesSent(ids, cofFile) {
      for (let i = 0; i < ids.length; i += BATCH)
        await db
          .updateTable('cp_outcome')
          .set({ cof_file: cofFile })
          .where('id', 'in', ids.slice(i, i + BATCH))
          .execute();
    },
    async nextCounter(cp, name) {
      return inWriteTransaction(async (trx) => {
        let q = trx
          .selectFrom('cp_counter')
          .select('last_value')
          .where('commissioning_party_id', '=', cp)
          .where('name', '=', name);
        if (c.kind === 'postgres') q = q.forUpdate();
        const r = await q.executeTakeFirst();
        const last = r ? c.readCounter(r.last_value) : 0n;
        if (last >= COUNTER_MAX) throw new RangeError(`counter ${name} of ${cp} is exhausted (2^64 - 1)`);
        const next = last + 1n;
        if (r)
          await trx
            .updateTable('cp_counter')
            .set({ last_value: c.counter(next) })
            .where('commissioning_party_id', '=', cp)
            .where('name', '=', name)
            .execute();
        else
          await trx
            .insertInto('cp_counter')
            .values({ commissioning_party_id: cp, name, last_value: c.counter(next) })
            .execute();
        return next;
      });
    },
  };
}

/** bigint → decimal text (the JSON columns hold no other non-JSON value). */
function jsonSafe(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)),
  ) as unknown;
}

/** The DCC's SMI for Commissioning Requests: the `smi` registry entry and dcc_smi_link. */
export function smartMeteringInventory(
  db: Kysely<Database>,
  reference: ReferenceRepository,
): SmartMeteringInventoryPort {
  return {
    async device(deviceId) {
      const entry = await reference.data.inSmartMeteringInventory(deviceId.toUpperCase());
      const e = entry ?? (await reference.data.inSmartMeteringInventory(deviceId));
      if (!e) return undefined;
      const link = await db
        .selectFrom('dcc_smi_link')
        .selectAll()
        .where('device_id', '=', String(e.deviceId).toUpperCase())
        .executeTakeFirst();
      return {
        deviceId: String(e.deviceId),
        deviceType: e.deviceType,
        status: e.status,
        mpxn: link?.mpxn ?? null,
        chfDeviceId: link?.chf_device_id ?? null,
        gpfDeviceId: link?.gpf_device_id ?? null,
        notifiedSupplierId: link?.notified_supplier_id ?? null,
      };
    },
    async put(d: InventoryDevice) {
      const id = d.deviceId.toUpperCase();
      await reference.upsert('smi', [{ identity: id, lookupKey: id, fields: [id, d.deviceType, d.status] }]);
      const row = {
        device_id: id,
        mpxn: d.mpxn ?? null,
        chf_device_id: d.chfDeviceId ?? null,
        gpf_device_id: d.gpfDeviceId ?? null,
        notified_supplier_id: d.notifiedSupplierId ?? null,
      };
      await db
        .insertInto('dcc_smi_link')
        .values(row)
        .onConflict((oc) =>
          oc.column('device_id').doUpdateSet({
            mpxn: row.mpxn,
            chf_device_id: row.chf_device_id,
            gpf_device_id: row.gpf_device_id,
            notified_supplier_id: row.notified_supplier_id,
          }),
        )
        .execute();
    },
  };
}
