// Certificate ID (TMAD 2): "the serial number of the Certificate and the Issuer X520 Common Name":
// X509SerialNumber (decimal integer) + X509IssuerName, written either as the issuer's bare Common
// Name ('Z1') or as an RFC 4514 distinguished name containing a CN ('CN=Z1,OU=07'). Two IDs name the
// same certificate when the serials are numerically equal and the issuers' Common Names are equal
// (docs/SPEC-DECISIONS.md). The Null Certificate ID is serial '0' with issuer 'NULL'; both parts must
// match (a serial of 0 with a real issuer is NOT Null).
import { type Result, ok, err } from '../result.js';

export interface CertificateId {
  /** Decimal integer, no sign, no leading zeros (except '0'). */
  readonly serialNumber: string;
  /**
   * The issuer: its bare X520 Common Name, or an RFC 4514 distinguished name with a CN; 'NULL' in the
   * Null Certificate ID.
   */
  readonly issuerName: string;
}

export const NULL_CERTIFICATE_ID: CertificateId = Object.freeze({ serialNumber: '0', issuerName: 'NULL' });

export function isNullCertificateId(id: CertificateId | null | undefined): boolean {
  return !!id && id.serialNumber === '0' && id.issuerName === 'NULL';
}

/** A stable string key for maps and database columns: `<serial>|<issuer>`. */
export function certificateIdKey(id: CertificateId): string {
  return `${id.serialNumber}|${id.issuerName}`;
}

export function sameCertificateId(a: CertificateId, b: CertificateId): boolean {
  return a.serialNumber === b.serialNumber && a.issuerName === b.issuerName;
}

/** X509SerialNumber as MAM Table 7.2.3 and TMAD 10.1 allow: a decimal integer of at most 44 characters. */
export const MAX_SERIAL_LENGTH = 44;

export function parseSerialNumber(input: string): Result<string> {
  if (!/^\d+$/.test(input)) return err(`'${input}' is not an X509SerialNumber: expected a decimal integer`);
  if (input.length > MAX_SERIAL_LENGTH)
    return err(`X509SerialNumber has ${input.length} characters: at most ${MAX_SERIAL_LENGTH} allowed`);
  // Canonical form (no leading zeros), so '007' and '7' name the same certificate in comparisons and keys.
  return ok(input.replace(/^0+(?=\d)/, ''));
}

/** An RFC 4514 attribute type at the start of a string: a descriptor or a dotted OID, then '='. */
const DN_START = /^\s*(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)\s*=/;
const CN_TYPES = new Set(['cn', 'commonname', '2.5.4.3']);

/** Split on an unescaped separator (in RFC 4514 a backslash escapes the next character). */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1]!;
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** An RFC 4514 attribute value with its escapes (backslash + character, or + two hex digits of UTF-8) resolved. */
function unescapeValue(v: string): string {
  // The usual value has no escape at all: return it as it is (this runs for every MA row).
  if (!v.includes('\\')) return v;
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let run = '';
  const flush = (): void => {
    if (run !== '') parts.push(enc.encode(run));
    run = '';
  };
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\' && i + 1 < v.length) {
      const hex = v.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        flush();
        parts.push(Uint8Array.of(parseInt(hex, 16)));
        i += 2;
      } else {
        run += v[i + 1]!;
        i++;
      }
    } else run += c;
  }
  flush();
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * TMAD 2: the Issuer X520 Common Name of a Certificate ID's issuer. A bare name ('Z1') is the Common
 * Name itself; an RFC 4514 distinguished name ('CN=Z1,OU=07') gives its CN (the first, i.e. the most
 * specific, when several). Refused: an empty issuer, a distinguished name without a CN, and a
 * malformed one (a part without '=').
 */
export function issuerCommonName(issuer: string): Result<string> {
  // An MA repeats a handful of issuer names on every row: remember the last few answers.
  const known = commonNameCache.get(issuer);
  if (known !== undefined) return known;
  const r = Object.freeze(parseIssuerCommonName(issuer));
  if (commonNameCache.size >= COMMON_NAME_CACHE_SIZE) commonNameCache.clear();
  commonNameCache.set(issuer, r);
  return r;
}

const COMMON_NAME_CACHE_SIZE = 256;
const commonNameCache = new Map<string, Result<string>>();

function parseIssuerCommonName(issuer: string): Result<string> {
  const t = issuer.trim();
  if (t === '') return err('the issuer name is empty: expected its X520 Common Name (TMAD 2)');
  if (!DN_START.test(t)) return ok(t);
  let cn: string | undefined;
  for (const rdn of splitUnescaped(t, ','))
    for (const atv of splitUnescaped(rdn, '+')) {
      const eq = atv.indexOf('=');
      if (eq < 0)
        return err(
          `issuer name '${issuer}' is not a distinguished name: '${atv.trim()}' has no '=' (expected e.g. CN=Z1,OU=07, or the bare Common Name Z1; TMAD 2)`,
        );
      if (cn === undefined && CN_TYPES.has(atv.slice(0, eq).trim().toLowerCase()))
        cn = unescapeValue(atv.slice(eq + 1).trim());
    }
  if (cn === '')
    return err(`issuer name '${issuer}' has an empty CN: expected the Issuer X520 Common Name (TMAD 2)`);
  if (cn !== undefined) return ok(cn);
  return err(
    `issuer name '${issuer}' is a distinguished name without a CN: a Certificate ID names its issuer by the Issuer X520 Common Name (TMAD 2), e.g. CN=Z1,OU=07 or Z1`,
  );
}

/** X520 commonName equality (caseIgnoreMatch): Unicode NFC, white space runs as one space, case folded. */
function commonNameKey(cn: string): string {
  return cn.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** A bound on serial digits compared (an X.509 serial is at most 20 octets, 49 decimal digits). */
const MAX_COMPARED_SERIAL_DIGITS = 100;

function serialValue(s: string): bigint | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const digits = s.replace(/^0+(?=[0-9])/, '');
  return digits.length > MAX_COMPARED_SERIAL_DIGITS ? undefined : BigInt(digits);
}

/**
 * TMAD 2: does this Certificate ID identify this certificate? The serials are numerically equal
 * (compared as integers: leading zeros are irrelevant) and the Common Name of the ID's issuer equals the
 * Common Name of the certificate's issuer (X520 caseIgnoreMatch). The Null Certificate ID never
 * matches a certificate.
 */
export function certificateIdMatches(
  id: CertificateId,
  certificate: { readonly serialNumber: string; readonly issuerName: string },
): boolean {
  if (id.issuerName === 'NULL' && serialValue(id.serialNumber) === 0n) return false;
  const a = serialValue(id.serialNumber);
  if (a === undefined || a !== serialValue(certificate.serialNumber)) return false;
  const cnA = issuerCommonName(id.issuerName);
  const cnB = issuerCommonName(certificate.issuerName);
  return cnA.ok && cnB.ok && commonNameKey(cnA.value) === commonNameKey(cnB.value);
}

export function parseCertificateId(serialNumber: string, issuerName: string): Result<CertificateId> {
  if (serialNumber === '0' && issuerName === 'NULL') return ok(NULL_CERTIFICATE_ID);
  const s = parseSerialNumber(serialNumber);
  if (!s.ok) return s;
  if (issuerName.trim() === '')
    return err('X509IssuerName is empty: an issuer name is required with a serial number');
  // TMAD 2: 'NULL' is the issuer of the Null Certificate ID only; with any other serial it is neither Null nor real.
  if (issuerName === 'NULL' && s.value === '0') return ok(NULL_CERTIFICATE_ID); // e.g. serial '00'
  if (issuerName === 'NULL')
    return err(
      `issuer 'NULL' with serial ${serialNumber}: the Null Certificate ID is serial 0 with issuer NULL (TMAD 2)`,
    );
  // TMAD 2: the issuer is named by its X520 Common Name: a bare CN, or a distinguished name with a CN.
  const cn = issuerCommonName(issuerName);
  if (!cn.ok) return cn;
  return ok({ serialNumber: s.value, issuerName });
}
