// The fast paths of the streaming canonicaliser and signer (TMAD 10.1 exc-c14n, XMLDSig 4.3.3.2 c14n
// 1.0, TMAD 5.9.2): they must not change a single output byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { C14N_CORPUS } from '../support/c14n-corpus.js';
import {
  c14nAttr,
  c14nAttributes,
  c14nText,
  canonicalizeString,
  DocumentC14nSink,
  type C14nMode,
} from '../../src/lib/xmldsig/c14n.js';
import { signXmlFile, verifyXmlFile } from '../../src/lib/xmldsig/index.js';
import { streamXml, type XmlElementStart } from '../../src/lib/xml/sax.js';

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** The source as an async iterable of UTF-8 chunks of `size` bytes (splitting characters and tokens). */
async function* chunks(xml: string, size: number): AsyncIterable<Uint8Array> {
  const b = Buffer.from(xml, 'utf8');
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

/** Canonical forms through string outputs, and digests through ONE shared hash (as the verifier does). */
async function both(
  xml: string | AsyncIterable<Uint8Array>,
  opts: { enveloped?: boolean; withComments?: boolean } = {},
): Promise<{ exc: string; inc: string; excDigest: string; incDigest: string }> {
  let exc = '';
  let inc = '';
  const shared = createHash('sha256');
  const strings = new DocumentC14nSink(
    [
      { mode: 'exclusive', out: (c) => (exc += c) },
      { mode: 'inclusive', out: (c) => (inc += c) },
    ],
    opts.enveloped ?? false,
    opts.withComments ?? false,
  );
  const hashes = new DocumentC14nSink(
    [
      { mode: 'exclusive', hash: shared },
      { mode: 'inclusive', hash: shared },
    ],
    opts.enveloped ?? false,
    opts.withComments ?? false,
  );
  await streamXml(xml, [strings, hashes]);
  const e = hashes.hash(0);
  const i = hashes.hash(1);
  const excDigest = e.digest('hex');
  const incDigest = i === e ? excDigest : i.digest('hex');
  return { exc, inc, excDigest, incDigest };
}

test('c14n text fast path: no & < > CR → the same string; each special escaped wherever it is', () => {
  for (const s of ['', 'plain', '\n    ', 'tab\there "q" \'a\' \t\n', 'caf\u00e9 \u{1F600}']) {
    assert.equal(c14nText(s), s);
  }
  assert.equal(c14nText('&'), '&amp;');
  assert.equal(c14nText('<x>'), '&lt;x&gt;');
  assert.equal(c14nText('a\rb&'), 'a&#xD;b&amp;');
  assert.equal(c14nText('\u{1F600}&\u{1F600}'), '\u{1F600}&amp;\u{1F600}');
  assert.equal(c14nText('x'.repeat(70000) + '&'), 'x'.repeat(70000) + '&amp;');
});

test('c14n attribute fast path: no & < " TAB LF CR → the same string; > is not escaped', () => {
  for (const s of ['', 'plain', "it's > ok", 'caf\u00e9']) assert.equal(c14nAttr(s), s);
  assert.equal(c14nAttr('"\t\n\r&<'), '&quot;&#x9;&#xA;&#xD;&amp;&lt;');
  assert.equal(c14nAttr('a<'), 'a&lt;');
});

test('c14n attributes: already sorted (no copy), unsorted, namespaced first by URI', async () => {
  const starts: XmlElementStart[] = [];
  await streamXml(
    '<r xmlns:z="urn:a" xmlns:a="urn:z"><e a="1" b="2" c="3"/><e c="3" a="1" b="2"/><e a:x="1" z:y="2" b="0"/></r>',
    [{ startElement: (el) => starts.push(el) }],
  );
  assert.equal(c14nAttributes(starts[1]!), ' a="1" b="2" c="3"');
  assert.equal(c14nAttributes(starts[2]!), ' a="1" b="2" c="3"');
  assert.deepEqual(
    starts[2]!.attributes.map((a) => a.name),
    ['c', 'a', 'b'],
    'the event is not reordered',
  );
  // '' < 'urn:a' < 'urn:z'
  assert.equal(c14nAttributes(starts[3]!), ' b="0" z:y="2" a:x="1"');
});

test('TMAD 10.1: corpus byte-identical to xmllint when the input arrives in tiny chunks (text, names, references split)', async () => {
  for (const c of C14N_CORPUS) {
    for (const size of [1, 3, 7, 64]) {
      const got = await both(chunks(c.xml, size), { withComments: true });
      assert.equal(got.exc, c.exc, `${c.name} exclusive, ${size}-byte chunks`);
      assert.equal(got.inc, c.inc, `${c.name} inclusive, ${size}-byte chunks`);
      assert.equal(got.excDigest, sha256(c.exc), `${c.name} exclusive digest (shared hash)`);
      assert.equal(got.incDigest, sha256(c.inc), `${c.name} inclusive digest (shared hash)`);
    }
  }
});

test('shared hash: forms that never differ, differ at the root, or differ only after several batches', async () => {
  const body = (n: number): string =>
    Array.from(
      { length: n },
      (_, i) =>
        `\n  <item n="${i}" note="a&amp;b&#9;c">text ${i} &amp; &lt;more&gt; caf\u00e9 \u{1F600}&#13;</item>`,
    ).join('');
  const cases: Array<[string, string]> = [
    ['never differ (default namespace used on the root)', `<r xmlns="urn:r">${body(3000)}\n</r>`],
    ['differ at the root (unused declaration)', `<r xmlns:u="urn:u">${body(3000)}\n</r>`],
    [
      'differ after 100,000+ common characters, then many times',
      `<r>${body(2000)}<late xmlns:u="urn:u" xmlns:p="urn:p"><p:x/>${body(500)}</late>${body(1000)}</r>`,
    ],
    ['prefixed elements declared on the root', `<p:r xmlns:p="urn:p"><p:a><p:b/></p:a>${body(2000)}</p:r>`],
  ];
  for (const [name, xml] of cases) {
    for (const mode of ['exclusive', 'inclusive'] as C14nMode[]) {
      const one = await canonicalizeString(xml, { mode });
      const got = await both(xml);
      assert.equal(mode === 'exclusive' ? got.exc : got.inc, one, `${name}: ${mode} form with two outputs`);
      assert.equal(
        mode === 'exclusive' ? got.excDigest : got.incDigest,
        sha256(one),
        `${name}: ${mode} digest`,
      );
    }
  }
  const root = await both(`<r xmlns:u="urn:u"><a/></r>`);
  assert.equal(root.exc, '<r><a></a></r>');
  assert.equal(root.inc, '<r xmlns:u="urn:u"><a></a></r>');
});

test('elements with and without namespace declarations, nested redeclarations, undone at the end tag', async () => {
  const xml =
    '<a:r xmlns:a="urn:a"><a:s xmlns:b="urn:b"><b:t/><c xmlns="urn:c"><d/><a:e xmlns:a="urn:a2"/><a:f/></c></a:s>' +
    '<b:u xmlns:b="urn:b2"/><g/></a:r>';
  const got = await both(xml);
  assert.equal(
    got.exc,
    '<a:r xmlns:a="urn:a"><a:s><b:t xmlns:b="urn:b"></b:t><c xmlns="urn:c"><d></d><a:e xmlns:a="urn:a2"></a:e>' +
      '<a:f></a:f></c></a:s><b:u xmlns:b="urn:b2"></b:u><g></g></a:r>',
  );
  assert.equal(
    got.inc,
    '<a:r xmlns:a="urn:a"><a:s xmlns:b="urn:b"><b:t></b:t><c xmlns="urn:c"><d></d><a:e xmlns:a="urn:a2"></a:e>' +
      '<a:f></a:f></c></a:s><b:u xmlns:b="urn:b2"></b:u><g></g></a:r>',
  );
});

test('signXmlFile pass 2 copies bytes: multi-byte characters, CRLF, BOM, end tag split across read chunks', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const opts = { privateKey, issuerName: 'CN=Test CA', serialNumber: '7' };
  const dir = mkdtempSync(path.join(os.tmpdir(), 's1mig-c14n-fast-'));
  try {
    const MiB = 1024 * 1024;
    const line = '<i a="caf\u00e9">\u00e9\u20ac\u{1F600} &amp; x</i>\r\n';
    const filler = (bytes: number): string => line.repeat(Math.ceil(bytes / Buffer.byteLength(line)));
    const cases: string[] = [];
    // The root's end tag straddles the 1 MiB read-chunk boundary at each of several offsets.
    for (const shift of [-3, -1, 0, 1, 2, 6]) {
      const head = '<r>' + filler(MiB - 4096);
      const pad = MiB - Buffer.byteLength(head) + shift;
      cases.push(head + 'x'.repeat(Math.max(0, pad)) + '</r  >\r\n<!-- after \u{1F600} -->\n');
    }
    cases.push('\ufeff<r>' + filler(2 * MiB + 100) + '\u{1F600}</r>');
    cases.push('<r xmlns="urn:r">' + filler(300) + '</r>');
    for (const [n, xml] of cases.entries()) {
      const inp = path.join(dir, `in${n}.xml`);
      const out = path.join(dir, `out${n}.xml`);
      writeFileSync(inp, xml);
      await signXmlFile(inp, out, opts);
      const signed = readFileSync(out);
      const text = signed.toString('utf8');
      const s = text.indexOf('<ds:Signature');
      const e = text.indexOf('</ds:Signature>') + '</ds:Signature>'.length;
      assert.ok(s > 0, `case ${n}: signature present`);
      assert.ok(/<\/r\s*>/.test(text.slice(e, e + 8)), `case ${n}: signature is the last child of the root`);
      assert.equal(
        Buffer.concat([
          signed.subarray(0, Buffer.byteLength(text.slice(0, s))),
          Buffer.from(text.slice(e)),
        ]).equals(readFileSync(inp)),
        true,
        `case ${n}: the input bytes are unchanged around the signature`,
      );
      const v = await verifyXmlFile(out, { resolveKey: () => publicKey });
      assert.deepEqual(v.problems, [], `case ${n}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
