// The reference-data registries in the store (issue #11): one table, reference_entry, keyed by
// (registry, identity), each entry its CSV fields in column order. An import is one transaction (all or
// nothing) written in multi-row batches; without --replace an entry of the same identity is updated in
// place and new ones are appended; with --replace the registry's old entries go first. The
// ReferenceData read interface (src/core/reference) is answered from here.
import type { Kysely } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database } from '../schema.js';
import {
  REGISTRY_NAMES,
  compareGroupModelsWithEpc,
  certificateIdMatches,
  combinationMatches,
  entryOf,
  epcEntryMatches,
  groupKeyUsableAt,
  latestNotifiedAt,
  productKey,
  registeredPartyAt,
  registrationChangesWithin,
  sameDeviceModel,
  DEFAULT_SUPPLIER_CHANGE_LOOKAHEAD_DAYS,
  type ListDisagreement,
  type ReferenceData,
  type ReferenceRow,
  type RegistrationEntry,
  type RegistryEntryTypes,
  type RegistryName,
} from '../../core/reference/index.js';
import { parseCertificate } from '../../core/pki/certificate.js';
import { addToTrustStore, emptyTrustStore, parseCrl } from '../../core/pki/validity.js';

/** Rows per multi-row INSERT (5 parameters each: 5,000 per statement, under SQLite's 32,766). */
export const REFERENCE_BATCH = 1000;

export interface ReferenceImportResult {
  registry: RegistryName;
  added: number;
  updated: number;
  /** Entries removed by --replace. */
  removed: number;
  /** Entries in the registry after the import. */
  total: number;
  /** The Group Device Model Combination List and the EPC list disagree (TMAD 2): warnings, not errors. */
  warnings: ListDisagreement[];
}

export interface StoredReferenceRow extends ReferenceRow {
  seq: number;
}

export interface ReferenceRepository {
  /** Store the rows (already validated) in one transaction. */
  import(
    registry: RegistryName,
    rows: AsyncIterable<ReferenceRow> | Iterable<ReferenceRow>,
    opts?: { replace?: boolean },
  ): Promise<ReferenceImportResult>;
  /**
   * Store or update these rows (already validated) in one transaction, without the registry's total
   * or the list disagreements an import reports: for one device at a time (the DCC's Smart Metering
   * Inventory updates of TMAD 3.3, Table 8.7.1), where counting the whole registry on every update
   * made a week's commissioning quadratic.
   */
  upsert(registry: RegistryName, rows: Iterable<ReferenceRow>): Promise<{ added: number; updated: number }>;
  /** Entries per registry (every registry, 0 when empty). */
  counts(): Promise<Array<{ registry: RegistryName; entries: number }>>;
  /** Entries in import order. */
  list(registry: RegistryName, opts?: { limit?: number; offset?: number }): Promise<StoredReferenceRow[]>;
  /** Entries whose look-up key or identity is `key`, in import order. */
  show(registry: RegistryName, key: string): Promise<StoredReferenceRow[]>;
  /** Every entry's fields in import order, read in pages (an export of a million rows streams). */
  export(registry: RegistryName): AsyncGenerator<string[]>;
  /** TMAD 2: Group Device Model Combination List entries without an EPC entry, and EPC entries without a group entry. */
  disagreements(): Promise<ListDisagreement[]>;
  /** The read interface the parties use. */
  readonly data: ReferenceData;
  /** The Registration Data entries of each MPAN or MPRN ([] when none), in import order. */
  registrationsOf(mpxns: readonly string[]): Promise<Map<string, RegistrationEntry[]>>;
}

export function referenceRepository(db: Kysely<Database>, c: Codec): ReferenceRepository {
  const fieldsOf = (v: unknown): string[] => c.readJson(v) as string[];
  const toRow = (r: {
    identity: string;
    lookup_key: string;
    seq: unknown;
    fields: unknown;
  }): StoredReferenceRow => ({
    identity: r.identity,
    lookupKey: r.lookup_key,
    seq: c.readInt(r.seq),
    fields: fieldsOf(r.fields),
  });

  /** The registrations of the MPxNs last prefetched (each asked-for key, [] when none), sorted by seq. */
  let prefetched: Map<string, Array<{ seq: number; fields: unknown }>> | undefined;

  /** The registration rows of each MPxN ([] when none), in import order, read 400 MPxNs a query. */
  async function registrationRows(
    mpxns: readonly string[],
  ): Promise<Map<string, Array<{ seq: number; fields: unknown }>>> {
    const next = new Map<string, Array<{ seq: number; fields: unknown }>>();
    const keys = [...new Set(mpxns)];
    for (let i = 0; i < keys.length; i += 400) {
      const part = keys.slice(i, i + 400);
      for (const k of part) next.set(k, []);
      for (const r of await db
        .selectFrom('reference_entry')
        .select(['lookup_key', 'seq', 'fields'])
        .where('registry', '=', 'registration')
        .where('lookup_key', 'in', part)
        .execute())
        next.get(r.lookup_key)!.push({ seq: c.readInt(r.seq), fields: r.fields });
    }
    for (const rows of next.values()) rows.sort((a, b) => a.seq - b.seq);
    return next;
  }

  async function entriesByKey<K extends RegistryName>(
    registry: K,
    key: string,
  ): Promise<RegistryEntryTypes[K][]> {
    const hit = registry === 'registration' ? prefetched?.get(key) : undefined;
    if (hit) return hit.map((r) => entryOf(registry, fieldsOf(r.fields)));
    // Sorted here, not by ORDER BY seq: with it SQLite's planner walks the (registry, seq) index over the
    // whole registry instead of looking the key up (28 ms a registration look-up at 10,000 installations).
    const rows = await db
      .selectFrom('reference_entry')
      .select(['seq', 'fields'])
      .where('registry', '=', registry)
      .where('lookup_key', '=', key)
      .execute();
    return rows
      .map((r) => ({ seq: c.readInt(r.seq), fields: r.fields }))
      .sort((a, b) => a.seq - b.seq)
      .map((r) => entryOf(registry, fieldsOf(r.fields)));
  }

  async function allEntries<K extends RegistryName>(registry: K): Promise<RegistryEntryTypes[K][]> {
    const out: RegistryEntryTypes[K][] = [];
    for await (const f of exportRows(registry)) out.push(entryOf(registry, f));
    return out;
  }

  async function* exportRows(registry: RegistryName): AsyncGenerator<string[]> {
    let after = -1;
    for (;;) {
      const page = await db
        .selectFrom('reference_entry')
        .select(['seq', 'fields'])
        .where('registry', '=', registry)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(5000)
        .execute();
      for (const r of page) yield fieldsOf(r.fields);
      if (page.length < 5000) return;
      after = c.readInt(page[page.length - 1]!.seq);
    }
  }

  async function count(registry: RegistryName, trx: Kysely<Database> = db): Promise<number> {
    const r = await trx
      .selectFrom('reference_entry')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('registry', '=', registry)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  const registration = (mp: string) => entriesByKey('registration', mp);

  const data: ReferenceData = {
    async productOf(manufacturer, model, firmware) {
      return (await entriesByKey('products', productKey(manufacturer, model, firmware)))[0];
    },
    async eligibleCombinations(q) {
      return (await allEntries('epc')).filter((e) => epcEntryMatches(e, q));
    },
    async groupModelCombination(groupId, devices) {
      return (await entriesByKey('group-models', groupId)).filter((g) =>
        combinationMatches(g.devices, devices),
      );
    },
    async groupAllowsDeviceModel(groupId, slot, device) {
      return (await entriesByKey('group-models', groupId)).some((g) => {
        const listed = g.devices[slot];
        return listed !== undefined && sameDeviceModel(listed, device);
      });
    },
    async inSmartMeteringInventory(deviceId) {
      return (await entriesByKey('smi', deviceId))[0];
    },
    importSupplierAt: async (mpan, t) => registeredPartyAt(await registration(mpan), 'ImportSupplier', t),
    importSupplierChangesWithin: async (mpan, t, days = DEFAULT_SUPPLIER_CHANGE_LOOKAHEAD_DAYS) =>
      registrationChangesWithin(await registration(mpan), 'ImportSupplier', t, days),
    electricityDistributorAt: async (mpan, t) =>
      registeredPartyAt(await registration(mpan), 'ElectricityDistributor', t),
    gasSupplierAt: async (mprn, t) => registeredPartyAt(await registration(mprn), 'GasSupplier', t),
    gasSupplierChangesWithin: async (mprn, t, days = DEFAULT_SUPPLIER_CHANGE_LOOKAHEAD_DAYS) =>
      registrationChangesWithin(await registration(mprn), 'GasSupplier', t, days),
    gasTransporterAt: async (mprn, t) => registeredPartyAt(await registration(mprn), 'GasTransporter', t),
    async partyOfUserId(userId) {
      return (await entriesByKey('organisations', userId))[0];
    },
    async areAffiliates(a, b) {
      if (a === b) return true;
      const orgs = await allEntries('organisations');
      const groupOf = (p: string): Set<string> =>
        new Set(
          orgs
            .filter((o) => o.partySignifier === p && o.affiliateGroup !== null)
            .map((o) => o.affiliateGroup!),
        );
      const ga = groupOf(a);
      return [...groupOf(b)].some((g) => ga.has(g));
    },
    async certificate(id) {
      const hit = (await entriesByKey('certificates', id.serialNumber)).find(
        (e) =>
          e.kind === 'Certificate' &&
          certificateIdMatches({ serialNumber: e.serialNumber!, issuerName: e.issuerName }, id),
      );
      return hit ? parseCertificate(hit.der) : undefined;
    },
    async trustStore() {
      const trust = emptyTrustStore();
      for (const e of await allEntries('certificates')) {
        if (e.kind === 'CRL') trust.crls.push(parseCrl(e.der));
        else addToTrustStore(trust, parseCertificate(e.der));
      }
      return trust;
    },
    async latestNetworkOperatorCertificateIds(distributor, t) {
      return latestNotifiedAt(await entriesByKey('network-operator-ids', distributor), t) ?? undefined;
    },
    async groupPublicKey(keyIdentifier, t) {
      return (await entriesByKey('group-keys', keyIdentifier.toLowerCase())).find((k) =>
        groupKeyUsableAt(k, t),
      );
    },
    async prefetchRegistrations(mpxns) {
      prefetched = undefined;
      prefetched = await registrationRows(mpxns);
    },
  };

  /** One transaction: the rows stored (replacing the registry when asked); the total only when asked. */
  async function write(
    registry: RegistryName,
    rows: AsyncIterable<ReferenceRow> | Iterable<ReferenceRow>,
    opts: { replace?: boolean },
    withTotal: boolean,
  ): Promise<Omit<ReferenceImportResult, 'warnings'>> {
    prefetched = undefined; // a prefetch never outlives a change of the registrations
    return db.transaction().execute(async (trx) => {
      let removed = 0;
      if (opts.replace) {
        removed = await count(registry, trx);
        await trx.deleteFrom('reference_entry').where('registry', '=', registry).execute();
      }
      const max = await trx
        .selectFrom('reference_entry')
        .select((eb) => eb.fn.max('seq').as('m'))
        .where('registry', '=', registry)
        .executeTakeFirst();
      let seq = max?.m === null || max?.m === undefined ? 0 : c.readInt(max.m);
      let added = 0;
      let updated = 0;
      let batch: ReferenceRow[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const existing = opts.replace
          ? new Set<string>()
          : new Set(
              (
                await trx
                  .selectFrom('reference_entry')
                  .select('identity')
                  .where('registry', '=', registry)
                  .where(
                    'identity',
                    'in',
                    batch.map((r) => r.identity),
                  )
                  .execute()
              ).map((r) => r.identity),
            );
        await trx
          .insertInto('reference_entry')
          .values(
            batch.map((r) => ({
              registry,
              identity: r.identity,
              lookup_key: r.lookupKey,
              seq: existing.has(r.identity) ? 0 : ++seq,
              fields: c.json(r.fields),
            })),
          )
          .onConflict((oc) =>
            oc.columns(['registry', 'identity']).doUpdateSet((eb) => ({
              lookup_key: eb.ref('excluded.lookup_key'),
              fields: eb.ref('excluded.fields'),
            })),
          )
          .execute();
        updated += existing.size;
        added += batch.length - existing.size;
        batch = [];
      };
      for await (const r of rows) {
        batch.push(r);
        if (batch.length >= REFERENCE_BATCH) await flush();
      }
      await flush();
      return { registry, added, updated, removed, total: withTotal ? await count(registry, trx) : -1 };
    });
  }

  return {
    data,
    async registrationsOf(mpxns) {
      const rows = await registrationRows(mpxns);
      return new Map(
        [...rows].map(([k, list]) => [k, list.map((r) => entryOf('registration', fieldsOf(r.fields)))]),
      );
    },
    async import(registry, rows, opts = {}) {
      const result = await write(registry, rows, opts, true);
      const warnings = registry === 'epc' || registry === 'group-models' ? await this.disagreements() : [];
      return { ...result, warnings };
    },
    async upsert(registry, rows) {
      const { added, updated } = await write(registry, rows, {}, false);
      return { added, updated };
    },
    async counts() {
      const rows = await db
        .selectFrom('reference_entry')
        .select((eb) => ['registry', eb.fn.countAll().as('n')])
        .groupBy('registry')
        .execute();
      const by = new Map(rows.map((r) => [r.registry, Number(r.n)]));
      return REGISTRY_NAMES.map((registry) => ({ registry, entries: by.get(registry) ?? 0 }));
    },
    async list(registry, opts = {}) {
      let q = db
        .selectFrom('reference_entry')
        .select(['identity', 'lookup_key', 'seq', 'fields'])
        .where('registry', '=', registry)
        .orderBy('seq');
      // SQLite accepts OFFSET only after a LIMIT.
      if (opts.limit !== undefined || opts.offset !== undefined)
        q = q.limit(opts.limit ?? Number.MAX_SAFE_INTEGER);
      if (opts.offset !== undefined) q = q.offset(opts.offset);
      return (await q.execute()).map(toRow);
    },
    async show(registry, key) {
      const rows = await db
        .selectFrom('reference_entry')
        .select(['identity', 'lookup_key', 'seq', 'fields'])
        .where('registry', '=', registry)
        .where((eb) => eb.or([eb('lookup_key', '=', key), eb('identity', '=', key)]))
        .orderBy('seq')
        .execute();
      return rows.map(toRow);
    },
    export: exportRows,
    async disagreements() {
      const epcEntries = await allEntries('epc');
      const groups = await allEntries('group-models');
      if (epcEntries.length === 0 || groups.length === 0) return [];
      return compareGroupModelsWithEpc(groups, epcEntries);
    },
  };
}
