// Streaming XML canonicalisation over the shared SAX events (src/core/xml/sax.ts).
//
// - Exclusive XML Canonicalization 1.0 without comments (http://www.w3.org/2001/10/xml-exc-c14n#),
//   the TMAD 10.1 CanonicalizationMethod, with no InclusiveNamespaces PrefixList.
// - Canonical XML 1.0 without comments (http://www.w3.org/TR/2001/REC-xml-c14n-20010315): XMLDSig
//   (4.3.3.2) converts a Reference's node-set to octets with it when the last Transform is the
//   enveloped-signature transform, so a Reference whose only Transform is enveloped-signature (TMAD 10.1
//   names only that one) is digested with it.
//
// Both only ever see a whole document minus (optionally) the enveloped ds:Signature subtree, or one
// subtree (ds:SignedInfo): no element of the output has a parent outside the output except the apex,
// so inclusive c14n's xml:* attribute inheritance for orphans never applies except at an apex, and the
// only apex canonicalised inclusively is the document root, which has no ancestors.
//
// Performance (the verifier digests every file twice, exclusive and inclusive, in one pass; TMAD 5.9.2):
// one C14nRenderer serves all outputs of a sink. Text and attributes are escaped once; the two modes
// differ only in the namespace declarations rendered on a start tag, which for a migration file is the
// root element alone. While every output would receive the same characters they share ONE pending
// string, encoded to UTF-8 once and fed to every hash in 64 Ki-character batches; only when a start
// tag differs does the renderer split into one pending string per output until the next flush. An
// element without namespace declarations, prefixed attributes or more than one attribute allocates
// nothing but its output string.
import type { Hash } from 'node:crypto';
import {
  streamXml,
  type XmlAttribute,
  type XmlElementEnd,
  type XmlElementStart,
  type XmlEventSink,
  type XmlPosition,
} from '../xml/sax.js';

export const ALG_EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ALG_C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export type C14nMode = 'exclusive' | 'inclusive';

/**
 * Where a canonical form goes: a string callback, or a hash fed the UTF-8 bytes. Several outputs may
 * share ONE hash object: while their canonical forms agree it is fed once, and at the first character
 * where they differ it is copied (hash.copy()) for each further output; get the final hash of each
 * output with DocumentC14nSink.hash(index) (if the forms never differed, every such output returns the
 * same object: digest it once).
 */
export type C14nOutput = { mode: C14nMode; out: (chunk: string) => void } | { mode: C14nMode; hash: Hash };

const TEXT_SPECIAL = /[&<>\r]/;
const ATTR_SPECIAL = /[&<"\t\n\r]/;

/** C14N text escaping: & < > and CR. */
export function c14nText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  const first = s.search(TEXT_SPECIAL);
  let out = '';
  let last = 0;
  for (let i = first; i < s.length; i++) {
    let r: string;
    switch (s.charCodeAt(i)) {
      case 0x26:
        r = '&amp;';
        break;
      case 0x3c:
        r = '&lt;';
        break;
      case 0x3e:
        r = '&gt;';
        break;
      case 0x0d:
        r = '&#xD;';
        break;
      default:
        continue;
    }
    out += s.slice(last, i) + r;
    last = i + 1;
  }
  return out + s.slice(last);
}

/** C14N attribute escaping: & < " TAB LF CR. */
export function c14nAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  const first = s.search(ATTR_SPECIAL);
  let out = '';
  let last = 0;
  for (let i = first; i < s.length; i++) {
    let r: string;
    switch (s.charCodeAt(i)) {
      case 0x26:
        r = '&amp;';
        break;
      case 0x3c:
        r = '&lt;';
        break;
      case 0x22:
        r = '&quot;';
        break;
      case 0x09:
        r = '&#x9;';
        break;
      case 0x0a:
        r = '&#xA;';
        break;
      case 0x0d:
        r = '&#xD;';
        break;
      default:
        continue;
    }
    out += s.slice(last, i) + r;
    last = i + 1;
  }
  return out + s.slice(last);
}

function cmp(a: string, b: string): number {
  // C14N orders by code point; UTF-16 order differs only for astral vs U+E000–U+FFFF, irrelevant for
  // names and namespace URIs in practice, but be exact anyway.
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  for (let i = 0; i < la && i < lb; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return la < lb ? -1 : la > lb ? 1 : 0;
}

function cmpAttr(a: XmlAttribute, b: XmlAttribute): number {
  return cmp(a.uri, b.uri) || cmp(a.local, b.local);
}

/** The attributes of a start tag in canonical order and form (same in both modes). */
export function c14nAttributes(el: XmlElementStart): string {
  const attrs = el.attributes;
  const n = attrs.length;
  if (n === 0) return '';
  if (n === 1) {
    const a = attrs[0]!;
    return ' ' + a.name + '="' + c14nAttr(a.value) + '"';
  }
  // Sorted by (namespace URI, local name); usually already in order, then nothing is copied.
  let sorted: readonly XmlAttribute[] = attrs;
  for (let i = 1; i < n; i++) {
    if (cmpAttr(attrs[i - 1]!, attrs[i]!) > 0) {
      sorted = attrs.slice().sort(cmpAttr);
      break;
    }
  }
  let s = '';
  for (let i = 0; i < n; i++) {
    const a = sorted[i]!;
    s += ' ' + a.name + '="' + c14nAttr(a.value) + '"';
  }
  return s;
}

/**
 * The namespace context of one mode: exclusive, what was rendered on output ancestors; inclusive, the
 * in-scope declarations of the output parent. Changes are undone by output depth, so an element that
 * changes nothing costs nothing.
 */
class NsContext {
  private readonly map = new Map<string, string>();
  /** Triples (depth, prefix, previous uri or undefined). */
  private readonly undo: Array<number | string | undefined> = [];
  /** Bumped on every change, so that callers can cache answers of needs(). */
  version = 0;

  /** Whether (prefix, uri) must be rendered on an element whose output parent has this context. */
  needs(prefix: string, uri: string): boolean {
    const cur = this.map.get(prefix);
    return !(cur === uri || (prefix === '' && uri === '' && cur === undefined));
  }

  set(prefix: string, uri: string, depth: number): void {
    this.version++;
    this.undo.push(depth, prefix, this.map.get(prefix));
    this.map.set(prefix, uri);
  }

  /** Undo the changes made by the element at `depth` (its end tag). */
  pop(depth: number): void {
    const undo = this.undo;
    let n = undo.length;
    if (n === 0 || undo[n - 3] !== depth) return;
    this.version++;
    while (n > 0 && undo[n - 3] === depth) {
      const prefix = undo[n - 2] as string;
      const prev = undo[n - 1] as string | undefined;
      if (prev === undefined) this.map.delete(prefix);
      else this.map.set(prefix, prev);
      n -= 3;
    }
    undo.length = n;
  }
}

/** Sorted namespace declarations, rendered: default first, then by prefix (code point order). */
function renderDecls(decls: string[]): string {
  // decls = [prefix0, uri0, prefix1, uri1, ...]; tiny, so insertion sort in place.
  const n = decls.length;
  for (let i = 2; i < n; i += 2) {
    const p = decls[i]!;
    const u = decls[i + 1]!;
    let j = i - 2;
    while (j >= 0 && cmp(decls[j]!, p) > 0) {
      decls[j + 2] = decls[j]!;
      decls[j + 3] = decls[j + 1]!;
      j -= 2;
    }
    decls[j + 2] = p;
    decls[j + 3] = u;
  }
  let s = '';
  for (let i = 0; i < n; i += 2) {
    const p = decls[i]!;
    s += (p === '' ? ' xmlns="' : ' xmlns:' + p + '="') + c14nAttr(decls[i + 1]!) + '"';
  }
  return s;
}

/** Pending characters below this many are batched before they are handed to the outputs. */
const BATCH = 65536;
/** While the outputs differ, flush sooner so that they share one string again. */
const SPLIT_BATCH = 16384;

/**
 * Renders one stream of element/text events canonically into one or more outputs, each in its own
 * mode, sharing every character the modes have in common (see the header).
 */
export class C14nRenderer {
  private readonly outs: C14nOutput[]; // own copies: a shared hash is replaced by its copy
  private readonly exc: NsContext | undefined;
  private readonly inc: NsContext | undefined;
  /** Per output: true if exclusive. */
  private readonly isExc: boolean[];
  /** Pending characters common to every output. */
  private common = '';
  /** Per output, pending characters after `common`, once a start tag differed (split mode). */
  private tails: string[] | undefined;
  private scratch: Buffer | undefined;
  private readonly excDecls: string[] = [];
  private readonly incDecls: string[] = [];
  /** Cache: (prefix, uri) needed no declaration in the exclusive context at version okVersion. */
  private okPrefix: string | undefined;
  private okUri: string | undefined;
  private okVersion = -1;
  /** Cache: a frozen (so forever) empty nsDeclarations object. */
  private noDecls: Record<string, string> | undefined;
  /** Output depth (number of open output elements). */
  private depth = 0;
  /** Document-level state, for PIs/comments outside the root element. */
  private afterRoot = false;

  constructor(outputs: C14nOutput[]) {
    this.outs = outputs.map((o) => ({ ...o }));
    this.isExc = outputs.map((o) => o.mode === 'exclusive');
    this.exc = this.isExc.includes(true) ? new NsContext() : undefined;
    this.inc = this.isExc.includes(false) ? new NsContext() : undefined;
  }

  /** Start tag with the attributes already serialised by c14nAttributes. */
  startTag(el: XmlElementStart, attributes: string): void {
    const depth = ++this.depth;
    let excDecls = '';
    let incDecls = '';
    const exc = this.exc;
    if (exc) {
      // Namespaces visibly utilised: the element's prefix (default ns if none) and prefixed attributes.
      let d: string[] | undefined;
      // The element's own namespace: usually the one of the previous element, with nothing changed since.
      const prefix = el.prefix;
      const uri = el.uri;
      if (prefix !== this.okPrefix || uri !== this.okUri || exc.version !== this.okVersion) {
        if (exc.needs(prefix, uri)) {
          d = this.excDecls;
          d.push(prefix, uri);
          exc.set(prefix, uri, depth);
        } else {
          this.okPrefix = prefix;
          this.okUri = uri;
          this.okVersion = exc.version;
        }
      }
      const attrs = el.attributes;
      for (let i = 0; i < attrs.length; i++) {
        const a = attrs[i]!;
        const p = a.prefix;
        if (p !== '' && p !== 'xml' && exc.needs(p, a.uri)) {
          d = this.excDecls;
          d.push(p, a.uri);
          exc.set(p, a.uri, depth);
        }
      }
      if (d) {
        excDecls = renderDecls(d);
        d.length = 0;
      }
    }
    const inc = this.inc;
    if (inc) {
      const nsd = el.nsDeclarations;
      let d: string[] | undefined;
      // The parser hands every element without declarations the same frozen empty object.
      if (nsd !== this.noDecls) {
        let any = false;
        for (const prefix in nsd) {
          any = true;
          if (prefix === 'xml') continue;
          const uri = nsd[prefix]!;
          if (!inc.needs(prefix, uri)) continue;
          d = this.incDecls;
          d.push(prefix, uri);
          inc.set(prefix, uri, depth);
        }
        if (!any && Object.isFrozen(nsd)) this.noDecls = nsd;
      }
      if (d) {
        incDecls = renderDecls(d);
        d.length = 0;
      }
    }
    if (excDecls === incDecls || !exc || !inc) {
      this.write('<' + el.name + (exc ? excDecls : incDecls) + attributes + '>');
    } else {
      const head = '<' + el.name;
      const tail = attributes + '>';
      this.writeSplit(head + excDecls + tail, head + incDecls + tail);
    }
  }

  endElement(el: Pick<XmlElementEnd, 'name'>): void {
    const depth = this.depth--;
    this.exc?.pop(depth);
    this.inc?.pop(depth);
    this.write('</' + el.name + '>');
    if (this.depth === 0) this.afterRoot = true;
  }

  /** Text already escaped with c14nText; ignored outside the root element. */
  escapedText(t: string): void {
    if (this.depth > 0) this.write(t);
  }

  processingInstruction(target: string, body: string): void {
    this.node('<?' + target + (body !== '' ? ' ' + body : '') + '?>');
  }

  /** Only for the "with comments" variants (tests against `xmllint --exc-c14n`, which keeps them). */
  comment(text: string): void {
    this.node('<!--' + text + '-->');
  }

  private node(s: string): void {
    if (this.depth > 0) this.write(s);
    else if (this.afterRoot) this.write('\n' + s);
    else this.write(s + '\n');
  }

  private write(s: string): void {
    const tails = this.tails;
    if (tails === undefined) {
      this.common += s;
      if (this.common.length > BATCH) this.flush();
    } else {
      for (let k = 0; k < tails.length; k++) tails[k] += s;
      if (tails[0]!.length > SPLIT_BATCH) this.flush();
    }
  }

  /** Different characters for the exclusive and the inclusive outputs. */
  private writeSplit(excS: string, incS: string): void {
    let tails = this.tails;
    if (tails === undefined) {
      // Hand over a large common part now, so that it is encoded once.
      if (this.common.length > SPLIT_BATCH) this.flush();
      tails = this.tails = this.isExc.map(() => '');
    }
    for (let k = 0; k < tails.length; k++) tails[k] += this.isExc[k] ? excS : incS;
    if (tails[0]!.length > SPLIT_BATCH) this.flush();
  }

  /** The hash of output `index` (a copy of a shared hash once the outputs differed). */
  hash(index: number): Hash {
    const o = this.outs[index];
    if (!o || !('hash' in o)) throw new TypeError(`c14n output ${index} is not a hash`);
    return o.hash;
  }

  /** Whether output k shares its hash object with an earlier output. */
  private sharesHash(k: number): boolean {
    const o = this.outs[k]!;
    if (!('hash' in o)) return false;
    for (let j = 0; j < k; j++) {
      const p = this.outs[j]!;
      if ('hash' in p && p.hash === o.hash) return true;
    }
    return false;
  }

  /** Hand every pending character to the outputs. */
  flush(): void {
    const outs = this.outs;
    const common = this.common;
    if (common.length > 0) {
      let bytes: Uint8Array | undefined;
      for (let k = 0; k < outs.length; k++) {
        const o = outs[k]!;
        if ('out' in o) o.out(common);
        else if (!this.sharesHash(k)) o.hash.update((bytes ??= this.encode(common)));
      }
      this.common = '';
    }
    const tails = this.tails;
    if (tails !== undefined) {
      // The outputs differ from here on: each needs a hash of its own.
      for (let k = outs.length - 1; k > 0; k--) {
        const o = outs[k]!;
        if ('hash' in o && this.sharesHash(k)) o.hash = o.hash.copy();
      }
      for (let k = 0; k < outs.length; k++) {
        const t = tails[k]!;
        if (t.length === 0) continue;
        const o = outs[k]!;
        if ('out' in o) o.out(t);
        else o.hash.update(this.encode(t));
      }
      this.tails = undefined;
    }
  }

  /** UTF-8 bytes of s, in a reused buffer when s fits (valid until the next call). */
  private encode(s: string): Uint8Array {
    const max = s.length * 3;
    if (max > 3 * (BATCH + 8192)) return Buffer.from(s, 'utf8');
    const buf = (this.scratch ??= Buffer.allocUnsafe(3 * (BATCH + 8192)));
    return buf.subarray(0, buf.write(s, 0, 'utf8'));
  }
}

/**
 * Serialises output elements canonically to `out` in one mode. Feed it elements in document order;
 * it keeps the namespace context of the output (exclusive: what was rendered on output ancestors;
 * inclusive: the in-scope declarations of the parent).
 */
export class C14nWriter {
  private readonly r: C14nRenderer;

  constructor(mode: C14nMode, out: (chunk: string) => void) {
    this.r = new C14nRenderer([{ mode, out }]);
  }

  startElement(el: XmlElementStart): void {
    this.r.startTag(el, c14nAttributes(el));
  }

  /** Start tag with the attributes already serialised by c14nAttributes (shared between writers). */
  startTag(el: XmlElementStart, attributes: string): void {
    this.r.startTag(el, attributes);
  }

  endElement(el: Pick<XmlElementEnd, 'name'>): void {
    this.r.endElement(el);
  }

  text(t: string): void {
    this.r.escapedText(c14nText(t));
  }

  /** Text already escaped with c14nText (shared between writers). */
  escapedText(t: string): void {
    this.r.escapedText(t);
  }

  processingInstruction(target: string, body: string): void {
    this.r.processingInstruction(target, body);
  }

  /** Only for the "with comments" variants (tests against `xmllint --exc-c14n`, which keeps them). */
  comment(text: string): void {
    this.r.comment(text);
  }

  flush(): void {
    this.r.flush();
  }
}

/**
 * Canonicalises a whole document (URI="", comments dropped) as an XmlEventSink, applying the
 * enveloped-signature transform: the ds:Signature element that is a child of the root element is left
 * out with its subtree (and nothing else: whitespace around it stays). Several modes can be computed
 * from the same events in one pass (each to its own output), sharing all common work.
 */
export class DocumentC14nSink implements XmlEventSink {
  private readonly r: C14nRenderer;
  private skipDepth = -1;

  constructor(
    outputs: C14nOutput[],
    private readonly enveloped = true,
    private readonly withComments = false,
  ) {
    this.r = new C14nRenderer(outputs);
  }

  comment(text: string): void {
    if (!this.withComments || this.skipDepth >= 0) return;
    this.r.comment(text);
  }

  startElement(el: XmlElementStart): void {
    if (this.skipDepth >= 0) return;
    if (el.depth === 1 && this.enveloped && el.local === 'Signature' && el.uri === DSIG_NS) {
      this.skipDepth = 1;
      return;
    }
    this.r.startTag(el, el.attributes.length === 0 ? '' : c14nAttributes(el));
  }

  endElement(el: XmlElementEnd): void {
    if (this.skipDepth >= 0) {
      if (el.depth === this.skipDepth) this.skipDepth = -1;
      return;
    }
    this.r.endElement(el);
  }

  text(t: string, _pos?: XmlPosition, _cdata?: boolean): void {
    if (this.skipDepth >= 0) return;
    this.r.escapedText(c14nText(t));
  }

  processingInstruction(target: string, body: string): void {
    if (this.skipDepth >= 0) return;
    this.r.processingInstruction(target, body);
  }

  end(): void {
    this.r.flush();
  }

  /** The final hash of output `index` (call after end(); see C14nOutput for shared hashes). */
  hash(index: number): Hash {
    return this.r.hash(index);
  }
}

/** Canonicalise a complete document held in a string (small inputs, tests). */
export async function canonicalizeString(
  xml: string,
  opts: { mode?: C14nMode; enveloped?: boolean; withComments?: boolean } = {},
): Promise<string> {
  let out = '';
  const sink = new DocumentC14nSink(
    [{ mode: opts.mode ?? 'exclusive', out: (c) => (out += c) }],
    opts.enveloped ?? false,
    opts.withComments ?? false,
  );
  await streamXml(xml, [sink]);
  return out;
}

export { XML_NS };

/**
 * Canonicalises the first element accepted by `select` and its subtree (comments dropped), e.g. a
 * ds:SignedInfo for SignatureValue computation: exclusive c14n renders only the namespaces the subtree
 * visibly uses, with no output ancestors, so the result does not depend on where it sits in the file.
 */
export class ElementC14nSink implements XmlEventSink {
  private writer: C14nWriter | undefined;
  private apexDepth = -1;
  private done = false;
  private result = '';

  constructor(
    private readonly select: (el: XmlElementStart) => boolean,
    mode: C14nMode = 'exclusive',
  ) {
    this.mode = mode;
  }
  private readonly mode: C14nMode;

  /** The canonical form, or undefined if no element was selected (yet). */
  get canonical(): string | undefined {
    return this.done ? this.result : undefined;
  }

  startElement(el: XmlElementStart): void {
    if (this.done) return;
    if (!this.writer) {
      if (!this.select(el)) return;
      this.apexDepth = el.depth;
      this.writer = new C14nWriter(this.mode, (c) => (this.result += c));
    }
    this.writer.startElement(el);
  }

  endElement(el: XmlElementEnd): void {
    if (this.done || !this.writer) return;
    this.writer.endElement(el);
    if (el.depth === this.apexDepth) {
      this.writer.flush();
      this.writer = undefined;
      this.done = true;
    }
  }

  text(t: string): void {
    if (this.writer) this.writer.text(t);
  }

  processingInstruction(target: string, body: string): void {
    if (this.writer) this.writer.processingInstruction(target, body);
  }
}
