// The Requesting Party's gates (src/requesting-party/gates.ts), one test per gate: each holds back (or
// refuses) exactly the installations it should, with the clause and reason; then the builder over a small
// hand-made world (inventory, MA rows, reference data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SmsoDevice, SmsoInstallation } from '../../src/core/formats/smso/inventory.js';
import { NULL_CERTIFICATE_ID, type CertificateId } from '../../src/core/ids/certificate-id.js';
import type { EpcEntry } from '../../src/core/reference/registries.js';
import type { ReferenceData } from '../../src/core/reference/reference-data.js';
import { epcEntryMatches, type CombinationQuery } from '../../src/core/reference/rules.js';
import {
  authorisationGate,
  buildMigrationCommonFiles,
  dormantCertificatesGate,
  dormantResponsesByChf,
  epcGate,
  gasAuthorisationGate,
  gasOnlyGate,
  maRowCertificates,
  metersOf,
  migrateOnGate,
  migrationOrder,
  networkOperatorDefaults,
  sameOrganisation,
  selectDevices,
  supplierCertificates,
  toBeCommissionedByDcc,
  unsolicitedHalfHourlyGate,
  type AuthorisationRow,
} from '../../src/requesting-party/index.js';

let n = 0;
const dev = (
  deviceType: SmsoDevice['deviceType'],
  status: SmsoDevice['status'] = null,
  hanJoinedAt: string | null = '2020-01-01T00:00:00Z',
): SmsoDevice => ({
  deviceType,
  deviceId: `00-DB-00-00-00-00-00-${(++n).toString(16).toUpperCase().padStart(2, '0')}`,
  manufacturer: deviceType === 'CHF' ? 'Toshiba' : 'Secure Meters',
  model: deviceType === 'CHF' ? 'TCH-GBCH-S1' : deviceType === 'ESME' ? 'Liberty 100' : `${deviceType}-M`,
  firmwareVersion: deviceType === 'CHF' ? '1.5.0' : deviceType === 'ESME' ? 'L100-6.3' : '1',
  serialNumber: null,
  status,
  hanJoinedAt: deviceType === 'CHF' ? null : hanJoinedAt,
});

function site(
  o: {
    esme?: 'Active' | 'Dormant' | null;
    gsme?: 'Active' | 'Dormant';
    hh?: boolean;
    extra?: SmsoDevice[];
  } = {},
): SmsoInstallation {
  const chf = dev('CHF');
  const devices = [chf];
  if (o.esme !== null) devices.push(dev('ESME', o.esme ?? 'Active'));
  if (o.gsme) devices.push(dev('GSME', o.gsme));
  devices.push(dev('GPF', 'Active')); // every SMETS1 Installation has a GPF (TMAD 2)
  devices.push(...(o.extra ?? []));
  return {
    chfDeviceId: chf.deviceId,
    // MPAN with a valid check digit (the shared/spec README's published rule): 1000123456788.
    mpan: o.esme === null ? null : '1000123456788',
    mprn: o.gsme ? '7502316804' : null,
    lastWanContactAt: null,
    unsolicitedHalfHourlyData: o.hh ?? false,
    devices,
  };
}

const cert = (serial: string): CertificateId => ({ serialNumber: serial, issuerName: 'CN=Z1,OU=07' });
const row = (o: Partial<AuthorisationRow> = {}): AuthorisationRow => ({
  maId: 1,
  line: 4,
  userId: '70-B3-D5-1F-30-01-00-01',
  smso: 'CGI',
  commissionedByDcc: true,
  mpan: '1000123456788',
  mprn: null,
  migrationWeek: '2027-01-04',
  migrateOn: null,
  priority: false,
  certificates: { esmeSupplierCritical: cert('11'), esmeSupplierNonCritical: cert('12') },
  ...o,
});

test('MAM 3.4: gasOnlyGate refuses an installation without an ESME and passes one with', () => {
  const r = gasOnlyGate(site({ esme: null, gsme: 'Active' }));
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? null : [r.outcome, r.rule], ['refused', 'MAM 3.4']);
  assert.equal(gasOnlyGate(site()).ok, true);
});

test('TMAD 3.6: metersOf tells all Active, all Dormant and Mixed apart', () => {
  assert.equal(metersOf(site()), 'Active');
  assert.equal(metersOf(site({ esme: 'Dormant', gsme: 'Dormant' })), 'Dormant');
  assert.equal(metersOf(site({ esme: 'Active', gsme: 'Dormant' })), 'Mixed');
});

const EPC_BASE: EpcEntry = {
  entryId: 'EPC-0002',
  list: 'Eligible',
  groupId: 'AA',
  smso: 'CGI',
  applicability: 'ActiveOnly',
  devices: {
    CHF: { manufacturer: 'Toshiba', model: 'TCH-GBCH-S1', firmwareVersion: '1.5.0' },
    ESME: { manufacturer: 'Secure Meters', model: 'Liberty 100', firmwareVersion: 'L100-6.3' },
  },
  entryDate: '2020-07-01',
  removalDate: null,
};

test('TMAD 4.16, 3.6: epcGate holds back an installation whose SMSO or applicability matches no entry; the entry gives the GroupID', () => {
  const entries: EpcEntry[] = [
    EPC_BASE,
    { ...EPC_BASE, entryId: 'EPC-0003', smso: 'TRL', applicability: 'DormantOnly', groupId: 'CA' },
  ];
  const devices = {
    CHF: { manufacturer: 'Toshiba', model: 'TCH-GBCH-S1', firmwareVersion: '1.5.0' },
    ESME: { manufacturer: 'Secure Meters', model: 'Liberty 100', firmwareVersion: 'L100-6.3' },
  };
  const q = (smso: string, meters: 'Active' | 'Dormant'): EpcEntry[] =>
    entries.filter((e) => epcEntryMatches(e, { devices, smso, meters }));
  const active = epcGate(q('CGI', 'Active'), 'CGI', 'Active');
  assert.deepEqual(active.ok ? [active.groupId, active.entryId] : null, ['AA', 'EPC-0002']);
  // Same models, dormant at CGI: EPC-0002 is Active only, EPC-0003 is TRL's → held.
  const dormant = epcGate(q('CGI', 'Dormant'), 'CGI', 'Dormant');
  assert.equal(dormant.ok, false);
  assert.equal(dormant.ok ? '' : dormant.rule, 'TMAD 4.16, 3.6');
  assert.match(dormant.ok ? '' : dormant.reason, /SMSO CGI and Dormant meters/);
  const trl = epcGate(q('TRL', 'Dormant'), 'TRL', 'Dormant');
  assert.deepEqual(trl.ok ? trl.groupId : null, 'CA');
});

test('MAM 7.2.2: equal Organisational Numbers (low nybble of octet 5 + octet 6) are one organisation', () => {
  // 70-B3-D5-1F-3|0-01 and 70-B3-D5-1F-F|0-01: octet 5 low nybble 0, octet 6 01 in both.
  assert.equal(sameOrganisation('70-B3-D5-1F-30-01-00-01', '70-B3-D5-1F-F0-01-00-99'), true);
  assert.equal(sameOrganisation('70-B3-D5-1F-30-01-00-01', '70-B3-D5-1F-30-02-00-01'), false);
});

test('TMAD 4.17, 4.28, MAM 4: authorisationGate holds back an Active meter without its MA; dormant meters are deemed (4.27)', () => {
  const s1 = site({ gsme: 'Active' });
  // Active-Active, only the electricity MA (MPAN only) → held for the gas side.
  const onlyE = authorisationGate({ installation: s1, electricity: row() }, 'Active');
  assert.equal(onlyE.ok, false);
  assert.match(onlyE.ok ? '' : onlyE.rule, /MAM 4/);
  // No MA at all for an Active ESME → 4.17.
  const none = authorisationGate({ installation: site() }, 'Active');
  assert.equal(none.ok ? '' : none.rule, 'TMAD 4.17');
  // Mixed: Active ESME, Dormant GSME, only the electricity MA → passes (4.28: the Active RS's MA).
  const mixed = site({ esme: 'Active', gsme: 'Dormant' });
  assert.equal(authorisationGate({ installation: mixed, electricity: row() }, 'Mixed').ok, true);
  // Mixed the other way: Dormant ESME, Active GSME without the gas MA → 4.17, 4.28.
  const mixed2 = site({ esme: 'Dormant', gsme: 'Active' });
  const r = authorisationGate({ installation: mixed2 }, 'Mixed');
  assert.equal(r.ok ? '' : r.rule, 'TMAD 4.17, 4.28');
  // Dormant-only without any MA → deemed (4.27).
  const dormant = site({ esme: 'Dormant', gsme: 'Dormant' });
  const d = authorisationGate({ installation: dormant }, 'Dormant');
  assert.deepEqual(d.ok ? [d.rows.length, d.migrateOn] : null, [0, null]);
});

test('TMAD 4.19, MAM 7.2.2: a split site (two organisations) migrates on the later of the two Migrate-on days', () => {
  const s = site({ gsme: 'Active' });
  const e = row({ migrateOn: '2027-01-05' });
  const g = row({
    maId: 2,
    userId: '70-B3-D5-1F-30-02-00-01',
    mpan: null,
    mprn: '7502316804',
    migrateOn: '2027-01-07',
    certificates: {},
  });
  const r = authorisationGate({ installation: s, electricity: e, gas: g }, 'Active');
  assert.deepEqual(r.ok ? [r.split, r.migrateOn] : null, [true, '2027-01-07']);
  // Same organisation (equal Organisational Number): not a split site.
  const same = authorisationGate(
    { installation: s, electricity: e, gas: { ...g, userId: '70-B3-D5-1F-F0-01-00-99' } },
    'Active',
  );
  assert.equal(same.ok && same.split, false);
});

test('TMAD 4.32A: dormant-only EA/EB/EC held back until every Supplier Certificate ID is known and none Null', () => {
  const s = site({ esme: 'Dormant', gsme: 'Dormant' });
  const none = supplierCertificates({ installation: s }, true);
  for (const g of ['EA', 'EB', 'EC'] as const) {
    const r = dormantCertificatesGate(g, 'Dormant', none, true);
    assert.equal(r.ok ? '' : r.rule, 'TMAD 4.32A');
    assert.match(r.ok ? '' : r.reason, /6 Supplier Certificate ID\(s\)/);
  }
  // AA is not concerned; nor is an EA installation with an Active meter.
  assert.equal(dormantCertificatesGate('AA', 'Dormant', none, true).ok, true);
  assert.equal(dormantCertificatesGate('EA', 'Mixed', none, true).ok, true);
  // All six known and non-Null → passes.
  const all = supplierCertificates(
    {
      installation: s,
      electricity: row(),
      gas: row({
        certificates: {
          gpfSupplierCritical: cert('21'),
          gpfSupplierNonCritical: cert('22'),
          gsmeSupplierCritical: cert('21'),
          gsmeSupplierNonCritical: cert('22'),
        },
      }),
    },
    true,
  );
  assert.equal(dormantCertificatesGate('EB', 'Dormant', all, true).ok, true);
  // One Null (given as 0 / NULL in the MA) → held.
  const oneNull = { ...all, gsmeNonCritical: NULL_CERTIFICATE_ID };
  assert.match(
    (() => {
      const r = dormantCertificatesGate('EC', 'Dormant', oneNull, true);
      return r.ok ? '' : r.reason;
    })(),
    /1 Supplier Certificate ID/,
  );
});

test('Table 10.1: without a GSME the GPF Supplier Certificate IDs are Null; MA fields 0/NULL read as the Null Certificate ID', () => {
  const sc = supplierCertificates({ installation: site(), electricity: row() }, false);
  assert.deepEqual(sc.gpfCritical, NULL_CERTIFICATE_ID);
  assert.equal(sc.gsmeCritical, undefined);
  const c = maRowCertificates({
    'ESME Supplier Certificate Id (Critical) – Serial Number': '0',
    'ESME Supplier Certificate Id (Critical) – Issuer Name': 'NULL',
    'ESME Supplier Certificate Id (Non-Critical) – Serial Number': '0042',
    'ESME Supplier Certificate Id (Non-Critical) – Issuer Name': 'CN=Z1',
  });
  assert.deepEqual(c.esmeSupplierCritical, NULL_CERTIFICATE_ID);
  assert.deepEqual(c.esmeSupplierNonCritical, { serialNumber: '42', issuerName: 'CN=Z1' });
  assert.equal(c.gsmeSupplierCritical, undefined);
});

test('TMAD 4.24A / 4.44B: EA/EB devices pushing unsolicited half-hourly data: dormant-only refused, active held', () => {
  const s = site({ hh: true });
  const active = unsolicitedHalfHourlyGate('EA', 'Active', s);
  assert.deepEqual(active.ok ? null : [active.outcome, active.rule], ['held', 'TMAD 4.44B']);
  const dormant = unsolicitedHalfHourlyGate('EB', 'Dormant', site({ hh: true, esme: 'Dormant' }));
  assert.deepEqual(dormant.ok ? null : [dormant.outcome, dormant.rule], ['refused', 'TMAD 4.24A']);
  assert.equal(unsolicitedHalfHourlyGate('EC', 'Dormant', s).ok, true);
  assert.equal(unsolicitedHalfHourlyGate('AA', 'Active', s).ok, true);
  assert.equal(unsolicitedHalfHourlyGate('EA', 'Active', site()).ok, true);
});

test('TMAD 4.34A, 4.44A, 16.17: one PPMID, IHD and CAD each, the most recently joined; unknown join times dropped among several', () => {
  const oldIhd = dev('IHD', null, '2019-01-01T00:00:00Z');
  const newIhd = dev('IHD', null, '2024-06-01T12:00:00Z');
  const unknownIhd = dev('IHD', null, null);
  const ppmid = dev('PPMID', null, null); // alone: kept
  const cad1 = dev('CAD', null, null);
  const cad2 = dev('CAD', null, null); // two without join times: insufficient data, both dropped
  const s = site({ extra: [oldIhd, newIhd, unknownIhd, ppmid, cad1, cad2] });
  const sel = selectDevices(s);
  assert.equal(sel.ihd?.deviceId, newIhd.deviceId);
  assert.equal(sel.ppmid?.deviceId, ppmid.deviceId);
  assert.equal(sel.cad, undefined);
  assert.deepEqual(
    sel.dropped.map((d) => d.deviceId).sort(),
    [oldIhd.deviceId, unknownIhd.deviceId, cad1.deviceId, cad2.deviceId].sort(),
  );
  assert.match(sel.dropped.find((d) => d.deviceId === unknownIhd.deviceId)!.reason, /insufficient data/);
});

test("TMAD 4.48: unspecified ESME Network Operator Certificate IDs take the distributor's latest; not for a Dormant ESME with an Active GSME", () => {
  const latest = { critical: cert('91'), nonCritical: cert('92') };
  const both = networkOperatorDefaults({}, false, latest);
  assert.deepEqual([both.critical, both.nonCritical, both.defaulted], [cert('91'), cert('92'), true]);
  // Either of the pair on its own: the given critical ID stays.
  const half = networkOperatorDefaults(
    { critical: cert('55'), nonCritical: NULL_CERTIFICATE_ID },
    false,
    latest,
  );
  assert.deepEqual([half.critical, half.nonCritical], [cert('55'), cert('92')]);
  const dormant = networkOperatorDefaults({}, true, latest);
  assert.deepEqual([dormant.critical, dormant.defaulted], [NULL_CERTIFICATE_ID, false]);
  // No distributor (invalid MPAN) or no notification: stays Null.
  assert.deepEqual(networkOperatorDefaults({}, false, undefined).critical, NULL_CERTIFICATE_ID);
});

test('TMAD 5.8, 4.36: ToBeCommissionedByDCC False only when all Active, the RS self-commissions and one Supplier Party', () => {
  const self = row({ commissionedByDcc: false });
  assert.equal(toBeCommissionedByDcc('Active', [self], true), false);
  assert.equal(toBeCommissionedByDcc('Mixed', [self], true), true); // 4.36
  assert.equal(toBeCommissionedByDcc('Active', [row()], true), true); // RS asked the DCC
  assert.equal(toBeCommissionedByDcc('Active', [self], false), true); // two parties, not affiliates
  assert.equal(toBeCommissionedByDcc('Dormant', [], true), true);
});

test('TMAD 4.24, 4.3: dormant-only first, then priority, then the rest', () => {
  const keys = [
    { meters: 'Active' as const, priority: false, chfDeviceId: 'A' },
    { meters: 'Mixed' as const, priority: true, chfDeviceId: 'B' },
    { meters: 'Dormant' as const, priority: false, chfDeviceId: 'C' },
  ];
  assert.deepEqual(
    [...keys].sort(migrationOrder).map((k) => k.chfDeviceId),
    ['C', 'B', 'A'],
  );
});

test('MAM 7.2.3 Migrate on: an installation due another day is held on this day', () => {
  assert.equal(migrateOnGate('2027-01-06', '2027-01-06').ok, true);
  assert.equal(migrateOnGate(null, '2027-01-06').ok, true);
  const r = migrateOnGate('2027-01-07', '2027-01-06');
  assert.equal(r.ok ? '' : r.rule, 'MAM 7.2.3 Migrate on');
});

// ---- the builder over a hand-made world ---------------------------------------------------------

function fakeReference(epc: EpcEntry[]): ReferenceData {
  const parties: Record<string, string> = { '11': 'SUPA', '12': 'SUPA', '21': 'SUPB', '22': 'SUPB' };
  return {
    eligibleCombinations: async (q: CombinationQuery) => epc.filter((e) => epcEntryMatches(e, q)),
    certificate: async (id: CertificateId) =>
      parties[id.serialNumber]
        ? ({ entityId: `70-B3-D5-1F-30-0${parties[id.serialNumber] === 'SUPA' ? 1 : 2}-00-01` } as never)
        : undefined,
    partyOfUserId: async (u: string) =>
      ({ partySignifier: u === '70-B3-D5-1F-30-01-00-01' ? 'SUPA' : 'SUPB' }) as never,
    areAffiliates: async (a: string, b: string) => a === b,
    electricityDistributorAt: async () => 'DNOA',
    latestNetworkOperatorCertificateIds: async () => ({
      distributor: 'DNOA',
      notifiedAt: '2020-06-01',
      critical: cert('91'),
      nonCritical: cert('92'),
    }),
  } as unknown as ReferenceData;
}

test('buildMigrationCommonFiles: one MCF per GroupID and Supplier Party, dormant-only first, a reason for every other installation', async () => {
  const epc: EpcEntry[] = [
    { ...EPC_BASE, applicability: 'Either' },
    {
      ...EPC_BASE,
      entryId: 'EPC-0009',
      groupId: 'EA',
      applicability: 'Either',
      devices: {
        ...EPC_BASE.devices,
        CHF: { manufacturer: 'Toshiba', model: 'EA-HUB', firmwareVersion: null },
      },
    },
  ];
  const active = site();
  const dormant = { ...site({ esme: 'Dormant' }), mpan: '1200987654320' };
  const gasOnly = site({ esme: null, gsme: 'Active' });
  const noMa = { ...site(), mpan: '1400555012343' };
  const eaDormant = { ...site({ esme: 'Dormant' }), mpan: '1600111222330' };
  eaDormant.devices[0] = { ...eaDormant.devices[0]!, model: 'EA-HUB' };
  const unknownModel = { ...site(), mpan: '1800000000006' };
  unknownModel.devices[1] = { ...unknownModel.devices[1]!, model: 'Nope' };
  const authorisations = [
    row({ mpan: active.mpan }),
    row({ mpan: unknownModel.mpan }),
    row({ mpan: '1600111222330', migrationWeek: '2027-01-11' }), // another week: not used
  ];
  const plan = await buildMigrationCommonFiles({
    week: '2027-01-04',
    smso: 'CGI',
    inventory: [active, dormant, gasOnly, noMa, eaDormant, unknownModel],
    authorisations,
    reference: fakeReference(epc),
    at: new Date('2027-01-04T00:00:00Z'),
  });
  const by = new Map(plan.outcomes.map((o) => [o.chfDeviceId, o]));
  assert.deepEqual(
    [active, dormant, gasOnly, noMa, eaDormant, unknownModel].map((s) => {
      const o = by.get(s.chfDeviceId)!;
      return [o.outcome, o.rule];
    }),
    [
      ['included', null],
      ['included', null],
      ['refused', 'MAM 3.4'],
      ['held', 'TMAD 4.17'],
      ['held', 'TMAD 4.32A'],
      ['held', 'TMAD 4.16, 3.6'],
    ],
  );
  // The dormant-only installation has Null supplier IDs: its own MCF, empty Supplier Signifier, first (4.24).
  assert.equal(plan.mcfs.length, 2);
  assert.deepEqual(
    plan.mcfs.map((m) => [m.groupId, m.supplierSignifier, m.toBeCommissionedByDcc, m.installations.length]),
    [
      ['AA', '', true, 1],
      ['AA', 'SUPA', true, 1],
    ],
  );
  const inst = plan.mcfs[1]!.installations[0]!;
  // 4.48: the MA gave no ESME Network Operator IDs; the distributor's latest were used.
  assert.deepEqual(inst.esmeDetail.criticalNetworkOperatorCertificateId, cert('91'));
  assert.deepEqual(inst.esmeDetail.criticalSupplierCertificateId, cert('11'));
  assert.deepEqual(inst.gpfDetail.criticalSupplierCertificateId, NULL_CERTIFICATE_ID);
});

// ---- gates over a world of several installations: each holds back exactly the ones it should ------

/** An MPAN core with its check digit (the shared/spec README rule: primes 3..43 without 11, mod 11, mod 10). */
function mpanOf(twelve: string): string {
  const p = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
  const sum = [...twelve].reduce((s, d, i) => s + Number(d) * p[i]!, 0);
  return `${twelve}${(sum % 11) % 10}`;
}
const USER = {
  SUPA: '70-B3-D5-1F-30-01-00-01',
  SUPB: '70-B3-D5-1F-30-02-00-01',
  SUPC: '70-B3-D5-1F-30-03-00-01',
};
const PARTY_OF_USER: Record<string, string> = Object.fromEntries(
  Object.entries(USER).map(([p, u]) => [u, p]),
);
const CERTS: Record<
  string,
  Pick<AuthorisationRow['certificates'], 'esmeSupplierCritical'> & AuthorisationRow['certificates']
> = {
  SUPA: {
    esmeSupplierCritical: cert('11'),
    esmeSupplierNonCritical: cert('12'),
    gpfSupplierCritical: cert('11'),
    gpfSupplierNonCritical: cert('12'),
    gsmeSupplierCritical: cert('11'),
    gsmeSupplierNonCritical: cert('12'),
  },
  SUPB: {
    esmeSupplierCritical: cert('21'),
    esmeSupplierNonCritical: cert('22'),
    gpfSupplierCritical: cert('21'),
    gpfSupplierNonCritical: cert('22'),
    gsmeSupplierCritical: cert('21'),
    gsmeSupplierNonCritical: cert('22'),
  },
};
const PARTY_OF_SERIAL: Record<string, string> = { '11': 'SUPA', '12': 'SUPA', '21': 'SUPB', '22': 'SUPB' };

interface World {
  /** MPRN → Gas Supplier; MPAN → Import Supplier. */
  gas?: Record<string, string>;
  imports?: Record<string, string>;
  /** Affiliate pairs. */
  affiliates?: Array<[string, string]>;
}
function worldReference(w: World): ReferenceData {
  const groups = ['AA', 'DA', 'EA', 'EB', 'EC'] as const;
  const epc: EpcEntry[] = groups.flatMap((g, k) =>
    [false, true].map((withGas, j) => ({
      ...EPC_BASE,
      entryId: `EPC-1${k}${j}`,
      groupId: g,
      applicability: 'Either' as const,
      devices: {
        CHF: { manufacturer: 'Toshiba', model: `${g}-HUB`, firmwareVersion: '1.5.0' },
        ESME: EPC_BASE.devices.ESME,
        ...(withGas
          ? { GSME: { manufacturer: 'Secure Meters', model: 'GSME-M', firmwareVersion: '1' } }
          : {}),
      },
    })),
  );
  const aff = w.affiliates ?? [];
  return {
    eligibleCombinations: async (q: CombinationQuery) => epc.filter((e) => epcEntryMatches(e, q)),
    certificate: async (id: CertificateId) => {
      const p = PARTY_OF_SERIAL[id.serialNumber];
      return p ? ({ entityId: USER[p as keyof typeof USER] } as never) : undefined;
    },
    partyOfUserId: async (u: string) =>
      PARTY_OF_USER[u] ? ({ partySignifier: PARTY_OF_USER[u] } as never) : undefined,
    areAffiliates: async (a: string, b: string) =>
      a === b || aff.some(([x, y]) => (x === a && y === b) || (x === b && y === a)),
    importSupplierAt: async (mpan: string) => w.imports?.[mpan] ?? null,
    gasSupplierAt: async (mprn: string) => w.gas?.[mprn] ?? null,
    electricityDistributorAt: async () => 'DNOA',
    latestNetworkOperatorCertificateIds: async () => ({
      distributor: 'DNOA',
      notifiedAt: '2020-06-01',
      critical: cert('91'),
      nonCritical: cert('92'),
    }),
  } as unknown as ReferenceData;
}

let seq = 0;
/** An installation of GroupID `g` (its CHF model selects the EPC entry), with its own MPAN and MPRN. */
function siteIn(
  g: 'AA' | 'DA' | 'EA' | 'EB' | 'EC',
  o: { esme?: 'Active' | 'Dormant'; gsme?: 'Active' | 'Dormant' } = {},
): SmsoInstallation {
  const s = site(o);
  const k = (++seq).toString().padStart(6, '0');
  s.devices[0] = { ...s.devices[0]!, model: `${g}-HUB` };
  return { ...s, mpan: mpanOf(`140000${k}`), mprn: o.gsme ? `88${k}` : null };
}
const maRow = (party: 'SUPA' | 'SUPB' | 'SUPC', s: SmsoInstallation, o: Partial<AuthorisationRow> = {}) =>
  row({
    userId: USER[party],
    mpan: s.mpan,
    mprn: s.mprn,
    certificates: CERTS[party === 'SUPC' ? 'SUPA' : party]!,
    ...o,
  });
async function build(
  inventory: SmsoInstallation[],
  authorisations: AuthorisationRow[],
  w: World,
  extra: Partial<Parameters<typeof buildMigrationCommonFiles>[0]> = {},
) {
  const plan = await buildMigrationCommonFiles({
    week: '2027-01-04',
    smso: 'CGI',
    inventory,
    authorisations,
    reference: worldReference(w),
    at: new Date('2027-01-04T00:00:00Z'),
    ...extra,
  });
  const by = new Map(plan.outcomes.map((x) => [x.chfDeviceId, x]));
  return { plan, of: (s: SmsoInstallation) => by.get(s.chfDeviceId)! };
}
const verdict = (o: { outcome: string; rule: string | null }) => [o.outcome, o.rule];

test('TMAD 2 Migration Authorisation, 4.17: gasAuthorisationGate: the Gas Supplier, or an Affiliate through the electricity MA except EA/EB/EC', () => {
  const f = {
    groupId: 'AA' as const,
    mprn: '88000001',
    senderParty: 'SUPA',
    gasSupplier: 'SUPC',
    fromElectricityMa: true,
    affiliates: true,
  };
  assert.deepEqual(gasAuthorisationGate(f), { ok: true, deemed: true });
  assert.deepEqual(gasAuthorisationGate({ ...f, gasSupplier: 'SUPA' }), { ok: true, deemed: false });
  for (const g of ['EA', 'EB', 'EC'] as const) {
    const r = gasAuthorisationGate({ ...f, groupId: g });
    assert.equal(r.ok ? '' : r.rule, 'TMAD 4.17; TMAD 2 Migration Authorisation');
    assert.match(
      r.ok ? '' : r.reason,
      new RegExp(`for GroupID ${g} an Affiliate's authorisation is not deemed`),
    );
  }
  const notAffiliate = gasAuthorisationGate({ ...f, affiliates: false });
  assert.match(notAffiliate.ok ? '' : notAffiliate.reason, /not the Gas Supplier SUPC nor its Affiliate/);
  // An MPRN-only row of an Affiliate is not "the electricity MA including the gas details": held.
  const gasOnly = gasAuthorisationGate({ ...f, fromElectricityMa: false });
  assert.match(gasOnly.ok ? '' : gasOnly.reason, /is from SUPA, not its Gas Supplier SUPC/);
  // Unknown sender or no Gas Supplier on record: taken as the Responsible Supplier's (5.10.14 checks).
  assert.equal(gasAuthorisationGate({ ...f, affiliates: false, gasSupplier: null }).ok, true);
  assert.equal(gasAuthorisationGate({ ...f, affiliates: false, senderParty: null }).ok, true);
});

test("TMAD 2 Migration Authorisation, 4.17, MAM 7.2.2: the builder holds back exactly the Active GSMEs without their Gas Supplier's (or deemed) authorisation", async () => {
  const deemed = siteIn('AA', { gsme: 'Active' }); // SUPA's MA names MPRN; Gas Supplier SUPC, an Affiliate
  const notAffiliated = siteIn('AA', { gsme: 'Active' }); // Gas Supplier SUPB, no Affiliate
  const eaAffiliate = siteIn('EA', { gsme: 'Active' }); // EA: no deemed authorisation
  const split = siteIn('AA', { gsme: 'Active' }); // SUPA electricity, SUPB gas, each its own MA
  const own = siteIn('AA', { gsme: 'Active' }); // SUPA supplies both
  const olderOwn = siteIn('AA', { gsme: 'Active' }); // SUPB's own gas MA, then SUPA's newer combined one
  const dormantGas = siteIn('AA', { gsme: 'Dormant' }); // 4.28: only the Active ESME's MA is needed
  const inventory = [deemed, notAffiliated, eaAffiliate, split, own, olderOwn, dormantGas];
  const { plan, of } = await build(
    inventory,
    [
      maRow('SUPA', deemed),
      maRow('SUPA', notAffiliated),
      maRow('SUPA', eaAffiliate),
      maRow('SUPA', split, { mprn: null }),
      maRow('SUPB', split, { maId: 2, mpan: null }),
      maRow('SUPA', own),
      maRow('SUPB', olderOwn, { maId: 2, mpan: null }),
      maRow('SUPA', olderOwn, { maId: 3 }),
      maRow('SUPA', dormantGas, { mprn: null }),
    ],
    {
      gas: {
        [deemed.mprn!]: 'SUPC',
        [notAffiliated.mprn!]: 'SUPB',
        [eaAffiliate.mprn!]: 'SUPC',
        [split.mprn!]: 'SUPB',
        [own.mprn!]: 'SUPA',
        [olderOwn.mprn!]: 'SUPB',
        [dormantGas.mprn!]: 'SUPB',
      },
      affiliates: [['SUPA', 'SUPC']],
    },
  );
  const rule = 'TMAD 4.17; TMAD 2 Migration Authorisation';
  assert.deepEqual(
    inventory.map((s) => verdict(of(s))),
    [
      ['included', null],
      ['held', rule],
      ['held', rule],
      ['included', null],
      ['included', null],
      ['included', null],
      ['included', null],
    ],
  );
  assert.ok(
    of(deemed).notes.some((n) => /deemed the authorisation of its Affiliate, the Gas Supplier SUPC/.test(n)),
  );
  assert.match(of(notAffiliated).reason!, /SUPA is not the Gas Supplier SUPB nor its Affiliate/);
  assert.match(of(eaAffiliate).reason!, /for GroupID EA an Affiliate's authorisation is not deemed/);
  assert.ok(of(split).notes.some((n) => /split supply/.test(n)));
  // The Gas Supplier's own (older) MA authorises the gas side; its gas certificates go into the MCF.
  const mcf = plan.mcfs[of(olderOwn).mcf!]!;
  const inst = mcf.installations.find((i) => i.chfDetail.deviceId === olderOwn.chfDeviceId)!;
  assert.deepEqual(inst.gsmeDetail!.criticalSupplierCertificateId, cert('21'));
  // The deemed one carries the electricity MA's gas certificate IDs (TMAD 4.38).
  const d = plan.mcfs[of(deemed).mcf!]!.installations.find(
    (i) => i.chfDetail.deviceId === deemed.chfDeviceId,
  )!;
  assert.deepEqual(d.gsmeDetail!.criticalSupplierCertificateId, cert('11'));
});

const stopReq = (
  id: number,
  party: 'SUPA' | 'SUPB',
  by: { chf?: string; mpan?: string; mprn?: string },
  at = '2027-01-02T12:00:00Z',
) => ({
  id,
  userId: USER[party],
  requestedAt: new Date(at),
  chfDeviceId: by.chf ?? null,
  mpan: by.mpan ?? null,
  mprn: by.mprn ?? null,
});
const BEFORE = new Date('2027-01-01T09:00:00Z');
const AFTER = new Date('2027-01-03T09:00:00Z');

test('TMAD 4.23: a stop request from the Responsible Supplier of an Active Meter holds back exactly that installation', async () => {
  const byChf = siteIn('AA');
  const byMpan = siteIn('AA');
  const byMprn = siteIn('AA', { gsme: 'Active' }); // SUPB supplies the gas (split); it asks by MPRN
  const notRs = siteIn('AA'); // SUPB asks, but SUPA is the Responsible Supplier
  const resent = siteIn('AA'); // SUPA asks, then sends a new MA: authorised again
  const dormant = siteIn('AA', { esme: 'Dormant' }); // no Active Meter: 4.23 does not apply
  const untouched = siteIn('AA');
  const inventory = [byChf, byMpan, byMprn, notRs, resent, dormant, untouched];
  const { of } = await build(
    inventory,
    [
      maRow('SUPA', byChf, { receivedAt: BEFORE }),
      maRow('SUPA', byMpan, { receivedAt: BEFORE }),
      maRow('SUPA', byMprn, { mprn: null, receivedAt: BEFORE }),
      maRow('SUPB', byMprn, { maId: 2, mpan: null, receivedAt: BEFORE }),
      maRow('SUPA', notRs, { receivedAt: BEFORE }),
      maRow('SUPA', resent, { maId: 3, receivedAt: AFTER }),
      maRow('SUPA', untouched, { receivedAt: BEFORE }),
    ],
    { gas: { [byMprn.mprn!]: 'SUPB' }, imports: { [dormant.mpan!]: 'SUPA' } },
    {
      stopRequests: [
        stopReq(1, 'SUPA', { chf: byChf.chfDeviceId }),
        stopReq(2, 'SUPA', { mpan: byMpan.mpan! }),
        stopReq(3, 'SUPB', { mprn: byMprn.mprn! }),
        stopReq(4, 'SUPB', { chf: notRs.chfDeviceId }),
        stopReq(5, 'SUPA', { chf: resent.chfDeviceId }),
        stopReq(6, 'SUPA', { chf: dormant.chfDeviceId }),
      ],
    },
  );
  assert.deepEqual(
    inventory.map((s) => verdict(of(s))),
    [
      ['held', 'TMAD 4.23'],
      ['held', 'TMAD 4.23'],
      ['held', 'TMAD 4.23'],
      ['included', null],
      ['included', null],
      ['included', null],
      ['included', null],
    ],
  );
  assert.match(
    of(byChf).reason!,
    /stop request #1 from 70-B3-D5-1F-30-01-00-01 received 2027-01-02T12:00:00.000Z/,
  );
  assert.match(of(byMprn).reason!, /stop request #3 from 70-B3-D5-1F-30-02-00-01/);
  assert.ok(
    of(notRs).notes.some((n) => /#4 .* not honoured: the sender is not the Responsible Supplier/.test(n)),
  );
  assert.ok(of(resent).notes.some((n) => /#5 .* superseded by a Migration Authorisation/.test(n)));
  assert.ok(of(dormant).notes.some((n) => /#6 .* not honoured/.test(n)));
  assert.equal(of(untouched).notes.filter((n) => /stop request/.test(n)).length, 0);
});

test('TMAD 4.23A: a DA stop request halts every DA installation of that Responsible Supplier due the same day, and no other', async () => {
  const asked = siteIn('DA'); // SUPA asks for this one, due Tuesday
  const sameDay = siteIn('DA'); // SUPA, Tuesday: halted
  const anyDay = siteIn('DA'); // SUPA, no Migrate on (any day of the week): halted
  const otherDay = siteIn('DA'); // SUPA, Wednesday: goes ahead
  const otherSupplier = siteIn('DA'); // SUPB, Tuesday: goes ahead
  const otherGroup = siteIn('AA'); // SUPA, Tuesday, GroupID AA: goes ahead (4.23A is about DA)
  const laterMa = siteIn('DA'); // SUPA, Tuesday, in an MA received after the request: goes ahead
  const inventory = [asked, sameDay, anyDay, otherDay, otherSupplier, otherGroup, laterMa];
  const tue = '2027-01-05';
  const { plan, of } = await build(
    inventory,
    [
      maRow('SUPA', asked, { migrateOn: tue, receivedAt: BEFORE }),
      maRow('SUPA', sameDay, { migrateOn: tue, receivedAt: BEFORE }),
      maRow('SUPA', anyDay, { receivedAt: BEFORE }),
      maRow('SUPA', otherDay, { migrateOn: '2027-01-06', receivedAt: BEFORE }),
      maRow('SUPB', otherSupplier, { maId: 2, migrateOn: tue, receivedAt: BEFORE }),
      maRow('SUPA', otherGroup, { migrateOn: tue, receivedAt: BEFORE }),
      maRow('SUPA', laterMa, { maId: 3, migrateOn: tue, receivedAt: AFTER }),
    ],
    {},
    { stopRequests: [stopReq(7, 'SUPA', { chf: asked.chfDeviceId })] },
  );
  assert.deepEqual(
    inventory.map((s) => verdict(of(s))),
    [
      ['held', 'TMAD 4.23A'],
      ['held', 'TMAD 4.23A'],
      ['held', 'TMAD 4.23A'],
      ['included', null],
      ['included', null],
      ['included', null],
      ['included', null],
    ],
  );
  assert.match(
    of(sameDay).reason!,
    new RegExp(`stop request #7 .* for DA installation ${asked.chfDeviceId} due ${tue}`),
  );
  // Nothing held back is in any MCF.
  const inMcfs = plan.mcfs.flatMap((m) => m.installations.map((i) => i.chfDetail.deviceId));
  assert.deepEqual(inMcfs.includes(asked.chfDeviceId) || inMcfs.includes(sameDay.chfDeviceId), false);
  assert.equal(inMcfs.length, 4);
});

const RESP = (device: 'ESME' | 'GPF' | 'GSME', serial: string) => {
  const b = `${device} Supplier Certificate Id`;
  return {
    [`${b} (Critical) – Serial Number`]: serial,
    [`${b} (Critical) – Issuer Name`]: 'CN=Z1,OU=07',
    [`${b} (Non-Critical) – Serial Number`]: String(Number(serial) + 1),
    [`${b} (Non-Critical) – Issuer Name`]: 'CN=Z1,OU=07',
  };
};
const response = (
  id: number,
  s: SmsoInstallation,
  certificates: Record<string, string>,
  o: { priority?: boolean; onTime?: boolean } = {},
) => ({
  id,
  chfDeviceId: s.chfDeviceId,
  priority: o.priority ?? false,
  certificates,
  onTime: o.onTime ?? true,
});

test('TMAD 4.32A, 4.32: dormant-only EA/EB/EC held back until the stored responses give every Supplier Certificate ID, none Null; those IDs go into the MCF', async () => {
  const none = siteIn('EA', { esme: 'Dormant', gsme: 'Dormant' }); // no response at all
  const partial = siteIn('EB', { esme: 'Dormant', gsme: 'Dormant' }); // ESME only
  const nullOne = siteIn('EC', { esme: 'Dormant' }); // ESME Non-Critical the Null Certificate ID
  const complete = siteIn('EA', { esme: 'Dormant', gsme: 'Dormant' }); // split: SUPA's ESME, SUPB's gas
  const late = siteIn('EB', { esme: 'Dormant' }); // only a late response: used (4.32 "may use")
  const aa = siteIn('AA', { esme: 'Dormant' }); // AA is not gated; its response's IDs are used
  const inventory = [none, partial, nullOne, complete, late, aa];
  const { plan, of } = await build(
    inventory,
    [],
    {},
    {
      dormantResponses: [
        response(1, partial, RESP('ESME', '11')),
        response(2, nullOne, {
          ...RESP('ESME', '11'),
          'ESME Supplier Certificate Id (Non-Critical) – Serial Number': '0',
          'ESME Supplier Certificate Id (Non-Critical) – Issuer Name': 'NULL',
        }),
        response(3, complete, RESP('ESME', '11')),
        response(4, complete, { ...RESP('GPF', '21'), ...RESP('GSME', '21') }),
        response(5, late, RESP('ESME', '11'), { onTime: false }),
        response(6, aa, RESP('ESME', '11')),
      ],
    },
  );
  assert.deepEqual(
    inventory.map((s) => verdict(of(s))),
    [
      ['held', 'TMAD 4.32A'],
      ['held', 'TMAD 4.32A'],
      ['held', 'TMAD 4.32A'],
      ['included', null],
      ['included', null],
      ['included', null],
    ],
  );
  assert.match(of(none).reason!, /no response to the Dormant Meter Migration Schedule received/);
  assert.match(
    of(partial).reason!,
    /4 Supplier Certificate ID\(s\) .*\(GPF Critical, GPF Non-Critical, GSME Critical, GSME Non-Critical;/,
  );
  assert.match(of(nullOne).reason!, /1 Supplier Certificate ID\(s\) .*\(ESME Non-Critical;/);
  const c = plan.mcfs[of(complete).mcf!]!;
  const inst = c.installations.find((i) => i.chfDetail.deviceId === complete.chfDeviceId)!;
  assert.deepEqual(
    [inst.esmeDetail.criticalSupplierCertificateId, inst.gsmeDetail!.nonCriticalSupplierCertificateId],
    [cert('11'), cert('22')],
  );
  assert.equal(c.groupId, 'EA');
  assert.ok(
    of(complete).notes.some((n) => /TMAD 4.32: Certificate IDs from the response .* \(row 3, 4\)/.test(n)),
  );
  // 4.48 still fills the ESME Network Operator IDs the response left unspecified.
  assert.deepEqual(inst.esmeDetail.criticalNetworkOperatorCertificateId, cert('91'));
  const a = plan.mcfs[of(aa).mcf!]!.installations.find((i) => i.chfDetail.deviceId === aa.chfDeviceId)!;
  assert.deepEqual(a.esmeDetail.criticalSupplierCertificateId, cert('11'));
});

test('TMAD 4.32, MAM 6: of several responses the latest on-time one in force per certificate; a late one only where no on-time one gives it', () => {
  const s = site({ esme: 'Dormant' });
  const m = dormantResponsesByChf([
    response(1, s, RESP('ESME', '11')),
    response(2, s, RESP('ESME', '21'), { onTime: false, priority: true }),
    response(3, s, { ...RESP('ESME', '31'), ...RESP('GSME', '41') }),
    response(4, s, RESP('GPF', '51'), { onTime: false }),
  ]).get(s.chfDeviceId)!;
  assert.equal(m.certificates['ESME Supplier Certificate Id (Critical) – Serial Number'], '31');
  assert.equal(m.certificates['GSME Supplier Certificate Id (Critical) – Serial Number'], '41');
  assert.equal(m.certificates['GPF Supplier Certificate Id (Critical) – Serial Number'], '51');
  // The late row's priority flag is not in force when on-time rows exist.
  assert.equal(m.priority, false);
});

test('TMAD 4.24, 4.3, 4.32: in the MCF dormant-only first (priority ones first among them), then priority, then the rest', async () => {
  const active = siteIn('AA');
  const activePriority = siteIn('AA');
  const dormant = siteIn('AA', { esme: 'Dormant' });
  const dormantPriority = siteIn('AA', { esme: 'Dormant' });
  const inventory = [active, activePriority, dormant, dormantPriority];
  const { plan } = await build(
    inventory,
    [maRow('SUPA', active), maRow('SUPA', activePriority, { priority: true })],
    {},
    {
      dormantResponses: [
        response(1, dormant, RESP('ESME', '11')),
        response(2, dormantPriority, RESP('ESME', '11'), { priority: true }),
      ],
    },
  );
  assert.equal(plan.mcfs.length, 1);
  assert.deepEqual(
    plan.mcfs[0]!.installations.map((i) => i.chfDetail.deviceId),
    [dormantPriority, dormant, activePriority, active].map((s) => s.chfDeviceId),
  );
  // Without the responses the dormant ones have Null Supplier IDs: their own MCF, still first (4.24).
  const bare = await build(
    inventory,
    [maRow('SUPA', active), maRow('SUPA', activePriority, { priority: true })],
    {},
  );
  assert.deepEqual(
    bare.plan.mcfs.map((m) => [m.supplierSignifier, m.installations.length]),
    [
      ['', 2],
      ['SUPA', 2],
    ],
  );
});

test('MAM 7.2.3 Migrate on, TMAD 4.19: with --day only that day and undated ones; a split site runs on the later day', async () => {
  const mon = siteIn('AA');
  const tue = siteIn('AA');
  const undated = siteIn('AA');
  const split = siteIn('AA', { gsme: 'Active' });
  const inventory = [mon, tue, undated, split];
  const rows = [
    maRow('SUPA', mon, { migrateOn: '2027-01-04' }),
    maRow('SUPA', tue, { migrateOn: '2027-01-05' }),
    maRow('SUPA', undated),
    maRow('SUPA', split, { mprn: null, migrateOn: '2027-01-04' }),
    maRow('SUPB', split, { maId: 2, mpan: null, migrateOn: '2027-01-05' }),
  ];
  const w = { gas: { [split.mprn!]: 'SUPB' } };
  const monday = await build(inventory, rows, w, { day: '2027-01-04' });
  assert.deepEqual(
    inventory.map((s) => verdict(monday.of(s))),
    [
      ['included', null],
      ['held', 'MAM 7.2.3 Migrate on'],
      ['included', null],
      ['held', 'MAM 7.2.3 Migrate on'],
    ],
  );
  assert.match(monday.of(split).reason!, /Migrate on 2027-01-05: not migrated on 2027-01-04/);
  const tuesday = await build(inventory, rows, w, { day: '2027-01-05' });
  assert.deepEqual(
    inventory.map((s) => tuesday.of(s).outcome),
    ['held', 'included', 'included', 'included'],
  );
  assert.ok(
    tuesday.of(split).notes.some((n) => /TMAD 4.19: two Migrate-on days, the later 2027-01-05/.test(n)),
  );
  assert.deepEqual(
    tuesday.plan.mcfs.map((m) => m.migrateOn),
    tuesday.plan.mcfs.map(() => '2027-01-05'),
  );
});

// ---- every gate on the first of two installations: exactly it is stopped, the second goes on ------

interface GateCase {
  rule: string;
  outcome: 'held' | 'refused';
  reason: RegExp;
  /** The first installation, its MA rows and extra build input; the second is a clean AA installation. */
  make(): {
    first: SmsoInstallation;
    rows: AuthorisationRow[];
    extra?: Partial<Parameters<typeof buildMigrationCommonFiles>[0]>;
    world?: World;
  };
}
const GATE_CASES: GateCase[] = [
  {
    rule: 'MAM 3.4',
    outcome: 'refused',
    reason: /no ESME: gas-only/,
    make: () => {
      const first = { ...siteIn('AA', { gsme: 'Active' }) };
      first.devices = first.devices.filter((d) => d.deviceType !== 'ESME');
      return { first: { ...first, mpan: null }, rows: [maRow('SUPA', first, { mpan: null })] };
    },
  },
  {
    rule: 'TMAD 4.16, 3.6',
    outcome: 'held',
    reason: /no SMETS1 Eligible Product Combination entry .* SMSO CGI and Active meters/,
    make: () => {
      const first = siteIn('AA');
      first.devices[1] = { ...first.devices[1]!, model: 'Liberty 999' };
      return { first, rows: [maRow('SUPA', first)] };
    },
  },
  {
    rule: 'TMAD 4.17',
    outcome: 'held',
    reason: /no Migration Authorisation names the Active ESME's MPAN/,
    make: () => ({ first: siteIn('AA'), rows: [] }),
  },
  {
    rule: 'TMAD 4.17, 4.28',
    outcome: 'held',
    reason: /no Migration Authorisation names the Active GSME's MPRN/,
    make: () => ({ first: siteIn('AA', { esme: 'Dormant', gsme: 'Active' }), rows: [] }),
  },
  {
    rule: 'TMAD 4.17; MAM 4 (Active-Active split supply)',
    outcome: 'held',
    reason: /Active GSME's MPRN/,
    make: () => {
      const first = siteIn('AA', { gsme: 'Active' });
      return { first, rows: [maRow('SUPA', first, { mprn: null })] };
    },
  },
  {
    rule: 'TMAD 4.24A',
    outcome: 'refused',
    reason: /GroupID EB, only Dormant Meters, devices configured to send unsolicited half-hourly data/,
    make: () => ({
      first: { ...siteIn('EB', { esme: 'Dormant' }), unsolicitedHalfHourlyData: true },
      rows: [],
    }),
  },
  {
    rule: 'TMAD 4.44B',
    outcome: 'held',
    reason:
      /GroupID EA: devices configured to send unsolicited half-hourly data must not be in a Migration Authorisation/,
    make: () => {
      const first = { ...siteIn('EA'), unsolicitedHalfHourlyData: true };
      return { first, rows: [maRow('SUPA', first)] };
    },
  },
  {
    rule: 'TMAD 2 SMETS1 Installation; Table 10.1 GPFDetail',
    outcome: 'held',
    reason: /lists no GPF/,
    make: () => {
      const first = siteIn('AA');
      first.devices = first.devices.filter((d) => d.deviceType !== 'GPF');
      return { first, rows: [maRow('SUPA', first)] };
    },
  },
  {
    rule: 'TMAD 4.32A',
    outcome: 'held',
    reason: /GroupID EC, only Dormant Meters: no response to the Dormant Meter Migration Schedule/,
    make: () => ({ first: siteIn('EC', { esme: 'Dormant' }), rows: [] }),
  },
  {
    rule: 'MAM 7.2.3 Migrate on',
    outcome: 'held',
    reason: /Migrate on 2027-01-06: not migrated on 2027-01-05/,
    make: () => {
      const first = siteIn('AA');
      return {
        first,
        rows: [maRow('SUPA', first, { migrateOn: '2027-01-06' })],
        extra: { day: '2027-01-05' },
      };
    },
  },
  {
    rule: 'TMAD 5.9.10',
    outcome: 'held',
    reason: /Supplier Certificate ID \(serial 77, .*\) is not a known Organisation Certificate/,
    make: () => {
      const first = siteIn('AA');
      return {
        first,
        rows: [
          maRow('SUPA', first, { certificates: { ...CERTS.SUPA, esmeSupplierNonCritical: cert('77') } }),
        ],
      };
    },
  },
  {
    rule: 'TMAD 4.23',
    outcome: 'held',
    reason: /stop request #9/,
    make: () => {
      const first = siteIn('AA');
      return {
        first,
        rows: [maRow('SUPA', first, { receivedAt: BEFORE })],
        extra: { stopRequests: [stopReq(9, 'SUPA', { mpan: first.mpan! })] },
      };
    },
  },
  {
    rule: 'TMAD 4.17; TMAD 2 Migration Authorisation',
    outcome: 'held',
    reason: /SUPA is not the Gas Supplier SUPB nor its Affiliate/,
    make: () => {
      const first = siteIn('AA', { gsme: 'Active' });
      return { first, rows: [maRow('SUPA', first)], world: { gas: { [first.mprn!]: 'SUPB' } } };
    },
  },
];

for (const g of GATE_CASES)
  test(`${g.rule}: on the first of two installations exactly that gate stops it (${g.outcome}, with the reason); the second goes into an MCF`, async () => {
    const { first, rows, extra, world } = g.make();
    const clean = siteIn('AA');
    const cleanRow = maRow('SUPA', clean, { maId: 50, migrateOn: extra?.day ?? null });
    const { plan, of } = await build([first, clean], [...rows, cleanRow], world ?? {}, extra ?? {});
    assert.deepEqual(verdict(of(first)), [g.outcome, g.rule]);
    assert.match(of(first).reason!, g.reason);
    assert.equal(of(first).mcf, null);
    assert.deepEqual(verdict(of(clean)), ['included', null]);
    assert.deepEqual(
      plan.mcfs.flatMap((m) => m.installations.map((i) => i.chfDetail.deviceId)),
      [clean.chfDeviceId],
    );
  });
