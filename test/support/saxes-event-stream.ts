// The saxes-based XML event layer that src/lib/xml/sax.ts used before the hand-written tokenizer
// (src/lib/xml/tokenizer.ts), kept verbatim as the ORACLE of the differential tests
// (test/unit/xml-tokenizer.test.ts) and as the "before" path of bench/xml-parse.ts. saxes is a
// dependency for this file only.
//
// One addition for the differential tests: `indexPositions` makes every position exact, computed from
// saxes's string index (parser.position) instead of saxes's line/column counters, which count astral
// characters as one column, report the start tag's line/column after the character that ends its name
// (wrong when that is a line break), report comments/PIs/CDATA that follow text one column late and
// text that follows a comment one column early.
import { SaxesParser, type SaxesTagNS, type SaxesAttributeNS } from 'saxes';
import {
  feedXmlSource,
  XmlSyntaxError,
  type XmlParseInfo,
  type StreamXmlOptions,
  type XmlElementEnd,
  type XmlElementStart,
  type XmlEventSink,
  type XmlPosition,
  type XmlSource,
  type XmlAttribute,
} from '../../src/lib/xml/sax.js';

const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';
const DOCTYPE_MESSAGE = 'DOCTYPE not allowed (TMAD 5.9.1: untrusted XML)';

export interface SaxesStreamOptions extends StreamXmlOptions {
  /** The whole decoded input: positions are then computed from string indexes (see above). */
  indexPositions?: string;
}

/** Line/column (1-based, UTF-16 columns, \r\n, \r and \n as line ends) of every index of `text`. */
export function positionFinder(text: string): (index: number) => XmlPosition {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: index - starts[lo]! + 1 };
  };
}

type Pending = () => void;

/**
 * Low-level driver: a saxes parser wired to the sinks. Exposed so that callers that already hold the
 * text (or that need the saxes string position, e.g. the signer's second pass) can drive it.
 */
export class SaxesEventStream {
  readonly parser: SaxesParser<{ xmlns: true; position: true }>;
  private depth = 0;
  private prolog: Pending[] | undefined = [];
  private bytes = 0;
  private sawRoot = false;
  /** saxes string position (JS string index) just after the end tag of the root element. */
  rootEndPosition = -1;
  private readonly fileName: string | undefined;

  constructor(
    private readonly sinks: XmlEventSink[],
    private readonly opts: SaxesStreamOptions = {},
  ) {
    this.fileName = opts.fileName;
    const at = opts.indexPositions !== undefined ? positionFinder(opts.indexPositions) : undefined;
    const parser = new SaxesParser({
      xmlns: true,
      position: true,
      ...(opts.fileName !== undefined ? { fileName: opts.fileName } : {}),
    });
    this.parser = parser;
    parser.on('error', (err: Error) => {
      throw this.syntaxError(stripSaxesLocation(err.message));
    });
    parser.on('doctype', () => {
      throw this.syntaxError(DOCTYPE_MESSAGE);
    });
    parser.on('xmldecl', (decl) => {
      const enc = decl.encoding;
      if (enc !== undefined && !/^utf-?8$/i.test(enc)) {
        throw this.syntaxError(`encoding "${enc}" not supported: UTF-8 only`);
      }
      const d: { version?: string; encoding?: string; standalone?: string } = {};
      if (decl.version !== undefined) d.version = decl.version;
      if (decl.encoding !== undefined) d.encoding = decl.encoding;
      if (decl.standalone !== undefined) d.standalone = decl.standalone;
      this.emit(() => {
        for (const s of this.sinks) s.xmlDeclaration?.(d);
      });
      this.markPos();
    });
    // Only text (no '<') lies between the end of the previous event and the next markup.
    const markupPos = (): XmlPosition =>
      at ? at(opts.indexPositions!.indexOf('<', this.lastIdx)) : this.lastPos;
    parser.on('processinginstruction', (pi) => {
      const pos = markupPos();
      this.emit(() => {
        for (const s of this.sinks) s.processingInstruction?.(pi.target, pi.body, pos);
      });
      this.markPos();
    });
    parser.on('comment', (text) => {
      const pos = markupPos();
      this.emit(() => {
        for (const s of this.sinks) s.comment?.(text, pos);
      });
      this.markPos();
      // saxes reports a comment when it reads the second '-' of '-->', before the '>'.
      if (at) this.lastIdx++;
    });
    parser.on('text', (text) => {
      const pos = at ? at(this.lastIdx) : this.lastPos;
      // Text outside the root element is only whitespace (saxes rejects anything else); not reported.
      if (this.depth > 0) for (const s of this.sinks) s.text?.(text, pos, false);
      this.markPos();
      // saxes reports text when it has read the '<' that ends it.
      if (at && opts.indexPositions!.charCodeAt(this.lastIdx - 1) === 0x3c) this.lastIdx--;
    });
    parser.on('cdata', (text) => {
      const pos = markupPos();
      for (const s of this.sinks) s.text?.(text, pos, true);
      this.markPos();
    });
    let startPos: XmlPosition = { line: 1, column: 1 };
    parser.on('opentagstart', (tag) => {
      // saxes has read '<', the name and one delimiter character when it reports opentagstart.
      if (at) {
        const p = parser as unknown as { i: number; prevI: number };
        startPos = at(parser.position - (p.i - p.prevI) - tag.name.length - 1);
      } else {
        startPos = { line: parser.line, column: Math.max(1, parser.column - tag.name.length - 1) };
      }
    });
    parser.on('opentag', (tag) => {
      if (!this.sawRoot) {
        this.sawRoot = true;
        this.flushProlog();
      }
      const el = toStart(tag, this.depth, startPos);
      for (const s of this.sinks) s.startElement?.(el);
      this.depth++;
      this.markPos();
    });
    parser.on('closetag', (tag) => {
      this.depth--;
      const t = tag;
      const el: XmlElementEnd = {
        name: t.name,
        prefix: t.prefix,
        local: t.local,
        uri: t.uri,
        depth: this.depth,
        pos: at ? at(parser.position) : { line: parser.line, column: parser.column + 1 },
      };
      if (this.depth === 0) this.rootEndPosition = parser.position;
      for (const s of this.sinks) s.endElement?.(el);
      this.markPos();
    });
  }

  private lastIdx = 0;
  private lastLine = 1;
  private lastColumn = 1;

  /** Remember where the last event ended (the start of any following text). */
  private markPos(): void {
    this.lastIdx = this.parser.position;
    this.lastLine = this.parser.line;
    this.lastColumn = this.parser.column + 1;
  }

  private get lastPos(): XmlPosition {
    return { line: this.lastLine, column: this.lastColumn };
  }

  private emit(fn: Pending): void {
    if (this.prolog) this.prolog.push(fn);
    else fn();
  }

  private flushProlog(): void {
    const p = this.prolog;
    this.prolog = undefined;
    if (p) for (const fn of p) fn();
  }

  syntaxError(message: string): XmlSyntaxError {
    return new XmlSyntaxError(message, this.parser.line, this.parser.column + 1, this.fileName);
  }

  /** Count bytes for maxBytes. */
  addBytes(n: number): void {
    this.bytes += n;
    if (this.opts.maxBytes !== undefined && this.bytes > this.opts.maxBytes) {
      throw this.syntaxError(`file too large: more than ${this.opts.maxBytes} bytes`);
    }
  }

  write(text: string): void {
    if (text.length > 0) this.parser.write(text);
  }

  close(): void {
    this.parser.close();
    if (!this.sawRoot) throw this.syntaxError('no root element');
    this.flushProlog();
    for (const s of this.sinks) s.end?.();
  }
}

function stripSaxesLocation(message: string): string {
  // saxes formats errors as "file:line:col: message".
  const m = /^(?:.*?:)?\d+:\d+: (.*)$/s.exec(message);
  return m?.[1] ?? message;
}

function toStart(tag: SaxesTagNS, depth: number, pos: XmlPosition): XmlElementStart {
  const attributes: XmlAttribute[] = [];
  const attrs = tag.attributes as Record<string, SaxesAttributeNS>;
  for (const key in attrs) {
    const a = attrs[key]!;
    if (a.uri === XMLNS_URI || a.name === 'xmlns') continue;
    attributes.push({ name: a.name, prefix: a.prefix, local: a.local, uri: a.uri, value: a.value });
  }
  return {
    name: tag.name,
    prefix: tag.prefix,
    local: tag.local,
    uri: tag.uri,
    attributes,
    nsDeclarations: tag.ns ?? {},
    depth,
    pos,
    selfClosing: tag.isSelfClosing,
  };
}

/**
 * Parse `source` once, delivering every event to every sink in order. Rejects with XmlSyntaxError if
 * the input is not well-formed, has a DOCTYPE, is not UTF-8 or exceeds maxBytes; an exception thrown
 * by a sink stops the parse and is passed through unchanged.
 */
export async function streamXmlSaxes(
  source: XmlSource,
  sinks: XmlEventSink[],
  opts: StreamXmlOptions = {},
): Promise<void> {
  await parseXmlSaxes(source, sinks, opts);
}

/**
 * streamXml, also returning XmlParseInfo. `onBytes` sees every raw chunk (e.g. to hash the exact input
 * bytes).
 */
export async function parseXmlSaxes(
  source: XmlSource,
  sinks: XmlEventSink[],
  opts: StreamXmlOptions & { onBytes?: (chunk: Uint8Array) => void } = {},
): Promise<XmlParseInfo> {
  return feedXmlSource(source, new SaxesEventStream(sinks, opts), opts.onBytes);
}
