// Shared single-pass XML event layer (saxes, namespaces on, positions on).
//
// Several consumers (schema validator, canonicaliser/digester, signature verifier, typed readers) are
// XmlEventSinks that all run in ONE parse of a file, so a 100 MB file is read and tokenised once.
//
// Security (TMAD 5.9.1: files come from other parties and are untrusted):
// - any DOCTYPE is rejected before any sink sees an event (prolog events are held back until the root
//   element starts, and a DOCTYPE can only appear in the prolog);
// - no external entities are ever loaded; only the 5 predefined entities and character references are
//   expanded (saxes reports any other entity reference as an error);
// - input is UTF-8 only (strict decoding; an XML declaration naming another encoding is rejected);
// - an optional byte limit (`maxBytes`).
import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagNS, type SaxesAttributeNS } from 'saxes';

export interface XmlPosition {
  /** 1-based line. */
  line: number;
  /** 1-based column (in UTF-16 code units). */
  column: number;
}

export interface XmlAttribute {
  /** Qualified name as written (`p:local` or `local`). */
  name: string;
  prefix: string;
  local: string;
  /** Namespace URI ('' for an unprefixed attribute). */
  uri: string;
  /** Value after entity/char-reference expansion and XML attribute-value normalisation. */
  value: string;
}

export interface XmlElementStart {
  name: string;
  prefix: string;
  local: string;
  uri: string;
  /** Attributes in document order, WITHOUT namespace declarations (those are in nsDeclarations). */
  attributes: XmlAttribute[];
  /** Namespace declarations made on this element: prefix ('' = default) → uri ('' = undeclare default). */
  nsDeclarations: Record<string, string>;
  /** Root = 0. */
  depth: number;
  /** Position of the '<' of the start tag. */
  pos: XmlPosition;
  selfClosing: boolean;
}

export interface XmlElementEnd {
  name: string;
  prefix: string;
  local: string;
  uri: string;
  depth: number;
  /** Position just after the end tag (or after the '/>' of a self-closing tag). */
  pos: XmlPosition;
}

export interface XmlEventSink {
  startElement?(el: XmlElementStart): void;
  endElement?(el: XmlElementEnd): void;
  /** Character data (entity and char references expanded, line ends normalised to \n). */
  text?(text: string, pos: XmlPosition, cdata: boolean): void;
  processingInstruction?(target: string, body: string, pos: XmlPosition): void;
  comment?(text: string, pos: XmlPosition): void;
  xmlDeclaration?(decl: { version?: string; encoding?: string; standalone?: string }): void;
  /** Called once after the whole document was parsed and found well-formed. */
  end?(): void;
}

/** Not well-formed, DOCTYPE present, not UTF-8, too large, ... */
export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError';
  line: number;
  column: number;
  fileName?: string;
  constructor(message: string, line: number, column: number, fileName?: string) {
    super(`${fileName ? fileName + ':' : ''}${line}:${column}: ${message}`);
    this.line = line;
    this.column = column;
    if (fileName !== undefined) this.fileName = fileName;
    /** The message without the location prefix. */
    this.reason = message;
  }
  reason: string;
}

export interface StreamXmlOptions {
  fileName?: string;
  /** Reject input larger than this many bytes (UTF-8). */
  maxBytes?: number;
}

export type XmlSource = NodeJS.ReadableStream | AsyncIterable<Uint8Array | string> | string | Uint8Array;

const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';
const DOCTYPE_MESSAGE = 'DOCTYPE not allowed (TMAD 5.9.1: untrusted XML)';

type Pending = () => void;

/**
 * Low-level driver: a saxes parser wired to the sinks. Exposed so that callers that already hold the
 * text (or that need the saxes string position, e.g. the signer's second pass) can drive it.
 */
export class XmlEventStream {
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
    private readonly opts: StreamXmlOptions = {},
  ) {
    this.fileName = opts.fileName;
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
    parser.on('processinginstruction', (pi) => {
      const pos = this.lastPos;
      this.emit(() => {
        for (const s of this.sinks) s.processingInstruction?.(pi.target, pi.body, pos);
      });
      this.markPos();
    });
    parser.on('comment', (text) => {
      const pos = this.lastPos;
      this.emit(() => {
        for (const s of this.sinks) s.comment?.(text, pos);
      });
      this.markPos();
    });
    parser.on('text', (text) => {
      const pos = this.lastPos;
      // Text outside the root element is only whitespace (saxes rejects anything else); not reported.
      if (this.depth > 0) for (const s of this.sinks) s.text?.(text, pos, false);
      this.markPos();
    });
    parser.on('cdata', (text) => {
      const pos = this.lastPos;
      for (const s of this.sinks) s.text?.(text, pos, true);
      this.markPos();
    });
    let startPos: XmlPosition = { line: 1, column: 1 };
    parser.on('opentagstart', (tag) => {
      // saxes has read '<', the name and one delimiter character when it reports opentagstart.
      startPos = { line: parser.line, column: Math.max(1, parser.column - tag.name.length - 1) };
    });
    parser.on('opentag', (tag) => {
      if (!this.sawRoot) {
        this.sawRoot = true;
        this.flushProlog();
      }
      const el = toStart(tag as SaxesTagNS, this.depth, startPos);
      for (const s of this.sinks) s.startElement?.(el);
      this.depth++;
      this.markPos();
    });
    parser.on('closetag', (tag) => {
      this.depth--;
      const t = tag as SaxesTagNS;
      const el: XmlElementEnd = {
        name: t.name,
        prefix: t.prefix,
        local: t.local,
        uri: t.uri,
        depth: this.depth,
        pos: { line: parser.line, column: parser.column + 1 },
      };
      if (this.depth === 0) this.rootEndPosition = parser.position;
      for (const s of this.sinks) s.endElement?.(el);
      this.markPos();
    });
  }

  private lastLine = 1;
  private lastColumn = 1;

  /** Remember where the last event ended (the start of any following text). */
  private markPos(): void {
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

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array | string> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

/** What a parse learned besides the events (for callers that rewrite the input, e.g. the signer). */
export interface XmlParseInfo {
  /** Index (in UTF-16 code units of the decoded text, BOM excluded) just after the root's end tag. */
  rootEndPosition: number;
  /** The input started with a UTF-8 byte order mark (not counted in rootEndPosition). */
  bom: boolean;
  /** Bytes read (UTF-8). */
  bytes: number;
}

/**
 * Parse `source` once, delivering every event to every sink in order. Rejects with XmlSyntaxError if
 * the input is not well-formed, has a DOCTYPE, is not UTF-8 or exceeds maxBytes; an exception thrown
 * by a sink stops the parse and is passed through unchanged.
 */
export async function streamXml(
  source: XmlSource,
  sinks: XmlEventSink[],
  opts: StreamXmlOptions = {},
): Promise<void> {
  await parseXml(source, sinks, opts);
}

/**
 * streamXml, also returning XmlParseInfo. `onBytes` sees every raw chunk (e.g. to hash the exact input
 * bytes).
 */
export async function parseXml(
  source: XmlSource,
  sinks: XmlEventSink[],
  opts: StreamXmlOptions & { onBytes?: (chunk: Uint8Array) => void } = {},
): Promise<XmlParseInfo> {
  const ev = new XmlEventStream(sinks, opts);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bom = false;
  let first = true;
  let bytes = 0;
  const feedBytes = (chunk: Uint8Array, last: boolean): void => {
    if (first && chunk.byteLength > 0) {
      first = false;
      // (A BOM split across two chunks is not detected here; reads are at least 64 KiB.)
      bom = chunk.byteLength >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
    }
    opts.onBytes?.(chunk);
    bytes += chunk.byteLength;
    ev.addBytes(chunk.byteLength);
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: !last });
    } catch {
      throw ev.syntaxError('invalid UTF-8');
    }
    ev.write(text);
  };
  if (typeof source === 'string') {
    bytes = Buffer.byteLength(source, 'utf8');
    ev.addBytes(bytes);
    bom = source.charCodeAt(0) === 0xfeff;
    ev.write(bom ? source.slice(1) : source);
  } else if (source instanceof Uint8Array) {
    feedBytes(source, true);
  } else if (isAsyncIterable(source)) {
    for await (const chunk of source) {
      if (typeof chunk === 'string') feedBytes(Buffer.from(chunk, 'utf8'), false);
      else feedBytes(chunk, false);
    }
    feedBytes(new Uint8Array(0), true);
  } else {
    throw new TypeError('streamXml: unsupported source');
  }
  ev.close();
  return { rootEndPosition: ev.rootEndPosition, bom, bytes };
}

/** Parse a file once (streamed in 256 KiB chunks) for all sinks. fileName defaults to the path. */
export async function streamXmlFile(
  path: string,
  sinks: XmlEventSink[],
  opts: StreamXmlOptions = {},
): Promise<void> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  try {
    await streamXml(stream, sinks, { fileName: path, ...opts });
  } finally {
    stream.destroy();
  }
}
