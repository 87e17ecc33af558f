// Lexical validation of the XSD simple types used by the SMETS1 Migration Schema (TMAD 10.1).
//
// XSD 1.0 Part 2 semantics for the subset in use, with libxml2's behaviour where it differs (xmllint
// is our cross-check oracle; see docs/SPEC-DECISIONS.md "TMAD 10.1 lexical types"):
// - xs:string: whiteSpace preserve; length facets count Unicode code points; pattern on the raw value.
// - xs:boolean: whiteSpace collapse; lexical space true | false | 1 | 0.
// - xs:base64Binary: whiteSpace collapse; XSD Base64Binary grammar (incl. the B16/B04 rules for the
//   character before '=' / '=='); pattern on the collapsed value.
// - xs:unsignedLong: whiteSpace collapse; an optional '+' then digits, value <= 18446744073709551615
//   ('-0' is rejected, as libxml2 does; our CounterType pattern [0-9]{1,20} forbids signs anyway).
//   NOTE: libxml2 2.9 rejects surrounding whitespace for a restriction of unsignedLong WITHOUT facets;
//   with the pattern facet it collapses as XSD says, which is why CounterType carries that pattern.
import type { SimpleTypeDef } from './model.js';

const patternCache = new Map<string, RegExp>();
/** RFC 4648 base64 alphabet membership by char code. */
const B64 = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
  B64[ch.charCodeAt(0)] = 1;
const CANONICAL_BEFORE_ONE_PAD = new Set('AEIMQUYcgkosw048');
const CANONICAL_BEFORE_TWO_PADS = new Set('AQgw');

/**
 * Padded base64 without spaces, in one pass (the regular expressions below walk a long value several
 * times over; MEFs carry megabytes of it). `canonical`: the XSD 1.0 base64Binary grammar (the bits
 * after the last full octet are zero); otherwise the Base64Type pattern.
 */
function isPaddedBase64(s: string, canonical: boolean): boolean {
  const n = s.length;
  if (n % 4 !== 0) return false;
  let pad = 0;
  if (n > 0 && s.charCodeAt(n - 1) === 61) pad = s.charCodeAt(n - 2) === 61 ? 2 : 1;
  for (let i = 0; i < n - pad; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || B64[c] === 0) return false;
  }
  if (!canonical || pad === 0) return true;
  return pad === 1 ? CANONICAL_BEFORE_ONE_PAD.has(s[n - 2]!) : CANONICAL_BEFORE_TWO_PADS.has(s[n - 3]!);
}

/** Patterns with an equivalent one-pass check (model.ts Base64Type). */
const BASE64_TYPE_PATTERN = '([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?';
const FAST_PATTERNS = new Map<string, (s: string) => boolean>([
  [BASE64_TYPE_PATTERN, (v) => isPaddedBase64(v, false)],
]);

function compiled(pattern: string): { test(s: string): boolean } {
  const fast = FAST_PATTERNS.get(pattern);
  if (fast) return { test: fast };
  let re = patternCache.get(pattern);
  if (!re) {
    // Our patterns use ASCII classes, quantifiers, groups and alternation only: the XSD and
    // JavaScript dialects agree on these. XSD patterns are implicitly anchored.
    re = new RegExp(`^(?:${pattern})$`, 'u');
    patternCache.set(pattern, re);
  }
  return re;
}

/** XSD whiteSpace="collapse". */
export function collapse(s: string): string {
  return s.replace(/[\t\n\r ]+/g, ' ').replace(/^ | $/g, '');
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * The largest xs:unsignedLong, 2^64 - 1 (XSD 1.0 Part 2, 3.3.21): the range of every counter of the
 * SMETS1 Migration Schema (CounterType) and of every Stored Counter (TMAD 5.6, Table 5.7). The one
 * definition in s1mig; everything else imports it.
 */
export const MAX_UNSIGNED_LONG = (1n << 64n) - 1n;
/** The XSD 1.0 base64Binary grammar (no spaces), as a regular expression; isPaddedBase64 is the check used. */
export const BASE64_GRAMMAR =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=|[A-Za-z0-9+/][AQgw]==)?$/;

function show(v: string): string {
  return v.length > 80 ? `${v.slice(0, 77)}...` : v;
}

/** Check a value against its simple type. Returns undefined when valid, else a message. */
export function checkSimpleValue(type: SimpleTypeDef, raw: string): string | undefined {
  let value = raw;
  // A space-free value of canonical base64 also matches the Base64Type pattern (its grammar is narrower).
  let canonicalBase64 = false;
  switch (type.base) {
    case 'string':
      break;
    case 'boolean':
      value = collapse(raw);
      if (!/^(?:true|false|1|0)$/.test(value))
        return `'${show(value)}' is not a valid value of the atomic type '${type.name}' (xs:boolean: true, false, 1 or 0).`;
      break;
    case 'base64Binary':
      value = collapse(raw);
      if (!isPaddedBase64(value.includes(' ') ? value.replace(/ /g, '') : value, true))
        return `'${show(value)}' is not a valid value of the atomic type '${type.name}' (xs:base64Binary).`;
      canonicalBase64 = !value.includes(' ');
      break;
    case 'unsignedLong':
      value = collapse(raw);
      if (!/^\+?[0-9]+$/.test(value) || BigInt(value) > MAX_UNSIGNED_LONG)
        return `'${show(value)}' is not a valid value of the atomic type '${type.name}' (xs:unsignedLong: 0 to ${MAX_UNSIGNED_LONG}).`;
      break;
  }
  if (type.minLength !== undefined || type.maxLength !== undefined) {
    const len = codePoints(value);
    if (type.minLength !== undefined && len < type.minLength)
      return `[facet 'minLength'] The value has a length of '${len}'; this underruns the allowed minimum length of '${type.minLength}'.`;
    if (type.maxLength !== undefined && len > type.maxLength)
      return `[facet 'maxLength'] The value has a length of '${len}'; this exceeds the allowed maximum length of '${type.maxLength}'.`;
  }
  if (
    type.pattern !== undefined &&
    !(canonicalBase64 && type.pattern === BASE64_TYPE_PATTERN) &&
    !compiled(type.pattern).test(value)
  )
    return `[facet 'pattern'] The value '${show(value)}' is not accepted by the pattern '${type.pattern}'.`;
  return undefined;
}
