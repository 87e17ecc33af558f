// The store's reference-data registries (src/core/reference, docs/REFERENCE-DATA.md) as the port of the
// Common Validation Checks (CommonValidationContext, TMAD 5.10, Table 5.10).
//
// The checks look up reference data synchronously, once per installation and device; the registries
// live in the store. The adapter reads the registries the checks need once, into indexes keyed as the
// store keys them, and answers every look-up with the same rules the store's ReferenceData uses
// (src/core/reference/rules.ts): Registration Data periods with inclusive end days and "the period that
// started last wins", EPC entries on the Eligible list at the time of validation, a listed firmware left
// empty matching any firmware, Certificate IDs matched by serial number and issuer CN.
//
// A registry the checks need that holds no entry is refused (MissingRegistryError, naming the registry
// and the checks that need it) before any installation is checked: an empty registry would otherwise
// make every installation fail its checks (docs/SPEC-DECISIONS.md).
import {
  confirmValidity as confirmValidityInStore,
  type ConfirmValidityOptions,
  type OrganisationCertificate,
  type TrustStore,
} from '../core/pki/index.js';
import {
  COMBINATION_SLOTS,
  certificateIdMatches,
  combinationMatches,
  entryOf,
  epcEntryMatches,
  productKey,
  registeredPartyAt,
  registrationChangesWithin,
  sameDeviceModel,
  type CombinationSlot,
  type DeviceCombination,
  type EpcEntry,
  type GroupModelEntry,
  type RegistrationEntry,
  type RegistrationRole,
  type RegistryEntryTypes,
  type RegistryName,
} from '../core/reference/index.js';
import type { DeviceDetail } from '../core/formats/migration-files/types.js';
import type { ReferenceRepository } from '../store/index.js';
import type {
  CommonValidationContext,
  DeviceModel,
  ProductCombination,
  RegistrationLookup,
} from './common-validation-context.js';

const DAY_MS = 86_400_000;

/** The registries Table 5.10 reads, and the checks that read each (for the refusal's message). */
export const COMMON_VALIDATION_REGISTRIES: ReadonlyArray<{ registry: RegistryName; clause: string }> = [
  { registry: 'products', clause: 'TMAD 5.10.1 (Central Products List)' },
  { registry: 'group-models', clause: 'TMAD 5.10.2 (Group Device Model Combination List)' },
  { registry: 'epc', clause: 'TMAD 5.10.3 (SMETS1 Eligible Product Combinations)' },
  { registry: 'smi', clause: 'TMAD 5.10.4 (Smart Metering Inventory)' },
  {
    registry: 'certificates',
    clause: 'TMAD 5.10.5-5.10.8, 5.10.11, 5.10.13, 5.10.16 (Organisation Certificates, SMKI Repository)',
  },
  {
    registry: 'organisations',
    clause: 'TMAD 5.10.8, 5.10.11, 5.10.13, 5.10.16 (User IDs of Supplier and Network Parties)',
  },
  { registry: 'registration', clause: 'TMAD 5.10.9-5.10.17 (Registration Data)' },
];

/** A registry the checks need holds no entry: the checks are not run (no MVF). */
export class MissingRegistryError extends Error {
  override name = 'MissingRegistryError';
  constructor(
    readonly missing: ReadonlyArray<{ registry: RegistryName; clause: string }>,
    readonly location: string,
  ) {
    super(
      `reference data in ${location} has no ${missing
        .map((m) => `'${m.registry}' registry (needed by ${m.clause})`)
        .join(', no ')}: import it with s1mig ref import <registry> <file.csv> (docs/REFERENCE-DATA.md); ` +
        'the Common Validation Checks are not run on missing reference data (TMAD 5.10)',
    );
  }
}

export interface StoreContextOptions {
  /** The time of validation: the EPC entries on the Eligible list at this instant (TMAD 5.10.3). */
  at: Date;
  confirmValidityOptions?: ConfirmValidityOptions;
  /** For messages: where the store is. */
  location?: string;
}

async function entries<K extends RegistryName>(
  repo: ReferenceRepository,
  registry: K,
): Promise<RegistryEntryTypes[K][]> {
  const out: RegistryEntryTypes[K][] = [];
  for await (const f of repo.export(registry)) out.push(entryOf(registry, f));
  return out;
}

function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of list) {
    const k = key(t);
    const l = m.get(k);
    if (l) l.push(t);
    else m.set(k, [t]);
  }
  return m;
}

/** An MCF DeviceDetail as a reference-data Device Model. */
const modelOf = (d: DeviceModel) => ({
  manufacturer: d.deviceManufacturer,
  model: d.deviceModel,
  firmwareVersion: d.firmwareVersion,
});

/** The MCF's combination as reference-data slots; null when a device's type is not its slot's (5.10.3 types). */
function combinationOf(c: ProductCombination): DeviceCombination | null {
  const bySlot: Partial<Record<CombinationSlot, DeviceDetail>> = {
    CHF: c.chf,
    ESME: c.esme,
    ...(c.gsme ? { GSME: c.gsme } : {}),
    ...(c.ppmid ? { PPMID: c.ppmid } : {}),
  };
  const out: Partial<DeviceCombination> = {};
  for (const slot of COMBINATION_SLOTS) {
    const d = bySlot[slot];
    if (!d) continue;
    // TMAD 5.10.3 "Device Models and Device Types": an EPC slot is of its Device Type.
    if (d.deviceType !== slot) return null;
    out[slot] = modelOf(d);
  }
  return out as DeviceCombination;
}

/** EUI-64s compare case-insensitively and with or without hyphens (as the fixture form does). */
const euiKey = (s: string): string => s.replace(/-/g, '').toUpperCase();

function registrationLookup(
  byMeterPoint: () => Map<string, RegistrationEntry[]>,
  role: RegistrationRole,
): RegistrationLookup {
  const of = (mpxn: string): RegistrationEntry[] => {
    const got = byMeterPoint().get(mpxn);
    if (got) return got;
    if (mpxn === '') return []; // no Meter Point is empty (the registry's own check)
    // Only the MPxNs prefetched for this window are held: any other would be a silent "not registered".
    throw new Error(
      `internal: Registration Data of ${mpxn} was not read before its Table 5.10 look-up (prefetchRegistrations)`,
    );
  };
  return {
    at: (mpxn, at) => registeredPartyAt(of(mpxn), role, at) ?? undefined,
    changeWithin(mpxn, from, to) {
      const changes = registrationChangesWithin(
        of(mpxn),
        role,
        from,
        (to.getTime() - from.getTime()) / DAY_MS,
      );
      return changes[0]?.at;
    },
  };
}

/**
 * Read the registries Table 5.10 needs from the store and answer the port from them. Refuses
 * (MissingRegistryError) when any of them is empty.
 */
export async function storeCommonValidationContext(
  repo: ReferenceRepository,
  opts: StoreContextOptions,
): Promise<CommonValidationContext> {
  const counts = new Map((await repo.counts()).map((c) => [c.registry, c.entries]));
  const missing = COMMON_VALIDATION_REGISTRIES.filter((r) => (counts.get(r.registry) ?? 0) === 0);
  if (missing.length) throw new MissingRegistryError(missing, opts.location ?? 'the store');

  const cpl = groupBy(await entries(repo, 'products'), (e) =>
    productKey(e.manufacturer, e.model, e.firmwareVersion),
  );
  const groups = groupBy<GroupModelEntry>(await entries(repo, 'group-models'), (e) => e.groupId);
  // TMAD 5.10.3: entries of the Eligible list (not Pending) on the list at the time of validation.
  const epc = (await entries(repo, 'epc')).filter((e: EpcEntry) =>
    epcEntryMatches(e, { devices: e.devices, list: 'Eligible', at: opts.at }),
  );
  const smi = new Set((await entries(repo, 'smi')).map((e) => euiKey(e.deviceId)));
  const orgs = new Map((await entries(repo, 'organisations')).map((o) => [euiKey(o.userId), o]));
  // TMAD 5.10.9-5.10.17: the Registration Data is read per window of installations (the MVF writer asks
  // for each window's MPANs and MPRNs), not whole: it grows with the estate, the other registries do not.
  let registration = new Map<string, RegistrationEntry[]>();
  const window = (): Map<string, RegistrationEntry[]> => registration;
  const trust: TrustStore = await repo.data.trustStore();
  const certificates: OrganisationCertificate[] = [
    ...trust.certificates,
    ...trust.intermediates,
    ...trust.roots,
  ];
  const partyOf = (userId: string, role: 'SupplierParty' | 'NetworkParty'): string | undefined => {
    const o = orgs.get(euiKey(userId));
    return o && o.role === role ? o.partySignifier : undefined;
  };

  return {
    cplDeviceTypes: (m) =>
      (cpl.get(productKey(m.deviceManufacturer, m.deviceModel, m.firmwareVersion)) ?? []).map(
        (e) => e.deviceType,
      ),
    groupAllowsDevice(groupId, device) {
      const slot = device.deviceType as CombinationSlot;
      if (!(COMBINATION_SLOTS as readonly string[]).includes(slot)) return false;
      return (groups.get(groupId) ?? []).some((g) => {
        const listed = g.devices[slot];
        return listed !== undefined && sameDeviceModel(listed, modelOf(device));
      });
    },
    eligibleCombinationGroupIds(c) {
      const devices = combinationOf(c);
      if (!devices) return [];
      return [...new Set(epc.filter((e) => combinationMatches(e.devices, devices)).map((e) => e.groupId))];
    },
    inSmartMeteringInventory: (id) => smi.has(euiKey(id)),
    certificate: (id) =>
      certificates.find(
        (cert) =>
          cert.serialNumber === id.serialNumber &&
          certificateIdMatches({ serialNumber: cert.serialNumber, issuerName: cert.issuerName }, id),
      ),
    confirmValidity: (cert, at) => confirmValidityInStore(cert, trust, at, opts.confirmValidityOptions),
    supplierPartyOf: (id) => partyOf(id, 'SupplierParty'),
    networkPartyOf: (id) => partyOf(id, 'NetworkParty'),
    importSupplier: registrationLookup(window, 'ImportSupplier'),
    electricityDistributor: registrationLookup(window, 'ElectricityDistributor'),
    gasSupplier: registrationLookup(window, 'GasSupplier'),
    gasTransporter: registrationLookup(window, 'GasTransporter'),
    async prefetchRegistrations(mpxns) {
      registration = new Map();
      registration = await repo.registrationsOf(mpxns);
    },
  };
}
