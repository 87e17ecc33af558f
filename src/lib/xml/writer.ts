// Small streaming XML writer with correct escaping and backpressure.
//
// Calls are synchronous and append to an internal buffer; the buffer is handed to the Writable in
// ~64 KiB pieces. Call `await writer.drain()` regularly (e.g. after each installation): it resolves at
// once unless the Writable asked us to wait, so a 100,000-installation file is written in bounded memory.
//
//   const w = new XmlWriter(fs.createWriteStream(path));
//   w.xmlDeclaration();
//   w.startElement('MigrationFile', { xmlns: NS });
//   for (const i of installations) { w.element('MPAN', i.mpan); ...; await w.drain(); }
//   w.endElement();
//   await w.end();
import type { Writable } from 'node:stream';

export class XmlWriterError extends Error {
  override name = 'XmlWriterError';
}

// XML 1.0 Char production: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
const INVALID_CHAR =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NAME =
  /^[A-Za-z_\u00C0-\uFFFD][\w.\-\u00B7\u00C0-\uFFFD]*(?::[A-Za-z_\u00C0-\uFFFD][\w.\-\u00B7\u00C0-\uFFFD]*)?$/;

function checkChars(s: string, what: string): void {
  if (INVALID_CHAR.test(s)) throw new XmlWriterError(`${what} contains a character not allowed in XML 1.0`);
}

/** Escape character data: & < > and CR (so a CR survives a round trip through a parser). */
export function escapeText(s: string): string {
  checkChars(s, 'text');
  if (!/[&<>\r]/.test(s)) return s;
  return s.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;',
  );
}

/** Escape an attribute value (for double quotes): & < > " and TAB, LF, CR (not normalised to spaces). */
export function escapeAttribute(s: string): string {
  checkChars(s, 'attribute value');
  if (!/[&<>"\t\n\r]/.test(s)) return s;
  return s.replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
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

function checkName(name: string): void {
  if (!NAME.test(name)) throw new XmlWriterError(`invalid XML name: ${JSON.stringify(name)}`);
}

export interface XmlWriterOptions {
  /** Indent nested elements with this string (element-only content); default: no indentation. */
  indent?: string;
  /** Buffer size handed to the Writable at a time; default 64 KiB. */
  chunkSize?: number;
}

export class XmlWriter {
  private buf = '';
  private readonly stack: string[] = [];
  /** A start tag is open (attributes may still be added). */
  private tagOpen = false;
  /** The current element has had text content (disables indentation of its end tag). */
  private hadText: boolean[] = [];
  private hadChild: boolean[] = [];
  private waiting: Promise<void> | undefined;
  private error: Error | undefined;
  private rootClosed = false;
  private readonly chunkSize: number;
  private readonly indent: string | undefined;

  constructor(
    private readonly out: Writable,
    opts: XmlWriterOptions = {},
  ) {
    this.chunkSize = opts.chunkSize ?? 64 * 1024;
    this.indent = opts.indent;
    out.on('error', (e: Error) => (this.error = e));
  }

  /** `<?xml version="1.0" encoding="UTF-8"?>` — must be first. */
  xmlDeclaration(): this {
    this.buf += '<?xml version="1.0" encoding="UTF-8"?>' + (this.indent !== undefined ? '\n' : '');
    return this;
  }

  startElement(name: string, attributes?: Record<string, string | number | undefined>): this {
    checkName(name);
    if (this.rootClosed) throw new XmlWriterError('only one root element allowed');
    this.closeStartTag();
    if (this.stack.length > 0) this.hadChild[this.hadChild.length - 1] = true;
    this.newlineIndent(this.stack.length);
    this.buf += '<' + name;
    this.stack.push(name);
    this.hadText.push(false);
    this.hadChild.push(false);
    this.tagOpen = true;
    if (attributes)
      for (const k in attributes) if (attributes[k] !== undefined) this.attribute(k, String(attributes[k]));
    return this;
  }

  /** Add an attribute to the element just started (before any content). */
  attribute(name: string, value: string): this {
    if (!this.tagOpen) throw new XmlWriterError(`attribute ${name} written after element content`);
    checkName(name);
    this.buf += ' ' + name + '="' + escapeAttribute(value) + '"';
    return this;
  }

  text(s: string): this {
    if (this.stack.length === 0) throw new XmlWriterError('text outside the root element');
    this.closeStartTag();
    this.hadText[this.hadText.length - 1] = true;
    this.buf += escapeText(s);
    this.maybeFlush();
    return this;
  }

  /** Insert already-serialised, trusted markup (e.g. a signature block). */
  raw(markup: string): this {
    this.closeStartTag();
    if (this.stack.length > 0) this.hadText[this.hadText.length - 1] = true;
    this.buf += markup;
    this.maybeFlush();
    return this;
  }

  endElement(): this {
    const name = this.stack.pop();
    if (name === undefined) throw new XmlWriterError('endElement without an open element');
    const hadText = this.hadText.pop();
    const hadChild = this.hadChild.pop();
    if (this.tagOpen) {
      this.buf += '/>';
      this.tagOpen = false;
    } else {
      if (hadChild && !hadText && this.indent !== undefined)
        this.buf += '\n' + this.indent.repeat(this.stack.length);
      this.buf += '</' + name + '>';
    }
    if (this.stack.length === 0) this.rootClosed = true;
    this.maybeFlush();
    return this;
  }

  /** `<name attrs>text</name>` (text may be omitted for an empty element). */
  element(
    name: string,
    text?: string | number,
    attributes?: Record<string, string | number | undefined>,
  ): this {
    this.startElement(name, attributes);
    if (text !== undefined && text !== '') this.text(String(text));
    return this.endElement();
  }

  /** Hand buffered output to the Writable and wait if it signalled backpressure. */
  async drain(): Promise<void> {
    if (this.error) throw this.error;
    this.flushBuffer();
    if (this.waiting) await this.waiting;
    if (this.error) throw this.error as Error; // set by the 'error' listener during the await
  }

  /** Check all elements are closed, flush and end the Writable; resolves when it has finished. */
  async end(): Promise<void> {
    if (this.stack.length > 0) throw new XmlWriterError(`unclosed elements: ${this.stack.join(' > ')}`);
    if (this.indent !== undefined) this.buf += '\n';
    await this.drain();
    await new Promise<void>((resolve, reject) => {
      if (this.error) return reject(this.error);
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
    if (this.error) throw this.error;
  }

  private closeStartTag(): void {
    if (this.tagOpen) {
      this.buf += '>';
      this.tagOpen = false;
    }
  }

  private newlineIndent(level: number): void {
    if (this.indent === undefined || level === 0) return;
    if (this.hadText[this.hadText.length - 1]) return; // mixed content: leave whitespace alone
    this.buf += '\n' + this.indent.repeat(level);
  }

  private maybeFlush(): void {
    if (this.buf.length >= this.chunkSize) this.flushBuffer();
  }

  private flushBuffer(): void {
    if (this.buf.length === 0) return;
    const chunk = this.buf;
    this.buf = '';
    const ok = this.out.write(chunk, 'utf8');
    if (!ok && !this.waiting) {
      this.waiting = new Promise<void>((resolve) => {
        const done = (): void => {
          this.out.off('drain', done);
          this.out.off('close', done);
          this.waiting = undefined;
          resolve();
        };
        this.out.on('drain', done);
        this.out.on('close', done);
      });
    }
  }
}
