// The shared single-pass XML event layer and the streaming writer (TMAD 5.9.1: untrusted XML).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { streamXml, XmlSyntaxError, type XmlEventSink } from '../../src/lib/xml/sax.js';
import { XmlWriter, XmlWriterError } from '../../src/lib/xml/writer.js';

function recorder(): { sink: XmlEventSink; events: string[] } {
  const events: string[] = [];
  return {
    events,
    sink: {
      xmlDeclaration: (d) => events.push(`decl ${d.version} ${d.encoding}`),
      startElement: (e) =>
        events.push(
          `start ${e.name} {${e.uri}} d${e.depth} ${e.pos.line}:${e.pos.column} ${JSON.stringify(e.nsDeclarations)} ${e.attributes.map((a) => `${a.name}{${a.uri}}=${a.value}`).join(',')}${e.selfClosing ? ' /' : ''}`,
        ),
      endElement: (e) => events.push(`end ${e.name} d${e.depth}`),
      text: (t, _p, cdata) => events.push(`${cdata ? 'cdata' : 'text'} ${JSON.stringify(t)}`),
      comment: (t) => events.push(`comment ${t}`),
      processingInstruction: (t, b) => events.push(`pi ${t} ${b}`),
      end: () => events.push('end'),
    },
  };
}

test('events: namespaces, attributes without xmlns, positions, CDATA, entities, line ends', async () => {
  const r = recorder();
  await streamXml(
    '<?xml version="1.0" encoding="UTF-8"?>\n<!--c-->\n<p:r xmlns:p="urn:p" xmlns="urn:d" a="1&#9;&amp;\n2" p:b="x">\r\n  <c xmlns="">t&lt;<![CDATA[<&>]]></c><e/><?pi  body?></p:r>\n',
    [r.sink],
  );
  assert.deepEqual(r.events, [
    'decl 1.0 UTF-8',
    'comment c',
    'start p:r {urn:p} d0 3:1 {"p":"urn:p","":"urn:d"} a{}=1\t& 2,p:b{urn:p}=x',
    'text "\\n  "',
    'start c {} d1 5:3 {"":""} ',
    'text "t<"',
    'cdata "<&>"',
    'end c d1',
    'start e {urn:d} d1 5:39 {}  /',
    'end e d1',
    'pi pi body',
    'end p:r d0',
    'end',
  ]);
});

test('several sinks see the same events from one parse; chunked byte input with split UTF-8', async () => {
  const a = recorder();
  const b = recorder();
  const bytes = Buffer.from('<r>caf\u00e9 \u{1F600}</r>', 'utf8');
  const chunks = [...bytes].map((x) => Buffer.from([x]));
  await streamXml(Readable.from(chunks), [a.sink, b.sink]);
  assert.deepEqual(a.events, b.events);
  assert.ok(a.events.includes('text "caf\u00e9 \u{1F600}"'));
});

test('TMAD 5.9.1: DOCTYPE rejected before any sink sees an event', async () => {
  const r = recorder();
  await assert.rejects(
    streamXml(
      '<?xml version="1.0"?><!--x--><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
      [r.sink],
    ),
    (e: unknown) => e instanceof XmlSyntaxError && /DOCTYPE not allowed \(TMAD 5\.9\.1/.test(e.message),
  );
  assert.deepEqual(r.events, []);
});

test('not well-formed, undefined entity, unbound prefix, bad UTF-8, other encoding, too large → XmlSyntaxError', async () => {
  const bad: Array<[string | Uint8Array, RegExp, number?]> = [
    ['<r>\n<a></r>', /close tag/, 2],
    ['<r>&nbsp;</r>', /undefined entity/],
    ['<p:r/>', /unbound namespace prefix/],
    [Uint8Array.from([0x3c, 0x72, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x72, 0x3e]), /invalid UTF-8/],
    ['<?xml version="1.0" encoding="ISO-8859-1"?><r/>', /UTF-8 only/],
    ['', /no root element|document must contain a root element/],
    ['<r/><r/>', /./],
  ];
  for (const [src, re, line] of bad) {
    await assert.rejects(streamXml(src, []), (e: unknown) => {
      assert.ok(e instanceof XmlSyntaxError, String(e));
      assert.match(e.message, re);
      if (line !== undefined) assert.equal(e.line, line);
      return true;
    });
  }
  await assert.rejects(streamXml('<r>0123456789</r>', [], { maxBytes: 10 }), /too large/);
  await assert.rejects(
    streamXml('<r/>', [], { fileName: 'f.xml', maxBytes: 1 }),
    /^XmlSyntaxError: f\.xml:1:/,
  );
});

test('an exception from a sink stops the parse and passes through', async () => {
  const boom = new Error('stop');
  await assert.rejects(
    streamXml('<r><a/></r>', [
      {
        startElement: (e) => {
          if (e.depth === 1) throw boom;
        },
      },
    ]),
    (e) => e === boom,
  );
});

test('XmlWriter: escaping, self-closing empties, indentation, round trip through the parser', async () => {
  const pt = new PassThrough();
  let out = '';
  pt.setEncoding('utf8').on('data', (d: string) => (out += d));
  const w = new XmlWriter(pt, { indent: '  ' });
  w.xmlDeclaration();
  w.startElement('r', { xmlns: 'urn:x', a: 'q"<&\t\n\r>' });
  w.element('e', 'a&b<c>\r]]>');
  w.element('empty');
  w.startElement('m').text('x').element('y', 1).endElement();
  w.endElement();
  await w.end();
  assert.equal(
    out,
    '<?xml version="1.0" encoding="UTF-8"?>\n<r xmlns="urn:x" a="q&quot;&lt;&amp;&#x9;&#xA;&#xD;&gt;">\n' +
      '  <e>a&amp;b&lt;c&gt;&#xD;]]&gt;</e>\n  <empty/>\n  <m>x<y>1</y></m>\n</r>\n',
  );
  const r = recorder();
  await streamXml(out, [r.sink]);
  assert.ok(r.events.includes('text "a&b<c>\\r]]>"'));
  assert.ok(r.events.some((e) => e.includes('a{}=q"<&\t\n\r>')));
});

test('XmlWriter refuses invalid names, characters and structure', () => {
  const w = new XmlWriter(new PassThrough());
  assert.throws(() => w.startElement('1bad'), XmlWriterError);
  w.startElement('r');
  assert.throws(() => w.text('\u0001'), /not allowed in XML/);
  w.text('ok');
  assert.throws(() => w.attribute('late', 'x'), /after element content/);
  w.endElement();
  assert.throws(() => w.startElement('second'), /one root/);
  assert.throws(() => w.endElement(), /without an open element/);
});

test('XmlWriter honours backpressure: 100,000 records in bounded memory', async () => {
  let bytes = 0;
  let maxBuffered = 0;
  const { Writable } = await import('node:stream');
  const sink = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      setImmediate(cb);
    },
  });
  const w = new XmlWriter(sink);
  w.startElement('r');
  for (let i = 0; i < 100_000; i++) {
    w.startElement('i', { n: i }).element('v', 'x'.repeat(20)).endElement();
    maxBuffered = Math.max(maxBuffered, sink.writableLength);
    if (i % 100 === 0) await w.drain();
  }
  w.endElement();
  await w.end();
  assert.ok(bytes > 4_000_000);
  assert.ok(maxBuffered < 1024 * 1024, `buffered ${maxBuffered}`);
});
