// Streaming canonicalisation (TMAD 10.1: CanonicalizationMethod exc-c14n; XMLDSig 4.3.3.2 inclusive
// c14n for an enveloped-only Reference) against xmllint's output, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { C14N_CORPUS } from '../support/c14n-corpus.js';
import { canonicalizeString, c14nAttr, c14nText } from '../../src/lib/xmldsig/c14n.js';

for (const c of C14N_CORPUS) {
  test(`TMAD 10.1 exc-c14n: byte-identical to xmllint --exc-c14n: ${c.name}`, async () => {
    assert.equal(await canonicalizeString(c.xml, { mode: 'exclusive', withComments: true }), c.exc);
  });
  test(`XMLDSig 4.3.3.2 c14n 1.0: byte-identical to xmllint --c14n: ${c.name}`, async () => {
    assert.equal(await canonicalizeString(c.xml, { mode: 'inclusive', withComments: true }), c.inc);
  });
  test(`TMAD 10.1 exc-c14n without comments drops exactly the comments: ${c.name}`, async () => {
    const got = await canonicalizeString(c.xml, { mode: 'exclusive' });
    // Comments outside the root carry their own line break (before or after); inside, none.
    const expected = c.exc
      .replace(/<!--[\s\S]*?-->\n(?=[\s\S]*<)/g, (m, off: number) =>
        off < c.exc.indexOf('<', c.exc.search(/<[^?!]/)) ? '' : m,
      )
      .replace(/\n<!--[\s\S]*?-->(?![\s\S]*<\/)/g, '')
      .replace(/<!--[\s\S]*?-->/g, '');
    assert.equal(got, expected);
  });
}

test('c14n text escaping: & < > CR only', () => {
  assert.equal(c14nText('a&b<c>d\re\tf\ng"h\'i'), 'a&amp;b&lt;c&gt;d&#xD;e\tf\ng"h\'i');
});

test('c14n attribute escaping: & < " TAB LF CR, not >', () => {
  assert.equal(c14nAttr('a&b<c>d"e\tf\ng\rh\'i'), "a&amp;b&lt;c>d&quot;e&#x9;f&#xA;g&#xD;h'i");
});

test('enveloped-signature transform removes only the ds:Signature child of the root, not the whitespace', async () => {
  const xml =
    '<r xmlns:ds="http://www.w3.org/2000/09/xmldsig#">\n  <a/>\n  <ds:Signature><ds:SignedInfo/></ds:Signature>\n</r>';
  assert.equal(await canonicalizeString(xml, { enveloped: true }), '<r>\n  <a></a>\n  \n</r>');
  assert.equal(
    await canonicalizeString(xml, { enveloped: false }),
    '<r>\n  <a></a>\n  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo></ds:SignedInfo></ds:Signature>\n</r>',
  );
});

test('exclusive c14n of a subtree renders the namespaces it uses (ElementC14nSink)', async () => {
  const { ElementC14nSink } = await import('../../src/lib/xmldsig/c14n.js');
  const { streamXml } = await import('../../src/lib/xml/sax.js');
  const sink = new ElementC14nSink((el) => el.local === 'b');
  await streamXml(
    '<a xmlns="urn:a" xmlns:p="urn:p" xmlns:u="urn:u"><b p:x="1">\n <c/><!--x--><?pi y?></b></a>',
    [sink],
  );
  assert.equal(sink.canonical, '<b xmlns="urn:a" xmlns:p="urn:p" p:x="1">\n <c></c><?pi y?></b>');
});
