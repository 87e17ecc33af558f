// The reference-data registries (issue #11): their CSV columns (docs/REFERENCE-DATA.md), the rule of
// each column, how a row becomes a typed entry, the identity of an entry (one entry per identity) and
// the key it is looked up by. Pure: no I/O. The store keeps each entry as its CSV fields, so export
// writes back exactly what was imported.
import { checks, parseRefDate, type Check } from './columns.js';
import type { DeviceType, GroupId } from '../ids/reference.js';
import type { Eui64 } from '../ids/eui64.js';
import { organisationalNumber } from '../ids/eui64.js';
import { checkCertificateColumns, spkiKeyIdentifier } from './certificates.js';

export const REGISTRY_NAMES = [
  'products',
  'epc',
  'group-models',
  'smi',
  'registration',
  'organisations',
  'certificates',
  'network-operator-ids',
  'group-keys',
] as const;
export type RegistryName = (typeof REGISTRY_NAMES)[number];
export const isRegistryName = (s: string): s is RegistryName =>
  (REGISTRY_NAMES as readonly string[]).includes(s);

export interface ColumnSpec {
  readonly name: string;
  /** Empty allowed? */
  readonly optional?: boolean;
  readonly check?: Check;
  /** The clause behind the column's rule. */
  readonly rule: string;
}

/** A problem with one row found after its columns each passed: names the column and what was expected. */
export interface RowProblem {
  field: string | null;
  rule: string;
  message: string;
}

export interface RegistryDefinition<T> {
  readonly name: RegistryName;
  readonly title: string;
  readonly clause: string;
  readonly columns: readonly ColumnSpec[];
  /** Typed entry from the column values (each already checked); problems for cross-column rules. */
  build(f: Readonly<Record<string, string>>): { entry: T } | { problems: RowProblem[] };
  /** One entry per identity (an import updates the entry of the same identity). */
  identity(entry: T): string;
  /** What `ref show` and the look-ups query by. */
  lookupKey(entry: T): string;
}

// ---------------------------------------------------------------------------------------------------
// Device models (TMAD 10.1 Table 10.1 DeviceDetail: FirmwareVersion, DeviceModel, DeviceManufacturer)

export interface DeviceModel {
  manufacturer: string;
  model: string;
  /** null = any firmware version of the model (EPC and Group lists may leave it empty). */
  firmwareVersion: string | null;
}
/** The slots of a Device Model combination (TMAD 5.10.2, 5.10.3). */
export const COMBINATION_SLOTS = ['CHF', 'ESME', 'GSME', 'PPMID'] as const;
export type CombinationSlot = (typeof COMBINATION_SLOTS)[number];
export type DeviceCombination = {
  CHF: DeviceModel;
  ESME: DeviceModel;
  GSME?: DeviceModel;
  PPMID?: DeviceModel;
};

function combinationColumns(rule: string): ColumnSpec[] {
  return COMBINATION_SLOTS.flatMap((slot) => {
    const optional = slot === 'GSME' || slot === 'PPMID';
    return [
      { name: `${slot} Manufacturer`, optional, check: checks.text, rule },
      { name: `${slot} Model`, optional, check: checks.text, rule },
      { name: `${slot} Firmware Version`, optional: true, check: checks.text, rule },
    ];
  });
}

function combinationOf(
  f: Readonly<Record<string, string>>,
  rule: string,
): { combination: DeviceCombination } | { problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const out: Partial<Record<CombinationSlot, DeviceModel>> = {};
  for (const slot of COMBINATION_SLOTS) {
    const manufacturer = f[`${slot} Manufacturer`] ?? '';
    const model = f[`${slot} Model`] ?? '';
    const fw = f[`${slot} Firmware Version`] ?? '';
    if (manufacturer === '' && model === '' && fw === '') continue;
    if (manufacturer === '' || model === '') {
      problems.push({
        field: manufacturer === '' ? `${slot} Manufacturer` : `${slot} Model`,
        rule,
        message: `the ${slot} is named only in part: expected its Manufacturer and Model both (or, for a GSME or PPMID, no ${slot} columns at all)`,
      });
      continue;
    }
    out[slot] = { manufacturer, model, firmwareVersion: fw === '' ? null : fw };
  }
  if (problems.length) return { problems };
  return { combination: out as DeviceCombination };
}

const modelKey = (m: DeviceModel | undefined): string =>
  m ? `${m.manufacturer}/${m.model}/${m.firmwareVersion ?? '*'}` : '-';
export const combinationKey = (c: DeviceCombination): string =>
  COMBINATION_SLOTS.map((s) => modelKey(c[s])).join('|');

// ---------------------------------------------------------------------------------------------------
// Central Products List (TMAD 2, 5.10.1)

export interface ProductEntry {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  deviceType: DeviceType;
}
export const productKey = (manufacturer: string, model: string, firmware: string): string =>
  `${manufacturer}|${model}|${firmware}`;

const CPL = 'TMAD 2 Central Products List';
export const products: RegistryDefinition<ProductEntry> = {
  name: 'products',
  title: 'Central Products List',
  clause: 'TMAD 2, 5.10.1',
  columns: [
    { name: 'Manufacturer', check: checks.text, rule: CPL },
    { name: 'Model', check: checks.text, rule: CPL },
    { name: 'Firmware Version', check: checks.text, rule: CPL },
    { name: 'Device Type', check: checks.deviceType, rule: CPL },
  ],
  build: (f) => ({
    entry: {
      manufacturer: f['Manufacturer']!,
      model: f['Model']!,
      firmwareVersion: f['Firmware Version']!,
      deviceType: f['Device Type'] as DeviceType,
    },
  }),
  identity: (e) => productKey(e.manufacturer, e.model, e.firmwareVersion),
  lookupKey: (e) => productKey(e.manufacturer, e.model, e.firmwareVersion),
};

// ---------------------------------------------------------------------------------------------------
// SMETS1 Eligible (and Pending) Product Combinations (TMAD 3.6, 5.2)

export const EPC_LISTS = ['Eligible', 'Pending'] as const;
export type EpcList = (typeof EPC_LISTS)[number];
/** TMAD 3.6 (i)-(iii): solely Dormant Meters, solely Active Meters, either. */
export const APPLICABILITIES = ['DormantOnly', 'ActiveOnly', 'Either'] as const;
export type Applicability = (typeof APPLICABILITIES)[number];

export interface EpcEntry {
  entryId: string;
  list: EpcList;
  groupId: GroupId;
  smso: string;
  applicability: Applicability;
  devices: DeviceCombination;
  entryDate: string;
  removalDate: string | null;
}

const EPC = 'TMAD 3.6';
export const epc: RegistryDefinition<EpcEntry> = {
  name: 'epc',
  title: 'SMETS1 Eligible and Pending Product Combinations',
  clause: 'TMAD 3.6, 5.2',
  columns: [
    { name: 'Entry ID', check: checks.text, rule: EPC },
    { name: 'List', check: checks.oneOf(EPC_LISTS), rule: EPC },
    { name: 'GroupID', check: checks.groupId, rule: 'TMAD 5.2' },
    { name: 'SMSO', check: checks.smso, rule: EPC },
    { name: 'Applicability', check: checks.oneOf(APPLICABILITIES), rule: EPC },
    ...combinationColumns(EPC),
    { name: 'Entry Date', check: checks.date, rule: EPC },
    { name: 'Removal Date', optional: true, check: checks.date, rule: EPC },
  ],
  build(f) {
    const c = combinationOf(f, EPC);
    if ('problems' in c) return c;
    const removal = f['Removal Date'] ?? '';
    if (removal !== '' && parseRefDate(removal)!.endExclusive <= parseRefDate(f['Entry Date']!)!.start)
      return {
        problems: [
          { field: 'Removal Date', rule: EPC, message: `expected a Removal Date after the Entry Date` },
        ],
      };
    return {
      entry: {
        entryId: f['Entry ID']!,
        list: f['List'] as EpcList,
        groupId: f['GroupID'] as GroupId,
        smso: f['SMSO']!,
        applicability: f['Applicability'] as Applicability,
        devices: c.combination,
        entryDate: f['Entry Date']!,
        removalDate: removal === '' ? null : removal,
      },
    };
  },
  // TMAD 3.6: same models with another SMSO or applicability are separate entries, each with its own ID.
  identity: (e) => e.entryId,
  lookupKey: (e) => e.entryId,
};

// ---------------------------------------------------------------------------------------------------
// Group Device Model Combination List (TMAD 2, 5.10.2): its own registry (SPEC-DECISIONS)

export interface GroupModelEntry {
  groupId: GroupId;
  devices: DeviceCombination;
}
const GDMCL = 'TMAD 2 Group Device Model Combination List';
export const groupModels: RegistryDefinition<GroupModelEntry> = {
  name: 'group-models',
  title: 'Group Device Model Combination List',
  clause: 'TMAD 2, 5.10.2',
  columns: [{ name: 'GroupID', check: checks.groupId, rule: GDMCL }, ...combinationColumns(GDMCL)],
  build(f) {
    const c = combinationOf(f, GDMCL);
    if ('problems' in c) return c;
    return { entry: { groupId: f['GroupID'] as GroupId, devices: c.combination } };
  },
  identity: (e) => `${e.groupId}|${combinationKey(e.devices)}`,
  lookupKey: (e) => e.groupId,
};

// ---------------------------------------------------------------------------------------------------
// Smart Metering Inventory (TMAD 5.10.4)

/** SEC Appendix/H6 Device statuses in the Smart Metering Inventory. 5.10.4: any status counts. */
export const SMI_STATUSES = [
  'Pending',
  'Whitelisted',
  'InstalledNotCommissioned',
  'Commissioned',
  'Decommissioned',
  'Withdrawn',
  'Suspended',
  'Recovery',
  'Recovered',
] as const;
export type SmiStatus = (typeof SMI_STATUSES)[number];
export interface SmiEntry {
  deviceId: Eui64;
  deviceType: DeviceType;
  status: SmiStatus;
}
const SMI = 'TMAD 5.10.4 Smart Metering Inventory';
export const smi: RegistryDefinition<SmiEntry> = {
  name: 'smi',
  title: 'Smart Metering Inventory',
  clause: 'TMAD 5.10.4',
  columns: [
    { name: 'Device ID', check: checks.eui64, rule: SMI },
    { name: 'Device Type', check: checks.deviceType, rule: SMI },
    { name: 'Status', check: checks.oneOf(SMI_STATUSES), rule: SMI },
  ],
  build: (f) => ({
    entry: {
      deviceId: f['Device ID'] as Eui64,
      deviceType: f['Device Type'] as DeviceType,
      status: f['Status'] as SmiStatus,
    },
  }),
  identity: (e) => e.deviceId,
  lookupKey: (e) => e.deviceId,
};

// ---------------------------------------------------------------------------------------------------
// Registration Data (TMAD 5.10.9, 5.10.10, 5.10.12, 5.10.14, 5.10.15, 5.10.17)

/** The party roles of Registration Data and the meter point each belongs to. */
export const REGISTRATION_ROLES = {
  ImportSupplier: 'MPAN',
  ElectricityDistributor: 'MPAN',
  GasSupplier: 'MPRN',
  GasTransporter: 'MPRN',
} as const;
export type RegistrationRole = keyof typeof REGISTRATION_ROLES;

export interface RegistrationEntry {
  meterPoint: string;
  role: RegistrationRole;
  /** SEC Party Signifier of the party (the organisations registry names it). */
  party: string;
  effectiveFrom: string;
  effectiveTo: string | null;
}
const REG = 'TMAD 2 Registration Data';
export const registration: RegistryDefinition<RegistrationEntry> = {
  name: 'registration',
  title: 'Registration Data',
  clause: 'TMAD 5.10.9-5.10.17',
  columns: [
    { name: 'Meter Point', check: checks.nonEmpty, rule: REG },
    { name: 'Role', check: checks.oneOf(Object.keys(REGISTRATION_ROLES)), rule: REG },
    { name: 'Party', check: checks.signifier, rule: REG },
    { name: 'Effective From', check: checks.date, rule: REG },
    { name: 'Effective To', optional: true, check: checks.date, rule: REG },
  ],
  build(f) {
    const role = f['Role'] as RegistrationRole;
    const mp = f['Meter Point']!;
    const kind = REGISTRATION_ROLES[role];
    const bad = kind === 'MPAN' ? checks.mpan(mp) : checks.mprn(mp);
    if (bad)
      return { problems: [{ field: 'Meter Point', rule: REG, message: `${role} is registered to ${bad}` }] };
    const to = f['Effective To'] ?? '';
    if (to !== '' && parseRefDate(to)!.endExclusive <= parseRefDate(f['Effective From']!)!.start)
      return {
        problems: [
          {
            field: 'Effective To',
            rule: REG,
            message: 'expected an Effective To not before the Effective From',
          },
        ],
      };
    return {
      entry: {
        meterPoint: mp,
        role,
        party: f['Party']!,
        effectiveFrom: f['Effective From']!,
        effectiveTo: to === '' ? null : to,
      },
    };
  },
  identity: (e) => `${e.meterPoint}|${e.role}|${e.effectiveFrom}`,
  lookupKey: (e) => e.meterPoint,
};

// ---------------------------------------------------------------------------------------------------
// Organisations: Supplier Parties, Network Parties, their DCC User IDs, Affiliates (MAM 7.2.2)

export const PARTY_ROLES = ['SupplierParty', 'NetworkParty', 'DCC'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];
export interface OrganisationEntry {
  userId: Eui64;
  partySignifier: string;
  name: string;
  role: PartyRole;
  /** Parties with the same non-empty Affiliate Group are Affiliates of each other (TMAD 2). */
  affiliateGroup: string | null;
  /** MAM 7.2.2: low nybble of octet 5 and octet 6 of the User ID. */
  organisationalNumber: number;
}
const ORG = 'TMAD 2 Supplier Party / Network Party';
export const organisations: RegistryDefinition<OrganisationEntry> = {
  name: 'organisations',
  title: 'Organisations (Supplier and Network Parties)',
  clause: 'TMAD 2; MAM 7.2.2',
  columns: [
    { name: 'DCC User ID', check: checks.eui64, rule: 'MAM 7.2.2' },
    { name: 'Party Signifier', check: checks.signifier, rule: ORG },
    { name: 'Name', check: checks.text, rule: ORG },
    { name: 'Role', check: checks.oneOf(PARTY_ROLES), rule: ORG },
    { name: 'Affiliate Group', optional: true, check: checks.text, rule: 'TMAD 2 Affiliate' },
  ],
  build: (f) => ({
    entry: {
      userId: f['DCC User ID'] as Eui64,
      partySignifier: f['Party Signifier']!,
      name: f['Name']!,
      role: f['Role'] as PartyRole,
      affiliateGroup: f['Affiliate Group'] === '' ? null : f['Affiliate Group']!,
      organisationalNumber: organisationalNumber(f['DCC User ID'] as Eui64),
    },
  }),
  identity: (e) => e.userId,
  lookupKey: (e) => e.userId,
};

// ---------------------------------------------------------------------------------------------------
// Organisation Certificates and CRLs (TMAD 2 Certificate ID; 5.9.4 Confirm Validity)

export interface CertificateRegistryEntry {
  kind: 'Certificate' | 'CRL';
  /** Certificates: X509SerialNumber (decimal); CRLs: empty. */
  serialNumber: string | null;
  issuerName: string;
  subjectName: string | null;
  entityId: string | null;
  role: string | null;
  /** Certificates: notBefore; CRLs: thisUpdate. */
  notBefore: string;
  /** Certificates: notAfter; CRLs: nextUpdate (may be empty). */
  notAfter: string | null;
  der: Uint8Array;
}
const CERT = 'TMAD 2 Certificate ID';
export const certificates: RegistryDefinition<CertificateRegistryEntry> = {
  name: 'certificates',
  title: 'Organisation Certificates and CRLs',
  clause: 'TMAD 2, 5.9.4',
  columns: [
    { name: 'Kind', check: checks.oneOf(['Certificate', 'CRL']), rule: CERT },
    { name: 'Serial Number', optional: true, check: checks.serial, rule: CERT },
    { name: 'Issuer Name', check: checks.nonEmpty, rule: CERT },
    { name: 'Subject Name', optional: true, rule: CERT },
    { name: 'Entity ID', optional: true, check: checks.eui64, rule: 'TMAD 2 Entity Identifier' },
    { name: 'Role', optional: true, check: checks.text, rule: 'TMAD 3.16' },
    { name: 'Not Before', check: checks.date, rule: CERT },
    { name: 'Not After', optional: true, check: checks.date, rule: CERT },
    { name: 'DER', check: checks.base64, rule: CERT },
  ],
  build(f) {
    const kind = f['Kind'] as 'Certificate' | 'CRL';
    if (kind === 'Certificate' && f['Serial Number'] === '')
      return {
        problems: [{ field: 'Serial Number', rule: CERT, message: 'a Certificate needs its Serial Number' }],
      };
    const disagree = checkCertificateColumns(f);
    if (disagree) return { problems: [{ ...disagree, rule: CERT }] };
    const opt = (k: string): string | null => (f[k] === '' ? null : f[k]!);
    return {
      entry: {
        kind,
        serialNumber: opt('Serial Number'),
        issuerName: f['Issuer Name']!,
        subjectName: opt('Subject Name'),
        entityId: opt('Entity ID'),
        role: opt('Role'),
        notBefore: f['Not Before']!,
        notAfter: opt('Not After'),
        der: new Uint8Array(Buffer.from(f['DER']!, 'base64')),
      },
    };
  },
  identity: (e) =>
    e.kind === 'Certificate' ? `${e.serialNumber}|${e.issuerName}` : `CRL|${e.issuerName}|${e.notBefore}`,
  lookupKey: (e) => (e.kind === 'Certificate' ? e.serialNumber! : `CRL|${e.issuerName}`),
};

// ---------------------------------------------------------------------------------------------------
// Network Operator Certificate IDs notified by Electricity Distributors (TMAD 4.47, 4.48)

export interface NetworkOperatorIdsEntry {
  /** SEC Party Signifier of the Electricity Distributor. */
  distributor: string;
  notifiedAt: string;
  critical: { serialNumber: string; issuerName: string };
  nonCritical: { serialNumber: string; issuerName: string };
}
const NOID = 'TMAD 4.47';
export const networkOperatorIds: RegistryDefinition<NetworkOperatorIdsEntry> = {
  name: 'network-operator-ids',
  title: 'Network Operator Certificate IDs notified by Electricity Distributors',
  clause: 'TMAD 4.47, 4.48',
  columns: [
    { name: 'Distributor', check: checks.signifier, rule: NOID },
    { name: 'Notified At', check: checks.date, rule: NOID },
    { name: 'Critical Serial Number', check: checks.serial, rule: NOID },
    { name: 'Critical Issuer Name', check: checks.nonEmpty, rule: NOID },
    { name: 'Non-Critical Serial Number', check: checks.serial, rule: NOID },
    { name: 'Non-Critical Issuer Name', check: checks.nonEmpty, rule: NOID },
  ],
  build: (f) => ({
    entry: {
      distributor: f['Distributor']!,
      notifiedAt: f['Notified At']!,
      critical: { serialNumber: f['Critical Serial Number']!, issuerName: f['Critical Issuer Name']! },
      nonCritical: {
        serialNumber: f['Non-Critical Serial Number']!,
        issuerName: f['Non-Critical Issuer Name']!,
      },
    },
  }),
  // 4.47: a distributor may change its IDs from time to time; every notification is kept (history).
  identity: (e) => `${e.distributor}|${e.notifiedAt}`,
  lookupKey: (e) => e.distributor,
};

// ---------------------------------------------------------------------------------------------------
// Group public keys (TMAD 5.1(a))

/** S1SP keys encrypt EncryptedS1SPGroupInformation (5.4); DCO keys MasterKeyInformation (5.3, 5.4A). */
export const KEY_HOLDERS = ['S1SP', 'DCO'] as const;
export type KeyHolder = (typeof KEY_HOLDERS)[number];
export interface GroupKeyEntry {
  keyIdentifier: string;
  holder: KeyHolder;
  groupId: GroupId;
  /** 5.1(a)(iii): constraints as to the parts of the Group the key may be used for (empty: none). */
  constraints: string | null;
  validFrom: string;
  validTo: string;
  /** SubjectPublicKeyInfo, DER. */
  publicKeyDer: Uint8Array;
}
const GK = 'TMAD 5.1(a)';
export const groupKeys: RegistryDefinition<GroupKeyEntry> = {
  name: 'group-keys',
  title: 'Group public keys (S1SP and DCO)',
  clause: 'TMAD 5.1(a)',
  columns: [
    { name: 'Key Identifier', check: checks.hex40, rule: 'TMAD 5.1(a)(i)' },
    { name: 'Holder', check: checks.oneOf(KEY_HOLDERS), rule: 'TMAD 5.3, 5.4' },
    { name: 'GroupID', check: checks.groupId, rule: GK },
    { name: 'Constraints', optional: true, check: checks.text, rule: 'TMAD 5.1(a)(iii)' },
    { name: 'Valid From', check: checks.date, rule: 'TMAD 5.1(a)(ii)' },
    { name: 'Valid To', check: checks.date, rule: 'TMAD 5.1(a)(ii)' },
    { name: 'Public Key', check: checks.base64, rule: GK },
  ],
  build(f) {
    if (parseRefDate(f['Valid To']!)!.endExclusive <= parseRefDate(f['Valid From']!)!.start)
      return {
        problems: [
          {
            field: 'Valid To',
            rule: 'TMAD 5.1(a)(ii)',
            message: 'expected a Valid To not before Valid From',
          },
        ],
      };
    const spki = new Uint8Array(Buffer.from(f['Public Key']!, 'base64'));
    const ski = spkiKeyIdentifier(spki);
    if (!ski.ok)
      return {
        problems: [
          { field: 'Public Key', rule: GK, message: `not a DER SubjectPublicKeyInfo (${ski.error})` },
        ],
      };
    if (ski.value !== f['Key Identifier'])
      return {
        problems: [
          {
            field: 'Key Identifier',
            rule: 'TMAD 5.1(a)(i)',
            message: `${f['Key Identifier']} is not the key's X509SKI: expected ${ski.value} (SHA-1 of the subjectPublicKey bits)`,
          },
        ],
      };
    return {
      entry: {
        keyIdentifier: f['Key Identifier'],
        holder: f['Holder'] as KeyHolder,
        groupId: f['GroupID'] as GroupId,
        constraints: f['Constraints'] === '' ? null : f['Constraints']!,
        validFrom: f['Valid From']!,
        validTo: f['Valid To']!,
        publicKeyDer: spki,
      },
    };
  },
  identity: (e) => `${e.keyIdentifier}|${e.validFrom}`,
  lookupKey: (e) => e.keyIdentifier,
};

export interface RegistryEntryTypes {
  products: ProductEntry;
  epc: EpcEntry;
  'group-models': GroupModelEntry;
  smi: SmiEntry;
  registration: RegistrationEntry;
  organisations: OrganisationEntry;
  certificates: CertificateRegistryEntry;
  'network-operator-ids': NetworkOperatorIdsEntry;
  'group-keys': GroupKeyEntry;
}

export const REGISTRIES: { readonly [K in RegistryName]: RegistryDefinition<RegistryEntryTypes[K]> } = {
  products,
  epc,
  'group-models': groupModels,
  smi,
  registration,
  organisations,
  certificates,
  'network-operator-ids': networkOperatorIds,
  'group-keys': groupKeys,
};
