// Reference data (issue #11): every CSV format against the samples and broken rows, and the look-up
// rules. The group-key samples were made with openssl (key, SPKI and SHA-1 Key Identifier computed by
// `openssl pkey -pubout -outform DER | tail -c 65 | openssl sha1`), so the Key Identifier check is tested
// against values our code did not compute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/cli.js';
import {
  REGISTRY_NAMES,
  applicabilityAllows,
  certificateIdMatches,
  combinationMatches,
  commonNameOf,
  compareGroupModelsWithEpc,
  epcEntryMatches,
  exportLines,
  groupKeyUsableAt,
  latestNotifiedAt,
  parseRefDate,
  readReferenceCsv,
  registeredPartyAt,
  registrationChangesWithin,
  type DeviceCombination,
  type RegistryName,
} from '../../src/core/reference/index.js';

const sample = (r: RegistryName): string =>
  fs.readFileSync(path.join(REPO_ROOT, 'samples', 'reference', `${r}.csv`), 'utf8');
const read = <K extends RegistryName>(r: K, text = sample(r)) => readReferenceCsv(r, `${r}.csv`, text);
const header = (r: RegistryName): string => sample(r).split('\n')[0]!;
const d = (s: string): Date => new Date(s);

test('every sample parses without a problem and exports byte-identical', () => {
  for (const r of REGISTRY_NAMES) {
    const got = read(r);
    assert.deepEqual(got.problems, [], r);
    assert.ok(got.entries.length > 0, r);
    assert.equal(
      [
        ...exportLines(
          r,
          got.rows.map((x) => x.fields),
        ),
      ].join(''),
      sample(r),
      r,
    );
  }
});

test('CSV: wrong header, field count, broken quoting, BOM, empty file: each named with file, line, rule', () => {
  let p = read('smi', 'Device ID,Type,Status\n').problems;
  assert.equal(p[0]!.line, 1);
  assert.equal(p[0]!.file, 'smi.csv');
  assert.match(p[0]!.message, /expected exactly 'Device ID,Device Type,Status'/);
  p = read('smi', `${header('smi')}\n00-0D-6F-00-00-A0-01-01,CHF\n"x,CHF,Pending\n\n`).problems;
  assert.deepEqual(
    p.map((x) => x.line),
    [2, 3, 4],
  );
  assert.match(p[0]!.message, /2 fields: expected 3/);
  assert.match(p[1]!.message, /not closed/);
  assert.match(p[2]!.message, /empty line/);
  assert.match(read('smi', `\uFEFF${header('smi')}\n`).problems[0]!.message, /byte order mark/);
  assert.match(read('smi', '').problems[0]!.message, /empty file/);
  // CRLF line ends are accepted
  assert.deepEqual(read('smi', `${header('smi')}\r\n00-0D-6F-00-00-A0-01-01,CHF,Pending\r\n`).problems, []);
});

test('TMAD 5.10.4 SMI: Device ID, Device Type and Status checked per column; a Device ID once', () => {
  const p = read(
    'smi',
    `${header('smi')}\n70-b3-d5-1f-30-00-00-01,CHF,Pending\n00-0D-6F-00-00-A0-01-01,XYZ,Pending\n00-0D-6F-00-00-A0-01-01,CHF,Gone\n00-0D-6F-00-00-A0-01-02,CHF,Pending\n00-0D-6F-00-00-A0-01-02,ESME,Commissioned\n`,
  ).problems;
  assert.deepEqual(
    p.map((x) => [x.line, x.field]),
    [
      [2, 'Device ID'],
      [3, 'Device Type'],
      [4, 'Status'],
      [6, null],
    ],
  );
  assert.equal(p[1]!.column, 25);
  assert.match(p[3]!.message, /same entry as line 5/);
});

test('TMAD 2 CPL: every column required; Device Type one of the SMETS1 types', () => {
  const p = read(
    'products',
    `${header('products')}\nToshiba,,1.0,CHF\nToshiba,X, 1.0,CHF\nA,B,C,HAN\n`,
  ).problems;
  assert.deepEqual(
    p.map((x) => [x.line, x.field]),
    [
      [2, 'Model'],
      [3, 'Firmware Version'],
      [4, 'Device Type'],
    ],
  );
});

test('TMAD 3.6 / 5.2 EPC: GroupID, SMSO, applicability, a device named in part, Removal before Entry', () => {
  const h = header('epc');
  const row = 'EPC-9,Eligible,AA,CGI,Either,T,M,1,S,L,2,,,,,,,2020-01-01,';
  assert.deepEqual(read('epc', `${h}\n${row}\n`).problems, []);
  const p = read(
    'epc',
    [
      h,
      row.replace(',AA,', ',ZZ,'),
      row.replace(',CGI,', ',cgi,'),
      row.replace('Either', 'Both'),
      row.replace('S,L,2,,', 'S,L,2,Elster,'),
      row.replace('2020-01-01,', '2020-01-01,2019-12-31'),
      row.replace('2020-01-01,', '2020-02-30,'),
      row,
      row,
    ].join('\n'),
  ).problems;
  assert.deepEqual(
    p.map((x) => [x.line, x.field, x.rule]),
    [
      [2, 'GroupID', 'TMAD 5.2'],
      [3, 'SMSO', 'TMAD 3.6'],
      [4, 'Applicability', 'TMAD 3.6'],
      [5, 'GSME Model', 'TMAD 3.6'],
      [6, 'Removal Date', 'TMAD 3.6'],
      [7, 'Entry Date', 'TMAD 3.6'],
      [9, null, 'TMAD 3.6, 5.2'],
    ],
  );
});

test('TMAD 3.6: same models with another SMSO or applicability are separate entries; all characteristics match', () => {
  const entries = read('epc').entries;
  const devices: DeviceCombination = {
    CHF: { manufacturer: 'Toshiba', model: 'TCH-GBCH-S1', firmwareVersion: '1.5.0' },
    ESME: { manufacturer: 'Secure Meters', model: 'Liberty 100', firmwareVersion: 'L100-6.3' },
  };
  const ids = (q: Parameters<typeof epcEntryMatches>[1]): string[] =>
    entries.filter((e) => epcEntryMatches(e, q)).map((e) => e.entryId);
  assert.deepEqual(ids({ devices }), ['EPC-0002', 'EPC-0003']); // 5.10.3: models + GroupID only
  assert.deepEqual(ids({ devices, groupId: 'AA', smso: 'CGI', meters: 'Active' }), ['EPC-0002']); // 4.16
  assert.deepEqual(ids({ devices, smso: 'CGI', meters: 'Dormant' }), []);
  assert.deepEqual(ids({ devices, smso: 'TRL', meters: 'Dormant' }), ['EPC-0003']);
  assert.deepEqual(ids({ devices, groupId: 'BA' }), []);
  // exact match: a listed GSME does not match an installation without one (and the reverse)
  assert.deepEqual(ids({ devices, groupId: 'AA', smso: 'CGI', meters: 'Mixed' }), []);
  // empty firmware on the list = any firmware of the model (EPC-0004's CHF)
  const ba: DeviceCombination = {
    CHF: { manufacturer: 'Telit', model: 'CH-EDMI-S1', firmwareVersion: '3.02' },
    ESME: { manufacturer: 'EDMI', model: 'Atlas Mk7A', firmwareVersion: '7.11' },
    GSME: { manufacturer: 'Elster', model: 'BK-G4 E', firmwareVersion: '5.1' },
    PPMID: { manufacturer: 'Secure Meters', model: 'Horizon PPMID', firmwareVersion: 'H-3.4' },
  };
  assert.deepEqual(ids({ devices: ba, groupId: 'BA' }), ['EPC-0004']);
  assert.deepEqual(ids({ devices: { ...ba, ESME: { ...ba.ESME, firmwareVersion: '7.12' } } }), []);
  // Entry and Removal dates; the Pending list is separate
  const ca = entries.find((e) => e.entryId === 'EPC-0005')!.devices;
  assert.deepEqual(ids({ devices: ca, at: d('2021-06-30T23:59:59Z') }), ['EPC-0005']);
  assert.deepEqual(ids({ devices: ca, at: d('2021-07-01T00:00:00Z') }), []);
  assert.deepEqual(ids({ devices: ca, at: d('2020-11-01T23:59:59Z') }), []);
  const da = entries.find((e) => e.entryId === 'EPC-0006')!.devices;
  assert.deepEqual(ids({ devices: da }), []);
  assert.deepEqual(ids({ devices: da, list: 'Pending' }), ['EPC-0006']);
  assert.equal(applicabilityAllows('Either', 'Mixed'), true);
  assert.equal(applicabilityAllows('ActiveOnly', 'Mixed'), false);
  assert.equal(applicabilityAllows('DormantOnly', 'Dormant'), true);
});

test('TMAD 2 / 5.10.2: the Group Device Model Combination List is compared with the EPC list', () => {
  const epc = read('epc').entries;
  const groups = read('group-models').entries;
  assert.deepEqual(compareGroupModelsWithEpc(groups, epc), []);
  const extra = read(
    'group-models',
    `${header('group-models')}\nEA,Toshiba,TCH-GBCH-S1,1.5.0,Secure Meters,Liberty 100,L100-6.3,,,,,,\n`,
  ).entries;
  const w = compareGroupModelsWithEpc([...groups.slice(1), ...extra], epc);
  assert.equal(w.length, 2);
  assert.match(w[0]!.message, /Group EA lists .* no EPC entry with GroupID EA/);
  assert.match(w[1]!.message, /EPC entry EPC-0001 .* not on the Group Device Model Combination List/);
  assert.equal(combinationMatches(groups[0]!.devices, groups[0]!.devices), true);
});

test('Registration Data: the Meter Point fits the role (MPAN check digit, MPRN); To not before From', () => {
  const h = header('registration');
  const p = read(
    'registration',
    `${h}\n1000123456789,ImportSupplier,SUPA,2020-01-01,\n7502316804,ImportSupplier,SUPA,2020-01-01,\n1000123456788,GasSupplier,SUPA,2020-01-01,\n1000123456788,ImportSupplier,supa,2020-01-01,\n1000123456788,ImportSupplier,SUPA,2020-01-02,2020-01-01\n1000123456788,ImportSupplier,SUPA,2020-01-02,2020-01-02\n`,
  ).problems;
  assert.deepEqual(
    p.map((x) => [x.line, x.field]),
    [
      [2, 'Meter Point'],
      [3, 'Meter Point'],
      [4, 'Meter Point'],
      [5, 'Party'],
      [6, 'Effective To'],
    ],
  );
  assert.match(p[0]!.message, /check digit/);
});

test('TMAD 5.10.9 / 5.10.10: party at t; every change in (t, t + 14 days], future-dated changes included', () => {
  const all = read('registration').entries;
  const mp = all.filter((e) => e.meterPoint === '1200987654320');
  // SUPA to 2021-02-14 inclusive, SUPB from 2021-02-15
  assert.equal(registeredPartyAt(mp, 'ImportSupplier', d('2021-02-14T23:59:59Z')), 'SUPA');
  assert.equal(registeredPartyAt(mp, 'ImportSupplier', d('2021-02-15T00:00:00Z')), 'SUPB');
  assert.equal(registeredPartyAt(mp, 'ImportSupplier', d('2018-06-14T23:59:59Z')), null);
  assert.equal(registeredPartyAt(mp, 'ElectricityDistributor', d('2021-02-01T00:00:00Z')), 'DNOA');
  // the change at 2021-02-15T00:00Z is inside (t, t+14d] for t = 2021-02-01T00:00Z (exactly 14 days)
  const c = registrationChangesWithin(mp, 'ImportSupplier', d('2021-02-01T00:00:00Z'), 14);
  assert.deepEqual(c, [{ at: d('2021-02-15T00:00:00Z'), from: 'SUPA', to: 'SUPB' }]);
  assert.deepEqual(registrationChangesWithin(mp, 'ImportSupplier', d('2021-01-31T23:59:59Z'), 14), []);
  assert.deepEqual(registrationChangesWithin(mp, 'ImportSupplier', d('2021-02-15T00:00:00Z'), 14), []);
  assert.equal(registrationChangesWithin(mp, 'ImportSupplier', d('2021-02-10T00:00:00Z'), 2).length, 0);
  // a period ending with no successor is a change to no supplier
  const gas = all.filter((e) => e.meterPoint === '2309451207');
  assert.equal(registeredPartyAt(gas, 'GasSupplier', d('2021-01-31T12:00:00Z')), 'SUPB');
  assert.equal(registeredPartyAt(gas, 'GasTransporter', d('2021-01-31T12:00:00Z')), 'GTA');
  const ended = registrationChangesWithin(
    [
      {
        meterPoint: '1',
        role: 'GasSupplier',
        party: 'SUPA',
        effectiveFrom: '2021-01-01',
        effectiveTo: '2021-01-05',
      },
    ],
    'GasSupplier',
    d('2021-01-01T00:00:00Z'),
    14,
  );
  assert.deepEqual(ended, [{ at: d('2021-01-06T00:00:00Z'), from: 'SUPA', to: null }]);
  // overlapping periods: the one that started last wins (a future change recorded before the old one closed)
  const overlap = [
    {
      meterPoint: '1',
      role: 'ImportSupplier' as const,
      party: 'SUPA',
      effectiveFrom: '2020-01-01',
      effectiveTo: null,
    },
    {
      meterPoint: '1',
      role: 'ImportSupplier' as const,
      party: 'SUPB',
      effectiveFrom: '2021-03-01',
      effectiveTo: null,
    },
  ];
  assert.equal(registeredPartyAt(overlap, 'ImportSupplier', d('2021-03-01T00:00:00Z')), 'SUPB');
  assert.equal(
    registrationChangesWithin(overlap, 'ImportSupplier', d('2021-02-20T00:00:00Z'), 14)[0]!.to,
    'SUPB',
  );
});

test('TMAD 4.47 / 4.48: the latest notification at or before t; history kept', () => {
  const e = read('network-operator-ids').entries;
  assert.equal(latestNotifiedAt(e, d('2020-05-31T23:59:59Z')), null);
  assert.equal(
    latestNotifiedAt(e, d('2021-01-04T08:59:59Z'))!.critical.serialNumber,
    '60342118297105532874219840571190263117',
  );
  assert.equal(
    latestNotifiedAt(e, d('2021-01-04T09:00:00Z'))!.critical.serialNumber,
    '83012944716234508812937712004583320951',
  );
});

test('TMAD 5.1(a): Key Identifier is the X509SKI of the key (openssl-made samples); inclusive dates', () => {
  const keys = read('group-keys').entries;
  assert.equal(keys.length, 3);
  const k = keys[0]!;
  assert.equal(groupKeyUsableAt(k, d('2020-07-01T00:00:00Z')), true);
  assert.equal(groupKeyUsableAt(k, d('2022-06-30T23:59:59Z')), true); // end date inclusive
  assert.equal(groupKeyUsableAt(k, d('2022-07-01T00:00:00Z')), false);
  assert.equal(groupKeyUsableAt(k, d('2020-06-30T23:59:59Z')), false);
  const line = sample('group-keys').split('\n')[1]!;
  const wrong = line.replace(/^[0-9a-f]{40}/, '0'.repeat(40));
  const p = read('group-keys', `${header('group-keys')}\n${wrong}\n`).problems;
  assert.equal(p[0]!.field, 'Key Identifier');
  assert.equal(p[0]!.rule, 'TMAD 5.1(a)(i)');
  assert.match(p[0]!.message, new RegExp(`expected ${line.slice(0, 40)}`));
  const badKey = line.replace(/,[A-Za-z0-9+/=]+$/, ',AAAA');
  assert.equal(read('group-keys', `${header('group-keys')}\n${badKey}\n`).problems[0]!.field, 'Public Key');
});

test('Organisations: one name and role per Party Signifier; the Organisational Number (MAM 7.2.2)', () => {
  const orgs = read('organisations').entries;
  const a = orgs.filter((o) => o.partySignifier === 'SUPA');
  assert.equal(a.length, 2);
  assert.notEqual(a[0]!.organisationalNumber, a[1]!.organisationalNumber);
  assert.equal(a[0]!.organisationalNumber, 0x001); // 70-B3-D5-1F-30-01-..: octet 5 low nybble 0, octet 6 0x01
  const p = read(
    'organisations',
    `${header('organisations')}\n70-B3-D5-1F-30-01-00-01,SUPA,Supplier A,SupplierParty,\n70-B3-D5-1F-30-01-00-02,SUPA,Supplier Z,SupplierParty,\n`,
  ).problems;
  assert.equal(p[0]!.line, 3);
  assert.equal(p[0]!.field, 'Name');
});

test('Certificates: the columns must say what the DER says; Certificate IDs match by serial + issuer CN', () => {
  const text = sample('certificates');
  const lines = text.split('\n');
  const tampered = lines[3]!.replace(/,(\d{4})-(\d\d)-(\d\d)T/, ',1999-$2-$3T');
  const p = read('certificates', `${lines[0]}\n${tampered}\n`).problems;
  assert.equal(p[0]!.field, 'Not Before');
  assert.match(p[0]!.message, /the DER says/);
  const notDer = lines[3]!.replace(/,[A-Za-z0-9+/=]+$/, ',AAAA');
  assert.equal(read('certificates', `${lines[0]}\n${notDer}\n`).problems[0]!.field, 'DER');
  assert.equal(
    commonNameOf('CN=s1mig Test SMKI Issuing CA,OU=07,O=s1mig Test'),
    's1mig Test SMKI Issuing CA',
  );
  assert.equal(commonNameOf('O=A\\,B,CN=x\\,y'), 'x,y');
  assert.equal(
    certificateIdMatches(
      { serialNumber: '5', issuerName: 'CN=s1mig Test SMKI Issuing CA,OU=07,O=s1mig Test' },
      { serialNumber: '5', issuerName: 'CN=s1mig Test SMKI Issuing CA,O=s1mig Test' },
    ),
    true,
  );
  assert.equal(
    certificateIdMatches(
      { serialNumber: '5', issuerName: 'CN=A' },
      { serialNumber: '5', issuerName: 'CN=B' },
    ),
    false,
  );
});

test('reference dates: a day or a UTC date-time; impossible dates refused', () => {
  assert.equal(parseRefDate('2021-02-15')!.start.toISOString(), '2021-02-15T00:00:00.000Z');
  assert.equal(parseRefDate('2021-02-15')!.endExclusive.toISOString(), '2021-02-16T00:00:00.000Z');
  assert.equal(parseRefDate('2021-02-15T09:00:00Z')!.endExclusive.toISOString(), '2021-02-15T09:00:00.000Z');
  for (const bad of ['2021-02-29', '2021-13-01', '2021-02-15T25:00:00Z', '2021-02-15T09:00:00', '15/02/2021'])
    assert.equal(parseRefDate(bad), null, bad);
});
