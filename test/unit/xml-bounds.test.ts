// TMAD 5.9.1: an unauthenticated sender must not be able to stop the intake with one huge node. The
// tokenizer bounds every per-node buffer (text, CDATA, comment, PI, tag with its attribute values) and
// the nesting; the schema validator bounds the value it keeps. An over-limit node is a well-formedness
// rejection naming line and element. The inputs are generated here, at test time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_MAX_NODE_LENGTH,
  parseXml,
  XmlSyntaxError,
  type XmlEventSink,
} from '../../src/lib/xml/sax.js';
import { createSchemaValidator, validateXml } from '../../src/core/schema/index.js';
import { mcf } from '../fixtures/schema/samples.js';

const LIMIT = 1000;

/** The text in chunks of `size` characters (tokens split anywhere). */
async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function reject(xml: string, size = 64, opts: object = {}): Promise<XmlSyntaxError> {
  let texts = 0;
  const sink: XmlEventSink = { text: (t) => (texts = Math.max(texts, t.length)) };
  const e = await parseXml(chunks(xml, size), [sink], { maxNodeLength: LIMIT, ...opts }).then(
    () => assert.fail('accepted'),
    (x: unknown) => x,
  );
  assert.ok(e instanceof XmlSyntaxError, String(e));
  assert.ok(texts <= LIMIT, `a text event of ${texts} characters was delivered`);
  return e;
}

test('TMAD 5.9.1: the default node bound is 16 MiB characters', () => {
  assert.equal(DEFAULT_MAX_NODE_LENGTH, 16 * 1024 * 1024);
});

test('TMAD 5.9.1: a text node over the bound, split across chunks, is rejected at its line, naming the element', async () => {
  const xml = `<a>\n  <b>\n    <c>${'x'.repeat(LIMIT + 1)}</c></b></a>`;
  const e = await reject(xml);
  assert.equal(e.line, 3);
  assert.equal(e.column, 8);
  assert.equal(e.element, 'a/b/c');
  assert.match(e.reason, /^text in element a\/b\/c is longer than 1000 characters/);
});

test('TMAD 5.9.1: a text node exactly at the bound is accepted, in one chunk or many', async () => {
  const xml = `<a>${'x'.repeat(LIMIT)}</a>`;
  for (const size of [7, 64, 100_000]) {
    let got = '';
    await parseXml(chunks(xml, size), [{ text: (t) => (got += t) }], { maxNodeLength: LIMIT });
    assert.equal(got.length, LIMIT);
  }
});

test('TMAD 5.9.1: text of one element split by comments and CDATA sections counts as one node', async () => {
  const piece = 'y'.repeat(300);
  const e = await reject(`<a>\n<b>${piece}<!--c-->${piece}<![CDATA[${piece}]]><?p q?>${piece}</b></a>`);
  assert.equal(e.line, 2);
  assert.equal(e.element, 'a/b');
  // Elements in between start a new node.
  await parseXml(chunks(`<a>${piece}<b/>${piece}<b/>${piece}<b/>${piece}</a>`, 64), [], {
    maxNodeLength: LIMIT,
  });
});

test('TMAD 5.9.1: a one-chunk text node over the bound is rejected too', async () => {
  const e = await reject(`<a>${'&amp;'.repeat(LIMIT + 1)}</a>`, 1_000_000);
  assert.equal(e.element, 'a');
});

test('TMAD 5.9.1: comment, PI, CDATA section, attribute value and name over the bound are rejected at their start', async () => {
  const big = 'z'.repeat(LIMIT + 10);
  const cases: Array<[string, RegExp, string | undefined]> = [
    [`<a>\n<!--${big}-->\n</a>`, /^comment in element a /, 'a'],
    [`<!--${big}-->\n<a/>`, /^comment is longer/, undefined],
    [`<a>\n<?pi ${big}?></a>`, /^processing instruction in element a /, 'a'],
    [`<a>\n<![CDATA[${big}]]></a>`, /^CDATA section in element a /, 'a'],
    [`<a>\n<b x="${big}"/></a>`, /^start tag in element a /, 'a'],
    [`<a>\n<${big}/></a>`, /^start tag in element a /, 'a'],
  ];
  // Split across chunks (the buffer stops growing at the bound) and in one chunk: the same verdict.
  for (const size of [128, 1_000_000])
    for (const [xml, re, element] of cases) {
      const e = await reject(xml, size);
      assert.match(e.reason, re, xml.slice(0, 20));
      assert.equal(e.line, element ? 2 : 1, xml.slice(0, 20));
      assert.equal(e.element, element);
    }
});

test('TMAD 5.9.1: nesting deeper than maxDepth is rejected, naming the path', async () => {
  const xml = '<a>'.repeat(11) + '</a>'.repeat(11);
  const e = await reject(xml, 64, { maxDepth: 10 });
  assert.match(e.reason, /^element a nested deeper than 10 levels/);
  await parseXml(chunks('<a>'.repeat(10) + '</a>'.repeat(10), 64), [], { maxDepth: 10 });
});

test('TMAD 5.9.1: validateXml reports an over-limit text node as a well-formedness problem with line and element', async () => {
  const xml = mcf(1).replace(/<GroupID>[^<]*<\/GroupID>/, `<GroupID>${'Q'.repeat(5000)}</GroupID>`);
  const line = xml.slice(0, xml.indexOf('<GroupID>')).split('\n').length;
  const r = await validateXml(chunks(xml, 256), { maxNodeLength: LIMIT });
  assert.equal(r.valid, false);
  const p = r.problems.at(-1)!;
  assert.equal(p.rule, 'TMAD 5.9.1');
  assert.equal(p.line, line);
  assert.match(p.element, /\/GroupID$/);
  assert.match(p.message, /longer than 1000 characters/);
});

test('TMAD 5.9.1: the schema validator keeps at most maxValueLength characters of a simple value', async () => {
  const xml = mcf(1).replace(/<GroupID>[^<]*<\/GroupID>/, `<GroupID>${'Q<!---->'.repeat(500)}</GroupID>`);
  const v = createSchemaValidator({ maxValueLength: 100 });
  await parseXml(xml, [v.sink]);
  const r = v.result();
  assert.equal(r.valid, false);
  const p = r.problems.find((x) => /longer than 100 characters/.test(x.message));
  assert.ok(p, JSON.stringify(r.problems));
  assert.match(p.element, /GroupID$/);
  assert.equal(p.rule, 'TMAD 10.1');
});
