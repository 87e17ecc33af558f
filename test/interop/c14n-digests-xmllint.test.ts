// The verifier's two document digests (TMAD 5.9.2; exclusive for Transforms enveloped-signature +
// exc-c14n, inclusive for enveloped-signature alone, XMLDSig 4.3.3.2) computed in one pass with ONE
// shared hash, on a generated ~5 MB file, equal `xmllint --exc-c14n | sha256sum` and
// `xmllint --c14n | sha256sum`; and xmlsec1 verifies the 5 MB file signed by s1mig in both ways.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createReadStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeXmlTestPki } from '../support/xml-test-pki.js';
import { DocumentC14nSink } from '../../src/lib/xmldsig/c14n.js';
import { signXmlFile, verifyXmlFile, type ReferenceTransforms } from '../../src/lib/xmldsig/index.js';
import { streamXml } from '../../src/lib/xml/sax.js';

const pki = makeXmlTestPki();
after(() => pki.cleanup());

/**
 * ~5 MB: indentation, text with and without escapes (long runs that cross read chunks), CR references,
 * CDATA, non-ASCII and astral characters, unsorted and namespaced attributes, an unused declaration on
 * the root (the two forms differ from the first tag), declarations on inner elements, a PI. No comments
 * (xmllint keeps them).
 */
function generate(): string {
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<?pi before?>\n',
    '<mig:MigrationCommonFile xmlns:mig="urn:s1mig:bench" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:unused="urn:unused">\n',
  ];
  let size = 0;
  for (let n = 0; size < 5 * 1024 * 1024; n++) {
    let s = `  <mig:SMETS1Installation seq="${n}" b="x" a="y">\n    <mig:MPAN>${1000000000000 + n}</mig:MPAN>\n`;
    for (const d of ['ESME', 'GSME', 'CHF']) {
      s +=
        `    <mig:${d}Detail mig:type="${d}" xsi:nil="false">\n` +
        `      <mig:Model>Model &amp; Co &lt;${d}&gt; "q" caf\u00e9 \u{1F600}&#13;</mig:Model>\n` +
        `      <Plain xmlns="urn:other" at="a&#9;b&lt;&quot;">v1.2.3</Plain>\n` +
        `      <x:Y xmlns:x="urn:x"><x:Z/><![CDATA[<raw & data>]]></x:Y><?pi inside?>\n` +
        `    </mig:${d}Detail>\n`;
    }
    if (n % 500 === 0) s += `    <mig:Long>${'plain text without escapes '.repeat(4000)}</mig:Long>\n`;
    if (n % 700 === 0) s += `    <mig:Long>${'text &amp; escapes &lt;&gt; '.repeat(4000)}</mig:Long>\n`;
    s += '  </mig:SMETS1Installation>\n';
    parts.push(s);
    size += s.length;
  }
  parts.push('</mig:MigrationCommonFile>\n');
  return parts.join('');
}

const file = path.join(pki.dir, 'five-mb.xml');
writeFileSync(file, generate());

function xmllintDigest(flag: string): string {
  const r = spawnSync('xmllint', [flag, file], { maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, String(r.stderr));
  return createHash('sha256').update(r.stdout).digest('hex');
}

test('TMAD 5.9.2: one-pass shared-hash digests = xmllint --exc-c14n / --c14n | sha256sum on 5 MB', async () => {
  const shared = createHash('sha256');
  const sink = new DocumentC14nSink(
    [
      { mode: 'exclusive', hash: shared },
      { mode: 'inclusive', hash: shared },
    ],
    true,
  );
  await streamXml(createReadStream(file, { highWaterMark: 64 * 1024 }), [sink]);
  const exc = sink.hash(0).digest('hex');
  const inc = sink.hash(1).digest('hex');
  assert.notEqual(exc, inc, 'the forms differ (unused declaration on the root)');
  assert.equal(exc, xmllintDigest('--exc-c14n'));
  assert.equal(inc, xmllintDigest('--c14n'));
});

for (const transforms of ['enveloped', 'enveloped+exc-c14n'] as ReferenceTransforms[]) {
  test(`TMAD 10.1: 5 MB file signed by s1mig (${transforms}) verifies with xmlsec1 and s1mig`, async () => {
    const out = path.join(pki.dir, `five-mb-${transforms}.xml`);
    await signXmlFile(file, out, {
      privateKey: pki.leafKey,
      issuerName: pki.issuerName,
      serialNumber: pki.serialNumber,
      transforms,
    });
    const r = spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', pki.leafCertPath, out], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const v = await verifyXmlFile(out, { resolveKey: () => pki.leafCert.publicKey });
    assert.deepEqual(v.problems, []);
  });
}
