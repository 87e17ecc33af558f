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
import {
  streamXml,
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

/** C14N text escaping: & < > and CR. */
export function c14nText(s: string): string {
  if (!/[&<>\r]/.test(s)) return s;
  return s.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;',
  );
}

/** C14N attribute escaping: & < " TAB LF CR. */
export function c14nAttr(s: string): string {
  if (!/[&<"\t\n\r]/.test(s)) return s;
  return s.replace(/[&<"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '"':
        return '&quot;';
      case '\t':
        return '&#x9;';
      case '\n':
        return '&#xA;';
      default:
        return '&#xD;';
    }
  });
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

/**
 * Serialises output elements canonically to `out`. Feed it elements in document order; it keeps the
 * namespace context of the output (exclusive: what was rendered on output ancestors; inclusive: the
 * in-scope declarations of the parent).
 */
export class C14nWriter {
  private readonly ns = new Map<string, string>();
  private readonly undo: Array<Array<[string, string | undefined]>> = [];
  private buf = '';
  /** Document-level state, for PIs outside the root element. */
  private afterRoot = false;
  private depth = 0;

  constructor(
    private readonly mode: C14nMode,
    private readonly out: (chunk: string) => void,
  ) {}

  startElement(el: XmlElementStart): void {
    this.startTag(el, c14nAttributes(el));
  }

  /** Start tag with the attributes already serialised by c14nAttributes (shared between writers). */
  startTag(el: XmlElementStart, attributes: string): void {
    const changes: Array<[string, string | undefined]> = [];
    let decls: Array<[string, string]> | undefined;
    const ns = this.ns;
    if (this.mode === 'exclusive') {
      // Namespaces visibly utilised: the element's prefix (default ns if none) and prefixed attributes.
      const render = (prefix: string, uri: string): void => {
        const cur = ns.get(prefix);
        if (cur === uri || (prefix === '' && uri === '' && cur === undefined)) return;
        (decls ??= []).push([prefix, uri]);
        changes.push([prefix, cur]);
        ns.set(prefix, uri);
      };
      render(el.prefix, el.uri);
      for (const a of el.attributes) if (a.prefix !== '' && a.prefix !== 'xml') render(a.prefix, a.uri);
    } else {
      for (const prefix in el.nsDeclarations) {
        if (prefix === 'xml') continue;
        const uri = el.nsDeclarations[prefix]!;
        const cur = ns.get(prefix);
        if (cur === uri || (prefix === '' && uri === '' && cur === undefined)) continue;
        (decls ??= []).push([prefix, uri]);
        changes.push([prefix, cur]);
        ns.set(prefix, uri);
      }
    }
    this.undo.push(changes);

    let s = '<' + el.name;
    if (decls) {
      if (decls.length > 1) decls.sort((a, b) => cmp(a[0], b[0]));
      for (const [p, u] of decls) s += (p === '' ? ' xmlns="' : ' xmlns:' + p + '="') + c14nAttr(u) + '"';
    }
    this.write(s + attributes + '>');
    this.depth++;
  }

  endElement(el: Pick<XmlElementEnd, 'name'>): void {
    const changes = this.undo.pop();
    if (changes) {
      for (let i = changes.length - 1; i >= 0; i--) {
        const [p, prev] = changes[i]!;
        if (prev === undefined) this.ns.delete(p);
        else this.ns.set(p, prev);
      }
    }
    this.write('</' + el.name + '>');
    this.depth--;
    if (this.depth === 0) this.afterRoot = true;
  }

  text(t: string): void {
    if (this.depth > 0) this.write(c14nText(t));
  }

  /** Text already escaped with c14nText (shared between writers). */
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
    this.buf += s;
    if (this.buf.length > 32768) this.flush();
  }

  flush(): void {
    if (this.buf.length > 0) {
      this.out(this.buf);
      this.buf = '';
    }
  }
}

/** The attributes of a start tag in canonical order and form (same in both modes). */
export function c14nAttributes(el: XmlElementStart): string {
  const attrs = el.attributes;
  if (attrs.length === 0) return '';
  if (attrs.length === 1) {
    const a = attrs[0]!;
    return ' ' + a.name + '="' + c14nAttr(a.value) + '"';
  }
  const sorted = attrs.slice().sort((a, b) => cmp(a.uri, b.uri) || cmp(a.local, b.local));
  let s = '';
  for (const a of sorted) s += ' ' + a.name + '="' + c14nAttr(a.value) + '"';
  return s;
}

function isSignatureElement(el: { uri: string; local: string }): boolean {
  return el.uri === DSIG_NS && el.local === 'Signature';
}

/**
 * Canonicalises a whole document (URI="", comments dropped) as an XmlEventSink, applying the
 * enveloped-signature transform: the ds:Signature element that is a child of the root element is left
 * out with its subtree (and nothing else: whitespace around it stays). Several modes can be computed
 * from the same events in one pass (each to its own output).
 */
export class DocumentC14nSink implements XmlEventSink {
  private readonly writers: C14nWriter[];
  private skipDepth = -1;

  constructor(
    outputs: Array<{ mode: C14nMode; out: (chunk: string) => void }>,
    private readonly enveloped = true,
    private readonly withComments = false,
  ) {
    this.writers = outputs.map((o) => new C14nWriter(o.mode, o.out));
  }

  comment(text: string): void {
    if (!this.withComments || this.skipDepth >= 0) return;
    for (const w of this.writers) w.comment(text);
  }

  startElement(el: XmlElementStart): void {
    if (this.skipDepth >= 0) return;
    if (this.enveloped && el.depth === 1 && isSignatureElement(el)) {
      this.skipDepth = el.depth;
      return;
    }
    if (this.writers.length === 1) this.writers[0]!.startElement(el);
    else {
      const attributes = c14nAttributes(el);
      for (const w of this.writers) w.startTag(el, attributes);
    }
  }

  endElement(el: XmlElementEnd): void {
    if (this.skipDepth >= 0) {
      if (el.depth === this.skipDepth) this.skipDepth = -1;
      return;
    }
    for (const w of this.writers) w.endElement(el);
  }

  text(t: string, _pos: XmlPosition, _cdata: boolean): void {
    if (this.skipDepth >= 0) return;
    const escaped = c14nText(t);
    for (const w of this.writers) w.escapedText(escaped);
  }

  processingInstruction(target: string, body: string): void {
    if (this.skipDepth >= 0) return;
    for (const w of this.writers) w.processingInstruction(target, body);
  }

  end(): void {
    for (const w of this.writers) w.flush();
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
