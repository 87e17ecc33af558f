// The reference data the DCC's Common Validation Checks (TMAD 5.10, Table 5.10) look up, as one small
// port of plain functions, and an in-memory implementation built from plain data (the JSON fixture of
// `s1mig dcc validate-mcf --reference`). A store-backed implementation adapts the reference-data
// registries to the same functions.
//
//   5.10.1  Central Products List: Device Types of the CPL entries of a Device Model
//   5.10.2  Group Device Model Combination List (its own registry: spec README decision)
//   5.10.3  SMETS1 Eligible Product Combinations: GroupIDs of the entries with a combination
//   5.10.4  Smart Metering Inventory: is a Device ID recorded
//   5.10.5–5.10.7  SMKI repository: certificate by Certificate ID, Confirm Validity at a time
//   5.10.8/11/13/16  which Supplier Party / Network Party a User ID (Entity Identifier) is allocated to
//   5.10.9/10/12/14/15/17  Registration Data: Import Supplier / Electricity Distributor of an MPAN,
//                   Gas Supplier / Gas Transporter of an MPRN, at a time and over a period
import {
  confirmValidity as confirmValidityInStore,
  findCertificate,
  type CertificateValidity,
  type ConfirmValidityOptions,
  type OrganisationCertificate,
  type TrustStore,
} from '../core/pki/index.js';
import type { CertificateId, DeviceDetail } from '../core/formats/migration-files/types.js';
import { err, ok, type Result } from '../core/result.js';

/** A Device Model (TMAD 2 DeviceDetail: manufacturer, model and firmware version). */
export type DeviceModel = Pick<DeviceDetail, 'deviceManufacturer' | 'deviceModel' | 'firmwareVersion'>;

/** One device of a SMETS1 Eligible Product Combination: its Device Model and Device Type. */
export type CombinationDevice = DeviceDetail;

/** The combination 5.10.3 looks up: the CHF, ESME and, when present, GSME and PPMID. */
export interface ProductCombination {
  chf: CombinationDevice;
  esme: CombinationDevice;
  gsme?: CombinationDevice;
  ppmid?: CombinationDevice;
}

/** Which party of a kind is registered for a meter point at a time, and whether that changes. */
export interface RegistrationLookup {
  /** The party registered at `at` (undefined: none). */
  at(mpxn: string, at: Date): string | undefined;
  /** The first instant in (from, to] at which the registered party differs from the one at `from`. */
  changeWithin(mpxn: string, from: Date, to: Date): Date | undefined;
}

/** The port of Table 5.10: every look-up the checks make, nothing else. */
export interface CommonValidationContext {
  /** 5.10.1: the Device Types of the CPL entries for this Device Model (empty: not on the CPL). */
  cplDeviceTypes(model: DeviceModel): readonly string[];
  /** 5.10.2: the Group Device Model Combination List allows this DeviceDetail for the GroupID. */
  groupAllowsDevice(groupId: string, device: DeviceDetail): boolean;
  /** 5.10.3: the GroupIDs of the SMETS1 Eligible Product Combinations entries with exactly this combination. */
  eligibleCombinationGroupIds(combination: ProductCombination): readonly string[];
  /** 5.10.4: the Device ID is already recorded for a Device in the Smart Metering Inventory. */
  inSmartMeteringInventory(deviceId: string): boolean;
  /** 5.10.5–5.10.8, 5.10.11, 5.10.13, 5.10.16: the Organisation Certificate with this Certificate ID. */
  certificate(id: CertificateId): OrganisationCertificate | undefined;
  /** 5.10.5–5.10.7: Confirm Validity of a certificate at a time (chain, dates, CRL). */
  confirmValidity(cert: OrganisationCertificate, at: Date): CertificateValidity;
  /** 5.10.8, 5.10.13: the Supplier Party a User ID is allocated to (undefined: none). */
  supplierPartyOf(userId: string): string | undefined;
  /** 5.10.11, 5.10.16: the Network Party a User ID is allocated to (undefined: none). */
  networkPartyOf(userId: string): string | undefined;
  /** 5.10.9, 5.10.10: Import Supplier of an MPAN (Registration Data). */
  importSupplier: RegistrationLookup;
  /** 5.10.12: Electricity Distributor of an MPAN. */
  electricityDistributor: RegistrationLookup;
  /** 5.10.14, 5.10.15: Gas Supplier of an MPRN. */
  gasSupplier: RegistrationLookup;
  /** 5.10.17: Gas Transporter of an MPRN. */
  gasTransporter: RegistrationLookup;
  /**
   * Optional: a context that reads the Registration Data per window of installations (not whole) needs
   * the MPANs and MPRNs of the installations about to be checked before their look-ups; the MVF writer
   * calls it once per window. A look-up of an MPxN not asked for then throws (never a silent "none").
   */
  prefetchRegistrations?(mpxns: readonly string[]): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// In-memory implementation from plain data

/** A registration period: `party` is registered from `from` (inclusive) until `to` (exclusive; open if absent). */
export interface RegistrationPeriod {
  mpxn: string;
  party: string;
  from: Date;
  to?: Date;
}

export interface CommonValidationData {
  /** Central Products List entries. */
  cpl: readonly DeviceDetail[];
  /** Group Device Model Combination List: GroupID → the DeviceDetails allowed for it. */
  groupDeviceModels: Readonly<Record<string, readonly DeviceDetail[]>>;
  /** SMETS1 Eligible Product Combinations (models, types, GroupID). */
  eligibleProductCombinations: ReadonlyArray<ProductCombination & { groupId: string }>;
  /** Device IDs recorded in the Smart Metering Inventory. */
  smartMeteringInventory: readonly string[];
  /** Organisation Certificates, CAs and CRLs (src/core/pki TrustStore). */
  trust: TrustStore;
  confirmValidityOptions?: ConfirmValidityOptions;
  /** Supplier Party → its User IDs; Network Party → its User IDs. */
  supplierParties: Readonly<Record<string, readonly string[]>>;
  networkParties: Readonly<Record<string, readonly string[]>>;
  importSuppliers: readonly RegistrationPeriod[];
  electricityDistributors: readonly RegistrationPeriod[];
  gasSuppliers: readonly RegistrationPeriod[];
  gasTransporters: readonly RegistrationPeriod[];
}

const modelKey = (m: DeviceModel): string =>
  JSON.stringify([m.deviceManufacturer, m.deviceModel, m.firmwareVersion]);
const detailKey = (d: DeviceDetail): string =>
  JSON.stringify([d.deviceManufacturer, d.deviceModel, d.firmwareVersion, d.deviceType]);
const combinationKey = (c: ProductCombination): string =>
  JSON.stringify([c.chf, c.esme, c.gsme, c.ppmid].map((d) => (d ? detailKey(d) : null)));

/** EUI-64s compare case-insensitively and with or without hyphens. */
const euiKey = (s: string): string => s.replace(/-/g, '').toUpperCase();

function registrationLookup(periods: readonly RegistrationPeriod[]): RegistrationLookup {
  const byMpxn = new Map<string, RegistrationPeriod[]>();
  for (const p of periods) {
    const list = byMpxn.get(p.mpxn) ?? [];
    list.push(p);
    byMpxn.set(p.mpxn, list);
  }
  const partyAt = (mpxn: string, t: number): string | undefined =>
    byMpxn.get(mpxn)?.find((p) => p.from.getTime() <= t && (p.to === undefined || t < p.to.getTime()))?.party;
  return {
    at: (mpxn, at) => partyAt(mpxn, at.getTime()),
    changeWithin(mpxn, from, to) {
      const now = partyAt(mpxn, from.getTime());
      // The party can only change where a period starts or ends: look at those instants in order.
      const instants = (byMpxn.get(mpxn) ?? [])
        .flatMap((p) => [p.from.getTime(), ...(p.to ? [p.to.getTime()] : [])])
        .filter((t) => t > from.getTime() && t <= to.getTime())
        .sort((a, b) => a - b);
      const t = instants.find((i) => partyAt(mpxn, i) !== now);
      return t === undefined ? undefined : new Date(t);
    },
  };
}

/** The port over plain data (tests, the CLI's reference fixture). */
export function inMemoryCommonValidationContext(data: CommonValidationData): CommonValidationContext {
  const cpl = new Map<string, string[]>();
  for (const e of data.cpl) {
    const k = modelKey(e);
    cpl.set(k, [...(cpl.get(k) ?? []), e.deviceType]);
  }
  const groups = new Map(
    Object.entries(data.groupDeviceModels).map(([g, ds]) => [g, new Set(ds.map(detailKey))]),
  );
  const epc = new Map<string, Set<string>>();
  for (const e of data.eligibleProductCombinations) {
    const k = combinationKey(e);
    epc.set(k, (epc.get(k) ?? new Set()).add(e.groupId));
  }
  const smi = new Set(data.smartMeteringInventory.map(euiKey));
  const partyIndex = (parties: Readonly<Record<string, readonly string[]>>): Map<string, string> =>
    new Map(Object.entries(parties).flatMap(([party, ids]) => ids.map((id) => [euiKey(id), party] as const)));
  const suppliers = partyIndex(data.supplierParties);
  const networks = partyIndex(data.networkParties);
  return {
    cplDeviceTypes: (m) => cpl.get(modelKey(m)) ?? [],
    groupAllowsDevice: (g, d) => groups.get(g)?.has(detailKey(d)) ?? false,
    eligibleCombinationGroupIds: (c) => [...(epc.get(combinationKey(c)) ?? [])],
    inSmartMeteringInventory: (id) => smi.has(euiKey(id)),
    certificate: (id) => findCertificate(data.trust, id.issuerName, id.serialNumber),
    confirmValidity: (cert, at) => confirmValidityInStore(cert, data.trust, at, data.confirmValidityOptions),
    supplierPartyOf: (id) => suppliers.get(euiKey(id)),
    networkPartyOf: (id) => networks.get(euiKey(id)),
    importSupplier: registrationLookup(data.importSuppliers),
    electricityDistributor: registrationLookup(data.electricityDistributors),
    gasSupplier: registrationLookup(data.gasSuppliers),
    gasTransporter: registrationLookup(data.gasTransporters),
  };
}

// ---------------------------------------------------------------------------------------------
// The JSON fixture (docs/dcc-reference-fixture.md): everything but the certificates, which come from a
// trust store directory that the caller loads (its path is the fixture's `trustStore`).

export type CommonValidationFixture = Omit<CommonValidationData, 'trust'> & { trustStore?: string };

const FIXTURE_KEYS = [
  '$comment',
  'cpl',
  'groupDeviceModels',
  'eligibleProductCombinations',
  'smartMeteringInventory',
  'supplierParties',
  'networkParties',
  'electricity',
  'gas',
  'trustStore',
  'requireCrl',
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Read the plain-data form of the port from parsed JSON. Registration Data is given per meter point as
 * `electricity: [{ mpan, importSupplier, electricityDistributor, from, to? }]` and
 * `gas: [{ mprn, gasSupplier, gasTransporter, from, to? }]`. Every problem is reported with its JSON path.
 */
export function parseCommonValidationFixture(json: unknown): Result<CommonValidationFixture, string[]> {
  const problems: string[] = [];
  if (!isObject(json)) return err(['the reference fixture must be a JSON object']);
  for (const k of Object.keys(json))
    if (!FIXTURE_KEYS.includes(k))
      problems.push(`${k}: unknown key (expected one of ${FIXTURE_KEYS.join(', ')})`);
  const arr = (key: string): unknown[] => {
    const v = json[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      problems.push(`${key}: expected an array`);
      return [];
    }
    return v;
  };
  const str = (o: Record<string, unknown>, k: string, where: string): string => {
    const v = o[k];
    if (typeof v !== 'string' || v === '') {
      problems.push(`${where}.${k}: expected a non-empty string`);
      return '';
    }
    return v;
  };
  const detail = (v: unknown, where: string): DeviceDetail => {
    if (!isObject(v)) {
      problems.push(
        `${where}: expected an object with deviceManufacturer, deviceModel, firmwareVersion, deviceType`,
      );
      return { deviceManufacturer: '', deviceModel: '', firmwareVersion: '', deviceType: '' };
    }
    return {
      deviceManufacturer: str(v, 'deviceManufacturer', where),
      deviceModel: str(v, 'deviceModel', where),
      firmwareVersion: str(v, 'firmwareVersion', where),
      deviceType: str(v, 'deviceType', where),
    };
  };
  const date = (
    o: Record<string, unknown>,
    k: string,
    where: string,
    optional: boolean,
  ): Date | undefined => {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    const d = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(v) : new Date(NaN);
    if (Number.isNaN(d.getTime())) {
      problems.push(`${where}.${k}: expected an ISO 8601 date-time such as 2026-12-01T00:00:00Z`);
      return new Date(0);
    }
    return d;
  };
  const parties = (key: string): Record<string, string[]> => {
    const v = json[key];
    if (v === undefined) return {};
    if (!isObject(v)) {
      problems.push(`${key}: expected an object of party → array of User IDs`);
      return {};
    }
    const out: Record<string, string[]> = {};
    for (const [party, ids] of Object.entries(v)) {
      if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string'))
        problems.push(`${key}.${party}: expected an array of User IDs (EUI-64 strings)`);
      else out[party] = ids;
    }
    return out;
  };

  const cpl = arr('cpl').map((e, i) => detail(e, `cpl[${i}]`));
  const groupDeviceModels: Record<string, DeviceDetail[]> = {};
  const g = json.groupDeviceModels;
  if (g !== undefined && !isObject(g))
    problems.push('groupDeviceModels: expected an object of GroupID → array');
  else if (g)
    for (const [groupId, list] of Object.entries(g)) {
      if (!Array.isArray(list)) problems.push(`groupDeviceModels.${groupId}: expected an array`);
      else groupDeviceModels[groupId] = list.map((e, i) => detail(e, `groupDeviceModels.${groupId}[${i}]`));
    }
  const eligibleProductCombinations = arr('eligibleProductCombinations').map((e, i) => {
    const where = `eligibleProductCombinations[${i}]`;
    if (!isObject(e)) {
      problems.push(`${where}: expected an object with groupId, chf, esme, gsme?, ppmid?`);
      return { groupId: '', chf: detail({}, where), esme: detail({}, where) };
    }
    return {
      groupId: str(e, 'groupId', where),
      chf: detail(e.chf, `${where}.chf`),
      esme: detail(e.esme, `${where}.esme`),
      ...(e.gsme !== undefined ? { gsme: detail(e.gsme, `${where}.gsme`) } : {}),
      ...(e.ppmid !== undefined ? { ppmid: detail(e.ppmid, `${where}.ppmid`) } : {}),
    };
  });
  const smartMeteringInventory = arr('smartMeteringInventory').filter((x, i) => {
    if (typeof x === 'string') return true;
    problems.push(`smartMeteringInventory[${i}]: expected a Device ID string`);
    return false;
  }) as string[];
  const importSuppliers: RegistrationPeriod[] = [];
  const electricityDistributors: RegistrationPeriod[] = [];
  const gasSuppliers: RegistrationPeriod[] = [];
  const gasTransporters: RegistrationPeriod[] = [];
  const periods = (
    key: 'electricity' | 'gas',
    mpxnKey: string,
    roles: ReadonlyArray<[string, RegistrationPeriod[]]>,
  ): void =>
    arr(key).forEach((e, i) => {
      const where = `${key}[${i}]`;
      if (!isObject(e)) return problems.push(`${where}: expected an object`);
      const mpxn = str(e, mpxnKey, where);
      const from = date(e, 'from', where, false)!;
      const to = date(e, 'to', where, true);
      if (to && to.getTime() <= from.getTime()) problems.push(`${where}.to: must be after from`);
      for (const [role, list] of roles) {
        if (e[role] === undefined) continue;
        const party = str(e, role, where);
        // One party per meter point and role at any instant: overlapping periods would be ambiguous.
        const end = (p: { to?: Date }): number => p.to?.getTime() ?? Infinity;
        const clash = list.find(
          (p) => p.mpxn === mpxn && p.from.getTime() < end({ to }) && from.getTime() < end(p),
        );
        if (clash)
          problems.push(
            `${where}: the ${role} period from ${from.toISOString()} overlaps another for ${mpxn} (from ${clash.from.toISOString()})`,
          );
        list.push({ mpxn, party, from, ...(to ? { to } : {}) });
      }
    });
  periods('electricity', 'mpan', [
    ['importSupplier', importSuppliers],
    ['electricityDistributor', electricityDistributors],
  ]);
  periods('gas', 'mprn', [
    ['gasSupplier', gasSuppliers],
    ['gasTransporter', gasTransporters],
  ]);
  const supplierParties = parties('supplierParties');
  const networkParties = parties('networkParties');
  const trustStore = json.trustStore;
  if (trustStore !== undefined && typeof trustStore !== 'string')
    problems.push('trustStore: expected a path (relative to the fixture file)');
  let confirmValidityOptions: ConfirmValidityOptions | undefined;
  if (json.requireCrl !== undefined) {
    if (typeof json.requireCrl !== 'boolean') problems.push('requireCrl: expected true or false');
    else confirmValidityOptions = { requireCrl: json.requireCrl };
  }
  if (problems.length) return err(problems);
  return ok({
    cpl,
    groupDeviceModels,
    eligibleProductCombinations,
    smartMeteringInventory,
    supplierParties,
    networkParties,
    importSuppliers,
    electricityDistributors,
    gasSuppliers,
    gasTransporters,
    ...(typeof trustStore === 'string' ? { trustStore } : {}),
    ...(confirmValidityOptions ? { confirmValidityOptions } : {}),
  });
}
