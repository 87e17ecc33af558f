// Rule tests for the SMETS1 Migration Schema (TMAD 10.1, Table 10.1, Table 10.2, TMAD 2) and its
// streaming validator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ROOTS,
  checkModel,
  contentOf,
  createSchemaValidator,
  generateSignatureXsd,
  generateXsd,
  rootByFileType,
  validateXml,
  type SchemaValidationResult,
} from '../../src/core/schema/index.js';
import { streamXml } from '../../src/lib/xml/sax.js';
import { VALID_SAMPLES, cof, largeMcf, mcf, mef, mgf, mvf, scf } from '../fixtures/schema/samples.js';

const names = (type: string): string[] => contentOf(type).map((p) => p.name);
const occurs = (type: string, name: string): [number, number] => {
  const p = contentOf(type).find((x) => x.name === name)!;
  return [p.minOccurs, p.maxOccurs];
};
const replace = (doc: string, a: string, b: string): string => {
  assert.ok(doc.includes(a), `sample contains ${a}`);
  return doc.replace(a, b);
};
async function check(doc: string): Promise<SchemaValidationResult> {
  return validateXml(doc);
}

test('TMAD 10.1: schema/*.xsd are exactly what the model generates (one source of truth)', () => {
  assert.equal(readFileSync('schema/smets1-migration.xsd', 'utf8'), generateXsd());
  assert.equal(readFileSync('schema/xmldsig-signature.xsd', 'utf8'), generateSignatureXsd());
  assert.deepEqual(checkModel(), []);
});

test('TMAD 10.1: the XSDs load nothing from the network and carry no DOCTYPE', () => {
  for (const text of [generateXsd(), generateSignatureXsd()]) {
    assert.doesNotMatch(text, /<!DOCTYPE/);
    assert.doesNotMatch(text, /schemaLocation="https?:/);
  }
});

test('Table 10.2: every root validates and reports its file type', async () => {
  for (const [fileType, make] of Object.entries(VALID_SAMPLES)) {
    const r = await check(make());
    assert.equal(r.valid, true, `${fileType}: ${JSON.stringify(r.problems)}`);
    assert.equal(r.fileType, fileType);
    assert.equal(r.rootElement, rootByFileType(r.fileType).element);
  }
  assert.deepEqual(
    ROOTS.map((r) => r.element),
    [
      'MigrationCommon',
      'MigrationValidation',
      'MigrationGroup',
      'MigrationGroupEncrypted',
      'S1SPOutcomes',
      'CommissioningOutcomes',
      'DecryptedS1SPGroupInformation',
      'DecryptedS1SPDPGroupInformation',
    ],
  );
});

test('Table 10.2: a root that is not a Table 10.2 structure is invalid; expectedFileType is enforced', async () => {
  const r = await check(mcf().replace(/MigrationCommon/g, 'MigrationCommonX'));
  assert.equal(r.valid, false);
  assert.equal(r.problems[0]!.rule, 'TMAD 10.2');
  const e = await validateXml(mcf(), { expectedFileType: 'MVF' });
  assert.equal(e.valid, false);
  assert.match(e.problems[0]!.message, /is a MCF, expected a MVF/);
  const sig = await check('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>');
  assert.equal(
    sig.valid,
    false,
    'a bare ds:Signature is no migration file (intentional difference from xmllint)',
  );
});

test('TMAD 10.1 / Table 5.5: signed roots end with exactly one ds:Signature, as the LAST child', async () => {
  for (const r of ROOTS) {
    const seq = contentOf(r.type);
    assert.equal(seq[seq.length - 1]!.type === 'ds:Signature', r.signed, r.element);
  }
  const noSig = mvf().replace(/<ds:Signature>[\s\S]*<\/ds:Signature>\n/, '');
  assert.match((await check(noSig)).problems[0]!.message, /Missing child.*ds:Signature/);
  const twice = mvf().replace('</ds:Signature>', '</ds:Signature>\n<ds:Signature/>');
  assert.match((await check(twice)).problems[0]!.message, /not expected/);
  // The signature's content is the XMLDSig verifier's business (TMAD 5.9.2), not the schema's.
  const loose = mvf().replace(
    /<ds:Signature>[\s\S]*<\/ds:Signature>/,
    '<ds:Signature Id="x"><ds:Foo a="1"><b/></ds:Foo></ds:Signature>',
  );
  assert.equal((await check(loose)).valid, true);
});

test('TMAD 2: SMETS1Installation = CHF + GPF + ESME + at most one each of GSME, PPMID, IHD, CAD, in that order', async () => {
  assert.deepEqual(names('MCFInstallationType'), [
    'CHFDetail',
    'GPFDetail',
    'ESMEDetail',
    'GSMEDetail',
    'PPMIDDetail',
    'IHDDetail',
    'CADDetail',
  ]);
  for (const n of ['CHFDetail', 'GPFDetail', 'ESMEDetail'])
    assert.deepEqual(occurs('MCFInstallationType', n), [1, 1]);
  for (const n of ['GSMEDetail', 'PPMIDDetail', 'IHDDetail', 'CADDetail'])
    assert.deepEqual(occurs('MCFInstallationType', n), [0, 1]);
  const doc = mcf(1);
  const ihd = doc.slice(doc.indexOf('<IHDDetail>'), doc.indexOf('</IHDDetail>') + '</IHDDetail>'.length);
  const r = await check(doc.replace(ihd, `${ihd}\n${ihd}`));
  assert.equal(r.valid, false);
  assert.match(r.problems[0]!.element, /^MigrationCommon\/SMETS1Installation\[1\]\/IHDDetail\[2\]$/);
  const noGpf = doc.replace(/<GPFDetail>[\s\S]*?<\/GPFDetail>\n/, '');
  assert.match((await check(noGpf)).problems[0]!.message, /ESMEDetail.*not expected.*GPFDetail/);
});

test('Table 10.1: GPFDetail and ESMEDetail carry exactly one of each of the four certificate IDs', () => {
  const four = [
    'CriticalSupplierCertificateID',
    'NonCriticalSupplierCertificateID',
    'CriticalNetworkOperatorCertificateID',
    'NonCriticalNetworkOperatorCertificateID',
  ];
  for (const t of ['GPFDetailType', 'ESMEDetailType']) {
    assert.deepEqual(names(t).slice(-4), four);
    for (const n of four) assert.deepEqual(occurs(t, n), [1, 1]);
  }
});

test('Table 10.1: GSMEDetail has both Supplier certificate IDs and no Network Operator IDs', async () => {
  assert.deepEqual(names('GSMEDetailType'), [
    'DeviceID',
    'DeviceDetail',
    'MPRN',
    'CriticalSupplierCertificateID',
    'NonCriticalSupplierCertificateID',
  ]);
  const doc = mcf(1);
  const bad = doc.replace(
    '</GSMEDetail>',
    '<CriticalNetworkOperatorCertificateID><X509IssuerName>NULL</X509IssuerName><X509SerialNumber>0</X509SerialNumber></CriticalNetworkOperatorCertificateID>\n</GSMEDetail>',
  );
  assert.equal((await check(bad)).valid, false);
});

test('Table 10.1: CHF, PPMID, IHD and CAD Detail contain no certificate IDs', async () => {
  assert.deepEqual(names('DeviceWithoutCertificatesType'), ['DeviceID', 'DeviceDetail']);
  const doc = mcf(1);
  const bad = doc.replace(
    '</PPMIDDetail>',
    '<CriticalSupplierCertificateID><X509IssuerName>NULL</X509IssuerName><X509SerialNumber>0</X509SerialNumber></CriticalSupplierCertificateID>\n</PPMIDDetail>',
  );
  const r = await check(bad);
  assert.equal(r.valid, false);
  assert.match(r.problems[0]!.element, /PPMIDDetail\/CriticalSupplierCertificateID$/);
});

test('Table 10.1 DeviceDetail = FirmwareVersion, DeviceModel, DeviceManufacturer, DeviceType (values not fixed: 5.10.1/5.10.18 fire per installation)', async () => {
  assert.deepEqual(names('DeviceDetailType'), [
    'FirmwareVersion',
    'DeviceModel',
    'DeviceManufacturer',
    'DeviceType',
  ]);
  // An IHD slot holding a DeviceType of 'ESME' is schema-valid, so that 5.10.18 can report it.
  const doc = mcf(1);
  const ihdStart = doc.indexOf('<IHDDetail>');
  const wrongType =
    doc.slice(0, ihdStart) +
    doc.slice(ihdStart).replace('<DeviceType>IHD</DeviceType>', '<DeviceType>ESME</DeviceType>');
  assert.equal((await check(wrongType)).valid, true);
  assert.equal(
    (await check(replace(doc, '<DeviceModel>0001</DeviceModel>', '<DeviceModel>UNKNOWN-MODEL</DeviceModel>')))
      .valid,
    true,
  );
  assert.equal(
    (await check(replace(doc, '<DeviceModel>0001</DeviceModel>', '<DeviceModel></DeviceModel>'))).valid,
    false,
  );
});

test('Table 10.1 / TMAD 2: Certificate ID is (X509IssuerName, X509SerialNumber); the Null Certificate ID is valid', async () => {
  assert.deepEqual(names('CertificateIDType'), ['X509IssuerName', 'X509SerialNumber']);
  const doc = mcf(1);
  assert.ok(doc.includes('<X509IssuerName>NULL</X509IssuerName>\n<X509SerialNumber>0</X509SerialNumber>'));
  assert.equal((await check(doc)).valid, true);
  const r = await check(
    replace(doc, '<X509SerialNumber>1001</X509SerialNumber>', '<X509SerialNumber>-1</X509SerialNumber>'),
  );
  assert.match(r.problems[0]!.message, /pattern/);
  const long = await check(
    replace(
      doc,
      '<X509SerialNumber>1001</X509SerialNumber>',
      `<X509SerialNumber>${'9'.repeat(45)}</X509SerialNumber>`,
    ),
  );
  assert.equal(long.valid, false);
});

test('EUI-64 IDs are eight hyphen-separated upper-case hex octets (DUIS; our CSVs)', async () => {
  const doc = mvf();
  assert.equal(
    (
      await check(
        replace(doc, '<RequestingPartyID>90-B3-D5-1F-30-01-00-01', '<RequestingPartyID>90B3D51F30010001'),
      )
    ).valid,
    false,
  );
  assert.equal(
    (
      await check(
        replace(
          doc,
          '<RequestingPartyID>90-B3-D5-1F-30-01-00-01',
          '<RequestingPartyID>90-b3-d5-1f-30-01-00-01',
        ),
      )
    ).valid,
    false,
  );
});

test('Table 5.7 counters are xs:unsignedLong (0 .. 2^64-1, digits only)', async () => {
  const doc = mvf();
  const v = async (s: string): Promise<boolean> =>
    (await check(replace(doc, '<MVFCounter>7<', `<MVFCounter>${s}<`))).valid;
  assert.equal(await v('18446744073709551615'), true);
  assert.equal(await v('0'), true);
  assert.equal(await v(' 7 '), true, 'whitespace collapse (XSD)');
  assert.equal(await v('18446744073709551616'), false);
  assert.equal(await v('-1'), false);
  assert.equal(await v('+7'), false);
  assert.equal(await v(''), false);
});

test('TMAD 5.8 / 5.28(b): an MCF carries ToBeCommissionedByDCC (xs:boolean) and may name the CommissioningPartyIdentifier', async () => {
  assert.deepEqual(names('MigrationCommonType'), [
    'RequestingPartyID',
    'MCFCounter',
    'GroupID',
    'ToBeCommissionedByDCC',
    'CommissioningPartyIdentifier',
    'SMETS1Installation',
    'Signature',
  ]);
  const doc = mcf(1);
  for (const ok of ['true', 'false', '1', '0', ' true ']) {
    const r = await check(replace(doc, '<ToBeCommissionedByDCC>true<', `<ToBeCommissionedByDCC>${ok}<`));
    assert.equal(r.valid, true, ok);
  }
  for (const bad of ['True', 'yes', '']) {
    const r = await check(replace(doc, '<ToBeCommissionedByDCC>true<', `<ToBeCommissionedByDCC>${bad}<`));
    assert.equal(r.valid, false, bad);
  }
  const noCp = doc.replace(/<CommissioningPartyIdentifier>.*\n/, '');
  assert.equal((await check(noCp)).valid, true);
});

test('Migration Header (TMAD 2): every signed root starts RequestingPartyID, MCFCounter; GroupID in every signed root', () => {
  for (const r of ROOTS.filter((x) => x.signed)) {
    const n = names(r.type);
    assert.deepEqual(n.slice(0, 2), ['RequestingPartyID', 'MCFCounter'], r.element);
    assert.ok(n.includes('GroupID'), r.element);
  }
  assert.deepEqual(names('MigrationValidationType').slice(2, 4), ['ReportingPartyID', 'MVFCounter']);
  assert.deepEqual(names('S1SPOutcomesType').slice(2, 4), ['ReportingPartyID', 'SCFCounter']);
  assert.deepEqual(names('CommissioningOutcomesType').slice(2, 4), ['CommissioningPartyID', 'COFCounter']);
  assert.deepEqual(names('MigrationGroupType').slice(2, 3), ['MGFCounter']);
  assert.deepEqual(names('MigrationGroupEncryptedType').slice(2, 3), ['MEFCounter']);
});

test('TMAD 5.10(c) / Table 10.1: MVF entries are CHFIdentifier + zero or more FailedCheck (FailedStepNumber, SupportingData)', async () => {
  assert.deepEqual(names('OutcomeInstallationType'), ['CHFIdentifier', 'FailedCheck']);
  assert.deepEqual(occurs('OutcomeInstallationType', 'FailedCheck'), [0, Infinity]);
  assert.deepEqual(names('FailedCheckType'), ['FailedStepNumber', 'SupportingData']);
  assert.deepEqual(names('SupportingDataType').slice(0, 3), ['DeviceID', 'CertificateID', 'CertificatePair']);
  assert.deepEqual(occurs('CertificatePairType', 'CertificateID'), [2, 2]);
  assert.equal((await check(mvf())).valid, true);
  const onePair = mvf().replace(/(<CertificatePair>\n)<CertificateID>[\s\S]*?<\/CertificateID>\n/, '$1');
  assert.match((await check(onePair)).problems[0]!.message, /Missing child.*CertificateID/);
});

test('Appendices A-C: SCF entries carry an optional PrepayFlag (xs:boolean) before the FailedChecks', async () => {
  assert.deepEqual(names('SCFInstallationType'), ['CHFIdentifier', 'PrepayFlag', 'FailedCheck']);
  assert.equal((await check(scf())).valid, true);
  assert.equal((await check(replace(scf(), '<PrepayFlag>true<', '<PrepayFlag>yes<'))).valid, false);
  assert.equal((await check(cof())).valid, true);
});

test('TMAD 12.6.1 / 14.7.1: MGF SIM data are all optional (presence is a per-installation check)', async () => {
  assert.deepEqual(names('MGFCHFDetailType'), [
    'IMSI',
    'IPAddr',
    'DNSServer',
    'PingServer',
    'PreviousAPN',
    'SerialNumbers',
    'DeviceCertificate',
  ]);
  for (const n of names('MGFCHFDetailType')) assert.equal(occurs('MGFCHFDetailType', n)[0], 0);
  assert.equal((await check(replace(mgf(), '<IMSI>234150000000001</IMSI>', '<IMSI></IMSI>'))).valid, true);
  // DeviceCertificate is Base64 (Table 10.1).
  assert.equal((await check(replace(mgf(), 'MIIBszCCAVmgAwIBAgIUQUJD', 'not base64!'))).valid, false);
});

test('Tables 11.2.1-11.3B: MEF entries: EncryptedS1SPGroupInformation (ProtectedData, AuthenticationTag, WrappedTransportKey), EncryptedMasterKey (EncryptedKey + 1-3 DeviceIDs), SUAKeyDetails', async () => {
  assert.deepEqual(names('MEFInstallationType'), [
    'CHFIdentifier',
    'EncryptedS1SPGroupInformation',
    'EncryptedMasterKey',
    'SUAKeyDetails',
  ]);
  assert.deepEqual(names('EncryptedS1SPGroupInformationType'), [
    'ProtectedData',
    'AuthenticationTag',
    'WrappedTransportKey',
  ]);
  assert.deepEqual(occurs('EncryptedMasterKeyType', 'DeviceID'), [1, 3]);
  assert.deepEqual(names('SUAKeyDetailsType'), [
    'DeviceType',
    'SerialNumber',
    'PublicKey',
    'EncryptedSUAKey',
  ]);
  // 16.7.5 must be able to fire: an empty SUAKeyDetails child is schema-valid.
  assert.equal((await check(mef())).valid, true);
  const fourIds = replace(
    mef(),
    '<DeviceID>00-DB-12-34-00-00-00-03</DeviceID>',
    '<DeviceID>00-DB-12-34-00-00-00-03</DeviceID>\n<DeviceID>00-DB-12-34-00-00-00-04</DeviceID>',
  );
  assert.equal((await check(fourIds)).valid, false);
});

test('TMAD 5.23(b): the decrypted plaintexts have their own roots and are not signed', async () => {
  assert.deepEqual(names('DecryptedS1SPGroupInformationType'), [
    'CHFIdentifier',
    'CHFDetail',
    'GPFDetail',
    'ESMEDetail',
    'GSMEDetail',
  ]);
  assert.deepEqual(names('DecryptedS1SPDPGroupInformationType'), [
    'CHFIdentifier',
    'ESMEDetail',
    'GSMEDetail',
  ]);
  assert.deepEqual(names('DPGSMEDetailType'), ['PrePayDetails']);
  assert.equal((await check(VALID_SAMPLES.DecryptedS1SPGroupInformation!())).valid, true);
  assert.equal((await check(VALID_SAMPLES.DecryptedS1SPDPGroupInformation!())).valid, true);
});

test('TMAD 10.1: attributes, stray text, CDATA in element-only content and children of simple elements are errors', async () => {
  const doc = mvf();
  const attr = await check(replace(doc, '<GroupID>', '<GroupID foo="1">'));
  assert.match(attr.problems[0]!.message, /attribute 'foo'.*not allowed/);
  const text = await check(replace(doc, '<SMETS1Installation>', '<SMETS1Installation>hello'));
  assert.match(
    text.problems[0]!.message,
    /^Element 'SMETS1Installation': Character content other than whitespace/,
  );
  const cdata = await check(replace(doc, '<SMETS1Installation>', '<SMETS1Installation><![CDATA[ ]]>'));
  assert.equal(cdata.valid, false);
  const child = await check(replace(doc, '<GroupID>AA<', '<GroupID>AA<X/><'));
  assert.match(child.problems[0]!.message, /^Element 'GroupID': Element content is not allowed/);
  // CDATA and comments inside a simple value are fine.
  const ok = await check(replace(doc, '<GroupID>AA<', '<GroupID><![CDATA[A]]><!-- c -->A<'));
  assert.equal(ok.valid, true);
});

test('problems carry line, column, an indexed path and the clause', async () => {
  const doc = mcf(3);
  const lines = doc.split('\n');
  // Break the third installation's ESME ImportMPAN.
  let seen = 0;
  const idx = lines.findIndex((l) => l.startsWith('<ImportMPAN>') && ++seen === 3);
  lines[idx] = '<ImportMPAN>12</ImportMPAN>';
  const r = await check(lines.join('\n'));
  assert.equal(r.problems.length, 1);
  const p = r.problems[0]!;
  assert.equal(p.line, idx + 1);
  assert.equal(p.column, 1);
  assert.equal(p.element, 'MigrationCommon/SMETS1Installation[3]/ESMEDetail/ImportMPAN');
  assert.equal(p.rule, 'TMAD 10.1');
});

test('libxml2 conventions: line of the start tag\'s ">"; no further checks of siblings after an unexpected child', async () => {
  const doc = mvf();
  const r = await check(replace(doc, '<GroupID>AA</GroupID>', '<GroupID\n>A</GroupID>'));
  assert.equal(r.problems[0]!.line, 8);
  const u = await check(replace(doc, '<GroupID>AA</GroupID>', '<Foo/>\n<GroupID>A</GroupID>'));
  assert.equal(u.problems.length, 1);
});

test('maxErrors bounds the list but not the verdict', async () => {
  let doc = mcf(20);
  doc = doc.replace(/<ImportMPAN>[0-9]+<\/ImportMPAN>/g, '<ImportMPAN>x</ImportMPAN>');
  const r = await validateXml(doc, { maxErrors: 5 });
  assert.equal(r.valid, false);
  assert.equal(r.problems.length, 5);
  assert.equal(r.truncated, true);
});

test('well-formedness and DOCTYPE are reported as TMAD 5.9.1 problems, not thrown', async () => {
  const r = await validateXml('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<MigrationCommon/>');
  assert.equal(r.valid, false);
  assert.equal(r.problems[0]!.rule, 'TMAD 5.9.1');
  const t = await validateXml(mvf().replace('</GroupID>', '</Group>'));
  assert.equal(t.valid, false);
  assert.equal(t.problems.at(-1)!.rule, 'TMAD 5.9.1');
});

test('streaming: a 5,000-installation MCF validates with bounded heap (no DOM)', async () => {
  const v = createSchemaValidator();
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = 0;
  async function* source(): AsyncGenerator<string> {
    for await (const chunk of largeMcf(5000)) {
      peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      yield chunk;
    }
  }
  await streamXml(source(), [v.sink]);
  const r = v.result();
  assert.equal(r.valid, true, JSON.stringify(r.problems.slice(0, 3)));
  assert.equal(r.fileType, 'MCF');
  // ~15 MB of XML; the validator holds a few frames. Generous bound for GC slack.
  assert.ok(peak < 100e6, `heap grew by ${Math.round(peak / 1e6)} MB`);
});

test('XSD lexical spaces: base64Binary padding rules, boolean, string length in code points', async () => {
  const { checkSimpleValue, simpleType } = await import('../../src/core/schema/index.js');
  const b64 = simpleType('Base64Type')!;
  for (const ok of ['', 'AAEC', 'AA==', 'AAE=', ' AAEC ', 'QUJDRA=='])
    assert.equal(checkSimpleValue(b64, ok), undefined, ok);
  for (const bad of ['AB==', 'AAF=', 'AAE', 'AA=C', 'A!EC', 'AA EC', 'AAEC\nAAEC'])
    assert.notEqual(checkSimpleValue(b64, bad), undefined, bad);
  const flag = simpleType('FlagType')!;
  for (const ok of ['true', 'false', '1', '0', '\ttrue\n'])
    assert.equal(checkSimpleValue(flag, ok), undefined, ok);
  for (const bad of ['TRUE', 'yes', '', '01']) assert.notEqual(checkSimpleValue(flag, bad), undefined, bad);
  const issuer = simpleType('X509IssuerNameType')!;
  assert.equal(
    checkSimpleValue(issuer, '\u{1F600}'.repeat(1024)),
    undefined,
    '1024 code points (2048 UTF-16 units)',
  );
  assert.notEqual(checkSimpleValue(issuer, '\u{1F600}'.repeat(1025)), undefined);
});

test('outline() documents the element order of a root', async () => {
  const { outline } = await import('../../src/core/schema/index.js');
  const o = outline('MigrationCommonType');
  assert.equal(o[0], 'RequestingPartyID : EUI64Type');
  assert.ok(o.includes('SMETS1Installation [1..*]'));
  assert.equal(o[o.length - 1], 'ds:Signature');
});

test('TMAD 10.1: children match by namespace AND name (prefixed target namespace, Signature outside ds:)', async () => {
  // The target namespace through a prefix: the same element, so valid.
  const prefixed = replace(
    mvf(),
    '<GroupID>AA</GroupID>',
    '<m:GroupID xmlns:m="urn:s1mig:smets1-migration:1">AA</m:GroupID>',
  );
  assert.equal((await check(prefixed)).valid, true);
  // A child's name in another namespace is not that child.
  const foreign = replace(mvf(), '<GroupID>AA</GroupID>', '<x:GroupID xmlns:x="urn:other">AA</x:GroupID>');
  assert.match(
    (await check(foreign)).problems[0]!.message,
    /'\{urn:other\}GroupID': This element is not expected/,
  );
  // 'Signature' in the target namespace is not ds:Signature; the expected list is xmllint's, from
  // where the child was tried (another SMETS1Installation could come too).
  const noDs = mvf().replace(/<ds:Signature>[\s\S]*<\/ds:Signature>/, '<Signature/>');
  assert.match(
    (await check(noDs)).problems[0]!.message,
    /'Signature': This element is not expected\. Expected is one of \( SMETS1Installation, ds:Signature \)\.$/,
  );
});

test('XSD base64Binary and the Base64Type pattern: the one-pass check agrees with the regular expressions', async () => {
  const { checkSimpleValue, simpleType } = await import('../../src/core/schema/index.js');
  const { BASE64_GRAMMAR } = await import('../../src/core/schema/lexical.js');
  const b64 = simpleType('Base64Type')!;
  // XSD 1.0 Part 2 3.2.16 (canonical padding) and the Base64Type pattern of model.ts, as regexes.
  const pattern = /^(?:([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/u;
  const oracle = (v: string) => BASE64_GRAMMAR.test(v) && pattern.test(v);
  const alphabet = 'AQgwEIMUYcko+/=9é ';
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let k = 0; k < 20000; k++) {
    let v = '';
    for (let i = rnd(13); i > 0; i--) v += alphabet[rnd(alphabet.length)];
    if (v.includes(' ') || v.trim() !== v) continue; // collapse and space handling are tested above
    assert.equal(checkSimpleValue(b64, v) === undefined, oracle(v), JSON.stringify(v));
  }
  for (const v of ['====', 'A===', 'AAA=', 'AAAA', 'AAAAAA==', 'AAAAAAg=', 'AAAAAAh=', 'AAAAAw=='])
    assert.equal(checkSimpleValue(b64, v) === undefined, oracle(v), v);
});
