// Enveloped XMLDSig in the TMAD 10.1 profile: round trip, tampering, profile rules (TMAD 5.9.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ALG_EXC_C14N,
  ElementC14nSink,
  createSignatureVerifier,
  signXmlFile,
  signXmlString,
  verifyXml,
  verifyXmlFile,
  type XmlSignatureVerdict,
} from '../../src/lib/xmldsig/index.js';
import { streamXml, type XmlElementStart } from '../../src/lib/xml/sax.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ISSUER = 'CN=S1MIG Test Issuing CA,O=S1MIG Test,C=GB';
const SERIAL = '1234567890123456789';
const opts = { privateKey, issuerName: ISSUER, serialNumber: SERIAL };
const resolveKey = (i: string, s: string): KeyObject | undefined =>
  i === ISSUER && s === SERIAL ? publicKey : undefined;

const DOC =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<mig:MigrationCommonFile xmlns:mig="urn:s1mig:test" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
  '  <mig:Header mig:version="1"><mig:MCFCounter>42</mig:MCFCounter></mig:Header>\n' +
  '  <mig:Installation id="a&amp;b">MPAN &lt;1&gt; caf\u00e9</mig:Installation>\n' +
  '</mig:MigrationCommonFile>\n';

async function verify(xml: string): Promise<XmlSignatureVerdict> {
  return verifyXml(xml, { resolveKey });
}

function rules(v: XmlSignatureVerdict): string[] {
  return v.problems.map((p) => p.rule);
}

test('TMAD 10.1: sign then verify (Transform enveloped-signature only, the default)', async () => {
  const signed = await signXmlString(DOC, opts);
  assert.match(signed, /<ds:Signature xmlns:ds="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#">/);
  assert.match(
    signed,
    /<\/ds:Signature><\/mig:MigrationCommonFile>\n$/,
    'ds:Signature is the last child of the root',
  );
  assert.ok(signed.startsWith(DOC.slice(0, DOC.lastIndexOf('</mig:'))), 'input copied unchanged');
  const v = await verify(signed);
  assert.deepEqual(v, { valid: true, problems: [], signer: { issuerName: ISSUER, serialNumber: SERIAL } });
});

test('TMAD 10.1: sign then verify with Transforms enveloped-signature + exc-c14n', async () => {
  const signed = await signXmlString(DOC, { ...opts, transforms: 'enveloped+exc-c14n' });
  assert.ok(signed.includes(`<ds:Transform Algorithm="${ALG_EXC_C14N}"/>`));
  assert.equal((await verify(signed)).valid, true);
});

test('TMAD 10.1: SignatureValue is raw r||s (64 bytes), KeyInfo is X509Data/X509IssuerSerial only', async () => {
  const signed = await signXmlString(DOC, opts);
  const sv = /<ds:SignatureValue>([^<]*)<\/ds:SignatureValue>/.exec(signed)![1]!;
  assert.equal(Buffer.from(sv, 'base64').length, 64);
  assert.match(
    signed,
    /<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial><ds:X509IssuerName>CN=S1MIG Test Issuing CA,O=S1MIG Test,C=GB<\/ds:X509IssuerName><ds:X509SerialNumber>1234567890123456789<\/ds:X509SerialNumber><\/ds:X509IssuerSerial><\/ds:X509Data><\/ds:KeyInfo>/,
  );
});

test('signXmlFile streams and produces a verifying file; BOM, self-closing root and trailing comment kept', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 's1mig-xmldsig-'));
  try {
    const cases = [
      DOC,
      '\ufeff<r a="1"/>\n<!-- after -->\n',
      '<r>' + '<i>x</i>\n'.repeat(50_000) + '</r   >',
    ];
    for (const [n, xml] of cases.entries()) {
      const inp = path.join(dir, `in${n}.xml`);
      const out = path.join(dir, `out${n}.xml`);
      writeFileSync(inp, xml);
      await signXmlFile(inp, out, opts);
      const signed = readFileSync(out, 'utf8');
      const v = await verifyXmlFile(out, { resolveKey });
      assert.deepEqual(v.problems, [], `case ${n}`);
      assert.equal(v.valid, true);
      const sigStart = signed.indexOf('<ds:Signature');
      const sigEnd = signed.indexOf('</ds:Signature>') + '</ds:Signature>'.length;
      const without = signed.slice(0, sigStart) + signed.slice(sigEnd);
      assert.equal(
        without,
        n === 1 ? '\ufeff<r a="1"></r>\n<!-- after -->\n' : xml,
        `case ${n}: only the Signature was added`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('signing refuses an input that is already signed, a non-P-256 key, a DOCTYPE', async () => {
  const signed = await signXmlString(DOC, opts);
  await assert.rejects(signXmlString(signed, opts), /already contains a ds:Signature/);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  await assert.rejects(signXmlString(DOC, { ...opts, privateKey: rsa.privateKey }), /ECDSA P-256/);
  await assert.rejects(signXmlString('<!DOCTYPE r><r/>', opts), /DOCTYPE not allowed/);
});

test('TMAD 5.9.2: tampered text, attribute, added element, SignedInfo or SignatureValue → invalid', async () => {
  const signed = await signXmlString(DOC, opts);
  const tamper = [
    signed.replace('MPAN &lt;1&gt;', 'MPAN &lt;2&gt;'),
    signed.replace('id="a&amp;b"', 'id="a&amp;c"'),
    signed.replace('<mig:Header', '<mig:Extra/><mig:Header'),
    signed.replace('<ds:Reference URI="">', '<ds:Reference URI="" Id="x">'),
    signed.replace(
      /<ds:SignatureValue>(.)/,
      (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`,
    ),
    signed.replace(/<ds:DigestValue>(.)/, (_m, c: string) => `<ds:DigestValue>${c === 'A' ? 'B' : 'A'}`),
    signed.replace('<ds:SignedInfo>', '<ds:SignedInfo>\n'),
  ];
  for (const [i, t] of tamper.entries()) {
    assert.notEqual(t, signed, `tamper ${i} changed something`);
    const v = await verify(t);
    assert.equal(v.valid, false, `tamper ${i}`);
    assert.ok(rules(v).includes('TMAD 5.9.2'), `tamper ${i}: ${JSON.stringify(v.problems)}`);
  }
});

test('whitespace outside the signed content is irrelevant only where c14n says so', async () => {
  const signed = await signXmlString(DOC, opts);
  // Whitespace after the root element is outside the canonical form: still valid.
  assert.equal((await verify(signed + '\n\n')).valid, true);
  // An XML declaration change is outside it too.
  assert.equal(
    (await verify(signed.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>'))).valid,
    true,
  );
  // Whitespace inside the root is content.
  assert.equal((await verify(signed.replace('<mig:Header', ' <mig:Header'))).valid, false);
});

test('TMAD 5.9.2: unknown signer certificate, or a different key → invalid', async () => {
  const signed = await signXmlString(DOC, opts);
  const v1 = await verifyXml(signed, { resolveKey: () => undefined });
  assert.equal(v1.valid, false);
  assert.match(
    v1.problems[0]!.message,
    /no trusted certificate with X509IssuerName "CN=S1MIG Test Issuing CA/,
  );
  const v2 = await verifyXml(signed, { resolveKey: () => other.publicKey });
  assert.deepEqual(rules(v2), ['TMAD 5.9.2']);
});

async function resign(xml: string, edit: (s: string) => string): Promise<string> {
  // Re-sign SignedInfo after editing it, so that only the edited rule fails.
  const edited = edit(xml);
  const si = new ElementC14nSink((el: XmlElementStart) => el.local === 'SignedInfo');
  await streamXml(edited, [si]);
  const sig = cryptoSign('sha256', Buffer.from(si.canonical!, 'utf8'), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return edited.replace(/<ds:SignatureValue>[^<]*</, `<ds:SignatureValue>${sig.toString('base64')}<`);
}

test('TMAD 10.1 Signature: other algorithms, URIs, transforms are rejected with the rule', async () => {
  const signed = await signXmlString(DOC, opts);
  const edits: Array<[string, (s: string) => string, RegExp]> = [
    [
      'c14n 1.0',
      (s) => s.replace('xml-exc-c14n#"/><ds:SignatureMethod', 'REC-xml-c14n-20010315"/><ds:SignatureMethod'),
      /CanonicalizationMethod/,
    ],
    [
      'rsa-sha256',
      (s) => s.replace('xmldsig-more#ecdsa-sha256', 'xmldsig-more#rsa-sha256'),
      /SignatureMethod/,
    ],
    ['sha1 digest', (s) => s.replace('xmlenc#sha256', 'xmldsig#sha1'), /DigestMethod/],
    ['URI #id', (s) => s.replace('URI=""', 'URI="#x"'), /Reference URI/],
    ['no URI', (s) => s.replace('<ds:Reference URI="">', '<ds:Reference>'), /Reference URI/],
    [
      'xpath transform',
      (s) =>
        s.replace(
          'enveloped-signature"/>',
          'enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"/>',
        ),
      /Transforms must be/,
    ],
    [
      'no transforms',
      (s) => s.replace(/<ds:Transforms>.*<\/ds:Transforms>/, '<ds:Transforms></ds:Transforms>'),
      /Transforms must be/,
    ],
    [
      'two references',
      (s) => s.replace(/(<ds:Reference .*<\/ds:Reference>)/, '$1$1'),
      /exactly one ds:Reference/,
    ],
    ['ecdsa-sha384', (s) => s.replace('ecdsa-sha256', 'ecdsa-sha384'), /SignatureMethod/],
  ];
  for (const [name, edit, msg] of edits) {
    const v = await verify(await resign(signed, edit));
    assert.equal(v.valid, false, name);
    assert.ok(rules(v).includes('TMAD 10.1 Signature'), `${name}: ${JSON.stringify(v.problems)}`);
    assert.ok(
      v.problems.some((p) => msg.test(p.message)),
      `${name}: ${JSON.stringify(v.problems)}`,
    );
  }
});

test('TMAD 10.1 KeyInfo: only X509Data/X509IssuerSerial', async () => {
  const signed = await signXmlString(DOC, opts);
  const variants = [
    signed.replace(
      '<ds:X509IssuerSerial>',
      '<ds:X509Certificate>MIIB</ds:X509Certificate><ds:X509IssuerSerial>',
    ),
    signed.replace('<ds:KeyInfo>', '<ds:KeyInfo><ds:KeyName>k</ds:KeyName>'),
    signed.replace(/<ds:KeyInfo>.*<\/ds:KeyInfo>/, ''),
    signed.replace(/<ds:X509SerialNumber>\d+/, '<ds:X509SerialNumber>0x1F'),
    signed.replace('</ds:X509Data>', '</ds:X509Data><ds:X509Data/>'),
  ];
  for (const [i, s] of variants.entries()) {
    const v = await verify(s);
    assert.equal(v.valid, false, `variant ${i}`);
    assert.ok(rules(v).includes('TMAD 10.1 KeyInfo'), `variant ${i}: ${JSON.stringify(v.problems)}`);
  }
});

test('TMAD 10.1 Signature: exactly one ds:Signature, the last child of the root', async () => {
  const signed = await signXmlString(DOC, opts);
  const sig = /<ds:Signature.*<\/ds:Signature>/.exec(signed)![0];
  const none = await verify(DOC);
  assert.deepEqual(rules(none), ['TMAD 10.1 Signature']);
  assert.match(none.problems[0]!.message, /no ds:Signature/);
  const two = await verify(signed.replace('</mig:MigrationCommonFile>', sig + '</mig:MigrationCommonFile>'));
  assert.ok(two.problems.some((p) => /more than one/.test(p.message)));
  const notLast = await verify(
    signed.replace('</mig:MigrationCommonFile>', '<mig:Late/></mig:MigrationCommonFile>'),
  );
  assert.ok(
    notLast.problems.some((p) => /last child/.test(p.message) && p.line === 5),
    JSON.stringify(notLast.problems),
  );
  const nested = await verify(signed.replace(sig, '').replace('</mig:Header>', sig + '</mig:Header>'));
  assert.ok(nested.problems.some((p) => /child of the root/.test(p.message)));
});

test('TMAD 5.9.1: not well-formed or DOCTYPE → invalid with the line', async () => {
  const v = await verify('<r>\n<a></r>');
  assert.deepEqual(
    v.problems.map((p) => [p.rule, p.line]),
    [['TMAD 5.9.1', 2]],
  );
  const d = await verify('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>&x;</r>');
  assert.match(d.problems[0]!.message, /DOCTYPE not allowed/);
});

test('createSignatureVerifier runs beside other sinks in one parse', async () => {
  const signed = await signXmlString(DOC, opts);
  let elements = 0;
  const v = createSignatureVerifier({ resolveKey });
  await streamXml(signed, [{ startElement: () => void elements++ }, v.sink]);
  assert.equal((await v.result()).valid, true);
  assert.equal(elements, 4 + 15);
});
