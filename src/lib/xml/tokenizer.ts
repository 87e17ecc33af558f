// Hand-written streaming XML 1.0 (5th edition) + Namespaces 1.0 tokenizer for the shared single-pass
// XML event layer (src/core/xml/sax.ts). It replaced saxes on the hot path: every signed migration
// file (TMAD 5.9.1: untrusted, up to ~300 MB) is read by exactly one parse, so the tokenizer's speed is
// the ceiling of `s1mig file authenticate`.
//
// Design (why it is fast):
// - line ends are normalised per chunk up front (XML 1.0 2.11: \r\n and \r → \n, with a \r at the end
//   of a chunk carried to the next one), so every later scan only knows '\n';
// - invalid characters (XML 1.0 2.2 Char: C0 controls, lone surrogates, U+FFFE/U+FFFF) are found by one
//   regular-expression scan per chunk; the parse stops there, so errors still come in document order;
// - markup is found with String.indexOf; text, attribute values, comments, CDATA and PI bodies are
//   sliced, never built character by character; '&', '<', '\t', '\n' and ']]>' are located with cached
//   indexOf results, so a value without them costs one comparison per cache;
// - names are scanned with an ASCII table and a correct slow path for non-ASCII NameStartChar/NameChar;
// - line/column are computed only where an event or an error needs them, by counting '\n' (indexOf)
//   from the last computed position (positions are requested in document order);
// - a token split across chunks is re-parsed from its '<' when the buffer has at least doubled, so a
//   huge token costs amortised linear time; a text run split across chunks is accumulated.
//
// Well-formedness is strict (TMAD 5.9.1: files from other parties are untrusted): any DOCTYPE is
// rejected as soon as '<!DOCTYPE' is seen; only the 5 predefined entities and character references
// are known; QName/NCName rules, unique attributes (also by expanded name), bound prefixes, the xml and
// xmlns prefix rules, matching tags, one root, no text or CDATA outside the root, no '<' in attribute
// values, no ']]>' in text, no '--' in comments, an XML declaration only at the very start and only for
// version 1.0 and encoding UTF-8.
//
// Bounds (TMAD 5.9.1: an unauthenticated sender must not be able to stop the intake): no single node
// may hold more than `maxNodeLength` characters (default DEFAULT_MAX_NODE_LENGTH): the character data
// of an element between two of its tags (text and CDATA, across comments and PIs), and any one token
// (a start tag with its names and attribute values, an end tag, a comment, a PI, a CDATA section).
// Element nesting is bounded by `maxDepth`. Memory is then bounded by these limits and the chunk
// size, not by the file: an over-limit node is a well-formedness rejection naming line and element.

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

export interface XmlDeclaration {
  version?: string;
  encoding?: string;
  standalone?: string;
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
  /** Path of the open elements (qualified names as written, '/'-separated), when the error names one. */
  element?: string;
}

/** What the tokenizer reports, in document order. Text outside the root element is never reported. */
export interface XmlTokenHandler {
  xmlDeclaration(decl: XmlDeclaration): void;
  startElement(el: XmlElementStart): void;
  endElement(el: XmlElementEnd): void;
  /** A maximal run of character data (references expanded), or one CDATA section (cdata = true). */
  text(text: string, pos: XmlPosition, cdata: boolean): void;
  comment(text: string, pos: XmlPosition): void;
  processingInstruction(target: string, body: string, pos: XmlPosition): void;
}

export const DOCTYPE_MESSAGE = 'DOCTYPE not allowed (TMAD 5.9.1: untrusted XML)';

/**
 * Default bound on one node, in characters (UTF-16 code units): 16 MiB. The largest legitimate text
 * node of the SMETS1 Migration Schema is a base64 value (e.g. EncryptedS1SPGroupInformation, the
 * encrypted payloads of Table 11.2.1), far below this for any real file.
 */
export const DEFAULT_MAX_NODE_LENGTH = 16 * 1024 * 1024;

/** Default bound on element nesting (the schema's deepest path, ds:Signature included, is < 10). */
export const DEFAULT_MAX_DEPTH = 256;
export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQ = 0x3d;
const DQ = 0x22;
const SQ = 0x27;
const COLON = 0x3a;
const SP = 0x20;
const NL = 0x0a;
const TAB = 0x09;

/** "Not found" for the indexOf caches: larger than any index. */
const NONE = 0x7fffffff;

/** ASCII name table: 1 = NameChar, 3 = NameStartChar (the colon is handled separately). */
const NAME_TABLE = (() => {
  const t = new Uint8Array(128);
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 3;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 3;
  t[0x5f] = 3; // _
  t[COLON] = 3;
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  t[0x2d] = 1; // -
  t[0x2e] = 1; // .
  return t;
})();

/** XML 1.0 5th edition [4] NameStartChar, for code points >= 0x80. */
function isNameStartNonAscii(c: number): boolean {
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    c === 0x200c ||
    c === 0x200d ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0xeffff)
  );
}

/** XML 1.0 5th edition [4a] NameChar, for code points >= 0x80. */
function isNameCharNonAscii(c: number): boolean {
  return isNameStartNonAscii(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

/** XML 1.0 [5] Name (colons allowed), for entity names in error messages. */
function isXmlName(s: string): boolean {
  if (s.length === 0) return false;
  let first = true;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const ok =
      c < 128
        ? first
          ? NAME_TABLE[c] === 3
          : NAME_TABLE[c] !== 0
        : first
          ? isNameStartNonAscii(c)
          : isNameCharNonAscii(c);
    if (!ok) return false;
    first = false;
  }
  return true;
}

/** XML 1.0 [2] Char. */
function isXmlChar(c: number): boolean {
  return (
    (c >= 0x20 && c <= 0xd7ff) ||
    c === 0x9 ||
    c === 0xa ||
    c === 0xd ||
    (c >= 0xe000 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

/** Characters that are never allowed (after line-end normalisation): C0 controls other than TAB/LF,
 * U+FFFE, U+FFFF, unpaired surrogates. */
const INVALID_CHAR =
  // eslint-disable-next-line no-control-regex -- matching the characters XML forbids is the point
  /[\x00-\x08\x0b-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const XML_DECL =
  /^[ \t\n]+version[ \t\n]*=[ \t\n]*(?:"([^"]*)"|'([^']*)')(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(?:"(yes|no)"|'(yes|no)'))?[ \t\n]*$/;

/** Shared by every element without attributes (most of them); frozen, so no consumer can change it. */
const EMPTY_ATTRS: XmlAttribute[] = Object.freeze([]) as unknown as XmlAttribute[];

const EMPTY_DECLS: Record<string, string> = Object.freeze(Object.create(null) as Record<string, string>);

/** One input chunk's place in the original (un-normalised) text, for rootEndPosition. */
interface ChunkMap {
  normStart: number;
  normEnd: number;
  origStart: number;
  /** The raw chunk if line-end normalisation shortened it, else null (1:1). */
  raw: string | null;
}

export interface XmlTokenizerOptions {
  fileName?: string;
  /** Bound on one node in characters (see the file comment); default DEFAULT_MAX_NODE_LENGTH. */
  maxNodeLength?: number;
  /** Bound on element nesting; default DEFAULT_MAX_DEPTH. */
  maxDepth?: number;
}

/**
 * Push tokenizer: `write()` decoded text in chunks of any size (tokens, references, \r\n pairs and
 * surrogate pairs may be split anywhere), then `end()`. Throws XmlSyntaxError at the first
 * well-formedness error; exceptions thrown by the handler pass through unchanged.
 */
export class XmlTokenizer {
  /** UTF-16 index (in the text written, before line-end normalisation) just after the root's end tag. */
  rootEndPosition = -1;

  private readonly fileName: string | undefined;
  private buf = '';
  /** Next unconsumed index in buf. */
  private i = 0;
  /** Global (normalised) index of buf[0]. */
  private base = 0;
  /** Do not re-run a stalled token before the buffer holds this many characters. */
  private retryLen = 0;
  private ended = false;
  /** Held back from the previous chunk: a '\r' (might start \r\n) or a high surrogate. */
  private carry = '';
  private origTotal = 0;
  private normTotal = 0;
  private maps: ChunkMap[] = [];
  private parts: string[] = [];
  private partsLength = 0;
  /** Global index of an invalid character found in the input (the buffer ends there), or -1. */
  private invalidAt = -1;

  // Line tracking: positions are computed in document order from (scan, line, lineStart).
  private line = 1;
  private lineStart = 0;
  private scan = 0;

  // indexOf caches (local indexes into buf; NONE = no more in buf; -1 = unknown).
  private cNl = -1;
  private cLt = -1;
  private cAmp = -1;
  private cTab = -1;
  private cNlA = -1;
  private cCdEnd = -1;

  /** 0 = before the root, 1 = inside, 2 = after. */
  private phase = 0;
  /** Index of the first character of the document (1 if it starts with a BOM). */
  private docStart = 0;
  private started = false;
  private stack: XmlElementStart[] = [];
  private undoMarks: number[] = [];
  private ns = new Map<string, string>([
    ['xml', XML_NAMESPACE],
    ['xmlns', XMLNS_NAMESPACE],
  ]);
  /** Namespace undo log: prefix, previous binding (undefined = none), ... */
  private undo: Array<string | undefined> = [];

  // Text run in progress (inside the root).
  private pendingText = '';
  private textPos: XmlPosition | null = null;
  /** Characters of text/CDATA already reported in the current element since its last tag. */
  private nodeChars = 0;
  private readonly maxNode: number;
  private readonly maxDepth: number;

  // Scratch for attributes of the current start tag.
  private aNames: string[] = [];
  private aValues: string[] = [];
  private aColons: number[] = [];
  private aAt: number[] = [];
  private nameColon = -1;

  constructor(
    private readonly h: XmlTokenHandler,
    opts: XmlTokenizerOptions = {},
  ) {
    this.fileName = opts.fileName;
    this.maxNode = opts.maxNodeLength ?? DEFAULT_MAX_NODE_LENGTH;
    this.maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  // ---------------------------------------------------------------- input

  write(chunk: string): void {
    if (this.ended) throw this.errorAt('write after end', this.base + this.buf.length);
    if (this.carry !== '') {
      chunk = this.carry + chunk;
      this.carry = '';
    }
    const last = chunk.charCodeAt(chunk.length - 1);
    if (last === 0x0d || (last >= 0xd800 && last <= 0xdbff)) {
      this.carry = chunk.slice(-1);
      chunk = chunk.slice(0, -1);
    }
    this.feed(chunk, false);
  }

  end(): void {
    if (this.ended) return;
    const carry = this.carry;
    this.carry = '';
    // A trailing \r is a line end; a trailing high surrogate is unpaired (found by the invalid scan).
    this.feed(carry, true);
    this.ended = true;
    const len = this.buf.length;
    if (this.i < len) throw this.errorAt('unexpected end of document', this.base + len);
    if (this.phase === 0) throw this.errorAt('no root element', this.base + len);
    if (this.phase === 1) {
      throw this.errorAt(`unclosed tag: ${this.stack[this.stack.length - 1]!.name}`, this.base + len);
    }
  }

  /** Position of the end of the text written so far (for errors found outside the tokenizer). */
  currentPosition(): XmlPosition {
    return this.posAt(this.base + this.buf.length);
  }

  syntaxError(message: string): XmlSyntaxError {
    const p = this.currentPosition();
    return new XmlSyntaxError(message, p.line, p.column, this.fileName);
  }

  private feed(chunk: string, final: boolean): void {
    if (this.invalidAt >= 0) return;
    const origStart = this.origTotal;
    this.origTotal += chunk.length;
    let raw: string | null = null;
    if (chunk.indexOf('\r') !== -1) {
      raw = chunk;
      chunk = chunk.replace(/\r\n?/g, '\n');
    }
    if (chunk.length > 0 || raw !== null) {
      const normStart = this.normTotal;
      this.normTotal += chunk.length;
      this.maps.push({ normStart, normEnd: this.normTotal, origStart, raw });
    }
    const bad = INVALID_CHAR.exec(chunk);
    if (bad) {
      this.invalidAt = this.normTotal - chunk.length + bad.index;
      chunk = chunk.slice(0, bad.index);
    }
    // Chunks wait here while a stalled token (see run) cannot complete yet: joined once, not per chunk.
    const parts = this.parts;
    parts.push(chunk);
    this.partsLength += chunk.length;
    if (!final && this.invalidAt < 0 && this.buf.length - this.i + this.partsLength < this.retryLen) return;
    const consumed = this.i;
    // Count the line ends of the consumed part before it is dropped.
    if (this.base + consumed > this.scan) this.posAt(this.base + consumed);
    if (consumed < this.buf.length) {
      // Array.join builds a flat string: V8 reads a cons string (a + b) much more slowly.
      parts.unshift(consumed === 0 ? this.buf : this.buf.slice(consumed));
      this.buf = parts.join('');
    } else {
      this.buf = parts.length === 1 ? parts[0]! : parts.join('');
    }
    this.parts = [];
    this.partsLength = 0;
    this.base += consumed;
    this.i = 0;
    this.cNl = this.cLt = this.cAmp = this.cTab = this.cNlA = this.cCdEnd = -1;
    // Drop chunk maps wholly before the buffer (rootEndPosition is always at or after buf[0]).
    const maps = this.maps;
    let drop = 0;
    while (drop < maps.length - 1 && maps[drop]!.normEnd < this.base) drop++;
    if (drop > 0) maps.splice(0, drop);
    this.run(final);
    if (this.invalidAt >= 0) {
      const g = this.invalidAt;
      throw this.errorAt('character not allowed in XML (XML 1.0 2.2 Char)', g);
    }
  }

  // ---------------------------------------------------------------- positions and errors

  /** Line/column of global index g; g must not precede the last position computed. */
  private posAt(g: number): XmlPosition {
    let local = g - this.base;
    const buf = this.buf;
    if (local > buf.length) local = buf.length;
    let from = this.scan - this.base;
    if (from < 0) from = 0;
    if (local > from) {
      let nl = this.cNl;
      if (nl < from) {
        nl = buf.indexOf('\n', from);
        if (nl === -1) nl = NONE;
      }
      while (nl < local) {
        this.line++;
        this.lineStart = this.base + nl + 1;
        nl = buf.indexOf('\n', nl + 1);
        if (nl === -1) nl = NONE;
      }
      this.cNl = nl;
      this.scan = this.base + local;
    }
    const col = g - this.lineStart + 1;
    return { line: this.line, column: col > 0 ? col : 1 };
  }

  private errorAt(message: string, g: number): XmlSyntaxError {
    const p = this.posAt(g);
    return new XmlSyntaxError(message, p.line, p.column, this.fileName);
  }

  private fail(message: string, local: number): never {
    throw this.errorAt(message, this.base + local);
  }

  /** Path of the open elements, for errors that name the element. */
  private openPath(): string {
    return this.stack.map((e) => e.name).join('/');
  }

  /** TMAD 5.9.1: a node over maxNodeLength, at pos (where it starts). */
  private tooLong(what: string, pos: XmlPosition): never {
    const path = this.openPath();
    const el = path === '' ? '' : ` in element ${path}`;
    const e = new XmlSyntaxError(
      `${what}${el} is longer than ${this.maxNode} characters (the limit on one node)`,
      pos.line,
      pos.column,
      this.fileName,
    );
    if (path !== '') e.element = path;
    throw e;
  }

  /** Position of local index lt for a bound error (never before the last position computed). */
  private posForBound(lt: number): XmlPosition {
    const g = this.base + lt;
    return g >= this.scan ? this.posAt(g) : this.posAt(this.scan);
  }

  private markupKind(lt: number): string {
    const buf = this.buf;
    if (buf.startsWith('<!--', lt)) return 'comment';
    if (buf.startsWith('<![', lt)) return 'CDATA section';
    if (buf.startsWith('<?', lt)) return 'processing instruction';
    if (buf.startsWith('</', lt)) return 'end tag';
    return 'start tag';
  }

  // ---------------------------------------------------------------- main loop

  private run(final: boolean): void {
    const buf = this.buf;
    const len = buf.length;
    let i = this.i;
    if (!this.started && len > 0) {
      this.started = true;
      if (buf.charCodeAt(0) === 0xfeff && this.base === 0) {
        // A byte order mark written as text (parseXml strips it before): skip it, as saxes did.
        this.docStart = 1;
        i = 1;
      }
    }
    while (i < len) {
      let lt = this.cLt;
      if (lt < i) {
        lt = buf.indexOf('<', i);
        if (lt === -1) lt = NONE;
        this.cLt = lt;
      }
      if (lt === NONE) {
        i = this.textTail(i, len, final);
        break;
      }
      if (lt > i || this.textPos !== null) this.textRun(i, lt);
      let next: number;
      const c = buf.charCodeAt(lt + 1);
      if (c === SLASH) next = this.endTag(lt);
      else if (c === BANG) next = this.bang(lt);
      else if (c === QUESTION) next = this.pi(lt);
      else if (c !== c) next = -1;
      else next = this.startTag(lt);
      if (next < 0) {
        if (final) this.fail('unexpected end of document: markup not terminated', lt);
        // TMAD 5.9.1: one token may not grow the buffer beyond the node bound.
        if (len - lt > this.maxNode) this.tooLong(this.markupKind(lt), this.posForBound(lt));
        i = lt;
        break;
      }
      i = next;
    }
    this.i = i;
    // Re-run a stalled token when the buffer has doubled, or as soon as it may exceed the node bound.
    this.retryLen = Math.min((len - i) * 2, this.maxNode + 2);
  }

  // ---------------------------------------------------------------- character data

  /** Text [s, e) ended by '<' at e. */
  private textRun(s: number, e: number): void {
    if (this.phase !== 1) {
      this.outsideText(s, e);
      return;
    }
    let t = this.textPos;
    if (t === null) {
      t = this.posAt(this.base + s);
    }
    const value = this.pendingText + this.charData(s, e);
    this.pendingText = '';
    this.textPos = null;
    if (value.length > 0) {
      this.nodeChars += value.length;
      if (this.nodeChars > this.maxNode) this.tooLong('text', t);
      this.h.text(value, t, false);
    }
  }

  /** Text [i, len) with no '<' after it in the buffer. Returns the index consumed up to. */
  private textTail(i: number, len: number, final: boolean): number {
    if (this.phase !== 1) {
      this.outsideText(i, len);
      return len;
    }
    const buf = this.buf;
    let safe = len;
    if (!final) {
      const amp = buf.lastIndexOf('&');
      if (amp >= i && buf.indexOf(';', amp) === -1) safe = amp;
      else if (buf.charCodeAt(len - 1) === 0x5d) {
        safe = buf.charCodeAt(len - 2) === 0x5d && len - 2 >= i ? len - 2 : len - 1;
      }
    }
    if (safe > i) {
      if (this.textPos === null) this.textPos = this.posAt(this.base + i);
      this.pendingText += this.charData(i, safe);
      // TMAD 5.9.1: a text run is accumulated across chunks only up to the node bound.
      if (this.nodeChars + this.pendingText.length > this.maxNode) this.tooLong('text', this.textPos);
    }
    return safe;
  }

  /** Only whitespace may appear outside the root element (XML 1.0 [22], [27]). */
  private outsideText(s: number, e: number): void {
    const buf = this.buf;
    for (let k = s; k < e; k++) {
      const c = buf.charCodeAt(k);
      if (c !== SP && c !== NL && c !== TAB) {
        this.fail(this.phase === 0 ? 'text before the root element' : 'text after the root element', k);
      }
    }
  }

  /** Character data [s, e): references expanded; ']]>' rejected (XML 1.0 [14]). */
  private charData(s: number, e: number): string {
    const buf = this.buf;
    let cd = this.cCdEnd;
    if (cd < s) {
      cd = buf.indexOf(']]>', s);
      if (cd === -1) cd = NONE;
      this.cCdEnd = cd;
    }
    if (cd < e) this.fail("']]>' not allowed in character data", cd);
    let amp = this.cAmp;
    if (amp < s) {
      amp = buf.indexOf('&', s);
      if (amp === -1) amp = NONE;
      this.cAmp = amp;
    }
    if (amp >= e) return buf.slice(s, e);
    let out = '';
    let p = s;
    while (amp < e) {
      out += buf.slice(p, amp);
      p = this.reference(amp, e);
      out += this.refValue;
      amp = buf.indexOf('&', p);
      if (amp === -1) amp = NONE;
    }
    this.cAmp = amp;
    return out + buf.slice(p, e);
  }

  private refValue = '';

  /** Reference at '&' (index a), ';' before `limit`. Sets refValue; returns the index after ';'. */
  private reference(a: number, limit: number): number {
    const buf = this.buf;
    let semi = -1;
    for (let k = a + 1; k < limit; k++) {
      const c = buf.charCodeAt(k);
      if (c === 0x3b) {
        semi = k;
        break;
      }
      if (c === AMP || c === LT || c === SP || c === NL || c === TAB || c === DQ || c === SQ) break;
    }
    if (semi === -1) this.fail("malformed reference: '&' must start an entity or character reference", a);
    const name = buf.slice(a + 1, semi);
    switch (name) {
      case 'lt':
        this.refValue = '<';
        break;
      case 'gt':
        this.refValue = '>';
        break;
      case 'amp':
        this.refValue = '&';
        break;
      case 'quot':
        this.refValue = '"';
        break;
      case 'apos':
        this.refValue = "'";
        break;
      default: {
        if (name.charCodeAt(0) !== 0x23) {
          this.fail(
            isXmlName(name)
              ? `undefined entity &${name}; (only the 5 predefined entities)`
              : 'malformed entity reference',
            a,
          );
        }
        let n = NaN;
        if (/^#x[0-9a-fA-F]+$/.test(name)) n = parseInt(name.slice(2), 16);
        else if (/^#[0-9]+$/.test(name)) n = parseInt(name.slice(1), 10);
        if (!isXmlChar(n)) this.fail(`malformed character reference &${name};`, a);
        this.refValue = String.fromCodePoint(n);
      }
    }
    return semi + 1;
  }

  // ---------------------------------------------------------------- names

  /**
   * Scan a QName at j (XML 1.0 [5] Name restricted by Namespaces [7] QName: at most one colon, not
   * first or last, each part an NCName). Sets nameColon. Returns the end index, or -1 if the buffer
   * ends inside the name.
   */
  private qname(j: number, what: string): number {
    const buf = this.buf;
    let c = buf.charCodeAt(j);
    let k: number;
    if (c < 128) {
      if (NAME_TABLE[c] !== 3 || c === COLON) this.fail(`${what}: name expected`, j);
      k = j + 1;
    } else if (c !== c) {
      return -1;
    } else {
      k = this.nonAsciiNameChar(j, true);
      if (k === -1) return -1;
      if (k === 0) this.fail(`${what}: name expected`, j);
    }
    let colon = -1;
    for (;;) {
      c = buf.charCodeAt(k);
      if (c < 128) {
        const t = NAME_TABLE[c]!;
        if (t === 0) break;
        if (c === COLON) {
          if (colon !== -1) this.fail(`${what}: malformed qualified name (more than one ':')`, k);
          colon = k;
          const d = buf.charCodeAt(k + 1);
          if (d < 128) {
            if (NAME_TABLE[d] !== 3 || d === COLON) {
              this.fail(
                `${what}: malformed qualified name (local part must start with a name start character)`,
                k + 1,
              );
            }
          } else if (d !== d) {
            return -1;
          } else {
            const e = this.nonAsciiNameChar(k + 1, true);
            if (e === -1) return -1;
            if (e === 0) {
              this.fail(
                `${what}: malformed qualified name (local part must start with a name start character)`,
                k + 1,
              );
            }
          }
        }
        k++;
      } else if (c !== c) {
        return -1;
      } else {
        const e = this.nonAsciiNameChar(k, false);
        if (e === -1) return -1;
        if (e === 0) break;
        k = e;
      }
    }
    this.nameColon = colon;
    return k;
  }

  /** Non-ASCII character at k: index after it if it is a NameStartChar (start) / NameChar, 0 if not,
   * -1 if a surrogate pair is cut by the end of the buffer. */
  private nonAsciiNameChar(k: number, start: boolean): number {
    const buf = this.buf;
    let c = buf.charCodeAt(k);
    let w = 1;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = buf.charCodeAt(k + 1);
      if (d !== d) return -1;
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      w = 2;
    }
    return (start ? isNameStartNonAscii(c) : isNameCharNonAscii(c)) ? k + w : 0;
  }

  // ---------------------------------------------------------------- tags

  private startTag(lt: number): number {
    if (this.phase === 2) this.fail('content after the root element (one root element only)', lt);
    const buf = this.buf;
    const len = buf.length;
    let j = this.qname(lt + 1, 'element');
    if (j < 0) return -1;
    const name = buf.slice(lt + 1, j);
    const colon = this.nameColon;
    const aNames = this.aNames;
    const aValues = this.aValues;
    const aColons = this.aColons;
    const aAt = this.aAt;
    let n = 0;
    let seen: Set<string> | undefined;
    let selfClosing = false;
    let c = buf.charCodeAt(j);
    for (;;) {
      let ws = false;
      while (c === SP || c === NL || c === TAB) {
        c = buf.charCodeAt(++j);
        ws = true;
      }
      if (c === GT) {
        j++;
        break;
      }
      if (c === SLASH) {
        const d = buf.charCodeAt(j + 1);
        if (d !== d) return -1;
        if (d !== GT) this.fail("'/' in a start tag must be followed by '>'", j + 1);
        j += 2;
        selfClosing = true;
        break;
      }
      if (j >= len) return -1;
      if (!ws) {
        this.fail(
          n === 0
            ? `disallowed character after element name ${name}`
            : 'whitespace required between attributes',
          j,
        );
      }
      // Attribute (XML 1.0 [41]).
      const as = j;
      j = this.qname(j, 'attribute');
      if (j < 0) return -1;
      const aName = buf.slice(as, j);
      const aColon = this.nameColon;
      c = buf.charCodeAt(j);
      while (c === SP || c === NL || c === TAB) c = buf.charCodeAt(++j);
      if (c !== EQ) {
        if (j >= len) return -1;
        this.fail(`attribute ${aName}: '=' expected`, j);
      }
      c = buf.charCodeAt(++j);
      while (c === SP || c === NL || c === TAB) c = buf.charCodeAt(++j);
      if (c !== DQ && c !== SQ) {
        if (j >= len) return -1;
        this.fail(`attribute ${aName}: quoted value expected`, j);
      }
      const vs = j + 1;
      let ve = buf.indexOf(c === DQ ? '"' : "'", vs);
      let lt2 = this.cLt;
      if (lt2 < vs) {
        lt2 = buf.indexOf('<', vs);
        if (lt2 === -1) lt2 = NONE;
        this.cLt = lt2;
      }
      if (ve === -1) ve = NONE;
      if (lt2 < ve) this.fail(`attribute ${aName}: '<' not allowed in an attribute value`, lt2);
      if (ve === NONE) return -1;
      const value = this.attValue(vs, ve);
      if (n < 32) {
        for (let k = 0; k < n; k++) if (aNames[k] === aName) this.fail(`duplicate attribute ${aName}`, as);
      } else {
        seen ??= new Set(aNames.slice(0, n));
        if (seen.has(aName)) this.fail(`duplicate attribute ${aName}`, as);
        seen.add(aName);
      }
      aNames[n] = aName;
      aValues[n] = value;
      aColons[n] = aColon === -1 ? -1 : aColon - as;
      aAt[n] = as;
      n++;
      j = ve + 1;
      c = buf.charCodeAt(j);
    }
    return this.openElement(lt, j, name, colon === -1 ? -1 : colon - lt - 1, n, selfClosing);
  }

  /** Attribute value [vs, ve): references expanded, literal TAB/LF → space (XML 1.0 3.3.3). */
  private attValue(vs: number, ve: number): string {
    const buf = this.buf;
    let amp = this.cAmp;
    if (amp < vs) {
      amp = buf.indexOf('&', vs);
      if (amp === -1) amp = NONE;
      this.cAmp = amp;
    }
    let nl = this.cNlA;
    if (nl < vs) {
      nl = buf.indexOf('\n', vs);
      if (nl === -1) nl = NONE;
      this.cNlA = nl;
    }
    let tab = this.cTab;
    if (tab < vs) {
      tab = buf.indexOf('\t', vs);
      if (tab === -1) tab = NONE;
      this.cTab = tab;
    }
    if (amp >= ve && nl >= ve && tab >= ve) return buf.slice(vs, ve);
    let out = '';
    let p = vs;
    let k = vs;
    while (k < ve) {
      const c = buf.charCodeAt(k);
      if (c === NL || c === TAB) {
        out += buf.slice(p, k) + ' ';
        p = ++k;
      } else if (c === AMP) {
        out += buf.slice(p, k);
        k = p = this.reference(k, ve);
        out += this.refValue;
      } else k++;
    }
    return out + buf.slice(p, ve);
  }

  /** Namespace processing (Namespaces 1.0 sections 3, 5, 6) and the startElement event. */
  private openElement(
    lt: number,
    end: number,
    name: string,
    colon: number,
    n: number,
    selfClosing: boolean,
  ): number {
    if (end - lt > this.maxNode) this.tooLong('start tag', this.posAt(this.base + lt));
    const aNames = this.aNames;
    const aValues = this.aValues;
    const aColons = this.aColons;
    const ns = this.ns;
    const undoMark = this.undo.length;
    let decls = EMPTY_DECLS;
    let plain = 0;
    // Declarations first: they apply to the element's own name and attributes.
    for (let k = 0; k < n; k++) {
      const an = aNames[k]!;
      const ac = aColons[k]!;
      let prefix: string;
      if (ac === -1) {
        if (an !== 'xmlns') {
          plain++;
          continue;
        }
        prefix = '';
      } else {
        if (ac !== 5 || !an.startsWith('xmlns')) {
          plain++;
          continue;
        }
        prefix = an.slice(6);
      }
      const uri = aValues[k]!;
      this.checkDeclaration(prefix, uri, this.aAt[k]!);
      if (decls === EMPTY_DECLS) decls = Object.create(null) as Record<string, string>;
      decls[prefix] = uri;
      this.undo.push(prefix, ns.get(prefix));
      ns.set(prefix, uri);
    }
    let prefix = '';
    let local = name;
    let uri: string;
    if (colon === -1) {
      uri = ns.get('') ?? '';
    } else {
      prefix = name.slice(0, colon);
      local = name.slice(colon + 1);
      if (prefix === 'xmlns')
        this.fail(`element ${name}: the prefix xmlns is reserved for declarations`, lt + 1);
      const u = ns.get(prefix);
      if (u === undefined) this.fail(`element ${name}: unbound namespace prefix "${prefix}"`, lt + 1);
      uri = u;
    }
    let attributes: XmlAttribute[];
    if (plain === 0) {
      attributes = EMPTY_ATTRS;
    } else {
      attributes = new Array<XmlAttribute>(plain);
      let m = 0;
      let prefixed = 0;
      for (let k = 0; k < n; k++) {
        const an = aNames[k]!;
        const ac = aColons[k]!;
        if (ac === -1) {
          if (an === 'xmlns') continue;
          attributes[m++] = { name: an, prefix: '', local: an, uri: '', value: aValues[k]! };
        } else {
          const ap = an.slice(0, ac);
          if (ap === 'xmlns') continue;
          const au = ns.get(ap);
          if (au === undefined) this.fail(`attribute ${an}: unbound namespace prefix "${ap}"`, this.aAt[k]!);
          attributes[m++] = { name: an, prefix: ap, local: an.slice(ac + 1), uri: au, value: aValues[k]! };
          prefixed++;
        }
      }
      if (prefixed > 32) {
        const seen = new Set<string>();
        for (const x of attributes) {
          if (x.prefix === '') continue;
          const key = `{${x.uri}}${x.local}`;
          if (seen.has(key)) this.fail(`duplicate attribute ${key}`, lt);
          seen.add(key);
        }
      } else if (prefixed > 1) {
        // Namespaces 1.0 section 6.3: no two attributes with the same expanded name.
        for (let a = 0; a < plain; a++) {
          const x = attributes[a]!;
          if (x.prefix === '') continue;
          for (let b = a + 1; b < plain; b++) {
            const y = attributes[b]!;
            if (y.prefix !== '' && y.local === x.local && y.uri === x.uri) {
              this.fail(`duplicate attribute {${x.uri}}${x.local} (${x.name}, ${y.name})`, lt);
            }
          }
        }
      }
    }
    const depth = this.stack.length;
    if (depth >= this.maxDepth) this.tooDeep(name, this.posAt(this.base + lt));
    this.nodeChars = 0;
    const el: XmlElementStart = {
      name,
      prefix,
      local,
      uri,
      attributes,
      nsDeclarations: decls,
      depth,
      pos: this.posAt(this.base + lt),
      selfClosing,
    };
    if (this.phase === 0) this.phase = 1;
    this.h.startElement(el);
    if (selfClosing) {
      // Undo this element's declarations.
      this.popNamespaces(undoMark);
      if (depth === 0) {
        this.phase = 2;
        this.rootEndPosition = this.origIndex(this.base + end);
      }
      this.h.endElement({ name, prefix, local, uri, depth, pos: this.posAt(this.base + end) });
    } else {
      this.stack.push(el);
      this.undoMarks.push(undoMark);
    }
    return end;
  }

  /** TMAD 5.9.1: nesting over maxDepth. */
  private tooDeep(name: string, pos: XmlPosition): never {
    const path = this.openPath();
    const e = new XmlSyntaxError(
      `element ${name} nested deeper than ${this.maxDepth} levels (the limit on nesting)`,
      pos.line,
      pos.column,
      this.fileName,
    );
    e.element = path;
    throw e;
  }

  private checkDeclaration(prefix: string, uri: string, at: number): void {
    if (prefix === 'xmlns') this.fail('the prefix xmlns must not be declared', at);
    if (prefix === 'xml') {
      if (uri !== XML_NAMESPACE) this.fail(`the prefix xml must be bound to ${XML_NAMESPACE}`, at);
      return;
    }
    if (uri === XML_NAMESPACE) this.fail(`only the prefix xml may be bound to ${XML_NAMESPACE}`, at);
    if (uri === XMLNS_NAMESPACE) this.fail(`no prefix may be bound to ${XMLNS_NAMESPACE}`, at);
    if (prefix !== '' && uri === '')
      this.fail(`xmlns:${prefix}="": a prefix cannot be undeclared in XML 1.0`, at);
  }

  private popNamespaces(mark: number): void {
    const undo = this.undo;
    if (undo.length === mark) return;
    const ns = this.ns;
    for (let u = undo.length - 2; u >= mark; u -= 2) {
      const prev = undo[u + 1];
      if (prev === undefined) ns.delete(undo[u]!);
      else ns.set(undo[u]!, prev);
    }
    undo.length = mark;
  }

  private endTag(lt: number): number {
    const buf = this.buf;
    const len = buf.length;
    const stack = this.stack;
    const el = stack[stack.length - 1];
    const s = lt + 2;
    if (el === undefined) {
      const e = this.qname(s, 'end tag');
      if (e < 0) return -1;
      this.fail(`close tag </${buf.slice(s, e)}> without a matching start tag`, lt);
    }
    const name = el.name;
    const e = s + name.length;
    if (e >= len) {
      // Could still be a match: wait for more, unless it already differs.
      if (!name.startsWith(buf.slice(s))) this.mismatch(lt, name);
      return -1;
    }
    for (let k = 0; k < name.length; k++) {
      if (buf.charCodeAt(s + k) !== name.charCodeAt(k)) this.mismatch(lt, name);
    }
    let j = e;
    let c = buf.charCodeAt(j);
    while (c === SP || c === NL || c === TAB) c = buf.charCodeAt(++j);
    if (c !== GT) {
      if (j >= len) return -1;
      this.mismatch(lt, name);
    }
    j++;
    if (j - lt > this.maxNode) this.tooLong('end tag', this.posAt(this.base + lt));
    stack.pop();
    this.nodeChars = 0;
    this.popNamespaces(this.undoMarks.pop()!);
    const depth = stack.length;
    if (depth === 0) {
      this.phase = 2;
      this.rootEndPosition = this.origIndex(this.base + j);
    }
    this.h.endElement({
      name,
      prefix: el.prefix,
      local: el.local,
      uri: el.uri,
      depth,
      pos: this.posAt(this.base + j),
    });
    return j;
  }

  private mismatch(lt: number, open: string): never {
    const buf = this.buf;
    const e = this.qname(lt + 2, 'end tag');
    const got = e < 0 ? buf.slice(lt + 2, lt + 2 + 40) : buf.slice(lt + 2, e);
    this.fail(`close tag </${got}> does not match start tag <${open}>`, lt);
  }

  // ---------------------------------------------------------------- <! and <?

  private bang(lt: number): number {
    const buf = this.buf;
    const len = buf.length;
    const c2 = buf.charCodeAt(lt + 2);
    if (c2 === 0x2d) {
      // Comment (XML 1.0 [15]).
      const c3 = buf.charCodeAt(lt + 3);
      if (c3 !== c3) return -1;
      if (c3 !== 0x2d) this.fail("malformed comment: '<!--' expected", lt);
      const e = buf.indexOf('-->', lt + 4);
      if (e === -1) return -1;
      const dd = buf.indexOf('--', lt + 4);
      if (dd < e || (buf.charCodeAt(e - 1) === 0x2d && e - 1 >= lt + 4)) {
        this.fail("'--' not allowed inside a comment", dd < e ? dd : e - 1);
      }
      if (e + 3 - lt > this.maxNode) this.tooLong('comment', this.posAt(this.base + lt));
      this.h.comment(buf.slice(lt + 4, e), this.posAt(this.base + lt));
      return e + 3;
    }
    if (c2 === 0x5b) {
      // CDATA section (XML 1.0 [18]).
      if (lt + 9 > len) {
        if (!'<![CDATA['.startsWith(buf.slice(lt))) this.fail("malformed markup after '<!'", lt);
        return -1;
      }
      if (!buf.startsWith('<![CDATA[', lt)) this.fail("malformed markup after '<!'", lt);
      if (this.phase !== 1) this.fail('CDATA section outside the root element', lt);
      const e = buf.indexOf(']]>', lt + 9);
      if (e === -1) return -1;
      const pos = this.posAt(this.base + lt);
      if (e + 3 - lt > this.maxNode) this.tooLong('CDATA section', pos);
      this.nodeChars += e - lt - 9;
      if (this.nodeChars > this.maxNode) this.tooLong('text (with CDATA sections)', pos);
      this.h.text(buf.slice(lt + 9, e), pos, true);
      return e + 3;
    }
    if (c2 !== c2) return -1;
    if (lt + 9 > len) {
      if ('<!DOCTYPE'.startsWith(buf.slice(lt))) return -1;
    } else if (buf.startsWith('<!DOCTYPE', lt)) {
      this.fail(DOCTYPE_MESSAGE, lt);
    }
    this.fail("malformed markup after '<!'", lt);
  }

  private pi(lt: number): number {
    const buf = this.buf;
    const len = buf.length;
    const ts = lt + 2;
    const te = this.qname(ts, 'processing instruction target');
    if (te < 0) return -1;
    // Namespaces 1.0 section 7: no colons in PI targets.
    if (this.nameColon !== -1)
      this.fail("processing instruction target must not contain ':'", this.nameColon);
    const target = buf.slice(ts, te);
    if (target === 'xml' && this.base + lt === this.docStart) return this.xmlDecl(lt, te);
    if (target.length === 3 && target.toLowerCase() === 'xml') {
      this.fail(
        target === 'xml'
          ? 'the XML declaration is only allowed at the very start of the document'
          : `processing instruction target ${target} is reserved`,
        lt,
      );
    }
    let c = buf.charCodeAt(te);
    let body = '';
    let e: number;
    if (c === QUESTION) {
      const d = buf.charCodeAt(te + 1);
      if (d !== d) return -1;
      if (d !== GT) this.fail(`processing instruction ${target}: whitespace or '?>' expected`, te);
      e = te;
    } else {
      if (c !== SP && c !== NL && c !== TAB) {
        if (te >= len) return -1;
        this.fail(`processing instruction ${target}: whitespace or '?>' expected`, te);
      }
      let j = te;
      while (c === SP || c === NL || c === TAB) c = buf.charCodeAt(++j);
      e = buf.indexOf('?>', j);
      if (e === -1) return -1;
      body = buf.slice(j, e);
    }
    if (e + 2 - lt > this.maxNode) this.tooLong('processing instruction', this.posAt(this.base + lt));
    this.h.processingInstruction(target, body, this.posAt(this.base + lt));
    return e + 2;
  }

  /** XML 1.0 [23] XMLDecl: version 1.0 only; encoding UTF-8 only (TMAD 10.1 files are UTF-8). */
  private xmlDecl(lt: number, te: number): number {
    const buf = this.buf;
    const e = buf.indexOf('?>', te);
    if (e === -1) {
      // No '>' may appear inside the declaration: do not wait for a '?>' that cannot belong to it.
      if (buf.indexOf('>', te) !== -1) this.fail('malformed XML declaration', lt);
      return -1;
    }
    const m = XML_DECL.exec(buf.slice(te, e));
    if (!m) this.fail('malformed XML declaration', lt);
    const version = m[1] ?? m[2]!;
    if (version !== '1.0') this.fail(`XML version "${version}" not supported: 1.0 only`, lt);
    const d: XmlDeclaration = { version };
    const encoding = m[3] ?? m[4];
    if (encoding !== undefined) {
      if (!/^utf-?8$/i.test(encoding)) this.fail(`encoding "${encoding}" not supported: UTF-8 only`, lt);
      d.encoding = encoding;
    }
    const standalone = m[5] ?? m[6];
    if (standalone !== undefined) d.standalone = standalone;
    this.h.xmlDeclaration(d);
    return e + 2;
  }

  // ---------------------------------------------------------------- rootEndPosition

  /** Map a global normalised index to an index in the text as written (before \r\n → \n). */
  private origIndex(g: number): number {
    const maps = this.maps;
    for (let k = maps.length - 1; k >= 0; k--) {
      const m = maps[k]!;
      if (g < m.normStart) continue;
      const off = g - m.normStart;
      const raw = m.raw;
      if (raw === null) return m.origStart + off;
      let r = 0;
      for (let n = 0; n < off; n++) r += raw.charCodeAt(r) === 0x0d && raw.charCodeAt(r + 1) === 0x0a ? 2 : 1;
      return m.origStart + r;
    }
    return g;
  }
}
