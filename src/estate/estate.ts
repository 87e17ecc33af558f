// The simulated SMETS1 estate (issue #11): a consistent world of reference data, SMSO inventories and
// key material, suppliers' MPxN lists and Migration Authorisations across all eight GroupIDs, with a
// chosen share of installations carrying one planted problem each, and a manifest saying which.
//
// planEstate is pure: every choice comes from seeded PRNG streams (seededRandom), never from
// Math.random or the clock, so the same options give the same plan and the same data files byte for
// byte. The only things a plan cannot fix are keys, certificates and signatures; the Certificate IDs
// the data files name (MA rows, Network Operator Certificate IDs) are fixed instead by giving the test
// PKI serial numbers that follow from the seed (certificateSerialHex; docs/SPEC-DECISIONS.md).
import { createHash } from 'node:crypto';
import { mpanWithCheckDigit } from '../core/ids/mpxn.js';
import { eui64FromBytes } from '../core/ids/eui64.js';
import { GROUP_IDS, type DeviceType, type GroupId } from '../core/ids/reference.js';
import type { CertificateId } from '../core/ids/certificate-id.js';
import type { SmsoDevice, SmsoInstallation } from '../core/formats/smso/inventory.js';
import type { InstallationKeyMaterial } from '../core/formats/smso/key-material.js';
import { utcSeconds } from '../core/formats/smso/csv.js';
import type { MaRowInput } from '../core/formats/ma/model.js';
import { REGISTRIES, headerLine, rowLine, type RegistryName } from '../core/reference/index.js';
import { generateKeyMaterial, seededRandom } from './smso-inventory.js';
import { DEFAULT_TEST_PARTIES, ISSUING_CA_NAME, type TestPkiPartySpec } from './test-pki.js';

/** The kinds of planted problem, each with the clause the pipeline should find it by. */
export const ESTATE_PROBLEMS = {
  /** The ESME's firmware version is on no CPL entry (so on no EPC entry either). */
  'unknown-model': 'TMAD 5.10.1, 5.10.2, 5.10.3, 4.16',
  /** The ESME's Device ID is already in the Smart Metering Inventory. */
  'in-smi': 'TMAD 5.10.4',
  /** The MA's supplier is not the registered Import (and Gas) Supplier. */
  'wrong-supplier': 'TMAD 5.10.9, 5.10.14',
  /** The MA names a revoked ESME Supplier (Critical) Organisation Certificate. */
  'revoked-certificate': 'TMAD 5.10.5 (Confirm Validity, 5.9.4)',
  /** The Import Supplier changes 7 to 14 days after the estate's time. */
  'change-of-supplier': 'TMAD 5.10.10',
  /** Every meter of the installation is Dormant (a dormant-only installation). */
  dormant: 'TMAD 3.6, 4.24, 4.27, 4.34A',
  /** The MPAN and MPRN have different suppliers, each authorising its own meter point. */
  'split-supply': 'MAM 7.2.2; TMAD 4.17-4.19',
  /** The CHF's last WAN contact is more than 7 days before the estate's time. */
  'stale-wan': 'TMAD 5.12',
} as const;
export type EstateProblem = keyof typeof ESTATE_PROBLEMS;
export const ESTATE_PROBLEM_NAMES = Object.keys(ESTATE_PROBLEMS) as EstateProblem[];
export const isEstateProblem = (s: string): s is EstateProblem => s in ESTATE_PROBLEMS;

/** Each GroupID's SMSO (several SMSOs, MAM 7.2.2 codes). */
export const GROUP_SMSO: Readonly<Record<GroupId, string>> = {
  AA: 'CGI',
  BA: 'CGI',
  CA: 'SCM',
  CB: 'SCM',
  DA: 'EDM',
  EA: 'TRL',
  EB: 'TRL',
  EC: 'TRL',
};

type Model = readonly [manufacturer: string, model: string, firmware: string];
interface GroupModels {
  chf: Model;
  gpf: Model;
  esme: readonly Model[];
  gsme: readonly Model[];
}

const HUB_MAKERS: Readonly<Record<GroupId, string>> = {
  AA: 'Telegesis',
  BA: 'Toshiba',
  CA: 'Secure',
  CB: 'Secure',
  DA: 'EDMI',
  EA: 'Trilliant',
  EB: 'Trilliant',
  EC: 'Trilliant',
};

/** Fictional models: the CHF model tells the GroupID; each group has two ESME and two GSME models. */
export function groupModels(g: GroupId): GroupModels {
  return {
    chf: [HUB_MAKERS[g], `Hub-${g}`, '2.1.4'],
    gpf: [HUB_MAKERS[g], `GPF-${g}`, '2.1.4'],
    esme: [
      ['Landis+Gyr', `E470-${g}`, '03.2A'],
      ['Secure', `Liberty-${g}`, '5.12'],
    ],
    gsme: [
      ['Landis+Gyr', `G470-${g}`, '02.9'],
      ['Secure', `Europa-${g}`, '4.4'],
    ],
  };
}
const PPMID: Model = ['Chameleon', 'PPMID-S1', '1.3'];
const IHDS: readonly Model[] = [
  ['Chameleon', 'IHD-S1', '3.0'],
  ['Geo', 'Trio-S1', '2.2'],
];
const CAD: Model = ['Hildebrand', 'Glow-S1', '1.1'];
/** The firmware version of an unknown-model ESME: on no CPL entry. */
export const UNLISTED_FIRMWARE = '99.0-unlisted';

const TYPE_CODE: Readonly<Record<DeviceType, number>> = {
  CHF: 1,
  ESME: 2,
  GSME: 3,
  GPF: 4,
  PPMID: 5,
  IHD: 6,
  CAD: 7,
};

export interface EstateOptions {
  installations: number;
  seed: string;
  /** Share (0..1) of installations per planted problem; at most one problem per installation. */
  problems?: Partial<Record<EstateProblem, number>>;
  /** The time the estate describes (default 2026-01-05T00:00:00Z). */
  asOf?: Date;
}

export interface EstateSupplier {
  name: string;
  signifier: string;
  userId: string;
  /**
   * MAM 7.2.2 "Commissioned by DCC" in its MAs: the second supplier asks the DCC (the Commissioning
   * Party, TMAD 6.1-6.5), the first commissions its own installations (TMAD 6.6), so that a week
   * runs both paths (docs/ESTATE.md).
   */
  commissionedByDcc: boolean;
}

export interface EstateInstallationRecord {
  chfDeviceId: string;
  esmeDeviceId: string;
  mpan: string;
  mprn: string | null;
  groupId: GroupId;
  smso: string;
  /** The supplier whose MA lists the installation's MPAN (and MPRN, unless split supply). */
  supplier: string;
  /** split supply: the supplier whose MA lists the MPRN. */
  gasSupplier?: string;
  problems: EstateProblem[];
}

export interface EstatePlan {
  asOf: Date;
  migrationWeek: string;
  suppliers: EstateSupplier[];
  counts: Record<EstateProblem, number>;
  records: EstateInstallationRecord[];
  /** SMSO code → its installations and key material, in installation order. */
  smsos: Map<string, { installations: SmsoInstallation[]; keyMaterial: InstallationKeyMaterial[] }>;
  /** Registry → CSV text (every registry but certificates and group-keys, which need keys). */
  reference: Partial<Record<RegistryName, string>>;
  /** One MA per supplier and SMSO: its rows, in installation order. */
  mas: Array<{ supplier: EstateSupplier; smso: string; rows: MaRowInput[] }>;
  /** The revoked certificate of each supplier (the PKI must issue and revoke it with this serial). */
  revoked: Array<{ party: string; serialHex: string; id: CertificateId }>;
}

const DAY = 86_400_000;
export const DEFAULT_AS_OF = new Date('2026-01-05T00:00:00Z');
/** The day registrations, EPC entries and the Network Operator IDs start from. */
const EPOCH_DAY = '2020-01-01';

/**
 * The serial number (hex, positive, 16 octets as the SMKI profile allows) of a test PKI certificate,
 * from the estate's seed: the data files that name Certificate IDs then follow from the seed alone.
 */
export function certificateSerialHex(seed: string, party: string, role: string, keyUsage: string): string {
  const b = createHash('sha256')
    .update(`s1mig estate serial ${seed}/${party}/${role}/${keyUsage}`)
    .digest()
    .subarray(0, 16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}
const serialDecimal = (hex: string): string => BigInt(`0x${hex}`).toString(10);

function certId(seed: string, party: string, role: string, keyUsage: string): CertificateId {
  return {
    serialNumber: serialDecimal(certificateSerialHex(seed, party, role, keyUsage)),
    issuerName: ISSUING_CA_NAME,
  };
}

/** The Monday on or after `t` + 14 days, YYYY-MM-DD. */
function migrationWeekAfter(t: Date): string {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()) + 14 * DAY);
  const toMonday = (8 - d.getUTCDay()) % 7;
  return new Date(d.getTime() + toMonday * DAY).toISOString().slice(0, 10);
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** One CSV line of `registry` from its values by column name (every column must be given or empty). */
function refRow(registry: RegistryName, values: Readonly<Record<string, string>>): string {
  const cols = REGISTRIES[registry].columns.map((c) => c.name);
  for (const k of Object.keys(values)) if (!cols.includes(k)) throw new Error(`${registry}: no column ${k}`); // a bug, not input
  return rowLine(cols.map((c) => values[c] ?? ''));
}

const modelColumns = (slot: string, m: Model | undefined): Record<string, string> =>
  m
    ? {
        [`${slot} Manufacturer`]: m[0],
        [`${slot} Model`]: m[1],
        [`${slot} Firmware Version`]: m[2],
      }
    : {};

/** Validate problem shares: each in [0, 1], the sum at most 1. Returns the problem or null. */
export function checkProblemShares(p: Partial<Record<string, number>>): string | null {
  let sum = 0;
  for (const [k, v] of Object.entries(p)) {
    if (!isEstateProblem(k))
      return `unknown problem '${k}': expected one of ${ESTATE_PROBLEM_NAMES.join(', ')}`;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1)
      return `problem ${k}: share ${String(v)}: expected a number from 0 to 1`;
    sum += v;
  }
  if (sum > 1 + 1e-9)
    return `the problem shares add up to ${sum}: expected at most 1 (one problem per installation)`;
  return null;
}

/** Plan the estate: every data file's content, in memory. */
export function planEstate(o: EstateOptions): EstatePlan {
  if (!Number.isSafeInteger(o.installations) || o.installations < 1 || o.installations > 1_000_000)
    throw new RangeError('installations must be a whole number from 1 to 1,000,000');
  const shares = o.problems ?? {};
  const bad = checkProblemShares(shares);
  if (bad) throw new RangeError(bad);
  const N = o.installations;
  const asOf = o.asOf ?? DEFAULT_AS_OF;
  const asOfMs = asOf.getTime();
  const seed = o.seed;

  // Which installation has which problem: exact counts (round(share × N)), disjoint, in a seeded shuffle.
  const rp = seededRandom(`${seed}/problems`);
  const order = Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = Math.floor(rp() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const problemOf: Array<EstateProblem | undefined> = new Array<EstateProblem | undefined>(N);
  const counts = Object.fromEntries(ESTATE_PROBLEM_NAMES.map((p) => [p, 0])) as Record<EstateProblem, number>;
  let next = 0;
  for (const p of ESTATE_PROBLEM_NAMES) {
    const k = Math.min(Math.round((shares[p] ?? 0) * N), N - next);
    for (let i = 0; i < k; i++) problemOf[order[next++]!] = p;
    counts[p] = k;
  }

  const supplierSpecs = DEFAULT_TEST_PARTIES.filter((p) => p.kind === 'supplier');
  const suppliers: EstateSupplier[] = supplierSpecs.map((p, i) => ({
    name: p.name,
    signifier: p.partySignifier!,
    userId: p.entityId,
    commissionedByDcc: i % 2 === 1,
  }));
  const party = (kind: string, signifier: string): TestPkiPartySpec =>
    DEFAULT_TEST_PARTIES.find((p) => p.kind === kind && p.partySignifier === signifier)!;
  const dno = party('networkOperator', 'DNOA');
  const gt = party('networkOperator', 'GTA');
  const supplierCerts = (name: string) => ({
    critical: certId(seed, name, 'supplier', 'digitalSignature'),
    nonCritical: certId(seed, name, 'supplier', 'keyAgreement'),
  });
  const dnoCritical = certId(seed, dno.name, 'networkOperator', 'digitalSignature');
  const dnoNonCritical = certId(seed, dno.name, 'networkOperator', 'keyAgreement');
  const revoked = suppliers.map((s) => {
    const serialHex = certificateSerialHex(seed, s.name, 'supplier', 'digitalSignature/revoked');
    return {
      party: s.name,
      serialHex,
      id: { serialNumber: serialDecimal(serialHex), issuerName: ISSUING_CA_NAME },
    };
  });

  const ri = seededRandom(`${seed}/installations`);
  const rk = seededRandom(`${seed}/keys`);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(ri() * xs.length)]!;
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(ri() * 10)).join('');
  const prefix = Buffer.from(createHash('sha256').update(`s1mig estate ids ${seed}`).digest().subarray(0, 2));
  const mpanPrefix = digits(3);
  const mprnPrefix = digits(2);
  const hanStart = Date.UTC(2014, 0, 1);
  const hanSpan = Date.UTC(2019, 0, 1) - hanStart;
  const time = (ms: number): string => utcSeconds(new Date(Math.floor(ms / 1000) * 1000));
  const distributors = ['10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '21', '22', '23'];
  const migrationWeek = migrationWeekAfter(asOf);

  const records: EstateInstallationRecord[] = [];
  const smsos = new Map<
    string,
    { installations: SmsoInstallation[]; keyMaterial: InstallationKeyMaterial[] }
  >();
  for (const code of new Set(Object.values(GROUP_SMSO)))
    smsos.set(code, { installations: [], keyMaterial: [] });
  const smi: string[] = [];
  const registration: string[] = [];
  const maRows = new Map<string, MaRowInput[]>(); // `${supplier}|${smso}`
  const addRow = (supplier: string, smso: string, row: MaRowInput): void => {
    const k = `${supplier}|${smso}`;
    let rows = maRows.get(k);
    if (!rows) maRows.set(k, (rows = []));
    rows.push(row);
  };

  for (let n = 0; n < N; n++) {
    const problem = problemOf[n];
    const groupId = pick(GROUP_IDS);
    const smso = GROUP_SMSO[groupId];
    const models = groupModels(groupId);
    const supplierIndex = Math.floor(ri() * suppliers.length);
    const supplier = suppliers[supplierIndex]!;
    const other = suppliers[(supplierIndex + 1) % suppliers.length]!;
    const gas = problem === 'split-supply' || ri() < 0.7;
    const dormant = problem === 'dormant';
    let ordinal = 0;
    const id = (type: DeviceType): string => {
      const b = Buffer.alloc(8);
      b[0] = 0x00;
      b[1] = 0xdb;
      prefix.copy(b, 2);
      b[4] = (TYPE_CODE[type] << 4) | (ordinal++ & 0x0f);
      b.writeUIntBE(n, 5, 3);
      return eui64FromBytes(b);
    };
    const joined = hanStart + Math.floor(ri() * hanSpan);
    const device = (
      type: DeviceType,
      m: Model,
      status: SmsoDevice['status'],
      joinOffsetDays = 0,
    ): SmsoDevice => ({
      deviceType: type,
      deviceId: id(type),
      manufacturer: m[0],
      model: m[1],
      firmwareVersion: m[2],
      serialNumber: `${m[0].slice(0, 3).toUpperCase()}${digits(9)}`,
      status,
      hanJoinedAt: type === 'CHF' ? null : time(joined + joinOffsetDays * DAY),
    });
    const meter = dormant ? 'Dormant' : 'Active';
    const esmeModel = pick(models.esme);
    const devices: SmsoDevice[] = [
      device('CHF', models.chf, null),
      device(
        'ESME',
        problem === 'unknown-model' ? [esmeModel[0], esmeModel[1], UNLISTED_FIRMWARE] : esmeModel,
        meter,
      ),
    ];
    // The GPF is part of the Communications Hub (TMAD 2 SMETS1 Installation: every MCF installation has a
    // GPFDetail), so an electricity-only installation has one too, with no meter status.
    if (gas) {
      devices.push(device('GSME', pick(models.gsme), meter, 1));
      devices.push(device('GPF', models.gpf, meter, 0));
    } else devices.push(device('GPF', models.gpf, null, 0));
    if (ri() < 0.6) devices.push(device('PPMID', PPMID, null, 2));
    if (ri() < 0.95) devices.push(device('IHD', pick(IHDS), null, 2));
    if (ri() < 0.1) devices.push(device('CAD', CAD, null, 100 + Math.floor(ri() * 1000)));
    const contactAgo =
      problem === 'stale-wan' ? 8 * DAY + Math.floor(ri() * 80 * DAY) : Math.floor(ri() * 3 * DAY);
    const chf = devices[0]!.deviceId;
    const esme = devices[1]!.deviceId;
    const mpan = mpanWithCheckDigit(pick(distributors) + mpanPrefix + pad(n, 7));
    const mprn = gas ? `${1 + (n % 9)}${mprnPrefix}${pad(n, 7)}` : null;
    const inst: SmsoInstallation = {
      chfDeviceId: chf,
      mpan,
      mprn,
      lastWanContactAt: time(asOfMs - contactAgo),
      unsolicitedHalfHourlyData: false,
      devices,
    };
    const s = smsos.get(smso)!;
    s.installations.push(inst);
    s.keyMaterial.push(generateKeyMaterial(chf, devices, rk));

    if (problem === 'in-smi')
      smi.push(refRow('smi', { 'Device ID': esme, 'Device Type': 'ESME', Status: 'Commissioned' }));

    // Registration Data (TMAD 5.10.9-5.10.17).
    const elecSupplier = problem === 'wrong-supplier' ? other : supplier;
    const gasSupplier = problem === 'wrong-supplier' || problem === 'split-supply' ? other : supplier;
    if (problem === 'change-of-supplier') {
      const change =
        Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), asOf.getUTCDate()) +
        (7 + Math.floor(ri() * 8)) * DAY;
      registration.push(
        refRow('registration', {
          'Meter Point': mpan,
          Role: 'ImportSupplier',
          Party: supplier.signifier,
          'Effective From': EPOCH_DAY,
          'Effective To': day(change - DAY),
        }),
        refRow('registration', {
          'Meter Point': mpan,
          Role: 'ImportSupplier',
          Party: other.signifier,
          'Effective From': day(change),
        }),
      );
    } else
      registration.push(
        refRow('registration', {
          'Meter Point': mpan,
          Role: 'ImportSupplier',
          Party: elecSupplier.signifier,
          'Effective From': EPOCH_DAY,
        }),
      );
    registration.push(
      refRow('registration', {
        'Meter Point': mpan,
        Role: 'ElectricityDistributor',
        Party: dno.partySignifier!,
        'Effective From': EPOCH_DAY,
      }),
    );
    if (mprn !== null)
      registration.push(
        refRow('registration', {
          'Meter Point': mprn,
          Role: 'GasSupplier',
          Party: gasSupplier.signifier,
          'Effective From': EPOCH_DAY,
        }),
        refRow('registration', {
          'Meter Point': mprn,
          Role: 'GasTransporter',
          Party: gt.partySignifier!,
          'Effective From': EPOCH_DAY,
        }),
      );

    // The suppliers' Migration Authorisations (MAM 7.2.3).
    const certs = supplierCerts(supplier.name);
    const esmeCritical = problem === 'revoked-certificate' ? revoked[supplierIndex]!.id : certs.critical;
    const elecRow: MaRowInput = {
      mpan,
      migrationWeek,
      esmeSupplierCritical: esmeCritical,
      esmeSupplierNonCritical: certs.nonCritical,
      esmeNetworkOperatorCritical: dnoCritical,
      esmeNetworkOperatorNonCritical: dnoNonCritical,
    };
    const gasRow = (who: EstateSupplier): MaRowInput => {
      const c = supplierCerts(who.name);
      return {
        mprn,
        gpfSupplierCritical: c.critical,
        gpfSupplierNonCritical: c.nonCritical,
        gsmeSupplierCritical: c.critical,
        gsmeSupplierNonCritical: c.nonCritical,
      };
    };
    if (problem === 'split-supply') {
      addRow(supplier.name, smso, elecRow);
      addRow(other.name, smso, { ...gasRow(other), migrationWeek });
    } else addRow(supplier.name, smso, mprn !== null ? { ...elecRow, ...gasRow(supplier) } : elecRow);

    records.push({
      chfDeviceId: chf,
      esmeDeviceId: esme,
      mpan,
      mprn,
      groupId,
      smso,
      supplier: supplier.name,
      ...(problem === 'split-supply' ? { gasSupplier: other.name } : {}),
      problems: problem ? [problem] : [],
    });
  }

  // SMI: the planted devices and a few others (SMETS2 devices of the same estate's prefix).
  const fillers = Math.max(5, Math.floor(N / 50));
  for (let i = 0; i < fillers; i++) {
    const b = Buffer.alloc(8);
    b[0] = 0x00;
    b[1] = 0xdc;
    prefix.copy(b, 2);
    b[4] = 0x20;
    b.writeUIntBE(i, 5, 3);
    smi.push(
      refRow('smi', {
        'Device ID': eui64FromBytes(b),
        'Device Type': 'ESME',
        Status: pick(['Commissioned', 'InstalledNotCommissioned', 'Decommissioned'] as const),
      }),
    );
  }

  const reference: Partial<Record<RegistryName, string>> = {};
  const csv = (r: RegistryName, rows: readonly string[]): string =>
    [headerLine(r), ...rows].join('\n') + '\n';

  // Products (CPL), EPC and the Group Device Model Combination List.
  const products = new Map<string, string>();
  const product = (m: Model, type: DeviceType): void => {
    const k = m.join('|');
    if (!products.has(k))
      products.set(
        k,
        refRow('products', {
          Manufacturer: m[0],
          Model: m[1],
          'Firmware Version': m[2],
          'Device Type': type,
        }),
      );
  };
  const epc: string[] = [];
  const groupList: string[] = [];
  for (const g of GROUP_IDS) {
    const m = groupModels(g);
    product(m.chf, 'CHF');
    product(m.gpf, 'GPF');
    for (const e of m.esme) product(e, 'ESME');
    for (const e of m.gsme) product(e, 'GSME');
    let i = 0;
    for (const e of m.esme)
      for (const gs of [undefined, ...m.gsme])
        for (const pp of [undefined, PPMID]) {
          const combo = {
            ...modelColumns('CHF', m.chf),
            ...modelColumns('ESME', e),
            ...modelColumns('GSME', gs),
            ...modelColumns('PPMID', pp),
          };
          epc.push(
            refRow('epc', {
              'Entry ID': `${g}-${pad(++i, 2)}`,
              List: 'Eligible',
              GroupID: g,
              SMSO: GROUP_SMSO[g],
              Applicability: 'Either',
              ...combo,
              'Entry Date': '2019-01-01',
            }),
          );
          groupList.push(refRow('group-models', { GroupID: g, ...combo }));
        }
  }
  product(PPMID, 'PPMID');
  for (const m of IHDS) product(m, 'IHD');
  product(CAD, 'CAD');
  reference.products = csv('products', [...products.values()]);
  reference.epc = csv('epc', epc);
  reference['group-models'] = csv('group-models', groupList);
  reference.smi = csv('smi', smi);
  reference.registration = csv('registration', registration);
  const orgRole = (kind: string): string =>
    kind === 'supplier' ? 'SupplierParty' : kind === 'networkOperator' ? 'NetworkParty' : 'DCC';
  reference.organisations = csv(
    'organisations',
    DEFAULT_TEST_PARTIES.map((p) =>
      refRow('organisations', {
        'DCC User ID': p.entityId,
        'Party Signifier': p.partySignifier!,
        Name: p.commonName ?? p.name,
        Role: orgRole(p.kind),
      }),
    ),
  );
  reference['network-operator-ids'] = csv('network-operator-ids', [
    refRow('network-operator-ids', {
      Distributor: dno.partySignifier!,
      'Notified At': EPOCH_DAY,
      'Critical Serial Number': dnoCritical.serialNumber,
      'Critical Issuer Name': dnoCritical.issuerName,
      'Non-Critical Serial Number': dnoNonCritical.serialNumber,
      'Non-Critical Issuer Name': dnoNonCritical.issuerName,
    }),
  ]);

  const mas: EstatePlan['mas'] = [];
  for (const s of suppliers)
    for (const code of smsos.keys()) {
      const rows = maRows.get(`${s.name}|${code}`);
      if (rows?.length) mas.push({ supplier: s, smso: code, rows });
    }
  return { asOf, migrationWeek, suppliers, counts, records, smsos, reference, mas, revoked };
}
