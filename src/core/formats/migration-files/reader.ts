// Streaming readers for the six signed files of Table 10.2 and the two plaintexts of Table 11.2.1.
//
// The reader is an XmlEventSink (src/core/xml/sax.ts), so it can run in the SAME parse as the schema
// validator and the signature verifier. It keeps one installation in memory at a time: the header is
// delivered (onHeader) when the first SMETS1Installation starts, each installation when it ends.
//
// It follows the schema model (TMAD 10.1) for element names, order and cardinality and reports the
// first structural fault with file, line, column and element. Lexical rules (patterns, lengths) are the
// schema validator's (TMAD 5.9.1): values are handed over as written, except counters (bigint) and flags
// (boolean), which must parse. Put the validator BEFORE this sink in the sink list so that, on a
// schema-invalid file, its message is the one reported.
import type {
  XmlElementEnd,
  XmlElementStart,
  XmlEventSink,
  XmlPosition,
  XmlSource,
} from '../../../lib/xml/sax.js';
import { streamXml } from '../../../lib/xml/sax.js';
import { ROOTS, rootByFileType } from '../../schema/model.js';
import { MAX_UNSIGNED_LONG } from '../../schema/lexical.js';
import {
  DSIG_NAMESPACE,
  INSTALLATION_ELEMENT,
  TARGET_NAMESPACE,
  rootLayout,
  signedFileTypeOfRoot,
  slotsOf,
  type Slot,
} from './codec.js';
import type {
  AnyMigrationHeader,
  AnyMigrationInstallation,
  CommissioningOutcomesHeader,
  DecryptedS1spDpGroupInformation,
  DecryptedS1spGroupInformation,
  HeaderByFileType,
  InstallationByFileType,
  McfInstallation,
  MefInstallation,
  MgfInstallation,
  MigrationCommonHeader,
  MigrationGroupEncryptedHeader,
  MigrationGroupHeader,
  MigrationValidationHeader,
  OutcomeInstallation,
  S1spOutcomesHeader,
  ScfInstallation,
  SignedMigrationFileType,
} from './types.js';

/** A structural fault found while reading (TMAD 10.1: the file does not have the schema's shape). */
export class MigrationFileReadError extends Error {
  override name = 'MigrationFileReadError';
  constructor(
    /** The reason without location. */
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    /** Local name of the element concerned. */
    readonly element: string,
    readonly fileName?: string,
    readonly rule = 'TMAD 10.1 (SMETS1 Migration Schema)',
  ) {
    super(`${fileName ? fileName + ':' : ''}${line}:${column}: <${element}>: ${reason} (${rule})`);
  }
}

export interface MigrationFileInfo {
  fileType: SignedMigrationFileType;
  rootElement: string;
}

export interface MigrationFileReadHandlers<H = AnyMigrationHeader, I = AnyMigrationInstallation> {
  /** Called once, before the first installation. */
  onHeader?(header: H, info: MigrationFileInfo): void;
  /** Called for each SMETS1Installation, in file order (index from 0). */
  onInstallation?(installation: I, index: number): void;
}

export interface MigrationFileReadOptions {
  /** Accept only these file types (root elements); default any Table 10.2 root. */
  expect?: SignedMigrationFileType | readonly SignedMigrationFileType[];
  /** For messages. */
  fileName?: string;
  /** Fault when the root has no ds:Signature (default false: unsigned files are read too). */
  requireSignature?: boolean;
  /** Longest text of one element kept (characters); default 1 MiB. Bounds memory on hostile input. */
  maxTextLength?: number;
  /** Passed to the XML parser by the read* functions. */
  maxBytes?: number;
}

export interface MigrationFileSummary<H = AnyMigrationHeader> extends MigrationFileInfo {
  header: H;
  installations: number;
  /** A ds:Signature child of the root was present (not verified here: see src/core/xmldsig). */
  signed: boolean;
}

interface Frame {
  name: string;
  pos: XmlPosition;
  /** Complex: its slots; simple: undefined. */
  slots: readonly Slot[] | undefined;
  /** The slot this element fills in its parent (undefined for the root). */
  slot: Slot | undefined;
  obj: Record<string, unknown>;
  counts: number[];
  last: number;
  text: string;
}

type Mode = { kind: 'signed' } | { kind: 'plaintext'; rootElement: string; rootType: string };

/** Shared frame machinery: builds typed objects from events following the schema model. */
class SchemaObjectReader implements XmlEventSink {
  protected readonly stack: Frame[] = [];
  private skipDepth = -1;
  protected rootFrame: Frame | undefined;
  protected signaturePresent = false;
  protected readonly maxText: number;

  constructor(
    protected readonly opts: MigrationFileReadOptions,
    private readonly mode: Mode,
  ) {
    this.maxText = opts.maxTextLength ?? 1024 * 1024;
  }

  protected fail(reason: string, pos: XmlPosition, element: string): never {
    throw new MigrationFileReadError(reason, pos.line, pos.column, element, this.opts.fileName);
  }

  private newFrame(
    name: string,
    pos: XmlPosition,
    typeName: string | undefined,
    slot: Slot | undefined,
  ): Frame {
    const slots = typeName !== undefined ? slotsOf(typeName) : undefined;
    const obj: Record<string, unknown> = {};
    if (slots)
      for (const s of slots) if (s.repeated && s.particle.name !== INSTALLATION_ELEMENT) obj[s.prop] = [];
    return {
      name,
      pos,
      slots,
      slot,
      obj,
      counts: slots ? new Array<number>(slots.length).fill(0) : [],
      last: -1,
      text: '',
    };
  }

  /** Root type for this root element (or fault). Signed mode overrides. */
  protected rootType(el: XmlElementStart): string {
    if (this.mode.kind !== 'plaintext') throw new Error('internal');
    if (el.local !== this.mode.rootElement || el.uri !== TARGET_NAMESPACE)
      this.fail(
        `expected root element ${this.mode.rootElement} in namespace ${TARGET_NAMESPACE}`,
        el.pos,
        el.local,
      );
    return this.mode.rootType;
  }

  startElement(el: XmlElementStart): void {
    if (this.skipDepth >= 0) return;
    if (el.depth === 0) {
      const type = this.rootType(el);
      this.rootFrame = this.newFrame(el.local, el.pos, type, undefined);
      this.stack.push(this.rootFrame);
      return;
    }
    const parent = this.stack[this.stack.length - 1]!;
    if (!parent.slots)
      this.fail(`element not allowed inside the simple-content element ${parent.name}`, el.pos, el.local);
    const slot = parent.slots.find((s) => s.particle.name === el.local);
    const expectedUri = slot?.kind === 'signature' ? DSIG_NAMESPACE : TARGET_NAMESPACE;
    if (!slot || el.uri !== expectedUri) {
      const names = parent.slots.map((s) => s.particle.name).join(', ');
      this.fail(
        slot
          ? `wrong namespace '${el.uri}': expected ${expectedUri}`
          : `unexpected element in ${parent.name}: expected one of ${names}`,
        el.pos,
        el.local,
      );
    }
    if (slot.index < parent.last)
      this.fail(
        `out of order in ${parent.name}: must come before ${parent.slots[parent.last]!.particle.name}`,
        el.pos,
        el.local,
      );
    for (let i = parent.last + 1; i < slot.index; i++) this.checkMin(parent, i, el.pos, el.local);
    parent.last = slot.index;
    const n = ++parent.counts[slot.index]!;
    if (n > slot.particle.maxOccurs)
      this.fail(
        `${slot.particle.name} occurs more than ${slot.particle.maxOccurs} time(s) in ${parent.name}`,
        el.pos,
        el.local,
      );
    if (slot.kind === 'signature') {
      this.signaturePresent = true;
      this.skipDepth = el.depth;
      return;
    }
    const frame = this.newFrame(
      el.local,
      el.pos,
      slot.kind === 'complex' ? slot.particle.type : undefined,
      slot,
    );
    this.stack.push(frame);
    this.opened(frame, el);
  }

  private checkMin(frame: Frame, i: number, pos: XmlPosition, at: string): void {
    const s = frame.slots![i]!;
    if (s.kind === 'signature' && !this.opts.requireSignature) return;
    if (frame.counts[i]! < s.particle.minOccurs)
      this.fail(
        `${frame.name} is missing required element ${s.particle.name}${at === frame.name ? '' : ` before ${at}`}`,
        pos,
        at,
      );
  }

  text(text: string, pos: XmlPosition): void {
    if (this.skipDepth >= 0) return;
    const f = this.stack[this.stack.length - 1];
    if (!f) return;
    if (f.slots) {
      if (/\S/.test(text)) this.fail(`text not allowed in ${f.name} (element-only content)`, pos, f.name);
      return;
    }
    if (f.text.length + text.length > this.maxText)
      this.fail(`text longer than ${this.maxText} characters`, pos, f.name);
    f.text += text;
  }

  endElement(el: XmlElementEnd): void {
    if (this.skipDepth >= 0) {
      if (el.depth === this.skipDepth) this.skipDepth = -1;
      return;
    }
    const f = this.stack.pop()!;
    if (f.slots) for (let i = f.last + 1; i < f.slots.length; i++) this.checkMin(f, i, el.pos, f.name);
    if (f === this.rootFrame) {
      this.closedRoot(f, el);
      return;
    }
    const slot = f.slot!;
    let value: unknown;
    switch (slot.kind) {
      case 'complex':
        value = f.obj;
        break;
      case 'counter': {
        const t = f.text.trim();
        if (!/^\+?\d{1,20}$/.test(t) || BigInt(t) > MAX_UNSIGNED_LONG)
          this.fail(
            `'${f.text}' is not a counter: expected an integer from 0 to 2^64-1 (xs:unsignedLong)`,
            f.pos,
            f.name,
          );
        value = BigInt(t);
        break;
      }
      case 'flag': {
        const t = f.text.trim();
        if (t !== 'true' && t !== 'false' && t !== '1' && t !== '0')
          this.fail(`'${f.text}' is not a flag: expected true, false, 1 or 0 (xs:boolean)`, f.pos, f.name);
        value = t === 'true' || t === '1';
        break;
      }
      default:
        value = f.text;
    }
    const parent = this.stack[this.stack.length - 1]!;
    if (this.closedChild(parent, f, value)) return;
    if (slot.repeated) (parent.obj[slot.prop] as unknown[]).push(value);
    else parent.obj[slot.prop] = value;
  }

  /** Hook: a child frame was opened. */
  protected opened(_frame: Frame, _el: XmlElementStart): void {}
  /** Hook: a child is complete; return true if consumed (not stored in the parent). */
  protected closedChild(_parent: Frame, _child: Frame, _value: unknown): boolean {
    return false;
  }
  protected closedRoot(_root: Frame, _el: XmlElementEnd): void {}
}

/**
 * The typed reader as an XmlEventSink, for any Table 10.2 root (dispatches on the root element).
 * After the parse, `summary()` gives the file type, header, installation count and whether a
 * ds:Signature was present.
 */
export class MigrationFileReaderSink extends SchemaObjectReader {
  fileType: SignedMigrationFileType | undefined;
  rootElement: string | undefined;
  header: AnyMigrationHeader | undefined;
  installations = 0;
  private headerDelivered = false;
  private ended = false;

  constructor(
    private readonly handlers: MigrationFileReadHandlers = {},
    opts: MigrationFileReadOptions = {},
  ) {
    super(opts, { kind: 'signed' });
  }

  protected override rootType(el: XmlElementStart): string {
    const ft = signedFileTypeOfRoot(el.local);
    const expect =
      this.opts.expect === undefined ? undefined : ([] as SignedMigrationFileType[]).concat(this.opts.expect);
    const wanted = (expect ?? []).map((t) => `${rootByFileType(t).element} (${t})`).join(' or ');
    if (!ft || el.uri !== TARGET_NAMESPACE) {
      const roots = ROOTS.filter((r) => signedFileTypeOfRoot(r.element)).map((r) => r.element);
      this.fail(
        `not a migration file root: expected ${wanted || roots.join(', ')} in namespace ${TARGET_NAMESPACE} (Table 10.2)`,
        el.pos,
        el.local,
      );
    }
    if (expect && !expect.includes(ft))
      this.fail(`expected ${wanted}, found ${el.local} (${ft})`, el.pos, el.local);
    this.fileType = ft;
    this.rootElement = el.local;
    return rootLayout(ft).root.type;
  }

  private deliverHeader(pos: XmlPosition, at: string): void {
    if (this.headerDelivered) return;
    const root = this.rootFrame!;
    const layout = rootLayout(this.fileType!);
    for (const s of layout.header)
      if (root.counts[s.index]! < s.particle.minOccurs)
        this.fail(`${root.name} is missing required header element ${s.particle.name}`, pos, at);
    this.header = { ...root.obj } as unknown as AnyMigrationHeader;
    this.headerDelivered = true;
    this.handlers.onHeader?.(this.header, { fileType: this.fileType!, rootElement: this.rootElement! });
  }

  protected override opened(frame: Frame, el: XmlElementStart): void {
    if (el.depth === 1 && frame.name === INSTALLATION_ELEMENT) this.deliverHeader(el.pos, el.local);
  }

  protected override closedChild(parent: Frame, child: Frame, value: unknown): boolean {
    if (parent === this.rootFrame && child.name === INSTALLATION_ELEMENT) {
      const index = this.installations++;
      this.handlers.onInstallation?.(value as AnyMigrationInstallation, index);
      return true;
    }
    return false;
  }

  protected override closedRoot(root: Frame, el: XmlElementEnd): void {
    this.deliverHeader(el.pos, root.name); // (missing installations were reported by checkMin first)
    this.ended = true;
  }

  summary(): MigrationFileSummary {
    if (!this.ended || !this.header)
      throw new Error('MigrationFileReaderSink: the document has not been read');
    return {
      fileType: this.fileType!,
      rootElement: this.rootElement!,
      header: this.header,
      installations: this.installations,
      signed: this.signaturePresent,
    };
  }
}

/** Create the reader sink (to combine with the validator and verifier in one `streamXml`). */
export function createMigrationFileReaderSink(
  handlers: MigrationFileReadHandlers = {},
  opts: MigrationFileReadOptions = {},
): MigrationFileReaderSink {
  return new MigrationFileReaderSink(handlers, opts);
}

function parseOpts(opts: MigrationFileReadOptions): { fileName?: string; maxBytes?: number } {
  return {
    ...(opts.fileName !== undefined ? { fileName: opts.fileName } : {}),
    ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
  };
}

/** Read any Table 10.2 file (dispatching on its root), streaming. */
export async function readMigrationFile(
  source: XmlSource,
  handlers: MigrationFileReadHandlers = {},
  opts: MigrationFileReadOptions = {},
): Promise<MigrationFileSummary> {
  const sink = new MigrationFileReaderSink(handlers, opts);
  await streamXml(source, [sink], parseOpts(opts));
  return sink.summary();
}

function typedReader<T extends SignedMigrationFileType>(fileType: T) {
  return async (
    source: XmlSource,
    handlers: MigrationFileReadHandlers<HeaderByFileType[T], InstallationByFileType[T]> = {},
    opts: Omit<MigrationFileReadOptions, 'expect'> = {},
  ): Promise<MigrationFileSummary<HeaderByFileType[T]>> =>
    (await readMigrationFile(source, handlers, {
      ...opts,
      expect: fileType,
    })) as MigrationFileSummary<HeaderByFileType[T]>;
}

type TypedReader<H, I> = (
  source: XmlSource,
  handlers?: MigrationFileReadHandlers<H, I>,
  opts?: Omit<MigrationFileReadOptions, 'expect'>,
) => Promise<MigrationFileSummary<H>>;

export const readMigrationCommonFile: TypedReader<MigrationCommonHeader, McfInstallation> =
  typedReader('MCF');
export const readMigrationValidationFile: TypedReader<MigrationValidationHeader, OutcomeInstallation> =
  typedReader('MVF');
export const readMigrationGroupFile: TypedReader<MigrationGroupHeader, MgfInstallation> = typedReader('MGF');
export const readMigrationGroupEncryptedFile: TypedReader<MigrationGroupEncryptedHeader, MefInstallation> =
  typedReader('MEF');
export const readS1spOutcomesFile: TypedReader<S1spOutcomesHeader, ScfInstallation> = typedReader('SCF');
export const readCommissioningOutcomesFile: TypedReader<CommissioningOutcomesHeader, OutcomeInstallation> =
  typedReader('COF');

// ---------------------------------------------------------------------------------------------
// Async iteration with backpressure: the parser is paused while the consumer lags.

export type MigrationFileItem =
  | { kind: 'header'; fileType: SignedMigrationFileType; rootElement: string; header: AnyMigrationHeader }
  | {
      kind: 'installation';
      fileType: SignedMigrationFileType;
      index: number;
      installation: AnyMigrationInstallation;
    };

const HIGH_WATER = 1024;

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array | string> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

/**
 * `for await (const item of iterateMigrationFile(stream))`: the header item, then one item per
 * installation. Input is read only while fewer than ~1,000 parsed installations wait for the consumer.
 * Breaking out of the loop stops the parse (and destroys a stream source).
 */
export async function* iterateMigrationFile(
  source: XmlSource,
  opts: MigrationFileReadOptions = {},
): AsyncGenerator<MigrationFileItem, MigrationFileSummary, undefined> {
  const queue: MigrationFileItem[] = [];
  let wake: (() => void) | undefined;
  let resume: (() => void) | undefined;
  let done = false;
  let cancelled = false;
  let failure: unknown;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const sink = new MigrationFileReaderSink(
    {
      onHeader: (header, info) => {
        queue.push({ kind: 'header', ...info, header });
        notify();
      },
      onInstallation: (installation, index) => {
        queue.push({ kind: 'installation', fileType: sink.fileType!, index, installation });
        notify();
      },
    },
    opts,
  );
  let input: XmlSource = source;
  if (typeof source !== 'string' && !(source instanceof Uint8Array) && isAsyncIterable(source)) {
    input = (async function* throttled() {
      for await (const chunk of source) {
        while (queue.length >= HIGH_WATER && !cancelled) await new Promise<void>((r) => (resume = r));
        if (cancelled) return;
        yield chunk;
      }
    })();
  }
  const parsing = streamXml(input, [sink], parseOpts(opts)).then(
    () => {
      done = true;
      notify();
    },
    (e: unknown) => {
      failure = e;
      done = true;
      notify();
    },
  );
  try {
    for (;;) {
      if (queue.length > 0) {
        yield queue.shift()!;
        if (queue.length < HIGH_WATER / 2 && resume) {
          const r = resume;
          resume = undefined;
          r();
        }
        continue;
      }
      if (done) break;
      await new Promise<void>((r) => (wake = r));
    }
    await parsing;
    if (failure) throw failure as Error; // the parse's rejection, rethrown as it came
    return sink.summary();
  } finally {
    if (!done) {
      cancelled = true;
      resume?.();
      const s = source as { destroy?: () => void };
      if (typeof s.destroy === 'function') s.destroy();
      await parsing.catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Plaintexts (Table 11.2.1): small, one object.

class PlaintextReaderSink extends SchemaObjectReader {
  value: Record<string, unknown> | undefined;
  constructor(rootElement: string, rootType: string, opts: MigrationFileReadOptions) {
    super(opts, { kind: 'plaintext', rootElement, rootType });
  }
  protected override closedRoot(root: Frame): void {
    this.value = root.obj;
  }
}

async function parsePlaintext(
  fileType: 'DecryptedS1SPGroupInformation' | 'DecryptedS1SPDPGroupInformation',
  xml: string | Uint8Array,
  opts: MigrationFileReadOptions,
): Promise<Record<string, unknown>> {
  const root = rootByFileType(fileType);
  const sink = new PlaintextReaderSink(root.element, root.type, opts);
  await streamXml(xml, [sink], parseOpts(opts));
  return sink.value!;
}

/** TMAD 5.23(b): parse the decrypted Plaintext of GroupIDs AA/BA/CA/CB/DA. */
export async function parseDecryptedS1spGroupInformation(
  xml: string | Uint8Array,
  opts: MigrationFileReadOptions = {},
): Promise<DecryptedS1spGroupInformation> {
  return (await parsePlaintext(
    'DecryptedS1SPGroupInformation',
    xml,
    opts,
  )) as unknown as DecryptedS1spGroupInformation;
}

/** TMAD 5.23(b): parse the decrypted Plaintext of GroupIDs EA/EB/EC. */
export async function parseDecryptedS1spDpGroupInformation(
  xml: string | Uint8Array,
  opts: MigrationFileReadOptions = {},
): Promise<DecryptedS1spDpGroupInformation> {
  return (await parsePlaintext(
    'DecryptedS1SPDPGroupInformation',
    xml,
    opts,
  )) as unknown as DecryptedS1spDpGroupInformation;
}
