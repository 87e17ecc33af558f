// Shared single-pass XML event layer (the hand-written streaming tokenizer in ./tokenizer.ts: XML 1.0
// + Namespaces, positions on).
//
// Several consumers (schema validator, canonicaliser/digester, signature verifier, typed readers) are
// XmlEventSinks that all run in ONE parse of a file, so a 100 MB file is read and tokenised once.
//
// Security (TMAD 5.9.1: files come from other parties and are untrusted):
// - any DOCTYPE is rejected before any sink sees an event (prolog events are held back until the root
//   element starts, and a DOCTYPE can only appear in the prolog);
// - no external entities are ever loaded; only the 5 predefined entities and character references are
//   expanded (any other entity reference is an error);
// - input is UTF-8 only (strict decoding; an XML declaration naming another encoding is rejected);
// - an optional byte limit (`maxBytes`), and bounds on one node (`maxNodeLength`, default 16 MiB
//   characters) and on nesting (`maxDepth`), so memory never grows with a hostile file (tokenizer.ts).
import { createReadStream } from 'node:fs';
import {
  XmlTokenizer,
  XmlSyntaxError,
  DOCTYPE_MESSAGE,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_NODE_LENGTH,
  type XmlAttribute,
  type XmlDeclaration,
  type XmlElementEnd,
  type XmlElementStart,
  type XmlPosition,
  type XmlTokenHandler,
} from './tokenizer.js';

export { XmlSyntaxError, DOCTYPE_MESSAGE, DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODE_LENGTH };
export type { XmlAttribute, XmlElementEnd, XmlElementStart, XmlPosition };

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

export interface StreamXmlOptions {
  fileName?: string;
  /** Reject input larger than this many bytes (UTF-8). */
  maxBytes?: number;
  /** Bound on one node, in characters (TMAD 5.9.1); default DEFAULT_MAX_NODE_LENGTH (16 MiB). */
  maxNodeLength?: number;
  /** Bound on element nesting; default DEFAULT_MAX_DEPTH. */
  maxDepth?: number;
}

export type XmlSource = NodeJS.ReadableStream | AsyncIterable<Uint8Array | string> | string | Uint8Array;

type Pending = () => void;

/**
 * Low-level driver: the tokenizer (src/core/xml/tokenizer.ts) wired to the sinks. Exposed so that
 * callers that already hold the text can drive it: write() decoded text in chunks, then close().
 */
export class XmlEventStream implements XmlTokenHandler {
  readonly tokenizer: XmlTokenizer;
  private prolog: Pending[] | undefined = [];
  private bytes = 0;
  private readonly sinks: XmlEventSink[];
  // Sinks that implement each event (fixed when the stream is created).
  private readonly onStart: (el: XmlElementStart) => void;
  private readonly onEnd: (el: XmlElementEnd) => void;
  private readonly onText: (text: string, pos: XmlPosition, cdata: boolean) => void;

  constructor(
    sinks: XmlEventSink[],
    private readonly opts: StreamXmlOptions = {},
  ) {
    this.sinks = sinks;
    this.onStart = fan1(sinks.flatMap((s) => (s.startElement ? [s.startElement.bind(s)] : [])));
    this.onEnd = fan1(sinks.flatMap((s) => (s.endElement ? [s.endElement.bind(s)] : [])));
    this.onText = fan3(sinks.flatMap((s) => (s.text ? [s.text.bind(s)] : [])));
    this.tokenizer = new XmlTokenizer(this, {
      ...(opts.fileName !== undefined ? { fileName: opts.fileName } : {}),
      ...(opts.maxNodeLength !== undefined ? { maxNodeLength: opts.maxNodeLength } : {}),
      ...(opts.maxDepth !== undefined ? { maxDepth: opts.maxDepth } : {}),
    });
  }

  /** UTF-16 index (in the decoded text) just after the end tag of the root element; -1 before. */
  get rootEndPosition(): number {
    return this.tokenizer.rootEndPosition;
  }

  // XmlTokenHandler: prolog events are held back until the root element starts, so that a DOCTYPE
  // (which can only follow them) is rejected before any sink has seen anything.

  xmlDeclaration(decl: XmlDeclaration): void {
    this.emit(() => {
      for (const s of this.sinks) s.xmlDeclaration?.(decl);
    });
  }

  processingInstruction(target: string, body: string, pos: XmlPosition): void {
    this.emit(() => {
      for (const s of this.sinks) s.processingInstruction?.(target, body, pos);
    });
  }

  comment(text: string, pos: XmlPosition): void {
    this.emit(() => {
      for (const s of this.sinks) s.comment?.(text, pos);
    });
  }

  startElement(el: XmlElementStart): void {
    if (this.prolog) this.flushProlog();
    this.onStart(el);
  }

  endElement(el: XmlElementEnd): void {
    this.onEnd(el);
  }

  text(text: string, pos: XmlPosition, cdata: boolean): void {
    this.onText(text, pos, cdata);
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

  /** An XmlSyntaxError at the current end of the input. */
  syntaxError(message: string): XmlSyntaxError {
    return this.tokenizer.syntaxError(message);
  }

  /** Count bytes for maxBytes. */
  addBytes(n: number): void {
    this.bytes += n;
    if (this.opts.maxBytes !== undefined && this.bytes > this.opts.maxBytes) {
      throw this.syntaxError(`file too large: more than ${this.opts.maxBytes} bytes`);
    }
  }

  write(text: string): void {
    if (text.length > 0) this.tokenizer.write(text);
  }

  close(): void {
    this.tokenizer.end();
    this.flushProlog();
    for (const s of this.sinks) s.end?.();
  }
}

// The hot events go to the sinks through one call site per sink (a fixed fan-out instead of a loop over
// the sinks), so each call site sees one or two targets and V8 can inline them: with the loop, every
// event went through one megamorphic call site.
function fan1<T>(fs: Array<(x: T) => void>): (x: T) => void {
  const [a, b, c, d, e] = fs;
  switch (fs.length) {
    case 0:
      return () => {};
    case 1:
      return a!;
    case 2:
      return (x) => {
        a!(x);
        b!(x);
      };
    case 3:
      return (x) => {
        a!(x);
        b!(x);
        c!(x);
      };
    case 4:
      return (x) => {
        a!(x);
        b!(x);
        c!(x);
        d!(x);
      };
    case 5:
      return (x) => {
        a!(x);
        b!(x);
        c!(x);
        d!(x);
        e!(x);
      };
    default:
      return (x) => {
        for (const f of fs) f(x);
      };
  }
}

function fan3<A, B, C>(fs: Array<(x: A, y: B, z: C) => void>): (x: A, y: B, z: C) => void {
  const [a, b, c, d, e] = fs;
  switch (fs.length) {
    case 0:
      return () => {};
    case 1:
      return a!;
    case 2:
      return (x, y, z) => {
        a!(x, y, z);
        b!(x, y, z);
      };
    case 3:
      return (x, y, z) => {
        a!(x, y, z);
        b!(x, y, z);
        c!(x, y, z);
      };
    case 4:
      return (x, y, z) => {
        a!(x, y, z);
        b!(x, y, z);
        c!(x, y, z);
        d!(x, y, z);
      };
    case 5:
      return (x, y, z) => {
        a!(x, y, z);
        b!(x, y, z);
        c!(x, y, z);
        d!(x, y, z);
        e!(x, y, z);
      };
    default:
      return (x, y, z) => {
        for (const f of fs) f(x, y, z);
      };
  }
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
  return feedXmlSource(source, new XmlEventStream(sinks, opts), opts.onBytes);
}

/** What {@link feedXmlSource} drives: an event stream that takes decoded text. */
export interface XmlTextConsumer {
  addBytes(n: number): void;
  write(text: string): void;
  close(): void;
  syntaxError(message: string): Error;
  readonly rootEndPosition: number;
}

/**
 * Decode `source` (a string, bytes or an async iterable of chunks) as strict UTF-8, strip a byte order
 * mark and feed the text to `ev`, counting bytes. Shared by every event stream over the same sources.
 */
export async function feedXmlSource(
  source: XmlSource,
  ev: XmlTextConsumer,
  onBytes?: (chunk: Uint8Array) => void,
): Promise<XmlParseInfo> {
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
    onBytes?.(chunk);
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
