// Typed streaming readers/writers for the migration files (TMAD 10.1, Table 10.2, Table 11.2.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { NULL_CERTIFICATE_ID, parseMpan, type CertificateId } from '../../src/core/ids/index.js';
import { decryptMasterKey, decryptS1spGroupInformationXml } from '../../src/core/crypto/index.js';
import { streamXml, XmlSyntaxError, type XmlEventSink } from '../../src/lib/xml/sax.js';
import {
  MigrationFileReadError,
  MigrationFileWriteError,
  camelCaseElementName,
  createMigrationCommonFileWriter,
  createMigrationFileReaderSink,
  decryptedS1spDpGroupInformationToXml,
  decryptedS1spGroupInformationToXml,
  iterateMigrationFile,
  migrationFileName,
  migrationFileToXmlString,
  parseDecryptedS1spDpGroupInformation,
  parseDecryptedS1spGroupInformation,
  parseMigrationFileName,
  readMigrationCommonFile,
  readMigrationFile,
  type AnyMigrationInstallation,
  type HeaderByFileType,
  type InstallationByFileType,
  type McfInstallation,
  type MefInstallation,
  type SignedMigrationFileType,
} from '../../src/core/formats/migration-files/index.js';
import { generateSampleFile } from '../../src/estate/migration-file-samples.js';

const RP = '70-B3-D5-1F-30-10-00-01';
const S1SP = '70-B3-D5-1F-30-11-00-01';
const CP = '70-B3-D5-1F-30-12-00-01';
const CERT: CertificateId = {
  issuerName: 'CN=s1mig Test SMKI Issuing CA,OU=07,O=s1mig Test',
  serialNumber: '123456789012345678901234567890',
};
const CERT2: CertificateId = { issuerName: 'CN=Other CA & Co <x>', serialNumber: '7' };
const dd = (type: string) => ({
  firmwareVersion: '1.4.2',
  deviceModel: 'Model X',
  deviceManufacturer: 'Acme',
  deviceType: type,
});
const dev = (id: string, type: string) => ({ deviceId: id, deviceDetail: dd(type) });

const MCF_FULL: McfInstallation = {
  chfDetail: dev('00-0D-6F-00-00-00-00-01', 'CHF'),
  gpfDetail: {
    ...dev('00-0D-6F-00-00-00-00-02', 'GPF'),
    criticalSupplierCertificateId: CERT,
    nonCriticalSupplierCertificateId: CERT2,
    criticalNetworkOperatorCertificateId: NULL_CERTIFICATE_ID,
    nonCriticalNetworkOperatorCertificateId: NULL_CERTIFICATE_ID,
  },
  esmeDetail: {
    ...dev('00-0D-6F-00-00-00-00-03', 'ESME'),
    esmeVariant: 'A',
    importMpan: '1200000000017',
    criticalSupplierCertificateId: CERT,
    nonCriticalSupplierCertificateId: CERT2,
    criticalNetworkOperatorCertificateId: CERT,
    nonCriticalNetworkOperatorCertificateId: NULL_CERTIFICATE_ID,
  },
  gsmeDetail: {
    ...dev('00-0D-6F-00-00-00-00-04', 'GSME'),
    mprn: '1234567890',
    criticalSupplierCertificateId: NULL_CERTIFICATE_ID,
    nonCriticalSupplierCertificateId: CERT,
  },
  ppmidDetail: dev('00-0D-6F-00-00-00-00-05', 'PPMID'),
  ihdDetail: dev('00-0D-6F-00-00-00-00-06', 'IHD'),
  cadDetail: dev('00-0D-6F-00-00-00-00-07', 'CAD'),
};
const MCF_MIN: McfInstallation = {
  chfDetail: MCF_FULL.chfDetail,
  gpfDetail: MCF_FULL.gpfDetail,
  esmeDetail: MCF_FULL.esmeDetail,
};

const HEADERS: { [T in SignedMigrationFileType]: HeaderByFileType[T] } = {
  MCF: {
    requestingPartyId: RP,
    mcfCounter: 18446744073709551615n,
    groupId: 'AA',
    toBeCommissionedByDcc: false,
    commissioningPartyIdentifier: CP,
  },
  MVF: { requestingPartyId: RP, mcfCounter: 5n, reportingPartyId: S1SP, mvfCounter: 6n, groupId: 'BA' },
  MGF: { requestingPartyId: RP, mcfCounter: 5n, mgfCounter: 0n, groupId: 'CA' },
  MEF: { requestingPartyId: RP, mcfCounter: 5n, mefCounter: 9007199254740993n, groupId: 'DA' },
  SCF: { requestingPartyId: RP, mcfCounter: 5n, reportingPartyId: S1SP, scfCounter: 1n, groupId: 'EA' },
  COF: { requestingPartyId: RP, mcfCounter: 5n, commissioningPartyId: CP, cofCounter: 2n, groupId: 'EB' },
};

const INSTALLATIONS: { [T in SignedMigrationFileType]: InstallationByFileType[T][] } = {
  MCF: [MCF_FULL, MCF_MIN],
  MVF: [
    { chfIdentifier: '00-0D-6F-00-00-00-00-01', failedChecks: [] },
    {
      chfIdentifier: '00-0D-6F-00-00-00-00-11',
      failedChecks: [
        { failedStepNumber: '5.10.3', supportingData: { deviceId: '00-0D-6F-00-00-00-00-13' } },
        {
          failedStepNumber: '5.10.8',
          supportingData: { certificatePair: { certificateIds: [CERT, NULL_CERTIFICATE_ID] } },
        },
        { failedStepNumber: '5.10.18' },
        {
          failedStepNumber: '12.9.1.ET05',
          supportingData: {
            deviceId: '00-0D-6F-00-00-00-00-13',
            certificateId: NULL_CERTIFICATE_ID,
            errorCode: 'ET05',
            subStep: '3',
            applicationAssociation: 'Management',
            encryptedMasterKey: {
              encryptedKey: 'AAAA',
              deviceIds: ['00-0D-6F-00-00-00-00-13', '00-0D-6F-00-00-00-00-12'],
            },
          },
        },
      ],
    },
  ],
  MGF: [
    { chfIdentifier: '00-0D-6F-00-00-00-00-01' },
    {
      chfIdentifier: '00-0D-6F-00-00-00-00-11',
      chfDetail: {
        imsi: '234301234567890',
        ipAddr: '',
        dnsServer: '10.0.0.53',
        pingServer: '10.0.0.1',
        previousApn: 'm2m.example',
        serialNumbers: { chf: 'CH1', esme: '' },
        deviceCertificate: 'MIIB',
      },
    },
    { chfIdentifier: '00-0D-6F-00-00-00-00-21', chfDetail: {} },
  ],
  MEF: [
    { chfIdentifier: '00-0D-6F-00-00-00-00-01', encryptedMasterKeys: [], suaKeyDetails: [] },
    {
      chfIdentifier: '00-0D-6F-00-00-00-00-11',
      encryptedS1spGroupInformation: {
        protectedData: 'AAEC',
        authenticationTag: 'AAECAwQFBgcICQoLDA0ODw==',
        wrappedTransportKey: 'AQ==',
      },
      encryptedMasterKeys: [
        {
          encryptedKey: 'AAAA',
          deviceIds: ['00-0D-6F-00-00-00-00-13', '00-0D-6F-00-00-00-00-12', '00-0D-6F-00-00-00-00-11'],
        },
        { encryptedKey: 'BBBB', deviceIds: ['00-0D-6F-00-00-00-00-15'] },
      ],
      suaKeyDetails: [
        { deviceType: 'ESME', serialNumber: 'S1', publicKey: '', encryptedSuaKey: 'CCCC' },
        { deviceType: 'GSME', serialNumber: '', publicKey: 'BA==', encryptedSuaKey: '' },
      ],
    },
  ],
  SCF: [
    { chfIdentifier: '00-0D-6F-00-00-00-00-01', failedChecks: [] },
    {
      chfIdentifier: '00-0D-6F-00-00-00-00-11',
      prepayFlag: true,
      failedChecks: [{ failedStepNumber: '15.9.1', supportingData: { errorCode: 'ET01', subStep: '2' } }],
    },
    { chfIdentifier: '00-0D-6F-00-00-00-00-21', prepayFlag: false, failedChecks: [] },
  ],
  COF: [
    { chfIdentifier: '00-0D-6F-00-00-00-00-01', failedChecks: [] },
    {
      chfIdentifier: '00-0D-6F-00-00-00-00-11',
      failedChecks: [{ failedStepNumber: '6.3.4', supportingData: { deviceId: '00-0D-6F-00-00-00-00-13' } }],
    },
  ],
};

async function readAll(source: string | NodeJS.ReadableStream) {
  const installations: AnyMigrationInstallation[] = [];
  let headerBeforeFirst = false;
  let header: unknown;
  const summary = await readMigrationFile(source, {
    onHeader: (h) => {
      header = h;
      headerBeforeFirst = installations.length === 0;
    },
    onInstallation: (i) => void installations.push(i),
  });
  return { summary, header, installations, headerBeforeFirst };
}

test('TMAD 10.1 names: element names map to camelCase properties', () => {
  assert.equal(camelCaseElementName('RequestingPartyID'), 'requestingPartyId');
  assert.equal(camelCaseElementName('ToBeCommissionedByDCC'), 'toBeCommissionedByDcc');
  assert.equal(camelCaseElementName('EncryptedS1SPGroupInformation'), 'encryptedS1spGroupInformation');
  assert.equal(camelCaseElementName('SMETS1Installation'), 'smets1Installation');
  assert.equal(camelCaseElementName('PPMIDDetail'), 'ppmidDetail');
  assert.equal(camelCaseElementName('IPAddr'), 'ipAddr');
  assert.equal(camelCaseElementName('X509SerialNumber'), 'x509SerialNumber');
});

for (const type of Object.keys(HEADERS) as SignedMigrationFileType[]) {
  test(`TMAD 10.1 / Table 10.2 ${type}: write then read gives the same header and installations`, async () => {
    const xml = await migrationFileToXmlString(type, HEADERS[type], INSTALLATIONS[type]);
    const r = await readAll(xml);
    assert.equal(r.summary.fileType, type);
    assert.equal(r.summary.signed, false);
    assert.ok(r.headerBeforeFirst, 'header delivered before the first installation');
    assert.deepEqual(r.header, HEADERS[type]);
    assert.deepEqual(r.installations, INSTALLATIONS[type]);
    assert.equal(r.summary.installations, INSTALLATIONS[type].length);
    // Writing what was read gives the same bytes.
    assert.equal(await migrationFileToXmlString(type, r.header as never, r.installations as never), xml);
  });
}

test('TMAD 10.1: indented output reads back the same (whitespace between elements ignored)', async () => {
  const xml = await migrationFileToXmlString('MCF', HEADERS.MCF, INSTALLATIONS.MCF, { indent: '  ' });
  assert.match(xml, /\n {4}<CHFDetail>/);
  const r = await readAll(xml);
  assert.deepEqual(r.installations, INSTALLATIONS.MCF);
});

test('TMAD 2 Null Certificate ID (NULL, 0) and special characters in issuer names survive the round trip', async () => {
  const xml = await migrationFileToXmlString('MCF', HEADERS.MCF, [MCF_FULL]);
  assert.match(xml, /<X509IssuerName>NULL<\/X509IssuerName><X509SerialNumber>0<\/X509SerialNumber>/);
  assert.match(xml, /CN=Other CA &amp; Co &lt;x&gt;/);
  const r = await readAll(xml);
  const i = r.installations[0] as McfInstallation;
  assert.deepEqual(i.gsmeDetail!.criticalSupplierCertificateId, NULL_CERTIFICATE_ID);
  assert.deepEqual(i.gpfDetail.nonCriticalSupplierCertificateId, CERT2);
});

test('TMAD 10.1: MCF header without the optional CommissioningPartyIdentifier; flag as true/false', async () => {
  const h = { requestingPartyId: RP, mcfCounter: 1n, groupId: 'AA', toBeCommissionedByDcc: true };
  const xml = await migrationFileToXmlString('MCF', h, [MCF_MIN]);
  assert.doesNotMatch(xml, /CommissioningPartyIdentifier/);
  assert.match(xml, /<ToBeCommissionedByDCC>true<\/ToBeCommissionedByDCC>/);
  const r = await readAll(xml);
  assert.deepEqual(r.header, h);
  // xs:boolean also allows 1/0; counters may carry surrounding whitespace (collapse).
  const r2 = await readAll(xml.replace('>true<', '>1<').replace('<MCFCounter>1<', '<MCFCounter> 1 <'));
  assert.deepEqual(r2.header, h);
});

test('TMAD 10.1 element order: header precedes installations; a ds:Signature is skipped', async () => {
  const xml = await migrationFileToXmlString('MVF', HEADERS.MVF, INSTALLATIONS.MVF);
  const order = [...xml.matchAll(/<(\w+)>/g)].map((m) => m[1]).slice(0, 6);
  assert.deepEqual(order, [
    'RequestingPartyID',
    'MCFCounter',
    'ReportingPartyID',
    'MVFCounter',
    'GroupID',
    'SMETS1Installation',
  ]);
  const signed = xml.replace(
    '</MigrationValidation>',
    '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><X/></ds:SignedInfo></ds:Signature></MigrationValidation>',
  );
  const r = await readAll(signed);
  assert.equal(r.summary.signed, true);
  assert.equal(r.installations.length, 2);
  await assert.rejects(
    readMigrationFile(xml, {}, { requireSignature: true }),
    /missing required element Signature/,
  );
});

test('reader faults name file, line, column, element and the rule (TMAD 10.1)', async () => {
  const xml = await migrationFileToXmlString('MCF', HEADERS.MCF, [MCF_MIN]);
  const full = await migrationFileToXmlString('MCF', HEADERS.MCF, [MCF_FULL]);
  const cases: Array<[string, RegExp]> = [
    [
      xml.replace('<GroupID>AA</GroupID>', ''),
      /<ToBeCommissionedByDCC>: MigrationCommon is missing required element GroupID before ToBeCommissionedByDCC/,
    ],
    [
      full.replace(/(<GSMEDetail>.*<\/GSMEDetail>)(<PPMIDDetail>.*<\/PPMIDDetail>)/, '$2$1'),
      /<GSMEDetail>: out of order in SMETS1Installation: must come before PPMIDDetail/,
    ],
    [
      xml.replace('<ESMEVariant>', '<Bogus/><ESMEVariant>'),
      /<Bogus>: unexpected element in ESMEDetail: expected one of DeviceID, DeviceDetail/,
    ],
    [
      xml.replace('<MCFCounter>18446744073709551615', '<MCFCounter>18446744073709551616'),
      /<MCFCounter>: '18446744073709551616' is not a counter/,
    ],
    [xml.replace('>false<', '>yes<'), /<ToBeCommissionedByDCC>: 'yes' is not a flag/],
    [
      xml.replace(/<SMETS1Installation>[\s\S]*<\/SMETS1Installation>/, ''),
      /missing required element SMETS1Installation/,
    ],
    [xml.replace('<ImportMPAN>', 'text<ImportMPAN>'), /text not allowed in ESMEDetail/],
    [xml.replace('xmlns="urn:s1mig:smets1-migration:1"', 'xmlns="urn:other"'), /not a migration file root/],
  ];
  for (const [bad, re] of cases) {
    const e = await readMigrationFile(bad, {}, { fileName: 'f.xml' }).then(
      () => assert.fail(`accepted: ${re}`),
      (err: unknown) => err,
    );
    assert.ok(e instanceof MigrationFileReadError, String(e));
    assert.match(e.message, re);
    assert.match(e.message, /^f\.xml:1:\d+: /);
    assert.match(e.message, /TMAD 10\.1/);
  }
  await assert.rejects(
    readMigrationCommonFile(await migrationFileToXmlString('COF', HEADERS.COF, INSTALLATIONS.COF)),
    /expected MigrationCommon \(MCF\), found CommissioningOutcomes/,
  );
  await assert.rejects(readMigrationFile('<!DOCTYPE x><MigrationCommon/>'), XmlSyntaxError);
});

test('writer refuses structurally impossible content (TMAD 10.1)', async () => {
  const bad = {
    ...MCF_MIN,
    esmeDetail: { ...MCF_MIN.esmeDetail, importMpan: undefined },
  } as unknown as McfInstallation;
  await assert.rejects(
    migrationFileToXmlString('MCF', HEADERS.MCF, [bad]),
    (e: unknown) =>
      e instanceof MigrationFileWriteError &&
      /esmeDetail\.importMpan: required element ImportMPAN/.test(e.message),
  );
  const mef: MefInstallation = {
    chfIdentifier: RP,
    encryptedMasterKeys: [{ encryptedKey: 'AA==', deviceIds: [RP, RP, RP, RP] }],
    suaKeyDetails: [],
  };
  await assert.rejects(
    migrationFileToXmlString('MEF', HEADERS.MEF, [mef]),
    /4 DeviceID element\(s\); the schema allows 1 to 3/,
  );
  await assert.rejects(migrationFileToXmlString('MCF', HEADERS.MCF, []), /at least one SMETS1Installation/);
  await assert.rejects(
    migrationFileToXmlString('MCF', { ...HEADERS.MCF, mcfCounter: -1n }, [MCF_MIN]),
    /cannot be negative/,
  );
});

test('Table 11.2.1 plaintexts: DecryptedS1SPGroupInformation and DecryptedS1SPDPGroupInformation round trip', async () => {
  const a = {
    chfIdentifier: RP,
    chfDetail: { dataCollectionAssociation: { authenticationKey: 'AA', encryptionKey: 'BB' } },
    gpfDetail: {},
    esmeDetail: {
      managementAssociation: { encryptionKey: '' },
      prepaymentKey: 'PK',
      wrappedPrepaymentKey: 'WPK',
    },
  };
  const xa = decryptedS1spGroupInformationToXml(a);
  assert.match(
    xa,
    /^<\?xml version="1.0" encoding="UTF-8"\?><DecryptedS1SPGroupInformation xmlns="urn:s1mig:smets1-migration:1"><CHFIdentifier>/,
  );
  assert.deepEqual(await parseDecryptedS1spGroupInformation(xa), a);
  const b = {
    chfIdentifier: RP,
    esmeDetail: { highLevelAssociation: { authenticationKey: 'K' } },
    gsmeDetail: { prePayDetails: { prepaymentKey: 'P' } },
  };
  const xb = decryptedS1spDpGroupInformationToXml(b);
  assert.deepEqual(await parseDecryptedS1spDpGroupInformation(Buffer.from(xb)), b);
  await assert.rejects(
    parseDecryptedS1spGroupInformation(xb),
    /expected root element DecryptedS1SPGroupInformation/,
  );
});

test('reader is an XmlEventSink: runs in the same parse as other sinks', async () => {
  const xml = await migrationFileToXmlString('SCF', HEADERS.SCF, INSTALLATIONS.SCF);
  let elements = 0;
  const counter: XmlEventSink = { startElement: () => void elements++ };
  const seen: string[] = [];
  const reader = createMigrationFileReaderSink({
    onInstallation: (i) => void seen.push((i as { chfIdentifier: string }).chfIdentifier),
  });
  await streamXml(xml, [counter, reader]);
  assert.equal(reader.summary().installations, 3);
  assert.equal(seen.length, 3);
  assert.ok(elements > 10);
});

async function collect(stream: PassThrough): Promise<string> {
  let s = '';
  for await (const c of stream) s += String(c);
  return s;
}

for (const type of ['MCF', 'MVF', 'MGF', 'MEF', 'SCF', 'COF'] as const) {
  test(`samples: generated ${type} is realistic and reads back; rewriting gives identical bytes`, async () => {
    const pt = new PassThrough();
    const text = collect(pt);
    const res = await generateSampleFile(
      type,
      {
        installations: 25,
        requestingPartyId: RP,
        counter: 3,
        mcfCounter: 7,
        groupId: type === 'MEF' ? 'DA' : 'AA',
        seed: 42,
      },
      pt,
    );
    const xml = await text;
    const r = await readAll(xml);
    assert.equal(r.installations.length, 25);
    assert.deepEqual(r.header, res.header);
    assert.equal(await migrationFileToXmlString(type, r.header as never, r.installations as never), xml);
    if (type === 'MCF') {
      const ids = new Set<string>();
      for (const i of r.installations as McfInstallation[]) {
        assert.ok(parseMpan(i.esmeDetail.importMpan).ok, i.esmeDetail.importMpan);
        for (const d of [
          i.chfDetail,
          i.gpfDetail,
          i.esmeDetail,
          i.gsmeDetail,
          i.ppmidDetail,
          i.ihdDetail,
          i.cadDetail,
        ])
          if (d) {
            assert.match(d.deviceId, /^[0-9A-F]{2}(-[0-9A-F]{2}){7}$/);
            assert.ok(!ids.has(d.deviceId), 'device IDs unique');
            ids.add(d.deviceId);
          }
      }
    }
    if (type === 'MEF') {
      // TMAD 11.2 / 11.3: the encrypted parts are genuine.
      const i = r.installations[0] as MefInstallation;
      const g = i.encryptedS1spGroupInformation!;
      const plain = decryptS1spGroupInformationXml(
        {
          ProtectedData: g.protectedData,
          AuthenticationTag: g.authenticationTag,
          WrappedTransportKey: g.wrappedTransportKey,
        },
        res.generatedKeys!.s1spPrivateKey!,
      );
      const info = await parseDecryptedS1spGroupInformation(plain);
      assert.equal(info.chfIdentifier, i.chfIdentifier);
      assert.equal(
        decryptMasterKey(i.encryptedMasterKeys[0]!.encryptedKey, res.generatedKeys!.dcoPrivateKey!).length,
        16,
      );
      assert.ok(i.suaKeyDetails.length >= 1, 'GroupID DA carries SUAKeyDetails');
    }
  });
}

test('samples: the same seed gives the same CHF IDs in the MCF and its MVF', async () => {
  const ids = async (type: 'MCF' | 'MVF') => {
    const pt = new PassThrough();
    const t = collect(pt);
    await generateSampleFile(
      type,
      { installations: 5, requestingPartyId: RP, counter: 1, mcfCounter: 1, seed: 9 },
      pt,
    );
    return [...(await t).matchAll(/<(?:CHFDetail><DeviceID|CHFIdentifier)>([^<]+)</g)].map((m) => m[1]);
  };
  assert.deepEqual(await ids('MCF'), await ids('MVF'));
});

test('bounded memory: 2,000-installation MCF written and read concurrently through a pipe (backpressure)', async () => {
  const pipe = new PassThrough({ highWaterMark: 16 * 1024 });
  let maxBuffered = 0;
  const reading = readMigrationCommonFile(pipe, {
    onInstallation: () => {
      maxBuffered = Math.max(maxBuffered, pipe.readableLength);
    },
  });
  const w = createMigrationCommonFileWriter(pipe, HEADERS.MCF);
  for (let i = 0; i < 2000; i++) await w.writeInstallation(i % 2 ? MCF_FULL : MCF_MIN);
  await w.end();
  const s = await reading;
  assert.equal(s.installations, 2000);
  assert.ok(maxBuffered <= 256 * 1024, `pipe never held more than a few chunks (${maxBuffered})`);
});

test('iterateMigrationFile: header then installations; slow consumer pauses input; break stops it', async () => {
  const xml = await migrationFileToXmlString(
    'COF',
    HEADERS.COF,
    Array.from({ length: 3000 }, () => INSTALLATIONS.COF[1]!),
  );
  async function* chunks() {
    for (let i = 0; i < xml.length; i += 4096) yield Buffer.from(xml.slice(i, i + 4096));
  }
  const it = iterateMigrationFile(chunks());
  const first = await it.next();
  assert.equal(first.done, false);
  assert.equal((first.value as { kind: string }).kind, 'header');
  let n = 0;
  for await (const item of it) {
    assert.equal(item.kind, 'installation');
    if (++n % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  assert.equal(n, 3000);
  // Early break.
  let m = 0;
  for await (const item of iterateMigrationFile(chunks()))
    if (item.kind === 'installation' && ++m === 10) break;
  assert.equal(m, 10);
  // A fault surfaces from the iterator.
  await assert.rejects(
    (async () => {
      for await (const _ of iterateMigrationFile(xml.replace('<GroupID>EB</GroupID>', ''))) void _;
    })(),
    MigrationFileReadError,
  );
});

test('writer respects backpressure of a slow Writable', async () => {
  let writes = 0;
  const slow = new Writable({
    highWaterMark: 1024,
    write(_c, _e, cb) {
      writes++;
      setImmediate(cb);
    },
  });
  const w = createMigrationCommonFileWriter(slow, HEADERS.MCF);
  for (let i = 0; i < 300; i++) await w.writeInstallation(MCF_FULL);
  await w.end();
  assert.equal(w.count, 300);
  assert.ok(writes > 1);
});

test('TMAD 10.2 file names', () => {
  assert.equal(migrationFileName('MCF', HEADERS.MCF), `MCF_${RP}_18446744073709551615_0.xml`);
  assert.equal(
    migrationFileName('MCF', HEADERS.MCF, { forRegisteredSupplier: true, supplierSignifier: 'SUPA' }),
    `MCF_SUPA_${RP}_18446744073709551615_0.xml`,
  );
  assert.equal(migrationFileName('MGF', HEADERS.MGF), `MGF_${RP}_5_0.xml`);
  assert.equal(migrationFileName('MEF', HEADERS.MEF), `MEF_${RP}_5_9007199254740993.xml`);
  assert.equal(migrationFileName('MVF', HEADERS.MVF), `MVF_${S1SP}_5_6.xml`);
  assert.equal(
    migrationFileName('SCF', HEADERS.SCF, { supplierSignifier: 'SUPA' }),
    `SCF_SUPA_${S1SP}_5_1.xml`,
  );
  assert.equal(
    migrationFileName('COF', HEADERS.COF, { supplierSignifier: 'SUPA', scfReportingPartyId: S1SP }),
    `COF_SUPA_${S1SP}_5_2.xml`,
  );
  assert.throws(() => migrationFileName('SCF', HEADERS.SCF), /Supplier Signifier/);
  // An empty Supplier Signifier (a Null CriticalSupplierCertificateID, TMAD 2) gives '_<ID>'.
  assert.equal(migrationFileName('SCF', HEADERS.SCF, { supplierSignifier: '' }), `SCF__${S1SP}_5_1.xml`);
  assert.deepEqual(parseMigrationFileName(`SCF_SUPA_${S1SP}_5_1.xml`), {
    ok: true,
    value: {
      fileType: 'SCF',
      requesterId: `SUPA_${S1SP}`,
      supplierSignifier: 'SUPA',
      partyId: S1SP,
      mcfCounter: '5',
      additionalId: '1',
    },
  });
  assert.equal(parseMigrationFileName('x.xml').ok, false);
});
