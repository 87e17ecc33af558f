// Model-driven mapping between the SMETS1 Migration Schema (src/core/schema/model.ts, TMAD 10.1) and the
// typed objects of types.ts. Element order, cardinality and which elements exist come from the model at
// run time, so the readers and writers follow the schema rather than a second hand-written copy of it.
import {
  DSIG_NAMESPACE,
  MIGRATION_FILE_TYPES,
  rootByElement,
  rootByFileType,
  TARGET_NAMESPACE,
  complexType,
  contentOf,
  simpleType,
  type ElementParticle,
  type RootDef,
} from '../../schema/model.js';
import type { XmlWriter } from '../../../lib/xml/writer.js';
import type { SignedMigrationFileType } from './types.js';

export { DSIG_NAMESPACE, TARGET_NAMESPACE };

/** The repeated element that carries the installations in every Table 10.2 root. */
export const INSTALLATION_ELEMENT = 'SMETS1Installation';

export type ValueKind = 'complex' | 'counter' | 'flag' | 'text' | 'signature';

export interface Slot {
  readonly particle: ElementParticle;
  /** Index in the sequence (element order). */
  readonly index: number;
  /** Property name in the typed object. */
  readonly prop: string;
  readonly kind: ValueKind;
  /** maxOccurs > 1: the property is an array. */
  readonly repeated: boolean;
}

/** Property names that are not the plain camelCase of the element (CertificateId of src/core/ids). */
const PROPERTY_OVERRIDES: Readonly<Record<string, string>> = {
  X509IssuerName: 'issuerName',
  X509SerialNumber: 'serialNumber',
};

/** camelCase of a TMAD element name, acronyms as one word: ToBeCommissionedByDCC → toBeCommissionedByDcc. */
export function camelCaseElementName(name: string): string {
  const words = name.match(/[A-Z0-9]+(?=[A-Z][a-z]|$)|[A-Z][a-z0-9]*|[a-z0-9]+/g) ?? [name];
  return words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
}

function propertyName(p: ElementParticle): string {
  const base = PROPERTY_OVERRIDES[p.name] ?? camelCaseElementName(p.name);
  return p.maxOccurs > 1 && !base.endsWith('s') ? base + 's' : base;
}

function kindOf(typeName: string): ValueKind {
  if (typeName === 'ds:Signature') return 'signature';
  if (complexType(typeName)) return 'complex';
  const s = simpleType(typeName);
  if (!s) throw new Error(`schema model: unknown type ${typeName}`);
  if (s.base === 'unsignedLong') return 'counter';
  if (s.base === 'boolean') return 'flag';
  return 'text';
}

const slotCache = new Map<string, readonly Slot[]>();

/** The ordered slots of a complex type. */
export function slotsOf(typeName: string): readonly Slot[] {
  let s = slotCache.get(typeName);
  if (!s) {
    s = contentOf(typeName).map((particle, index) => ({
      particle,
      index,
      prop: propertyName(particle),
      kind: kindOf(particle.type),
      repeated: particle.maxOccurs > 1,
    }));
    slotCache.set(typeName, s);
  }
  return s;
}

export interface RootLayout {
  readonly root: RootDef;
  /** Header slots: the root's children before SMETS1Installation. */
  readonly header: readonly Slot[];
  /** The SMETS1Installation slot (its type is the installation type). */
  readonly installation: Slot;
  /** The ds:Signature slot (last). */
  readonly signature: Slot | undefined;
}

const layoutCache = new Map<string, RootLayout>();

/** Layout of a Table 10.2 root, by file type. */
export function rootLayout(fileType: SignedMigrationFileType): RootLayout {
  let l = layoutCache.get(fileType);
  if (!l) {
    const root = rootByFileType(fileType);
    const slots = slotsOf(root.type);
    const i = slots.findIndex((s) => s.particle.name === INSTALLATION_ELEMENT);
    if (i < 0) throw new Error(`schema model: ${root.element} has no ${INSTALLATION_ELEMENT}`);
    l = {
      root,
      header: slots.slice(0, i),
      installation: slots[i]!,
      signature: slots.find((s) => s.kind === 'signature'),
    };
    layoutCache.set(fileType, l);
  }
  return l;
}

/** Table 10.2 root element → file type (undefined for the plaintext roots and unknown names). */
export function signedFileTypeOfRoot(local: string): SignedMigrationFileType | undefined {
  const r = rootByElement(local);
  return r && (MIGRATION_FILE_TYPES as readonly string[]).includes(r.fileType)
    ? (r.fileType as SignedMigrationFileType)
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Encoding

export class MigrationFileWriteError extends Error {
  override name = 'MigrationFileWriteError';
}

function formatCounter(v: unknown, path: string): string {
  if (typeof v === 'bigint') {
    if (v < 0n) throw new MigrationFileWriteError(`${path}: a counter cannot be negative (${v})`);
    return v.toString();
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new MigrationFileWriteError(`${path}: expected a non-negative integer counter, got ${v}`);
    return String(v);
  }
  if (typeof v === 'string') return v; // written as given (tests may need a deliberately odd value)
  throw new MigrationFileWriteError(`${path}: expected a bigint counter, got ${typeof v}`);
}

function formatFlag(v: unknown, path: string): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return v;
  throw new MigrationFileWriteError(`${path}: expected a boolean, got ${typeof v}`);
}

function formatText(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  throw new MigrationFileWriteError(`${path}: expected a string, got ${typeof v}`);
}

/** Write one element of a slot (complex or simple). */
function writeOne(w: XmlWriter, slot: Slot, value: unknown, path: string): void {
  const name = slot.particle.name;
  switch (slot.kind) {
    case 'complex':
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new MigrationFileWriteError(`${path}: expected an object for ${name}`);
      w.startElement(name);
      writeSlots(w, slotsOf(slot.particle.type), value as Record<string, unknown>, path);
      w.endElement();
      return;
    case 'counter':
      w.element(name, formatCounter(value, path));
      return;
    case 'flag':
      w.element(name, formatFlag(value, path));
      return;
    case 'text':
      w.element(name, formatText(value, path));
      return;
    case 'signature':
      return; // added by the signer (src/core/xmldsig), never by a writer
  }
}

/** Write the children of an element, in schema order, from `obj`'s properties. */
export function writeSlots(
  w: XmlWriter,
  slots: readonly Slot[],
  obj: Record<string, unknown>,
  path: string,
): void {
  for (const slot of slots) {
    if (slot.kind === 'signature') continue;
    const p = slot.particle;
    const v = obj[slot.prop];
    const at = `${path}.${slot.prop}`;
    if (slot.repeated) {
      const arr = v === undefined || v === null ? [] : v;
      if (!Array.isArray(arr)) throw new MigrationFileWriteError(`${at}: expected an array of ${p.name}`);
      if (arr.length < p.minOccurs || arr.length > p.maxOccurs)
        throw new MigrationFileWriteError(
          `${at}: ${arr.length} ${p.name} element(s); the schema allows ${p.minOccurs} to ${p.maxOccurs === Infinity ? 'unbounded' : p.maxOccurs} (TMAD 10.1)`,
        );
      arr.forEach((item, i) => writeOne(w, slot, item, `${at}[${i}]`));
    } else if (v === undefined || v === null) {
      if (p.minOccurs > 0)
        throw new MigrationFileWriteError(`${at}: required element ${p.name} is missing (TMAD 10.1)`);
    } else {
      writeOne(w, slot, v, at);
    }
  }
}

/** Write a complete element of a complex type: `<name>…</name>`. */
export function writeComplexElement(
  w: XmlWriter,
  name: string,
  typeName: string,
  value: object,
  path: string,
  attributes?: Record<string, string>,
): void {
  w.startElement(name, attributes);
  writeSlots(w, slotsOf(typeName), value as Record<string, unknown>, path);
  w.endElement();
}
