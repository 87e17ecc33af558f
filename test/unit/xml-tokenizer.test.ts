// Differential tests of the hand-written XML tokenizer (src/core/xml/tokenizer.ts, behind
// src/core/xml/sax.ts) against saxes, the parser it replaced (test/support/saxes-event-stream.ts keeps
// the old saxes-based event layer as the oracle). TMAD 5.9.1: every migration file is untrusted input,
// so the well-formedness verdict must be at least as strict as saxes's and the events identical.
//
// Known, documented differences (saxes is lenient or wrong; the tokenizer follows the specs):
// - QName local parts must be NCNames (Namespaces 1.0 [7]-[9]): `<a:1b>`, `<p:-x>`; saxes accepts them.
// - PI targets must not contain ':' (Namespaces 1.0 section 7); saxes accepts them.
// - A PI target must be followed by whitespace or '?>' (XML 1.0 [16]); saxes accepts `<?x?y z?>` as
//   target "x" with body "?y z".
// - Unpaired surrogates are not Chars (XML 1.0 [2]); saxes decodes a high surrogate with whatever code
//   unit follows and accepts it.
// - Only version="1.0" is accepted in the XML declaration; saxes accepts any 1.x (and switches to
//   XML 1.1 rules for "1.1").
// - Namespace declaration values are used as written (Namespaces 1.0: the normalised attribute value);
//   saxes trims them, so xmlns:p=" urn:p " binds "urn:p" there and xmlns:p=" " is an error there.
// - Positions: columns count UTF-16 code units (saxes counts code points); a start tag's position is
//   always its '<' (saxes's glue gave the next line when a line break followed the name); comments,
//   PIs and CDATA sections report their '<' (saxes's glue gave the column after '<' when text preceded
//   them). The oracle computes exact positions from saxes's string index (`indexPositions`), so the
//   positions of every event are compared exactly.
// - Error messages differ, and errors point at the offending character (saxes: after it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseXml, XmlEventStream, XmlSyntaxError, type XmlEventSink } from '../../src/lib/xml/sax.js';
import { SaxesEventStream } from '../support/saxes-event-stream.js';
import { C14N_CORPUS } from '../support/c14n-corpus.js';
import { VALID_SAMPLES } from '../fixtures/schema/samples.js';
import { generateSampleFile } from '../../src/estate/migration-file-samples.js';
import { signXmlString } from '../../src/lib/xmldsig/index.js';

const ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!statSync(path.join(dir, 'package.json'), { throwIfNoEntry: false })) dir = path.dirname(dir);
  return dir;
})();

// ------------------------------------------------------------------ outcomes

interface Outcome {
  ok: boolean;
  events: string[];
  rootEnd: number;
  error?: { line: number; column: number; reason: string };
}

function recorder(events: string[]): XmlEventSink {
  const p = (x: { line: number; column: number }): string => `${x.line}:${x.column}`;
  return {
    xmlDeclaration: (d) => events.push(`decl ${JSON.stringify(d)}`),
    startElement: (e) =>
      events.push(
        `start ${e.name} ${e.prefix}|${e.local}|{${e.uri}} d${e.depth} @${p(e.pos)} ns${JSON.stringify(
          Object.entries(e.nsDeclarations),
        )} attrs${JSON.stringify(e.attributes.map((a) => [a.name, a.prefix, a.local, a.uri, a.value]))}${
          e.selfClosing ? ' /' : ''
        }`,
      ),
    endElement: (e) =>
      events.push(`end ${e.name} ${e.prefix}|${e.local}|{${e.uri}} d${e.depth} @${p(e.pos)}`),
    text: (t, pos, cdata) => events.push(`${cdata ? 'cdata' : 'text'} ${JSON.stringify(t)} @${p(pos)}`),
    comment: (t, pos) => events.push(`comment ${JSON.stringify(t)} @${p(pos)}`),
    processingInstruction: (t, b, pos) => events.push(`pi ${t} ${JSON.stringify(b)} @${p(pos)}`),
    end: () => events.push('end'),
  };
}

function outcome(run: (sink: XmlEventSink) => number): Outcome {
  const events: string[] = [];
  try {
    const rootEnd = run(recorder(events));
    return { ok: true, events, rootEnd };
  } catch (e) {
    if (!(e instanceof XmlSyntaxError)) throw e;
    return { ok: false, events, rootEnd: -1, error: { line: e.line, column: e.column, reason: e.reason } };
  }
}

/** The tokenizer, fed `chunks` as decoded text. */
function ours(chunks: string[]): Outcome {
  return outcome((sink) => {
    const ev = new XmlEventStream([sink]);
    for (const c of chunks) ev.write(c);
    ev.close();
    return ev.rootEndPosition;
  });
}

/** The oracle: saxes, with exact index-based positions. */
function oracle(text: string): Outcome {
  return outcome((sink) => {
    const ev = new SaxesEventStream([sink], { indexPositions: text });
    ev.write(text);
    ev.close();
    return ev.rootEndPosition;
  });
}

/** A documented saxes leniency that explains a verdict or event difference, or undefined. */
function knownDifference(text: string, mine: Outcome, saxes: Outcome): string | undefined {
  if (!mine.ok && saxes.ok) {
    const r = mine.error!.reason;
    if (/local part must start with a name start character/.test(r)) return 'QName local part not an NCName';
    if (/processing instruction target must not contain ':'/.test(r)) return 'colon in a PI target';
    if (/XML version .* not supported/.test(r)) return 'XML version other than 1.0';
    if (/processing instruction .*: whitespace or '\?>' expected/.test(r))
      return "PI target followed by '?' + not '>'";
    if (
      /character not allowed/.test(r) &&
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)
    )
      return 'unpaired surrogate';
  }
  if (/xmlns(:[^=\s]*)?\s*=\s*("\s|'\s|"[^"]*\s"|'[^']*\s')/.test(text)) return 'xmlns value with whitespace';
  return undefined;
}

const stats = { compared: 0, wellFormed: 0, known: new Map<string, number>(), lineDelta: [] as number[] };

function compare(name: string, text: string): Outcome {
  const mine = ours([text]);
  const saxes = oracle(text);
  stats.compared++;
  if (mine.ok !== saxes.ok || (mine.ok && !sameEvents(mine, saxes))) {
    const why = knownDifference(text, mine, saxes);
    if (why !== undefined) {
      stats.known.set(why, (stats.known.get(why) ?? 0) + 1);
      return mine;
    }
    assert.equal(
      mine.ok,
      saxes.ok,
      `${name}: verdict differs\n${JSON.stringify(text)}\nours: ${JSON.stringify(mine.error)}\nsaxes: ${JSON.stringify(saxes.error)}`,
    );
    assert.deepEqual(mine.events, saxes.events, `${name}: events differ\n${JSON.stringify(text)}`);
    assert.equal(mine.rootEnd, saxes.rootEnd, `${name}: rootEndPosition differs`);
  }
  if (mine.ok) stats.wellFormed++;
  else {
    stats.lineDelta.push(Math.abs(mine.error!.line - saxes.error!.line));
    if (process.env.XML_TOKENIZER_DEBUG && Math.abs(mine.error!.line - saxes.error!.line) > 2)
      console.log(JSON.stringify({ mine: mine.error, saxes: saxes.error, text: text.slice(0, 300) }));
  }
  return mine;
}

function sameEvents(a: Outcome, b: Outcome): boolean {
  return (
    a.rootEnd === b.rootEnd &&
    a.events.length === b.events.length &&
    a.events.every((e, i) => e === b.events[i])
  );
}

/** Same outcome (events, verdict, error position, rootEndPosition) for another way of feeding. */
function assertSame(name: string, got: Outcome, want: Outcome): void {
  assert.equal(
    got.ok,
    want.ok,
    `${name}: verdict ${JSON.stringify(got.error)} vs ${JSON.stringify(want.error)}`,
  );
  if (want.ok) {
    assert.deepEqual(got.events, want.events, name);
    assert.equal(got.rootEnd, want.rootEnd, name);
  } else {
    assert.deepEqual(
      [got.error!.line, got.error!.column],
      [want.error!.line, want.error!.column],
      `${name}: ${got.error!.reason} vs ${want.error!.reason}`,
    );
  }
}

// ------------------------------------------------------------------ corpus

function fixtureFiles(dir: string): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...fixtureFiles(p));
    else out.push({ name: path.relative(ROOT, p), text: readFileSync(p, 'utf8') });
  }
  return out;
}

async function generated(): Promise<Array<{ name: string; text: string }>> {
  const out: Array<{ name: string; text: string }> = [];
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  for (const type of ['MCF', 'MVF', 'MGF', 'MEF', 'SCF', 'COF'] as const) {
    let s = '';
    const w = new Writable({
      write(chunk: Buffer, _enc, cb) {
        s += chunk.toString('utf8');
        cb();
      },
    });
    await generateSampleFile(
      type,
      {
        installations: 2,
        requestingPartyId: '70-B3-D5-1F-30-10-00-01',
        counter: 1,
        mcfCounter: 1,
        s1spPublicKey: rsa,
        dcoPublicKey: rsa,
        indent: '  ',
      },
      w,
    );
    out.push({ name: `generated ${type}`, text: s });
  }
  // One signed file: ds:Signature with its own default namespace, base64 text.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  out.push({
    name: 'generated MCF, signed',
    text: await signXmlString(out[0]!.text, { privateKey, issuerName: 'CN=Test,O=x', serialNumber: '42' }),
  });
  return out;
}

/** Hand-written edge cases (well-formed and not). */
const EDGE: Array<[string, string]> = [
  [
    'namespaces, default undeclare',
    '<a xmlns="urn:a" xmlns:p="urn:p"><b xmlns=""><p:c p:x="1" x="2"/></b><d/></a>',
  ],
  ['redeclared prefix', '<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c/></p:b><p:d/></p:a>'],
  ['xml prefix', '<a xml:lang="en" xmlns:xml="http://www.w3.org/XML/1998/namespace"><xml:b/></a>'],
  [
    'attribute entities, char refs, tabs, newlines',
    '<a x="1&#9;&amp;\t2\n3&#10;&#13;&lt;&gt;&quot;&apos;&#x1F600;" y=\'"\'/>',
  ],
  ['attribute CRLF and CR', '<a x="1\r\n2\r3"/>'],
  ['text entities', '<a>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x10FFFF;x</a>'],
  ['CDATA', '<a>x<![CDATA[<&>]] ]>]]>y<![CDATA[]]></a>'],
  [
    'PIs and comments everywhere',
    '<?xml version="1.0"?><?p1 a?><!--c1--><a><?p2?><!-- c 2 -->t<?p3  b  c ?></a><!--c3--><?p4 x?>',
  ],
  ['CRLF and lone CR', '<a>\r\n1\r2\r\n\r\n<b\r\nx="1"\r/>\r</a>\r\n'],
  ['BOM', '\ufeff<?xml version="1.0" encoding="UTF-8"?><a/>'],
  ['non-ASCII names and text', '<ü:ä xmlns:ü="urn:ü" ü:é="ß">日本語 Ω <Ωμέγα·x/>\u00b7</ü:ä>'],
  ['astral characters', '<a b="\u{1F600}">\u{1F600}x\u{10000}<c\u{10000}/></a>'],
  ['whitespace around root', '\n \t<a/>\n\n'],
  ['end tag whitespace', '<a></a \n>'],
  ['attribute spacing', '<a  x = "1"\n\ty=\'2\'  />'],
  ['xml declaration forms', "<?xml version='1.0' encoding='utf-8' standalone='yes' ?><a/>"],
  ['empty comment', '<a><!----></a>'],
  ['comment with single dashes', '<a><!-- - a - b -->\n</a>'],
  ['pi body with ?', '<a><?p ?x??></a>'],
  ['deep', '<a>' + '<b>'.repeat(50) + 'x' + '</b>'.repeat(50) + '</a>'],
  ['many attributes', '<a ' + Array.from({ length: 40 }, (_, i) => `a${i}="${i}"`).join(' ') + '/>'],
  [
    'many prefixed attributes',
    '<a xmlns:p="urn:p" ' + Array.from({ length: 40 }, (_, i) => `p:a${i}="${i}"`).join(' ') + '/>',
  ],
  // Not well-formed.
  ['DOCTYPE', '<!DOCTYPE a><a/>'],
  ['DOCTYPE inside', '<a><!DOCTYPE a></a>'],
  ['undefined entity', '<a>&nbsp;</a>'],
  ['entity in attribute', '<a x="&foo;"/>'],
  ['bad char ref', '<a>&#0;</a>'],
  ['surrogate char ref', '<a>&#xD800;</a>'],
  ['char ref X', '<a>&#X41;</a>'],
  ['unterminated ref', '<a>&amp</a>'],
  ['duplicate attribute', '<a x="1" x="2"/>'],
  ['duplicate expanded name', '<a xmlns:p="urn:x" xmlns:q="urn:x" p:x="1" q:x="2"/>'],
  ['unbound element prefix', '<p:a/>'],
  ['unbound attribute prefix', '<a p:x="1"/>'],
  ['xmlns prefix on element', '<xmlns:a/>'],
  ['undeclare prefix', '<a xmlns:p=""/>'],
  ['bind xml to other', '<a xmlns:xml="urn:x"/>'],
  ['bind to xmlns ns', '<a xmlns:p="http://www.w3.org/2000/xmlns/"/>'],
  ['default to xml ns', '<a xmlns="http://www.w3.org/XML/1998/namespace"/>'],
  ['declare xmlns', '<a xmlns:xmlns="http://www.w3.org/2000/xmlns/"/>'],
  ['mismatched', '<a><b></a></b>'],
  ['unclosed', '<a><b></b>'],
  ['lt in attribute', '<a x="<"/>'],
  [']]> in text', '<a>x]]>y</a>'],
  ['-- in comment', '<a><!-- a -- b --></a>'],
  ['---> comment end', '<a><!-- a ---></a>'],
  ['content after root', '<a/><b/>'],
  ['text after root', '<a/>x'],
  ['text before root', 'x<a/>'],
  ['entity before root', '&amp;<a/>'],
  ['CDATA outside', '<![CDATA[x]]><a/>'],
  ['control char', '<a>\u0001</a>'],
  ['lone high surrogate', '<a>\ud800x</a>'],
  ['lone low surrogate', '<a>\udc00</a>'],
  ['U+FFFE', '<a>\ufffe</a>'],
  ['U+FFFF in attribute', '<a x="\uffff"/>'],
  ['xml decl not first', ' <?xml version="1.0"?><a/>'],
  ['xml decl after comment', '<!--c--><?xml version="1.0"?><a/>'],
  ['XML pi target', '<a><?XML x?></a>'],
  ['xml decl version 1.1', '<?xml version="1.1"?><a/>'],
  ['xml decl no version', '<?xml encoding="UTF-8"?><a/>'],
  ['xml decl latin1', '<?xml version="1.0" encoding="ISO-8859-1"?><a/>'],
  ['no root', '<!--x-->'],
  ['empty', ''],
  ['no whitespace between attributes', '<a x="1"y="2"/>'],
  ['unquoted attribute', '<a x=1/>'],
  ['attribute without value', '<a x/>'],
  ['bad name start', '<1a/>'],
  ['space after <', '< a/>'],
  ['colon first', '<:a/>'],
  ['colon last', '<a: xmlns:a="urn:a"/>'],
  ['two colons', '<a:b:c xmlns:a="urn:a"/>'],
  ['local part digit', '<a:1b xmlns:a="urn:a"/>'],
  ['pi target colon', '<a><?p:q x?></a>'],
  ['slash not followed by >', '<a / >'],
  ['end tag before root', '</a>'],
  ['unterminated comment', '<a><!-- x</a>'],
  ['bad bang', '<a><!foo></a>'],
];

// ------------------------------------------------------------------ mutation

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = [
  '<',
  '>',
  '&',
  ';',
  '"',
  "'",
  '=',
  '/',
  ':',
  ']',
  '-',
  '?',
  '!',
  '[',
  ' ',
  '\r',
  '\n',
  '#',
  'x',
  '1',
  'é',
  '\u{1F600}',
  '\t',
  '&amp;',
  ']]>',
  '<!--',
  '-->',
  'xmlns:p="urn:p"',
  ' p:',
  '<![CDATA[',
  '\u0001',
];

function mutate(text: string, r: () => number): string {
  let s = text;
  const ops = r() < 0.6 ? 1 : 2 + Math.floor(r() * 2);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = r();
    if (op < 0.35 && s.length > 0) s = s.slice(0, at) + s.slice(at + 1);
    else if (op < 0.75) s = s.slice(0, at) + INSERTS[Math.floor(r() * INSERTS.length)]! + s.slice(at);
    else {
      const len = 1 + Math.floor(r() * 12);
      s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
    }
  }
  return s;
}

/** Split into 1..4 chunks at random offsets (possibly inside \r\n or a surrogate pair). */
function randomChunks(s: string, r: () => number): string[] {
  const cuts = Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * (s.length + 1))).sort(
    (a, b) => a - b,
  );
  const out: string[] = [];
  let p = 0;
  for (const c of cuts) {
    out.push(s.slice(p, c));
    p = c;
  }
  out.push(s.slice(p));
  return out;
}

// ------------------------------------------------------------------ tests

let corpus: Array<{ name: string; text: string }> = [];

test('corpus: fixtures, generated migration files, c14n corpus, edge cases — same events and verdict as saxes', async () => {
  corpus = [
    ...fixtureFiles(path.join(ROOT, 'test', 'fixtures')),
    ...(await generated()),
    ...Object.entries(VALID_SAMPLES).map(([name, f]) => ({ name: `schema sample ${name}`, text: f() })),
    ...C14N_CORPUS.map((c) => ({ name: `c14n ${c.name}`, text: c.xml })),
    ...EDGE.map(([name, text]) => ({ name: `edge ${name}`, text })),
  ];
  let wellFormed = 0;
  for (const d of corpus) if (compare(d.name, d.text).ok) wellFormed++;
  assert.ok(wellFormed >= 40, `well-formed corpus documents: ${wellFormed}`);
});

test('thousands of random mutations (seeded): same verdict and events as saxes, chunked the same as whole', (t) => {
  const r = rng(0x5eed);
  const small = corpus.filter((d) => d.text.length < 8000 && !d.name.endsWith('.ts'));
  assert.ok(small.length > 50);
  const N = 6000;
  for (let n = 0; n < N; n++) {
    const d = small[n % small.length]!;
    const m = mutate(d.text, r);
    const whole = compare(`mutation ${n} of ${d.name}`, m);
    if (n % 4 === 0) assertSame(`chunked mutation ${n} of ${d.name}`, ours(randomChunks(m, r)), whole);
  }
  // Error lines stay close to saxes's (saxes reports after the offending character or later).
  const far = stats.lineDelta.filter((x) => x > 2).length;
  assert.ok(
    far <= stats.lineDelta.length * 0.02,
    `error lines more than 2 apart: ${far} of ${stats.lineDelta.length}`,
  );
  assert.ok(stats.wellFormed > 700, `well-formed documents compared: ${stats.wellFormed}`);
  t.diagnostic(
    `compared ${stats.compared}, well-formed ${stats.wellFormed}, not well-formed ${stats.lineDelta.length} ` +
      `(error line >2 apart from saxes: ${far}), documented differences: ${JSON.stringify([...stats.known])}`,
  );
});

test('chunk splits at every offset (strings, incl. inside \\r\\n, references and surrogate pairs) and one character at a time', () => {
  const docs = corpus.filter((d) => d.text.length <= 700 && !d.name.endsWith('.ts'));
  assert.ok(docs.length > 40);
  for (const d of docs) {
    const whole = ours([d.text]);
    for (let k = 0; k <= d.text.length; k++) {
      assertSame(`${d.name} split at ${k}`, ours([d.text.slice(0, k), d.text.slice(k)]), whole);
    }
    assertSame(`${d.name} one char at a time`, ours([...d.text.split('')]), whole);
  }
});

test('byte chunks through parseXml: split UTF-8 at every byte offset', async () => {
  const docs = corpus.filter(
    (d) => /[^ -~\s]/.test(d.text) && d.text.length <= 3000 && Buffer.from(d.text).toString() === d.text,
  );
  assert.ok(docs.length >= 3);
  for (const d of docs) {
    const bytes = Buffer.from(d.text, 'utf8');
    const want = ours([d.text.charCodeAt(0) === 0xfeff ? d.text.slice(1) : d.text]);
    for (let k = 0; k <= bytes.length; k += bytes.length > 800 ? 7 : 1) {
      const events: string[] = [];
      let got: Outcome;
      try {
        const info = await parseXml(Readable.from([bytes.subarray(0, k), bytes.subarray(k)]), [
          recorder(events),
        ]);
        got = { ok: true, events, rootEnd: info.rootEndPosition };
      } catch (e) {
        if (!(e instanceof XmlSyntaxError)) throw e;
        got = { ok: false, events, rootEnd: -1, error: { line: e.line, column: e.column, reason: e.reason } };
      }
      assertSame(`${d.name} bytes split at ${k}`, got, want);
    }
  }
});

test('documented differences from saxes are what the tokenizer does', () => {
  const err = (xml: string): string => ours([xml]).error?.reason ?? 'well-formed';
  // Namespaces 1.0 [7]-[9]: local parts are NCNames.
  assert.match(err('<a:1b xmlns:a="urn:a"/>'), /local part/);
  assert.equal(oracle('<a:1b xmlns:a="urn:a"/>').ok, true);
  // Namespaces 1.0 section 7: no colon in PI targets.
  assert.match(err('<a><?p:q x?></a>'), /must not contain ':'/);
  // XML 1.0 only.
  assert.match(err('<?xml version="1.1"?><a/>'), /1\.0 only/);
  // Namespace names are not trimmed.
  const ns = ours(['<a xmlns:p=" urn:p "><p:b/></a>']);
  assert.ok(ns.events.some((e) => e.includes('{ urn:p }')));
  assert.ok(oracle('<a xmlns:p=" urn:p "><p:b/></a>').events.some((e) => e.includes('{urn:p}')));
  // Positions: start tag followed by a line break; astral characters are 2 columns.
  assert.ok(
    ours(['<r>\n<a\nx="1"/></r>']).events.some((e) => e.startsWith('start a ') && e.includes('@2:1')),
  );
  assert.ok(
    ours(['<r>\u{1F600}<a/></r>']).events.some((e) => e.startsWith('start a ') && e.includes('@1:6')),
  );
});

test('rootEndPosition is exact in the text as written (CRLF kept), for the streaming signer', () => {
  for (const xml of ['<a>\r\n<b/>\r\n</a>\r\n<!--x-->', '\r\n\r\n<a\r\n/>\r\n', '<a>\u{1F600}\r\r\n</a>']) {
    const whole = ours([xml]);
    assert.equal(
      whole.rootEnd,
      xml.lastIndexOf('>', xml.indexOf('<!--') >= 0 ? xml.indexOf('<!--') : xml.length) + 1,
    );
    for (let k = 0; k <= xml.length; k++)
      assert.equal(ours([xml.slice(0, k), xml.slice(k)]).rootEnd, whole.rootEnd);
  }
});

test('large inputs: a text run, an attribute value and a comment spanning many chunks', () => {
  const big = 'x&amp;'.repeat(50_000);
  const xml = `<a v="${big}"><!--${'c'.repeat(300_000)}-->${big}<![CDATA[${big}]]></a>`;
  const chunks: string[] = [];
  for (let p = 0; p < xml.length; p += 4093) chunks.push(xml.slice(p, p + 4093));
  const got = ours(chunks);
  assert.equal(got.ok, true);
  assertSame('large, chunked', got, ours([xml]));
  const expanded = 'x&'.repeat(50_000);
  assert.ok(got.events[0]!.includes(JSON.stringify(expanded).slice(1, 50)));
  assert.ok(got.events.includes(`text ${JSON.stringify(expanded)} @1:${xml.indexOf('-->') + 4}`));
});

// Its time (linear, not quadratic, in the token's length) is measured by bench/linear-time.ts.
test('a token far larger than the chunks is read whole (chunks are joined when the token can complete)', () => {
  const comment = 'c'.repeat(8 << 20);
  const xml = `<a><!--${comment}--></a>`;
  const chunks: string[] = [];
  for (let p = 0; p < xml.length; p += 16384) chunks.push(xml.slice(p, p + 16384));
  const got = ours(chunks);
  assert.equal(got.ok, true);
  assert.equal(got.events[1], `comment ${JSON.stringify(comment)} @1:4`);
});
