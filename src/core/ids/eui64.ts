// EUI-64 identifiers: DCC User IDs, Device IDs, Entity Identifiers (TMAD 2; MAM 7.2.2).
// Canonical print form: eight upper-case hex octets joined by hyphens (70-B3-D5-1F-30-00-A0-01).
import { type Result, ok, err } from '../result.js';

declare const eui64Brand: unique symbol;
/** An EUI-64 in canonical hyphenated upper-case form. */
export type Eui64 = string & { readonly [eui64Brand]: true };

const HYPHENATED = /^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}$/;
const PLAIN = /^[0-9A-Fa-f]{16}$/;
const CANONICAL = /^[0-9A-F]{2}(-[0-9A-F]{2}){7}$/;

/** Parse hyphenated or plain 16-hex-digit input (either case) into canonical form. */
export function parseEui64(input: string): Result<Eui64> {
  // Fast path: already canonical (the common case when reading our own files at scale).
  if (input.length === 23 && CANONICAL.test(input)) return ok(input as Eui64);
  const s = input.trim();
  let hex: string;
  if (HYPHENATED.test(s)) hex = s.replace(/-/g, '');
  else if (PLAIN.test(s)) hex = s;
  else
    return err(
      `'${input}' is not an EUI-64: expected 16 hex digits, plain or as eight hyphen-separated octets`,
    );
  return ok(formatEui64Hex(hex));
}

/** True only for the canonical hyphenated upper-case form (as required in MA headers, MAM 7.2.2). */
export function isCanonicalEui64(input: string): input is Eui64 {
  return CANONICAL.test(input);
}

/** True for hyphenated EUI-64 of either case (MAM 7.2.2 "hyphenated EUI-64"). */
export function isHyphenatedEui64(input: string): boolean {
  return HYPHENATED.test(input);
}

function formatEui64Hex(hex: string): Eui64 {
  const h = hex.toUpperCase();
  return `${h.slice(0, 2)}-${h.slice(2, 4)}-${h.slice(4, 6)}-${h.slice(6, 8)}-${h.slice(8, 10)}-${h.slice(10, 12)}-${h.slice(12, 14)}-${h.slice(14, 16)}` as Eui64;
}

/** Canonical form of an EUI-64 given as 8 bytes. */
export function eui64FromBytes(bytes: Uint8Array): Eui64 {
  if (bytes.length !== 8) throw new RangeError(`EUI-64 needs 8 bytes, got ${bytes.length}`);
  return formatEui64Hex(Buffer.from(bytes).toString('hex'));
}

/** The 8 bytes of an EUI-64. */
export function eui64ToBytes(id: Eui64): Uint8Array {
  return Uint8Array.from(Buffer.from(id.replace(/-/g, ''), 'hex'));
}

/** 16 upper-case hex digits with no separators (the form used in certificate subjects; XML uses the hyphenated form). */
export function eui64ToPlainHex(id: Eui64): string {
  return id.replace(/-/g, '');
}

/**
 * Organisational Number of a DCC User ID: low nybble of octet 5 and octet 6 (MAM 7.2.2 split sites).
 * Two User IDs with equal Organisational Numbers belong to the same organisation.
 */
export function organisationalNumber(id: Eui64): number {
  const b = eui64ToBytes(id);
  return ((b[4]! & 0x0f) << 8) | b[5]!;
}
