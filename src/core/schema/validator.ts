// Streaming validator for the SMETS1 Migration Schema (TMAD 10.1, 5.9.1): an XmlEventSink over the
// shared event layer (src/core/xml/sax.ts). Memory is bounded by the element depth and maxErrors,
// never by the number of installations: a 100,000-installation MCF is validated without a DOM.
//
// It implements the schema model (model.ts) with libxml2's observable behaviour, so that its verdict
// equals `xmllint --noout --schema schema/smets1-migration.xsd` (cross-checked in
// test/interop/schema-xmllint.test.ts), including:
// - line numbers: libxml2 gives an element the line of the '>' ending its start tag;
// - after an unexpected child, the parent's remaining children are not checked (one error);
// - a child element inside a simple-typed element is an error on the parent and its text is ignored;
// - character data other than whitespace, and any CDATA section, in element-only content is an error.
// Intentional differences (safer than libxml2; documented in docs/SPEC-DECISIONS.md): a document
// whose root is ds:Signature, and any xsi:* attribute, are reported as problems.
import {
  COMPLEX_TYPES,
  DSIG_NAMESPACE,
  ROOTS,
  TARGET_NAMESPACE,
  rootByElement,
  simpleType,
  type ComplexTypeDef,
  type ElementParticle,
  type FileType,
  type RootDef,
  type SimpleTypeDef,
} from './model.js';
import { checkSimpleValue } from './lexical.js';
import { ROOT_OF_FILE_TYPE, baseName, fileTypeStatedByName } from './file-names.js';
import type { Problem } from '../problem.js';
import {
  DEFAULT_MAX_NODE_LENGTH,
  type XmlElementEnd,
  type XmlElementStart,
  type XmlEventSink,
  type XmlPosition,
} from '../../lib/xml/sax.js';

/** A Problem (src/core/problem.ts) that always names line, column and element. */
export interface SchemaProblem extends Problem {
  line: number;
  column: number;
  /** Path like MigrationCommon/SMETS1Installation[3]/ESMEDetail. */
  element: string;
  /** Clause: 'TMAD 10.1' (schema) or 'TMAD 10.2' (root element / file type). */
  rule: string;
  message: string;
}

export interface SchemaValidationResult {
  valid: boolean;
  rootElement?: string;
  fileType?: FileType;
  problems: SchemaProblem[];
  /** True when more than maxErrors problems were found (only the first maxErrors are listed). */
  truncated: boolean;
}

export interface SchemaValidatorOptions {
  /** Stop recording problems after this many (default 100). The verdict stays correct. */
  maxErrors?: number;
  /** If given, a root of another file type is a problem (TMAD 5.9.1: root element per Table 10.2). */
  expectedFileType?: FileType;
  /**
   * The file's name (or path). TMAD 5.9.1 / 10.1 / 10.2: where it states a Table 10.2 FileType
   * ('MCF_…'), the root element must be that type's XML structure; a name stating no type is judged by
   * its root alone.
   */
  fileName?: string;
  /**
   * Validate as an unsigned document: the ds:Signature of a signed root (Table 5.5) may be absent
   * (it is still checked where present). For files before signing; TMAD 5.9.1 requires it.
   */
  signatureOptional?: boolean;
  /**
   * TMAD 5.9.1: the longest value of a simple-typed element kept for its lexical check, in characters
   * (default DEFAULT_MAX_NODE_LENGTH, 16 MiB). A longer value is a problem and is not kept.
   */
  maxValueLength?: number;
}

export interface SchemaValidator {
  sink: XmlEventSink;
  result(): SchemaValidationResult;
}

const RULE = 'TMAD 10.1';

/** Where an element is reported: libxml2's line (of the '>' of its start tag). Mutable until fixed. */
interface Loc {
  line: number;
  column: number;
}

/** Content of an element: a complex type, a simple type, or ds:Signature (xs:any, skipped). */
type Content = CompiledType | SimpleTypeDef | 'signature';

/**
 * A complex type with the content of each particle resolved once, not by name lookups on the hot
 * path (every element of a 100,000-installation file).
 */
interface CompiledType {
  kind: 'complex';
  def: ComplexTypeDef;
  /** content[k] is the content of def.sequence[k]. */
  content: Content[];
}

const COMPILED = new Map<string, CompiledType>(
  COMPLEX_TYPES.map((def) => [def.name, { kind: 'complex', def, content: [] }]),
);
for (const ct of COMPILED.values())
  for (const p of ct.def.sequence)
    ct.content.push(p.type === 'ds:Signature' ? 'signature' : (COMPILED.get(p.type) ?? simpleType(p.type)!));

interface ComplexFrame {
  kind: 'complex';
  type: CompiledType;
  path: string;
  loc: Loc;
  /** Index into type.sequence and count of the current particle. */
  i: number;
  n: number;
  /** An unexpected child was seen: the remaining children are not checked (libxml2). */
  broken: boolean;
  textReported: boolean;
  /** Occurrences of each child name (for [n] in paths). */
  counts: Map<string, number>;
}

interface SimpleFrame {
  kind: 'simple';
  type: SimpleTypeDef;
  path: string;
  loc: Loc;
  chunks: string[];
  /** Characters in chunks; -1 once the value went over maxValueLength (reported, chunks dropped). */
  length: number;
  childReported: boolean;
}

interface SignatureFrame {
  kind: 'signature';
  path: string;
  loc: Loc;
  textReported: boolean;
}

type Frame = ComplexFrame | SimpleFrame | SignatureFrame;

const WS = /^[\t\n\r ]*$/;

function qname(uri: string, local: string): string {
  if (uri === TARGET_NAMESPACE) return local;
  if (uri === DSIG_NAMESPACE) return `ds:${local}`;
  return uri ? `{${uri}}${local}` : local;
}

function particleName(p: ElementParticle): string {
  return p.type === 'ds:Signature' ? 'ds:Signature' : p.name;
}

/**
 * Is element {uri}local the particle p? `inTarget` = uri is TARGET_NAMESPACE, decided once per element.
 * Hot path: names from the parser are slices of its buffer, and comparing those with a constant is
 * costly, so lengths are compared first.
 */
function particleMatches(p: ElementParticle, inTarget: boolean, uri: string, local: string): boolean {
  if (p.type === 'ds:Signature') return !inTarget && local === 'Signature' && uri === DSIG_NAMESPACE;
  return inTarget && local.length === p.name.length && local === p.name;
}

/** The element's name from its path: the last step without its [n]. */
function elementName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).replace(/\[\d+\]$/, '');
}

/** Element names that may come next at sequence position (i, n). */
function expectedAt(
  seq: readonly ElementParticle[],
  i: number,
  n: number,
  minOf: (p: ElementParticle) => number,
): string[] {
  const out: string[] = [];
  for (let j = i; j < seq.length; j++) {
    const p = seq[j]!;
    const cnt = j === i ? n : 0;
    if (cnt < p.maxOccurs) out.push(particleName(p));
    if (cnt < minOf(p)) break;
  }
  return out;
}

function expectedText(names: string[]): string {
  if (names.length === 0) return '';
  return names.length === 1
    ? ` Expected is ( ${names[0]} ).`
    : ` Expected is one of ( ${names.join(', ')} ).`;
}

export function createSchemaValidator(opts: SchemaValidatorOptions = {}): SchemaValidator {
  const maxErrors = opts.maxErrors ?? 100;
  const minOf = opts.signatureOptional
    ? (p: ElementParticle): number => (p.type === 'ds:Signature' ? 0 : p.minOccurs)
    : (p: ElementParticle): number => p.minOccurs;
  const maxValueLength = opts.maxValueLength ?? DEFAULT_MAX_NODE_LENGTH;
  const problems: SchemaProblem[] = [];
  let problemCount = 0;
  const stack: Frame[] = [];
  /** >0 while inside a subtree that is not checked (unexpected element, ds:Signature content). */
  let skipDepth = 0;
  let root: RootDef | undefined;
  let rootElement: string | undefined;
  let sawRoot = false;
  let ended = false;
  /** The most recently started element whose line is not yet final, with its problems. */
  let pending: { loc: Loc; startLine: number; problems: SchemaProblem[] } | undefined;

  function report(loc: Loc, path: string, message: string, rule = RULE): void {
    problemCount++;
    if (problems.length >= maxErrors) return;
    const p: SchemaProblem = { line: loc.line, column: loc.column, element: path, rule, message };
    problems.push(p);
    if (pending && pending.loc === loc) pending.problems.push(p);
  }

  /** Fix the line of the element started last: the line of the next event (libxml2 convention). */
  function settle(pos: XmlPosition): void {
    if (!pending) return;
    const { loc, startLine } = pending;
    if (pos.line !== startLine) {
      loc.line = pos.line;
      loc.column = pos.column;
      for (const p of pending.problems) {
        p.line = loc.line;
        p.column = loc.column;
      }
    }
    pending = undefined;
  }

  function childPath(
    parent: Frame | undefined,
    local: string,
    repeatable: boolean,
    counts?: Map<string, number>,
  ): string {
    const base = parent ? `${parent.path}/` : '';
    if (!counts) return base + local;
    const c = (counts.get(local) ?? 0) + 1;
    counts.set(local, c);
    return base + (repeatable || c > 1 ? `${local}[${c}]` : local);
  }

  function pushFor(content: Content, el: XmlElementStart, path: string, loc: Loc): void {
    if (content === 'signature') {
      stack.push({ kind: 'signature', path, loc, textReported: false });
      return;
    }
    if (content.kind === 'complex') {
      stack.push({
        kind: 'complex',
        type: content,
        path,
        loc,
        i: 0,
        n: 0,
        broken: false,
        textReported: false,
        counts: new Map(),
      });
    } else {
      stack.push({ kind: 'simple', type: content, path, loc, chunks: [], length: 0, childReported: false });
    }
    for (const a of el.attributes) {
      const an = a.uri ? `{${a.uri}}${a.local}` : a.local;
      report(loc, path, `Element '${el.local}', attribute '${an}': The attribute '${an}' is not allowed.`);
    }
  }

  const sink: XmlEventSink = {
    startElement(el: XmlElementStart): void {
      settle(el.pos);
      const loc: Loc = { line: el.pos.line, column: el.pos.column };
      pending = { loc, startLine: el.pos.line, problems: [] };
      if (skipDepth > 0) {
        skipDepth++;
        return;
      }
      const parent = stack[stack.length - 1];
      if (!parent) {
        // Validation root (Table 10.2).
        sawRoot = true;
        rootElement = el.local;
        const r = el.uri === TARGET_NAMESPACE ? rootByElement(el.local) : undefined;
        if (!r) {
          const msg =
            el.uri === DSIG_NAMESPACE && el.local === 'Signature'
              ? `Element '${qname(el.uri, el.local)}': a Signature is not a file of Table 10.2.`
              : `Element '${qname(el.uri, el.local)}': No matching global declaration available for the validation root (expected one of ${ROOTS.map((x) => x.element).join(', ')} in namespace ${TARGET_NAMESPACE}).`;
          report(loc, el.local, msg, 'TMAD 10.2');
          skipDepth = 1;
          return;
        }
        root = r;
        // TMAD 5.9.1 / 10.1 / 10.2: the type the file name states decides the structure expected.
        const stated = opts.fileName !== undefined ? fileTypeStatedByName(opts.fileName) : undefined;
        if (stated !== undefined && stated !== r.fileType)
          report(
            loc,
            el.local,
            `file name '${baseName(opts.fileName!)}' states file type ${stated} (TMAD 10.2 FileType) but the root element is '${el.local}' (file type ${r.fileType}): file type ${stated} must have the root element ${ROOT_OF_FILE_TYPE[stated]} (TMAD 10.1, Table 10.2)`,
            'TMAD 5.9.1',
          );
        if (opts.expectedFileType && opts.expectedFileType !== r.fileType)
          report(
            loc,
            el.local,
            `Root element '${el.local}' is a ${r.fileType}, expected a ${opts.expectedFileType}.`,
            'TMAD 10.2',
          );
        pushFor(COMPILED.get(r.type)!, el, el.local, loc);
        return;
      }
      if (parent.kind === 'signature') {
        skipDepth = 1; // xs:any processContents="skip"
        return;
      }
      if (parent.kind === 'simple') {
        if (!parent.childReported) {
          parent.childReported = true;
          report(
            parent.loc,
            parent.path,
            `Element '${elementName(parent.path)}': Element content is not allowed, because the type definition is simple.`,
          );
        }
        skipDepth = 1;
        return;
      }
      // Complex parent: advance the sequence.
      if (parent.broken) {
        skipDepth = 1;
        return;
      }
      const seq = parent.type.def.sequence;
      const target = el.uri === TARGET_NAMESPACE;
      const i0 = parent.i;
      const n0 = parent.n;
      let matched: ElementParticle | undefined;
      while (parent.i < seq.length) {
        const p = seq[parent.i]!;
        if (particleMatches(p, target, el.uri, el.local) && parent.n < p.maxOccurs) {
          parent.n++;
          matched = p;
          break;
        }
        if (parent.n >= minOf(p)) {
          parent.i++;
          parent.n = 0;
          continue;
        }
        break;
      }
      if (!matched) {
        // What could have come instead, from where this child was tried (as libxml2 lists it).
        const expected = expectedAt(seq, i0, n0, minOf);
        const path = childPath(parent, qname(el.uri, el.local), false, parent.counts);
        report(
          loc,
          path,
          `Element '${qname(el.uri, el.local)}': This element is not expected.${expectedText(expected)}`,
        );
        parent.broken = true;
        skipDepth = 1;
        return;
      }
      const path = childPath(parent, particleName(matched), matched.maxOccurs > 1, parent.counts);
      pushFor(parent.type.content[parent.i]!, el, path, loc);
    },

    endElement(el: XmlElementEnd): void {
      settle(el.pos);
      if (skipDepth > 0) {
        skipDepth--;
        return;
      }
      const f = stack.pop();
      if (!f) return;
      if (f.kind === 'complex') {
        if (!f.broken) {
          const seq = f.type.def.sequence;
          const i0 = f.i;
          const n0 = f.n;
          while (f.i < seq.length) {
            const p = seq[f.i]!;
            if (f.n >= minOf(p)) {
              f.i++;
              f.n = 0;
              continue;
            }
            const expected = expectedAt(seq, i0, n0, minOf);
            report(
              f.loc,
              f.path,
              `Element '${el.local}': Missing child element(s).${expectedText(expected)}`,
            );
            break;
          }
        }
      } else if (f.kind === 'simple' && f.length >= 0) {
        const value = f.chunks.length === 1 ? f.chunks[0]! : f.chunks.join('');
        const msg = checkSimpleValue(f.type, value);
        if (msg) report(f.loc, f.path, `Element '${el.local}': ${msg}`);
      }
    },

    text(text: string, pos: XmlPosition, cdata: boolean): void {
      settle(pos);
      if (skipDepth > 0) return;
      const f = stack[stack.length - 1];
      if (!f) return;
      if (f.kind === 'simple') {
        if (f.length < 0) return;
        f.length += text.length;
        if (f.length > maxValueLength) {
          // TMAD 5.9.1: the value is not kept (memory stays bounded); the file is invalid.
          f.length = -1;
          f.chunks = [];
          report(
            f.loc,
            f.path,
            `Element '${elementName(f.path)}': the value is longer than ${maxValueLength} characters (the limit on one value).`,
          );
          return;
        }
        f.chunks.push(text);
        return;
      }
      if (f.textReported) return;
      if (cdata || !WS.test(text)) {
        f.textReported = true;
        report(
          f.loc,
          f.path,
          `Element '${elementName(f.path)}': Character content other than whitespace is not allowed because the content type is 'element-only'.`,
        );
      }
    },

    comment(_text: string, pos: XmlPosition): void {
      settle(pos);
    },

    processingInstruction(_target: string, _body: string, pos: XmlPosition): void {
      settle(pos);
    },

    end(): void {
      ended = true;
      pending = undefined;
    },
  };

  return {
    sink,
    result(): SchemaValidationResult {
      const out: SchemaValidationResult = {
        valid: sawRoot && ended && problemCount === 0 && root !== undefined,
        problems: problems.slice(),
        truncated: problemCount > problems.length,
      };
      if (rootElement !== undefined) out.rootElement = rootElement;
      if (root) out.fileType = root.fileType;
      return out;
    },
  };
}
