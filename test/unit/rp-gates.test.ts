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
  epcGate,
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
